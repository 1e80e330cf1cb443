"""What only an HTTP request has: a body size, query parameters, an Accept header."""
from __future__ import annotations

import re
from typing import Any, Mapping, Optional, Union

from chalicelib.base.config import settings
from chalicelib.base.errors import InvalidInput, NotFound
from chalicelib.base.validation import MAX_ID_LENGTH
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


def api_base_url(headers: Mapping[str, str], context: Mapping[str, Any]) -> str:
    """Where this API answers: `AFFILINK_API_BASE_URL` if set; in AWS the request's own host and
    stage (the stack cannot name the API to its own function: a cycle); locally `PUBLIC_BASE_URL`,
    which serves everything. Webhook URLs are built on it: in AWS the short-link domain serves
    only taps."""
    configured = settings().api_base_url
    if configured:
        return configured
    host = (headers.get("host") or "").strip().lower()
    stage = context.get("stage")
    if host.endswith(".amazonaws.com") and isinstance(stage, str) and re.fullmatch(r"[a-z0-9.-]+", host):
        return f"https://{host}/{stage}"
    return settings().public_base_url


def check_path_ids(path_params: Mapping[str, str]) -> None:
    """A path naming an id longer than any id names nothing: NotFound, before DynamoDB refuses a
    key that long with an error of its own (a 500 for the caller)."""
    if any(len(value) > MAX_ID_LENGTH for value in path_params.values()):
        raise NotFound("not found")
