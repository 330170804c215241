"""Keep Python's cyclic garbage collector off the request path of a long-running server.

A started server holds a large, long-lived heap (modules, templates, catalogs, SQLAlchemy's
compiled statements). CPython's full (oldest-generation) collections walk all of it, and
``bench/inbox_web.py`` showed them as single page requests 50-90 ms slower than the rest
(CPU in our own process; with the collector off the slow samples were gone). ``gc.freeze()``
moves what exists at start-up into a permanent generation that collections skip; garbage
made while serving is still collected as before.
"""

from __future__ import annotations

import gc


def settle_heap() -> None:
    """Collect once, then exempt every surviving start-up object from later collections."""
    gc.collect()
    gc.freeze()
