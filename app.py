"""Affilink's map: every route and event handler, each a few lines that parse
the request, call one domain function in `chalicelib/` and shape the answer.

Whatever this file imports is paid by every cold start, the redirect's
included: heavy modules are imported inside the routes that need them.
"""
from chalicelib.base.startup import imports_begin, imports_done

imports_begin(__name__)  # before the other imports; imports_done() is this file's last line

from chalice import Chalice

from chalicelib.accounts import brands, creators, me, programs
from chalicelib.accounts.auth import ADMIN, BRAND, CREATOR
from chalicelib.background import CLICK_SPOOL, MONTHLY, Background, QueueSource, StreamSource, process_batch
from chalicelib.links import short_links
from chalicelib.money import conversions
from chalicelib.storage.money import Conversion
from chalicelib.storage.tap import Click
from chalicelib.tap import redirect, spool
from chalicelib.web import tap_function
from chalicelib.web.api import Api, observe_request, prepare_request
from chalicelib.web.rate_limits import LINK_CREATION
from chalicelib.web.responses import (
    binary_response,
    csv_response,
    json_response,
    shop_delivery_response,
    short_link_response,
)

# The service's log lines are Powertools' JSON (base/observability.py), on a logger of the same
# name as Chalice's own: Chalice's plain-text handler would print each of them a second time.
app = Chalice(app_name="affilink", configure_logs=False)
# The one binary body the API answers is a QR code's PNG; Chalice checks every answer's type
# against this list (16 types by default), a tap's included.
app.api.binary_types = ["image/png"]
api = Api(app)
background = Background(app)
app.register_middleware(prepare_request, "http")
app.register_middleware(observe_request, "http")


# --- operations -----------------------------------------------------------------


@app.route("/health", methods=["GET"])
@api.public
def health():
    return json_response({"status": "ok"})


@app.route("/openapi.json", methods=["GET"])
@api.public
def openapi_document():
    from chalicelib.web.openapi import openapi_document  # YAML: only this route pays for it

    return json_response(openapi_document())


# --- brands ---------------------------------------------------------------------


@app.route("/brands", methods=["POST"])
@api.allow(ADMIN)
def create_brand(caller):
    return json_response(brands.create_brand(api.body()), 201)


@app.route("/brands", methods=["GET"])
@api.allow(ADMIN, CREATOR)
def list_brands(caller):
    return json_response(me.visible_brands(caller, **api.page_args()))


@app.route("/brands/{brand_id}", methods=["GET"])
@api.allow(ADMIN, BRAND, CREATOR)
def get_brand(caller, brand_id):
    return json_response(me.visible_brand(caller, brand_id))


@app.route("/brands/{brand_id}", methods=["PATCH"])
@api.allow(ADMIN)
def update_brand(caller, brand_id):
    return json_response(brands.update_brand(brand_id, api.body()))


@app.route("/brands/{brand_id}/rotate-key", methods=["POST"])
@api.allow(ADMIN)
def rotate_brand_key(caller, brand_id):
    return json_response(brands.rotate_api_key(brand_id))


@app.route("/brands/{brand_id}/rotate-webhook-secret", methods=["POST"])
@api.allow(ADMIN)
def rotate_brand_webhook_secret(caller, brand_id):
    return json_response(brands.rotate_webhook_secret(brand_id))


# --- creators -------------------------------------------------------------------


@app.route("/creators", methods=["POST"])
@api.allow(ADMIN)
def create_creator(caller):
    return json_response(creators.create_creator(api.body()), 201)


@app.route("/creators/{creator_id}", methods=["GET"])
@api.allow(ADMIN)
def get_creator(caller, creator_id):
    return json_response(creators.get_creator(creator_id))


@app.route("/creators/{creator_id}/rotate-key", methods=["POST"])
@api.allow(ADMIN)
def rotate_creator_key(caller, creator_id):
    return json_response(creators.rotate_api_key(creator_id))


