"""Enrolment codes and device credentials: made with ``secrets``, kept only as SHA-256.

An enrolment code is typed by hand on a tablet: 8 characters from an alphabet without the
look-alikes (0/O, 1/I/L), shown as ``ABCD-EFGH``; spaces, dashes and case do not matter. With
31⁸ (8.5 × 10¹¹) codes, a code that expires after CODE_MINUTES and addresses that may try only
MAX_FAILURES wrong codes in FAILURE_WINDOW_MINUTES, guessing is hopeless.

A device credential is 32 random bytes in a long-lived cookie (HttpOnly, SameSite=Strict,
Secure when the box is reached over HTTPS). Both are looked up by their hash, which an
attacker cannot steer, and compared again in constant time.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from django.http import HttpRequest, HttpResponse

ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 8
CODE_MINUTES = 15
MAX_FAILURES = 10
FAILURE_WINDOW_MINUTES = 15

COOKIE = "cartable_device"
COOKIE_MAX_AGE = 10 * 365 * 24 * 3600  # ten years: a device stays enrolled until revoked


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def same(stored: str | None, computed: str) -> bool:
    return stored is not None and hmac.compare_digest(stored.encode(), computed.encode())


def new_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def shown(code: str) -> str:
    """The code as staff read it: two groups of four."""
    return f"{code[:4]}-{code[4:]}"


def normalise(typed: str) -> str | None:
    """What someone typed, as a code (None when it cannot be one)."""
    code = "".join(typed.split()).replace("-", "").upper()
    if len(code) != CODE_LENGTH or any(char not in ALPHABET for char in code):
        return None
    return code


def new_secret() -> str:
    return secrets.token_urlsafe(32)


def from_request(request: HttpRequest) -> str:
    """The hash of the credential this request's device carries, or "" when none."""
    value = request.COOKIES.get(COOKIE, "")
    if not value or len(value) > 100:
        return ""
    return digest(value)


def give(response: HttpResponse, request: HttpRequest, secret: str) -> None:
    response.set_cookie(
        COOKIE,
        secret,
        max_age=COOKIE_MAX_AGE,
        httponly=True,
        secure=request.is_secure(),
        samesite="Strict",
    )
