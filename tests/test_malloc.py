"""The C library gives an Argon2 hash's 19 MiB back to the system once the hash is done, when
`cartable serve` has fixed its thresholds (glibc); without it, the hashing thread keeps them."""

from __future__ import annotations

import platform
import subprocess
import sys

import pytest

pytestmark = pytest.mark.skipif(
    platform.libc_ver()[0] != "glibc", reason="the thresholds are glibc's"
)

# Two sign-ins' hashes on one thread, as cartable/accounts/hashers.py makes them; prints the
# resident memory grown since before the first, in MiB.
HASHES = """
import os, sys, threading
from argon2.low_level import Type, hash_secret
from cartable.lib.malloc import give_back_large_blocks

def resident() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")

if sys.argv[1] == "fixed":
    assert give_back_large_blocks()
before = resident()
for salt in (b"saltsalt1", b"saltsalt2"):
    hashing = threading.Thread(
        target=hash_secret, args=(b"secret", salt, 2, 19 * 1024, 1, 32, Type.ID)
    )
    hashing.start()
    hashing.join()
print((resident() - before) // (1024 * 1024))
"""


def _kept_mib(mode: str) -> int:
    done = subprocess.run(
        [sys.executable, "-c", HASHES, mode], capture_output=True, text=True, check=True
    )
    return int(done.stdout)


def test_the_hash_memory_goes_back_once_the_thresholds_are_fixed() -> None:
    assert _kept_mib("fixed") < 4


def test_without_it_the_hashing_thread_keeps_the_hash_memory() -> None:
    assert _kept_mib("dynamic") >= 19


# Blocks under the threshold stay in the pool when freed (the last one pins the top of the
# pool, so ``free`` cannot shrink it); prints the resident memory they left, then what is left
# after trim(), in MiB.
SCATTERED = """
import ctypes, os
from cartable.lib.malloc import give_back_large_blocks, trim

def resident() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")

libc = ctypes.CDLL(None)
libc.malloc.restype, libc.malloc.argtypes = ctypes.c_void_p, [ctypes.c_size_t]
libc.free.argtypes = [ctypes.c_void_p]
assert give_back_large_blocks()
before = resident()
blocks = [libc.malloc(64 * 1024) for _ in range(400)]
for block in blocks:
    ctypes.memset(block, 1, 64 * 1024)
for block in blocks[:-1]:
    libc.free(block)
left = resident() - before
assert trim()
print(left // (1024 * 1024), (resident() - before) // (1024 * 1024))
"""


def test_trim_gives_back_the_free_memory_left_in_the_pools() -> None:
    done = subprocess.run(
        [sys.executable, "-c", SCATTERED], capture_output=True, text=True, check=True
    )
    left, trimmed = (int(word) for word in done.stdout.split())
    assert left >= 20  # 25 MiB written, freed, kept
    assert trimmed < 4