# --- the caller's own account ---------------------------------------------------


@app.route("/me", methods=["GET"])
@api.allow(BRAND, CREATOR)
def get_me(caller):
    return json_response(me.own_account(caller))


@app.route("/me", methods=["PATCH"])
@api.allow(BRAND)
def update_me(caller):
    return json_response(brands.update_brand(caller.id, api.body()))


@app.route("/me/creators/{creator_id}", methods=["PUT"])
@api.allow(BRAND)
def set_creator_standing(caller, creator_id):
    return json_response(programs.set_membership(caller.id, creator_id, api.body()))


# --- links ----------------------------------------------------------------------


@app.route("/links", methods=["POST"])
@api.allow(CREATOR, rate_limit=LINK_CREATION)
def create_link(caller):
    return json_response(short_links.create_link(caller.id, api.body()), 201)


@app.route("/links", methods=["GET"])
@api.allow(CREATOR)
def list_links(caller):
    return json_response(short_links.list_links(caller.id, **api.page_args()))


@app.route("/links/{code}", methods=["GET"])
@api.allow(CREATOR)
def get_link(caller, code):
    return json_response(short_links.get_link(caller.id, code))


@app.route("/links/{code}", methods=["PATCH"])
@api.allow(CREATOR)
def update_link(caller, code):
    return json_response(short_links.update_link(caller.id, code, api.body()))


@app.route("/links/{code}/qr", methods=["GET"])
@api.allow(CREATOR)
def link_qr_code(caller, code):
    from chalicelib.links import qr_codes  # segno: only this route pays for it

    image_format = qr_codes.image_format(api.query("format"))
    if image_format == "png":
        api.require_accept("image/png")  # API Gateway sends binary bodies only to clients that ask
    image = qr_codes.link_qr_code(caller.id, code, image_format=image_format)
    return binary_response(image.body, image.content_type)


# --- the tap (public) -------------------------------------------------------------


def handler(event, context):
    """The API function's entry point in AWS (infra/stack.py): a tap on `/{code}` is answered
    as the tap function answers one, without Chalice's request and response objects (the route
    below answers the same, for the local run and tests); everything else goes to Chalice."""
    if tap_function.is_api_gateway_tap(event):
        return tap_function.api_gateway_tap(event, context)
    return app(event, context)


@app.route("/{code}", methods=["GET", "HEAD"], content_types=["*/*"])  # a tap has no body: any type will do
def follow_short_link(code):
    request = api.request
    outcome = redirect.follow(
        code=code,
        parameters=api.query_lists(),
        record=request.method == "GET",
        source_ip=request.context.get("identity", {}).get("sourceIp"),
        user_agent=request.headers.get("user-agent"),
        referer=request.headers.get("referer"),
        country_header=request.headers.get("cloudfront-viewer-country"),
    )
    return short_link_response(outcome)


@background.entry_point("drain_click_spool", QueueSource(CLICK_SPOOL, batch_size=10))
def drain_click_spool(event, context):
    """SQS -> clicks table, for clicks whose first write failed (exactly once)."""
    return process_batch(event, context, lambda record: spool.write_spooled_click(record.body), "SQS")


@background.entry_point("aggregate_click_stats", StreamSource(Click, batch_size=100))
def aggregate_click_stats(event, context):
    """clicks stream -> per-day counters (human, unique, bot clicks and breakdowns)."""
    from chalicelib.stats import aggregator  # not paid by the API's cold start

    return aggregator.handle_click_batch(event)


@background.entry_point("aggregate_conversion_stats", StreamSource(Conversion, batch_size=100))
def aggregate_conversion_stats(event, context):
    """conversions stream -> per-day counters (conversions, sales, commission)."""
    from chalicelib.stats import aggregator

    return aggregator.handle_conversion_batch(event)


# --- conversions ------------------------------------------------------------------


