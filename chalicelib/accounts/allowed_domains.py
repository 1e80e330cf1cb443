"""A brand's `allowed_domains`: real registrable names, never a public suffix
(`com`, `co.uk`, `github.io`), an IP literal or a single-label name. The
Public Suffix List comes bundled with the `publicsuffixlist` package."""
from __future__ import annotations

from functools import lru_cache

from chalicelib.base.errors import InvalidInput
from chalicelib.base.hosts import looks_like_ip_address, normalize_host

MAX_ALLOWED_DOMAINS = 20


@lru_cache(maxsize=1)
def _public_suffixes():
    from publicsuffixlist import PublicSuffixList

    return PublicSuffixList()


def normalize_allowed_domain(value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput("allowed_domains must hold host names")
    text = value.strip()
    if len(text) > 253 or any(c in text for c in "/:@\\ ?#[]"):
        raise InvalidInput(f"allowed_domains: {text!r} is not a host name")
    host = normalize_host(text)
    if host is None:
        raise InvalidInput(f"allowed_domains: {text!r} is not a host name")
    if looks_like_ip_address(host):
        raise InvalidInput(f"allowed_domains: {text!r} is an IP address, not a host name")
    if "." not in host:
        raise InvalidInput(f"allowed_domains: {text!r} is a single-label name")
    if _public_suffixes().is_public(host):
        raise InvalidInput(f"allowed_domains: {text!r} is a public suffix")
    return host


def normalize_allowed_domains(value: object) -> list[str]:
    if not isinstance(value, list) or not 1 <= len(value) <= MAX_ALLOWED_DOMAINS:
        raise InvalidInput(f"allowed_domains must be a list of 1 to {MAX_ALLOWED_DOMAINS} host names")
    domains: list[str] = []
    for item in value:
        host = normalize_allowed_domain(item)
        if host not in domains:
            domains.append(host)
    return domains
