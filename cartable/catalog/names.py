"""What Moodle's module and question type names are called in the reader's language, for
reports (an import's, the review's): never ``assign``, ``quiz`` or ``multichoice`` as such.
A name Moodle does not ship (a plugin's) is shown as it is."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from cartable.catalog.models import Activity

MODULES = {
    **dict(Activity.Kind.choices),
    "assignment": _("Assignment (Moodle 2.2)"),
    "chat": _("Chat"),
    "data": _("Database"),
    "imscp": _("IMS content package"),
    "lti": _("External tool"),
    "survey": _("Moodle survey"),
    "wiki": _("Wiki"),
    "workshop": _("Workshop"),
    "bigbluebuttonbn": _("BigBlueButton"),
    "subsection": _("Subsection"),
}

QUESTION_TYPES = {
    "multichoice": _("Multiple choice"),
    "truefalse": _("True/False"),
    "shortanswer": _("Short answer"),
    "numerical": _("Numerical"),
    "match": _("Matching"),
    "essay": _("Essay"),
    "description": _("Description"),
    "multianswer": _("Embedded answers (Cloze)"),
    "gapselect": _("Select missing words"),
    "ddwtos": _("Drag and drop into text"),
    "calculated": _("Calculated"),
    "calculatedsimple": _("Simple calculated"),
    "calculatedmulti": _("Calculated multichoice"),
    "ddimageortext": _("Drag and drop onto image"),
    "ddmarker": _("Drag and drop markers"),
    "randomsamatch": _("Random short-answer matching"),
    "random": _("Random question"),
    "ordering": _("Ordering"),
}


def module_name(name: str) -> str:
    """``assign`` -> "Assignment" ("Devoir" in French); unknown names as they are."""
    return str(MODULES.get(name, name))


def question_type_name(name: str) -> str:
    """``multichoice`` -> "Multiple choice"; unknown names as they are."""
    return str(QUESTION_TYPES.get(name, name))
