"""Accounts: brands and creators (the admin's), and the caller's own account."""
from chalice import Blueprint

from chalicelib.accounts import brands, creators, me, programs
from chalicelib.accounts.auth import ADMIN, BRAND, CREATOR
from chalicelib.web.api import api
from chalicelib.web.responses import json_response

blueprint = Blueprint(__name__)


# --- brands ---------------------------------------------------------------------


@blueprint.route("/brands", methods=["POST"])
@api.allow(ADMIN)
def create_brand(caller):
    return json_response(brands.create_brand(api.body()), 201)


@blueprint.route("/brands", methods=["GET"])
@api.allow(ADMIN, CREATOR)
def list_brands(caller):
    return json_response(me.visible_brands(caller, **api.page_args()))


@blueprint.route("/brands/{brand_id}", methods=["GET"])
@api.allow(ADMIN, BRAND, CREATOR)
def get_brand(caller, brand_id):
    return json_response(me.visible_brand(caller, brand_id))


@blueprint.route("/brands/{brand_id}", methods=["PATCH"])
@api.allow(ADMIN)
def update_brand(caller, brand_id):
    return json_response(brands.update_brand(brand_id, api.body()))


@blueprint.route("/brands/{brand_id}/rotate-key", methods=["POST"])
@api.allow(ADMIN)
def rotate_brand_key(caller, brand_id):
    return json_response(brands.rotate_api_key(brand_id))


@blueprint.route("/brands/{brand_id}/rotate-webhook-secret", methods=["POST"])
@api.allow(ADMIN)
def rotate_brand_webhook_secret(caller, brand_id):
    return json_response(brands.rotate_webhook_secret(brand_id))


# --- creators -------------------------------------------------------------------


@blueprint.route("/creators", methods=["POST"])
@api.allow(ADMIN)
def create_creator(caller):
    return json_response(creators.create_creator(api.body()), 201)


@blueprint.route("/creators/{creator_id}", methods=["GET"])
@api.allow(ADMIN)
def get_creator(caller, creator_id):
    return json_response(creators.get_creator(creator_id))


@blueprint.route("/creators/{creator_id}/rotate-key", methods=["POST"])
@api.allow(ADMIN)
def rotate_creator_key(caller, creator_id):
    return json_response(creators.rotate_api_key(creator_id))


# --- the caller's own account ---------------------------------------------------


@blueprint.route("/me", methods=["GET"])
@api.allow(BRAND, CREATOR)
def get_me(caller):
    return json_response(me.own_account(caller))


@blueprint.route("/me", methods=["PATCH"])
@api.allow(BRAND)
def update_me(caller):
    return json_response(brands.update_brand(caller.id, api.body()))


@blueprint.route("/me/creators/{creator_id}", methods=["PUT"])
@api.allow(BRAND)
def set_creator_standing(caller, creator_id):
    return json_response(programs.set_membership(caller.id, creator_id, api.body()))
