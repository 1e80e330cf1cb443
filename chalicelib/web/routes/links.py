"""Short links: a creator's own links and their QR codes."""
from chalice import Blueprint

from chalicelib.accounts.auth import CREATOR
from chalicelib.links import short_links
from chalicelib.web.api import api
from chalicelib.web.rate_limits import LINK_CREATION
from chalicelib.web.responses import binary_response, json_response

blueprint = Blueprint(__name__)


@blueprint.route("/links", methods=["POST"])
@api.allow(CREATOR, rate_limit=LINK_CREATION)
def create_link(caller):
    return json_response(short_links.create_link(caller.id, api.body()), 201)


@blueprint.route("/links", methods=["GET"])
@api.allow(CREATOR)
def list_links(caller):
    return json_response(short_links.list_links(caller.id, **api.page_args()))


@blueprint.route("/links/{code}", methods=["GET"])
@api.allow(CREATOR)
def get_link(caller, code):
    return json_response(short_links.get_link(caller.id, code))


@blueprint.route("/links/{code}", methods=["PATCH"])
@api.allow(CREATOR)
def update_link(caller, code):
    return json_response(short_links.update_link(caller.id, code, api.body()))


@blueprint.route("/links/{code}/qr", methods=["GET"])
@api.allow(CREATOR)
def link_qr_code(caller, code):
    from chalicelib.links import qr_codes  # segno: only this route pays for it

    image_format = qr_codes.image_format(api.query("format"))
    if image_format == "png":
        api.require_accept("image/png")  # API Gateway sends binary bodies only to clients that ask
    image = qr_codes.link_qr_code(caller.id, code, image_format=image_format)
    return binary_response(image.body, image.content_type)
