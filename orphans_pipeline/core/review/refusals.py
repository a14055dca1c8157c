"""The ways a review request is refused: nothing was written, and the message says why.

They are `ValueError`s (bad input): the CLI exits 2; the API answers 400, 404 or 409.
"""


class ReviewRefused(ValueError):
    """The request is invalid; nothing was written. The message says why."""


class ReviewNotFound(ReviewRefused):
    """The driver has no quarantine row (or no history): nothing to decide or show."""


class ReviewConflict(ReviewRefused):
    """The request is valid but the data has moved on since (the API answers 409)."""
