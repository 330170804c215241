"""glibc's allocator, tuned once per process for image-sized buffers.

A slide is a 1080x1350 canvas (5.8 MB in Pillow's four bytes per pixel), and a new
post allocates and frees dozens of buffers of that order: canvases, decoded and
scaled photos, shaded copies, encoder buffers. With glibc's defaults each of them
is a fresh ``mmap`` (or heap memory returned to the kernel as soon as it is freed),
so every render touches new pages and the kernel zero-fills them on first use: about
17,000 page faults per new post of the weekend guide, 2.5-5 ms of system CPU per
slide. Raising the mmap and trim thresholds keeps that memory in the process and
reuses it: a few hundred to 2,500 faults per post (see docs/render.md, Third round).

The price is memory kept after a render: freed image buffers stay in the process
(at most ``TRIM`` at the top of each of glibc's arenas) instead of going back to the
system. ``OUTREACH_MALLOC_TUNING=0``, any of glibc's ``MALLOC_*`` variables or a
``glibc.malloc`` tunable (``GLIBC_TUNABLES``) in the environment leaves the allocator as
it is. Other C libraries (musl,
macOS) are left alone.
"""

from __future__ import annotations

import os
import sys
import threading

MMAP_THRESHOLD = 32 * 2**20   # blocks below this come from the heap, and are reused
TRIM = 64 * 2**20             # free memory kept at the top of a heap before returning it

_M_TRIM_THRESHOLD = -1        # mallopt parameters (malloc.h)
_M_MMAP_THRESHOLD = -3
_LOCK = threading.Lock()
_DONE: bool | None = None     # None: not tried yet; then whether the settings took


def tune() -> bool:
    """Set the thresholds on the first call (later calls do nothing); True when set."""
    global _DONE
    if _DONE is not None:
        return _DONE
    with _LOCK:
        if _DONE is None:
            _DONE = _apply()
    return _DONE


def _apply() -> bool:
    if os.environ.get("OUTREACH_MALLOC_TUNING", "1").strip() in ("0", "no", "off", "false"):
        return False
    if any(key.startswith("MALLOC_") for key in os.environ) or \
            "glibc.malloc." in os.environ.get("GLIBC_TUNABLES", ""):
        return False                 # the administrator tuned glibc already
    if not sys.platform.startswith("linux"):
        return False
    import ctypes
    import ctypes.util

    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        libc.gnu_get_libc_version            # glibc only: musl has no mallopt thresholds
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    mallopt.restype = ctypes.c_int
    return bool(mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD)) and \
        bool(mallopt(_M_TRIM_THRESHOLD, TRIM))
