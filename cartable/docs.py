"""Regenerate the reference pages in docs/ from the code (`make docs`):
docs/settings.md from the settings' declarations, docs/cli.md from the commands' --help."""

from __future__ import annotations

import io
import os
from contextlib import redirect_stdout
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
COMMANDS = (
    "user",
    "enrol",
    "import",
    "import-questions",
    "reindex",
    "close-attempts",
    "establishment",
    "institution",
    "audit",
    "exchange",
    "records",
    "demo",
    "serve",
    "worker",
)


def settings_page() -> str:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cartable.settings")
    django.setup()
    from cartable.lib import env

    return env.render_markdown()


def cli_page() -> str:
    os.environ["COLUMNS"] = "100"  # the same page on every terminal
    from django.core.management import get_commands, load_command_class

    commands = get_commands()
    parts = [
        "# Command line",
        "",
        "`cartable <command>` works like Django's `manage.py <command>`; every Django command",
        "is there too. On an empty or out-of-date data folder, any command first creates and",
        "migrates it. Messages follow the shell's language (`LANG`, `LANGUAGE`): French or English.",
        "This page is generated from the commands' `--help` (`make docs`); a test keeps it in step.",
    ]
    for name in COMMANDS:
        command = load_command_class(commands[name], name)
        parser = command.create_parser("cartable", name)
        subs = [
            action for action in parser._actions if action.__class__.__name__ == "_SubParsersAction"
        ]
        parts += ["", f"## cartable {name}", "", "```", _help(parser), "```"]
        for sub in subs:
            for sub_name, sub_parser in sub.choices.items():  # type: ignore[union-attr]
                parts += [
                    "",
                    f"### cartable {name} {sub_name}",
                    "",
                    "```",
                    _help(sub_parser),
                    "```",
                ]
    return "\n".join(parts) + "\n"


# Options every Django command has; the Django documentation describes them.
DJANGO_COMMON = {
    "--version",
    "--verbosity",
    "--settings",
    "--pythonpath",
    "--traceback",
    "--no-color",
    "--force-color",
    "--skip-checks",
}


def _help(parser: Any) -> str:
    for action in list(parser._actions):
        if DJANGO_COMMON & set(action.option_strings):
            parser._remove_action(action)
            for group in parser._action_groups:
                if action in group._group_actions:
                    group._group_actions.remove(action)
    buffer = io.StringIO()
    with redirect_stdout(buffer):
        parser.print_help()
    return "\n".join(line.rstrip() for line in buffer.getvalue().strip().splitlines())


def main() -> None:
    (ROOT / "docs/settings.md").write_text(settings_page(), encoding="utf-8")
    (ROOT / "docs/cli.md").write_text(cli_page(), encoding="utf-8")


if __name__ == "__main__":
    main()
