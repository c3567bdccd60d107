"""What the audit log's action codes mean, for people. A code without a label is shown as is:
add one here with each new ``record("app.what", ...)``."""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

CATEGORIES: dict[str, Promise] = {
    "auth": _("Sign-in"),
    "access": _("Refused pages"),
    "account": _("Accounts"),
    "group": _("Groups"),
    "enrolment": _("Enrolments"),
    "course": _("Courses"),
    "review": _("Review"),
    "plan": _("Study plans"),
    "grade": _("Grades"),
    "message": _("Messages"),
    "establishment": _("Establishments"),
    "institution": _("Institutions"),
    "audit": _("Audit log"),
    "box": _("The box"),
    "hours": _("Access hours"),
    "session": _("Sessions"),
    "clock": _("The box’s clock"),
    "device": _("Devices"),
    "loan": _("Device loans"),
    "records": _("Learners' records"),
}

ACTIONS: dict[str, Promise] = {
    "box.temporary_files_removed": _("Files left by stopped processes removed"),
    "auth.sign_in": _("Signed in"),
    "auth.sign_in_failed": _("Failed sign-in"),
    "auth.sign_out": _("Signed out"),
    "access.refused": _("Tried a page of another role"),
    "account.created": _("Account created"),
    "account.imported": _("Accounts imported from a CSV file"),
    "account.password_changed": _("Password changed by its owner"),
    "account.password_reset": _("New password given"),
    "account.deactivated": _("Account deactivated"),
    "account.reactivated": _("Account reactivated"),
    "account.unlocked": _("Account unlocked after wrong passwords"),
    "account.groups_changed": _("Groups of an account changed"),
    "group.created": _("Group created"),
    "enrolment.created": _("Enrolled in a course"),
    "enrolment.changed": _("Enrolment changed"),
    "enrolment.removed": _("Enrolment removed"),
    "course.created": _("Course created"),
    "course.import_requested": _("Course import requested"),
    "course.imported": _("Course imported"),
    "course.questions_import_requested": _("Question file import requested"),
    "course.questions_imported": _("Questions imported from a file"),
    "course.published": _("Course published"),
    "review.course_approved": _("Course approved"),
    "review.course_rejected": _("Course rejected"),
    "review.changes_rejected": _("Course changes rejected"),
    "review.activity_approved": _("Activity approved"),
    "review.activity_rejected": _("Activity rejected"),
    "plan.item_added": _("Added to a study plan"),
    "plan.item_removed": _("Removed from a study plan"),
    "grade.recorded": _("Grade given"),
    "grade.changed": _("Grade changed"),
    "grade.exported": _("Grades exported"),
    "grade.withheld": _("Grade hidden from the learner again"),
    "message.sent": _("Message sent"),
    "message.submitted": _("Message written, waiting for staff approval"),
    "message.approved": _("Message approved and delivered"),
    "message.refused": _("Message refused"),
    "message.rule_changed": _("Rule for messages changed (approval, files)"),
    "establishment.created": _("Establishment created"),
    "establishment.changed": _("Establishment renamed or changed"),
    "institution.created": _("Institution created"),
    "institution.changed": _("Institution renamed or changed"),
    "audit.exported": _("Audit log exported"),
    "audit.head_reset": _("End of the audit log accepted"),
    "hours.rule_created": _("Access hours added"),
    "hours.rule_changed": _("Access hours changed"),
    "hours.rule_deleted": _("Access hours deleted"),
    "hours.sign_in_refused": _("Sign-in refused outside access hours"),
    "hours.session_closed": _("Session ended at the end of access hours"),
    "session.replaced": _("Earlier session ended by a new sign-in"),
    "session.ended": _("Session ended by staff"),
    "clock.set": _("Clock set"),
    "clock.set_failed": _("Clock could not be set"),
    "clock.correction_asked": _("Clock correction asked for"),
    "clock.confirmed": _("Clock confirmed as right"),
    "device.created": _("Device added"),
    "device.changed": _("Device changed"),
    "device.group_created": _("Device group created"),
    "device.code_issued": _("Enrolment code made for a device"),
    "device.enrolled": _("Device enrolled"),
    "device.enrolment_refused": _("Wrong enrolment code"),
    "device.revoked": _("Device enrolment withdrawn"),
    "device.rule_changed": _("Device sign-in rule changed"),
    "device.group_rule_changed": _("Device sign-in rule of a group changed"),
    "device.sign_in_refused": _("Sign-in refused on this device"),
    "device.session_ended": _("Session ended: device not allowed"),
    "loan.checked_out": _("Device lent"),
    "loan.returned": _("Lent device returned"),
    "records.account_closed": _("Account closed on transfer or release"),
    "records.portfolio_issued": _("Portfolio issued"),
    "records.transfer_exported": _("Transfer export written"),
    "records.transfer_imported": _("Transfer imported"),
    "records.transfer_refused": _("Transfer refused"),
}


