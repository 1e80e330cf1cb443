"""Between Chalice and the dashboard's views: the visit (locale, cookies, session, form), the
session and CSRF checks, rendering with Jinja2 (autoescaping on), and the HTML answers
(errors as pages, never JSON). Imported only by the `/app` routes."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from http.cookies import CookieError, SimpleCookie
from pathlib import Path
from typing import Any, Callable, Optional, Union
from urllib.parse import parse_qs, quote, urlsplit

from chalice import Response
from chalice.app import Request
from jinja2 import Environment, FileSystemLoader, select_autoescape

from chalicelib.accounts import sessions
from chalicelib.accounts.auth import Caller
from chalicelib.base.config import settings
from chalicelib.base.errors import DomainError, Forbidden, InvalidInput, NotFound, Unauthorized
from chalicelib.base.observability import logger
from chalicelib.web import requests
from chalicelib.web.dashboard import i18n
from chalicelib.web.errors import error_headers, http_answer
from chalicelib.web.responses import csv_response

SESSION_COOKIE = "afl_session"
LOGIN_COOKIE = "afl_login"
LANGUAGE_COOKIE = "afl_lang"
MAX_FORM_FIELDS = 20
SECURITY_HEADERS = {
    "Cache-Control": "no-store",
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}
TEMPLATES = Path(__file__).parent / "templates"
STAGE = re.compile(r"[A-Za-z0-9_-]{1,128}")


@dataclass
class Page:
    template: str
    context: dict[str, Any] = field(default_factory=dict)
    status: int = 200
    cookie: Optional[str] = None


@dataclass
class Redirect:
    location: str
    cookie: Optional[str] = None


@dataclass
class Download:
    """A CSV file to save."""

    body: str
    filename: str


Outcome = Union[Page, Redirect, Download]


@dataclass
class Visit:
    """One request to the dashboard, as the views see it."""

    request: Request
    locale: str
    cookies: dict[str, str]
    form: dict[str, str]
    caller: Optional[Caller] = None
    session: Optional[str] = None

    @property
    def path(self) -> str:
        """This page's path under the dashboard (`/app/links/glow`), without any stage prefix."""
        path = self.request.context.get("resourcePath") or "/app"
        for name, value in (self.request.uri_params or {}).items():
            path = path.replace("{" + name + "}", quote(value, safe=""))
        return path

    @property
    def prefix(self) -> str:
        """What API Gateway puts before the routes (`/api`, its stage, on its own domain), or nothing
        (locally, or behind a custom domain). From the stage's name, never from what the client sent."""
        stage = self.request.context.get("stage")
        full = self.request.context.get("path") or ""
        if isinstance(stage, str) and STAGE.fullmatch(stage) and full.startswith(f"/{stage}/"):
            return f"/{stage}"
        return ""

    def url(self, path: str) -> str:
        return self.prefix + path

    def query(self, name: str) -> Optional[str]:
        params: Any = self.request.query_params or {}
        value = params.get(name)
        return value if isinstance(value, str) else None

    def api_base_url(self) -> str:
        return requests.api_base_url(self.request.headers, self.request.context)

    def gettext(self, message: str) -> str:
        return i18n.translations(self.locale).gettext(message)

    def refusal(self, message: str) -> str:
        """A domain's refusal in this visit's language: its translation if the catalogue has
        it (with the name it holds, for the few that hold one), else the original after a
        translated preamble."""
        translated = self.gettext(message)
        if translated != message or self.locale == i18n.DEFAULT:
            return translated
        for pattern, template in i18n.REFUSALS_WITH_A_NAME:
            found = pattern.fullmatch(message)
            if found:
                return self.gettext(template) % found.groupdict()
        return f"{self.gettext('This value was refused:')} {message}"


@dataclass(frozen=True)
class View:
    """A page of the dashboard: its function and the roles that may see it (none: no session
    needed). Declared with `signed_in(...)` or `public`; the `/app` routes hand it to `serve`
    by itself, not by a name, so an import graph follows every route to its view."""

    function: Callable[..., Outcome]
    roles: tuple[str, ...]

    @property
    def name(self) -> str:
        return self.function.__name__

    def __call__(self, visit: Visit, *args: Any, **kwargs: Any) -> Outcome:
        """The page's outcome (a view may answer with another's, e.g. its form again)."""
        return self.function(visit, *args, **kwargs)


def signed_in(*roles: str) -> Callable[[Callable[..., Outcome]], View]:
    """Declare the decorated function a page for signed-in callers of `roles` (the session and,
    for a form, its CSRF token checked); the other role's callers find no such page."""

    def declare(function: Callable[..., Outcome]) -> View:
        return View(function, roles)

    return declare


def public(function: Callable[..., Outcome]) -> View:
    """Declare the decorated function a page anyone may open: no session needed."""
    return View(function, ())


def cookie(visit: "Visit", name: str, value: str, *, max_age: int, http_only: bool = True) -> str:
    """A `Set-Cookie` value: SameSite=Lax, under /app, Secure unless the site is plain local HTTP."""
    parts = [f"{name}={value}", f"Path={visit.url('/app')}", f"Max-Age={max_age}", "SameSite=Lax"]
    if http_only:
        parts.append("HttpOnly")
    if not _plain_local_http(settings().public_base_url):
        parts.append("Secure")
    return "; ".join(parts)


