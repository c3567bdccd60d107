"""Who may open which page: every route of the URL configuration, tried by every persona, on
objects of their own and of someone else, with GET and POST.

``EXPECTED`` below is the matrix: route -> object variant -> method -> persona -> outcome. An
outcome is a status code, ``LOGIN`` (a redirect to the sign-in page) or ``REDIRECT`` (any other
redirect). ``"POST": AS_GET`` means the view ignores the method. A known bug is written
``Bug(what it should be, why)``: that cell runs as a strict xfail, so the suite stays green, the
bug stays visible, and fixing it turns the cell red until the table says so.

The routes come from the URL configuration itself: a route missing from the table (a new page)
or a table entry without a route fails ``test_it_covers_every_route``. ``TARGETS``
(tests/authorization.py) says which objects fill each variant's URL and what a POST sends; the
objects (the personas of tests/conftest.py, three courses, study-plan items, jobs) are built
once for the module and every test runs in its own savepoint, rolled back after it.

Variant names speak for ``learner`` (and ``teacher``, who teaches the same course): ``own`` is
their published course, ``others`` a published course of ``other_learner`` only, ``unpublished``
a course pending review they are both enrolled in; ``mismatched`` puts an object of ``others``
under the address of ``own``; in ``own``, ``restricted`` is an activity (or its file) whose
access rule is not met yet, ``section_rule`` one open by its own rule in a section whose rule is
not met yet. For accounts, the variant names whose account it is.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.db import connection, transaction
from django.test import Client
from django.test.utils import override_settings
from django.urls import reverse

from cartable.accounts.models import User
from tests.authorization import (
    DENIED,
    LOGIN,
    NO_ARGS,
    REDIRECT,
    TARGETS,
    Outcome,
    World,
    build_world,
    is_refusal,
    matches,
    outcome_of,
    project_routes,
    snapshot,
)

PERSONAS = ("anonymous", "learner", "other_learner", "teacher", "staff", "admin", "outsider_staff")
METHODS = ("GET", "POST")
AS_GET = "as GET"  # POST gives what GET gives: the view does not look at the method


@dataclass(frozen=True)
class Bug:
    """A cell that is wrong today: ``expected`` is what it should be."""

    expected: Outcome
    reason: str


Cell = Outcome | Bug


def everyone(outcome: Cell) -> dict[str, Cell]:
    return dict.fromkeys(PERSONAS, outcome)


def everyone_but_anonymous(outcome: Cell) -> dict[str, Cell]:
    return {**everyone(outcome), "anonymous": LOGIN}


def only(persona: str, outcome: Cell) -> dict[str, Cell]:
    """``persona`` gets ``outcome``; every other signed-in persona a 404."""
    return {**everyone_but_anonymous(404), persona: outcome}


def devices_staff(staff: Cell, outsider: Cell, admin: Cell | None = None) -> dict[str, Cell]:
    """A staff page of the devices: learners and teachers get 403, staff of the establishment
    ``staff``, administrators ``admin`` (as staff unless given), another establishment's
    staff ``outsider``."""
    return {
        **everyone_but_anonymous(403),
        "staff": staff,
        "admin": staff if admin is None else admin,
        "outsider_staff": outsider,
    }


def admins_only(admin: Cell) -> dict[str, Cell]:
    """The exchange's pages: administrators ``admin``; everyone else signed in 403 (staff of
    an establishment too: the exchange is the whole box's)."""
    return {**everyone_but_anonymous(403), "admin": admin}


