"""Reviewers decide quarantined cases: relink, create the missing lead, purge, and undo.

Every action is one transaction under the pipeline's advisory lock (a review never interleaves
with a run), writes a history row naming the reviewer, and is refused whole with a clear
message when its request is invalid. A preview runs the very same statements and rolls back,
so it shows exactly what the action would do (sequences may advance; no row stays).

One job per module: `inputs` cleans what a reviewer typed, `refusals` names the ways a request
is refused, `actions` are the four actions on a connection, `transaction` is the one locked
transaction that single and bulk reviews share, `apply` the entry points (`review`,
`bulk_review`), `history` a driver's story, and `decisions` reads the bulk decisions file.
"""

from orphans_pipeline.core.review.actions import ReviewOutcome
from orphans_pipeline.core.review.apply import bulk_review, review
from orphans_pipeline.core.review.decisions import read_decisions
from orphans_pipeline.core.review.history import driver_history
from orphans_pipeline.core.review.inputs import CONTROL_CATEGORIES, MAX_TEXT
from orphans_pipeline.core.review.refusals import ReviewConflict, ReviewNotFound, ReviewRefused

__all__ = [
    "CONTROL_CATEGORIES",
    "MAX_TEXT",
    "ReviewConflict",
    "ReviewNotFound",
    "ReviewOutcome",
    "ReviewRefused",
    "bulk_review",
    "driver_history",
    "read_decisions",
    "review",
]