def _plain_local_http(base_url: str) -> bool:
    """`http://127.0.0.1[:port]`: the local run, where a Secure cookie would never come back."""
    parsed = urlsplit(base_url)
    return parsed.scheme == "http" and parsed.hostname == "127.0.0.1"


def _cookies(request: Request) -> dict[str, str]:
    jar = SimpleCookie()
    try:
        jar.load(request.headers.get("cookie") or "")
    except CookieError:
        return {}
    return {name: morsel.value for name, morsel in jar.items()}


def _form(request: Request) -> dict[str, str]:
    if request.method != "POST":
        return {}
    raw = request.raw_body or b""
    try:
        text = raw.decode("utf-8") if isinstance(raw, bytes) else raw
        fields = parse_qs(text, keep_blank_values=True, max_num_fields=MAX_FORM_FIELDS, strict_parsing=False)
    except (UnicodeDecodeError, ValueError):
        raise InvalidInput("the form could not be read") from None
    return {name: values[0] for name, values in fields.items()}


@lru_cache(maxsize=len(i18n.LOCALES))
def _environment(locale: str) -> Environment:
    environment = Environment(
        loader=FileSystemLoader(str(TEMPLATES)),
        autoescape=select_autoescape(default=True, default_for_string=True),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.install_gettext_translations(i18n.translations(locale), newstyle=True)  # type: ignore[attr-defined]
    environment.globals.update(
        money=lambda minor, currency: i18n.money(minor, currency, locale),
        number=lambda value: i18n.number(value, locale),
        day=lambda value: i18n.day(value, locale),
        timestamp=lambda value: i18n.timestamp(value, locale),
        month_name=lambda value: i18n.month(value, locale),
        languages=i18n.LANGUAGE_NAMES,
        locale=locale,
    )
    return environment


def render(visit: Visit, template: str, context: dict[str, Any]) -> str:
    csrf = sessions.csrf_token(visit.session) if visit.session else ""
    return _environment(visit.locale).get_template(template).render(
        caller=visit.caller, csrf=csrf, here=quote(visit.path, safe="/%"), app=visit.url("/app"), **context
    )


def _html(visit: Visit, body: str, status: int, extra: Optional[dict[str, str]] = None) -> Response:
    headers: dict[str, Union[str, list[str]]] = {
        **SECURITY_HEADERS, "Content-Type": "text/html; charset=utf-8", "Content-Language": visit.locale,
        "Vary": "Cookie, Accept-Language", **(extra or {}),
    }
    return Response(body=body, status_code=status, headers=headers)


def _answer(visit: Visit, outcome: Outcome) -> Response:
    if isinstance(outcome, Redirect):
        headers: dict[str, Union[str, list[str]]] = {"Location": outcome.location, "Cache-Control": "no-store"}
        if outcome.cookie:
            headers["Set-Cookie"] = outcome.cookie
        return Response(body="", status_code=303, headers=headers)
    if isinstance(outcome, Download):
        response = csv_response(outcome.body, outcome.filename)
        response.headers["Cache-Control"] = "no-store"
        return response
    extra = {"Set-Cookie": outcome.cookie} if outcome.cookie else None
    return _html(visit, render(visit, outcome.template, outcome.context), outcome.status, extra)


def error_page(visit: Visit, error: DomainError) -> Response:
    status, _ = http_answer(error)
    titles = {
        403: visit.gettext("This form cannot be used"),
        404: visit.gettext("Page not found"),
    }
    title = titles.get(status, visit.gettext("This request was refused"))
    body = render(visit, "error.html", {"title": title, "message": visit.refusal(error.message), "status": status})
    return _html(visit, body, status, error_headers(error))


def serve(view: View, request: Request, **params: str) -> Response:
    """The answer of the page `view` to `request`: the session and CSRF checks its roles ask
    for, then its outcome, or the error page."""
    cookies = _cookies(request)
    visit = Visit(request, i18n.negotiate(cookies.get(LANGUAGE_COOKIE), request.headers.get("accept-language")),
                  cookies, {})
    try:
        visit.form = _form(request)
        if view.roles:
            visit.session = cookies.get(SESSION_COOKIE)
            try:
                visit.caller = sessions.caller_of(visit.session)
            except Unauthorized:
                visit.session = None
                if request.method == "GET":
                    return _answer(visit, Redirect(visit.url("/app/login")))
                raise Forbidden("you are signed out: sign in again, then send the form again") from None
            if visit.caller.role not in view.roles:
                raise NotFound("not found")  # the other role's pages do not exist for this caller
            if request.method == "POST":
                sessions.check_csrf(visit.session, visit.form.get("csrf"))
        requests.check_path_ids(params)
        return _answer(visit, view(visit, **params))
    except DomainError as error:
        return error_page(visit, error)
    except Exception:
        logger.exception("dashboard page failed", view=view.name)
        return _html(visit, render(visit, "error.html", {
            "title": visit.gettext("Something went wrong"),
            "message": visit.gettext("Please try again in a moment."), "status": 500}), 500)
