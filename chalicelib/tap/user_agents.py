"""Who is on the other end of a click: bot or human, which device, which app.

`classify(user_agent)` returns a `Visitor(is_bot, device, app)` for the click
record (spec §3):

- `device` is one of `mobile`, `tablet`, `desktop`, `other`; bots are `other`.
- `app` names the in-app browser (`tiktok`, `instagram`, `facebook`, ...; see
  `APPS`), else `browser`, as the contract says; bots, empty and missing user
  agents included (they are counted only in `bot_clicks`, never in `by_app`).

How a verdict is reached, cheapest first:

1. Empty or missing user agent: a bot (browsers always send one; HTTP libraries
   and scripts often do not).
2. In-app browser markers (`BytedanceWebview/`, `musical_ly_`, `FBAN/`, `FBAV/`,
   `FB_IAB/`, `Instagram 3...`, `Snapchat/12...`, `[Pinterest/iOS]`, ...): a
   human, decided WITHOUT the crawler list. The markers are written so the
   link-preview fetchers of the same companies (`facebookexternalhit`,
   `MetaIAB Facebook`, `Pinterest/0.2`, `SnapchatAds/`, `TikTokSpider`,
   `Twitterbot`, `LinkedInBot`, ...) do not carry them; a unit test checks that
   no example user agent of the crawler list is caught by this step.
3. The maintained pattern list of the `crawler-user-agents` package, plus the
   few HTTP clients it misses (`_EXTRA_BOT_PATTERNS`): a match is a bot.
4. Anything else is a human in a browser.

Cost: importing this module loads nothing but `re`, `functools` and
`dataclasses`. The crawler list (a 0.5 MB JSON file) is read and compiled on
the first user agent that reaches step 3, once per process; its plain-text
patterns are looked up rather than compiled (`_crawler_list`). It is read straight
from the package directory located with `importlib.util.find_spec`, without
importing `crawleruseragents`, whose `__init__` parses the same JSON at import
time. Verdicts are kept in a bounded LRU cache keyed on the (truncated) user
agent, because one pass over the list costs tens of microseconds.

Known limits: iPadOS 13+ Safari presents itself as a Mac (`desktop`); in-app
browsers that only wrap Safari/Chrome (Twitter on iOS, YouTube on Android, ...)
send the plain browser user agent and count as `browser`; a bot that copies an
in-app browser's user agent is taken for a human, like one that copies Chrome's.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

MAX_USER_AGENT = 512
"""User agents are cut to this many characters before classifying and caching."""

CACHE_SIZE = 4096
"""Distinct (truncated) user agents whose verdict is remembered."""

_CHUNK = 25
"""Crawler patterns per compiled regex (why 25: `bench/README.md`)."""

_INDEXED = 3
"""Plain-text crawler patterns are looked up by this many first characters (the shortest is 3)."""

_REGEX_SYNTAX = frozenset(".^$*+?{}[]|()")
_PLAIN_TEXT = re.compile(r"(?:[^\\.^$*+?{}\[\]|()]|\\[^A-Za-z0-9])+")
r"""A pattern of ordinary characters and escaped punctuation (`Bot\/`, `2ip\.ru`) is plain text:
it matches where its text occurs (a backslash before anything but a letter or digit is that
character to `re`)."""

DEVICES = ("mobile", "tablet", "desktop", "other")
BROWSER = "browser"
OTHER = "other"


@dataclass(frozen=True, slots=True)
class Visitor:
    is_bot: bool
    device: str
    app: str


_BOT = Visitor(is_bot=True, device=OTHER, app=BROWSER)

# In-app browsers, in priority order (first match wins). Every marker is a token
# the app's web view adds to its user agent and that the company's own crawlers
# and preview fetchers do not send. Case-sensitive, like the crawler list. Each
# starts with a literal (no leading \b) so `re` can skip ahead: ~0.1 us per marker.
_IN_APP: tuple[tuple[str, str], ...] = (
    # TikTok (`musical_ly` is the global app, `trill` the Asian one): iOS and Android.
    ("tiktok", r"BytedanceWebview/|musical_ly_|trill_\d|AppName/(?:musical_ly|trill)\b|TikTok[ /]\d"),
    # Before Facebook: "Instagram 307.0.2.16.108 (iPhone14,5; ..." / "Instagram 308.0.0.36.109 Android".
    ("instagram", r"Instagram \d"),
    # Facebook and Messenger: "[FBAN/FBIOS;FBAV/...]", "[FB_IAB/FB4A;FBAV/...]". Not facebookexternalhit.
    ("facebook", r"FB(?:AN|AV|_IAB)/"),
    # "Snapchat/12.60.0.43"; on Android glued to "Safari/537.36", so no \b. Not "SnapchatAds/".
    ("snapchat", r"Snapchat/\d"),
    ("youtube", r"com\.google\.(?:ios|android)\.youtube/"),
    # "[Pinterest/iOS]", "[Pinterest/Android]". Not "Pinterest/0.2 (+http://www.pinterest.com/bot.html)".
    ("pinterest", r"Pinterest/(?:iOS|Android)\b"),
    # X/Twitter's Android web view. On iOS it opens Safari's view controller: a plain Safari user agent.
    # Not "Twitter for iPhone", the native app's API client (and BrandVerity's disguise).
    ("twitter", r"TwitterAndroid\b"),
    ("linkedin", r"LinkedInApp\b"),
    ("reddit", r"Reddit/Version\b"),
    ("line", r" Line/\d"),  # " Line/13.20.0"; not "OnLine/"
    ("wechat", r"MicroMessenger/"),
)

APPS = tuple(app for app, _ in _IN_APP) + (BROWSER, OTHER)

# HTTP clients the crawler list (crawler-user-agents 1.67.0) does not match. It
# already covers python-requests, ^curl, [wW]get, Go-http-client, okhttp,
# HeadlessChrome, axios, node-fetch, aiohttp, httpx, Python-urllib, libwww-perl,
# Apache-HttpClient, HTTPie, Scrapy, PhantomJS, Puppeteer, Playwright, ...
_EXTRA_BOT_PATTERNS = (
    r"^Java/",  # java.net.HttpURLConnection
    r"^Dalvik/",  # Android's HttpURLConnection: an app fetching, not a web view
    r"\bCFNetwork/\S+ Darwin/",  # iOS/macOS URLSession: an app fetching, not a web view
    r"^(?:node|undici)$",  # Node's built-in fetch
    r"^(?:Bun|Deno)/",
    r"GuzzleHttp/",  # PHP
    r"^Ruby$",  # Ruby's Net::HTTP
    r"WindowsPowerShell/",
    r"PostmanRuntime/",
    r"^insomnia/",
)

# Crawler-list patterns we do not use. "AP3A.240617.008" is an Android 15 firmware build shared by
# many phones (the list's one example is a genuine-looking Instagram web view): it would count every
# human on that build whose web view shows the build id as a bot.
_IGNORED_CRAWLER_PATTERNS = frozenset({r"AP3A\.240617\.008"})

# Device markers, checked in this order (plain substring tests).
_OTHER_DEVICE = (  # TVs and consoles
    "SMART-TV", "SmartTV", "Smart-TV", "Tizen", "Web0S", "CrKey", "AppleTV", "GoogleTV", "Android TV",
    "PlayStation", "Xbox", "Nintendo",
)
_TABLET = ("iPad", "Tablet", "Kindle", "Silk/", "PlayBook")
_MOBILE = ("iPhone", "iPod", "Mobile", "Opera Mini", "BlackBerry")
_DESKTOP = ("Windows NT", "Macintosh", "CrOS", "X11", "Linux")


@lru_cache(maxsize=1)
def _in_app_markers() -> tuple[tuple[str, re.Pattern[str]], ...]:
    """The in-app browser markers, compiled once (~0.3 ms)."""
    return tuple((app, re.compile(pattern)) for app, pattern in _IN_APP)


def _crawler_patterns() -> list[str]:
    """The `pattern` of every entry of crawler-user-agents' JSON list."""
    import json
    from importlib.util import find_spec
    from pathlib import Path

    spec = find_spec("crawleruseragents")  # locates the package without running its __init__
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError("crawler-user-agents is not installed", name="crawleruseragents")
    path = Path(next(iter(spec.submodule_search_locations))) / "crawler-user-agents.json"
    try:
        text = path.read_text(encoding="utf-8")
    except OSError:  # not a plain directory (zipped, ...): go through the import system
        from importlib.resources import files

        text = files("crawleruseragents").joinpath("crawler-user-agents.json").read_text(encoding="utf-8")
    return [entry["pattern"] for entry in json.loads(text)]


