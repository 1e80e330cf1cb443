"""Identifiers: unguessable, URL-safe, `[A-Za-z0-9]` only."""
from __future__ import annotations

import string

import shortuuid

_ALPHANUMERIC = shortuuid.ShortUUID(alphabet=string.ascii_letters + string.digits)


def random_code(length: int) -> str:
    """A cryptographically random string of `length` characters from [A-Za-z0-9]."""
    return _ALPHANUMERIC.random(length=length)


def new_id(prefix: str) -> str:
    return f"{prefix}_{random_code(22)}"
