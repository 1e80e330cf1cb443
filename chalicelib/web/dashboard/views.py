"""The dashboard's pages: each reads or writes through the same domain functions as the JSON
API (stats reads, links, statements, programs, integration secrets) and picks a template.
No business rule lives here. Each is declared with who may see it (`signed_in(...)` or `public`)
and named by its `/app` route (`web/routes/dashboard.py`)."""
from __future__ import annotations

import re
from typing import Any, Optional
from urllib.parse import quote

from chalicelib.accounts import programs, sessions
from chalicelib.accounts.auth import BRAND, CREATOR
from chalicelib.accounts.brands import brand_names
from chalicelib.accounts.creators import creator_handles
from chalicelib.base.clock import now
from chalicelib.base.errors import Conflict, DomainError, Forbidden, InvalidInput, NotFound, Unauthorized
from chalicelib.integrations import secrets as integration_secrets
from chalicelib.links import qr_codes, short_links
from chalicelib.money import conversions, statements
from chalicelib.stats import reads
from chalicelib.web import rate_limits
from chalicelib.web.dashboard import charts, i18n
from chalicelib.web.dashboard.site import (
    LANGUAGE_COOKIE,
    LOGIN_COOKIE,
    SESSION_COOKIE,
    Download,
    Outcome,
    Page,
    Redirect,
    Visit,
    cookie,
    public,
    signed_in,
)

N_ = i18n.N_

# Refusals the pages show as they come from the domain (in English there): the catalogue has them
# in French. A message with a variable part (a host name) is shown after a translated preamble.
DOMAIN_MESSAGES = (
    N_("unknown API key"),
    N_("the dashboard is for brands and creators: sign in with a brand's or creator's key"),
    N_("the session has expired: sign in again"),
    N_("the key of this session was replaced: sign in with the new key"),
    N_("not signed in"),
    N_("this form has expired or did not come from this site: open the page again"),
    N_("you are signed out: sign in again, then send the form again"),
    N_("the form could not be read"),
    N_("not found"),
    N_("destination is required"),
    N_("destination must be an absolute http or https URL"),
    N_("destination is not a valid URL"),
    N_("destination must have a host name"),
    N_("destination host must be a DNS name, not an IP address"),
    N_("alias must be 3 to 40 characters of A-Z, a-z, 0-9, _ and -"),
    N_("this brand has blocked you"),
    N_("this brand's program is by invitation and has not approved you"),
    N_("secret must be 8 to 512 characters"),
    N_("secret is required"),
    N_("This value was refused:"),
    N_("month must be YYYY-MM, such as 2026-11"),
    N_("cursor is not valid for this list"),
    N_("creator_id is required"),
    N_("source must be 1 to 64 characters"),
    N_("destination must be at most 2048 characters"),
    N_("status must be one of: approved, blocked"),
    N_("status must be one of: pending, approved, refunded, unattributed"),
)
LIST_LIMIT = 100
# Where the language switch may send back: a path of the dashboard, in plain URL characters.
DASHBOARD_PAGE = re.compile(r"/app(/[A-Za-z0-9._~%-]+)*/?(\?[A-Za-z0-9._~%=&-]*)?", re.ASCII)
LINK_FIELDS = ("brand_id", "destination", "alias", "source")
BOTH = (BRAND, CREATOR)


# --- signing in and out, the language ---------------------------------------------------------


@public
def login_form(visit: Visit) -> Outcome:
    nonce = sessions.new_login_nonce()
    return Page("login.html", {"nonce": nonce}, cookie=cookie(visit, LOGIN_COOKIE, nonce, max_age=3600))


@public  # no session yet: its CSRF check is the sign-in nonce
def login(visit: Visit) -> Outcome:
    sessions.check_login_nonce(visit.cookies.get(LOGIN_COOKIE), visit.form.get("nonce"))
    try:
        token, _ = sessions.sign_in(visit.form.get("api_key"))
    except Unauthorized as refused:
        # The form again, with the same nonce and no new cookie.
        return Page("login.html", {"nonce": visit.form.get("nonce"), "error": visit.refusal(refused.message)},
                    status=401)
    return Redirect(visit.url("/app"), cookie=cookie(visit, SESSION_COOKIE, token,
                                                     max_age=sessions.SESSION_HOURS * 3600))


@signed_in(*BOTH)
def logout(visit: Visit) -> Outcome:
    return Redirect(visit.url("/app/login"), cookie=cookie(visit, SESSION_COOKIE, "", max_age=0))


@public
def language(visit: Visit, lang: str) -> Outcome:
    if lang not in i18n.LOCALES:
        raise NotFound("not found")
    back = visit.query("next") or "/app"
    if not DASHBOARD_PAGE.fullmatch(back) or "/../" in back + "/" or "/./" in back + "/":
        back = "/app"  # only a page of the dashboard: never another site, never a header of our making
    return Redirect(visit.url(back), cookie=cookie(visit, LANGUAGE_COOKIE, lang, max_age=365 * 86400))


