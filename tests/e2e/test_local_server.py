"""`make run`'s HTTP server as a user (or an attacker) meets it: its PORT, its log, HEAD,
odd methods and bursts of connections (issue 11, items 2 to 7)."""
from __future__ import annotations

import http.client
import os
import re
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests

from local.server import escaped, port_from

ROOT = Path(__file__).resolve().parents[2]


def _environment(port: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "AFFILINK_", "PUBLIC_BASE_URL"))}
    env["PORT"] = port
    return env


def _run(port: str, log_path: Path):
    log = log_path.open("w")
    process = subprocess.Popen([sys.executable, "-m", "local.run"], cwd=ROOT, env=_environment(port),
                               stdout=log, stderr=subprocess.STDOUT, text=True)
    deadline = time.time() + 90
    while time.time() < deadline and process.poll() is None:
        if "Ctrl-C stops everything" in log_path.read_text():
            break
        time.sleep(0.1)
    return process


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """`make run` on a port the system chooses (PORT=0), its whole output kept in a file."""
    log_path = tmp_path_factory.mktemp("local") / "run.log"
    process = _run("0", log_path)
    banner = log_path.read_text()
    match = re.search(r"Affilink is running on http://127\.0\.0\.1:(\d+)", banner)
    assert match, banner
    yield {"port": int(match.group(1)), "log": log_path, "banner": banner}
    process.terminate()
    process.wait(timeout=15)


def test_port_zero_runs_on_the_port_the_system_chose_and_says_which(server):
    assert server["port"] != 0
    assert f"demo short link:  http://127.0.0.1:{server['port']}/demo" in server["banner"]
    assert requests.get(f"http://127.0.0.1:{server['port']}/health", timeout=10).status_code == 200


@pytest.mark.parametrize("port", ["abc", "99999", "-1", "8000.5"])
def test_a_port_that_cannot_be_is_one_line_of_error_at_once(port, tmp_path):
    started = time.monotonic()
    result = subprocess.run([sys.executable, "-m", "local.run"], cwd=ROOT, env=_environment(port),
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0 and result.stderr.startswith("make run: PORT must be")
    assert "Traceback" not in result.stderr + result.stdout
    assert time.monotonic() - started < 10


def test_a_busy_port_is_one_line_of_error_at_once():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run([sys.executable, "-m", "local.run"], cwd=ROOT, env=_environment(str(port)),
                                capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert result.stderr.startswith(f"make run: cannot listen on 127.0.0.1:{port}")
    assert "Traceback" not in result.stderr


def test_an_empty_port_means_the_default_and_ports_are_read_as_numbers():
    assert port_from("") == port_from(None) == port_from("  ") == 8000
    assert port_from("0") == 0 and port_from(" 8081 ") == 8081


def test_head_on_an_unknown_link_sends_no_body_and_the_connection_stays_usable(server):
    connection = http.client.HTTPConnection("127.0.0.1", server["port"], timeout=10)
    connection.request("HEAD", "/no-such-code")
    head = connection.getresponse()
    assert head.status == 404 and head.read() == b""
    connection.request("GET", "/health")  # the same kept-alive connection
    after = connection.getresponse()
    assert after.status == 200 and after.read() == b'{"status": "ok"}'
    connection.close()


@pytest.mark.parametrize("method", ["TRACE", "CONNECT", "BREW"])
def test_methods_no_route_serves_are_405_not_a_server_error(server, method):
    with socket.create_connection(("127.0.0.1", server["port"]), timeout=10) as connection:
        connection.sendall(f"{method} /health HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n".encode())
        status_line = connection.recv(200).split(b"\r\n", 1)[0]
    assert status_line.startswith(b"HTTP/1.1 405"), status_line


def test_a_request_cannot_forge_a_log_line_and_no_address_is_logged(server):
    # A request line holding ESC and CR, and a client that goes away before reading its answer
    with socket.create_connection(("127.0.0.1", server["port"]), timeout=10) as connection:
        connection.sendall(b"GET /forged\x1b[31m\rFAKE-LINE HTTP/1.1\r\nHost: x\r\n\r\n")
        connection.recv(100)
    aborted = socket.create_connection(("127.0.0.1", server["port"]), timeout=10)
    aborted.sendall(b"POST /conversions HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{")
    aborted.close()
    time.sleep(0.5)
    log = server["log"].read_text()
    assert "\x1b" not in log and "\rFAKE-LINE" not in log
    assert "\\x1b[31m\\x0dFAKE-LINE" in log
    assert "127.0.0.1'" not in log and "('127.0.0.1'" not in log  # no (address, port) tuple anywhere


def test_a_burst_of_connections_is_served_not_reset(server):
    # 50 clients, 4 taps each, every tap on a fresh connection opened at the same moment as the others
    import threading

    start = threading.Barrier(50)

    def client(_):
        start.wait()
        answers = []
        for _tap in range(4):
            with socket.create_connection(("127.0.0.1", server["port"]), timeout=30) as connection:
                connection.sendall(b"GET /demo HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                answers.append(connection.recv(64).split(b"\r\n", 1)[0])
        return answers

    with ThreadPoolExecutor(max_workers=50) as pool:
        status_lines = [line for answers in pool.map(client, range(50)) for line in answers]
    assert status_lines == [b"HTTP/1.1 302 Found"] * 200


def test_control_characters_are_escaped_in_log_lines():
    assert escaped("GET /a\x1b[31m\r\nb\x7f") == "GET /a\\x1b[31m\\x0d\\x0ab\\x7f"
    assert escaped("plain é") == "plain é"



def test_the_server_listens_with_a_backlog_for_bursts_not_the_standard_librarys_five(server):
    # What the kernel reports for the listening socket (`ss`: Send-Q of a listener is its backlog).
    # With 5, a burst of connections beyond it waits for SYN retransmits or, where the kernel
    # aborts on overflow, is reset.
    listing = subprocess.run(["ss", "-Hltn", f"sport = :{server['port']}"], capture_output=True, text=True,
                             timeout=10, check=True).stdout.split()
    assert listing[0] == "LISTEN" and int(listing[2]) == 128, listing
