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
import sys
from typing import Optional

# The entry module whose imports paused collection, and whether collection ran before it.
_pausing: Optional[str] = None
_was_collecting = True


def imports_begin(module: str) -> None:
    """The first thing an entry module runs (`imports_begin(__name__)`), before its other imports.
    Inside another entry module's imports (app.py imports the tap function's) it does nothing. An
    entry module whose import failed is no longer in `sys.modules`: the next one takes over."""
    global _pausing, _was_collecting
    if _pausing is not None and _pausing in sys.modules:
        return
    if _pausing is None:
        _was_collecting = gc.isenabled()
    _pausing = module
    gc.disable()


def imports_done(module: str) -> None:
    """The last thing an entry module runs (`imports_done(__name__)`): collection runs again as it
    did before, what was loaded set aside from it."""
    global _pausing
    if module != _pausing:
        return
    _pausing = None
    gc.freeze()
    if _was_collecting:
        gc.enable()
