"""The base of Cartable's own management commands: messages in the operator's language."""

from __future__ import annotations

import os
from typing import Any, Literal

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import translation


def operator_language() -> str:
    """The language of the shell, as gettext reads it (LANGUAGE, LC_ALL, LC_MESSAGES, LANG);
    the box's default (French) when the shell names none Cartable speaks."""
    available = {code for code, _name in settings.LANGUAGES}
    for variable in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        for part in os.environ.get(variable, "").split(":"):
            code = part[:2].lower()
            if code in available:
                return code
    return str(settings.LANGUAGE_CODE)


class CartableCommand(BaseCommand):
    leave_locale_alone = True
    # No system checks but where a command says so (``cartable serve``; Django's own, such as
    # ``cartable check``, keep theirs): they import the whole URL configuration and every view
    # module, 0.2 s of a command's 0.8 s start on a PC, which a job, an exchange or an import
    # never uses. Staff pages, the exchange and the background jobs start these commands
    # often; the configuration they run on is the server's, checked when it starts.
    requires_system_checks: list[str] | tuple[str, ...] | Literal["__all__"] = []

    def execute(self, *args: Any, **options: Any) -> Any:
        with translation.override(operator_language()):
            return super().execute(*args, **options)
