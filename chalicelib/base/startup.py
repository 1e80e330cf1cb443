"""What a Lambda entry module (app.py, the tap function) does around its imports: garbage
collection paused while they run, and what they loaded set aside from it once they are done.

Python's own recipe for long-lived state (the `gc.freeze` documentation: disable early, freeze
once loaded). Imports allocate what lives as long as the process: the collections that walked it
again and again cost a cold start ~10 ms during the imports, and the first request's (botocore
loads its models then, the crawler list may be read) ~15-25 ms more in a big process than in a
small one (bench, docs/performance.md). The imports leave ~700 objects of cyclic garbage, which
stay (measured with `gc.collect()` after `import app`).
"""
from __future__ import annotations

import gc


def imports_begin() -> None:
    """The first thing an entry module runs, before its other imports."""
    gc.disable()


def imports_done() -> None:
    """The last thing an entry module runs."""
    gc.freeze()
    gc.enable()
