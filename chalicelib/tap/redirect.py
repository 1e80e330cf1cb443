"""The tap: from a short code to a 302, in a few milliseconds.

A warm redirect costs one DynamoDB write (the click) and no read: the link
and its brand's terms are cached in memory for up to 60 s, which is how long
a change (disabled, expired, blocked creator, host no longer allowed) may take
to reach the redirect. A cold one adds the link read and one BatchGetItem of
the brand and the creator's standing with it.
"""
from __future__ import annotations

import re
import threading
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Callable, Mapping, Optional, Sequence
from urllib.parse import quote, unquote_plus

from chalicelib.accounts.standing import may_link
from chalicelib.base.clock import now
from chalicelib.base.hosts import host_is_allowed, host_of
from chalicelib.base.observability import count, logger
from chalicelib.base.timeutil import parse_stored
from chalicelib.storage.tap import read_link_and_terms
from chalicelib.tap import clicks

CACHE_SECONDS = 60.0
UNKNOWN_CACHE_SECONDS = 5.0  # short: a link created a moment ago must work at once
CACHE_ENTRIES = 10_000
_CODE = re.compile(r"^[A-Za-z0-9_-]{1,40}$")
CLICK_PARAMETER = "afl_click"
QR_PARAMETER = "qr"


@dataclass(frozen=True)
class Target:
    """Everything the redirect needs about one link, cached as one value."""

    code: str
    creator_id: str
    brand_id: str
    destination: str
    source: Optional[str]
    disabled: bool
    expires_at: Optional[datetime]
    redirects: bool  # the brand still allows the host and the creator


@dataclass(frozen=True)
class Outcome:
    status: int  # 302, or the page's status: 404, 410 or 503
    location: Optional[str] = None
    click_id: Optional[str] = None
    reason: Optional[str] = None


class TTLCache:
    """A small, bounded, time-limited cache; monotonic clock injectable for tests."""

    def __init__(self, max_entries: int = CACHE_ENTRIES, clock: Callable[[], float] = time.monotonic):
        self._entries: dict = {}
        self._max_entries = max_entries
        self._clock = clock
        self._lock = threading.Lock()

    def get(self, key):
        entry = self._entries.get(key)
        if entry is None or entry[0] <= self._clock():
            return None
        return entry

    def put(self, key, value, ttl: float) -> None:
        with self._lock:  # Lambda runs one request at a time; the local server is threaded
            if len(self._entries) >= self._max_entries:
                self._entries.pop(next(iter(self._entries)))  # the oldest insertion
            self._entries[key] = (self._clock() + ttl, value)

    def clear(self) -> None:
        self._entries.clear()


link_cache = TTLCache()


def _load_target(code: str) -> Optional[Target]:
    link, brand, status = read_link_and_terms(code)
    if link is None:
        return None
    redirects = bool(
        brand
        and may_link(brand.program, status)
        and host_is_allowed(host_of(link.destination), brand.allowed_domains)
    )
    return Target(
        code=link.code,
        creator_id=link.creator_id,
        brand_id=link.brand_id,
        destination=link.destination,
        source=link.source,
        disabled=bool(link.disabled),
        expires_at=parse_stored(link.expires_at),
        redirects=redirects,
    )


_reads_in_flight: dict[str, threading.Lock] = {}
_reads_guard = threading.Lock()
LINK_READ_ATTEMPTS = 2  # each bounded by the fast client's sub-second timeouts
LINK_READ_PAUSE = 0.05


def cached_target(code: str) -> Optional[Target]:
    """The link's target from the cache, or read once for every request that misses it at the
    same moment (a burst of first taps on a new link waits for one read, not fifty)."""
    entry = link_cache.get(code)
    if entry is not None:
        return entry[1]
    with _reads_guard:
        reading = _reads_in_flight.setdefault(code, threading.Lock())
    with reading:
        entry = link_cache.get(code)  # read by the request this one waited for
        if entry is not None:
            return entry[1]
        try:
            target = _load_target_with_retry(code)
            link_cache.put(code, target, CACHE_SECONDS if target else UNKNOWN_CACHE_SECONDS)
        finally:
            with _reads_guard:
                _reads_in_flight.pop(code, None)
    return target


