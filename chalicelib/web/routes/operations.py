"""Operations: the health check and the OpenAPI document."""
from chalice import Blueprint

from chalicelib.web.api import api
from chalicelib.web.responses import json_response

blueprint = Blueprint(__name__)


@blueprint.route("/health", methods=["GET"])
@api.public
def health():
    return json_response({"status": "ok"})


@blueprint.route("/openapi.json", methods=["GET"])
@api.public
def openapi_document():
    from chalicelib.web.openapi import openapi_document  # YAML: only this route pays for it

    return json_response(openapi_document())