# fmt: off
EXPECTED: dict[str, dict[str, dict[str, dict[str, Cell] | str]]] = {
    # --- web ----------------------------------------------------------------------------------
    "web:home": {
        NO_ARGS: {
            "GET": {"anonymous": LOGIN, "learner": 200, "other_learner": 200, "teacher": 200, "staff": REDIRECT, "admin": REDIRECT, "outsider_staff": REDIRECT},
            "POST": AS_GET,
        },
    },
    "web:language": {
        NO_ARGS: {"GET": everyone(405), "POST": everyone(REDIRECT)},
    },
    "web:health": {
        # The server's health check answers everyone and changes nothing.
        NO_ARGS: {"GET": everyone(200), "POST": everyone(405)},
    },
    # --- messaging: learners and their teachers; staff moderate ------------------------------
    # A learner writes to the teachers of their courses, a teacher to their learners; staff
    # have no inbox (they moderate). POST as other_learner names a teacher who is not theirs,
    # as teacher themselves: refused (400).
    "messaging:inbox": {
        NO_ARGS: {
            "GET": {"anonymous": LOGIN, "learner": 200, "other_learner": 200, "teacher": 200, "staff": 403, "admin": 403, "outsider_staff": 403},
            "POST": AS_GET,
        },
    },
    "messaging:sent": {
        NO_ARGS: {
            "GET": {"anonymous": LOGIN, "learner": 200, "other_learner": 200, "teacher": 200, "staff": 403, "admin": 403, "outsider_staff": 403},
            "POST": AS_GET,
        },
    },
    "messaging:write": {
        NO_ARGS: {
            "GET": {"anonymous": LOGIN, "learner": 200, "other_learner": 200, "teacher": 200, "staff": 403, "admin": 403, "outsider_staff": 403},
            "POST": {"anonymous": LOGIN, "learner": REDIRECT, "other_learner": 400, "teacher": 400, "staff": 403, "admin": 403, "outsider_staff": 403},
        },
    },
    "messaging:thread": {
        # learner and teacher's conversation: theirs alone.
        "own": {
            "GET": {"anonymous": LOGIN, "learner": 200, "other_learner": 404, "teacher": 200, "staff": 403, "admin": 403, "outsider_staff": 403},
            "POST": {"anonymous": LOGIN, "learner": REDIRECT, "other_learner": 404, "teacher": REDIRECT, "staff": 403, "admin": 403, "outsider_staff": 403},
        },
        # other_learner's message to teacher, waiting for approval: its author reads it (and,
        # no longer sharing a course with teacher, may not write more); teacher not yet.
        "waiting": {
            "GET": {"anonymous": LOGIN, "learner": 404, "other_learner": 200, "teacher": 404, "staff": 403, "admin": 403, "outsider_staff": 403},
            "POST": {"anonymous": LOGIN, "learner": 404, "other_learner": 404, "teacher": 404, "staff": 403, "admin": 403, "outsider_staff": 403},
        },
    },
    # A message's file: its author, its recipient once delivered, the staff who moderate it.
    "messaging:attachment": {
        "delivered": {
            "GET": {"anonymous": LOGIN, "learner": 200, "other_learner": 404, "teacher": 200, "staff": 404, "admin": 404, "outsider_staff": 404},
            "POST": {"anonymous": LOGIN, "learner": 405, "other_learner": 405, "teacher": 405, "staff": 405, "admin": 405, "outsider_staff": 405},
        },
        "waiting": {
            "GET": {"anonymous": LOGIN, "learner": 404, "other_learner": 200, "teacher": 404, "staff": 200, "admin": 200, "outsider_staff": 404},
            "POST": {"anonymous": LOGIN, "learner": 405, "other_learner": 405, "teacher": 405, "staff": 405, "admin": 405, "outsider_staff": 405},
        },
    },
    "messaging:queue": {
        NO_ARGS: {
            "GET": {"anonymous": LOGIN, "learner": 403, "other_learner": 403, "teacher": 403, "staff": 200, "admin": 200, "outsider_staff": 200},
            "POST": AS_GET,
        },
    },
    "messaging:decide": {
        # The staff of the learner's establishment (administrators everywhere).
        "waiting": {
            "GET": {"anonymous": LOGIN, "learner": 403, "other_learner": 403, "teacher": 403, "staff": 200, "admin": 200, "outsider_staff": 404},
            "POST": {"anonymous": LOGIN, "learner": 403, "other_learner": 403, "teacher": 403, "staff": REDIRECT, "admin": REDIRECT, "outsider_staff": 404},
        },
        # Delivered without moderation: never for staff to read.
        "delivered": {
            "GET": {"anonymous": LOGIN, "learner": 403, "other_learner": 403, "teacher": 403, "staff": 404, "admin": 404, "outsider_staff": 404},
            "POST": {"anonymous": LOGIN, "learner": 403, "other_learner": 403, "teacher": 403, "staff": 404, "admin": 404, "outsider_staff": 404},
        },
    },
    "messaging:policy": {
        # Each staff member sets the rule of their own establishment.
        NO_ARGS: {
            "GET": {"anonymous": LOGIN, "learner": 403, "other_learner": 403, "teacher": 403, "staff": 200, "admin": 200, "outsider_staff": 200},
            "POST": {"anonymous": LOGIN, "learner": 403, "other_learner": 403, "teacher": 403, "staff": REDIRECT, "admin": REDIRECT, "outsider_staff": REDIRECT},
        },
    },
    # --- accounts: signing in and out ---------------------------------------------------------
    "accounts:login": {
        NO_ARGS: {
            "GET": {"anonymous": 200, "learner": REDIRECT, "other_learner": REDIRECT, "teacher": REDIRECT, "staff": REDIRECT, "admin": REDIRECT, "outsider_staff": REDIRECT},
            "POST": everyone(REDIRECT),
        },
    },
    "accounts:logout": {
        # Signing out leads to the sign-in page.
        NO_ARGS: {"GET": everyone(405), "POST": everyone(LOGIN)},
    },
    "accounts:password_change": {
        NO_ARGS: {
            "GET": {"anonymous": LOGIN, "learner": 200, "other_learner": 200, "teacher": 200, "staff": 200, "admin": 200, "outsider_staff": 200},
            "POST": {"anonymous": LOGIN, "learner": REDIRECT, "other_learner": REDIRECT, "teacher": REDIRECT, "staff": REDIRECT, "admin": REDIRECT, "outsider_staff": REDIRECT},
        },
    },
    # --- accounts: staff pages ----------------------------------------------------------------
    "accounts:list": {
        NO_ARGS: {
            "GET": {"anonymous": LOGIN, "learner": 403, "other_learner": 403, "teacher": 403, "staff": 200, "admin": 200, "outsider_staff": 200},
            "POST": AS_GET,
        },
    },
    "accounts:new": {
        NO_ARGS: {
            "GET": {"anonymous": LOGIN, "learner": 403, "other_learner": 403, "teacher": 403, "staff": 200, "admin": 200, "outsider_staff": 200},
            # 200: the credentials sheet of the new account.
            "POST": {"anonymous": LOGIN, "learner": 403, "other_learner": 403, "teacher": 403, "staff": 200, "admin": 200, "outsider_staff": 200},
        },
    },
    "accounts:import": {
        NO_ARGS: {
            "GET": {"anonymous": LOGIN, "learner": 403, "other_learner": 403, "teacher": 403, "staff": 200, "admin": 200, "outsider_staff": 200},
            "POST": {"anonymous": LOGIN, "learner": 403, "other_learner": 403, "teacher": 403, "staff": 200, "admin": 200, "outsider_staff": 200},
        },
    },
    "accounts:groups": {
        NO_ARGS: {
            "GET": {"anonymous": LOGIN, "learner": 403, "other_learner": 403, "teacher": 403, "staff": 200, "admin": 200, "outsider_staff": 200},
            "POST": {"anonymous": LOGIN, "learner": 403, "other_learner": 403, "teacher": 403, "staff": REDIRECT, "admin": REDIRECT, "outsider_staff": REDIRECT},
        },
    },
    # New passwords for a whole group: staff of its establishment (the sheet is the answer).
    "accounts:group_passwords": {
        "own": {
            "GET": {"anonymous": LOGIN, "learner": 403, "other_learner": 403, "teacher": 403, "staff": 200, "admin": 200, "outsider_staff": 404},
            "POST": {"anonymous": LOGIN, "learner": 403, "other_learner": 403, "teacher": 403, "staff": 200, "admin": 200, "outsider_staff": 404},
        },
        "empty": {
            "GET": {"anonymous": LOGIN, "learner": 403, "other_learner": 403, "teacher": 403, "staff": 200, "admin": 200, "outsider_staff": 404},
            "POST": {"anonymous": LOGIN, "learner": 403, "other_learner": 403, "teacher": 403, "staff": 400, "admin": 400, "outsider_staff": 404},
        },
    },
    # Establishments and institutions: administrators only.
    "accounts:establishments": {
        NO_ARGS: {
            "GET": {"anonymous": LOGIN, "learner": 403, "other_learner": 403, "teacher": 403, "staff": 403, "admin": 200, "outsider_staff": 403},
            "POST": {"anonymous": LOGIN, "learner": 403, "other_learner": 403, "teacher": 403, "staff": 403, "admin": REDIRECT, "outsider_staff": 403},
        },
    },
    "accounts:establishment_edit": {
        "own": {
            "GET": {"anonymous": LOGIN, "learner": 403, "other_learner": 403, "teacher": 403, "staff": 403, "admin": 200, "outsider_staff": 403},
            "POST": {"anonymous": LOGIN, "learner": 403, "other_learner": 403, "teacher": 403, "staff": 403, "admin": REDIRECT, "outsider_staff": 403},
        },
    },
    "accounts:institutions": {
        NO_ARGS: {
            "GET": {"anonymous": LOGIN, "learner": 403, "other_learner": 403, "teacher": 403, "staff": 403, "admin": 200, "outsider_staff": 403},
            "POST": {"anonymous": LOGIN, "learner": 403, "other_learner": 403, "teacher": 403, "staff": 403, "admin": REDIRECT, "outsider_staff": 403},
        },
    },
    "accounts:institution_edit": {
        "own": {
            "GET": {"anonymous": LOGIN, "learner": 403, "other_learner": 403, "teacher": 403, "staff": 403, "admin": 200, "outsider_staff": 403},
            "POST": {"anonymous": LOGIN, "learner": 403, "other_learner": 403, "teacher": 403, "staff": 403, "admin": REDIRECT, "outsider_staff": 403},
        },
    },
    "accounts:detail": {
        # Staff see the accounts of their establishment (admins' excepted); admins see all.
        "learner": {
            "GET": {"anonymous": LOGIN, "learner": 403, "other_learner": 403, "teacher": 403, "staff": 200, "admin": 200, "outsider_staff": 404},
            "POST": AS_GET,
        },
        "teacher": {
            "GET": {"anonymous": LOGIN, "learner": 403, "other_learner": 403, "teacher": 403, "staff": 200, "admin": 200, "outsider_staff": 404},
            "POST": AS_GET,
        },
        "staff": {
            "GET": {"anonymous": LOGIN, "learner": 403, "other_learner": 403, "teacher": 403, "staff": 200, "admin": 200, "outsider_staff": 404},
            "POST": AS_GET,
        },
        "admin": {
            "GET": {"anonymous": LOGIN, "learner": 403, "other_learner": 403, "teacher": 403, "staff": 404, "admin": 200, "outsider_staff": 404},
            "POST": AS_GET,
        },
        "outsider_learner": {
            "GET": {"anonymous": LOGIN, "learner": 403, "other_learner": 403, "teacher": 403, "staff": 404, "admin": 200, "outsider_staff": 200},
            "POST": AS_GET,
        },
    },
    # Staff manage the learners and teachers of their establishment; admins manage everyone.
    "accounts:reset_password": {
        "learner": {
            "GET": everyone(405),
            "POST": {"anonymous": LOGIN, "learner": 403, "other_learner": 403, "teacher": 403, "staff": 200, "admin": 200, "outsider_staff": 404},
        },
        "teacher": {
            "GET": everyone(405),
            "POST": {"anonymous": LOGIN, "learner": 403, "other_learner": 403, "teacher": 403, "staff": 200, "admin": 200, "outsider_staff": 404},
        },
        "staff": {
            "GET": everyone(405),
            "POST": {"anonymous": LOGIN, "learner": 403, "other_learner": 403, "teacher": 403, "staff": 404, "admin": 200, "outsider_staff": 404},
        },
        "admin": {
            "GET": everyone(405),
            "POST": {"anonymous": LOGIN, "learner": 403, "other_learner": 403, "teacher": 403, "staff": 404, "admin": 200, "outsider_staff": 404},
        },
        "outsider_learner": {
            "GET": everyone(405),
            "POST": {"anonymous": LOGIN, "learner": 403, "other_learner": 403, "teacher": 403, "staff": 404, "admin": 200, "outsider_staff": 200},
        },
    },
    # Unlocking after wrong passwords: whom staff manage (an account not locked: a message).
    "accounts:unlock": {
        "learner": {
            "GET": everyone(405),
            "POST": {"anonymous": LOGIN, "learner": 403, "other_learner": 403, "teacher": 403, "staff": REDIRECT, "admin": REDIRECT, "outsider_staff": 404},
        },
        "teacher": {
            "GET": everyone(405),
            "POST": {"anonymous": LOGIN, "learner": 403, "other_learner": 403, "teacher": 403, "staff": REDIRECT, "admin": REDIRECT, "outsider_staff": 404},
        },
        "staff": {
            "GET": everyone(405),
            "POST": {"anonymous": LOGIN, "learner": 403, "other_learner": 403, "teacher": 403, "staff": 404, "admin": REDIRECT, "outsider_staff": 404},
        },
        "admin": {
            "GET": everyone(405),
            "POST": {"anonymous": LOGIN, "learner": 403, "other_learner": 403, "teacher": 403, "staff": 404, "admin": REDIRECT, "outsider_staff": 404},
        },
        "outsider_learner": {
            "GET": everyone(405),
            "POST": {"anonymous": LOGIN, "learner": 403, "other_learner": 403, "teacher": 403, "staff": 404, "admin": REDIRECT, "outsider_staff": REDIRECT},
        },
    },
    "accounts:set_active": {
        "learner": {
            "GET": everyone(405),
            "POST": {"anonymous": LOGIN, "learner": 403, "other_learner": 403, "teacher": 403, "staff": REDIRECT, "admin": REDIRECT, "outsider_staff": 404},
        },
        "staff": {
            "GET": everyone(405),
            "POST": {"anonymous": LOGIN, "learner": 403, "other_learner": 403, "teacher": 403, "staff": 404, "admin": REDIRECT, "outsider_staff": 404},
        },
        "admin": {
            # An administrator may not deactivate themselves: a message, and back to the page.
            "GET": everyone(405),
            "POST": {"anonymous": LOGIN, "learner": 403, "other_learner": 403, "teacher": 403, "staff": 404, "admin": REDIRECT, "outsider_staff": 404},
        },
        "outsider_learner": {
            "GET": everyone(405),
            "POST": {"anonymous": LOGIN, "learner": 403, "other_learner": 403, "teacher": 403, "staff": 404, "admin": REDIRECT, "outsider_staff": REDIRECT},
        },
    },
    "accounts:set_groups": {
        "learner": {
            "GET": everyone(405),
            "POST": {"anonymous": LOGIN, "learner": 403, "other_learner": 403, "teacher": 403, "staff": REDIRECT, "admin": REDIRECT, "outsider_staff": 404},
        },
        "outsider_learner": {
            "GET": everyone(405),
            "POST": {"anonymous": LOGIN, "learner": 403, "other_learner": 403, "teacher": 403, "staff": 404, "admin": REDIRECT, "outsider_staff": REDIRECT},
        },
    },
    "accounts:enrol": {
        "learner": {
            "GET": everyone(405),
            "POST": {"anonymous": LOGIN, "learner": 403, "other_learner": 403, "teacher": 403, "staff": REDIRECT, "admin": REDIRECT, "outsider_staff": 404},
        },
        "outsider_learner": {
            "GET": everyone(405),
            "POST": {"anonymous": LOGIN, "learner": 403, "other_learner": 403, "teacher": 403, "staff": 404, "admin": REDIRECT, "outsider_staff": REDIRECT},
        },
    },
    "accounts:unenrol": {
        "learner": {
            "GET": everyone(405),
            "POST": {"anonymous": LOGIN, "learner": 403, "other_learner": 403, "teacher": 403, "staff": REDIRECT, "admin": REDIRECT, "outsider_staff": 404},
        },
        "outsider_learner": {
            "GET": everyone(405),
            "POST": {"anonymous": LOGIN, "learner": 403, "other_learner": 403, "teacher": 403, "staff": 404, "admin": REDIRECT, "outsider_staff": REDIRECT},
        },
    },
    # --- accounts: people at scale --------------------------------------------------------------
    # Bulk actions on ticked accounts: staff on their establishment's learners and teachers
    # only; any other account refuses the whole request (400, nothing changed).
    "accounts:bulk": {
        # Deactivating the learner (tests/test_bulk_accounts.py tries the other accounts).
        NO_ARGS: {
            "GET": everyone(405),
            "POST": {"anonymous": LOGIN, "learner": 403, "other_learner": 403, "teacher": 403, "staff": REDIRECT, "admin": REDIRECT, "outsider_staff": 400},
        },
    },
    # Enrolling a group (here the learner's) in a course: another establishment's staff are not
    # offered the group (400, nothing changed).
    "accounts:bulk_enrol": {
        NO_ARGS: {
            "GET": {"anonymous": LOGIN, "learner": 403, "other_learner": 403, "teacher": 403, "staff": 200, "admin": 200, "outsider_staff": 200},
            "POST": {"anonymous": LOGIN, "learner": 403, "other_learner": 403, "teacher": 403, "staff": REDIRECT, "admin": REDIRECT, "outsider_staff": 400},
        },
    },
    # A course's participants: its teachers and staff (their establishment's participants).
    "accounts:participants": {
        "own": {
            "GET": {"anonymous": LOGIN, "learner": 403, "other_learner": 404, "teacher": 200, "staff": 200, "admin": 200, "outsider_staff": 200},
            "POST": AS_GET,
        },
        "others": {
            "GET": {"anonymous": LOGIN, "learner": 404, "other_learner": 403, "teacher": 404, "staff": 200, "admin": 200, "outsider_staff": 200},
            "POST": AS_GET,
        },
        "unpublished": {
            "GET": {"anonymous": LOGIN, "learner": 404, "other_learner": 404, "teacher": 404, "staff": 200, "admin": 200, "outsider_staff": 200},
            "POST": AS_GET,
        },
    },
    # A learner's own deadlines; staff read those of their establishment's learners.
    "accounts:deadlines": {
        NO_ARGS: {
            "GET": {"anonymous": LOGIN, "learner": 200, "other_learner": 200, "teacher": 403, "staff": 403, "admin": 403, "outsider_staff": 403},
            "POST": AS_GET,
        },
    },
    "accounts:learner_deadlines": {
        "learner": {
            "GET": {"anonymous": LOGIN, "learner": 403, "other_learner": 403, "teacher": 403, "staff": 200, "admin": 200, "outsider_staff": 404},
            "POST": AS_GET,
        },
        "staff": {
            "GET": {"anonymous": LOGIN, "learner": 403, "other_learner": 403, "teacher": 403, "staff": 404, "admin": 404, "outsider_staff": 404},
            "POST": AS_GET,
        },
        "outsider_learner": {
            "GET": {"anonymous": LOGIN, "learner": 403, "other_learner": 403, "teacher": 403, "staff": 404, "admin": 200, "outsider_staff": 200},
            "POST": AS_GET,
        },
    },
    # --- records: closing a learner's account, portfolio, transfer ----------------------------
    # Staff of the learner's establishment and administrators, for learners' accounts only.
    "records:check": {
        NO_ARGS: {
            "GET": {"anonymous": LOGIN, "learner": 403, "other_learner": 403, "teacher": 403, "staff": 200, "admin": 200, "outsider_staff": 200},
            "POST": {"anonymous": LOGIN, "learner": 403, "other_learner": 403, "teacher": 403, "staff": 200, "admin": 200, "outsider_staff": 200},
        },
    },
    "records:import": {
        NO_ARGS: {
            "GET": {"anonymous": LOGIN, "learner": 403, "other_learner": 403, "teacher": 403, "staff": 200, "admin": 200, "outsider_staff": 200},
            "POST": {"anonymous": LOGIN, "learner": 403, "other_learner": 403, "teacher": 403, "staff": 400, "admin": 400, "outsider_staff": 400},
        },
    },
    "records:account": {
        "learner": {
            "GET": {"anonymous": LOGIN, "learner": 403, "other_learner": 403, "teacher": 403, "staff": 200, "admin": 200, "outsider_staff": 404},
            "POST": AS_GET,
        },
        "teacher": {
            "GET": {"anonymous": LOGIN, "learner": 403, "other_learner": 403, "teacher": 403, "staff": 404, "admin": 404, "outsider_staff": 404},
            "POST": AS_GET,
        },
        "outsider_learner": {
            "GET": {"anonymous": LOGIN, "learner": 403, "other_learner": 403, "teacher": 403, "staff": 404, "admin": 200, "outsider_staff": 200},
            "POST": AS_GET,
        },
    },
    "records:close": {
        # Each POST closes the account: a refusal must leave it open.
        "learner": {
            "GET": everyone(405),
            "POST": {"anonymous": LOGIN, "learner": 403, "other_learner": 403, "teacher": 403, "staff": REDIRECT, "admin": REDIRECT, "outsider_staff": 404},
        },
        "teacher": {
            "GET": everyone(405),
            "POST": {"anonymous": LOGIN, "learner": 403, "other_learner": 403, "teacher": 403, "staff": 404, "admin": 404, "outsider_staff": 404},
        },
        "outsider_learner": {
            "GET": everyone(405),
            "POST": {"anonymous": LOGIN, "learner": 403, "other_learner": 403, "teacher": 403, "staff": 404, "admin": REDIRECT, "outsider_staff": REDIRECT},
        },
    },
    "records:portfolio": {
        # The signed PDF.
        "learner": {
            "GET": everyone(405),
            "POST": {"anonymous": LOGIN, "learner": 403, "other_learner": 403, "teacher": 403, "staff": 200, "admin": 200, "outsider_staff": 404},
        },
        "teacher": {
            "GET": everyone(405),
            "POST": {"anonymous": LOGIN, "learner": 403, "other_learner": 403, "teacher": 403, "staff": 404, "admin": 404, "outsider_staff": 404},
        },
        "outsider_learner": {
            "GET": everyone(405),
            "POST": {"anonymous": LOGIN, "learner": 403, "other_learner": 403, "teacher": 403, "staff": 404, "admin": 200, "outsider_staff": 200},
        },
    },
    "records:export": {
        # The signed ZIP.
        "learner": {
            "GET": everyone(405),
            "POST": {"anonymous": LOGIN, "learner": 403, "other_learner": 403, "teacher": 403, "staff": 200, "admin": 200, "outsider_staff": 404},
        },
        "teacher": {
            "GET": everyone(405),
            "POST": {"anonymous": LOGIN, "learner": 403, "other_learner": 403, "teacher": 403, "staff": 404, "admin": 404, "outsider_staff": 404},
        },
        "outsider_learner": {
            "GET": everyone(405),
            "POST": {"anonymous": LOGIN, "learner": 403, "other_learner": 403, "teacher": 403, "staff": 404, "admin": 200, "outsider_staff": 200},
        },
    },
    # --- learning: courses and activities -----------------------------------------------------
    # Learners see the published courses they are enrolled in, teachers those they teach, staff
    # every course (they review and publish them).
    "learning:course": {
        "own": {
            "GET": {"anonymous": LOGIN, "learner": 200, "other_learner": 404, "teacher": 200, "staff": 200, "admin": 200, "outsider_staff": 200},
            "POST": AS_GET,
        },
        "others": {
            "GET": {"anonymous": LOGIN, "learner": 404, "other_learner": 200, "teacher": 404, "staff": 200, "admin": 200, "outsider_staff": 200},
            "POST": AS_GET,
        },
        "unpublished": {
            "GET": {"anonymous": LOGIN, "learner": 404, "other_learner": 404, "teacher": 404, "staff": 200, "admin": 200, "outsider_staff": 200},
            "POST": AS_GET,
        },
    },
    "learning:activity": {
        "own": {
            "GET": {"anonymous": LOGIN, "learner": 200, "other_learner": 404, "teacher": 200, "staff": 200, "admin": 200, "outsider_staff": 200},
            "POST": AS_GET,
        },
        "hidden": {
            "GET": {"anonymous": LOGIN, "learner": 404, "other_learner": 404, "teacher": 200, "staff": 200, "admin": 200, "outsider_staff": 200},
            "POST": AS_GET,
        },
        "pending": {
            # Waiting for review: for staff's eyes only.
            "GET": {"anonymous": LOGIN, "learner": 404, "other_learner": 404, "teacher": 404, "staff": 200, "admin": 200, "outsider_staff": 200},
            "POST": AS_GET,
        },
        "restricted": {
            # Not open yet: the learner is told why (403); teachers and staff see it.
            "GET": {"anonymous": LOGIN, "learner": 403, "other_learner": 404, "teacher": 200, "staff": 200, "admin": 200, "outsider_staff": 200},
            "POST": AS_GET,
        },
        "section_rule": {
            # Open by its own rule, in a section not open yet: closed like the section.
            "GET": {"anonymous": LOGIN, "learner": 403, "other_learner": 404, "teacher": 200, "staff": 200, "admin": 200, "outsider_staff": 200},
            "POST": AS_GET,
        },
        "mismatched": {
            "GET": {"anonymous": LOGIN, "learner": 404, "other_learner": 404, "teacher": 404, "staff": 404, "admin": 404, "outsider_staff": 404},
            "POST": AS_GET,
        },
        "others": {
            "GET": {"anonymous": LOGIN, "learner": 404, "other_learner": 200, "teacher": 404, "staff": 200, "admin": 200, "outsider_staff": 200},
            "POST": AS_GET,
        },
        "unpublished": {
            "GET": {"anonymous": LOGIN, "learner": 404, "other_learner": 404, "teacher": 404, "staff": 200, "admin": 200, "outsider_staff": 200},
            "POST": AS_GET,
        },
    },
    # --- quizzes ------------------------------------------------------------------------------
    "assessment:quiz": {
        # The teacher's quiz waiting for staff's approval: its teachers preview it, learners never see it.
        "pending": {
            "GET": {"anonymous": LOGIN, "learner": 404, "other_learner": 404, "teacher": 200, "staff": 200, "admin": 200, "outsider_staff": 200},
            "POST": AS_GET,
        },
        "own": {
            "GET": {"anonymous": LOGIN, "learner": 200, "other_learner": 404, "teacher": 200, "staff": 200, "admin": 200, "outsider_staff": 200},
            "POST": AS_GET,
        },
        "restricted": {
            "GET": {"anonymous": LOGIN, "learner": 403, "other_learner": 404, "teacher": 200, "staff": 200, "admin": 200, "outsider_staff": 200},
            "POST": AS_GET,
        },
        "mismatched": {"GET": everyone_but_anonymous(404), "POST": AS_GET},
        "others": {
            "GET": {"anonymous": LOGIN, "learner": 404, "other_learner": 200, "teacher": 404, "staff": 200, "admin": 200, "outsider_staff": 200},
            "POST": AS_GET,
        },
        "not_a_quiz": {"GET": everyone_but_anonymous(404), "POST": AS_GET},
    },
    "assessment:start": {
        "pending": {
            "GET": everyone(405),
            "POST": {"anonymous": LOGIN, "learner": 404, "other_learner": 404, "teacher": REDIRECT, "staff": REDIRECT, "admin": REDIRECT, "outsider_staff": REDIRECT},
        },
        # A learner continues their attempt; teachers and staff start a preview.
        "own": {
            "GET": everyone(405),
            "POST": {"anonymous": LOGIN, "learner": REDIRECT, "other_learner": 404, "teacher": REDIRECT, "staff": REDIRECT, "admin": REDIRECT, "outsider_staff": REDIRECT},
        },
        "restricted": {
            "GET": everyone(405),
            "POST": {"anonymous": LOGIN, "learner": 403, "other_learner": 404, "teacher": REDIRECT, "staff": REDIRECT, "admin": REDIRECT, "outsider_staff": REDIRECT},
        },
        "mismatched": {"GET": everyone(405), "POST": everyone_but_anonymous(404)},
        "others": {
            "GET": everyone(405),
            "POST": {"anonymous": LOGIN, "learner": 404, "other_learner": REDIRECT, "teacher": 404, "staff": REDIRECT, "admin": REDIRECT, "outsider_staff": REDIRECT},
        },
        "not_a_quiz": {"GET": everyone(405), "POST": everyone_but_anonymous(404)},
    },
    # An attempt is its learner's alone: anyone else, teachers and staff included, gets 404.
    "assessment:attempt": {
        "own": {
            "GET": only("learner", 200),
            "POST": only("learner", REDIRECT),
        },
        "finished": {"GET": only("learner", REDIRECT), "POST": only("learner", REDIRECT)},
        "others": {"GET": only("other_learner", 200), "POST": only("other_learner", REDIRECT)},
    },
    "assessment:summary": {
        "own": {"GET": only("learner", 200), "POST": only("learner", REDIRECT)},
        "finished": {"GET": only("learner", REDIRECT), "POST": only("learner", REDIRECT)},
        "others": {"GET": only("other_learner", 200), "POST": only("other_learner", REDIRECT)},
    },
    # The learners' results and grading: the course's teachers and staff only.
    "assessment:results": {
        "pending": {
            "GET": {"anonymous": LOGIN, "learner": 404, "other_learner": 404, "teacher": 200, "staff": 200, "admin": 200, "outsider_staff": 200},
            "POST": AS_GET,
        },
        "own": {
            "GET": {"anonymous": LOGIN, "learner": 403, "other_learner": 404, "teacher": 200, "staff": 200, "admin": 200, "outsider_staff": 200},
            "POST": AS_GET,
        },
        "restricted": {
            "GET": {"anonymous": LOGIN, "learner": 403, "other_learner": 404, "teacher": 200, "staff": 200, "admin": 200, "outsider_staff": 200},
            "POST": AS_GET,
        },
        "mismatched": {"GET": everyone_but_anonymous(404), "POST": AS_GET},
        "others": {
            "GET": {"anonymous": LOGIN, "learner": 404, "other_learner": 403, "teacher": 404, "staff": 200, "admin": 200, "outsider_staff": 200},
            "POST": AS_GET,
        },
        "not_a_quiz": {"GET": everyone_but_anonymous(404), "POST": AS_GET},
    },
    "assessment:grading": {
        # An attempt in progress has nothing to grade yet.
        "own": {"GET": {**everyone_but_anonymous(404), "learner": 403}, "POST": AS_GET},
        "finished": {
            "GET": {"anonymous": LOGIN, "learner": 403, "other_learner": 404, "teacher": 200, "staff": 200, "admin": 200, "outsider_staff": 200},
            "POST": {"anonymous": LOGIN, "learner": 403, "other_learner": 404, "teacher": REDIRECT, "staff": REDIRECT, "admin": REDIRECT, "outsider_staff": REDIRECT},
        },
        "others": {"GET": {**everyone_but_anonymous(404), "other_learner": 403}, "POST": AS_GET},
    },
    # A quiz's overrides: its teachers and the staff who manage its course set and remove
    # them (as they build quizzes); a learner of the course is refused, anyone else finds
    # nothing; a quiz or an override under another's address is nobody's.
    "assessment:overrides": {
        "own": {
            "GET": {"anonymous": LOGIN, "learner": 403, "other_learner": 404, "teacher": 200, "staff": 200, "admin": 200, "outsider_staff": 403},
            "POST": {"anonymous": LOGIN, "learner": 403, "other_learner": 404, "teacher": REDIRECT, "staff": REDIRECT, "admin": REDIRECT, "outsider_staff": 403},
        },
        "restricted": {
            "GET": {"anonymous": LOGIN, "learner": 403, "other_learner": 404, "teacher": 200, "staff": 200, "admin": 200, "outsider_staff": 403},
            "POST": {"anonymous": LOGIN, "learner": 403, "other_learner": 404, "teacher": REDIRECT, "staff": REDIRECT, "admin": REDIRECT, "outsider_staff": 403},
        },
        "mismatched": {"GET": everyone_but_anonymous(404), "POST": everyone_but_anonymous(404)},
        "others": {
            "GET": {"anonymous": LOGIN, "learner": 404, "other_learner": 403, "teacher": 404, "staff": 200, "admin": 200, "outsider_staff": 200},
            "POST": {"anonymous": LOGIN, "learner": 404, "other_learner": 403, "teacher": 404, "staff": REDIRECT, "admin": REDIRECT, "outsider_staff": REDIRECT},
        },
    },
    "assessment:remove_override": {
        "own": {
            "GET": everyone(405),
            "POST": {"anonymous": LOGIN, "learner": 403, "other_learner": 404, "teacher": REDIRECT, "staff": REDIRECT, "admin": REDIRECT, "outsider_staff": 403},
        },
        "mismatched": {
            "GET": everyone(405),
            "POST": {"anonymous": LOGIN, "learner": 403, "other_learner": 404, "teacher": 404, "staff": 404, "admin": 404, "outsider_staff": 403},
        },
        "others": {
            "GET": everyone(405),
            "POST": {"anonymous": LOGIN, "learner": 404, "other_learner": 403, "teacher": 404, "staff": REDIRECT, "admin": REDIRECT, "outsider_staff": REDIRECT},
        },
    },
    # Teachers of the course and the staff who manage it (their establishment's courses and
    # the box's own) build quizzes; a learner of the course is refused, anyone else finds
    # nothing.
    "assessment:build": {
        "own": {
            "GET": {"anonymous": LOGIN, "learner": 403, "other_learner": 404, "teacher": 200, "staff": 200, "admin": 200, "outsider_staff": 403},
            "POST": {"anonymous": LOGIN, "learner": 403, "other_learner": 404, "teacher": REDIRECT, "staff": REDIRECT, "admin": REDIRECT, "outsider_staff": 403},
        },
        "others": {
            "GET": {"anonymous": LOGIN, "learner": 404, "other_learner": 403, "teacher": 404, "staff": 200, "admin": 200, "outsider_staff": 200},
            "POST": {"anonymous": LOGIN, "learner": 404, "other_learner": 403, "teacher": 404, "staff": REDIRECT, "admin": REDIRECT, "outsider_staff": REDIRECT},
        },
        # Its section is another course's: the form refuses it (nothing is saved).
        "unpublished": {
            "GET": {"anonymous": LOGIN, "learner": 404, "other_learner": 404, "teacher": 404, "staff": 200, "admin": 200, "outsider_staff": 403},
            "POST": {"anonymous": LOGIN, "learner": 404, "other_learner": 404, "teacher": 404, "staff": 200, "admin": 200, "outsider_staff": 403},
        },
    },
    # Only quizzes built on the box; an imported quiz is the source's (a re-import rewrites it).
    "assessment:edit": {
        "own": {
            "GET": {"anonymous": LOGIN, "learner": 403, "other_learner": 404, "teacher": 200, "staff": 200, "admin": 200, "outsider_staff": 403},
            "POST": {"anonymous": LOGIN, "learner": 403, "other_learner": 404, "teacher": REDIRECT, "staff": REDIRECT, "admin": REDIRECT, "outsider_staff": 403},
        },
        "imported": {
            "GET": {"anonymous": LOGIN, "learner": 403, "other_learner": 404, "teacher": 404, "staff": 404, "admin": 404, "outsider_staff": 403},
            "POST": AS_GET,
        },
        "mismatched": {
            "GET": {"anonymous": LOGIN, "learner": 403, "other_learner": 404, "teacher": 404, "staff": 404, "admin": 404, "outsider_staff": 403},
            "POST": AS_GET,
        },
        "others": {
            "GET": {"anonymous": LOGIN, "learner": 404, "other_learner": 403, "teacher": 404, "staff": 200, "admin": 200, "outsider_staff": 200},
            "POST": {"anonymous": LOGIN, "learner": 404, "other_learner": 403, "teacher": 404, "staff": REDIRECT, "admin": REDIRECT, "outsider_staff": REDIRECT},
        },
    },
    "assessment:question_bank": {
        "own": {
            "GET": {"anonymous": LOGIN, "learner": 403, "other_learner": 404, "teacher": 200, "staff": 200, "admin": 200, "outsider_staff": 200},
            "POST": AS_GET,
        },
        "others": {
            "GET": {"anonymous": LOGIN, "learner": 404, "other_learner": 403, "teacher": 404, "staff": 200, "admin": 200, "outsider_staff": 200},
            "POST": AS_GET,
        },
        "unpublished": {
            "GET": {"anonymous": LOGIN, "learner": 404, "other_learner": 404, "teacher": 404, "staff": 200, "admin": 200, "outsider_staff": 200},
            "POST": AS_GET,
        },
    },
    # Teachers of the course and staff only; nothing is stored, whatever is posted.
    "assessment:question_preview": {
        "own": {
            "GET": {"anonymous": LOGIN, "learner": 403, "other_learner": 404, "teacher": 200, "staff": 200, "admin": 200, "outsider_staff": 200},
            "POST": AS_GET,
        },
        # A learner of the course is refused before any question is looked up.
        "mismatched": {"GET": {**everyone_but_anonymous(404), "learner": 403}, "POST": AS_GET},
        "others": {
            "GET": {"anonymous": LOGIN, "learner": 404, "other_learner": 403, "teacher": 404, "staff": 200, "admin": 200, "outsider_staff": 200},
            "POST": AS_GET,
        },
    },
    # An essay's file: downloads for the learner whose attempt holds it and for the course's
    # teachers and staff (who grade it), never for another learner; a hash the attempt does
    # not hold is nobody's.
    "assessment:attachment": {
        "finished": {
            "GET": {"anonymous": LOGIN, "learner": 200, "other_learner": 404, "teacher": 200, "staff": 200, "admin": 200, "outsider_staff": 200},
            "POST": {"anonymous": LOGIN, "learner": 405, "other_learner": 405, "teacher": 405, "staff": 405, "admin": 405, "outsider_staff": 405},
        },
        "missing": {
            "GET": everyone_but_anonymous(404),
            "POST": {"anonymous": LOGIN, "learner": 405, "other_learner": 405, "teacher": 405, "staff": 405, "admin": 405, "outsider_staff": 405},
        },
    },
    "assessment:review": {
        "own": {"GET": only("learner", REDIRECT), "POST": AS_GET},
        "finished": {"GET": only("learner", 200), "POST": AS_GET},
        "others": {"GET": only("other_learner", REDIRECT), "POST": AS_GET},
    },
    "learning:mark_done": {
        "own": {
            "GET": everyone(405),
            "POST": {"anonymous": LOGIN, "learner": REDIRECT, "other_learner": 404, "teacher": REDIRECT, "staff": REDIRECT, "admin": REDIRECT, "outsider_staff": REDIRECT},
        },
        "restricted": {
            "GET": everyone(405),
            "POST": {"anonymous": LOGIN, "learner": 403, "other_learner": 404, "teacher": REDIRECT, "staff": REDIRECT, "admin": REDIRECT, "outsider_staff": REDIRECT},
        },
        "section_rule": {
            "GET": everyone(405),
            "POST": {"anonymous": LOGIN, "learner": 403, "other_learner": 404, "teacher": REDIRECT, "staff": REDIRECT, "admin": REDIRECT, "outsider_staff": REDIRECT},
        },
        "hidden": {
            "GET": everyone(405),
            "POST": {"anonymous": LOGIN, "learner": 404, "other_learner": 404, "teacher": REDIRECT, "staff": REDIRECT, "admin": REDIRECT, "outsider_staff": REDIRECT},
        },
        "pending": {
            "GET": everyone(405),
            "POST": {"anonymous": LOGIN, "learner": 404, "other_learner": 404, "teacher": 404, "staff": REDIRECT, "admin": REDIRECT, "outsider_staff": REDIRECT},
        },
        "mismatched": {
            "GET": everyone(405),
            "POST": {"anonymous": LOGIN, "learner": 404, "other_learner": 404, "teacher": 404, "staff": 404, "admin": 404, "outsider_staff": 404},
        },
        "others": {
            "GET": everyone(405),
            "POST": {"anonymous": LOGIN, "learner": 404, "other_learner": REDIRECT, "teacher": 404, "staff": REDIRECT, "admin": REDIRECT, "outsider_staff": REDIRECT},
        },
        "unpublished": {
            "GET": everyone(405),
            "POST": {"anonymous": LOGIN, "learner": 404, "other_learner": 404, "teacher": 404, "staff": REDIRECT, "admin": REDIRECT, "outsider_staff": REDIRECT},
        },
    },
    # Files: GET and HEAD only.
    "learning:course_file": {
        "own": {
            "GET": {"anonymous": LOGIN, "learner": 200, "other_learner": 404, "teacher": 200, "staff": 200, "admin": 200, "outsider_staff": 200},
            "POST": {"anonymous": LOGIN, "learner": 405, "other_learner": 405, "teacher": 405, "staff": 405, "admin": 405, "outsider_staff": 405},
        },
        "mismatched": {
            "GET": {"anonymous": LOGIN, "learner": 404, "other_learner": 404, "teacher": 404, "staff": 404, "admin": 404, "outsider_staff": 404},
            "POST": {"anonymous": LOGIN, "learner": 405, "other_learner": 405, "teacher": 405, "staff": 405, "admin": 405, "outsider_staff": 405},
        },
        "others": {
            "GET": {"anonymous": LOGIN, "learner": 404, "other_learner": 200, "teacher": 404, "staff": 200, "admin": 200, "outsider_staff": 200},
            "POST": {"anonymous": LOGIN, "learner": 405, "other_learner": 405, "teacher": 405, "staff": 405, "admin": 405, "outsider_staff": 405},
        },
        "unpublished": {
            "GET": {"anonymous": LOGIN, "learner": 404, "other_learner": 404, "teacher": 404, "staff": 200, "admin": 200, "outsider_staff": 200},
            "POST": {"anonymous": LOGIN, "learner": 405, "other_learner": 405, "teacher": 405, "staff": 405, "admin": 405, "outsider_staff": 405},
        },
        # The PDF of an activity not open yet (by its own rule, by its section's): the
        # learner is refused (403, as on the activity's file); teachers and staff fetch it.
        "restricted": {
            "GET": {"anonymous": LOGIN, "learner": 403, "other_learner": 404, "teacher": 200, "staff": 200, "admin": 200, "outsider_staff": 200},
            "POST": {"anonymous": LOGIN, "learner": 405, "other_learner": 405, "teacher": 405, "staff": 405, "admin": 405, "outsider_staff": 405},
        },
        "section_rule": {
            "GET": {"anonymous": LOGIN, "learner": 403, "other_learner": 404, "teacher": 200, "staff": 200, "admin": 200, "outsider_staff": 200},
            "POST": {"anonymous": LOGIN, "learner": 405, "other_learner": 405, "teacher": 405, "staff": 405, "admin": 405, "outsider_staff": 405},
        },
    },
    # A PDF's page in the viewer; any other file (this one is an image) redirects to the file.
    "learning:document": {
        "own": {
            "GET": {"anonymous": LOGIN, "learner": REDIRECT, "other_learner": 404, "teacher": REDIRECT, "staff": REDIRECT, "admin": REDIRECT, "outsider_staff": REDIRECT},
            "POST": {"anonymous": LOGIN, "learner": 405, "other_learner": 405, "teacher": 405, "staff": 405, "admin": 405, "outsider_staff": 405},
        },
        "mismatched": {
            "GET": {"anonymous": LOGIN, "learner": 404, "other_learner": 404, "teacher": 404, "staff": 404, "admin": 404, "outsider_staff": 404},
            "POST": {"anonymous": LOGIN, "learner": 405, "other_learner": 405, "teacher": 405, "staff": 405, "admin": 405, "outsider_staff": 405},
        },
        "others": {
            "GET": {"anonymous": LOGIN, "learner": 404, "other_learner": REDIRECT, "teacher": 404, "staff": REDIRECT, "admin": REDIRECT, "outsider_staff": REDIRECT},
            "POST": {"anonymous": LOGIN, "learner": 405, "other_learner": 405, "teacher": 405, "staff": 405, "admin": 405, "outsider_staff": 405},
        },
        "unpublished": {
            "GET": {"anonymous": LOGIN, "learner": 404, "other_learner": 404, "teacher": 404, "staff": REDIRECT, "admin": REDIRECT, "outsider_staff": REDIRECT},
            "POST": {"anonymous": LOGIN, "learner": 405, "other_learner": 405, "teacher": 405, "staff": 405, "admin": 405, "outsider_staff": 405},
        },
        # The viewer's page for the PDF of an activity not open yet.
        "restricted": {
            "GET": {"anonymous": LOGIN, "learner": 403, "other_learner": 404, "teacher": 200, "staff": 200, "admin": 200, "outsider_staff": 200},
            "POST": {"anonymous": LOGIN, "learner": 405, "other_learner": 405, "teacher": 405, "staff": 405, "admin": 405, "outsider_staff": 405},
        },
        "section_rule": {
            "GET": {"anonymous": LOGIN, "learner": 403, "other_learner": 404, "teacher": 200, "staff": 200, "admin": 200, "outsider_staff": 200},
            "POST": {"anonymous": LOGIN, "learner": 405, "other_learner": 405, "teacher": 405, "staff": 405, "admin": 405, "outsider_staff": 405},
        },
    },
    "learning:activity_file": {
        "own": {
            "GET": {"anonymous": LOGIN, "learner": 200, "other_learner": 404, "teacher": 200, "staff": 200, "admin": 200, "outsider_staff": 200},
            "POST": {"anonymous": LOGIN, "learner": 405, "other_learner": 405, "teacher": 405, "staff": 405, "admin": 405, "outsider_staff": 405},
        },
        "hidden": {
            "GET": {"anonymous": LOGIN, "learner": 404, "other_learner": 404, "teacher": 200, "staff": 200, "admin": 200, "outsider_staff": 200},
            "POST": {"anonymous": LOGIN, "learner": 405, "other_learner": 405, "teacher": 405, "staff": 405, "admin": 405, "outsider_staff": 405},
        },
        "pending": {
            "GET": {"anonymous": LOGIN, "learner": 404, "other_learner": 404, "teacher": 404, "staff": 200, "admin": 200, "outsider_staff": 200},
            "POST": {"anonymous": LOGIN, "learner": 405, "other_learner": 405, "teacher": 405, "staff": 405, "admin": 405, "outsider_staff": 405},
        },
        "restricted": {
            "GET": {"anonymous": LOGIN, "learner": 403, "other_learner": 404, "teacher": 200, "staff": 200, "admin": 200, "outsider_staff": 200},
            "POST": {"anonymous": LOGIN, "learner": 405, "other_learner": 405, "teacher": 405, "staff": 405, "admin": 405, "outsider_staff": 405},
        },
        "section_rule": {
            "GET": {"anonymous": LOGIN, "learner": 403, "other_learner": 404, "teacher": 200, "staff": 200, "admin": 200, "outsider_staff": 200},
            "POST": {"anonymous": LOGIN, "learner": 405, "other_learner": 405, "teacher": 405, "staff": 405, "admin": 405, "outsider_staff": 405},
        },
        "no_file": {
            # A page has no file.
            "GET": {"anonymous": LOGIN, "learner": 404, "other_learner": 404, "teacher": 404, "staff": 404, "admin": 404, "outsider_staff": 404},
            "POST": {"anonymous": LOGIN, "learner": 405, "other_learner": 405, "teacher": 405, "staff": 405, "admin": 405, "outsider_staff": 405},
        },
        "mismatched": {
            "GET": {"anonymous": LOGIN, "learner": 404, "other_learner": 404, "teacher": 404, "staff": 404, "admin": 404, "outsider_staff": 404},
            "POST": {"anonymous": LOGIN, "learner": 405, "other_learner": 405, "teacher": 405, "staff": 405, "admin": 405, "outsider_staff": 405},
        },
        "others": {
            "GET": {"anonymous": LOGIN, "learner": 404, "other_learner": 200, "teacher": 404, "staff": 200, "admin": 200, "outsider_staff": 200},
            "POST": {"anonymous": LOGIN, "learner": 405, "other_learner": 405, "teacher": 405, "staff": 405, "admin": 405, "outsider_staff": 405},
        },
        "unpublished": {
            "GET": {"anonymous": LOGIN, "learner": 404, "other_learner": 404, "teacher": 404, "staff": 200, "admin": 200, "outsider_staff": 200},
            "POST": {"anonymous": LOGIN, "learner": 405, "other_learner": 405, "teacher": 405, "staff": 405, "admin": 405, "outsider_staff": 405},
        },
    },
    # --- learning: teaching pages and study plans ---------------------------------------------
    # The course's teacher and staff; a learner of the course gets 403, anyone who may not see
    # the course 404.
    "learning:learners": {
        "own": {
            "GET": {"anonymous": LOGIN, "learner": 403, "other_learner": 404, "teacher": 200, "staff": 200, "admin": 200, "outsider_staff": 200},
            "POST": AS_GET,
        },
        "others": {
            "GET": {"anonymous": LOGIN, "learner": 404, "other_learner": 403, "teacher": 404, "staff": 200, "admin": 200, "outsider_staff": 200},
            "POST": AS_GET,
        },
        "unpublished": {
            "GET": {"anonymous": LOGIN, "learner": 404, "other_learner": 404, "teacher": 404, "staff": 200, "admin": 200, "outsider_staff": 200},
            "POST": AS_GET,
        },
    },
    "learning:plan": {
        # POST hands an activity of the course to one of its learners.
        "own": {
            "GET": {"anonymous": LOGIN, "learner": 403, "other_learner": 404, "teacher": 200, "staff": 200, "admin": 200, "outsider_staff": 200},
            "POST": {"anonymous": LOGIN, "learner": 403, "other_learner": 404, "teacher": REDIRECT, "staff": REDIRECT, "admin": REDIRECT, "outsider_staff": DENIED},
        },
        "others": {
            "GET": {"anonymous": LOGIN, "learner": 404, "other_learner": 403, "teacher": 404, "staff": 200, "admin": 200, "outsider_staff": 200},
            "POST": {"anonymous": LOGIN, "learner": 404, "other_learner": 403, "teacher": 404, "staff": REDIRECT, "admin": REDIRECT, "outsider_staff": DENIED},
        },
        "unpublished": {
            "GET": {"anonymous": LOGIN, "learner": 404, "other_learner": 404, "teacher": 404, "staff": 200, "admin": 200, "outsider_staff": 200},
            "POST": {"anonymous": LOGIN, "learner": 404, "other_learner": 404, "teacher": 404, "staff": REDIRECT, "admin": REDIRECT, "outsider_staff": DENIED},
        },
    },
    "learning:plan_remove": {
        "own": {
            "GET": everyone(405),
            "POST": {"anonymous": LOGIN, "learner": 403, "other_learner": 404, "teacher": REDIRECT, "staff": REDIRECT, "admin": REDIRECT, "outsider_staff": DENIED},
        },
        "mismatched": {
            "GET": everyone(405),
            "POST": {"anonymous": LOGIN, "learner": 403, "other_learner": 404, "teacher": 404, "staff": 404, "admin": 404, "outsider_staff": 404},
        },
        "others": {
            "GET": everyone(405),
            "POST": {"anonymous": LOGIN, "learner": 404, "other_learner": 403, "teacher": 404, "staff": REDIRECT, "admin": REDIRECT, "outsider_staff": DENIED},
        },
    },
    "learning:plan_tick": {
        # Only the learner whose plan it is (or a member of its group) ticks an item off.
        "own": {
            "GET": everyone(405),
            "POST": {"anonymous": LOGIN, "learner": REDIRECT, "other_learner": 404, "teacher": 404, "staff": 404, "admin": 404, "outsider_staff": 404},
        },
        "group": {
            "GET": everyone(405),
            "POST": {"anonymous": LOGIN, "learner": REDIRECT, "other_learner": 404, "teacher": 404, "staff": 404, "admin": 404, "outsider_staff": 404},
        },
        "others": {
            "GET": everyone(405),
            "POST": {"anonymous": LOGIN, "learner": 404, "other_learner": REDIRECT, "teacher": 404, "staff": 404, "admin": 404, "outsider_staff": 404},
        },
        "unpublished": {
            "GET": everyone(405),
            "POST": {"anonymous": LOGIN, "learner": 404, "other_learner": 404, "teacher": 404, "staff": 404, "admin": 404, "outsider_staff": 404},
        },
    },
    # --- learning: grades ---------------------------------------------------------------------
    # The gradebook is the course's teachers' and staff's (staff see their establishment's
    # learners only); a learner of the course gets 403, anyone who may not see it 404.
    "learning:gradebook": {
        "own": {
            "GET": {"anonymous": LOGIN, "learner": 403, "other_learner": 404, "teacher": 200, "staff": 200, "admin": 200, "outsider_staff": 200},
            "POST": {"anonymous": LOGIN, "learner": 405, "other_learner": 405, "teacher": 405, "staff": 405, "admin": 405, "outsider_staff": 405},
        },
        "others": {
            "GET": {"anonymous": LOGIN, "learner": 404, "other_learner": 403, "teacher": 404, "staff": 200, "admin": 200, "outsider_staff": 200},
            "POST": {"anonymous": LOGIN, "learner": 405, "other_learner": 405, "teacher": 405, "staff": 405, "admin": 405, "outsider_staff": 405},
        },
        "unpublished": {
            "GET": {"anonymous": LOGIN, "learner": 404, "other_learner": 404, "teacher": 404, "staff": 200, "admin": 200, "outsider_staff": 200},
            "POST": {"anonymous": LOGIN, "learner": 405, "other_learner": 405, "teacher": 405, "staff": 405, "admin": 405, "outsider_staff": 405},
        },
    },
    "learning:gradebook_export": {
        # Exporting is audited: a POST only (imported content can make a browser send a GET).
        "own": {
            "GET": everyone(405),
            "POST": {"anonymous": LOGIN, "learner": 403, "other_learner": 404, "teacher": 200, "staff": 200, "admin": 200, "outsider_staff": 200},
        },
        "others": {
            "GET": everyone(405),
            "POST": {"anonymous": LOGIN, "learner": 404, "other_learner": 403, "teacher": 404, "staff": 200, "admin": 200, "outsider_staff": 200},
        },
    },
    "learning:grade_override": {
        # A grade of one of the course's learners, changed by its teacher or their
        # establishment's staff; POST saves a new grade.
        "own": {
            "GET": {"anonymous": LOGIN, "learner": 403, "other_learner": 404, "teacher": 200, "staff": 200, "admin": 200, "outsider_staff": 404},
            "POST": {"anonymous": LOGIN, "learner": 403, "other_learner": 404, "teacher": REDIRECT, "staff": REDIRECT, "admin": REDIRECT, "outsider_staff": 404},
        },
        "others": {
            "GET": {"anonymous": LOGIN, "learner": 404, "other_learner": 403, "teacher": 404, "staff": 200, "admin": 200, "outsider_staff": 404},
            "POST": {"anonymous": LOGIN, "learner": 404, "other_learner": 403, "teacher": 404, "staff": REDIRECT, "admin": REDIRECT, "outsider_staff": 404},
        },
        "not_enrolled": {
            # Omar's grade under the address of a course he is not in.
            "GET": {"anonymous": LOGIN, "learner": 403, "other_learner": 404, "teacher": 404, "staff": 404, "admin": 404, "outsider_staff": 404},
            "POST": {"anonymous": LOGIN, "learner": 403, "other_learner": 404, "teacher": 404, "staff": 404, "admin": 404, "outsider_staff": 404},
        },
        "mismatched": {
            "GET": {"anonymous": LOGIN, "learner": 403, "other_learner": 404, "teacher": 404, "staff": 404, "admin": 404, "outsider_staff": 404},
            "POST": {"anonymous": LOGIN, "learner": 403, "other_learner": 404, "teacher": 404, "staff": 404, "admin": 404, "outsider_staff": 404},
        },
    },
    "learning:own_grades": {
        # A learner's own released grades: learners only.
        "own": {
            "GET": {"anonymous": LOGIN, "learner": 200, "other_learner": 404, "teacher": 403, "staff": 403, "admin": 403, "outsider_staff": 403},
            "POST": {"anonymous": LOGIN, "learner": 405, "other_learner": 405, "teacher": 403, "staff": 403, "admin": 403, "outsider_staff": 403},
        },
        "others": {
            "GET": {"anonymous": LOGIN, "learner": 404, "other_learner": 200, "teacher": 403, "staff": 403, "admin": 403, "outsider_staff": 403},
            "POST": {"anonymous": LOGIN, "learner": 405, "other_learner": 405, "teacher": 403, "staff": 403, "admin": 403, "outsider_staff": 403},
        },
        "unpublished": {
            "GET": {"anonymous": LOGIN, "learner": 404, "other_learner": 404, "teacher": 403, "staff": 403, "admin": 403, "outsider_staff": 403},
            "POST": {"anonymous": LOGIN, "learner": 405, "other_learner": 405, "teacher": 403, "staff": 403, "admin": 403, "outsider_staff": 403},
        },
    },
    "learning:feedback_file": {
        # A file given back with a released grade: to its learner only.
        "own": {
            "GET": {"anonymous": LOGIN, "learner": 200, "other_learner": 404, "teacher": 403, "staff": 403, "admin": 403, "outsider_staff": 403},
            "POST": {"anonymous": LOGIN, "learner": 405, "other_learner": 405, "teacher": 403, "staff": 403, "admin": 403, "outsider_staff": 403},
        },
        "others": {
            "GET": {"anonymous": LOGIN, "learner": 404, "other_learner": 200, "teacher": 403, "staff": 403, "admin": 403, "outsider_staff": 403},
            "POST": {"anonymous": LOGIN, "learner": 405, "other_learner": 405, "teacher": 403, "staff": 403, "admin": 403, "outsider_staff": 403},
        },
        "mismatched": {
            "GET": {"anonymous": LOGIN, "learner": 404, "other_learner": 404, "teacher": 403, "staff": 403, "admin": 403, "outsider_staff": 403},
            "POST": {"anonymous": LOGIN, "learner": 405, "other_learner": 405, "teacher": 403, "staff": 403, "admin": 403, "outsider_staff": 403},
        },
        "unreleased": {
            "GET": {"anonymous": LOGIN, "learner": 404, "other_learner": 404, "teacher": 403, "staff": 403, "admin": 403, "outsider_staff": 403},
            "POST": {"anonymous": LOGIN, "learner": 405, "other_learner": 405, "teacher": 403, "staff": 403, "admin": 403, "outsider_staff": 403},
        },
    },
    # --- review (staff) -----------------------------------------------------------------------
    # Courses are the whole box's: every staff member reviews them.
    "review:queue": {
        NO_ARGS: {
            "GET": {"anonymous": LOGIN, "learner": 403, "other_learner": 403, "teacher": 403, "staff": 200, "admin": 200, "outsider_staff": 200},
            "POST": AS_GET,
        },
    },
    # Staff review the courses of their establishment and the box's own (outsider_staff is in
    # another establishment): the others are not found.
    "review:course": {
        "own": {
            "GET": {"anonymous": LOGIN, "learner": 403, "other_learner": 403, "teacher": 403, "staff": 200, "admin": 200, "outsider_staff": 404},
            "POST": AS_GET,
        },
        "unpublished": {
            "GET": {"anonymous": LOGIN, "learner": 403, "other_learner": 403, "teacher": 403, "staff": 200, "admin": 200, "outsider_staff": 404},
            "POST": AS_GET,
        },
    },
    "review:decide_course": {
        # POST approves the course.
        "unpublished": {
            "GET": everyone(405),
            "POST": {"anonymous": LOGIN, "learner": 403, "other_learner": 403, "teacher": 403, "staff": REDIRECT, "admin": REDIRECT, "outsider_staff": 404},
        },
    },
    "review:decide_change": {
        # POST approves one activity's change in the update waiting for review.
        "own": {
            "GET": everyone(405),
            "POST": {"anonymous": LOGIN, "learner": 403, "other_learner": 403, "teacher": 403, "staff": REDIRECT, "admin": REDIRECT, "outsider_staff": 404},
        },
    },
    "review:decide_activity": {
        # POST approves an activity waiting for review.
        "pending": {
            "GET": everyone(405),
            "POST": {"anonymous": LOGIN, "learner": 403, "other_learner": 403, "teacher": 403, "staff": REDIRECT, "admin": REDIRECT, "outsider_staff": 404},
        },
    },
    # --- audit (staff) ------------------------------------------------------------------------
    # Each staff member reads the entries of their establishment and the box's (audit.access).
    "audit:log": {
        NO_ARGS: {
            "GET": {"anonymous": LOGIN, "learner": 403, "other_learner": 403, "teacher": 403, "staff": 200, "admin": 200, "outsider_staff": 200},
            "POST": AS_GET,
        },
    },
    "audit:export": {
        # Exporting is audited: POST only (a form on the log's page).
        NO_ARGS: {
            "GET": everyone(405),
            "POST": {"anonymous": LOGIN, "learner": 403, "other_learner": 403, "teacher": 403, "staff": 200, "admin": 200, "outsider_staff": 200},
        },
    },
    # --- search -------------------------------------------------------------------------------
    "search:search": {
        NO_ARGS: {
            "GET": {"anonymous": LOGIN, "learner": 200, "other_learner": 200, "teacher": 200, "staff": 200, "admin": 200, "outsider_staff": 200},
            "POST": AS_GET,
        },
    },
    # --- catalog (staff) ----------------------------------------------------------------------
    "catalog:courses": {
        NO_ARGS: {
            "GET": {"anonymous": LOGIN, "learner": 403, "other_learner": 403, "teacher": 403, "staff": 200, "admin": 200, "outsider_staff": 200},
            "POST": AS_GET,
        },
    },
    "catalog:import": {
        NO_ARGS: {
            "GET": {"anonymous": LOGIN, "learner": 403, "other_learner": 403, "teacher": 403, "staff": 200, "admin": 200, "outsider_staff": 200},
            # Queued, then the job's page.
            "POST": {"anonymous": LOGIN, "learner": 403, "other_learner": 403, "teacher": 403, "staff": REDIRECT, "admin": REDIRECT, "outsider_staff": REDIRECT},
        },
    },
    "catalog:confirm_update": {
        # POST cancels a file read as an update of the course, waiting for confirmation.
        "own": {
            "GET": everyone(405),
            "POST": {"anonymous": LOGIN, "learner": 403, "other_learner": 403, "teacher": 403, "staff": REDIRECT, "admin": REDIRECT, "outsider_staff": 404},
        },
    },
    "catalog:import_job": {
        "import": {
            "GET": {"anonymous": LOGIN, "learner": 403, "other_learner": 403, "teacher": 403, "staff": 200, "admin": 200, "outsider_staff": 200},
            "POST": AS_GET,
        },
        "not_an_import": {
            "GET": {"anonymous": LOGIN, "learner": 403, "other_learner": 403, "teacher": 403, "staff": 404, "admin": 404, "outsider_staff": 404},
            "POST": AS_GET,
        },
    },
    "catalog:import_questions": {
        # The form lists only the courses one manages: ``own`` is not another establishment's.
        NO_ARGS: {
            "GET": {"anonymous": LOGIN, "learner": 403, "other_learner": 403, "teacher": 403, "staff": 200, "admin": 200, "outsider_staff": 200},
            "POST": {"anonymous": LOGIN, "learner": 403, "other_learner": 403, "teacher": 403, "staff": REDIRECT, "admin": REDIRECT, "outsider_staff": 400},
        },
    },
    "catalog:question_import_job": {
        # Only those who manage the course the questions join see their import.
        "own": {
            "GET": {"anonymous": LOGIN, "learner": 403, "other_learner": 403, "teacher": 403, "staff": 200, "admin": 200, "outsider_staff": 404},
            "POST": AS_GET,
        },
        "course_import": {
            "GET": {"anonymous": LOGIN, "learner": 403, "other_learner": 403, "teacher": 403, "staff": 404, "admin": 404, "outsider_staff": 404},
            "POST": AS_GET,
        },
    },
    # --- assignments: a learner reaches their own work only; teachers and staff the work of
    # the learners they follow (staff: of their establishment), anyone else a 404 --------------
    "assignments:assignment": {
        # Teachers and staff are sent on to the submissions.
        "own": {"GET": {"anonymous": LOGIN, "learner": 200, "other_learner": 404, "teacher": REDIRECT, "staff": REDIRECT, "admin": REDIRECT, "outsider_staff": REDIRECT}, "POST": {"anonymous": LOGIN, "learner": 405, "other_learner": 405, "teacher": 405, "staff": 405, "admin": 405, "outsider_staff": 405}},
        "others": {"GET": {"anonymous": LOGIN, "learner": 404, "other_learner": 200, "teacher": 404, "staff": REDIRECT, "admin": REDIRECT, "outsider_staff": REDIRECT}, "POST": {"anonymous": LOGIN, "learner": 405, "other_learner": 405, "teacher": 405, "staff": 405, "admin": 405, "outsider_staff": 405}},
    },
    "assignments:save": {
        "own": {"GET": {"anonymous": LOGIN, "learner": 405, "other_learner": 405, "teacher": 405, "staff": 405, "admin": 405, "outsider_staff": 405}, "POST": {"anonymous": LOGIN, "learner": REDIRECT, "other_learner": 404, "teacher": 404, "staff": 404, "admin": 404, "outsider_staff": 404}},
        "others": {"GET": {"anonymous": LOGIN, "learner": 405, "other_learner": 405, "teacher": 405, "staff": 405, "admin": 405, "outsider_staff": 405}, "POST": {"anonymous": LOGIN, "learner": 404, "other_learner": REDIRECT, "teacher": 404, "staff": 404, "admin": 404, "outsider_staff": 404}},
    },
    "assignments:file": {
        "own": {"GET": {"anonymous": LOGIN, "learner": 200, "other_learner": 404, "teacher": 200, "staff": 200, "admin": 200, "outsider_staff": 404}, "POST": {"anonymous": LOGIN, "learner": 405, "other_learner": 405, "teacher": 405, "staff": 405, "admin": 405, "outsider_staff": 405}},
        "others": {"GET": {"anonymous": LOGIN, "learner": 404, "other_learner": 200, "teacher": 404, "staff": 200, "admin": 200, "outsider_staff": 404}, "POST": {"anonymous": LOGIN, "learner": 405, "other_learner": 405, "teacher": 405, "staff": 405, "admin": 405, "outsider_staff": 405}},
        "mismatched": {"GET": {"anonymous": LOGIN, "learner": 404, "other_learner": 404, "teacher": 404, "staff": 404, "admin": 404, "outsider_staff": 404}, "POST": {"anonymous": LOGIN, "learner": 405, "other_learner": 405, "teacher": 405, "staff": 405, "admin": 405, "outsider_staff": 405}},
    },
    "assignments:feedback_file": {
        "own": {"GET": {"anonymous": LOGIN, "learner": 200, "other_learner": 404, "teacher": 200, "staff": 200, "admin": 200, "outsider_staff": 404}, "POST": {"anonymous": LOGIN, "learner": 405, "other_learner": 405, "teacher": 405, "staff": 405, "admin": 405, "outsider_staff": 405}},
        # A grade not released yet (marking workflow): its learner never gets its file before.
        "held": {"GET": {"anonymous": LOGIN, "learner": 404, "other_learner": 404, "teacher": 404, "staff": 200, "admin": 200, "outsider_staff": 404}, "POST": {"anonymous": LOGIN, "learner": 405, "other_learner": 405, "teacher": 405, "staff": 405, "admin": 405, "outsider_staff": 405}},
    },
    "assignments:submissions": {
        "own": {"GET": {"anonymous": LOGIN, "learner": 404, "other_learner": 404, "teacher": 200, "staff": 200, "admin": 200, "outsider_staff": 200}, "POST": {"anonymous": LOGIN, "learner": 405, "other_learner": 405, "teacher": 405, "staff": 405, "admin": 405, "outsider_staff": 405}},
        "others": {"GET": {"anonymous": LOGIN, "learner": 404, "other_learner": 404, "teacher": 404, "staff": 200, "admin": 200, "outsider_staff": 200}, "POST": {"anonymous": LOGIN, "learner": 405, "other_learner": 405, "teacher": 405, "staff": 405, "admin": 405, "outsider_staff": 405}},
    },
    "assignments:grade": {
        "own": {"GET": {"anonymous": LOGIN, "learner": 404, "other_learner": 404, "teacher": 200, "staff": 200, "admin": 200, "outsider_staff": 404}, "POST": {"anonymous": LOGIN, "learner": 404, "other_learner": 404, "teacher": REDIRECT, "staff": REDIRECT, "admin": REDIRECT, "outsider_staff": 404}},
        "others": {"GET": {"anonymous": LOGIN, "learner": 404, "other_learner": 404, "teacher": 404, "staff": 200, "admin": 200, "outsider_staff": 404}, "POST": {"anonymous": LOGIN, "learner": 404, "other_learner": 404, "teacher": 404, "staff": REDIRECT, "admin": REDIRECT, "outsider_staff": 404}},
    },
    "assignments:extension": {
        "own": {"GET": {"anonymous": LOGIN, "learner": 404, "other_learner": 404, "teacher": 200, "staff": 200, "admin": 200, "outsider_staff": 404}, "POST": {"anonymous": LOGIN, "learner": 404, "other_learner": 404, "teacher": REDIRECT, "staff": REDIRECT, "admin": REDIRECT, "outsider_staff": 404}},
        "others": {"GET": {"anonymous": LOGIN, "learner": 404, "other_learner": 404, "teacher": 404, "staff": 200, "admin": 200, "outsider_staff": 404}, "POST": {"anonymous": LOGIN, "learner": 404, "other_learner": 404, "teacher": 404, "staff": REDIRECT, "admin": REDIRECT, "outsider_staff": 404}},
    },
    "assignments:reopen": {
        # A draft cannot be reopened: a message, and back to the grading page.
        "own": {"GET": {"anonymous": LOGIN, "learner": 405, "other_learner": 405, "teacher": 405, "staff": 405, "admin": 405, "outsider_staff": 405}, "POST": {"anonymous": LOGIN, "learner": 404, "other_learner": 404, "teacher": REDIRECT, "staff": REDIRECT, "admin": REDIRECT, "outsider_staff": 404}},
        "others": {"GET": {"anonymous": LOGIN, "learner": 405, "other_learner": 405, "teacher": 405, "staff": 405, "admin": 405, "outsider_staff": 405}, "POST": {"anonymous": LOGIN, "learner": 404, "other_learner": 404, "teacher": 404, "staff": REDIRECT, "admin": REDIRECT, "outsider_staff": 404}},
    },
    "assignments:revert": {
        # A draft cannot go back to a draft: a message, and back to the grading page.
        "own": {"GET": {"anonymous": LOGIN, "learner": 405, "other_learner": 405, "teacher": 405, "staff": 405, "admin": 405, "outsider_staff": 405}, "POST": {"anonymous": LOGIN, "learner": 404, "other_learner": 404, "teacher": REDIRECT, "staff": REDIRECT, "admin": REDIRECT, "outsider_staff": 404}},
        "others": {"GET": {"anonymous": LOGIN, "learner": 405, "other_learner": 405, "teacher": 405, "staff": 405, "admin": 405, "outsider_staff": 405}, "POST": {"anonymous": LOGIN, "learner": 404, "other_learner": 404, "teacher": 404, "staff": REDIRECT, "admin": REDIRECT, "outsider_staff": 404}},
    },
    "assignments:marking": {
        # Moving ticked learners through the marking workflow: a learner the reader does not
        # follow is a 404; the matrix's assignment has no workflow: a message, and back.
        "own": {"GET": {"anonymous": LOGIN, "learner": 405, "other_learner": 405, "teacher": 405, "staff": 405, "admin": 405, "outsider_staff": 405}, "POST": {"anonymous": LOGIN, "learner": 404, "other_learner": 404, "teacher": REDIRECT, "staff": REDIRECT, "admin": REDIRECT, "outsider_staff": 404}},
        "others": {"GET": {"anonymous": LOGIN, "learner": 405, "other_learner": 405, "teacher": 405, "staff": 405, "admin": 405, "outsider_staff": 405}, "POST": {"anonymous": LOGIN, "learner": 404, "other_learner": 404, "teacher": 404, "staff": REDIRECT, "admin": REDIRECT, "outsider_staff": 404}},
    },
    # --- surveys: choices and surveys ---------------------------------------------------------
    # Learners answer (a POST saves and comes back); teachers and staff preview, never answer.
    "surveys:choice": {
        "own": {
            "GET": {"anonymous": LOGIN, "learner": 200, "other_learner": 404, "teacher": 200, "staff": 200, "admin": 200, "outsider_staff": 200},
            "POST": {"anonymous": LOGIN, "learner": REDIRECT, "other_learner": 404, "teacher": 403, "staff": 403, "admin": 403, "outsider_staff": 403},
        },
        "restricted": {
            # Closed by its access rule: the learner may neither open nor answer it.
            "GET": {"anonymous": LOGIN, "learner": 403, "other_learner": 404, "teacher": 200, "staff": 200, "admin": 200, "outsider_staff": 200},
            "POST": {"anonymous": LOGIN, "learner": 403, "other_learner": 404, "teacher": 403, "staff": 403, "admin": 403, "outsider_staff": 403},
        },
        "not_a_choice": {
            "GET": {"anonymous": LOGIN, "learner": 404, "other_learner": 404, "teacher": 404, "staff": 404, "admin": 404, "outsider_staff": 404},
            "POST": {"anonymous": LOGIN, "learner": 404, "other_learner": 404, "teacher": 404, "staff": 404, "admin": 404, "outsider_staff": 404},
        },
        "mismatched": {
            "GET": {"anonymous": LOGIN, "learner": 404, "other_learner": 404, "teacher": 404, "staff": 404, "admin": 404, "outsider_staff": 404},
            "POST": {"anonymous": LOGIN, "learner": 404, "other_learner": 404, "teacher": 404, "staff": 404, "admin": 404, "outsider_staff": 404},
        },
        "others": {
            "GET": {"anonymous": LOGIN, "learner": 404, "other_learner": 200, "teacher": 404, "staff": 200, "admin": 200, "outsider_staff": 200},
            "POST": {"anonymous": LOGIN, "learner": 404, "other_learner": REDIRECT, "teacher": 404, "staff": 403, "admin": 403, "outsider_staff": 403},
        },
        "unpublished": {
            "GET": {"anonymous": LOGIN, "learner": 404, "other_learner": 404, "teacher": 404, "staff": 200, "admin": 200, "outsider_staff": 200},
            "POST": {"anonymous": LOGIN, "learner": 404, "other_learner": 404, "teacher": 404, "staff": 403, "admin": 403, "outsider_staff": 403},
        },
    },
    # Who chose what: the course's teachers and staff; a download is a GET that writes nothing.
    "surveys:choice_results": {
        "own": {
            "GET": {"anonymous": LOGIN, "learner": 403, "other_learner": 404, "teacher": 200, "staff": 200, "admin": 200, "outsider_staff": 200},
            "POST": {"anonymous": LOGIN, "learner": 405, "other_learner": 405, "teacher": 405, "staff": 405, "admin": 405, "outsider_staff": 405},
        },
        "mismatched": {
            "GET": {"anonymous": LOGIN, "learner": 404, "other_learner": 404, "teacher": 404, "staff": 404, "admin": 404, "outsider_staff": 404},
            "POST": {"anonymous": LOGIN, "learner": 405, "other_learner": 405, "teacher": 405, "staff": 405, "admin": 405, "outsider_staff": 405},
        },
        "others": {
            "GET": {"anonymous": LOGIN, "learner": 404, "other_learner": 403, "teacher": 404, "staff": 200, "admin": 200, "outsider_staff": 200},
            "POST": {"anonymous": LOGIN, "learner": 405, "other_learner": 405, "teacher": 405, "staff": 405, "admin": 405, "outsider_staff": 405},
        },
        "unpublished": {
            "GET": {"anonymous": LOGIN, "learner": 404, "other_learner": 404, "teacher": 404, "staff": 200, "admin": 200, "outsider_staff": 200},
            "POST": {"anonymous": LOGIN, "learner": 405, "other_learner": 405, "teacher": 405, "staff": 405, "admin": 405, "outsider_staff": 405},
        },
    },
    # Who chose what: the course's teachers and staff; a download is a GET that writes nothing.
    "surveys:choice_csv": {
        "own": {
            "GET": {"anonymous": LOGIN, "learner": 403, "other_learner": 404, "teacher": 200, "staff": 200, "admin": 200, "outsider_staff": 200},
            "POST": {"anonymous": LOGIN, "learner": 405, "other_learner": 405, "teacher": 405, "staff": 405, "admin": 405, "outsider_staff": 405},
        },
        "mismatched": {
            "GET": {"anonymous": LOGIN, "learner": 404, "other_learner": 404, "teacher": 404, "staff": 404, "admin": 404, "outsider_staff": 404},
            "POST": {"anonymous": LOGIN, "learner": 405, "other_learner": 405, "teacher": 405, "staff": 405, "admin": 405, "outsider_staff": 405},
        },
        "others": {
            "GET": {"anonymous": LOGIN, "learner": 404, "other_learner": 403, "teacher": 404, "staff": 200, "admin": 200, "outsider_staff": 200},
            "POST": {"anonymous": LOGIN, "learner": 405, "other_learner": 405, "teacher": 405, "staff": 405, "admin": 405, "outsider_staff": 405},
        },
        "unpublished": {
            "GET": {"anonymous": LOGIN, "learner": 404, "other_learner": 404, "teacher": 404, "staff": 200, "admin": 200, "outsider_staff": 200},
            "POST": {"anonymous": LOGIN, "learner": 405, "other_learner": 405, "teacher": 405, "staff": 405, "admin": 405, "outsider_staff": 405},
        },
    },
    "surveys:feedback": {
        "own": {
            "GET": {"anonymous": LOGIN, "learner": 200, "other_learner": 404, "teacher": 200, "staff": 200, "admin": 200, "outsider_staff": 200},
            "POST": {"anonymous": LOGIN, "learner": REDIRECT, "other_learner": 404, "teacher": 403, "staff": 403, "admin": 403, "outsider_staff": 403},
        },
        "restricted": {
            # Closed by its access rule: the learner may neither open nor answer it.
            "GET": {"anonymous": LOGIN, "learner": 403, "other_learner": 404, "teacher": 200, "staff": 200, "admin": 200, "outsider_staff": 200},
            "POST": {"anonymous": LOGIN, "learner": 403, "other_learner": 404, "teacher": 403, "staff": 403, "admin": 403, "outsider_staff": 403},
        },
        "not_a_survey": {
            "GET": {"anonymous": LOGIN, "learner": 404, "other_learner": 404, "teacher": 404, "staff": 404, "admin": 404, "outsider_staff": 404},
            "POST": {"anonymous": LOGIN, "learner": 404, "other_learner": 404, "teacher": 404, "staff": 404, "admin": 404, "outsider_staff": 404},
        },
        "mismatched": {
            "GET": {"anonymous": LOGIN, "learner": 404, "other_learner": 404, "teacher": 404, "staff": 404, "admin": 404, "outsider_staff": 404},
            "POST": {"anonymous": LOGIN, "learner": 404, "other_learner": 404, "teacher": 404, "staff": 404, "admin": 404, "outsider_staff": 404},
        },
        "others": {
            "GET": {"anonymous": LOGIN, "learner": 404, "other_learner": 200, "teacher": 404, "staff": 200, "admin": 200, "outsider_staff": 200},
            "POST": {"anonymous": LOGIN, "learner": 404, "other_learner": REDIRECT, "teacher": 404, "staff": 403, "admin": 403, "outsider_staff": 403},
        },
        "unpublished": {
            "GET": {"anonymous": LOGIN, "learner": 404, "other_learner": 404, "teacher": 404, "staff": 200, "admin": 200, "outsider_staff": 200},
            "POST": {"anonymous": LOGIN, "learner": 404, "other_learner": 404, "teacher": 404, "staff": 403, "admin": 403, "outsider_staff": 403},
        },
        # A page of a survey of several pages, turned: its learner only; never another's.
        "own_page": {
            "GET": {"anonymous": LOGIN, "learner": 200, "other_learner": 404, "teacher": 200, "staff": 200, "admin": 200, "outsider_staff": 200},
            "POST": {"anonymous": LOGIN, "learner": REDIRECT, "other_learner": 404, "teacher": 403, "staff": 403, "admin": 403, "outsider_staff": 403},
        },
        "restricted_page": {
            "GET": {"anonymous": LOGIN, "learner": 403, "other_learner": 404, "teacher": 200, "staff": 200, "admin": 200, "outsider_staff": 200},
            "POST": {"anonymous": LOGIN, "learner": 403, "other_learner": 404, "teacher": 403, "staff": 403, "admin": 403, "outsider_staff": 403},
        },
        "others_page": {
            "GET": {"anonymous": LOGIN, "learner": 404, "other_learner": 200, "teacher": 404, "staff": 200, "admin": 200, "outsider_staff": 200},
            "POST": {"anonymous": LOGIN, "learner": 404, "other_learner": REDIRECT, "teacher": 404, "staff": 403, "admin": 403, "outsider_staff": 403},
        },
    },
    # A survey's answers: the course's teachers and staff.
    "surveys:feedback_results": {
        "own": {
            "GET": {"anonymous": LOGIN, "learner": 403, "other_learner": 404, "teacher": 200, "staff": 200, "admin": 200, "outsider_staff": 200},
            "POST": {"anonymous": LOGIN, "learner": 405, "other_learner": 405, "teacher": 405, "staff": 405, "admin": 405, "outsider_staff": 405},
        },
        "mismatched": {
            "GET": {"anonymous": LOGIN, "learner": 404, "other_learner": 404, "teacher": 404, "staff": 404, "admin": 404, "outsider_staff": 404},
            "POST": {"anonymous": LOGIN, "learner": 405, "other_learner": 405, "teacher": 405, "staff": 405, "admin": 405, "outsider_staff": 405},
        },
        "others": {
            "GET": {"anonymous": LOGIN, "learner": 404, "other_learner": 403, "teacher": 404, "staff": 200, "admin": 200, "outsider_staff": 200},
            "POST": {"anonymous": LOGIN, "learner": 405, "other_learner": 405, "teacher": 405, "staff": 405, "admin": 405, "outsider_staff": 405},
        },
        "unpublished": {
            "GET": {"anonymous": LOGIN, "learner": 404, "other_learner": 404, "teacher": 404, "staff": 200, "admin": 200, "outsider_staff": 200},
            "POST": {"anonymous": LOGIN, "learner": 405, "other_learner": 405, "teacher": 405, "staff": 405, "admin": 405, "outsider_staff": 405},
        },
    },
    # A survey's answers: the course's teachers and staff.
    "surveys:feedback_csv": {
        "own": {
            "GET": {"anonymous": LOGIN, "learner": 403, "other_learner": 404, "teacher": 200, "staff": 200, "admin": 200, "outsider_staff": 200},
            "POST": {"anonymous": LOGIN, "learner": 405, "other_learner": 405, "teacher": 405, "staff": 405, "admin": 405, "outsider_staff": 405},
        },
        "mismatched": {
            "GET": {"anonymous": LOGIN, "learner": 404, "other_learner": 404, "teacher": 404, "staff": 404, "admin": 404, "outsider_staff": 404},
            "POST": {"anonymous": LOGIN, "learner": 405, "other_learner": 405, "teacher": 405, "staff": 405, "admin": 405, "outsider_staff": 405},
        },
        "others": {
            "GET": {"anonymous": LOGIN, "learner": 404, "other_learner": 403, "teacher": 404, "staff": 200, "admin": 200, "outsider_staff": 200},
            "POST": {"anonymous": LOGIN, "learner": 405, "other_learner": 405, "teacher": 405, "staff": 405, "admin": 405, "outsider_staff": 405},
        },
        "unpublished": {
            "GET": {"anonymous": LOGIN, "learner": 404, "other_learner": 404, "teacher": 404, "staff": 200, "admin": 200, "outsider_staff": 200},
            "POST": {"anonymous": LOGIN, "learner": 405, "other_learner": 405, "teacher": 405, "staff": 405, "admin": 405, "outsider_staff": 405},
        },
    },
    # --- access hours, sessions, the clock (staff) ----------------------------------------------
    # Staff of an establishment manage its hours and sessions; administrators every one.
    "access:index": {
        NO_ARGS: {
            "GET": {"anonymous": LOGIN, "learner": 403, "other_learner": 403, "teacher": 403, "staff": 200, "admin": 200, "outsider_staff": 200},
            "POST": AS_GET,
        },
    },
    "access:hours": {
        "own": {
            "GET": {"anonymous": LOGIN, "learner": 403, "other_learner": 403, "teacher": 403, "staff": 200, "admin": 200, "outsider_staff": 404},
            "POST": AS_GET,
        },
        "elsewhere": {
            "GET": {"anonymous": LOGIN, "learner": 403, "other_learner": 403, "teacher": 403, "staff": 404, "admin": 200, "outsider_staff": 200},
            "POST": AS_GET,
        },
    },
    "access:window_new": {
        "own": {
            "GET": {"anonymous": LOGIN, "learner": 403, "other_learner": 403, "teacher": 403, "staff": 200, "admin": 200, "outsider_staff": 404},
            "POST": {"anonymous": LOGIN, "learner": 403, "other_learner": 403, "teacher": 403, "staff": REDIRECT, "admin": REDIRECT, "outsider_staff": 404},
        },
        "elsewhere": {
            "GET": {"anonymous": LOGIN, "learner": 403, "other_learner": 403, "teacher": 403, "staff": 404, "admin": 200, "outsider_staff": 200},
            "POST": {"anonymous": LOGIN, "learner": 403, "other_learner": 403, "teacher": 403, "staff": 404, "admin": REDIRECT, "outsider_staff": REDIRECT},
        },
    },
    "access:exception_new": {
        "own": {
            "GET": {"anonymous": LOGIN, "learner": 403, "other_learner": 403, "teacher": 403, "staff": 200, "admin": 200, "outsider_staff": 404},
            "POST": {"anonymous": LOGIN, "learner": 403, "other_learner": 403, "teacher": 403, "staff": REDIRECT, "admin": REDIRECT, "outsider_staff": 404},
        },
        "elsewhere": {
            "GET": {"anonymous": LOGIN, "learner": 403, "other_learner": 403, "teacher": 403, "staff": 404, "admin": 200, "outsider_staff": 200},
            "POST": {"anonymous": LOGIN, "learner": 403, "other_learner": 403, "teacher": 403, "staff": 404, "admin": REDIRECT, "outsider_staff": REDIRECT},
        },
    },
    "access:rule_edit": {
        "own": {
            "GET": {"anonymous": LOGIN, "learner": 403, "other_learner": 403, "teacher": 403, "staff": 200, "admin": 200, "outsider_staff": 404},
            "POST": {"anonymous": LOGIN, "learner": 403, "other_learner": 403, "teacher": 403, "staff": REDIRECT, "admin": REDIRECT, "outsider_staff": 404},
        },
        "elsewhere": {
            "GET": {"anonymous": LOGIN, "learner": 403, "other_learner": 403, "teacher": 403, "staff": 404, "admin": 200, "outsider_staff": 200},
            "POST": {"anonymous": LOGIN, "learner": 403, "other_learner": 403, "teacher": 403, "staff": 404, "admin": REDIRECT, "outsider_staff": REDIRECT},
        },
    },
    "access:rule_delete": {
        "own": {
            "GET": {"anonymous": LOGIN, "learner": 403, "other_learner": 403, "teacher": 403, "staff": 405, "admin": 405, "outsider_staff": 405},
            "POST": {"anonymous": LOGIN, "learner": 403, "other_learner": 403, "teacher": 403, "staff": REDIRECT, "admin": REDIRECT, "outsider_staff": 404},
        },
        "elsewhere": {
            "GET": {"anonymous": LOGIN, "learner": 403, "other_learner": 403, "teacher": 403, "staff": 405, "admin": 405, "outsider_staff": 405},
            "POST": {"anonymous": LOGIN, "learner": 403, "other_learner": 403, "teacher": 403, "staff": 404, "admin": REDIRECT, "outsider_staff": REDIRECT},
        },
    },
    "access:sessions": {
        NO_ARGS: {
            "GET": {"anonymous": LOGIN, "learner": 403, "other_learner": 403, "teacher": 403, "staff": 200, "admin": 200, "outsider_staff": 200},
            "POST": AS_GET,
        },
    },
    # Ending a session: the learner's (signed in) and another establishment's learner's.
    "access:end_session": {
        "learner": {
            "GET": {"anonymous": LOGIN, "learner": 403, "other_learner": 403, "teacher": 403, "staff": 405, "admin": 405, "outsider_staff": 405},
            "POST": {"anonymous": LOGIN, "learner": 403, "other_learner": 403, "teacher": 403, "staff": REDIRECT, "admin": REDIRECT, "outsider_staff": 404},
        },
        "outsider_learner": {
            "GET": {"anonymous": LOGIN, "learner": 403, "other_learner": 403, "teacher": 403, "staff": 405, "admin": 405, "outsider_staff": 405},
            "POST": {"anonymous": LOGIN, "learner": 403, "other_learner": 403, "teacher": 403, "staff": 404, "admin": REDIRECT, "outsider_staff": REDIRECT},
        },
    },
    # A learner's own hours (whoever is a learner reads their own; no one else's).
    "access:my_hours": {
        NO_ARGS: {
            "GET": {"anonymous": LOGIN, "learner": 200, "other_learner": 200, "teacher": 403, "staff": 403, "admin": 403, "outsider_staff": 403},
            "POST": AS_GET,
        },
    },
    "access:clock": {
        NO_ARGS: {
            "GET": {"anonymous": LOGIN, "learner": 403, "other_learner": 403, "teacher": 403, "staff": 200, "admin": 200, "outsider_staff": 200},
            "POST": AS_GET,
        },
    },
    # Setting the clock: administrators only (without CARTABLE_CLOCK_COMMAND, the page shows
    # the command to run).
    "access:clock_set": {
        NO_ARGS: {
            "GET": {"anonymous": LOGIN, "learner": 403, "other_learner": 403, "teacher": 403, "staff": 405, "admin": 405, "outsider_staff": 405},
            "POST": {"anonymous": LOGIN, "learner": 403, "other_learner": 403, "teacher": 403, "staff": 403, "admin": 200, "outsider_staff": 403},
        },
    },
    "access:clock_confirm": {
        NO_ARGS: {
            "GET": {"anonymous": LOGIN, "learner": 403, "other_learner": 403, "teacher": 403, "staff": 405, "admin": 405, "outsider_staff": 405},
            "POST": {"anonymous": LOGIN, "learner": 403, "other_learner": 403, "teacher": 403, "staff": 403, "admin": REDIRECT, "outsider_staff": 403},
        },
    },
    # --- devices: enrolment on the device, staff's register, loans, the sign-in rule ----------
    # Anyone types a code on the device to enrol it (the world's code is valid: enrolled).
    "devices:enrol": {NO_ARGS: {"GET": everyone(200), "POST": everyone(REDIRECT)}},
    "devices:list": {NO_ARGS: {"GET": devices_staff(200, 200), "POST": AS_GET}},
    "devices:new": {NO_ARGS: {"GET": devices_staff(200, 200), "POST": devices_staff(REDIRECT, REDIRECT)}},
    "devices:groups": {NO_ARGS: {"GET": devices_staff(200, 200), "POST": devices_staff(REDIRECT, REDIRECT)}},
    "devices:loans": {NO_ARGS: {"GET": devices_staff(200, 200), "POST": AS_GET}},
    "devices:overdue": {NO_ARGS: {"GET": devices_staff(200, 200), "POST": AS_GET}},
    # ``own``: the establishment's; ``others``: another establishment's.
    "devices:detail": {
        "own": {"GET": devices_staff(200, 404), "POST": AS_GET},
        "others": {"GET": devices_staff(404, 200, 200), "POST": AS_GET},
    },
    # A device group: staff of its establishment rename it; deleting one that holds a device
    # is refused (back to its page, nothing changed).
    "devices:group_edit": {
        "own": {"GET": devices_staff(200, 404), "POST": devices_staff(REDIRECT, 404)},
        "others": {"GET": devices_staff(404, 200, 200), "POST": devices_staff(404, REDIRECT, REDIRECT)},
    },
    "devices:group_delete": {
        "own": {"GET": devices_staff(405, 405), "POST": devices_staff(REDIRECT, 404)},
        "others": {"GET": devices_staff(405, 405), "POST": devices_staff(404, REDIRECT, REDIRECT)},
    },
    "devices:edit": {
        "own": {"GET": devices_staff(200, 404), "POST": devices_staff(REDIRECT, 404)},
        "others": {"GET": devices_staff(404, 200, 200), "POST": devices_staff(404, REDIRECT, REDIRECT)},
    },
    # POST makes a code and shows it.
    "devices:code": {
        "own": {"GET": devices_staff(200, 404), "POST": devices_staff(200, 404)},
        "others": {"GET": devices_staff(404, 200, 200), "POST": devices_staff(404, 200, 200)},
    },
    "devices:revoke": {
        "own": {"GET": devices_staff(405, 405), "POST": devices_staff(REDIRECT, 404)},
        "others": {"GET": devices_staff(405, 405), "POST": devices_staff(404, REDIRECT, REDIRECT)},
    },
    "devices:checkout": {
        "own": {"GET": devices_staff(200, 404), "POST": devices_staff(REDIRECT, 404)},
        "others": {"GET": devices_staff(404, 200, 200), "POST": devices_staff(404, REDIRECT, REDIRECT)},
    },
    # The loan form, to print.
    "devices:loan": {
        "own": {"GET": devices_staff(200, 404), "POST": AS_GET},
        "others": {"GET": devices_staff(404, 200, 200), "POST": AS_GET},
    },
    "devices:return": {
        "own": {"GET": devices_staff(200, 404), "POST": devices_staff(REDIRECT, 404)},
        "others": {"GET": devices_staff(404, 200, 200), "POST": devices_staff(404, REDIRECT, REDIRECT)},
    },
    "devices:rule": {
        "own": {"GET": devices_staff(200, 404), "POST": devices_staff(REDIRECT, 404)},
        "others": {"GET": devices_staff(404, 200, 200), "POST": devices_staff(404, REDIRECT, REDIRECT)},
    },
    # --- exchange_api: the hub's online exchange (tests/test_exchange_online.py) ---------------
    # Off unless CARTABLE_EXCHANGE_API_ENABLED; on, only a request signed by a registered box's
    # key gets in, and no session does (tested there).
    "exchange_api:push": {NO_ARGS: {"GET": everyone(404), "POST": everyone(404)}},
    "exchange_api:pull": {NO_ARGS: {"GET": everyone(404), "POST": everyone(404)}},
    # --- exchange: administrators only ------------------------------------------------------
    # POST: identity made (redirect), peer registered (redirect), a bundle downloaded (200),
    # a form without its file refused (400), a learners' file previewed (200).
    "exchange:identity": {NO_ARGS: {"GET": admins_only(200), "POST": admins_only(REDIRECT)}},
    "exchange:peers": {NO_ARGS: {"GET": admins_only(200), "POST": admins_only(REDIRECT)}},
    "exchange:export": {NO_ARGS: {"GET": admins_only(200), "POST": admins_only(200)}},
    "exchange:import": {NO_ARGS: {"GET": admins_only(200), "POST": admins_only(400)}},
    "exchange:history": {NO_ARGS: {"GET": admins_only(200), "POST": AS_GET}},
    "exchange:learners": {NO_ARGS: {"GET": admins_only(200), "POST": admins_only(200)}},
    # Offers (on a hub): every file sent again to a box (redirect).
    "exchange:offers": {NO_ARGS: {"GET": admins_only(200), "POST": admins_only(REDIRECT)}},
}
# fmt: on


