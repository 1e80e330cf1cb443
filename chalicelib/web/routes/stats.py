"""Stats: a link's, and the caller's own (the per-day counters the stream aggregators keep).

Imported inside their routes: the stats reads are not paid by a tap's cold start."""
from chalice import Blueprint

from chalicelib.accounts.auth import BRAND, CREATOR
from chalicelib.web.api import api
from chalicelib.web.responses import json_response

blueprint = Blueprint(__name__)


@blueprint.route("/links/{code}/stats", methods=["GET"])
@api.allow(CREATOR)
def link_stats(caller, code):
    from chalicelib.stats import reads

    return json_response(reads.link_stats(caller.id, code, api.query("from"), api.query("to")))


@blueprint.route("/me/stats", methods=["GET"])
@api.allow(BRAND, CREATOR)
def my_stats(caller):
    from chalicelib.stats import reads

    return json_response(reads.my_stats(caller.role, caller.id, api.query("from"), api.query("to")))
