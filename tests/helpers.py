"""Helpers for every test, in one place: auth headers and JSON requests, fresh ids,
seeded accounts, a controllable clock, the EMF metrics a request printed, and a
look at what is stored, so a test can say "nothing was written" or "this secret
is not kept" although all the tests of a worker share one set of tables.

How the tables are shared: each pytest-xdist worker enters `moto.mock_aws()` once
and creates every table once (`aws_account` in tests/conftest.py). Tests stay
apart because everything they create has fresh ids (`new_handle`, `new_alias`,
`new_id`; brand, creator, link and click ids are random already), and a test that
must see a whole table, such as every brand for the admin, gets tables of its own
(`empty_tables`). What a test wrote is read from the embedded emulator's journal of writes
(`Stored`), so proving that nothing was written never depends on the tables
being empty.
"""
from __future__ import annotations

import json
import socket
import uuid
from datetime import datetime, timedelta, timezone
from typing import Any, Optional

from local import emulator
from tests.conftest import TEST_ADMIN_KEY

ADMIN = {"Authorization": f"Bearer {TEST_ADMIN_KEY}"}
SECRET_FIELDS = ("api_key", "webhook_secret", "api_key_hash", "previous_webhook_secret")


# --- requests ---------------------------------------------------------------------------------


def bearer(key: str) -> dict:
    return {"Authorization": f"Bearer {key}"}


def call(client, method: str, path: str, body: Any = None, headers: Optional[dict] = None, raw: Optional[bytes] = None):
    all_headers = {"Content-Type": "application/json", **(headers or {})}
    payload = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
    response = client.http.request(method, path, headers=all_headers, body=payload)
    is_json = response.headers.get("Content-Type", "").startswith("application/json")
    response.json = json.loads(response.body) if response.body and is_json else None
    return response


def click_id_of(response) -> str:
    """The `afl_click` the redirect put in its Location header."""
    return response.headers["Location"].split("afl_click=")[1].split("#")[0].split("&")[0]


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --- fresh ids --------------------------------------------------------------------------------


def fresh(length: int = 10) -> str:
    """A random suffix of `[0-9a-f]`: fits handles, aliases, order and refund ids alike."""
    return uuid.uuid4().hex[:length]


def new_handle(base: str = "mia.makes") -> str:
    """A handle no other test uses (`[a-z0-9_.]{2,32}`), readable as `base`."""
    return f"{base[:21]}.{fresh()}"


def new_alias(base: str = "glow-serum") -> str:
    """An alias no other test uses (`[A-Za-z0-9_-]{3,40}`), readable as `base`."""
    return f"{base[:29]}-{fresh()}"


def new_id(base: str) -> str:
    """An order id, refund id, queue or parameter name no other test uses."""
    return f"{base}-{fresh()}"


# --- seeded accounts --------------------------------------------------------------------------


def make_brand(client, **overrides) -> dict:
    body = {
        "name": "Glow Cosmetics",
        "allowed_domains": ["shop.glow.example"],
        "commission": {"type": "percent", "rate_bps": 1000},
        **overrides,
    }
    response = call(client, "POST", "/brands", body, ADMIN)
    assert response.status_code == 201, response.body
    return response.json


def make_creator(client, handle: Optional[str] = None) -> dict:
    """A creator with `handle`, or with a fresh handle (handles are unique)."""
    response = call(client, "POST", "/creators", {"handle": handle or new_handle()}, ADMIN)
    assert response.status_code == 201, response.body
    return response.json


def make_link(client, creator: dict, brand: dict, **overrides) -> dict:
    body = {"brand_id": brand["brand_id"], "destination": "https://shop.glow.example/p/serum?ref=x", **overrides}
    response = call(client, "POST", "/links", body, bearer(creator["api_key"]))
    assert response.status_code == 201, response.body
    return response.json


# --- the clock --------------------------------------------------------------------------------


class FrozenClock:
    """The app's clock (`chalicelib.base.clock.set_clock`), stopped at a moment the test picks."""

    def __init__(self, moment: datetime):
        from chalicelib.base import clock

        self.moment = moment
        clock.set_clock(lambda: self.moment)

    def set(self, moment: datetime) -> None:
        self.moment = moment

    def move(self, delta: timedelta) -> None:
        self.moment += delta


# --- secrets and metrics ----------------------------------------------------------------------