# --- The cases ------------------------------------------------------------------------------


def _cases() -> Iterator[Any]:
    for route, variants in EXPECTED.items():
        for variant, methods in variants.items():
            for method in METHODS:
                row = methods.get(method)
                if row == AS_GET:
                    row = methods.get("GET")
                if not isinstance(row, dict):
                    continue  # test_the_table_is_complete says what is missing
                for persona in PERSONAS:
                    cell = row.get(persona)
                    if cell is None:
                        continue
                    where = route if variant == NO_ARGS else f"{route}[{variant}]"
                    marks = []
                    if isinstance(cell, Bug):
                        marks.append(pytest.mark.xfail(strict=True, reason=cell.reason))
                        cell = cell.expected
                    yield pytest.param(
                        route, variant, persona, method, cell,
                        id=f"{where}-{persona}-{method}", marks=marks,
                    )  # fmt: skip


CASES = list(_cases())


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory) -> Iterator[World]:
    """The objects every case runs on, made once in a transaction rolled back at the end of the
    module; each test runs in a savepoint inside it (pytest-django's ``db``)."""
    content = tmp_path_factory.mktemp("matrix-content")
    with (
        django_db_blocker.unblock(),
        override_settings(CONTENT_ROOT=content),
        transaction.atomic(),
    ):
        built = build_world()
        # The world's foreign keys checked once, here, outside the tests' savepoints. Left
        # pending (PostgreSQL defers them to the commit), every test's closing check (Django's
        # TestCase) fired them all again, then its savepoint's rollback put them back pending:
        # 3.3 ms a test.
        connection.check_constraints()
        built.content_root = content
        built.home = tmp_path_factory.mktemp("matrix-home")
        for persona, user in built.personas.items():  # signing in once is enough
            client = Client()
            client.force_login(user)
            built.sessions[persona] = client.cookies[settings.SESSION_COOKIE_NAME].value
        yield built
        transaction.set_rollback(True)


