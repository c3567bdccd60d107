"""Personas and helpers shared by the tests.

The personas: a learner and another learner (same establishment), a teacher, a staff member and
an administrator; an outsider establishment with its own staff and learner; a published course
the learner and teacher are enrolled in, and another course nobody here is enrolled in.
"""

from __future__ import annotations

import io
import itertools
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.test import Client
from django.test.utils import override_settings
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

from cartable.accounts.models import Cohort, Establishment, Institution, Role, User
from cartable.catalog import blobs
from cartable.catalog.models import Activity, Course, Enrolment, Section

# Property tests (hypothesis) judge what a function gives, never how fast: its timing checks
# (a 200 ms deadline per example, "input generation is slow") failed a test on a clean clone
# when the machine stalled a worker for a second beside the other passes. Derandomised, each run
# draws the same examples, so a run's result depends on the code alone.
hypothesis_settings.register_profile(
    "suite",
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    derandomize=True,
)
hypothesis_settings.load_profile("suite")

# Fixtures of tests with both sides of an exchange: sides, stick, peers.
pytest_plugins = ["tests.exchangesides"]

PASSWORD = "correct-horse-battery"

# The fixtures through which a test reaches the test database.
DATABASE_FIXTURES = frozenset({"db", "transactional_db", "live_server"})


