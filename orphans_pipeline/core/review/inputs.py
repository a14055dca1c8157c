"""What a reviewer types (names, notes, ids), cleaned or refused before any statement runs."""

import unicodedata

from orphans_pipeline.core.review.names import invisible_characters, skeleton
from orphans_pipeline.core.review.refusals import ReviewRefused
from orphans_pipeline.core.vocabulary import PIPELINE_ACTOR

MAX_TEXT = 2000
# Actor names that are the pipeline's: never a reviewer's, nor any name that looks like one
# (compared by skeleton, so any case, separator, width or look-alike letter counts).
RESERVED_ACTORS = (PIPELINE_ACTOR, "orphans_pipeline", "system")
RESERVED_SKELETONS = {skeleton(name): name for name in RESERVED_ACTORS}
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
    """The reviewer's name as typed (stripped), or refused: it must be visible, and must not
    read as one of the pipeline's names (NFKC, case-folded, compared by skeleton)."""
    name = clean(value, "reviewer name", plain=True)
    hidden = invisible_characters(name)
    if hidden:
        raise ReviewRefused(
            f"reviewer name contains invisible or blank characters ({', '.join(hidden)}): "
            "use your own name in plain letters, with ordinary spaces"
        )
    reserved = RESERVED_SKELETONS.get(skeleton(name))
    if reserved is not None:
        raise ReviewRefused(
            f"reviewer name {name!r} reads as {reserved!r}, a name reserved for the pipeline: "
            "use your own name"
        )
    return name
