"""Plain checks for JSON bodies and their fields, shared by every capability.
Every failure is an `InvalidInput` that names the field; nothing here touches storage."""
from __future__ import annotations

import json
import re
from typing import Any, Iterable, Mapping, Optional, Union

from chalicelib.base.errors import InvalidInput

MAX_SAFE_INTEGER = 9_007_199_254_740_991
MAX_ID_LENGTH = 128  # order, refund and click ids (the contract), and every id we mint is shorter
_MISSING = object()


def _reject_constant(name: str) -> None:
    raise ValueError(f"{name} is not valid JSON")


class _DuplicateKey(ValueError):
    pass


def _object_without_duplicates(pairs: list) -> dict:
    # A signed body must mean one thing: with a repeated key, the sender's parser
    # and ours could read different values from the same signed bytes.
    seen: set = set()
    for key, _value in pairs:
        if key in seen:
            raise _DuplicateKey(key)
        seen.add(key)
    return dict(pairs)


def parse_json_object(raw: Union[str, bytes, None]) -> dict:
    """The request body as a JSON object, or a 400 that says why not."""
    if not raw:
        raise InvalidInput("request body must be a JSON object")
    try:
        text = raw.decode("utf-8") if isinstance(raw, bytes) else raw
        body = json.loads(text, parse_constant=_reject_constant, object_pairs_hook=_object_without_duplicates)
    except _DuplicateKey as repeated:
        raise InvalidInput(f"request body repeats the field {str(repeated)[:64]!r}") from None
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise InvalidInput("request body is not valid JSON") from None
    if not isinstance(body, dict):
        raise InvalidInput("request body must be a JSON object")
    if _SURROGATE_ESCAPE.search(text) and not _is_unicode_text(body):
        # `"\ud800"` alone decodes to a string that is not Unicode text: it can be
        # neither stored nor encoded later (a 5xx), so it is refused here.
        raise InvalidInput("request body has an unpaired surrogate escape (\\ud800 to \\udfff)")
    return body


_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


def _is_unicode_text(body: dict) -> bool:
    try:
        json.dumps(body, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def reject_unknown_fields(body: Mapping[str, Any], allowed: Iterable[str]) -> None:
    unknown = sorted(set(body) - set(allowed))
    if unknown:
        raise InvalidInput(f"unknown field(s): {', '.join(unknown)}")


def string(
    body: Mapping[str, Any],
    field: str,
    *,
    min_length: int = 1,
    max_length: int,
    required: bool = True,
    nullable: bool = False,
) -> Optional[str]:
    value = body.get(field, _MISSING)
    if value is _MISSING:
        if required:
            raise InvalidInput(f"{field} is required")
        return None
    if value is None:
        if nullable or not required:
            return None
        raise InvalidInput(f"{field} is required")
    if not isinstance(value, str):
        raise InvalidInput(f"{field} must be a string")
    if not min_length <= len(value) <= max_length:
        raise InvalidInput(f"{field} must be {min_length} to {max_length} characters")
    # No field of the API is text with control characters in it: a NUL or an ESC in an id or a
    # link's source is a mistake or an attack on whoever reads it later (a log, a CSV, a shell).
    reject_control_characters(value, field)
    return value


def reject_control_characters(value: str, field: str) -> None:
    """`InvalidInput` for a value holding a control character (NUL, ESC, CR, …)."""
    if any(ord(char) < 0x20 or 0x7F <= ord(char) < 0xA0 for char in value):
        raise InvalidInput(f"{field} must not contain control characters")


def required_string(body: Mapping[str, Any], field: str, *, min_length: int = 1, max_length: int) -> str:
    """`string` of a field that must be there."""
    value = string(body, field, min_length=min_length, max_length=max_length)
    if value is None:
        raise InvalidInput(f"{field} is required")
    return value


def integer(
    body: Mapping[str, Any],
    field: str,
    *,
    minimum: int = 0,
    maximum: int = MAX_SAFE_INTEGER,
    required: bool = True,
    default: Optional[int] = None,
) -> Optional[int]:
    value = body.get(field, _MISSING)
    if value is _MISSING or value is None:
        if required:
            raise InvalidInput(f"{field} is required")
        return default
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInput(f"{field} must be an integer")
    if not minimum <= value <= maximum:
        raise InvalidInput(f"{field} must be between {minimum} and {maximum}")
    return value


def required_integer(
    body: Mapping[str, Any], field: str, *, minimum: int = 0, maximum: int = MAX_SAFE_INTEGER
) -> int:
    """`integer` of a field that must be there."""
    value = integer(body, field, minimum=minimum, maximum=maximum)
    if value is None:
        raise InvalidInput(f"{field} is required")
    return value


def boolean(body: Mapping[str, Any], field: str) -> Optional[bool]:
    value = body.get(field, _MISSING)
    if value is _MISSING:
        return None
    if not isinstance(value, bool):
        raise InvalidInput(f"{field} must be true or false")
    return value


def choice(body: Mapping[str, Any], field: str, options: Iterable[str], *, default=None):
    options = tuple(options)
    value = body.get(field, _MISSING)
    if value is _MISSING or value is None:
        if default is None:
            raise InvalidInput(f"{field} is required")
        return default
    if value not in options:
        raise InvalidInput(f"{field} must be one of: {', '.join(options)}")
    return value

