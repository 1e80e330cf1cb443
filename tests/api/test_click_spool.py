"""Tracking never breaks the redirect: a failed click write goes to the spool
and reaches the table exactly once; if the spool fails too, it is logged."""
from __future__ import annotations

import json
import os

import boto3
import pytest
from botocore.exceptions import ClientError

from app import drain_click_spool
from chalicelib.base import config
from chalicelib.storage import seam
from chalicelib.storage.tap import Click, tap_store
from chalicelib.tap import redirect
from tests.faults import Faulty
from tests.helpers import Stored, click_id_of, make_brand, make_creator, make_link, new_alias, new_id, stored_items


def _throttled() -> Exception:
    return ClientError(
        {"Error": {"Code": "ProvisionedThroughputExceededException", "Message": "slow down"}}, "PutItem"
    )


@pytest.fixture
def failing_click_writes(aws):
    """Every tap's click write throttled (through the seam); the spool's own writes are not."""
    with seam.replaced(tap=Faulty(tap_store(), "put_click_once", times=10**6, error=_throttled)):
        yield


@pytest.fixture
def spool_queue(aws, monkeypatch):
    url = boto3.client("sqs", region_name="us-east-1").create_queue(QueueName=new_id("click-spool"))["QueueUrl"]
    monkeypatch.setitem(os.environ, "AFFILINK_CLICK_SPOOL_URL", url)
    config.reset()
    yield url
    config.reset()


@pytest.fixture
def link(client):
    redirect.link_cache.clear()
    brand = make_brand(client)
    creator = make_creator(client)
    return make_link(client, creator, brand, alias=new_alias("spooled"))


def _receive(url: str) -> list[dict]:
    sqs = boto3.client("sqs", region_name="us-east-1")
    messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
    return [
        {"messageId": m["MessageId"], "receiptHandle": m["ReceiptHandle"], "body": m["Body"]} for m in messages
    ]


def test_failed_click_write_still_redirects_and_reaches_the_table_once(client, spool_queue, link, failing_click_writes):
    # When the click write is throttled
    response = client.http.get(f"/{link['code']}", headers={"User-Agent": "Mozilla/5.0 (iPhone) Mobile Safari"})
    # Then the visitor is redirected at once, and nothing is in the table yet
    assert response.status_code == 302
    click_id = response.headers["Location"].split("afl_click=")[1]
    assert stored_items(Click) == []
    records = _receive(spool_queue)
    assert len(records) == 1
    # When the spool is drained, twice (SQS delivers at least once)
    assert drain_click_spool(records and {"Records": records}, None) == {"batchItemFailures": []}
    assert drain_click_spool({"Records": records}, None) == {"batchItemFailures": []}
    # Then the click is in the table exactly once, whole
    [click] = stored_items(Click)
    assert click.click_id == click_id
    assert click.code == link["code"]
    assert click.via == "link"


def test_a_bad_message_fails_alone_and_the_good_click_beside_it_is_stored_once(
    client, spool_queue, link, failing_click_writes
):
    # Given one click in the spool (its first write throttled) and one unreadable message
    response = client.http.get(f"/{link['code']}", headers={"User-Agent": "Mozilla/5.0 (iPhone) Mobile Safari"})
    assert response.status_code == 302
    [good] = _receive(spool_queue)
    bad = {"messageId": new_id("m-bad"), "receiptHandle": "unused", "body": '{"click": '}
    stored = Stored()

    # When the spool drains a batch of both
    result = drain_click_spool({"Records": [good, bad]}, None)

    # Then exactly the bad message is reported failed, and the good click is stored, once
    assert result == {"batchItemFailures": [{"itemIdentifier": bad["messageId"]}]}
    assert stored.changes() == {Click.Meta.table_name: {click_id_of(response): "added"}}
    [click] = stored_items(Click)
    assert (click.click_id, click.code) == (click_id_of(response), link["code"])


def test_unreadable_spool_messages_are_reported_as_failures(aws):
    result = drain_click_spool({"Records": [{"messageId": "m-1", "body": "not json"}]}, None)
    assert result == {"batchItemFailures": [{"itemIdentifier": "m-1"}]}


def test_when_the_spool_fails_too_the_whole_click_is_logged_without_the_ip(client, link, failing_click_writes, caplog):
    # Given no spool queue configured, so sending to it fails
    response = client.http.get(
        f"/{link['code']}", headers={"User-Agent": "curl/8.4.0", "Referer": "https://m.youtube.com/"}
    )
    assert response.status_code == 302
    click_id = response.headers["Location"].split("afl_click=")[1]
    [lost] = [record for record in caplog.records if record.getMessage().startswith("click lost")]
    assert lost.levelname == "ERROR"
    assert lost.click["click_id"] == click_id
    assert lost.click["code"] == link["code"]
    assert lost.click["referrer"] == "m.youtube.com"
    everything_logged = json.dumps(
        [{**r.__dict__, "args": None, "exc_info": None} for r in caplog.records], default=str
    )
    assert "127.0.0.1" not in everything_logged