def label(action: str) -> str:
    """The action in words, or its code when it has no label yet."""
    found = ACTIONS.get(action)
    return str(found) if found is not None else action


def choices() -> list[tuple[str, object]]:
    """For a <select>: every category (``auth.*``: all its actions), then its actions."""
    grouped: list[tuple[str, object]] = [("", _("All"))]
    for prefix, name in CATEGORIES.items():
        options = [(f"{prefix}.*", _("All: %(category)s") % {"category": name})]
        options += [
            (code, str(text)) for code, text in ACTIONS.items() if code.startswith(prefix + ".")
        ]
        grouped.append((str(name), options))
    return grouped


# What the keys of an entry's details mean (the log stores them in English, as codes).
DETAILS: dict[str, Promise] = {
    "folders": _("folders"),
    "incoming": _("incoming files"),
    "bytes": _("bytes"),
    "files": _("files"),
    "activities": _("activities"),
    "activity": _("activity no."),
    "added": _("groups added"),
    "attachments": _("files allowed in messages"),
    "alarm": _("alarm"),
    "approval": _("approval"),
    "approved_items": _("items approved"),
    "at": _("at"),
    "change": _("part of an update"),
    "comment": _("comment"),
    "conversation": _("conversation no."),
    "count": _("accounts created"),
    "course": _("course no."),
    "created": _("new course"),
    "database_end": _("last entry in the database"),
    "establishment": _("establishment"),
    "failed_sign_ins": _("failed sign-ins"),
    "file": _("file"),
    "for": _("for"),
    "format": _("format"),
    "from": _("from"),
    "grade": _("grade"),
    "group": _("group"),
    "groups": _("groups"),
    "head_file_end": _("last entry in the data folder"),
    "head_row_end": _("last entry sealed"),
    "learner": _("learner"),
    "learners": _("learners"),
    "length": _("characters"),
    "max": _("out of"),
    "moderated": _("staff approve messages"),
    "method": _("method"),
    "outcome": _("outcome"),
    "path": _("page"),
    "published": _("published"),
    "reason": _("reason"),
    "questions": _("questions"),
    "release": _("Moodle version"),
    "removed": _("groups removed"),
    "revision": _("update no."),
    "role": _("role"),
    "size": _("size"),
    "skipped": _("not imported"),
    "shared": _("reason shown to the author"),
    "source": _("source"),
    "state": _("state"),
    "title": _("title"),
    "to": _("to"),
    "update": _("update no."),
    "user": _("account"),
    "username": _("username"),
    "waits_for": _("waits for"),
    "warnings": _("warnings"),
    "device": _("device"),
    "enrolled_only": _("enrolled devices only"),
    "minutes": _("minutes"),
    "kind": _("kind"),
    "asset": _("asset number"),
    "due": _("due back"),
    "condition": _("condition"),
    "late": _("late"),
    "what": _("what"),
}


def detail_key(key: str) -> str:
    """A detail's key in words, or the key itself when it has no label yet."""
    found = DETAILS.get(key)
    return str(found) if found is not None else key


# What an entry is about, by its model (``app.model``).
TARGETS: dict[str, Promise] = {
    "accounts.user": _("account"),
    "accounts.cohort": _("group"),
    "accounts.institution": _("institution"),
    "accounts.establishment": _("establishment"),
    "catalog.course": _("course"),
    "catalog.activity": _("activity"),
    "catalog.enrolment": _("enrolment"),
    "learning.studyplanitem": _("study plan"),
    "messaging.message": _("message"),
    "ingest.revision": _("course update"),
    "jobs.job": _("import"),
    "devices.device": _("device"),
    "devices.devicegroup": _("device group"),
}


def target_type(model: str) -> str:
    """What kind of thing an entry is about, in words (its model's name when unknown)."""
    found = TARGETS.get(model)
    return str(found) if found is not None else model
