"""The dashboard for creators and brands: server-rendered pages under `/app` (Jinja2, plain CSS,
inline SVG charts, French and English). Imported only by the `/app` routes: Jinja2 and Babel
are paid by no other cold start, and never on the redirect path."""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # a type only: Jinja2 is loaded by the page's own views module
    from chalicelib.web.dashboard.site import View

STYLESHEET = Path(__file__).parent / "static" / "app.css"


def serve(view: View, request: Any, **params: str) -> Any:
    """The answer of the dashboard's page `view` (a function of `views`) to `request`."""
    from chalicelib.web.dashboard.site import serve as serve_page

    return serve_page(view, request, **params)


def stylesheet_response() -> Any:
    """The dashboard's one stylesheet (cached an hour by browsers)."""
    from chalice import Response

    return Response(body=STYLESHEET.read_text(encoding="utf-8"), status_code=200,
                    headers={"Content-Type": "text/css; charset=utf-8", "Cache-Control": "public, max-age=3600"})