@pytest.fixture(autouse=True)
def home(settings, world) -> Path:
    """Replaces tests/conftest.py's fixture: one data folder for every case, as one box has
    (a folder of its own per case gave each refusal logged a new audit key to make, and the
    chain's warning that the key had changed), and the world's content store, made once."""
    settings.HOME = world.home
    settings.TMP_ROOT = world.home / "tmp"
    settings.FILE_UPLOAD_TEMP_DIR = str(settings.TMP_ROOT)
    settings.CONTENT_ROOT = world.content_root
    return world.home


def client_for(world: World, persona: str) -> Client:
    client = Client()
    if persona != "anonymous":
        client.cookies[settings.SESSION_COOKIE_NAME] = world.sessions[persona]
    return client


@pytest.mark.django_db
@pytest.mark.parametrize(("route", "variant", "persona", "method", "expected"), CASES)
def test_it_gives_each_persona_the_expected_outcome(
    world: World, route: str, variant: str, persona: str, method: str, expected: Outcome
) -> None:
    if route not in project_routes():
        pytest.skip(f"{route} is no longer a route (test_it_covers_every_route fails)")
    target = TARGETS[route][variant](world)
    url = reverse(route, kwargs=target.kwargs)
    client = client_for(world, persona)
    # A refused request changes nothing (it may log the attempt: access.refused). A GET that
    # is not refused may record that its reader viewed the page (their own progress by
    # viewing: views, completion on view) and nothing else: no audit entry, no change to
    # accounts, courses, plans or jobs. Writes answer POST only (with CSRF), so that imported
    # content, which can make a browser send any GET to the box, cannot make one.
    viewer = None
    if method == "GET" and not is_refusal(expected, persona) and persona != "anonymous":
        viewer = world.personas[persona]
    watched = method == "GET" or is_refusal(expected, persona)
    before = snapshot(viewer) if watched else None
    response = client.get(url) if method == "GET" else client.post(url, target.post)
    actual = outcome_of(response)
    if response.streaming:  # read to the end: the test client then closes it (files, CSV)
        b"".join(response.streaming_content)
    assert matches(expected, actual), (
        f"{method} {url} as {persona}: expected {expected}, got {actual} "
        f"(table entry EXPECTED[{route!r}][{variant!r}][{method!r}][{persona!r}])"
    )
    if before is not None:
        after = snapshot(viewer)
        changed = [name for name in before if before[name] != after[name]]
        why = "was refused" if is_refusal(expected, persona) else "is a GET"
        assert not changed, f"{method} {url} as {persona} {why} but changed: {changed}"


