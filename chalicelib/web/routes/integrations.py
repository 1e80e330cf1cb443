"""Shop integrations: a brand's webhook secrets, the shops' signed deliveries, the parked ones.

Imported inside their routes: the integrations are not paid by a tap's cold start."""
from chalice import Blueprint

from chalicelib.accounts.auth import ADMIN, BRAND
from chalicelib.web.api import api
from chalicelib.web.responses import json_response, shop_delivery_response

blueprint = Blueprint(__name__)


@blueprint.route("/brands/{brand_id}/integrations/{platform}", methods=["PUT"])
@api.allow(ADMIN)
def set_brand_integration(caller, brand_id, platform):
    from chalicelib.integrations import secrets as integration_secrets

    return json_response(integration_secrets.set_secret(brand_id, platform, api.body(), api.api_base_url()))


@blueprint.route("/me/integrations/{platform}", methods=["PUT"])
@api.allow(BRAND)
def set_my_integration(caller, platform):
    from chalicelib.integrations import secrets as integration_secrets

    return json_response(integration_secrets.set_secret(caller.id, platform, api.body(), api.api_base_url()))


@blueprint.route("/webhooks/{brand_id}/shopify", methods=["POST"])
@api.public
def shopify_webhook(brand_id):
    from chalicelib.integrations import deliveries

    return shop_delivery_response(deliveries.receive("shopify", brand_id, api.raw_body(), api.headers()))


@blueprint.route("/webhooks/{brand_id}/stripe", methods=["POST"])
@api.public
def stripe_webhook(brand_id):
    from chalicelib.integrations import deliveries

    return shop_delivery_response(deliveries.receive("stripe", brand_id, api.raw_body(), api.headers()))


@blueprint.route("/admin/parked-deliveries", methods=["GET"])
@api.allow(ADMIN)
def list_parked_deliveries(caller):
    from chalicelib.integrations import deliveries

    return json_response(deliveries.list_parked(**api.page_args()))
