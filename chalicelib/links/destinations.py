"""Link destinations.

This is what keeps a short link from becoming an open redirect, so it is
strict: absolute http(s) URLs only, no user-info, no backslash (browsers read
it as `/`), no whitespace or control character anywhere, and a host that is
one of the brand's allowed domains or a subdomain of one.
"""
from __future__ import annotations

import re
import unicodedata
from typing import Iterable
from urllib.parse import quote, urlsplit

from chalicelib.base.errors import InvalidInput
from chalicelib.base.hosts import host_is_allowed, looks_like_ip_address, normalize_host

MAX_DESTINATION_LENGTH = 2048
_URL_START = re.compile(r"^https?://", re.IGNORECASE)


def _has_forbidden_character(text: str) -> bool:
    for char in text:
        if char == "\\" or char.isspace():
            return True
        # Cs: a lone surrogate (from a JSON escape) is no character at all and cannot be encoded.
        if unicodedata.category(char) in ("Cc", "Cf", "Cs", "Zl", "Zp", "Zs"):
            return True
    return False


def validate_destination(value: object, allowed_domains: Iterable[str]) -> str:
    """The destination as it will be stored and redirected to, or a 400."""
    if not isinstance(value, str) or not value:
        raise InvalidInput("destination must be an absolute http or https URL")
    if len(value) > MAX_DESTINATION_LENGTH:
        raise InvalidInput(f"destination must be at most {MAX_DESTINATION_LENGTH} characters")
    if _has_forbidden_character(value):
        raise InvalidInput("destination must not contain a backslash, whitespace or control characters")
    if not _URL_START.match(value):
        raise InvalidInput("destination must be an absolute http or https URL")
    try:
        parts = urlsplit(value)
        port = parts.port
    except ValueError:
        raise InvalidInput("destination is not a valid URL") from None
    if "@" in parts.netloc:
        raise InvalidInput("destination must not contain user information (user@host)")
    raw_host = parts.hostname or ""
    if not raw_host:
        raise InvalidInput("destination must have a host name")
    if ":" in raw_host or "[" in parts.netloc:  # an IP literal (`hostname` drops the brackets)
        raise InvalidInput("destination host must be a DNS name, not an IP address")
    host = normalize_host(raw_host)
    if host is None:
        raise InvalidInput("destination host is not a valid DNS host name")
    if looks_like_ip_address(host):
        raise InvalidInput("destination host must be a DNS name, not an IP address")
    if not host_is_allowed(host, allowed_domains):
        raise InvalidInput(f"destination host {host} is not allowed by this brand")
    if port == 0:
        raise InvalidInput("destination port must be from 1 to 65535")
    netloc = host if port is None else f"{host}:{port}"
    rest = value[len(parts.scheme) + 3 + len(parts.netloc):]
    # Only characters outside ASCII are escaped; what was written in ASCII stays as written.
    rest = quote(rest, safe="".join(chr(c) for c in range(0x21, 0x7F)))
    destination = f"{parts.scheme.lower()}://{netloc}{rest}"
    if len(destination) > MAX_DESTINATION_LENGTH:
        # What is stored and sent in Location is the encoded form: that is what must fit.
        raise InvalidInput(f"destination must be at most {MAX_DESTINATION_LENGTH} characters once encoded")
    return destination
