"""What only an HTTP request has: a body size, query parameters, an Accept header."""
from __future__ import annotations

from typing import Optional, Union

from chalicelib.base.errors import InvalidInput
from chalicelib.web.errors import NotAcceptable, RequestTooLarge

MAX_BODY_BYTES = 65_536


def check_body_size(raw: Union[str, bytes, None]) -> None:
    if raw is not None and len(raw) > MAX_BODY_BYTES:
        raise RequestTooLarge(f"request body is over {MAX_BODY_BYTES} bytes")


def page_limit(raw: Optional[str], default: int = 50) -> int:
    if raw is None:
        return default
    if not (raw.isascii() and raw.isdigit()) or not 1 <= int(raw) <= 100:
        raise InvalidInput("limit must be an integer from 1 to 100")
    return int(raw)


def require_accept(accept: Optional[str], content_type: str) -> None:
    """API Gateway returns a binary body only to a client that accepts its type."""
    if content_type not in (accept or ""):
        raise NotAcceptable(f"this answer is {content_type}: ask with the header Accept: {content_type}")
