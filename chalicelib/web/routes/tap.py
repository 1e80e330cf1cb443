"""The tap (public): a short link followed through the API's `/{code}`.

This Chalice route serves the local run and tests; in AWS, `app.handler` hands the same taps
to `web/tap_function.py` without Chalice. Both read their request and call the same
`tap_function.follow`, so they answer alike."""
from chalice import Blueprint

from chalicelib.web import tap_function
from chalicelib.web.api import api
from chalicelib.web.responses import short_link_response

blueprint = Blueprint(__name__)


@blueprint.route("/{code}", methods=["GET", "HEAD"], content_types=["*/*"])  # a tap has no body: any type will do
def follow_short_link(code):
    request = api.request
    outcome = tap_function.follow(
        request.method, request.headers,
        code=code,
        parameters=api.query_lists(),
        source_ip=request.context.get("identity", {}).get("sourceIp"),
    )
    return short_link_response(outcome)
