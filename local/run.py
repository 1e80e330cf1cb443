"""`make run`: the whole API on http://127.0.0.1:${PORT:-8000}.

- DynamoDB, DynamoDB Streams and SQS: an embedded moto server on a free
  port, or the moto server at AWS_ENDPOINT_URL_DYNAMODB when that is set
  (tables and queues are created when missing).
- The API: Chalice's local server, in this process, made fit for bursts and
  odd requests (`local/server.py`); the port is checked before anything starts.
- What runs behind the API in AWS: background workers in this process (see
  `local/workers.py`) feed the same handlers Lambda would.
- The admin key: AFFILINK_ADMIN_KEY, or a generated one, printed.
Ctrl-C stops everything.
"""
from __future__ import annotations

import logging
import os
import secrets
import signal
import sys
import threading
from typing import TYPE_CHECKING, Optional

if TYPE_CHECKING:
    from moto.server import ThreadedMotoServer

FAKE_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "local",
    "AWS_SECRET_ACCESS_KEY": "local",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_REGION": "us-east-1",
}


def _prepare_environment(port: int) -> Optional[ThreadedMotoServer]:
    """Point every AWS client at a moto server; start one if none is given."""
    for name, value in FAKE_CREDENTIALS.items():
        os.environ.setdefault(name, value)
    moto_server = None
    endpoint = os.environ.get("AWS_ENDPOINT_URL_DYNAMODB")
    if not endpoint:
        from moto.server import ThreadedMotoServer

        from local.emulator import keep_dynamodb_promises

        keep_dynamodb_promises()  # the embedded server runs in this process: it can keep DynamoDB's promises
        moto_server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        moto_server.start()
        host, moto_port = moto_server.get_host_and_port()
        endpoint = f"http://{host}:{moto_port}"
        os.environ["AWS_ENDPOINT_URL_DYNAMODB"] = endpoint
    os.environ.setdefault("AWS_ENDPOINT_URL_DYNAMODB_STREAMS", endpoint)
    os.environ.setdefault("AWS_ENDPOINT_URL_SQS", endpoint)
    os.environ.setdefault("PUBLIC_BASE_URL", f"http://127.0.0.1:{port}")
    os.environ.setdefault("AFFILINK_SECRET", secrets.token_urlsafe(32))
    if not os.environ.get("AFFILINK_ADMIN_KEY"):
        os.environ["AFFILINK_ADMIN_KEY"] = f"afl_admin_{secrets.token_urlsafe(24)}"
    return moto_server


def _create_queues(background, sqs_endpoint: str, region: str) -> None:
    """Each queue a background entry point reads, created when missing; its URL
    set in the variable the app reads it from (unless already set)."""
    import boto3

    from chalicelib.base.config import settings

    sqs = boto3.client("sqs", endpoint_url=sqs_endpoint, region_name=region)
    for queue in background.queues():
        url = sqs.create_queue(QueueName=f"{settings().table_prefix}{queue.name}")["QueueUrl"]
        os.environ.setdefault(queue.url_variable, url)


def _start_workers(background, endpoint: str, region: str) -> list:
    """One worker per background entry point of the app, from its registry."""
    from local.workers import worker_for

    workers = [
        worker_for(entry, dynamodb_endpoint=endpoint, sqs_endpoint=os.environ["AWS_ENDPOINT_URL_SQS"], region=region)
        for entry in background.entry_points
    ]
    for worker in workers:
        worker.start()
    return workers


def _banner(port: int, demo, workers: list) -> str:
    base = os.environ["PUBLIC_BASE_URL"]
    return "\n".join(
        [
            "",
            f"Affilink is running on http://127.0.0.1:{port}  (DynamoDB: {os.environ['AWS_ENDPOINT_URL_DYNAMODB']})",
            f"  admin key:        {os.environ['AFFILINK_ADMIN_KEY']}",
            f"  demo brand:       {demo.brand_id}  key {demo.brand_key}",
            f"  demo creator:     {demo.creator_id}  key {demo.creator_key}",
            f"  demo short link:  {demo.short_url}",
            f"  background:       {', '.join(w.name for w in workers) or 'none'}",
            "",
            f"  curl -i {demo.short_url}",
            f"  curl -s -H 'Authorization: Bearer {demo.creator_key}' {base}/links",
            "",
            "Ctrl-C stops everything.",
            "",
        ]
    )


def main() -> int:
    from local.server import Handler, PortError, bind, port_from

    try:  # before anything starts: a bad PORT is one line, at once
        http_server = bind(port_from(os.environ.get("PORT")))
    except PortError as error:
        print(f"make run: {error}", file=sys.stderr, flush=True)
        return 2
    port = http_server.server_address[1]  # PORT=0: the one the system chose
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # the embedded moto server's access log
    moto_server = _prepare_environment(port)
    endpoint = os.environ["AWS_ENDPOINT_URL_DYNAMODB"]
    region = os.environ["AWS_REGION"]

    import functools

    from chalice.config import Config

    from app import app, background
    from chalicelib.base import config
    from chalicelib.storage import schema
    from local.seed import seed_demo

    config.reset()
    _create_queues(background, os.environ["AWS_ENDPOINT_URL_SQS"], region)
    config.reset()
    schema.create_tables()
    demo = seed_demo()
    workers = _start_workers(background, endpoint, region)

    chalice_config = Config.create(chalice_stage="dev", app_name="affilink")
    http_server.RequestHandlerClass = functools.partial(Handler, app_object=app, config=chalice_config)
    print(_banner(port, demo, workers), flush=True)

    def stop(signum, frame):
        threading.Thread(target=http_server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    try:
        http_server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        for worker in workers:
            worker.stop()
        http_server.server_close()
        if moto_server is not None:
            moto_server.stop()
        print("Affilink stopped.", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