def _load_target_with_retry(code: str) -> Optional[Target]:
    # The link read is the one thing a redirect cannot do without: a second attempt, still
    # bounded in time, before the visitor gets the 503 page.
    for attempt in range(1, LINK_READ_ATTEMPTS + 1):
        try:
            return _load_target(code)
        except Exception:
            if attempt == LINK_READ_ATTEMPTS:
                raise
            time.sleep(LINK_READ_PAUSE)
    return None


def _refusal(target: Target, moment: datetime) -> Optional[Outcome]:
    if target.disabled:
        return Outcome(410, reason="disabled")
    if target.expires_at is not None and target.expires_at <= moment:
        return Outcome(410, reason="expired")
    if not target.redirects:
        return Outcome(410, reason="not allowed")
    return None


def build_location(
    destination: str, parameters: Mapping[str, Sequence[str]], click_id: Optional[str]
) -> str:
    """The destination with the short link's parameters and our click id.

    The destination's own query stays as written (not re-encoded), a
    parameter of the short link replaces the same-named one in place, new
    ones are appended, `qr` is consumed, and `afl_click` comes last, always
    ours (a forged one on either side is dropped)."""
    base, has_fragment, fragment = destination.partition("#")
    path, has_query, query = base.partition("?")
    incoming = {
        name: list(values)
        for name, values in parameters.items()
        if name not in (QR_PARAMETER, CLICK_PARAMETER)
    }
    segments: list[str] = []
    placed: set[str] = set()
    for segment in query.split("&") if query else []:
        name = unquote_plus(segment.split("=", 1)[0])
        if name == CLICK_PARAMETER:
            continue
        if name in incoming:
            if name not in placed:
                segments.extend(_encode(name, value) for value in incoming[name])
                placed.add(name)
            continue
        segments.append(segment)
    for name, values in incoming.items():
        if name not in placed:
            segments.extend(_encode(name, value) for value in values)
    if click_id is not None:
        segments.append(f"{CLICK_PARAMETER}={click_id}")
    location = path + ("?" + "&".join(segments) if segments else has_query)
    return location + (has_fragment + fragment)


def _encode(name: str, value: str) -> str:
    return f"{quote(name, safe='')}={quote(value, safe='')}"


def follow(
    *,
    code: str,
    parameters: Mapping[str, Sequence[str]],
    record: bool,
    source_ip: Optional[str],
    user_agent: Optional[str],
    referer: Optional[str],
    country_header: Optional[str],
) -> Outcome:
    """Decide where a tap goes and, for a GET, record the click."""
    if not _CODE.match(code):
        count("UnknownCodes")
        return Outcome(404, reason="unknown")
    moment = now()
    try:
        target = cached_target(code)
    except Exception:
        # Without the link we cannot know where to send the visitor.
        logger.exception("link lookup failed", code=code)
        return Outcome(503, reason="unavailable")
    if target is None:
        count("UnknownCodes")
        return Outcome(404, reason="unknown")
    refusal = _refusal(target, moment)
    if refusal is not None:
        return refusal
    if not record:
        return Outcome(302, location=build_location(target.destination, parameters, None))
    click_id = clicks.new_click_id()
    qr_values = parameters.get(QR_PARAMETER) or []
    try:
        click = clicks.build_click(
            click_id,
            clicks.Tap(
                code=target.code,
                creator_id=target.creator_id,
                brand_id=target.brand_id,
                source=target.source,
                source_ip=source_ip,
                user_agent=user_agent,
                referer=referer,
                country_header=country_header,
                via="qr" if "1" in qr_values else "link",
                at=moment,
            ),
        )
        clicks.record_click(click)  # counted in the `Clicks` metric by the stats aggregator
    except Exception:  # tracking never breaks the redirect
        logger.exception("click not recorded", code=code, click_id=click_id)
    return Outcome(302, location=build_location(target.destination, parameters, click_id), click_id=click_id)