@app.route("/conversions", methods=["POST"])
@api.allow(BRAND)
def report_conversion(caller):
    recorded = conversions.record_conversion(caller.id, api.body())
    return json_response(recorded.conversion, 201 if recorded.created else 200)


@app.route("/webhooks/{brand_id}/conversions", methods=["POST"])
@api.public
def conversion_webhook(brand_id):
    recorded = conversions.record_signed_conversion(
        brand_id, api.raw_body(), api.header("affilink-signature")
    )
    return json_response(recorded.conversion, 201 if recorded.created else 200)


@app.route("/me/conversions", methods=["GET"])
@api.allow(BRAND, CREATOR)
def list_my_conversions(caller):
    return json_response(conversions.list_conversions(caller, status=api.query("status"), **api.page_args()))


# --- the monthly close and statements ------------------------------------------------


@app.route("/admin/close-month", methods=["POST"])
@api.allow(ADMIN)
def close_month(caller):
    from chalicelib.money import close  # the back office's modules: not paid by a tap's cold start
    from chalicelib.web.closing import close_within

    result = close_within(close.month_from_request(api.body()))
    return json_response(result.view(), 200 if result.status == close.CLOSED else 202)


@background.entry_point("close_month", MONTHLY)
def close_month_on_schedule(event):
    """The schedule (and the admin route's asynchronous invocation, which names the month)."""
    from chalicelib.money import close

    return close.close_month(close.scheduled_month(event.detail.get("month"), event.time)).view()


@app.route("/me/statements", methods=["GET"])
@api.allow(BRAND, CREATOR)
def list_my_statements(caller):
    from chalicelib.money import statements

    return json_response(statements.list_statements(caller.role, caller.id, **api.page_args()))


@app.route("/me/statements/{month}", methods=["GET"])
@api.allow(BRAND, CREATOR)
def get_my_statement(caller, month):
    return _statement_response(caller.role, caller.id, month)


@app.route("/me/statements/{month}/paid", methods=["POST"])
@api.allow(BRAND)
def mark_statement_line_paid(caller, month):
    from chalicelib.money import statements

    return json_response(statements.mark_paid(caller.id, month, api.body()))


@app.route("/brands/{brand_id}/statements/{month}", methods=["GET"])
@api.allow(ADMIN)
def get_brand_statement(caller, brand_id, month):
    return _statement_response(BRAND, brand_id, month)


@app.route("/creators/{creator_id}/statements/{month}", methods=["GET"])
@api.allow(ADMIN)
def get_creator_statement(caller, creator_id, month):
    return _statement_response(CREATOR, creator_id, month)


def _statement_response(party, party_id, month):
    from chalicelib.money import statements

    if statements.wants_csv(party, api.query("format")):
        return csv_response(statements.statement_csv(party_id, month), f"statement-{month}.csv")
    return json_response(statements.statement(party, party_id, month))


# --- shop integrations -----------------------------------------------------------------


@app.route("/brands/{brand_id}/integrations/{platform}", methods=["PUT"])
@api.allow(ADMIN)
def set_brand_integration(caller, brand_id, platform):
    from chalicelib.integrations import secrets as integration_secrets  # not paid by a tap's cold start

    return json_response(integration_secrets.set_secret(brand_id, platform, api.body(), api.api_base_url()))


@app.route("/me/integrations/{platform}", methods=["PUT"])
@api.allow(BRAND)
def set_my_integration(caller, platform):
    from chalicelib.integrations import secrets as integration_secrets

    return json_response(integration_secrets.set_secret(caller.id, platform, api.body(), api.api_base_url()))


@app.route("/webhooks/{brand_id}/shopify", methods=["POST"])
@api.public
def shopify_webhook(brand_id):
    from chalicelib.integrations import deliveries

    return shop_delivery_response(deliveries.receive("shopify", brand_id, api.raw_body(), api.headers()))


