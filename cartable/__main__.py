"""The ``cartable`` command: Django's management commands, on a data folder made ready first.

``cartable <command>`` works like ``manage.py <command>``. Any command run on an empty or
out-of-date data folder first creates and migrates it, so a new box needs no set-up step.
"""

from __future__ import annotations

import fcntl
import os
import sys
from pathlib import Path

# Commands that must run without touching the database.
NO_DATABASE = {
    "help",
    "--help",
    "-h",
    "version",
    "--version",
    "makemigrations",
    "makemessages",
    "compilemessages",
    "check",
    "collectstatic",
    "findstatic",
}


def _all_applied() -> bool:
    """Whether the database records every migration on disk as applied, read from the names of
    the migration files and the ``django_migrations`` table: loading the migration graph (every
    migration module imported) costs 60 ms, at each command's start. False when in doubt (no
    such table yet, a migrations module that is not a folder): the graph then decides."""
    import importlib
    import pkgutil

    from django.apps import apps
    from django.db import connection
    from django.db.migrations.loader import MigrationLoader
    from django.db.migrations.recorder import MigrationRecorder

    on_disk: set[tuple[str, str]] = set()
    for app in apps.get_app_configs():
        module_name, explicit = MigrationLoader.migrations_module(app.label)
        if module_name is None:
            continue
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as error:
            if not explicit and "migrations" in (error.name or "").split("."):
                continue  # an app without migrations, as the loader sees it
            return False
        if not hasattr(module, "__path__"):
            return False
        on_disk.update(
            (app.label, name)
            for _finder, name, is_package in pkgutil.iter_modules(module.__path__)
            if not is_package and name[0] not in "_~"  # the loader's own rule
        )
    recorder = MigrationRecorder(connection)
    return recorder.has_table() and on_disk <= set(recorder.applied_migrations())


def prepare_database(verbosity: int = 1) -> None:
    """Apply any missing migration, once, even when several commands start together."""
    if _all_applied():
        return
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    lock_path = Path(settings.HOME) / ".migrate.lock"
    with lock_path.open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        executor = MigrationExecutor(connection)
        targets = executor.loader.graph.leaf_nodes()
        if executor.migration_plan(targets):
            if verbosity:
                from django.utils import translation
                from django.utils.translation import gettext as _

                from cartable.commands import operator_language

                with translation.override(operator_language()):
                    message = _("Preparing the data folder %(path)s …") % {"path": settings.HOME}
                print(message, file=sys.stderr)
            call_command("migrate", interactive=False, verbosity=0)


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cartable.settings")
    args = list(sys.argv[1:] if argv is None else argv)

    import django
    from django.core.management import execute_from_command_line

    django.setup()
    if args and args[0] not in NO_DATABASE:
        prepare_database()
    execute_from_command_line(["cartable", *args])


if __name__ == "__main__":
    main()
