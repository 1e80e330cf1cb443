"""The shapes of an answer: JSON, a binary image, a short link's redirect or page."""
from __future__ import annotations

import json
from typing import Any, Optional, Union

from chalice import Response

from chalicelib.tap.redirect import Outcome
from chalicelib.web.pages import page

JSON_HEADERS = {"Content-Type": "application/json"}


def json_response(body: Any, status: int = 200, headers: Optional[dict[str, str]] = None) -> Response:
    return Response(body=json.dumps(body), status_code=status, headers={**JSON_HEADERS, **(headers or {})})


def binary_response(body: Union[bytes, str], content_type: str) -> Response:
    return Response(body=body, status_code=200, headers={"Content-Type": content_type})


def csv_response(body: str, filename: str) -> Response:
    return Response(
        body=body,
        status_code=200,
        headers={
            "Content-Type": "text/csv; charset=utf-8",
            "Content-Disposition": f'attachment; filename="{filename}"',
        },
    )


def short_link_response(outcome: Outcome) -> Response:
    """A 302 to the destination, or a small HTML page; never cached by browsers."""
    headers = {"Cache-Control": "no-store"}
    if outcome.status == 302 and outcome.location is not None:
        return Response(body="", status_code=302, headers={**headers, "Location": outcome.location})
    return Response(
        body=page(outcome.status),
        status_code=outcome.status,
        headers={**headers, "Content-Type": "text/html; charset=utf-8"},
    )
