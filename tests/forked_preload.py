"""What the server of tests/forked.py imports once, before it forks the box's processes: the
libraries every `cartable` command imports (Django's machinery, the box's cryptography and text
libraries) and the box's pure importers, none of which reads the settings or the environment.

A module that cannot be imported here fails the server's start (and so every test that needs
it), rather than being left out without a word, and so does one that configured the settings or
read a crash point (``cartable.lib.crash`` reads its environment when imported)."""

from __future__ import annotations

import importlib
import sys

MODULES = (
    "django.core.management",
    "django.core.serializers.json",
    "django.core.paginator",
    "django.core.validators",
    "django.db.models",
    "django.db.models.functions",
    "django.db.backends.sqlite3.base",
    "django.db.migrations.loader",
    "django.db.migrations.executor",
    "django.http",
    "django.urls",
    "django.shortcuts",
    "django.forms",
    "django.template.backends.django",
    "django.template.defaultfilters",
    "django.template.defaulttags",
    "django.template.loader",
    "django.templatetags.static",
    "django.middleware.csrf",
    "django.views.decorators.http",
    "django.contrib.auth.hashers",
    "django.contrib.staticfiles.finders",
    "django.utils.translation",
    "dj_database_url",
    "cryptography.hazmat.primitives.asymmetric.ed25519",
    "cryptography.hazmat.primitives.asymmetric.x25519",
    "cryptography.hazmat.primitives.ciphers.aead",
    "cryptography.hazmat.primitives.kdf.hkdf",
    "cryptography.hazmat.primitives.serialization",
    "markdown",
    "nh3",
    "ada_url",
    "sqlparse",
    "cartable.importers.moodle",
    "cartable.importers.questions",
    "tests.forked",
)

for name in MODULES:
    importlib.import_module(name)

from django.conf import settings  # noqa: E402

if settings.configured or "cartable.lib.crash" in sys.modules:
    raise RuntimeError(
        "the forked processes' server read the settings or a crash point while importing"
    )
