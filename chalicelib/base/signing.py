"""The `t=<unix seconds>,v1=<hex>` webhook signature scheme, shared by Affilink's own
webhook (`Affilink-Signature`) and Stripe's (`Stripe-Signature`): `v1` is the hex
HMAC-SHA256 of `"<t>.<raw body>"`; `t` must be within 300 s of now; several `v1` may be
given and one match is enough; unknown schemes (`v0=`) are ignored. Every failure is an
`Unauthorized` whose message never holds a secret or an expected value."""
from __future__ import annotations

import hashlib
import hmac
import re
from typing import Iterable

from chalicelib.base.errors import Unauthorized

TOLERANCE_SECONDS = 300
_TIMESTAMP = re.compile(r"[0-9]{1,12}")
_HEX_DIGEST = re.compile(r"[0-9a-fA-F]{64}")


def sign(secret: str, timestamp: int, raw_body: bytes) -> str:
    """The `v1` value for `raw_body` sent at `timestamp` (unix seconds)."""
    message = str(timestamp).encode("ascii") + b"." + raw_body
    return hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()


def parse_header(header: object, name: str) -> tuple[int, list[str]]:
    """`(t, [v1, …])` of the header called `name`; `Unauthorized` when missing or malformed.
    A `v1` that is not 64 hex digits can never match and is dropped."""
    if not isinstance(header, str) or not header.strip():
        raise Unauthorized(f"missing {name} header")
    timestamps: list[str] = []
    candidates: list[str] = []
    for part in header.split(","):
        key, sep, value = part.strip().partition("=")
        value = value.strip()
        if not sep:
            continue
        if key == "t":
            timestamps.append(value)
        elif key == "v1" and _HEX_DIGEST.fullmatch(value):
            candidates.append(value.lower())
    if len(timestamps) != 1 or not _TIMESTAMP.fullmatch(timestamps[0]):
        raise Unauthorized(f"{name} must be t=<unix seconds>,v1=<hex HMAC-SHA256>")
    if not candidates:
        raise Unauthorized(f"{name} has no v1 signature that matches")
    return int(timestamps[0]), candidates


def check_timestamp(timestamp: int, now: float, name: str) -> None:
    if abs(now - timestamp) > TOLERANCE_SECONDS:
        raise Unauthorized(f"{name} timestamp is more than {TOLERANCE_SECONDS} s away from now")


def matches(secrets: Iterable[str], timestamp: int, raw_body: bytes, candidates: list[str]) -> bool:
    """Any candidate is the signature under any secret; every comparison is made, each in constant time."""
    matched = False
    for secret in secrets:
        if not secret:  # an empty key would let anyone sign
            continue
        expected = sign(secret, timestamp, raw_body).encode("ascii")
        for candidate in candidates:
            matched |= hmac.compare_digest(expected, candidate.encode("ascii"))
    return matched
