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
