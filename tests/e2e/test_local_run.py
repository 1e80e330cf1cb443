"""End to end: start the API exactly as `make run` does and talk HTTP to it."""
from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
import requests

from tests.e2e.local_api import running_local_api

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def local_api():
    with running_local_api() as info:
        yield info


def test_health_answers(local_api):
    response = requests.get(f"{local_api['base']}/health", timeout=10)
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_printed_keys_work(local_api):
    me = requests.get(
        f"{local_api['base']}/me", headers={"Authorization": f"Bearer {local_api['creator_key']}"}, timeout=10
    )
    assert me.status_code == 200
    assert me.json()["handle"] == "demo.creator"
    brands = requests.get(
        f"{local_api['base']}/brands", headers={"Authorization": f"Bearer {local_api['admin_key']}"}, timeout=10
    )
    assert brands.status_code == 200
    assert [b["name"] for b in brands.json()["items"]] == ["Demo Shop"]


def test_creator_can_mint_a_link_over_http(local_api):
    brand = requests.get(
        f"{local_api['base']}/me", headers={"Authorization": f"Bearer {local_api['brand_key']}"}, timeout=10
    ).json()
    response = requests.post(
        f"{local_api['base']}/links",
        json={"brand_id": brand["brand_id"], "destination": "https://shop.example.com/p/1"},
        headers={"Authorization": f"Bearer {local_api['creator_key']}"},
        timeout=10,
    )
    assert response.status_code == 201, response.text
    assert response.json()["short_url"].startswith(local_api["base"] + "/")


def test_demo_short_link_redirects_and_the_click_is_stored(local_api):
    import boto3

    # When a viewer taps the demo link
    response = requests.get(
        local_api["short_url"] + "?utm_campaign=live",
        allow_redirects=False,
        headers={"User-Agent": "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) Mobile/15E148 Instagram 309.0"},
        timeout=10,
    )
    # Then it is sent on to the demo destination with a click id
    assert response.status_code == 302
    assert response.headers["Cache-Control"] == "no-store"
    location = response.headers["Location"]
    assert location.startswith("https://shop.example.com/products/glow-serum?utm_source=affilink&utm_campaign=live&afl_click=")
    assert location.endswith("#reviews")
    click_id = location.split("afl_click=")[1].split("#")[0]
    # And the click is in the table of the moto server that make run started
    dynamodb = boto3.client(
        "dynamodb", endpoint_url=local_api["moto"], region_name="us-east-1",
        aws_access_key_id="local", aws_secret_access_key="local",
    )
    item = dynamodb.get_item(TableName="affilink-clicks", Key={"click_id": {"S": click_id}}).get("Item")
    assert item is not None
    assert item["code"]["S"] == "demo"
    assert item["app"]["S"] == "instagram"


def test_head_on_the_demo_link_records_nothing_and_unknown_codes_are_404(local_api):
    response = requests.head(local_api["short_url"], allow_redirects=False, timeout=10)
    assert response.status_code == 302
    assert "afl_click" not in response.headers["Location"]
    assert requests.get(local_api["base"] + "/no-such-code", allow_redirects=False, timeout=10).status_code == 404


def _aws_client(local_api, service: str):
    import boto3

    return boto3.client(service, endpoint_url=local_api["moto"], region_name="us-east-1",
                        aws_access_key_id="local", aws_secret_access_key="local")


def test_every_background_entry_point_of_the_app_runs_beside_the_server(local_api):
    from app import background

    assert local_api["background"].split(", ") == [entry.name for entry in background.entry_points]


