"""`make run` against a moto server it did not start (AWS_ENDPOINT_URL_DYNAMODB):
tables and queues are created when missing, and a second run over the same
data prints fresh demo keys (the old ones stop working)."""
from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests

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
    _stop(server)


def _start(endpoint: str):
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "AFFILINK_", "PUBLIC_BASE_URL"))}
    env.update({"PORT": str(port), "AWS_ENDPOINT_URL_DYNAMODB": endpoint, "AFFILINK_ADMIN_KEY": "e2e-admin-key"})
    process = subprocess.Popen(
        [sys.executable, "-m", "local.run"], cwd=ROOT, env=env,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    text, deadline = "", time.time() + 90
    while "Ctrl-C stops everything" not in text and time.time() < deadline and process.poll() is None:
        text += process.stdout.readline()
    assert "Affilink is running" in text, text
    threading.Thread(target=process.stdout.read, daemon=True).start()
    creator_key = re.search(r"demo creator:\s+\S+\s+key (\S+)", text).group(1)
    return process, f"http://127.0.0.1:{port}", creator_key, text


def _stop(process) -> None:
    process.terminate()
    process.wait(timeout=15)


def test_runs_twice_over_one_external_moto_server(moto_server):
    # Given a first run that creates the tables, the queue and the demo
    first, base, first_key, banner = _start(moto_server)
    try:
        assert f"DynamoDB: {moto_server}" in banner
        assert "admin key:        e2e-admin-key" in banner
        assert requests.get(f"{base}/demo", allow_redirects=False, timeout=10).status_code == 302
    finally:
        _stop(first)
    # When it runs again over the same data
    second, base, second_key, _ = _start(moto_server)
    try:
        # Then the demo is reused, with fresh keys that work and old ones that do not
        assert second_key != first_key
        me = requests.get(f"{base}/me", headers={"Authorization": f"Bearer {second_key}"}, timeout=10)
        assert me.status_code == 200 and me.json()["handle"] == "demo.creator"
        old = requests.get(f"{base}/me", headers={"Authorization": f"Bearer {first_key}"}, timeout=10)
        assert old.status_code == 401
        links = requests.get(f"{base}/links", headers={"Authorization": f"Bearer {second_key}"}, timeout=10)
        assert [link["code"] for link in links.json()["items"]] == ["demo"]
    finally:
        _stop(second)
