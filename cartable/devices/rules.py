"""The sign-in rule: may this learner use this device?

An establishment may ask its learners to sign in only from the box's enrolled devices
(``DevicePolicy.enrolled_only``), and only from some device groups (its rooms, its wings of
cells). A group of learners (a cohort) may have its own device groups
(``CohortDeviceRule``): for its members they replace the establishment's, and ask for an
enrolled device too. Staff, administrators and teachers sign in from anywhere.

``refusal`` answers at sign-in (``check_sign_in``, called by the sign-in form) and again,
once a minute, on the learner's requests (``middleware.device_rule``).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _

from cartable.accounts.models import Role, User
from cartable.devices.models import CohortDeviceRule, Device, DevicePolicy


@dataclass(frozen=True)
class Rule:
    required: bool  # an enrolled device is required
    groups: frozenset[int] | None  # the device groups allowed; None: any group (or none)


NO_RULE = Rule(required=False, groups=None)


@dataclass(frozen=True)
class Verdict:
    device_id: int | None  # the device the learner is on, when the rule applies
    credential: str  # the hash of the device's credential ("" when the rule does not apply)
    reason: str = ""  # why the learner is refused ("" when allowed)
    device_label: str = ""

    @property
    def allowed(self) -> bool:
        return not self.reason


NOT_ENROLLED = "not_enrolled"
REVOKED = "revoked"
OUT_OF_SERVICE = "out_of_service"
OUTSIDE_GROUPS = "outside_groups"


def rule_for(user: User) -> Rule:
    """One or two small queries, for learners only."""
    if user.role != Role.LEARNER or user.establishment_id is None:
        return NO_RULE
    through = CohortDeviceRule.groups.through
    by_cohort = frozenset(
        through.objects.filter(cohortdevicerule__cohort__members=user).values_list(
            "devicegroup_id", flat=True
        )
    )
    if by_cohort:
        return Rule(required=True, groups=by_cohort)
    rows = list(
        DevicePolicy.objects.filter(establishment_id=user.establishment_id).values_list(
            "enrolled_only", "groups"
        )
    )
    if not rows or not rows[0][0]:
        return NO_RULE
    groups = frozenset(group for _required, group in rows if group is not None)
    return Rule(required=True, groups=groups or None)


def refusal(user: User, credential: str) -> Verdict:
    """Whether ``user`` may work from the device whose credential hashes to ``credential``."""
    rule = rule_for(user)
    if not rule.required or user.establishment_id is None:
        return Verdict(device_id=None, credential="")
    device = (
        Device.objects.filter(credential_hash=credential, establishment_id=user.establishment_id)
        .values_list("pk", "label", "state", "revoked_at", "group_id")
        .first()
        if credential
        else None
    )
    if device is None:
        return Verdict(None, credential, NOT_ENROLLED)
    pk, label, state, revoked_at, group_id = device
    if revoked_at is not None:
        reason = REVOKED
    elif state != Device.State.ACTIVE:
        reason = OUT_OF_SERVICE
    elif rule.groups is not None and group_id not in rule.groups:
        reason = OUTSIDE_GROUPS
    else:
        reason = ""
    return Verdict(pk, credential, reason, label)


def message(reason: str) -> str:
    """What the learner reads, in their language."""
    if reason == REVOKED:
        return _(
            "This device's enrolment has been withdrawn: you cannot sign in from it. Ask the staff."
        )
    if reason == OUT_OF_SERVICE:
        return _("This device is out of service: you cannot sign in from it. Ask the staff.")
    if reason == OUTSIDE_GROUPS:
        return _(
            "You may not sign in from this device here. Ask the staff which devices or "
            "rooms you may use."
        )
    return _(
        "This device is not enrolled: you may sign in only from the establishment's "
        "enrolled devices. Ask the staff."
    )
