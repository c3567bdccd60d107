"""Real `cartable` processes, started in a quarter of a second instead of half a second.

The tests that run the box as separate processes (crash tests killing one with SIGKILL, two
data folders exchanging bundles) start several hundred of them; about 0.3 s of each start went
to importing Django and the libraries every command imports, the same modules each time. Here
each process is forked from a server process (multiprocessing's ``forkserver``) that has
imported them once (``tests/forked_preload.py``), then runs what ``python -m cartable ...`` or
``python -c ...`` runs: a process of its own, with its own environment, working folder, open
files and database connections, killed by a real SIGKILL at a crash point, its output read
from files as ``subprocess.run`` reads it from pipes.

The server imports no module of the box's own beyond its pure importers, and none that reads
the settings or the environment (the box's settings, its data folder and crash points are read
from each process's environment after the fork); it starts with the variables that name them
removed, so a module that read one while imported would fail the preload loudly. `cartable`
itself as an installed program (its console script, a fresh data folder migrated on first use)
and the server (`cartable serve`) are still tested as ``subprocess`` runs: tests/test_cli.py,
tests/test_serve.py, tests/test_exchange_online_processes.py.
"""

from __future__ import annotations

import atexit
import multiprocessing
import os
import runpy
import subprocess
import sys
import tempfile
import traceback
from collections.abc import Mapping, Sequence
from multiprocessing import forkserver
from pathlib import Path
from typing import Any

# The variables that name a data folder, a database, settings or crash points: not in the
# server's environment (each process has the one it is given).
PRIVATE = ("CARTABLE_", "DJANGO_", "DATABASE_URL")

_context: Any = None


def environment(**variables: str) -> dict[str, str]:
    """This process's environment without the variables that name a data folder, a database,
    settings or crash points, and with ``variables``: what a `cartable` process a test starts
    is given."""
    kept = {key: value for key, value in os.environ.items() if not key.startswith(PRIVATE)}
    return {**kept, **variables}


def _started() -> Any:
    """The forkserver context, its server started once per test process."""
    global _context
    if _context is None:
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["tests.forked_preload"])
        saved = {key: os.environ.pop(key) for key in list(os.environ) if key.startswith(PRIVATE)}
        try:
            forkserver.ensure_running()
        finally:
            os.environ.update(saved)
        _context = context
    return _context


def _child(argv: list[str], env: dict[str, str], cwd: str, out: str, err: str) -> None:
    """In the forked process: become ``python <argv>`` and exit as it would."""
    os.environ.clear()
    os.environ.update(env)
    os.chdir(cwd)
    for fd, path in ((1, out), (2, err)):
        opened = os.open(path, os.O_WRONLY | os.O_TRUNC)
        os.dup2(opened, fd)
        os.close(opened)
    encoding, errors = sys.stdout.encoding, sys.stdout.errors
    sys.stdout = open(1, "w", encoding=encoding, errors=errors, closefd=False)  # noqa: SIM115
    sys.stderr = open(2, "w", encoding=encoding, errors="backslashreplace", closefd=False)  # noqa: SIM115
    code: int | str | None = 0
    try:
        if argv[0] == "-m":
            sys.argv = [argv[1], *argv[2:]]
            sys.path[0:0] = [cwd]
            runpy.run_module(argv[1], run_name="__main__", alter_sys=True)
        elif argv[0] == "-c":
            sys.argv = ["-c", *argv[2:]]
            sys.path[0:0] = [""]
            exec(compile(argv[1], "<string>", "exec"), {"__name__": "__main__"})  # noqa: S102
        else:
            raise ValueError(f"runs -m or -c, not {argv[0]!r}")
    except SystemExit as exit_:
        code = exit_.code
    except BaseException:  # as the interpreter reports an uncaught exception
        traceback.print_exc()
        code = 1
    if code is not None and not isinstance(code, int):
        print(code, file=sys.stderr)
        code = 1
    atexit._run_exitfuncs()  # as an interpreter does at its exit
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code or 0)


def run(
    argv: Sequence[str],
    *,
    env: Mapping[str, str],
    cwd: Path | str,
    timeout: float = 600,
    check: bool = False,
) -> subprocess.CompletedProcess[str]:
    """What ``subprocess.run([sys.executable, *argv], env=env, cwd=cwd, capture_output=True,
    text=True, timeout=timeout, check=check)`` gives, the process forked from the server.
    ``argv`` is ``["-m", module, *args]`` or ``["-c", code, *args]``."""
    context = _started()
    with tempfile.TemporaryDirectory(prefix="cartable-forked-") as folder:
        out, err = Path(folder, "stdout"), Path(folder, "stderr")
        out.touch()
        err.touch()
        process = context.Process(
            target=_child, args=(list(argv), dict(env), str(cwd), str(out), str(err))
        )
        process.start()
        process.join(timeout)
        timed_out = process.exitcode is None
        if timed_out:
            process.kill()
            process.join()
        stdout = out.read_text(errors="replace")
        stderr = err.read_text(errors="replace")
        returncode = process.exitcode
        process.close()
    args = [sys.executable, *argv]
    if timed_out:
        raise subprocess.TimeoutExpired(args, timeout, stdout, stderr)
    done = subprocess.CompletedProcess(args, returncode, stdout, stderr)
    if check:
        done.check_returncode()
    return done