# --- charts and stats -----------------------------------------------------------------------------


def _chart(visit: Visit, days: list[dict[str, Any]], value_of: Any, label: str, text_of: Any) -> dict[str, Any]:
    """A day-by-day chart: the SVG, and the same numbers as rows `{day, text}` for the table."""
    bars = [charts.Bar(day["date"], value_of(day)) for day in days]
    if not bars or charts.is_empty(bars):
        return {"empty": True, "label": label, "rows": []}

    def describe(bar: charts.Bar) -> str:
        return f"{i18n.day(bar.day, visit.locale)}: {text_of(bar.value)}"

    svg = charts.daily_bars(bars, label, describe, i18n.short_day(bars[0].day, visit.locale),
                            i18n.short_day(bars[-1].day, visit.locale))
    return {"empty": False, "label": label, "svg": svg,
            "rows": [{"day": bar.day, "text": text_of(bar.value)} for bar in bars]}


def _clicks_chart(visit: Visit, stats: dict[str, Any]) -> dict[str, Any]:
    return _chart(visit, stats["days"], lambda day: day["clicks"], visit.gettext("Clicks per day"),
                  lambda value: i18n.number(value, visit.locale))


def _main_currency(amounts: dict[str, int]) -> Optional[str]:
    return max(sorted(amounts), key=lambda currency: amounts[currency]) if amounts else None


# --- creator ------------------------------------------------------------------------------------------


@signed_in(*BOTH)
def home(visit: Visit) -> Outcome:
    caller = visit.caller
    assert caller is not None
    if caller.role == CREATOR:
        stats = reads.my_stats(caller.role, caller.id, None, None)
        return Page("creator_home.html", {"stats": stats, "chart": _clicks_chart(visit, stats),
                                          "top": stats["links"][:5]})
    stats = reads.party_totals(caller.role, caller.id, None, None)  # the brand's overview lists no links
    currency = _main_currency(stats["totals"]["sales"])
    chart = _chart(visit, stats["days"], lambda day: day["sales"].get(currency, 0) if currency else 0,
                   visit.gettext("Sales per day"), lambda value: i18n.money(value, currency or "EUR", visit.locale))
    return Page("brand_home.html", {"stats": stats, "chart": chart, "currency": currency})


@signed_in(CREATOR)
def links(visit: Visit) -> Outcome:
    caller = visit.caller
    assert caller is not None
    page = short_links.list_links(caller.id, limit=LIST_LIMIT, cursor=visit.query("cursor"))
    per_link = {entry["code"]: entry for entry in reads.top_links(CREATOR, caller.id, None, None)}
    names = brand_names([item["brand_id"] for item in page["items"]])
    return Page("links.html", {"links": page["items"], "per_link": per_link, "brands": names,
                               "next_cursor": page.get("next_cursor")})


@signed_in(CREATOR)
def new_link_form(visit: Visit, values: Optional[dict[str, str]] = None, errors: Optional[dict[str, str]] = None,
                  status: int = 200) -> Outcome:
    caller = visit.caller
    assert caller is not None
    catalogue = programs.catalogue_for_creator(caller.id, limit=LIST_LIMIT, cursor=None)["items"]
    return Page("link_new.html", {"brands": catalogue, "values": values or {}, "errors": errors or {}},
                status=status)


@signed_in(CREATOR)
def create_link(visit: Visit) -> Outcome:
    caller = visit.caller
    assert caller is not None
    values = {name: (visit.form.get(name) or "").strip() for name in LINK_FIELDS}
    body = {name: value for name, value in values.items() if value}
    try:
        action, limit = rate_limits.LINK_CREATION
        rate_limits.count_request(action, caller.id, limit, now())
        link = short_links.create_link(caller.id, body)
    except (InvalidInput, Conflict, Forbidden, NotFound) as refused:
        field = _field_of(refused, LINK_FIELDS, default="brand_id" if isinstance(refused, (Forbidden, NotFound))
                          else "destination")
        return new_link_form(visit, values, {field: visit.refusal(refused.message)}, status=400)
    return Redirect(visit.url(f"/app/links/{quote(link['code'], safe='')}"))


def _field_of(error: DomainError, fields: tuple[str, ...], default: str) -> str:
    """The form field a refusal is about: the field its message starts with, else `default`."""
    message = error.message.lower()
    if isinstance(error, Conflict) and "alias" in message:
        return "alias"
    for name in fields:
        if message.startswith(name) or message.startswith(name.replace("_", " ")):
            return name
    return default


