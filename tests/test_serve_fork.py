"""What `cartable serve`'s master does before it forks a web worker: no database connection
to share, and its objects frozen out of the garbage collector's passes (which would otherwise
write into, and so copy, every page the worker shares with the master)."""

from __future__ import annotations

import gc

from cartable.web.management.commands import serve


def test_the_master_freezes_its_objects_before_it_forks() -> None:
    kept = object()
    held = [kept]  # a container made before the fork, as the apps' are
    try:
        serve.before_fork()
        assert gc.get_freeze_count() > 0
        assert all(held is not seen for seen in gc.get_objects())  # frozen: the GC skips it
    finally:
        gc.unfreeze()
