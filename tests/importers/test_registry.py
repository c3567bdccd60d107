"""The registry finds the format from the file's bytes and names what it cannot read."""

from __future__ import annotations

import pytest

from cartable.importers import registry
from cartable.importers.common import ImporterError
from cartable.importers.registry import Format, UnknownFormat
from cartable.lib.archive import ArchiveError

from .hostile import truncated_zip, zip_of


def test_it_registers_moodle_through_the_same_registry(tmp_path):
    registry.detect  # noqa: B018 - importing the registry's built-ins happens on first use
    with pytest.raises(UnknownFormat):
        registry.detect(zip_of(tmp_path / "x.zip", [("a.txt", b"1")]))
    assert "moodle" in registry.FORMATS
    assert registry.FORMATS["moodle"].label == "Moodle course backup (.mbz)"


def test_it_says_what_it_cannot_read(tmp_path):
    path = tmp_path / "notes.mbz"
    path.write_text("just text")
    with pytest.raises(UnknownFormat) as caught:
        registry.detect(path)
    assert str(caught.value).startswith(
        "this file is not a course backup Cartable can read: notes.mbz"
    )


def test_it_refuses_an_archive_without_a_manifest_when_loaded_as_moodle(tmp_path):
    path = zip_of(tmp_path / "x.mbz", [("a.txt", b"1")])
    with pytest.raises(ImporterError) as caught:
        registry.load(path, tmp_path / "work", fmt="moodle")
    assert caught.value.code == "not_moodle_backup"


def test_it_refuses_moodle_19_backups(tmp_path):
    path = zip_of(tmp_path / "old.zip", [("moodle.xml", b"<MOODLE_BACKUP/>")])
    with pytest.raises(ImporterError) as caught:
        registry.load(path, tmp_path / "work", fmt="moodle")
    assert caught.value.code == "unsupported_backup" and "1.9" in str(caught.value)


def test_it_tells_a_damaged_archive_apart_from_an_unknown_one(tmp_path):
    with pytest.raises(ArchiveError) as caught:
        registry.detect(truncated_zip(tmp_path / "cut.mbz"))
    assert caught.value.code == "truncated"


def test_it_takes_new_formats_and_refuses_a_name_twice(tmp_path):
    fmt = Format(
        name="test-format", label="Test", sniff=lambda p: p.suffix == ".never", load=registry.load
    )
    try:
        assert registry.register(fmt) is fmt
        assert registry.register(fmt) is fmt  # the same format again is harmless
        with pytest.raises(ValueError, match="already registered"):
            registry.register(
                Format(name="test-format", label="Other", sniff=fmt.sniff, load=fmt.load)
            )
    finally:
        registry.FORMATS.pop("test-format", None)
