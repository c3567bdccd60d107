"""The kind registry knows every kind the catalog stores, and reads every kind's data, as the
importer stored it, back into the importer's typed classes."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.management import call_command

from cartable.catalog.kinds import KINDS, kind_of
from cartable.catalog.models import Activity

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "mbz"


def test_it_registers_exactly_the_kinds_the_catalog_knows() -> None:
    assert set(KINDS) == set(Activity.Kind.values)
    for name, kind in KINDS.items():
        assert kind.label == str(Activity.Kind(name).label)


def test_it_treats_an_unknown_kind_as_a_page() -> None:
    assert kind_of("studentquiz").name == "page"


@pytest.mark.django_db
@pytest.mark.parametrize("path", sorted(FIXTURES.glob("*.mbz")), ids=lambda p: p.name)
def test_it_reads_back_the_data_of_every_imported_activity(path: Path) -> None:
    call_command("import", str(path), stdout=io.StringIO())
    for activity in Activity.objects.all():
        kind = kind_of(activity.kind)
        data = kind.read(activity.data)
        if kind.data is None:
            assert data is None and activity.data == {}
        else:
            assert isinstance(data, kind.data), (activity.kind, activity.title)
            assert activity.estimated_minutes == kind.estimate(
                intro=activity.intro, content=activity.content, data=data
            )
