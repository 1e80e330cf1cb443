"""What a Lambda entry module (app.py, the tap function) does once its imports are done."""
from __future__ import annotations

import gc


def imports_done() -> None:
    """Everything loaded so far lives as long as the process. Frozen, it is no longer walked by
    each garbage collection, which made a cold start's first request (botocore loads its models
    then, the crawler list may be read) ~15-25 ms slower than in a smaller process (bench,
    docs/performance.md)."""
    gc.freeze()