@app.route("/webhooks/{brand_id}/stripe", methods=["POST"])
@api.public
def stripe_webhook(brand_id):
    from chalicelib.integrations import deliveries

    return shop_delivery_response(deliveries.receive("stripe", brand_id, api.raw_body(), api.headers()))


@app.route("/admin/parked-deliveries", methods=["GET"])
@api.allow(ADMIN)
def list_parked_deliveries(caller):
    from chalicelib.integrations import deliveries

    return json_response(deliveries.list_parked(**api.page_args()))


# --- stats ------------------------------------------------------------------------------


@app.route("/links/{code}/stats", methods=["GET"])
@api.allow(CREATOR)
def link_stats(caller, code):
    from chalicelib.stats import reads  # the back office's modules: not paid by a tap's cold start

    return json_response(reads.link_stats(caller.id, code, api.query("from"), api.query("to")))


@app.route("/me/stats", methods=["GET"])
@api.allow(BRAND, CREATOR)
def my_stats(caller):
    from chalicelib.stats import reads

    return json_response(reads.my_stats(caller.role, caller.id, api.query("from"), api.query("to")))


# --- the dashboard (HTML pages under /app) --------------------------------------------------

FORM = ["application/x-www-form-urlencoded"]


def _dashboard(view: str, **params: str):
    from chalicelib.web.dashboard import serve  # Jinja2 and Babel: only the dashboard's pages pay for them

    return serve(view, api.request, **params)


@app.route("/app", methods=["GET"])
def dashboard_home():
    return _dashboard("home")


@app.route("/app/login", methods=["GET"])
def dashboard_login_form():
    return _dashboard("login_form")


@app.route("/app/login", methods=["POST"], content_types=FORM)
def dashboard_login():
    return _dashboard("login")


@app.route("/app/logout", methods=["POST"], content_types=FORM)
def dashboard_logout():
    return _dashboard("logout")


@app.route("/app/language/{lang}", methods=["GET"])
def dashboard_language(lang):
    return _dashboard("language", lang=lang)


@app.route("/app/links", methods=["GET"])
def dashboard_links():
    return _dashboard("links")


@app.route("/app/links", methods=["POST"], content_types=FORM)
def dashboard_create_link():
    return _dashboard("create_link")


@app.route("/app/new-link", methods=["GET"])
def dashboard_new_link():
    return _dashboard("new_link_form")


@app.route("/app/links/{code}", methods=["GET"])
def dashboard_link(code):
    return _dashboard("link", code=code)


@app.route("/app/statements", methods=["GET"])
def dashboard_statements():
    return _dashboard("statements")


@app.route("/app/statements/{month}", methods=["GET"])
def dashboard_statement(month):
    return _dashboard("statement", month=month)


@app.route("/app/statements/{month}/csv", methods=["GET"])
def dashboard_statement_csv(month):
    return _dashboard("statement_csv", month=month)


@app.route("/app/statements/{month}/paid", methods=["POST"], content_types=FORM)
def dashboard_mark_paid(month):
    return _dashboard("mark_paid", month=month)


@app.route("/app/conversions", methods=["GET"])
def dashboard_conversions():
    return _dashboard("conversions")


@app.route("/app/creators", methods=["GET"])
def dashboard_creators():
    return _dashboard("creators")


@app.route("/app/creators/{creator_id}", methods=["POST"], content_types=FORM)
def dashboard_set_creator_standing(creator_id):
    return _dashboard("set_creator_standing", creator_id=creator_id)


@app.route("/app/integrations", methods=["GET"])
def dashboard_integrations():
    return _dashboard("integrations")


@app.route("/app/integrations/{platform}", methods=["POST"], content_types=FORM)
def dashboard_set_integration(platform):
    return _dashboard("set_integration", platform=platform)


@app.route("/app/static/app.css", methods=["GET"])
def dashboard_stylesheet():
    from chalicelib.web.dashboard import stylesheet_response

    return stylesheet_response()


imports_done(__name__)  # the last line: what is loaded by now is set aside from garbage collection (base/startup.py)