# --- The table against the URL configuration ----------------------------------------------------


def test_it_covers_every_route() -> None:
    routes = project_routes()
    missing = sorted(set(routes) - set(EXPECTED))
    gone = sorted(set(EXPECTED) - set(routes))
    problems = [
        f"route {name!r} ({routes[name].pattern}) is not in EXPECTED: add what each persona "
        "gets there (and its objects to TARGETS in tests/authorization.py)"
        for name in missing
    ] + [f"EXPECTED lists {name!r}, which is no longer a route: remove it" for name in gone]
    assert not problems, "\n".join(problems)


def test_the_table_is_complete() -> None:
    routes = project_routes()
    problems = []
    for route, variants in EXPECTED.items():
        if not variants:
            problems.append(f"{route}: no variant")
        for variant, methods in variants.items():
            where = f"{route}[{variant}]"
            if set(methods) != set(METHODS):
                problems.append(f"{where}: give exactly {METHODS}, not {sorted(methods)}")
            if methods.get("GET") == AS_GET:
                problems.append(f"{where}: GET cannot be {AS_GET!r}")
            for method, row in methods.items():
                if isinstance(row, dict) and set(row) != set(PERSONAS):
                    problems.append(f"{where} {method}: give exactly the personas {PERSONAS}")
            if variant not in TARGETS.get(route, {}):
                problems.append(f"{where}: no TARGETS entry to build its address")
            if route in routes and (variant == NO_ARGS) != (not routes[route].params):
                problems.append(
                    f"{where}: use {NO_ARGS!r} exactly for routes without parameters "
                    f"({routes[route].pattern})"
                )
        extra = set(TARGETS.get(route, {})) - set(variants)
        if extra:
            problems.append(f"{route}: TARGETS has variants the table lacks: {sorted(extra)}")
    problems += [f"TARGETS lists {r!r}, not in EXPECTED" for r in set(TARGETS) - set(EXPECTED)]
    assert not problems, "\n".join(problems)