def test_a_click_put_in_the_spool_is_written_by_the_local_worker(local_api):
    # Given a click in the spool queue that make run created from the registry
    sqs = _aws_client(local_api, "sqs")
    queue_url = sqs.get_queue_url(QueueName="affilink-click-spool")["QueueUrl"]
    click_id = f"e2eSpooled{int(time.time() * 1000)}"
    click = {
        "click_id": {"S": click_id}, "code": {"S": "demo"}, "creator_id": {"S": "cr_e2e"}, "brand_id": {"S": "br_e2e"},
        "clicked_at": {"S": "2026-12-01T10:00:00Z"}, "visitor_hash": {"S": "0" * 32}, "referrer": {"S": "direct"},
        "country": {"S": "FR"}, "device": {"S": "mobile"}, "app": {"S": "tiktok"}, "via": {"S": "link"},
        "is_bot": {"BOOL": False}, "expires_at": {"N": str(int(time.time()) + 86_400)},
    }
    sqs.send_message(QueueUrl=queue_url, MessageBody=json.dumps({"click": click}))
    # Then the worker started for drain_click_spool writes it to the clicks table, once
    dynamodb = _aws_client(local_api, "dynamodb")
    deadline = time.time() + 15
    item = None
    while item is None and time.time() < deadline:
        item = dynamodb.get_item(TableName="affilink-clicks", Key={"click_id": {"S": click_id}}).get("Item")
        time.sleep(0.2)
    assert item is not None and item["country"]["S"] == "FR"


def test_an_admin_closes_a_month_over_http(local_api):
    response = requests.post(
        f"{local_api['base']}/admin/close-month", json={"month": "2026-01"},
        headers={"Authorization": f"Bearer {local_api['admin_key']}"}, timeout=30,
    )
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "closed"
    statements = requests.get(
        f"{local_api['base']}/me/statements", headers={"Authorization": f"Bearer {local_api['creator_key']}"},
        timeout=10,
    )
    assert statements.status_code == 200 and statements.json()["items"] == []


def test_concurrent_sales_and_refunds_over_http_are_all_kept(local_api):
    """Issue 11, 1: with a dozen clients mixing new sales and refunds that contend for the
    same orders, every sale answered 201 is stored and every refund answered 200 counted."""
    import random
    from concurrent.futures import ThreadPoolExecutor

    base, brand_key = local_api["base"], local_api["brand_key"]
    headers = {"Authorization": f"Bearer {brand_key}"}
    run = f"{int(time.time() * 1000)}"
    orders = [f"conc-{run}-{i}" for i in range(12)]
    created = [requests.post(f"{base}/conversions", json={"type": "sale", "order_id": order, "amount": 10_000,
                                                          "currency": "EUR"}, headers=headers, timeout=30)
               for order in orders[:4]]
    assert all(response.status_code == 201 for response in created)

    def one(job: int) -> tuple[str, str, int]:
        if job % 3 == 0:  # a new sale
            order = f"conc-{run}-new-{job}"
            body = {"type": "sale", "order_id": order, "amount": 500, "currency": "EUR"}
            return "sale", order, requests.post(f"{base}/conversions", json=body, headers=headers,
                                                timeout=30).status_code
        order = random.choice(orders[:4])  # refunds of 1 contending for the same four orders
        body = {"type": "refund", "order_id": order, "refund_id": f"r-{job}", "amount": 1}
        return "refund", order, requests.post(f"{base}/conversions", json=body, headers=headers,
                                              timeout=30).status_code

    with ThreadPoolExecutor(max_workers=12) as pool:
        outcomes = list(pool.map(one, range(120)))
    assert all(status in (200, 201, 409) for _, _, status in outcomes), outcomes
    listed = {}
    cursor = None
    while True:
        page = requests.get(f"{base}/me/conversions", params={"limit": 100, **({"cursor": cursor} if cursor else {})},
                            headers=headers, timeout=30).json()
        listed.update({item["order_id"]: item for item in page["items"]})
        cursor = page["next_cursor"]
        if not cursor:
            break
    for kind, order, status in outcomes:
        if kind == "sale" and status == 201:
            assert order in listed, f"sale {order} answered 201 but is not stored"
    for order in orders[:4]:
        accepted = sum(1 for kind, o, status in outcomes if kind == "refund" and o == order and status == 200)
        assert listed[order]["refunded_amount"] == accepted, order


