"""The C library's allocator, told to give large blocks back to the system (glibc only).

glibc serves a block of 128 KiB or more with a mapping of its own, returned to the system when
it is freed, but only until the first such block is freed: then it raises that threshold to the
block's size (up to 32 MiB) and keeps later blocks of that size in its pools. An Argon2 hash
(cartable/accounts/hashers.py) needs 19 MiB: after the first sign-in, every server process kept
19 MiB it used a few milliseconds per sign-in (measured: the 19,472 KiB pool of the hashing
thread, resident from the first sign-in to the end). Fixing the thresholds turns that
adjustment off: blocks of 1 MiB or more always get their own mapping and go back when freed;
the few a page needs (its HTML is a few hundred KiB at most) stay in the pools as before.
"""

from __future__ import annotations

import ctypes

M_TRIM_THRESHOLD = -1  # <malloc.h>
M_MMAP_THRESHOLD = -3
MMAP_THRESHOLD = 1024 * 1024
TRIM_THRESHOLD = 2 * MMAP_THRESHOLD  # glibc's own ratio when it adjusts them itself


def give_back_large_blocks() -> bool:
    """Fix the thresholds in this process (and the processes it forks later); whether the C
    library took them (False on a C library without ``mallopt``, e.g. musl, or macOS)."""
    try:
        libc = ctypes.CDLL(None)
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes, mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
    return bool(
        mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD) and mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD)
    )