def assert_no_secrets(body, *secret_values: str) -> None:
    """No secret field anywhere in `body`, and none of the given secret values either."""

    def walk(value):
        if isinstance(value, dict):
            for key, inner in value.items():
                assert key not in SECRET_FIELDS, f"{key} must not be returned here"
                walk(inner)
        elif isinstance(value, list):
            for inner in value:
                walk(inner)

    walk(body)
    text = repr(body)
    for secret in secret_values:
        assert secret not in text, "a secret value was returned"


def emitted_metrics(output: str) -> dict[str, float]:
    """Totals per metric name of the CloudWatch EMF lines in captured stdout."""
    totals: dict[str, float] = {}
    for line in output.splitlines():
        if not line.startswith('{"_aws"'):
            continue
        document = json.loads(line)
        for directive in document["_aws"]["CloudWatchMetrics"]:
            for metric in directive["Metrics"]:
                values = document[metric["Name"]]
                totals[metric["Name"]] = totals.get(metric["Name"], 0) + sum(
                    values if isinstance(values, list) else [values]
                )
    return totals


# --- what is stored ---------------------------------------------------------------------------


class Shard:
    """One shard of a stream: records numbered in order, delivered as Lambda does."""

    def __init__(self):
        self.id = f"shardId-{fresh()}"
        self.next = 10**21

    def record(self, event: str, new=None, old=None) -> dict:
        self.next += 7
        change = {"SequenceNumber": str(self.next), "StreamViewType": "NEW_AND_OLD_IMAGES"}
        if new is not None:
            change["NewImage"] = new
        if old is not None:
            change["OldImage"] = old
        return {"eventName": event, "eventSource": "aws:dynamodb", "dynamodb": change}

    def event(self, records: list[dict]) -> dict:
        return {"Records": records, "shardId": self.id, "eventSourceARN": "arn:aws:dynamodb:stream/clicks"}


STATS_DAY = datetime(2026, 11, 20, 10, 0, tzinfo=timezone.utc)
STREAM_TIKTOK = "Mozilla/5.0 (iPhone) Mobile musical_ly_32.5.0 BytedanceWebview/d8a21c6"


def click_image(code: str, *, at=STATS_DAY, visitor="v1", bot=False, app="tiktok", device="mobile", country="FR",
                referrer="tiktok.com", via="link", source="tiktok:video:7312", creator="cr_1",
                brand="br_1") -> dict:
    """A stored click as its stream record's image."""
    from chalicelib.storage.tap import Click

    return Click(
        fresh(22), code=code, creator_id=creator, brand_id=brand, clicked_at=at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        visitor_hash=visitor, user_agent=STREAM_TIKTOK, referrer=referrer, country=country, device=device,
        app=app if not bot else "browser", via=via, is_bot=bot, source=source, expires_at=at + timedelta(days=120),
    ).serialize()


def conversion_image(code: str, *, refunded=0, status="pending", amount=10_000) -> dict:
    """A stored conversion (10 % of `amount`) as its stream record's image."""
    from chalicelib.base.money import CommissionRule
    from chalicelib.storage.money import Conversion

    return Conversion(
        "br_1", f"o-{code}", conversion_id=f"cv_{code}", creator_id="cr_1", link_code=code, click_id="k",
        amount=amount, refunded_amount=refunded, currency="EUR",
        commission_amount=CommissionRule.percent(1000).commission(amount, refunded, "EUR").amount,
        commission_currency="EUR", commission_rule=CommissionRule.percent(1000), hold_days=0,
        attribution_window_days=30, status=status, occurred_at="2026-11-20T12:00:00Z",
        received_at="2026-11-20T12:00:00Z", listing_key="x",
    ).serialize()


def stored_text(*models) -> str:
    """Every stored item of these tables (all of it, every test's), as one string to search."""
    return repr(emulator.stored_items_json(*(model.Meta.table_name for model in models)))


def forget_writes() -> None:
    """Start the journal afresh: each test needs only its own writes (the `aws` fixture calls this)."""
    emulator.journal.forget()


def _journal() -> emulator.Journal:
    """The embedded emulator's journal of writes (kept from `watch_moto_writes` on)."""
    return emulator.journal


def _table_sizes() -> dict[str, int]:
    return emulator.table_sizes()


