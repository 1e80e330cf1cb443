"""Domain errors as HTTP answers: the one table that says which status answers
which outcome. Every error body is `{"Code": ..., "Message": ...}`, Chalice's
own shape; Chalice's error classes set no headers and have no 413, so the
answer is built here as a `chalice.Response`."""
from __future__ import annotations

from typing import Optional

from chalice import Response

from chalicelib.base.errors import (
    Conflict,
    DomainError,
    Forbidden,
    InvalidInput,
    NotFound,
    TooManyRequests,
    Unauthorized,
)
from chalicelib.web.responses import json_response


class RequestTooLarge(DomainError):
    """The request body is over the size the API reads."""


class NotAcceptable(DomainError):
    """The client does not accept the only type this answer can have."""


HTTP_ANSWERS: dict[type[DomainError], tuple[int, str]] = {
    InvalidInput: (400, "BadRequest"),
    Unauthorized: (401, "Unauthorized"),
    Forbidden: (403, "Forbidden"),
    NotFound: (404, "NotFound"),
    NotAcceptable: (406, "NotAcceptable"),
    Conflict: (409, "Conflict"),
    RequestTooLarge: (413, "PayloadTooLarge"),
    TooManyRequests: (429, "TooManyRequests"),
}


def http_answer(error: DomainError) -> tuple[int, str]:
    """(status, code) of the most specific class of `error` in the table; 400 otherwise."""
    for kind in type(error).__mro__:
        if kind in HTTP_ANSWERS:
            return HTTP_ANSWERS[kind]
    return 400, "BadRequest"


def error_headers(error: DomainError) -> Optional[dict[str, str]]:
    """What an answer to `error` says besides its body: when to try again, after a 429."""
    return {"Retry-After": str(error.retry_after)} if isinstance(error, TooManyRequests) else None


def error_response(error: DomainError) -> Response:
    status, code = http_answer(error)
    return json_response({"Code": code, "Message": error.message}, status, error_headers(error))


def internal_error_response() -> Response:
    return json_response({"Code": "InternalError", "Message": "internal error"}, 500)
