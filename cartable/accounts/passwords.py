"""Passwords the box generates for new accounts and resets.

Learners often have little keyboard practice and read their password from a printed sheet, so
generated passwords are lowercase syllables and digits without look-alike characters (no l/1,
no o/0 mix-ups): e.g. ``bakimutove47``. Five syllables and two digits give about 36 bits
from a CSPRNG, ample against on-line guessing with lockout and costly off-line with Argon2.
"""

from __future__ import annotations

import secrets

CONSONANTS = "bdfghjkmnprstvz"
VOWELS = "aeiu"
DIGITS = "23456789"
SYLLABLES = 5


def generate() -> str:
    syllables = "".join(
        secrets.choice(CONSONANTS) + secrets.choice(VOWELS) for _ in range(SYLLABLES)
    )
    return syllables + secrets.choice(DIGITS) + secrets.choice(DIGITS)