@signed_in(CREATOR)
def link(visit: Visit, code: str) -> Outcome:
    caller = visit.caller
    assert caller is not None
    view = short_links.get_link(caller.id, code)  # another creator's link: NotFound
    stats = reads.read_link_stats(code, None, None)  # get_link proved it is the caller's
    qr = qr_codes.qr_image(view["code"], image_format="svg")  # get_link proved it is the caller's
    breakdowns = [(name, stats["totals"][key]) for name, key in reads.BREAKDOWNS.items()]
    return Page("link.html", {"link": view, "stats": stats, "chart": _clicks_chart(visit, stats),
                              "breakdowns": breakdowns, "qr": qr.body,
                              "brand": brand_names([view["brand_id"]]).get(view["brand_id"], view["brand_id"])})


# --- statements (both) ------------------------------------------------------------------------------


@signed_in(*BOTH)
def statements_list(visit: Visit) -> Outcome:
    caller = visit.caller
    assert caller is not None
    page = statements.list_statements(caller.role, caller.id, limit=24, cursor=visit.query("cursor"))
    return Page("statements.html", {"statements": page["items"], "next_cursor": page.get("next_cursor")})


@signed_in(*BOTH)
def statement(visit: Visit, month: str) -> Outcome:
    caller = visit.caller
    assert caller is not None
    view = statements.statement(caller.role, caller.id, month)  # NotFound for another's or an open month
    if caller.role == BRAND:
        names = creator_handles([line["creator_id"] for line in view["lines"]])
    else:
        names = brand_names([line["brand_id"] for line in view["lines"]])
    return Page("statement.html", {"statement": view, "names": names})


@signed_in(BRAND)
def statement_csv(visit: Visit, month: str) -> Outcome:
    caller = visit.caller
    assert caller is not None
    body = statements.statement_csv(caller.id, month)
    return Download(body, f"statement-{statements.parse_month(month)}.csv")


@signed_in(BRAND)
def mark_paid(visit: Visit, month: str) -> Outcome:
    caller = visit.caller
    assert caller is not None
    statements.mark_paid(caller.id, month, {"creator_id": visit.form.get("creator_id"),
                                            "currency": visit.form.get("currency")})
    return Redirect(visit.url(f"/app/statements/{quote(statements.parse_month(month))}"))


# --- brand ----------------------------------------------------------------------------------------------


@signed_in(BRAND)
def conversions_list(visit: Visit) -> Outcome:
    caller = visit.caller
    assert caller is not None
    status = visit.query("status") or None
    page = conversions.list_conversions(caller, status=status, limit=50, cursor=visit.query("cursor"))
    handles = creator_handles([item["creator_id"] for item in page["items"]])
    return Page("conversions.html", {"conversions": page["items"], "status": status, "handles": handles,
                                     "statuses": conversions.STATUSES, "next_cursor": page.get("next_cursor")})


@signed_in(BRAND)
def creators(visit: Visit) -> Outcome:
    caller = visit.caller
    assert caller is not None
    standing = programs.memberships_of_brand(caller.id)
    seen = [entry["creator_id"] for entry in reads.top_links(BRAND, caller.id, None, None) if entry.get("creator_id")]
    creator_ids = sorted(set(standing) | set(seen))
    handles = creator_handles(creator_ids)
    rows = [{"creator_id": creator_id, "handle": handles.get(creator_id, ""), "status": standing.get(creator_id)}
            for creator_id in creator_ids]
    return Page("creators.html", {"creators": rows})


@signed_in(BRAND)
def set_creator_standing(visit: Visit, creator_id: str) -> Outcome:
    caller = visit.caller
    assert caller is not None
    programs.set_membership(caller.id, creator_id, {"status": visit.form.get("status")})
    return Redirect(visit.url("/app/creators"))


@signed_in(BRAND)
def integrations(visit: Visit, errors: Optional[dict[str, str]] = None, status: int = 200) -> Outcome:
    caller = visit.caller
    assert caller is not None
    base = visit.api_base_url()
    platforms = [
        {"platform": platform, "configured": integration_secrets.secret_of(caller.id, platform) is not None,
         "webhook_url": integration_secrets.webhook_url(caller.id, platform, base)}
        for platform in integration_secrets.PLATFORMS
    ]
    return Page("integrations.html", {"platforms": platforms, "errors": errors or {},
                                      "own_webhook": integration_secrets.webhook_url(caller.id, "conversions", base),
                                      "saved": visit.query("saved")}, status=status)


@signed_in(BRAND)
def set_integration(visit: Visit, platform: str) -> Outcome:
    caller = visit.caller
    assert caller is not None
    try:
        integration_secrets.set_secret(caller.id, platform, {"secret": visit.form.get("secret") or ""},
                                       visit.api_base_url())
    except InvalidInput as refused:
        return integrations(visit, {platform: visit.refusal(refused.message)}, status=400)
    return Redirect(visit.url(f"/app/integrations?saved={quote(platform)}"))
