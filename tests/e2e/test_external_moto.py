"""`make run` against a moto server it did not start (AWS_ENDPOINT_URL_DYNAMODB):
tables and queues are created when missing, and a second run over the same
data prints fresh demo keys (the old ones stop working)."""
from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from tests.e2e.local_api import running_local_api
from tests.helpers import free_port

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def moto_server():
    """A moto server in a process of its own: it shares no data with the moto
    account the other tests of this worker keep in this process."""
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    endpoint = f"http://127.0.0.1:{port}"
    deadline = time.time() + 60
    while True:
        try:
            requests.get(endpoint, timeout=2)
            break
        except requests.ConnectionError:
            assert server.poll() is None and time.time() < deadline, "the moto server did not start"
            time.sleep(0.1)
    yield endpoint
    server.terminate()
    server.wait(timeout=15)


def _started(endpoint: str):
    return running_local_api(AWS_ENDPOINT_URL_DYNAMODB=endpoint, AFFILINK_ADMIN_KEY="e2e-admin-key")


def test_runs_twice_over_one_external_moto_server(moto_server):
    # Given a first run that creates the tables, the queue and the demo
    with _started(moto_server) as first:
        base, first_key, banner = first["base"], first["creator_key"], first["banner"]
        assert f"DynamoDB: {moto_server}" in banner
        assert "admin key:        e2e-admin-key" in banner
        assert requests.get(f"{base}/demo", allow_redirects=False, timeout=10).status_code == 302
    # When it runs again over the same data
    with _started(moto_server) as second:
        base, second_key = second["base"], second["creator_key"]
        # Then the demo is reused, with fresh keys that work and old ones that do not
        assert second_key != first_key
        me = requests.get(f"{base}/me", headers={"Authorization": f"Bearer {second_key}"}, timeout=10)
        assert me.status_code == 200 and me.json()["handle"] == "demo.creator"
        old = requests.get(f"{base}/me", headers={"Authorization": f"Bearer {first_key}"}, timeout=10)
        assert old.status_code == 401
        links = requests.get(f"{base}/links", headers={"Authorization": f"Bearer {second_key}"}, timeout=10)
        assert [link["code"] for link in links.json()["items"]] == ["demo"]
