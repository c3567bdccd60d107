"""Why a file was refused, in the user's language: the importers' stable error codes turned
into one clear sentence each (the importers themselves speak English to developers)."""

from __future__ import annotations

from django.utils.translation import gettext as _


def message_for(code: str, *, filename: str, member: str = "", detail: str = "") -> str:
    values = {"file": filename, "member": member, "detail": detail}
    messages = {
        "not_an_archive": _("%(file)s is not a course backup: it is not a ZIP or tar archive."),
        "unknown_format": _(
            "%(file)s is not a course backup Cartable can read (a Moodle .mbz file)."
        ),
        "truncated": _(
            "%(file)s is incomplete: the file ends too early (an interrupted copy or download?)."
        ),
        "corrupt": _("%(file)s is damaged: its data does not match its checksums."),
        "path_traversal": _(
            "%(file)s is refused: the entry “%(member)s” tries to leave the archive’s folder."
        ),
        "absolute_path": _("%(file)s is refused: the entry “%(member)s” has an absolute path."),
        "unsafe_name": _("%(file)s is refused: an entry has an empty or unsafe name."),
        "path_too_long": _(
            "%(file)s is refused: the entry “%(member)s” has a name that is too long."
        ),
        "link_member": _(
            "%(file)s is refused: the entry “%(member)s” is a link, which a course backup never holds."
        ),
        "special_file": _(
            "%(file)s is refused: the entry “%(member)s” is a special file (device or pipe)."
        ),
        "duplicate_member": _("%(file)s is refused: the entry “%(member)s” appears twice."),
        "path_conflict": _("%(file)s is refused: “%(member)s” is both a file and a folder."),
        "encrypted": _("%(file)s is refused: the entry “%(member)s” is encrypted."),
        "member_too_large": _(
            "%(file)s is refused: the entry “%(member)s” is larger than the box accepts."
        ),
        "total_too_large": _("%(file)s is refused: its content is larger than the box accepts."),
        "too_many_members": _("%(file)s is refused: it holds more files than the box accepts."),
        "compression_ratio": _(
            "%(file)s is refused: the entry “%(member)s” expands far more than real files do (a “zip bomb”)."
        ),
        "xml_entities": _(
            "%(file)s is refused: %(member)s declares XML entities or a DTD, which a Moodle backup never does."
        ),
        "malformed_xml": _("%(file)s is damaged: %(member)s is not well-formed XML (%(detail)s)."),
        "not_moodle_backup": _(
            "%(file)s is an archive but not a Moodle course backup (no moodle_backup.xml)."
        ),
        "unsupported_backup": _(
            "%(file)s is a kind of Moodle backup Cartable cannot read: %(detail)s."
        ),
        "unknown_institution": _("No institution has the short name “%(detail)s”."),
        "too_large": _("%(file)s is larger than the box accepts (%(detail)s)."),
        "content_store": _("The box could not store the files of %(file)s: %(detail)s."),
        "other_establishment": _(
            "%(file)s is refused: it is a version of the course “%(detail)s”, which another "
            "establishment manages. Only its staff or an administrator may update it."
        ),
    }
    template = messages.get(code)
    if template is None:
        return _("%(file)s could not be imported: %(detail)s") % values
    return template % values
