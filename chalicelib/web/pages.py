"""What a viewer of a short link gets: the 302, or a small HTML page when it leads nowhere. Shared
by the API's `/{code}` route and the tap function, so both answer alike; no Chalice here."""
from __future__ import annotations

from chalicelib.tap.redirect import Outcome

REDIRECT_ROUTE = "/{code}"

_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>{title}</title></head>
<body style="font-family:system-ui,sans-serif;max-width:32rem;margin:4rem auto;padding:0 1rem">
<h1>{title}</h1><p>{text}</p></body></html>
"""

_TEXTS = {
    404: ("Link not found", "This short link does not exist. Check that it was copied whole."),
    410: ("Link no longer available", "This short link has been switched off or has expired."),
    503: ("Try again in a moment", "This short link cannot be opened right now. Please try again."),
}


def page(status: int) -> str:
    title, text = _TEXTS[status]
    return _PAGE.format(title=title, text=text)


def short_link_answer(outcome: Outcome) -> tuple[int, dict[str, str], str]:
    """(status, headers, body): a 302 to the destination, or the page; never cached by browsers."""
    headers = {"Cache-Control": "no-store"}
    if outcome.status == 302 and outcome.location is not None:
        return 302, {**headers, "Location": outcome.location}, ""
    return outcome.status, {**headers, "Content-Type": "text/html; charset=utf-8"}, page(outcome.status)


def logs_request(route: str | None, status: int) -> bool:
    """Whether a request gets its access-log line: not a tap that redirected (its click and the
    Clicks metric record it; a line per tap would cost a viral link's every tap time and
    CloudWatch Logs' ingestion)."""
    return not (route == REDIRECT_ROUTE and status == 302)