@dataclass(frozen=True)
class _CrawlerList:
    """The crawler list, ready to match: its plain-text patterns (all but ~40) by their first
    `_INDEXED` characters, the others as regexes."""

    texts: dict[str, tuple[str, ...]]
    regexes: tuple[re.Pattern[str], ...]


@lru_cache(maxsize=1)
def _crawler_list() -> _CrawlerList:
    """The crawler list plus our extras, made ready once, on first use (~5 ms here, ~3.5 of them
    reading the JSON).

    A pattern that is plain text ("Googlebot", "AhrefsBot", "BLEXBot\\/", "GuzzleHttp/") matches
    where its text occurs, so it is looked up instead of compiled: compiling those 1,470 patterns
    took ~13 ms of the first browser tap of every process, and the lookup is faster per user agent
    too (bench/README.md). The other ~40 are sorted, then joined by `_CHUNK` into alternations: patterns of
    one chunk share their first characters, which `re` uses to skip positions fast. Only "does
    any pattern match" is asked, so neither order nor grouping changes a verdict (the list has no
    back-references, which joining would renumber; the unit test running every example of the
    list would catch one).
    """
    patterns = sorted((set(_crawler_patterns()) - _IGNORED_CRAWLER_PATTERNS).union(_EXTRA_BOT_PATTERNS))
    texts: dict[str, list[str]] = {}
    regexes: list[str] = []
    for pattern in patterns:
        if "\\" not in pattern and _REGEX_SYNTAX.isdisjoint(pattern):
            text = pattern  # most of them: checked at set speed
        elif _PLAIN_TEXT.fullmatch(pattern):
            text = re.sub(r"\\(.)", r"\1", pattern, flags=re.DOTALL)
        else:
            text = ""
        if len(text) >= _INDEXED:
            texts.setdefault(text[:_INDEXED], []).append(text)
        else:
            regexes.append(pattern)
    return _CrawlerList(
        texts={start: tuple(found) for start, found in texts.items()},
        regexes=tuple(re.compile("|".join(regexes[i : i + _CHUNK])) for i in range(0, len(regexes), _CHUNK)),
    )


