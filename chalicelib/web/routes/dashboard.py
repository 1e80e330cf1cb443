"""The dashboard: HTML pages under `/app`, each route handing its view (a function of
`dashboard/views.py`, imported inside the route: Jinja2 and Babel are paid by the dashboard's
pages only) to `dashboard.serve`, which checks the session and answers the page."""
from chalice import Blueprint

from chalicelib.web.api import api

blueprint = Blueprint(__name__)
FORM = ["application/x-www-form-urlencoded"]


@blueprint.route("/app", methods=["GET"])
def dashboard_home():
    from chalicelib.web.dashboard import serve, views

    return serve(views.home, api.request)


@blueprint.route("/app/login", methods=["GET"])
def dashboard_login_form():
    from chalicelib.web.dashboard import serve, views

    return serve(views.login_form, api.request)


@blueprint.route("/app/login", methods=["POST"], content_types=FORM)
def dashboard_login():
    from chalicelib.web.dashboard import serve, views

    return serve(views.login, api.request)


@blueprint.route("/app/logout", methods=["POST"], content_types=FORM)
def dashboard_logout():
    from chalicelib.web.dashboard import serve, views

    return serve(views.logout, api.request)


@blueprint.route("/app/language/{lang}", methods=["GET"])
def dashboard_language(lang):
    from chalicelib.web.dashboard import serve, views

    return serve(views.language, api.request, lang=lang)


@blueprint.route("/app/links", methods=["GET"])
def dashboard_links():
    from chalicelib.web.dashboard import serve, views

    return serve(views.links, api.request)


@blueprint.route("/app/links", methods=["POST"], content_types=FORM)
def dashboard_create_link():
    from chalicelib.web.dashboard import serve, views

    return serve(views.create_link, api.request)


@blueprint.route("/app/new-link", methods=["GET"])
def dashboard_new_link():
    from chalicelib.web.dashboard import serve, views

    return serve(views.new_link_form, api.request)


@blueprint.route("/app/links/{code}", methods=["GET"])
def dashboard_link(code):
    from chalicelib.web.dashboard import serve, views

    return serve(views.link, api.request, code=code)


@blueprint.route("/app/statements", methods=["GET"])
def dashboard_statements():
    from chalicelib.web.dashboard import serve, views

    return serve(views.statements_list, api.request)


@blueprint.route("/app/statements/{month}", methods=["GET"])
def dashboard_statement(month):
    from chalicelib.web.dashboard import serve, views

    return serve(views.statement, api.request, month=month)


@blueprint.route("/app/statements/{month}/csv", methods=["GET"])
def dashboard_statement_csv(month):
    from chalicelib.web.dashboard import serve, views

    return serve(views.statement_csv, api.request, month=month)


@blueprint.route("/app/statements/{month}/paid", methods=["POST"], content_types=FORM)
def dashboard_mark_paid(month):
    from chalicelib.web.dashboard import serve, views

    return serve(views.mark_paid, api.request, month=month)


@blueprint.route("/app/conversions", methods=["GET"])
def dashboard_conversions():
    from chalicelib.web.dashboard import serve, views

    return serve(views.conversions_list, api.request)


@blueprint.route("/app/creators", methods=["GET"])
def dashboard_creators():
    from chalicelib.web.dashboard import serve, views

    return serve(views.creators, api.request)


@blueprint.route("/app/creators/{creator_id}", methods=["POST"], content_types=FORM)
def dashboard_set_creator_standing(creator_id):
    from chalicelib.web.dashboard import serve, views

    return serve(views.set_creator_standing, api.request, creator_id=creator_id)


@blueprint.route("/app/integrations", methods=["GET"])
def dashboard_integrations():
    from chalicelib.web.dashboard import serve, views

    return serve(views.integrations, api.request)


@blueprint.route("/app/integrations/{platform}", methods=["POST"], content_types=FORM)
def dashboard_set_integration(platform):
    from chalicelib.web.dashboard import serve, views

    return serve(views.set_integration, api.request, platform=platform)


@blueprint.route("/app/static/app.css", methods=["GET"])
def dashboard_stylesheet():
    from chalicelib.web.dashboard import stylesheet_response

    return stylesheet_response()
