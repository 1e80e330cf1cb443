"""The shapes of an answer: JSON, a binary image, a short link's redirect or page."""
from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, Optional, Union

from chalice import Response

from chalicelib.tap.redirect import Outcome

if TYPE_CHECKING:  # a type only: the integrations are not paid by a tap's cold start
    from chalicelib.integrations.deliveries import Received
from chalicelib.web.pages import short_link_answer

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


SHOP_DELIVERY_STATUS = {"recorded": 200, "duplicate": 200, "ignored": 200, "parked": 202}
"""A shop's webhook is answered 2xx whenever it was correctly signed, or the platform retries
it and, after enough failures, turns the webhook off: 202 says it was kept, not used."""


def shop_delivery_response(received: Received) -> Response:
    status = 201 if received.created else SHOP_DELIVERY_STATUS[received.outcome]
    return json_response(received.view(), status)


def short_link_response(outcome: Outcome) -> Response:
    """A 302 to the destination, or a small HTML page; never cached by browsers."""
    status, headers, body = short_link_answer(outcome)
    return Response(body=body, status_code=status, headers=dict(headers))
