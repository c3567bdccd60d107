"""Layers import downward only: each app of the project imports apps of lower layers, never of
its own or a higher one (no cycles), and the pure layers never import Django."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "cartable"

# Lowest first. An app may import the apps of lower layers only. The project package's own
# modules (settings, wsgi, urls, the command base…) form the base layer: Django finds the apps'
# URLs through strings, not imports.
LAYERS: list[set[str]] = [
    {"lib"},  # pure helpers: archives, XML, HTML, URLs, hashing, file types
    {"importers"},  # pure: archive in, typed course model out
    {"<package>"},  # settings, wsgi, the management command base
    {"sqlite"},  # the SQLite backend (writers queued by a file lock)
    {"audit"},  # the sealed log, written by everyone
    {"accounts"},  # people, roles, sign-in, access decorators
    {"access"},  # access hours, open sessions, the box's clock
    {"devices"},  # the devices register, enrolment, the device sign-in rule, loans
    {"jobs"},  # background work
    {"catalog"},  # courses, sections, activities, files; the activity kinds
    {"outbox"},  # what the box owes the university
    {"grades"},  # the gradebook's rows and how grades are recorded
    {"learning"},  # what learners do and see (their grades too), teachers' pages
    {"assessment", "assignments", "surveys"},  # quizzes, assignments, choices and surveys
    # (assessment/scoring: pure, no Django)
    {"messaging"},  # learners and their teachers write to each other (attachments checked as
    # assignments' files), moderated by staff
    {"search"},
    {"ingest"},  # archive -> staged rows -> live course or a waiting update
    {"exchange"},  # bundles to and from the university (exchange/wire: pure, no Django)
    # staff's pages (records: closing learners' accounts, portfolios, transfers)
    {"review", "reports", "people", "records"},
    {"demo"},
    {"web"},  # the box's own pages, middleware, `serve`
]
LAYER = {app: index for index, apps in enumerate(LAYERS) for app in apps}
PURE = ("lib", "importers", "assessment/scoring", "exchange/wire", "exchange/moodle")


def _app(path: Path) -> str:
    parts = path.relative_to(PACKAGE).parts
    return parts[0] if len(parts) > 1 else "<package>"


def _imports(path: Path) -> Iterator[str]:
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module
        elif isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)


def _sources() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if "static" not in p.parts)


def test_it_places_every_app_in_a_layer() -> None:
    apps = {_app(path) for path in _sources()}
    assert apps - set(LAYER) == set(), "add the new app to LAYERS"
    assert set(LAYER) - apps == set()


def test_every_import_goes_down_a_layer() -> None:
    wrong = []
    for path in _sources():
        app = _app(path)
        for module in _imports(path):
            if not module.startswith("cartable."):
                continue
            name = module.split(".")[1]
            target = name if (PACKAGE / name).is_dir() else "<package>"
            if target != app and LAYER[target] >= LAYER[app]:
                wrong.append(f"{path.relative_to(PACKAGE)} ({app}) imports {module} ({target})")
    assert wrong == []


@pytest.mark.parametrize("layer", PURE)
def test_the_pure_layers_never_import_django(layer: str) -> None:
    wrong = [
        f"{path.relative_to(PACKAGE)} imports {module}"
        for path in sorted((PACKAGE / layer).rglob("*.py"))
        for module in _imports(path)
        if module == "django" or module.startswith("django.")
    ]
    assert wrong == []
