"""The French catalogue is complete and in step with the code (English is the source)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest

ROOT = Path(__file__).resolve().parent.parent
PO = ROOT / "cartable/locale/fr/LC_MESSAGES/django.po"


def entries(path: Path) -> dict[tuple[str, str], polib.POEntry]:
    return {
        (entry.msgctxt or "", entry.msgid): entry
        for entry in polib.pofile(str(path))
        if not entry.obsolete
    }


def test_it_translates_every_message_to_french() -> None:
    catalogue = polib.pofile(str(PO))
    assert [entry.msgid for entry in catalogue.untranslated_entries()] == []
    assert [entry.msgid for entry in catalogue.fuzzy_entries()] == []


@pytest.mark.slow
def test_it_has_no_message_missing_from_the_catalogue(tmp_path: Path) -> None:
    copy = tmp_path / "cartable"
    shutil.copytree(ROOT / "cartable", copy, ignore=shutil.ignore_patterns("static", "__pycache__"))
    subprocess.run(
        [
            sys.executable,
            "-m",
            "django",
            "makemessages",
            "-l",
            "fr",
            "--no-obsolete",
            "--no-location",
        ],
        cwd=copy,
        check=True,
        capture_output=True,
        env={
            "DJANGO_SETTINGS_MODULE": "cartable.settings",
            "PYTHONPATH": str(tmp_path),
            "PATH": "/usr/bin:/bin",
            "CARTABLE_HOME": str(tmp_path / "home"),
        },
    )
    fresh = entries(copy / "locale/fr/LC_MESSAGES/django.po")
    committed = entries(PO)
    missing = sorted(key[1] for key in fresh.keys() - committed.keys())
    assert missing == [], "run `make messages` and translate the new messages"
