"""The processes of tests/forked.py behave as ``python -m``/``python -c`` processes: what they
print, how they end (exit codes, an uncaught exception, a SIGKILL, a timeout), their own
environment (a crash point and a data folder read after the fork), and a `cartable` command
answers as the same command run by ``subprocess``."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests import forked
from tests.datafolders import migrated

ROOT = Path(__file__).resolve().parent.parent


def test_it_gives_what_the_process_printed_and_its_exit_code() -> None:
    done = forked.run(
        ["-c", "import sys; print(sys.argv[1:]); print('é', file=sys.stderr); sys.exit(3)", "a"],
        env=forked.environment(),
        cwd=ROOT,
    )
    assert (done.returncode, done.stdout, done.stderr) == (3, "['a']\n", "é\n")
    assert done.args[:2] == [sys.executable, "-c"]
    with pytest.raises(subprocess.CalledProcessError):
        forked.run(["-c", "raise SystemExit(2)"], env=forked.environment(), cwd=ROOT, check=True)


def test_an_uncaught_exception_ends_it_with_1_and_its_traceback() -> None:
    done = forked.run(["-c", "raise ValueError('boom')"], env=forked.environment(), cwd=ROOT)
    assert done.returncode == 1
    assert done.stderr.startswith("Traceback (most recent call last):")
    assert done.stderr.endswith("ValueError: boom\n")


def test_a_sigkill_ends_it_as_a_killed_process(tmp_path: Path) -> None:
    script = "import os, signal; print('before', flush=True); os.kill(os.getpid(), signal.SIGKILL)"
    done = forked.run(["-c", script], env=forked.environment(), cwd=tmp_path)
    assert (done.returncode, done.stdout) == (-9, "before\n")


def test_a_process_past_its_time_is_killed() -> None:
    with pytest.raises(subprocess.TimeoutExpired):
        forked.run(
            ["-c", "import time; time.sleep(30)"], env=forked.environment(), cwd=ROOT, timeout=0.3
        )


def test_it_reads_its_own_environment_and_folder_after_the_fork(tmp_path: Path) -> None:
    """The crash point (read when ``cartable.lib.crash`` is imported) and the settings come
    from the process's environment: the server imported neither."""
    script = (
        "import os, sys\n"
        "print('cartable.lib.crash' in sys.modules, os.getcwd())\n"
        "from cartable.lib import crash\n"
        "from django.conf import settings\n"
        "print(crash.WHERE, settings.configured, os.environ.get('LEFT_OUT'))\n"
    )
    done = forked.run(
        ["-c", script], env=forked.environment(CARTABLE_CRASH_AT="stored"), cwd=tmp_path, check=True
    )
    assert done.stdout.splitlines() == [f"False {tmp_path}", "stored False None"]


def test_a_cartable_command_answers_as_a_subprocess_does(tmp_path: Path) -> None:
    home = migrated(tmp_path / "box")
    env = forked.environment(CARTABLE_HOME=str(home), LANGUAGE="en")
    command = ["-m", "cartable", "user", "add", "ana", "--password", "tournesol-bleu-7"]
    assert forked.run(command, env=env, cwd=ROOT).returncode == 0
    verify = ["-m", "cartable", "audit", "verify"]
    by_fork = forked.run(verify, env=env, cwd=ROOT)
    by_subprocess = subprocess.run(
        [sys.executable, *verify], env=env, cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert (by_fork.returncode, by_fork.stdout, by_fork.stderr) == (
        by_subprocess.returncode,
        by_subprocess.stdout,
        by_subprocess.stderr,
    )
    assert by_fork.stdout == "The audit log is intact: 1 entry checked.\n"
