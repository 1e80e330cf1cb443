"""What each Lambda function may touch: the one declaration the stack turns into a role per
function, and `tests/infra/test_least_privilege.py` checks against the calls each function
really makes. No CDK here: Chalice's generated policy cannot see PynamoDB's calls, so
this list is written by hand (but for the API's, every table), and that test keeps it honest.

Tables are named by their concept (`Meta.concept` of the storage models); an action on a
table also covers its indexes. No function may Scan, and none gets `dynamodb:*`.
"""
from __future__ import annotations

from dataclasses import dataclass

from chalicelib.storage.schema import ALL_TABLES

GET = "dynamodb:GetItem"
BATCH_GET = "dynamodb:BatchGetItem"
QUERY = "dynamodb:Query"
PUT = "dynamodb:PutItem"
UPDATE = "dynamodb:UpdateItem"
DELETE = "dynamodb:DeleteItem"
BATCH_WRITE = "dynamodb:BatchWriteItem"
CONDITION_CHECK = "dynamodb:ConditionCheckItem"  # a transaction's ConditionCheck

READ = (GET, BATCH_GET, QUERY)
READ_WRITE = (*READ, PUT, UPDATE, DELETE, BATCH_WRITE, CONDITION_CHECK)

# Every table the API serves (all of them: the whole back office runs behind it).
_EVERY_TABLE = tuple(model.Meta.concept for model in ALL_TABLES)


@dataclass(frozen=True)
class FunctionAccess:
    tables: dict[str, tuple[str, ...]]
    reads_streams: tuple[str, ...] = ()  # tables whose stream feeds the function
    sends_to_spool: bool = False
    drains_spool: bool = False
    secrets: tuple[str, ...] = ()  # "admin_key", "app_secret"
    invokes: tuple[str, ...] = ()  # other functions, asynchronously
    sends_stream_failures: bool = False  # its event source mapping's on-failure destination


ACCESS: dict[str, FunctionAccess] = {
    # The API: every route, the redirect on the API's own domain included.
    "api_handler": FunctionAccess(
        tables={table: READ_WRITE for table in _EVERY_TABLE},
        sends_to_spool=True,
        secrets=("admin_key", "app_secret"),
        invokes=("close_month",),
    ),
    # The tap on the short-link domain: the cached link read, one click write.
    "tap": FunctionAccess(
        tables={"links": (GET,), "brands": (BATCH_GET,), "memberships": (BATCH_GET,), "clicks": (PUT,)},
        sends_to_spool=True,
        secrets=("app_secret",),  # the daily visitor-hash salt
    ),
    "drain_click_spool": FunctionAccess(tables={"clicks": (PUT,)}, drains_spool=True),
    "aggregate_click_stats": FunctionAccess(
        tables={"stats": (BATCH_GET, UPDATE), "visitor_marks": (BATCH_GET, UPDATE)},
        reads_streams=("clicks",),
        sends_stream_failures=True,
    ),
    "aggregate_conversion_stats": FunctionAccess(
        tables={"stats": (BATCH_GET, UPDATE)},
        reads_streams=("conversions",),
        sends_stream_failures=True,
    ),
    "close_month": FunctionAccess(
        tables={
            "conversions": (QUERY, UPDATE),
            "month_adjustments": (QUERY,),
            "month_closes": (GET, PUT, UPDATE),
            "statement_lines": (BATCH_WRITE,),
        },
    ),
}
