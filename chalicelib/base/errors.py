"""Domain errors. Each carries the HTTP status the API answers with; the
translation to a response happens in one place (`chalicelib/web.py`)."""
from __future__ import annotations


class DomainError(Exception):
    status = 400
    code = "BadRequest"

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class InvalidInput(DomainError):
    status = 400
    code = "BadRequest"


class Unauthorized(DomainError):
    status = 401
    code = "Unauthorized"


class Forbidden(DomainError):
    status = 403
    code = "Forbidden"


class NotFound(DomainError):
    status = 404
    code = "NotFound"


class NotAcceptable(DomainError):
    status = 406
    code = "NotAcceptable"


class Conflict(DomainError):
    status = 409
    code = "Conflict"


class Gone(DomainError):
    status = 410
    code = "Gone"


class PayloadTooLarge(DomainError):
    status = 413
    code = "PayloadTooLarge"


class TooManyRequests(DomainError):
    status = 429
    code = "TooManyRequests"

    def __init__(self, message: str, retry_after: int):
        super().__init__(message)
        self.retry_after = retry_after
