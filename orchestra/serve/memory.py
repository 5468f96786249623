"""The server's native heap: fewer malloc arenas, and freed memory handed back.

Why: the 60-minute soak showed the server growing by about 1 GB over its first 25 minutes
and then levelling off, with dips along the way; Python objects that leak do not dip. The
cause is glibc's allocator, which gives each thread that allocates under contention an arena
of its own (up to 8 per core) and keeps what was freed in it. A server runs many threads
(the engine's pool, asyncio's executor, torch's), so arenas multiply and each keeps its
high-water mark. Two arenas and a periodic `malloc_trim` keep the heap near what is live.

On a libc other than glibc both calls do nothing and say so (False): the allocator there
has other rules, and the server runs the same.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
from functools import cache

M_ARENA_MAX = -8  # glibc's mallopt parameter number (malloc.h)
ENV = "MALLOC_ARENA_MAX"  # glibc reads it at start; when a user has set it, it stands


@cache
def _libc() -> ctypes.CDLL | None:
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
    except OSError:
        return None
    return libc if hasattr(libc, "mallopt") and hasattr(libc, "malloc_trim") else None


def limit_arenas(n: int = 2) -> bool:
    """Cap the arenas threads may create from now on; call it before the threads start.
    True when the cap is in force (set here or by the user's $MALLOC_ARENA_MAX)."""
    if n < 1:
        raise ValueError(f"arenas must be at least 1, got {n}")
    if os.environ.get(ENV):
        return True
    libc = _libc()
    return bool(libc is not None and libc.mallopt(M_ARENA_MAX, n) == 1)


def trim() -> bool:
    """Return the free memory at the top of every arena and its unused pages to the
    system. True when something was released."""
    libc = _libc()
    return bool(libc is not None and libc.malloc_trim(0) == 1)
