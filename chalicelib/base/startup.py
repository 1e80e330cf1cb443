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

_loading = 0  # entry modules importing right now (app.py imports the tap function's)


def imports_begin() -> None:
    """The first thing an entry module runs, before its other imports."""
    global _loading
    if _loading == 0:
        gc.disable()
    _loading += 1


def imports_done() -> None:
    """The last thing an entry module runs: once the outermost one is done, what was loaded is set
    aside from garbage collection, which runs again."""
    global _loading
    _loading -= 1
    if _loading == 0:
        gc.freeze()
        gc.enable()
