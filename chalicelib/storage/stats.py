"""The stats tables: per-day counters (fed by the aggregator from the clicks' and
conversions' streams) and the visitor marks that decide unique and automated clicks.

`stats` items: PK `scope` (`link#<code>`, `creator#<id>`, `brand#<id>`), SK `bucket`
(`day#YYYY-MM-DD`, or `link#YYYY-MM-DD#<code>` under a creator or a brand, for their top
links). Counters are flat number attributes updated with `ADD`, since a nested `ADD` on a
map that does not exist yet fails: `clicks`, `unique_clicks`, `bot_clicks`,
`conversions`, `sales#<CUR>`, `commission#<CUR>`, and the human clicks' breakdowns
`country#…`, `device#…`, `app#…`, `via#…`, `referrer#…`, `source#…`. Each item also holds
`applied#<stream>#<shard>`: the last stream record of that shard folded into it, so a
retried batch never counts twice. Their names are dynamic, so items are read and written
with the table's botocore client (`client()`), not through model attributes.
"""
from __future__ import annotations

from typing import Any

from pynamodb.attributes import TTLAttribute, UnicodeAttribute
from pynamodb.models import Model

from chalicelib.storage.dynamodb import table_meta


class StatsCounter(Model):
    Meta = table_meta("stats")
    scope = UnicodeAttribute(hash_key=True)
    bucket = UnicodeAttribute(range_key=True)


class VisitorMark(Model):
    """One visitor on one link in one UTC day: `first` is the click id of their first human
    click (the unique one), `ids#<HH:MM>` every click id of theirs in that minute and
    `humans#<HH:MM>` the first 20 of them (more in a minute are counted as automation)."""

    Meta = table_meta("visitor_marks")
    mark_key = UnicodeAttribute(hash_key=True)  # keys.visitor_mark
    first = UnicodeAttribute(null=True)
    expires_at = TTLAttribute(null=True)


TABLES = (StatsCounter, VisitorMark)


def client() -> Any:
    """The botocore client of the stats table (PynamoDB's own, one per process)."""
    return StatsCounter._get_connection().connection.client
