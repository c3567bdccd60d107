"""What a quiz page shows of an essay's files: the files attached (downloads, with a
"Remove" box while the question may change) and the file field, with the question's limits
in words. The form posts them (multipart) with the page's answers."""

from __future__ import annotations

from dataclasses import dataclass

from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from cartable.assessment import attachments, engine
from cartable.assessment.scoring import responses as r
from cartable.importers.questions import EssayData
from cartable.lib.accepted import accepted


@dataclass(frozen=True, slots=True)
class Listed:
    name: str
    size: int
    url: str
    sha256: str
    remove_field: str  # "" when it cannot be removed


@dataclass(frozen=True, slots=True)
class Upload:
    field: str
    multiple: bool
    hint: str


def listed(loaded: engine.Loaded, response: r.Response, *, removable: bool) -> list[Listed]:
    row = loaded.row
    if row is None or not isinstance(response, r.EssayResponse):
        return []
    return [
        Listed(
            f.name,
            f.size,
            reverse("assessment:attachment", args=[row.attempt_id, row.slot, f.sha256]),
            f.sha256,
            loaded.prefix + "remove" if removable else "",
        )
        for f in response.files
        if f.sha256
    ]


def upload(data: EssayData, prefix: str) -> Upload | None:
    if data.attachments == 0:
        return None
    said = []
    if data.attachments > 0:
        said.append(
            ngettext("At most %(count)d file.", "At most %(count)d files.", data.attachments)
            % {"count": data.attachments}
        )
    if data.attachments_required > 0:
        said.append(
            ngettext(
                "At least %(count)d file required.",
                "At least %(count)d files required.",
                data.attachments_required,
            )
            % {"count": data.attachments_required}
        )
    said.append(
        _("Each file up to %(limit)s.") % {"limit": filesizeformat(attachments.limit_of(data))}
    )
    rule = accepted(data.file_types)
    if not rule.any:
        said.append(_("Accepted types: %(types)s.") % {"types": rule.shown()})
    return Upload(prefix + "attachments", data.attachments != 1, " ".join(said))