@pytest.mark.django_db
def test_every_variant_fills_its_route(world: World) -> None:
    """Each variant's objects fill exactly the route's parameters (and the objects exist)."""
    routes = project_routes()
    problems = []
    for route, variants in TARGETS.items():
        if route not in routes:
            continue
        for variant, build in variants.items():
            given = set(build(world).kwargs)
            if given != routes[route].params:
                problems.append(
                    f"{route}[{variant}] fills {sorted(given)}; {routes[route].pattern} "
                    f"needs {sorted(routes[route].params)}"
                )
    assert not problems, "\n".join(problems)


# --- What the pages show, beyond their status ----------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("route", ["learning:learners", "learning:plan", "accounts:participants"])
def test_it_shows_staff_their_establishments_learners(world: World, route: str) -> None:
    learner: User = world.personas["learner"]
    page = client_for(world, "staff").get(reverse(route, kwargs={"course_id": world.own.course.pk}))
    assert page.status_code == 200
    assert learner.last_name in page.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("route", ["learning:learners", "learning:plan", "accounts:participants"])
def test_it_shows_staff_none_of_another_establishments_learners(world: World, route: str) -> None:
    learner: User = world.personas["learner"]
    page = client_for(world, "outsider_staff").get(
        reverse(route, kwargs={"course_id": world.own.course.pk})
    )
    assert page.status_code == 200
    assert learner.last_name not in page.content.decode()