class Stored:
    """A mark in what the tables of the moto account hold; `changes()` lists what was written since.

    The journal behind it (local/emulator.py) records each item that moto's put, update and
    delete (and so batch writes and transactions) changed, with its state before and after, so
    the comparison costs the same however full the shared tables are. The number of
    items in every table is compared too, as a check of the journal itself."""

    def __init__(self, mark: Optional[int] = None, sizes: Optional[dict[str, int]] = None) -> None:
        journal = _journal()
        with journal.lock:
            self._mark = journal.end if mark is None else mark
            self._sizes = _table_sizes() if sizes is None else sizes

    @classmethod
    def since_test_start(cls) -> "Stored":
        """The mark at the start of the running test, before its fixtures wrote anything."""
        journal = _journal()
        with journal.lock:
            return cls(journal.start, dict(journal.sizes_at_start))

    def changes(self, *ignoring) -> dict[str, dict[str, str]]:
        """`{table name: {key: "added" | "changed" | "removed"}}` for every item whose
        content differs from when the mark was taken, leaving out the tables of the
        `ignoring` models. `{}`: nothing was written anywhere."""
        journal = _journal()
        with journal.lock:
            writes = journal.since(self._mark)
            sizes = _table_sizes()
        first: dict[tuple[str, str], Any] = {}
        last: dict[tuple[str, str], Any] = {}
        for write in writes:
            first.setdefault((write.table, write.key), write)
            last[(write.table, write.key)] = write
        changes: dict[str, dict[str, str]] = {}
        net: dict[str, int] = {}
        for place, write in first.items():
            before, after = write.before, last[place].after
            if before == after:
                continue
            kind = "added" if before is None else "removed" if after is None else "changed"
            net[write.table] = net.get(write.table, 0) + {"added": 1, "removed": -1, "changed": 0}[kind]
            changes.setdefault(write.table, {})[write.key] = kind
        created, dropped = set(sizes) - set(self._sizes), set(self._sizes) - set(sizes)
        if created or dropped:
            changes["<tables>"] = {**{t: "created" for t in created}, **{t: "deleted" for t in dropped}}
        for table in set(sizes) & set(self._sizes):
            expected = self._sizes[table] + net.get(table, 0)
            assert sizes[table] == expected, f"{table} changed outside the journal of writes"
        ignored = {model.Meta.table_name for model in ignoring}
        return {table: keys for table, keys in changes.items() if table not in ignored}

    def items(self, model) -> list:
        """The items of `model`'s table added or changed since the mark and still there,
        as they are now (`model` instances, in the order first written)."""
        table = model.Meta.table_name
        kinds = self.changes().get(table, {})
        journal = _journal()
        with journal.lock:
            latest = {write.key: write.after for write in journal.since(self._mark) if write.table == table}
        return [model.from_raw_data(state) for key, state in latest.items() if kinds.get(key) in ("added", "changed")]


def stored_items(model) -> list:
    """Every item of `model`'s table the running test wrote (fixtures included) and that is
    still there, as it is now: what scanning the table gave when each test had its own."""
    return Stored.since_test_start().items(model)


def watch_moto_writes() -> None:
    """Have the embedded emulator (local/emulator.py) keep DynamoDB's promises in this process
    (writes one at a time, transactions rolled back item by item) and keep every write in its
    journal, which `Stored` reads.

    Serialised writes give tests DynamoDB's guarantee, so the concurrency tests exercise our
    conditional writes, not the emulator's race."""
    emulator.keep_journal()


def share_botocore_data() -> None:
    """PynamoDB builds a botocore session per connection and thread, and each new session
    parses botocore's endpoint and service files again (about 0.15 s). One data loader
    shared by those sessions makes a model's new connection (other tables, another
    thread) cheap. A cache of botocore's own files: no behaviour changes. PynamoDB has no
    public way to give it a session; without this (and `empty_tables`' connections put back)
    tests/unit and tests/api took 367 s instead of 95 s on this 2-core machine (issue 20)."""
    import botocore.loaders
    import botocore.session
    import pynamodb.connection.base as pynamodb_connection

    if getattr(pynamodb_connection, "_affilink_shared_loader", None) is not None:
        return
    loader = botocore.loaders.create_loader()

    def get_session() -> botocore.session.Session:
        session = botocore.session.get_session()
        session.register_component("data_loader", loader)
        return session

    pynamodb_connection.get_session = get_session
    pynamodb_connection._affilink_shared_loader = loader
