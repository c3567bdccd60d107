"""The scoring package is pure: importing it loads no Django (a fresh interpreter checks)."""

from __future__ import annotations

import subprocess
import sys


def test_it_imports_without_django() -> None:
    code = (
        "import sys, cartable.assessment.scoring as s, cartable.assessment.scoring.quiz, "
        "cartable.assessment.scoring.draw; "
        "print(sorted(m for m in sys.modules if m == 'django' or m.startswith('django.')))"
    )
    found = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert found.stdout.strip() == "[]"
