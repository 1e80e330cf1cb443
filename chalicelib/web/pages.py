"""The small HTML pages a viewer sees when a short link does not lead anywhere."""
from __future__ import annotations

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
