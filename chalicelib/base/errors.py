"""What went wrong, in the language of the domain. These are plain exceptions:
they say what happened, not which HTTP status answers it. The web layer maps
them to status codes in one table (`chalicelib/web/errors.py`), so that a
caller other than the JSON API (a shop integration, a scheduled job) can
answer the same outcome its own way."""
from __future__ import annotations


class DomainError(Exception):
    """A request the domain refuses; `message` says why, for the caller."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class InvalidInput(DomainError):
    """The input is malformed or breaks a rule; nothing was written."""


class Unauthorized(DomainError):
    """The caller could not be identified: no key, an unknown key, a bad signature."""


class Forbidden(DomainError):
    """The caller is known but may not do this."""


class NotFound(DomainError):
    """No such thing, or one that belongs to another tenant."""


class Conflict(DomainError):
    """It clashes with what is stored: a taken alias or handle, an order reported differently."""


class TooManyRequests(DomainError):
    """The caller is over a rate limit; `retry_after` seconds until it may try again."""

    def __init__(self, message: str, retry_after: int):
        super().__init__(message)
        self.retry_after = retry_after
