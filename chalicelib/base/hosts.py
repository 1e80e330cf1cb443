"""Host names as a browser reads them: normalised (lower case, no trailing dot,
IDN in punycode), told apart from IP addresses, and matched against a brand's
allowed domains. Shared by a brand's allowed domains (accounts), link
destinations (links) and the redirect (tap); kept free of heavy imports, since
the redirect calls `host_is_allowed` on every cold start.
"""
from __future__ import annotations

import ipaddress
import re
from typing import Iterable, Optional

_ASCII_HOST = re.compile(r"^[a-z0-9.-]+$")
_NUMERIC_LABEL = re.compile(r"^(0x[0-9a-f]*|[0-9]+)$")


def normalize_host(host: str) -> Optional[str]:
    """Lower-case, trailing dot dropped, IDN to punycode; None if it is not a DNS name."""
    host = host.strip().lower()
    host = host[:-1] if host.endswith(".") else host  # one trailing dot: the DNS root
    if not host:
        return None
    if not host.isascii():
        import idna  # only for international names; never on the redirect path

        try:
            host = idna.encode(host, uts46=True).decode("ascii")
        except idna.IDNAError:
            return None
    if not _ASCII_HOST.match(host) or ".." in host or len(host) > 253:
        return None
    if any(
        not label or len(label) > 63 or label.startswith("-") or label.endswith("-")
        for label in host.split(".")
    ):
        return None
    return host


def looks_like_ip_address(host: str) -> bool:
    """True for anything a browser would read as an IP address: an IPv4 or
    IPv6 literal, and (as the WHATWG URL standard says) any host whose last
    label is a number, decimal or hex (`1.0x7f` is 1.0.0.127)."""
    try:
        ipaddress.ip_address(host.strip("[]"))
        return True
    except ValueError:
        pass
    return bool(_NUMERIC_LABEL.match(host.rstrip(".").rsplit(".", 1)[-1]))


def host_of(url: str) -> str:
    """The host of a destination already validated and stored (no parsing surprises)."""
    rest = url.split("://", 1)[1]
    netloc = re.split(r"[/?#]", rest, maxsplit=1)[0]
    return netloc.rsplit(":", 1)[0] if ":" in netloc else netloc


def host_is_allowed(host: str, allowed_domains: Iterable[str]) -> bool:
    """The host is one of the allowed domains or a subdomain of one."""
    host = host.rstrip(".").lower()
    return any(host == domain or host.endswith("." + domain) for domain in allowed_domains)
