"""The tap on its own path: `GET/HEAD /{code}` on the short-link domain, served by a small
Lambda function behind CloudFront (a function URL only CloudFront may invoke).

It answers exactly as the API's `/{code}` route: both call `redirect.follow` and shape the
same `Outcome` (a 302 or the small page, `Cache-Control: no-store`). What differs is the
event: a function URL's payload 2.0, where the viewer's address and country are in
CloudFront's own `CloudFront-Viewer-Address` and `CloudFront-Viewer-Country` headers (set
by CloudFront, which overwrites whatever a client sends).

This module imports only what a tap needs (no Chalice, no `app.py`, none of the back
office), so its cold start is the tap's alone.
"""
from __future__ import annotations

from chalicelib.base.startup import imports_begin, imports_done

imports_begin()  # before the other imports; imports_done() is this file's last line

from typing import Any, Mapping, Optional
from urllib.parse import parse_qs, unquote

from chalicelib.base.observability import flush_metrics, logger
from chalicelib.tap import redirect
from chalicelib.web.pages import REDIRECT_ROUTE, logs_request, short_link_answer


def handler(event: Mapping[str, Any], context: Any) -> dict[str, Any]:
    """Lambda's entry point for the function URL."""
    logger.append_keys(request_id=getattr(context, "aws_request_id", None))
    try:
        http = (event.get("requestContext") or {}).get("http") or {}
        method = str(http.get("method") or "GET").upper()
        answer = _answer(event, method, http)
        if logs_request(REDIRECT_ROUTE, answer["statusCode"]):
            logger.info("request", method=method, route=REDIRECT_ROUTE, status=answer["statusCode"])
        return answer
    finally:
        flush_metrics()
        logger.remove_keys(["request_id"])


def _answer(event: Mapping[str, Any], method: str, http: Mapping[str, Any]) -> dict[str, Any]:
    if method not in ("GET", "HEAD"):
        return {"statusCode": 405, "headers": {"Allow": "GET, HEAD", "Cache-Control": "no-store"}, "body": ""}
    headers = {str(name).lower(): value for name, value in (event.get("headers") or {}).items()}
    path = unquote(str(event.get("rawPath") or "/"))
    code = path[1:] if path.startswith("/") else path  # "a/b" is no code: follow() answers 404
    outcome = redirect.follow(
        code=code,
        parameters=parse_qs(str(event.get("rawQueryString") or ""), keep_blank_values=True),
        record=method == "GET",
        source_ip=viewer_address(headers.get("cloudfront-viewer-address")) or http.get("sourceIp"),
        user_agent=headers.get("user-agent"),
        referer=headers.get("referer"),
        country_header=headers.get("cloudfront-viewer-country"),
    )
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


imports_done()  # the last line: what is loaded by now is set aside from garbage collection (base/startup.py)