def _post_at_once(url: str, body: dict, headers: dict, times: int) -> list:
    import threading
    from concurrent.futures import ThreadPoolExecutor

    start = threading.Barrier(times)

    def post(_):
        start.wait()
        return requests.post(url, json=body, headers=headers, timeout=60)

    with ThreadPoolExecutor(max_workers=times) as pool:
        return list(pool.map(post, range(times)))


def test_fifty_deliveries_of_one_sale_and_of_one_refund_count_once(local_api):
    headers = {"Authorization": f"Bearer {local_api['brand_key']}"}
    url = f"{local_api['base']}/conversions"
    order = f"once-{int(time.time() * 1000)}"
    sale = {"type": "sale", "order_id": order, "amount": 4200, "currency": "EUR"}
    answers = _post_at_once(url, sale, headers, 50)
    assert sorted(response.status_code for response in answers) == [200] * 49 + [201]
    assert len({response.json()["conversion_id"] for response in answers}) == 1
    refund = {"type": "refund", "order_id": order, "refund_id": "the-one", "amount": 1000}
    refunds = _post_at_once(url, refund, headers, 50)
    assert {response.status_code for response in refunds} == {200}
    assert {response.json()["refunded_amount"] for response in refunds} <= {0, 1000}
    listed = requests.get(f"{local_api['base']}/me/conversions", headers=headers, params={"limit": 100},
                          timeout=30).json()["items"]
    [stored] = [item for item in listed if item["order_id"] == order]
    assert stored["refunded_amount"] == 1000


def test_concurrent_closes_of_one_month_over_http_make_one_close(local_api):
    headers = {"Authorization": f"Bearer {local_api['admin_key']}"}
    answers = _post_at_once(f"{local_api['base']}/admin/close-month", {"month": "2025-06"}, headers, 8)
    assert {response.status_code for response in answers} <= {200, 202}
    final = requests.post(f"{local_api['base']}/admin/close-month", json={"month": "2025-06"}, headers=headers,
                          timeout=60)
    assert final.status_code == 200 and final.json()["status"] == "closed"
    closed = [response.json() for response in answers if response.status_code == 200]
    assert all(answer == final.json() for answer in closed)


def test_a_tap_shows_in_the_link_s_stats_within_a_minute(local_api):
    headers = {"Authorization": f"Bearer {local_api['creator_key']}"}
    url = f"{local_api['base']}/links/demo/stats"
    first = requests.get(url, headers=headers, timeout=10)
    assert first.status_code == 200, first.text
    before = first.json()["totals"]["clicks"]
    tap = requests.get(local_api["short_url"], allow_redirects=False, timeout=10,
                       headers={"User-Agent": "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) Mobile/15E148"})
    assert tap.status_code == 302
    deadline, clicks = time.time() + 60, before
    while time.time() < deadline and clicks == before:
        time.sleep(0.5)
        clicks = requests.get(url, headers=headers, timeout=10).json()["totals"]["clicks"]
    assert clicks == before + 1