def uses_no_database(item: pytest.Item) -> bool:
    return item.get_closest_marker("django_db") is None and not (
        DATABASE_FIXTURES & set(getattr(item, "fixturenames", ()))
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """A test that uses no database runs the same whichever database the run is given: the
    PostgreSQL pass of ``make test`` (CARTABLE_TEST_PASS=database) leaves it to the SQLite pass
    rather than run it twice. Pytest-django refuses database access to such a test, so one that
    starts using the database fails in the SQLite pass until it asks for it. Nor does it run a
    test marked ``sqlite_processes``: its database work is done by `cartable` processes on
    SQLite data folders of their own, whatever the run's database.

    The modules holding a test marked ``slow`` (real `cartable` processes, up to 45 seconds a
    test, about 60 % of the SQLite pass's test time) are queued first, each kept whole and in
    its order, and shared between the test processes: ``--dist worksteal`` hands each process
    one contiguous part of the queue, and an idle one steals from the end of another's. Queued
    last, they left one process busy for minutes after the other had finished; queued first but
    all in the first part, one process ran them all, more than half of the pass's work, and the
    other waited on it for the last minute. Now each part starts with its share of them and the
    quick tests fill in after."""
    if os.environ.get("CARTABLE_TEST_PASS") == "database":
        kept, left = [], []
        for item in items:
            (
                left
                if (uses_no_database(item) and not item.get_closest_marker("every_database"))
                or item.get_closest_marker("sqlite_processes")
                else kept
            ).append(item)
        if left:
            config.hook.pytest_deselected(items=left)
    else:
        kept = list(items)
    workers = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1"))  # set in each xdist worker
    items[:] = queued(kept, workers)


def queued(items: list[pytest.Item], workers: int) -> list[pytest.Item]:
    """``items`` in the order that gives each of ``workers`` processes, as xdist's work
    stealing first splits the queue (into contiguous parts, the first ``len // workers`` long,
    and so on), a part that starts with its share of the slow modules (dealt in turn, each
    module whole), then quick tests."""
    slow_modules = {item.module for item in items if item.get_closest_marker("slow")}
    modules: dict[object, list[pytest.Item]] = {}
    quick: list[pytest.Item] = []
    for item in items:
        if item.module in slow_modules:
            modules.setdefault(item.module, []).append(item)
        else:
            quick.append(item)
    shares: list[list[pytest.Item]] = [[] for _ in range(max(workers, 1))]
    for index, module_items in enumerate(modules.values()):
        shares[index % len(shares)].extend(module_items)
    ordered: list[pytest.Item] = []
    remaining = len(items)
    for index, share in enumerate(shares):
        size = remaining // (len(shares) - index)  # xdist's own split of what is left
        fill = max(size - len(share), 0)
        ordered += share + quick[:fill]
        del quick[:fill]
        remaining -= len(share) + fill
    return ordered + quick


@pytest.fixture(autouse=True, scope="session")
def _test_settings() -> Iterator[None]:
    # Static files are served from the source folders (no collectstatic in tests), and a fast
    # hasher stands in for Argon2 except where a test checks Argon2 itself.
    with override_settings(
        STORAGES={
            "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        },
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
        # Tests run queued jobs themselves (a spawned worker would not see the test database).
        WORKER_ON_DEMAND=False,
    ):
        yield


@pytest.fixture(autouse=True, scope="session")
def _migrated_once(django_db_blocker) -> Iterator[None]:
    """Each test process's test database is a copy of one migrated once (tests/migrateddb.py)."""
    from django.db import connection
    from django.db.backends.base.creation import BaseDatabaseCreation

    from tests import migrateddb

    base_name = connection.settings_dict["NAME"]
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(
            BaseDatabaseCreation,
            "create_test_db",
            migrateddb.patched(BaseDatabaseCreation.create_test_db),
        )
        yield
    if connection.vendor == "postgresql":
        with django_db_blocker.unblock():
            migrateddb.drop_template(connection.creation, base_name)


@pytest.fixture(autouse=True, scope="session")
def _flush_by_delete() -> Iterator[None]:
    """After a test that commits (``transactional_db``, ``live_server``), Django empties every
    table; on PostgreSQL with one TRUNCATE of all of them, which makes new files for each table
    and index: 0.4 s a test, for tables holding a few rows. DELETE FROM each table, as Django
    does on SQLite, leaves the same empty tables (sequences are not reset either way; the
    foreign keys are deferred to the commit) in a few milliseconds."""
    from django.db.backends.postgresql.operations import DatabaseOperations

    truncate = DatabaseOperations.sql_flush

    def sql_flush(
        self: DatabaseOperations,
        style: object,
        tables: list[str],
        *,
        reset_sequences: bool = False,
        allow_cascade: bool = False,
    ) -> list[str]:
        if reset_sequences or allow_cascade or not tables:
            return truncate(
                self, style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade
            )
        # The names of Django's own tables, quoted.
        return ["; ".join(f"DELETE FROM {self.quote_name(table)}" for table in tables)]  # noqa: S608

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(DatabaseOperations, "sql_flush", sql_flush)
        yield


@pytest.fixture(autouse=True)
def _fresh_clock_references() -> None:
    """The clock warning's references are kept a minute in each process: each test starts
    without those of the test before (another database state), so a staff page's first request
    always reads them and the next ones never do, whatever ran before in this worker."""
    from cartable.access import clock
    from cartable.learning import kept

    clock.forget()
    # Nor the pages kept per reader (learning/kept.py) for another database's rows: a kept
    # page is the page by construction, but a test reading ``response.context`` needs the
    # page rendered.
    kept.PAGES.clear()


_homes = itertools.count()


@pytest.fixture(scope="session")
def _homes_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("homes")


@pytest.fixture(autouse=True)
def home(settings, _homes_folder: Path) -> Path:
    """A data folder of the test's own (the audit key and head file, uploads, and the content
    store, as on a box: the database is rolled back after each test, the files must be fresh
    too), beside the test's tmp_path rather than in it: some tests check what they leave
    there. Numbered here rather than by pytest's ``mktemp``, which lists its whole base folder
    to number each new one (thousands of entries by the end of a pass), and only made, not a
    second folder (``tmp_path``) for the content store."""
    folder = _homes_folder / str(next(_homes))
    folder.mkdir()
    settings.HOME = folder
    settings.TMP_ROOT = folder / "tmp"
    settings.FILE_UPLOAD_TEMP_DIR = str(settings.TMP_ROOT)
    settings.CONTENT_ROOT = folder / "content"
    return folder


def make_user(
    username: str, role: Role, establishment: Establishment | None, **extra: object
) -> User:
    user = User(username=username, role=role, establishment=establishment, **extra)
    user.set_password(PASSWORD)
    user.save()
    return user


@pytest.fixture
def establishment(db: None) -> Establishment:
    return Establishment.objects.create(slug="maison-centrale", name="Maison centrale")


@pytest.fixture
def other_establishment(db: None) -> Establishment:
    return Establishment.objects.create(slug="campus-nord", name="Campus nord")


@pytest.fixture
def institution(db: None) -> Institution:
    return Institution.objects.create(slug="univ-lille", name="Université de Lille")


@pytest.fixture
def learner(establishment: Establishment) -> User:
    return make_user("lea", Role.LEARNER, establishment, first_name="Léa", last_name="Moreau")


@pytest.fixture
def other_learner(establishment: Establishment) -> User:
    return make_user("omar", Role.LEARNER, establishment, first_name="Omar", last_name="Haddad")


@pytest.fixture
def teacher(establishment: Establishment) -> User:
    return make_user("tess", Role.TEACHER, establishment, first_name="Tess", last_name="Roux")


@pytest.fixture
def staff(establishment: Establishment) -> User:
    return make_user("sam", Role.STAFF, establishment, first_name="Sam", last_name="Girard")


@pytest.fixture
def admin(establishment: Establishment) -> User:
    return make_user("ada", Role.ADMIN, establishment, first_name="Ada", last_name="Lefèvre")


@pytest.fixture
def outsider_learner(other_establishment: Establishment) -> User:
    return make_user("olga", Role.LEARNER, other_establishment, first_name="Olga")


@pytest.fixture
def outsider_staff(other_establishment: Establishment) -> User:
    return make_user("otto", Role.STAFF, other_establishment, first_name="Otto")


@pytest.fixture
def cohort(establishment: Establishment) -> Cohort:
    return Cohort.objects.create(establishment=establishment, name="DAEU A")


def build_course(
    institution: Institution,
    shortname: str,
    *,
    status: str = Course.Status.PUBLISHED,
    sections: int = 2,
    pages_per_section: int = 2,
) -> Course:
    course = Course.objects.create(
        institution=institution, shortname=shortname, title=f"Cours {shortname}", status=status
    )
    for number in range(sections):
        section = Section.objects.create(course=course, position=number, title=f"Partie {number}")
        for index in range(pages_per_section):
            Activity.objects.create(
                course=course,
                section=section,
                position=index,
                kind=Activity.Kind.PAGE,
                review_status=Activity.Review.APPROVED,
                title=f"Page {number}.{index} de {shortname}",
                content=f"<p>Texte de la page {number}.{index} de {shortname}.</p>",
            )
    return course


@pytest.fixture
def course(institution: Institution, learner: User, teacher: User) -> Course:
    course = build_course(institution, "HIST101")
    section = course.sections.get(position=0)
    Activity.objects.create(
        course=course,
        section=section,
        position=99,
        kind=Activity.Kind.RESOURCE,
        review_status=Activity.Review.APPROVED,
        title="Fiche",
        blob=blobs.add(io.BytesIO(b"%PDF-1.4 fiche")),
        filename="fiche.pdf",
        mimetype="application/pdf",
    )
    Enrolment.objects.create(user=learner, course=course, role=Enrolment.Role.LEARNER)
    Enrolment.objects.create(user=teacher, course=course, role=Enrolment.Role.TEACHER)
    return course


@pytest.fixture
def other_course(institution: Institution) -> Course:
    return build_course(institution, "SECRET202")


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client
