"""Identifiers: unguessable, URL-safe, `[A-Za-z0-9]` only."""
from __future__ import annotations

import string

import shortuuid

_ALPHANUMERIC = shortuuid.ShortUUID(alphabet=string.ascii_letters + string.digits)


def random_code(length: int) -> str:
    """A cryptographically random string of `length` characters from [A-Za-z0-9]."""
    return _ALPHANUMERIC.random(length=length)


def random_uuid_code() -> str:
    """A random UUID (122 random bits) as 22 characters of [A-Za-z0-9]: four times cheaper than
    `random_code(22)`, for the id every tap mints."""
    return _ALPHANUMERIC.uuid()


def new_id(prefix: str) -> str:
    return f"{prefix}_{random_code(22)}"
