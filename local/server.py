"""The HTTP server of `make run`: Chalice's local server, made fit to be the first thing
every user meets.

- The port is bound before anything else starts, so a busy or invalid `PORT` is one line
  of error at once, and `PORT=0` gives the port the system chose.
- A listen backlog of 128, not the standard library's 5: bursts of connections are queued,
  not reset.
- No client address anywhere in the log (the standard library prints it when a client
  aborts a connection), and control characters of a request line escaped, so a request
  cannot forge a log line.
- HEAD answers carry no body (a body there corrupts the next response on a kept-alive
  connection), and methods no route serves (TRACE, CONNECT, anything) answer 405, not the
  standard library's 501.
"""
from __future__ import annotations

import json
import re
import sys
from typing import Any, Optional, Union

from chalice.local import ChaliceRequestHandler, ThreadedHTTPServer

LISTEN_BACKLOG = 128
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


class PortError(ValueError):
    """`PORT` is not a port this machine can listen on; the message says why."""


def port_from(value: Optional[str], default: int = 8000) -> int:
    """The port `PORT` names: empty or unset means the default; 0 lets the system choose."""
    if value is None or not value.strip():
        return default
    text = value.strip()
    if not (text.isascii() and text.isdigit()) or not 0 <= int(text) <= 65535:
        raise PortError(f"PORT must be a number from 0 to 65535 (0: any free port), not {value!r}")
    return int(text)


def escaped(text: str) -> str:
    """`text` with every control character written as `\\xNN`: one log line stays one line."""
    return _CONTROL.sub(lambda match: f"\\x{ord(match.group(0)):02x}", text)


class QuietServer(ThreadedHTTPServer):
    request_queue_size = LISTEN_BACKLOG

    def handle_error(self, request: Any, client_address: Any) -> None:
        # The standard library prints the client's address with the traceback; a client that
        # went away is not worth a traceback either.
        error = sys.exc_info()[1]
        sys.stderr.write(f"request not completed: {type(error).__name__}\n")


def bind(port: int) -> QuietServer:
    """A server listening on 127.0.0.1:`port` (its handler is set once the app is loaded)."""
    try:
        return QuietServer(("127.0.0.1", port), ChaliceRequestHandler)
    except OSError as error:
        raise PortError(f"cannot listen on 127.0.0.1:{port}: {error.strerror or error}") from None


class Handler(ChaliceRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the standard library's name
        sys.stderr.write(escaped(format % args) + "\n")

    def _send_http_response_with_body(self, code: int, headers: Any, body: Union[str, bytes]) -> None:
        if self.command != "HEAD":
            super()._send_http_response_with_body(code, headers, body)
            return
        encoded = body if isinstance(body, bytes) else body.encode("utf-8")
        self.send_response(code)
        self.send_header("Content-Length", str(len(encoded)))  # what GET would send; no body follows
        self.send_header("Content-Type", headers.pop("Content-Type", "application/json"))
        self._send_headers(headers)

    def _method_not_allowed(self) -> None:
        body = json.dumps({"Code": "MethodNotAllowedError", "Message": f"Unsupported method: {self.command}"})
        self._send_http_response_with_body(405, {"Content-Type": "application/json"}, body)

    def __getattr__(self, name: str) -> Any:
        # BaseHTTPRequestHandler answers 501 to a method it finds no do_<METHOD> for.
        if name.startswith("do_"):
            return self._method_not_allowed
        raise AttributeError(name)
