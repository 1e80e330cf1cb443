"""The thin layer between Chalice and the domain: request bodies, auth per
route, rate limits, and the translation of domain errors into HTTP answers.

Chalice's own error classes set no headers and have no 413, so every error is
answered here as a `chalice.Response` with `{"Code": ..., "Message": ...}`.
"""
from __future__ import annotations

import functools
import json
from typing import Any, Callable, Optional

from chalice import Chalice, Response
from chalice.app import CaseInsensitiveMapping

from chalicelib.accounts import auth
from chalicelib.base import config, validation
from chalicelib.base.errors import DomainError, NotFound, TooManyRequests
from chalicelib.base.observability import flush_metrics, logger
from chalicelib.web import rate_limits as ratelimit
from chalicelib.web.pages import page

JSON_HEADERS = {"Content-Type": "application/json"}


def json_response(body: Any, status: int = 200, headers: Optional[dict] = None) -> Response:
    return Response(body=json.dumps(body), status_code=status, headers={**JSON_HEADERS, **(headers or {})})


def error_response(error: DomainError) -> Response:
    headers = {}
    if isinstance(error, TooManyRequests):
        headers["Retry-After"] = str(error.retry_after)
    return json_response({"Code": error.code, "Message": error.message}, error.status, headers)


def binary_response(body: bytes | str, content_type: str) -> Response:
    return Response(body=body, status_code=200, headers={"Content-Type": content_type})


def short_link_response(outcome) -> Response:
    """A 302 to the destination, or a small HTML page; never cached by browsers."""
    headers = {"Cache-Control": "no-store"}
    if outcome.status == 302:
        return Response(body="", status_code=302, headers={**headers, "Location": outcome.location})
    return Response(
        body=page(outcome.status),
        status_code=outcome.status,
        headers={**headers, "Content-Type": "text/html; charset=utf-8"},
    )




def prepare_request(event, get_response):
    """HTTP middleware, before Chalice's own 405 and 415 checks, auth and rate limits:
    413 for bodies over 64 KiB first of all; and a GET or HEAD (no body) is never
    refused for its Content-Type (a tap on a short link must always redirect)."""
    try:
        validation.check_body_size(event.raw_body)
    except DomainError as error:
        return error_response(error)
    if event.method in ("GET", "HEAD") and "content-type" in event.headers:
        event.headers = CaseInsensitiveMapping(
            {name: value for name, value in event.headers.items() if name != "content-type"}
        )
    return get_response(event)


def observe_request(event, get_response):
    """HTTP middleware: one structured log line per request, metrics flushed.

    Log keys are per thread (the local server is threaded; Lambda runs one
    request at a time). No IP, key or header value is logged."""
    request_id = event.context.get("requestId") or getattr(event.lambda_context, "aws_request_id", None)
    logger.thread_safe_append_keys(request_id=request_id)
    try:
        response = get_response(event)
        logger.info("request", method=event.method, route=event.context.get("resourcePath"),
                    status=response.status_code)
        return response
    finally:
        flush_metrics()
        logger.thread_safe_clear_keys()


class Api:
    """Decorators and helpers for the routes of one Chalice app."""

    def __init__(self, app: Chalice):
        self.app = app

    @property
    def request(self):
        return self.app.current_request

    def _handle(
        self, view: Callable, before: Callable[[], Optional[dict]], kwargs: dict, guard_ids: bool = True
    ) -> Any:
        try:
            extra = before() or {}
            if guard_ids and any(len(value) > validation.MAX_ID_LENGTH for value in kwargs.values()):
                # No such id exists; DynamoDB would refuse a key this long with a 400 of its own.
                raise NotFound("not found")
            return view(**extra, **kwargs)
        except DomainError as error:
            return error_response(error)
        except Exception:  # never a stack trace to the caller
            logger.exception("unhandled error")
            return json_response({"Code": "InternalError", "Message": "internal error"}, 500)

    def allow(self, *roles: str, rate_limit: Optional[tuple[str, int]] = None):
        """Only callers with one of `roles`; the view gets `caller=`.

        `rate_limit=(action, per_minute)` counts every authenticated request of
        a non-admin caller, valid or not.
        """

        def decorate(view: Callable) -> Callable:
            def authorize() -> dict:
                caller = auth.authenticate(self.request.headers.get("authorization"))
                auth.require_role(caller, roles)
                if rate_limit and caller.role != auth.ADMIN:
                    action, per_minute = rate_limit
                    ratelimit.count_request(action, caller.id, per_minute, config.now())
                logger.thread_safe_append_keys(caller_role=caller.role, caller_id=caller.id)
                return {"caller": caller}

            @functools.wraps(view)
            def wrapped(**kwargs):
                return self._handle(view, authorize, kwargs)

            return wrapped

        return decorate

    def public(self, view: Callable) -> Callable:
        @functools.wraps(view)
        def wrapped(**kwargs):
            # Public routes answer unknown ids their own way (a webhook: 401).
            return self._handle(view, lambda: None, kwargs, guard_ids=False)

        return wrapped

    def body(self) -> dict:
        return validation.parse_json_object(self.request.raw_body)

    def query(self, name: str) -> Optional[str]:
        params = self.request.query_params or {}
        return params.get(name)

    def query_lists(self) -> dict[str, list[str]]:
        params = self.request.query_params
        if not params:
            return {}
        return {name: params.getlist(name) for name in params.keys()}

    def page_args(self) -> dict:
        return {"limit": validation.page_limit(self.query("limit")), "cursor": self.query("cursor")}