def in_app(user_agent: str) -> str | None:
    """The in-app browser named by the user agent's markers, or None."""
    for app, marker in _in_app_markers():
        if marker.search(user_agent):
            return app
    return None


def looks_like_bot(user_agent: str) -> bool:
    """True if the crawler list or our extras match (ignores in-app markers)."""
    crawlers = _crawler_list()
    for start in range(len(user_agent) - _INDEXED + 1):
        for text in crawlers.texts.get(user_agent[start : start + _INDEXED], ()):
            if user_agent.startswith(text, start):
                return True
    return any(regex.search(user_agent) for regex in crawlers.regexes)


def device(user_agent: str) -> str:
    """`mobile`, `tablet`, `desktop` or `other`, from the user agent alone."""
    if any(marker in user_agent for marker in _OTHER_DEVICE):
        return OTHER
    if any(marker in user_agent for marker in _TABLET):
        return "tablet"
    if any(marker in user_agent for marker in _MOBILE):
        return "mobile"
    if "Android" in user_agent:  # Android without "Mobile": tablets
        return "tablet"
    if any(marker in user_agent for marker in _DESKTOP):
        return "desktop"
    return OTHER


def _classify(user_agent: str) -> Visitor:
    app = in_app(user_agent)
    if app is not None:
        return Visitor(is_bot=False, device=device(user_agent), app=app)
    if looks_like_bot(user_agent):
        return _BOT
    return Visitor(is_bot=False, device=device(user_agent), app=BROWSER)


_classify_cached = lru_cache(maxsize=CACHE_SIZE)(_classify)


def classify(user_agent: str | None) -> Visitor:
    """Bot or human, device and app for one user agent (cached)."""
    if user_agent is None or not user_agent.strip():
        return _BOT
    return _classify_cached(user_agent[:MAX_USER_AGENT])
