"""Text fields of a question file made safe HTML, as a course backup's are: the same
``Texts`` (format conversion, ``@@PLUGINFILE@@`` links to the files the field embeds rewritten
to ``cartable-file:`` addresses that only the importer writes, risk scan, sanitiser). A
question file has no Moodle encoded links (``$@…@$``) to resolve: any it holds become text."""

from __future__ import annotations

from dataclasses import dataclass

from cartable.importers.common import Text, gettext_noop
from cartable.importers.moodle.richtext import Links

FORMAT_MOODLE = 0
FORMAT_HTML = 1
FORMAT_PLAIN = 2
FORMAT_MARKDOWN = 4


@dataclass(slots=True)
class FileLinks(Links):
    """The links of a question file: its embedded files, and nothing of a course."""

    def resolve_token(self, name: str, ids: tuple[str, ...]) -> str | None:
        return None

    def missing_file(self, owner: Text, area: str, path: str) -> Text:
        return Text(
            gettext_noop(
                "%(owner)s: links to a file that the question file does not hold (%(path)s)"
            ),
            owner=owner,
            path=path,
        )

    def unresolved(self, owner: Text, link: str) -> Text:
        return Text(
            gettext_noop(
                "%(owner)s: the Moodle link %(link)s only means something inside a Moodle "
                "backup and was turned into text"
            ),
            owner=owner,
            link=link,
        )


def question_owner(name: str) -> Text:
    return Text(gettext_noop("question '%(name)s'"), name=name)