def test_a_dozen_clients_creating_links_and_sending_shop_webhooks_lose_nothing(local_api):
    import base64
    import hashlib
    import hmac
    import json
    from concurrent.futures import ThreadPoolExecutor

    base = local_api["base"]
    brand_headers = {"Authorization": f"Bearer {local_api['brand_key']}"}
    creator_headers = {"Authorization": f"Bearer {local_api['creator_key']}"}
    brand_id = requests.get(f"{base}/me", headers=brand_headers, timeout=10).json()["brand_id"]
    secret = "shpss_e2e_concurrency_secret"
    assert requests.put(f"{base}/me/integrations/shopify", json={"secret": secret}, headers=brand_headers,
                        timeout=10).status_code == 200
    run = str(int(time.time() * 1000))

    def job(i: int):
        if i % 2:
            body = {"brand_id": brand_id, "destination": f"https://shop.example.com/p/{run}/{i}"}
            response = requests.post(f"{base}/links", json=body, headers=creator_headers, timeout=30)
            return "link", response.status_code, response.json().get("code")
        order = {"id": int(run) * 100 + i, "currency": "EUR", "taxes_included": False,
                 "line_items": [{"price": "10.00", "quantity": 1, "discount_allocations": [], "tax_lines": []}]}
        raw = json.dumps(order).encode()
        signature = base64.b64encode(hmac.new(secret.encode(), raw, hashlib.sha256).digest()).decode()
        response = requests.post(f"{base}/webhooks/{brand_id}/shopify", data=raw, timeout=30, headers={
            "Content-Type": "application/json", "X-Shopify-Topic": "orders/paid",
            "X-Shopify-Hmac-Sha256": signature, "X-Shopify-Webhook-Id": f"{run}-{i}"})
        return "order", response.status_code, str(order["id"])

    with ThreadPoolExecutor(max_workers=12) as pool:
        outcomes = list(pool.map(job, range(48)))
    assert {status for _, status, _ in outcomes} == {201}
    links, cursor = set(), None
    while True:
        page = requests.get(f"{base}/links", params={"limit": 100, **({"cursor": cursor} if cursor else {})},
                            headers=creator_headers, timeout=10).json()
        links |= {item["code"] for item in page["items"]}
        cursor = page["next_cursor"]
        if not cursor:
            break
    orders, cursor = set(), None
    while True:
        page = requests.get(f"{base}/me/conversions", params={"limit": 100, **({"cursor": cursor} if cursor else {})},
                            headers=brand_headers, timeout=10).json()
        orders |= {item["order_id"] for item in page["items"]}
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert {key for kind, _, key in outcomes if kind == "link"} <= links
    assert {key for kind, _, key in outcomes if kind == "order"} <= orders


def test_a_dozen_dashboard_clients_minting_links_over_http_lose_nothing_and_no_address_is_logged(local_api):
    """Twelve browsers at once: each signs in as its own creator and mints a link from the form."""
    import re
    from concurrent.futures import ThreadPoolExecutor

    admin = {"Authorization": f"Bearer {local_api['admin_key']}"}
    brand = requests.post(f"{local_api['base']}/brands", headers=admin, timeout=10, json={
        "name": "Dashboard Load", "allowed_domains": ["shop.example.com"],
        "commission": {"type": "percent", "rate_bps": 1000}}).json()
    creators = [requests.post(f"{local_api['base']}/creators", headers=admin, timeout=10,
                              json={"handle": f"dash.load.{int(time.time())}.{i}"}).json() for i in range(12)]

    def browse(creator: dict) -> tuple[int, str, str]:
        session = requests.Session()
        page = session.get(f"{local_api['base']}/app/login", timeout=30).text
        nonce = re.search(r'name="nonce" value="([^"]+)"', page).group(1)
        session.post(f"{local_api['base']}/app/login", data={"nonce": nonce, "api_key": creator["api_key"]},
                     timeout=30)
        form = session.get(f"{local_api['base']}/app/new-link", timeout=30).text
        csrf = re.search(r'name="csrf" value="([^"]+)"', form).group(1)
        alias = f"dash-{creator['creator_id'][-10:]}"
        answer = session.post(f"{local_api['base']}/app/links", allow_redirects=False, timeout=30, data={
            "csrf": csrf, "brand_id": brand["brand_id"], "destination": "https://shop.example.com/p", "alias": alias})
        return answer.status_code, alias, creator["api_key"]

    with ThreadPoolExecutor(max_workers=12) as pool:
        results = list(pool.map(browse, creators))
    assert [status for status, _, _ in results] == [303] * 12
    for _, alias, key in results:  # every link the forms answered 303 for is stored
        stored = requests.get(f"{local_api['base']}/links/{alias}", headers={"Authorization": f"Bearer {key}"},
                              timeout=10)
        assert stored.status_code == 200 and stored.json()["destination"] == "https://shop.example.com/p"
    log = local_api["log"]()
    assert "/app/links" in log  # the requests were logged...
    assert "127.0.0.1'" not in log and "127.0.0.1 -" not in log  # ...without a client address
