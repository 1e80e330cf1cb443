"""Affilink's map: the Chalice app, its routes by capability (`chalicelib/web/routes/`, one
blueprint each), the API function's entry point and the background entry points, each a few
lines that call one domain function in `chalicelib/`.

Whatever this file imports is paid by every cold start, the redirect's included: heavy modules
are imported inside the routes and entry points that need them.
"""
from chalicelib.base.startup import imports_begin, imports_done

imports_begin(__name__)  # before the other imports; imports_done() is this file's last line

from chalice import Chalice

from chalicelib.background import CLICK_SPOOL, MONTHLY, Background, QueueSource, StreamSource, process_batch
from chalicelib.storage.money import Conversion
from chalicelib.storage.tap import Click
from chalicelib.tap import spool
from chalicelib.web import tap_function
from chalicelib.web.api import observe_request, prepare_request
from chalicelib.web.routes import accounts, dashboard, integrations, links, money, operations, stats, tap

# The service's log lines are Powertools' JSON (base/observability.py), on a logger of the same
# name as Chalice's own: Chalice's plain-text handler would print each of them a second time.
app = Chalice(app_name="affilink", configure_logs=False)
# The one binary body the API answers is a QR code's PNG; Chalice checks every answer's type
# against this list (16 types by default), a tap's included.
app.api.binary_types = ["image/png"]
background = Background(app)
app.register_middleware(prepare_request, "http")
app.register_middleware(observe_request, "http")
# Registered before the background entry points: the close's route and its Lambda function share
# the name `close_month`, and Chalice's test client invokes whichever was registered last.
for routes in (operations, accounts, links, tap, money, integrations, stats, dashboard):
    app.register_blueprint(routes.blueprint)


def handler(event, context):
    """The API function's entry point in AWS (infra/stack.py): a tap on `/{code}` is answered
    as the tap function answers one, without Chalice's request and response objects (the Chalice
    route, web/routes/tap.py, answers the same, for the local run and tests); everything else goes
    to Chalice."""
    if tap_function.is_api_gateway_tap(event):
        return tap_function.api_gateway_tap(event, context)
    return app(event, context)


# --- the background entry points (infra/stack.py and local/run.py wire them from `background`) -----


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


@background.entry_point("close_month", MONTHLY)
def close_month_on_schedule(event):
    """The schedule (and the admin route's asynchronous invocation, which names the month)."""
    from chalicelib.money import close

    return close.close_month(close.scheduled_month(event.detail.get("month"), event.time)).view()


imports_done(__name__)  # the last line: what is loaded by now is set aside from garbage collection (base/startup.py)
