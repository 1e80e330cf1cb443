"""The tap on its own path: `GET/HEAD /{code}` on the short-link domain, served by a small
Lambda function behind CloudFront (a function URL only CloudFront may invoke).

It answers exactly as the API's `/{code}` route: both call `follow` (below) and shape the
same `Outcome` (a 302 or the small page, `Cache-Control: no-store`). What differs is the
event: a function URL's payload 2.0, where the viewer's address and country are in
CloudFront's own `CloudFront-Viewer-Address` and `CloudFront-Viewer-Country` headers (set
by CloudFront, which overwrites whatever a client sends).

This module imports only what a tap needs (no Chalice, no `app.py`, none of the back
office), so its cold start is the tap's alone.

It also answers the taps that reach the API's own `/{code}` in AWS (`api_gateway_tap`, which
`app.handler` calls): API Gateway's REST proxy event, the same answer as the Chalice route's,
without Chalice's request, middleware and response objects, which cost a warm tap ~20 us and
their garbage its p99 (issue 13). The Chalice route still serves the local run and tests.
"""
from __future__ import annotations

from chalicelib.base.startup import imports_begin, imports_done

imports_begin(__name__)  # before the other imports; imports_done() is this file's last line

from typing import Any, Callable, Mapping, Optional
from urllib.parse import parse_qs, unquote

from chalicelib.base.observability import flush_metrics, logger
from chalicelib.tap import redirect
from chalicelib.web.pages import REDIRECT_ROUTE, logs_request, short_link_answer


def handler(event: Mapping[str, Any], context: Any) -> dict[str, Any]:
    """Lambda's entry point for the function URL."""
    http = (event.get("requestContext") or {}).get("http") or {}
    method = str(http.get("method") or "GET").upper()
    return _serve(getattr(context, "aws_request_id", None), method,
                  lambda: _function_url_answer(event, method, http))


def is_api_gateway_tap(event: Any) -> bool:
    """An API Gateway (REST proxy) event of a tap: `GET` or `HEAD` on the API's `/{code}`."""
    return (isinstance(event, Mapping) and event.get("resource") == REDIRECT_ROUTE
            and event.get("httpMethod") in ("GET", "HEAD"))


def api_gateway_tap(event: Mapping[str, Any], context: Any) -> dict[str, Any]:
    """A tap that reached the API's own `/{code}`, answered as its Chalice route answers it, without
    Chalice's request, middleware and response objects (`app.handler` sends it here in AWS)."""
    method = str(event.get("httpMethod")).upper()
    request_id = (event.get("requestContext") or {}).get("requestId") or getattr(context, "aws_request_id", None)
    return _serve(request_id, method, lambda: _api_gateway_answer(event, method))


def _serve(request_id: Optional[str], method: str, answer: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """What both doors do around the answer: the access-log line (none for a redirect) and the
    metrics flushed, as the API's middlewares do for its other routes. A failure nobody caught
    is logged and the visitor gets the "try again" page (the Chalice route answers its 500), not
    a raised error: Lambda would count it as the function's and API Gateway answer 502."""
    logger.append_keys(request_id=request_id)
    try:
        try:
            answered = answer()
        except Exception:
            logger.exception("unhandled error", route=REDIRECT_ROUTE)
            answered = _shaped(redirect.Outcome(503, reason="unavailable"), method)
        if logs_request(REDIRECT_ROUTE, answered["statusCode"]):
            logger.info("request", method=method, route=REDIRECT_ROUTE, status=answered["statusCode"])
        return answered
    finally:
        flush_metrics()
        logger.remove_keys(["request_id"])


def _function_url_answer(event: Mapping[str, Any], method: str, http: Mapping[str, Any]) -> dict[str, Any]:
    if method not in ("GET", "HEAD"):
        return {"statusCode": 405, "headers": {"Allow": "GET, HEAD", "Cache-Control": "no-store"}, "body": ""}
    headers = _lowered(event)
    path = unquote(str(event.get("rawPath") or "/"))
    return _shaped(follow(
        method, headers,
        code=path[1:] if path.startswith("/") else path,  # "a/b" is no code: follow() answers 404
        parameters=parse_qs(str(event.get("rawQueryString") or ""), keep_blank_values=True),
        source_ip=viewer_address(headers.get("cloudfront-viewer-address")) or http.get("sourceIp"),
    ), method)


def _api_gateway_answer(event: Mapping[str, Any], method: str) -> dict[str, Any]:
    query = event.get("multiValueQueryStringParameters") or {}
    return _shaped(follow(
        method, _lowered(event),
        code=str((event.get("pathParameters") or {}).get("code") or ""),
        parameters={str(name): [str(value) for value in values or ()] for name, values in query.items()},
        source_ip=((event.get("requestContext") or {}).get("identity") or {}).get("sourceIp"),
    ), method)


def _lowered(event: Mapping[str, Any]) -> dict[str, Any]:
    return {str(name).lower(): value for name, value in (event.get("headers") or {}).items()}


def follow(method: str, headers: Mapping[str, Any], *, code: str, parameters: Mapping[str, list[str]],
           source_ip: Optional[str]) -> redirect.Outcome:
    """The redirect of one tap, whichever door it came through (the function URL, API Gateway's
    event, the API's Chalice route `web/routes/tap.py`): what each door read from its own event,
    turned into `redirect.follow`'s arguments in this one place. `headers` is read by lower-case
    names (the names lowered, or Chalice's case-insensitive mapping)."""
    return redirect.follow(
        code=code,
        parameters=parameters,
        record=method == "GET",
        source_ip=source_ip,
        user_agent=headers.get("user-agent"),
        referer=headers.get("referer"),
        country_header=headers.get("cloudfront-viewer-country"),
    )


def _shaped(outcome: redirect.Outcome, method: str) -> dict[str, Any]:
    status, headers, body = short_link_answer(outcome)
    return {"statusCode": status, "headers": headers, "body": "" if method == "HEAD" else body}


def viewer_address(header: Optional[str]) -> Optional[str]:
    """The IP address in `CloudFront-Viewer-Address` (`198.51.100.10:46532`, or an IPv6
    address followed by `:port`): everything before the last colon."""
    if not header:
        return None
    address, separator, port = header.strip().rpartition(":")
    if not separator or not port.isdigit():
        return None
    return address.strip("[]") or None


imports_done(__name__)  # the last line: what is loaded by now is set aside from garbage collection (base/startup.py)
