"""What a reviewer types (names, notes, ids), cleaned or refused before any statement runs."""

import unicodedata

from orphans_pipeline.core.review.refusals import ReviewRefused
from orphans_pipeline.core.vocabulary import PIPELINE_ACTOR

MAX_TEXT = 2000
# Actor names that are the pipeline's, or read as if they were: never a reviewer's.
RESERVED_ACTORS = frozenset(
    {PIPELINE_ACTOR, "orphans_pipeline", "orphans-pipeline", "orphans pipeline", "system"}
)
# Control and format characters (newlines, escape sequences, bidirectional overrides): they
# could forge lines or hide text where names and notes are printed.
CONTROL_CATEGORIES = ("Cc", "Cf", "Zl", "Zp")


def has_control_characters(text: str) -> bool:
    return any(unicodedata.category(char) in CONTROL_CATEGORIES for char in text)


def clean(value: str | None, what: str, *, required: bool = True, plain: bool = False) -> str:
    """`value` stripped, or refused; `plain` text (names, notes) has no control characters."""
    text = (value or "").strip()
    if required and not text:
        raise ReviewRefused(f"{what} is empty")
    if len(text) > MAX_TEXT:
        raise ReviewRefused(f"{what} is longer than {MAX_TEXT} characters")
    if "\x00" in text:
        raise ReviewRefused(f"{what} contains a NUL character")
    if plain and has_control_characters(text):
        raise ReviewRefused(
            f"{what} contains a control character (a newline, tab, escape or format "
            "character): use plain text on one line"
        )
    return text


def reviewer_name(value: str | None) -> str:
    name = clean(value, "reviewer name", plain=True)
    if " ".join(name.lower().split()) in RESERVED_ACTORS:
        raise ReviewRefused(
            f"reviewer name {name!r} is reserved for the pipeline: use your own name"
        )
    return name
