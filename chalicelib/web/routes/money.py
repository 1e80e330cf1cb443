"""Money: conversions (a brand's own, and signed webhooks), the monthly close, statements.

The close and statements are the back office's modules: imported inside their routes, not paid
by a tap's cold start."""
from chalice import Blueprint

from chalicelib.accounts.auth import ADMIN, BRAND, CREATOR
from chalicelib.money import conversions
from chalicelib.web.api import api
from chalicelib.web.responses import csv_response, json_response

blueprint = Blueprint(__name__)


# --- conversions ------------------------------------------------------------------


@blueprint.route("/conversions", methods=["POST"])
@api.allow(BRAND)
def report_conversion(caller):
    recorded = conversions.record_conversion(caller.id, api.body())
    return json_response(recorded.conversion, 201 if recorded.created else 200)


@blueprint.route("/webhooks/{brand_id}/conversions", methods=["POST"])
@api.public
def conversion_webhook(brand_id):
    recorded = conversions.record_signed_conversion(
        brand_id, api.raw_body(), api.header("affilink-signature")
    )
    return json_response(recorded.conversion, 201 if recorded.created else 200)


@blueprint.route("/me/conversions", methods=["GET"])
@api.allow(BRAND, CREATOR)
def list_my_conversions(caller):
    return json_response(conversions.list_conversions(caller, status=api.query("status"), **api.page_args()))


# --- the monthly close (its schedule's entry point is app.py's) and statements ----------


@blueprint.route("/admin/close-month", methods=["POST"])
@api.allow(ADMIN)
def close_month(caller):
    from chalicelib.money import close
    from chalicelib.web.closing import close_within

    result = close_within(close.month_from_request(api.body()))
    return json_response(result.view(), 200 if result.status == close.CLOSED else 202)


@blueprint.route("/me/statements", methods=["GET"])
@api.allow(BRAND, CREATOR)
def list_my_statements(caller):
    from chalicelib.money import statements

    return json_response(statements.list_statements(caller.role, caller.id, **api.page_args()))


@blueprint.route("/me/statements/{month}", methods=["GET"])
@api.allow(BRAND, CREATOR)
def get_my_statement(caller, month):
    return _statement_response(caller.role, caller.id, month)


@blueprint.route("/me/statements/{month}/paid", methods=["POST"])
@api.allow(BRAND)
def mark_statement_line_paid(caller, month):
    from chalicelib.money import statements

    return json_response(statements.mark_paid(caller.id, month, api.body()))


@blueprint.route("/brands/{brand_id}/statements/{month}", methods=["GET"])
@api.allow(ADMIN)
def get_brand_statement(caller, brand_id, month):
    return _statement_response(BRAND, brand_id, month)


@blueprint.route("/creators/{creator_id}/statements/{month}", methods=["GET"])
@api.allow(ADMIN)
def get_creator_statement(caller, creator_id, month):
    return _statement_response(CREATOR, creator_id, month)


def _statement_response(party, party_id, month):
    from chalicelib.money import statements

    if statements.wants_csv(party, api.query("format")):
        return csv_response(statements.statement_csv(party_id, month), f"statement-{month}.csv")
    return json_response(statements.statement(party, party_id, month))
