"""Moodle text fields to safe HTML: format conversion, link rewriting, sanitising.

``Links`` knows the whole backup (its activities and files) and resolves Moodle's encoded
links; ``Texts`` is made per owner (the course, a section, an activity, a question) and
remembers the files and external links that owner's texts use.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Protocol

from cartable.importers.common import FileRef, Text, gettext_noop
from cartable.importers.notes import Notes
from cartable.lib import display, html, nesting
from cartable.lib.risks import Finding, distinct, scan_html, scan_text, url_finding

FORMAT_MOODLE = 0
FORMAT_HTML = 1
FORMAT_PLAIN = 2
FORMAT_MARKDOWN = 4

_HAS_TAG = re.compile(r"<\s*[a-zA-Z!/]")

# Module names that may appear in encoded links even when absent from this backup.
_KNOWN_MODULES = [
    "assign",
    "assignment",
    "book",
    "chat",
    "choice",
    "data",
    "feedback",
    "folder",
    "forum",
    "glossary",
    "h5pactivity",
    "imscp",
    "label",
    "lesson",
    "lti",
    "page",
    "qbank",
    "quiz",
    "resource",
    "scorm",
    "survey",
    "url",
    "wiki",
    "workshop",
    "bigbluebuttonbn",
]


class FileFinder(Protocol):
    """Where the files a text links to are found: a backup's ``FileIndex``, or the files a
    question file embeds."""

    def find(
        self, contextid: int, component: str, filearea: str, itemid: int | None, quoted: str
    ) -> FileRef | None: ...


@dataclass(slots=True)
class Links:
    """What an encoded link can point at in this backup."""

    course_id: int
    files: FileFinder
    notes: Notes
    by_module_id: dict[int, str] = field(default_factory=dict)  # module id -> source key
    by_instance: dict[tuple[str, int], str] = field(default_factory=dict)  # (mod, id) -> key
    modnames: tuple[str, ...] = ()

    def add_activity(self, modname: str, module_id: int, instance_id: int, key: str) -> None:
        self.by_module_id[module_id] = key
        self.by_instance[(modname, instance_id)] = key
        names = set(self.modnames) | {modname}
        self.modnames = tuple(sorted(names, key=len, reverse=True))

    def resolve_token(self, name: str, ids: tuple[str, ...]) -> str | None:
        """The Cartable URL for ``$@NAME*ids@$``, or None when it leads outside this backup."""
        first = int(ids[0]) if ids and ids[0].isdigit() else None
        if first is None:
            return None
        if name == "COURSEVIEWBYID":
            return html.course_url(first)
        if name in ("COURSESECTIONBYID", "COURSESECTIONBYNUMBER"):
            return html.course_url(self.course_id) + f"#section-{first}"
        modnames = self.modnames + tuple(m for m in _KNOWN_MODULES if m not in self.modnames)
        for modname in sorted(modnames, key=len, reverse=True):
            prefix = modname.upper()
            if not name.startswith(prefix):
                continue
            rest = name[len(prefix) :]
            if rest == "INDEX":
                return html.course_url(first)
            if rest.startswith("VIEWBYID"):
                key = self.by_module_id.get(first)
                if key is None:
                    return None
                if len(ids) > 1 and ids[1].isdigit():
                    return html.activity_url(key) + f"#chapter-{ids[1]}"
                return html.activity_url(key)
            if rest.startswith("VIEWBY"):
                key = self.by_instance.get((modname, first))
                return None if key is None else html.activity_url(key)
            return None
        return None

    def missing_file(self, owner: Text, area: str, path: str) -> Text:
        """The warning for a ``@@PLUGINFILE@@`` link to a file the source does not hold."""
        return Text(
            gettext_noop(
                "%(owner)s: links to a file that the backup does not hold (%(area)s: %(path)s)"
            ),
            owner=owner,
            area=area,
            path=path,
        )

    def unresolved(self, owner: Text, link: str) -> Text:
        """The warning for an encoded link ``resolve_token`` could not place."""
        return Text(
            gettext_noop(
                "%(owner)s: the Moodle link %(link)s leads outside this backup "
                "and was turned into text"
            ),
            owner=owner,
            link=link,
        )


class Texts:
    """Turns one owner's text fields into safe HTML and remembers what they link to."""

    def __init__(self, links: Links, contextid: int, component: str, owner: Text) -> None:
        self.links = links
        self.contextid = contextid
        self.component = component
        self.owner = owner  # for warnings, e.g. "page 'Week 1'"
        self.files: dict[int, FileRef] = {}
        self.external: list[str] = []
        self.risks: list[Finding] = []

    def html(
        self,
        raw: str | None,
        fmt: int = FORMAT_HTML,
        filearea: str | None = None,
        itemid: int | None = 0,
        *,
        component: str | None = None,
    ) -> str:
        """Safe HTML from a Moodle text field of format ``fmt`` stored with ``filearea``."""
        if not raw:
            return ""
        if fmt == FORMAT_PLAIN:
            self.risks.extend(scan_text(raw))
        if fmt == FORMAT_MARKDOWN:
            raw = html.markdown_to_html(raw)
        elif fmt == FORMAT_PLAIN or (fmt == FORMAT_MOODLE and not _HAS_TAG.search(raw)):
            raw = html.text_to_html(raw)
        made: set[str] = set()  # the course addresses written here, the only ones kept
        if "@@PLUGINFILE@@" in raw:
            area_component = component or self.component

            def resolve_file(path: str) -> str | None:
                if filearea is None:
                    return None
                ref = self.links.files.find(self.contextid, area_component, filearea, itemid, path)
                if ref is None:
                    self.links.notes.warn(
                        self.links.missing_file(self.owner, f"{area_component}/{filearea}", path)
                    )
                    return None
                self.files[ref.source_id] = ref
                url = html.file_url(ref.sha256, ref.filename)
                made.add(url)
                return url

            raw = html.rewrite_pluginfile(raw, resolve_file)
        if "$@" in raw:

            def resolve_link(name: str, ids: tuple[str, ...]) -> str | None:
                url = self.links.resolve_token(name, ids)
                if url is None:
                    self.links.notes.warn(
                        self.links.unresolved(self.owner, f"$@{name}*{'*'.join(ids)}@$")
                    )
                else:
                    made.add(url.partition("#")[0])
                return url

            raw = html.rewrite_link_tokens(raw, resolve_link)
        # What the author wrote, before the sanitiser removes the dangerous parts: staff see
        # it (Moodle's own links already resolved, so a course address written in the backup
        # itself is reported, and dropped).
        if fmt != FORMAT_PLAIN:
            self.risks.extend(scan_html(raw, made=made))
        cleaned = html.clean(raw, made=made)
        for seen in cleaned.seen:  # the sanitiser's own reading, the one learners get
            finding = url_finding(seen.tag, seen.attribute, seen.url, made=made)
            if finding is not None and (not seen.kept or seen.url.kind == "outside"):
                self.risks.append(finding)
        if cleaned.flattened:
            self.links.notes.warn(
                Text(
                    gettext_noop(
                        "%(owner)s: its HTML nests more than %(limit)s levels deep; "
                        "%(count)s deeper tags were removed (their text is kept)"
                    ),
                    owner=self.owner,
                    limit=nesting.LIMIT,
                    count=cleaned.flattened,
                )
            )
        for url in (*cleaned.offline, *display.external_links(cleaned.html)):
            if url not in self.external:
                self.external.append(url)
        return cleaned.html

    def used_files(self) -> tuple[FileRef, ...]:
        return tuple(self.files.values())

    def external_links(self) -> tuple[str, ...]:
        return tuple(self.external)

    def findings(self) -> tuple[Finding, ...]:
        return tuple(distinct(self.risks))
