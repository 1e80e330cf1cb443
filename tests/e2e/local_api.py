"""`make run`'s server, started as `make run` starts it, for the tests that talk HTTP to it."""
from __future__ import annotations

import contextlib
import os
import re
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Iterator

from tests.helpers import free_port

ROOT = Path(__file__).resolve().parents[2]


@contextlib.contextmanager
def running_local_api(**settings: str) -> Iterator[dict]:
    """`python -m local.run` on a free port with a clean environment (plus `settings`); yields what
    its banner says (base URL, admin key, demo keys, demo short link, the DynamoDB endpoint), the
    `banner` itself, and `log()`, everything it has printed so far."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "AFFILINK_", "PUBLIC_BASE_URL"))}
    env.update(settings, PORT=str(port))
    process = subprocess.Popen(
        [sys.executable, "-m", "local.run"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    banner = []
    deadline = time.time() + 90
    while time.time() < deadline:
        line = process.stdout.readline()
        if not line:
            if process.poll() is not None:
                break
            continue
        banner.append(line)
        if line.startswith("Ctrl-C stops everything"):
            break
    text = "".join(banner)
    assert "Affilink is running" in text, text

    def field(pattern: str) -> str:
        match = re.search(pattern, text)
        assert match, f"{pattern!r} not in banner:\n{text}"
        return match.group(1)

    info = {
        "base": f"http://127.0.0.1:{port}",
        "admin_key": field(r"admin key:\s+(\S+)"),
        "creator_key": field(r"demo creator:\s+\S+\s+key (\S+)"),
        "brand_key": field(r"demo brand:\s+\S+\s+key (\S+)"),
        "short_url": field(r"demo short link:\s+(\S+)"),
        "moto": field(r"DynamoDB: (http://[^)\s]+)"),
        "background": field(r"background:\s+(.+)"),
        "banner": text,
    }
    # Keep the rest of the output (the server's log), read so the server never blocks on a full pipe.
    lines = list(banner)

    def keep() -> None:
        for line in process.stdout:
            lines.append(line)

    threading.Thread(target=keep, daemon=True).start()
    info["log"] = lambda: "".join(lines)
    try:
        yield info
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
