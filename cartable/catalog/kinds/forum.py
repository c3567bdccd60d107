"""A forum: the discussions a backup with user data holds, an archive to read."""

from collections.abc import Iterator

from django.utils.html import escape

from cartable.catalog.kinds import Kind, Part, register
from cartable.importers.model import ForumContent


def _parts(data: ForumContent) -> Iterator[Part]:
    for discussion in data.discussions:
        html = "".join(f"<p>{escape(post.subject)}</p>{post.message}" for post in discussion.posts)
        files = tuple(ref for post in discussion.posts for ref in post.attachments)
        yield Part("discussion", discussion.name, html, files=files)


KIND = register(Kind("forum", data=ForumContent, parts=_parts))
