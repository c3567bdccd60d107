"""The device rule on the sign-in path and on every learner request.

``check_sign_in`` is the one call the sign-in form makes. A learner who passes is bound to
the device in their session (``signals.py``): ``[device id, checked at, credential hash]``.
Then, on each of their requests (``middleware.device_rule``):

- every minute, and at once if the device's cookie changed, the whole rule is checked again
  (its rows may have changed: the establishment's rule, the device's group or state);
- in between, a learner bound to a device costs one query by primary key, so that a device
  whose enrolment is withdrawn (or that is marked lost) ends its session at the next request;
- a learner the rule does not apply to costs nothing.

A refusal ends the session with the reason, and is audited.
"""

from __future__ import annotations

import time
from typing import Any

from django.contrib import messages
from django.contrib.auth import logout
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils import timezone

from cartable.accounts.models import Role, User
from cartable.audit.actions import record, record_repeated
from cartable.devices import credentials, rules
from cartable.devices.models import Device

SESSION_KEY = "cartable_device"
CHECK_EVERY = 60  # seconds
_VERDICT = "_cartable_device_verdict"


def check_sign_in(request: HttpRequest | None, user: User) -> None:
    """Refuse (ValidationError, audited) a learner's sign-in from a device the rule forbids."""
    if request is None or user.role != Role.LEARNER:
        return
    verdict = rules.refusal(user, credentials.from_request(request))
    if not verdict.allowed:
        record_repeated(
            "device.sign_in_refused",
            actor=user,
            target=user,
            about=verdict.reason,
            details={"reason": verdict.reason, "device": verdict.device_label},
            request=request,
        )
        raise ValidationError(rules.message(verdict.reason), code="device")
    setattr(request, _VERDICT, verdict)


def bind(request: HttpRequest, user: Any) -> None:
    """After a sign-in the form checked: remember the learner's device in the new session;
    note when an enrolled device was last used to sign in."""
    verdict: rules.Verdict | None = getattr(request, _VERDICT, None)
    if verdict is None and getattr(user, "role", None) == Role.LEARNER:
        # Signed in without the form (a new password's own session, tests): the rule is read
        # here, at sign-in, rather than on the learner's first page.
        verdict = rules.refusal(user, credentials.from_request(request))
        if not verdict.allowed:
            return  # the first request ends this session, audited
    if verdict is not None and getattr(user, "role", None) == Role.LEARNER:
        request.session[SESSION_KEY] = [verdict.device_id, int(time.time()), verdict.credential]
        if verdict.device_id is not None:
            _seen(verdict.device_id)
            return
    credential = credentials.from_request(request)
    if credential:  # anyone signing in on an enrolled device: it was seen
        Device.objects.filter(credential_hash=credential, revoked_at__isnull=True).update(
            last_seen_at=timezone.now()
        )


def _seen(device_id: int) -> None:
    Device.objects.filter(pk=device_id).update(last_seen_at=timezone.now())


def still_allowed(request: HttpRequest, now: int) -> bool:
    """The check of each learner request (see the module's docstring)."""
    user: User = request.user  # type: ignore[assignment]
    bound = request.session.get(SESSION_KEY)
    credential = credentials.from_request(request)
    if (
        isinstance(bound, list)
        and len(bound) == 3
        and now - int(bound[1]) < CHECK_EVERY
        and (bound[0] is None or bound[2] == credential)
    ):
        device_id = bound[0]
        if device_id is None:
            return True
        if Device.objects.filter(
            pk=device_id,
            credential_hash=credential,
            revoked_at__isnull=True,
            state=Device.State.ACTIVE,
        ).exists():
            return True
    verdict = rules.refusal(user, credential)
    if verdict.allowed:
        request.session[SESSION_KEY] = [verdict.device_id, now, verdict.credential]
        if verdict.device_id is not None:
            _seen(verdict.device_id)
        return True
    record(
        "device.session_ended",
        actor=user,
        target=user,
        details={"reason": verdict.reason, "device": verdict.device_label},
        request=request,
    )
    logout(request)
    messages.error(request, rules.message(verdict.reason))
    return False
