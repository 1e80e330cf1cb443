"""The thin layer between Chalice and the domain: auth per route, rate limits,
request bodies and queries, and every domain error answered through
`web/errors.py`. Two HTTP middlewares: the 413 check (before anything else)
and one log line per request with its metrics flushed.

`api` is the one helper every route module uses, whichever blueprint declares the
route (`web/routes/`): it reads the request from the thread serving it, which
`prepare_request` (registered on the app) keeps, so it needs no app of its own."""
from __future__ import annotations

import functools
import threading
from typing import Any, Callable, Optional

from chalice import Response
from chalice.app import CaseInsensitiveMapping, Request

from chalicelib.accounts import auth
from chalicelib.base import validation
from chalicelib.base.clock import now
from chalicelib.base.errors import DomainError
from chalicelib.base.observability import flush_metrics, logger
from chalicelib.web import rate_limits, requests
from chalicelib.web.errors import error_response, internal_error_response
from chalicelib.web.pages import logs_request

View = Callable[..., Response]


_this_thread = threading.local()


def prepare_request(event: Request, get_response: Callable[[Request], Response]) -> Response:
    """HTTP middleware, before Chalice's own 405 and 415 checks, auth and rate limits:
    413 for bodies over 64 KiB first of all; and a GET or HEAD (no body) is never
    refused for its Content-Type (a tap on a short link must always redirect).

    It also keeps the request for the thread serving it: Chalice's `app.current_request`
    is one attribute for the whole app, which the threaded local server overwrites with
    whichever request came last (a view read another request's body under concurrency)."""
    _this_thread.request = event
    try:
        try:
            requests.check_body_size(event.raw_body)
        except DomainError as error:
            return error_response(error)
        if event.method in ("GET", "HEAD") and "content-type" in event.headers:
            event.headers = CaseInsensitiveMapping(
                {name: value for name, value in event.headers.items() if name != "content-type"}
            )
        return get_response(event)
    finally:
        _this_thread.request = None


def observe_request(event: Request, get_response: Callable[[Request], Response]) -> Response:
    """HTTP middleware: one structured log line per request, metrics flushed.

    Log keys are per thread (the local server is threaded; Lambda runs one
    request at a time). No IP, key or header value is logged."""
    request_id = event.context.get("requestId") or getattr(event.lambda_context, "aws_request_id", None)
    logger.thread_safe_append_keys(request_id=request_id)
    try:
        response = get_response(event)
        route = event.context.get("resourcePath")
        if logs_request(route, response.status_code):
            logger.info("request", method=event.method, route=route, status=response.status_code)
        return response
    finally:
        flush_metrics()
        logger.thread_safe_clear_keys()


class Api:
    """Decorators and helpers for the routes: the app's and its blueprints' alike (Chalice's
    `Blueprint.current_request` is the app's one attribute, which `prepare_request` explains)."""

    @property
    def request(self) -> Request:
        """The request this thread serves (see `prepare_request`)."""
        request = getattr(_this_thread, "request", None)
        if request is None:
            raise RuntimeError("no request: Api helpers are for route handlers")
        return request

    def _handle(
        self, view: View, before: Callable[[], Optional[dict[str, Any]]], kwargs: dict[str, str], guard_ids: bool = True
    ) -> Response:
        try:
            extra = before() or {}
            if guard_ids:
                requests.check_path_ids(kwargs)
            return view(**extra, **kwargs)
        except DomainError as error:
            return error_response(error)
        except Exception:  # never a stack trace to the caller
            logger.exception("unhandled error")
            return internal_error_response()

    def allow(self, *roles: str, rate_limit: Optional[tuple[str, int]] = None) -> Callable[[View], View]:
        """Only callers with one of `roles`; the view gets `caller=`.

        `rate_limit=(action, per_minute)` counts every authenticated request of
        a non-admin caller, valid or not.
        """

        def decorate(view: View) -> View:
            def authorize() -> dict[str, Any]:
                caller = auth.authenticate(self.request.headers.get("authorization"))
                auth.require_role(caller, roles)
                if rate_limit and caller.role != auth.ADMIN:
                    action, per_minute = rate_limit
                    rate_limits.count_request(action, caller.id, per_minute, now())
                logger.thread_safe_append_keys(caller_role=caller.role, caller_id=caller.id)
                return {"caller": caller}

            @functools.wraps(view)
            def wrapped(**kwargs: str) -> Response:
                return self._handle(view, authorize, kwargs)

            return wrapped

        return decorate

    def public(self, view: View) -> View:
        @functools.wraps(view)
        def wrapped(**kwargs: str) -> Response:
            # Public routes answer unknown ids their own way (a webhook: 401).
            return self._handle(view, lambda: None, kwargs, guard_ids=False)

        return wrapped

    def body(self) -> dict[str, Any]:
        return validation.parse_json_object(self.request.raw_body)

    def query(self, name: str) -> Optional[str]:
        params = self.request.query_params
        return params.get(name) if params else None

    def query_lists(self) -> dict[str, list[str]]:
        params = self.request.query_params
        if not params:
            return {}
        return {name: params.getlist(name) for name in params.keys()}

    def page_args(self) -> dict[str, Any]:
        return {"limit": requests.page_limit(self.query("limit")), "cursor": self.query("cursor")}

    def api_base_url(self) -> str:
        return requests.api_base_url(self.request.headers, self.request.context)

    def raw_body(self) -> bytes:
        raw = self.request.raw_body
        return raw.encode("utf-8") if isinstance(raw, str) else raw or b""

    def headers(self) -> dict[str, str]:
        """Every header, names lower-cased."""
        return {name.lower(): value for name, value in self.request.headers.items()}

    def header(self, name: str) -> Optional[str]:
        return self.request.headers.get(name)

    def require_accept(self, content_type: str) -> None:
        requests.require_accept(self.header("accept"), content_type)


api = Api()
"""What the route modules decorate their views with and read their requests through."""
