"""The layout's header, kept: every page shows it, and it is the same for every reader of the
same role, language and page of the menu, but for their name, the forms' CSRF tokens and the
page's address.

``{% top %}`` renders ``includes/top.html`` once per (language, signed in, staff, the page's
route, the counts the staff's menu shows) with markers where the reader's values go, keeps the
pieces between the markers, and on each request joins them with those values, escaped as the
template would escape them. Nothing in it depends on the database but the counts, which are
part of the key (read on each request, as before).
"""

from __future__ import annotations

import functools
import re
from typing import Any

from django import template
from django.conf import settings
from django.template.defaulttags import CsrfTokenNode
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

register = template.Library()

NAME, CSRF, PATH = "\x00name\x00", "\x00csrf\x00", "\x00path\x00"
_MARKS = re.compile("(\x00(?:name|csrf|path)\x00)")
KEPT = 512  # headers kept per server process (routes x languages x roles x counts seen)


@functools.lru_cache(maxsize=KEPT)
def _pieces(key: tuple[Any, ...]) -> tuple[str, ...]:
    _language, signed_in, staff, admin, url_name, app_name, review_count, messages_count = key
    html = render_to_string(
        "includes/top.html",
        {
            "signed_in": signed_in,
            "staff": staff,
            "admin": admin,
            "url_name": url_name,
            "app_name": app_name,
            "review_count": review_count,
            "messages_count": messages_count,
            # Markers, not text: replaced by the reader's values, escaped, on each request.
            "display_name": mark_safe(NAME),  # noqa: S308
            "csrf_input": mark_safe(CSRF),  # noqa: S308
            "next_path": mark_safe(PATH),  # noqa: S308
        },
    )
    return tuple(_MARKS.split(html))


def _count(context: template.Context, name: str) -> Any:
    value = context.get(name, "")
    return value() if callable(value) else value


@register.simple_tag(takes_context=True)
def top(context: template.Context) -> SafeString:
    request = context.get("request")
    user = context.get("user")
    signed_in = bool(getattr(user, "is_authenticated", False))
    staff = signed_in and bool(user.is_staff_member)  # type: ignore[union-attr]
    admin = staff and bool(user.is_administrator)  # type: ignore[union-attr]
    match = getattr(request, "resolver_match", None)
    key = (
        get_language(),
        signed_in,
        staff,
        admin,
        getattr(match, "url_name", ""),
        getattr(match, "app_name", ""),
        _count(context, "review_waiting") if staff else "",
        _count(context, "messages_waiting") if staff else "",
    )
    pieces = list(_pieces(key))
    for index in range(1, len(pieces), 2):
        mark = pieces[index]
        if mark == NAME:
            pieces[index] = conditional_escape(user.display_name)  # type: ignore[union-attr]
        elif mark == CSRF:
            pieces[index] = CsrfTokenNode().render(context)
        else:
            path = request.get_full_path() if request is not None else ""
            pieces[index] = conditional_escape(path)
    return mark_safe("".join(pieces))  # noqa: S308 (rendered by the template engine, values escaped)


@register.simple_tag
def asset(path: str) -> str:
    """{% asset 'dist/app.css' %}: ``{% static %}``, looked up once per process (the hashed
    names of ``collectstatic``'s manifest do not change while the server runs; every page
    asks for the same three or four)."""
    storage = settings.STORAGES.get("staticfiles", {}).get("BACKEND", "")
    return _asset(path, storage, settings.STATIC_URL, settings.DEBUG)


@functools.lru_cache(maxsize=64)
def _asset(path: str, _storage: str, _url: str, _debug: bool) -> str:
    return static(path)


class KeptNode(template.Node):
    """What ``{% kept %}`` holds: rendered once per language, then the same string."""

    def __init__(self, nodelist: template.NodeList) -> None:
        self.nodelist = nodelist
        self.rendered: dict[str, SafeString] = {}

    def render(self, context: template.Context) -> SafeString:
        language = get_language()
        html = self.rendered.get(language)
        if html is None:
            html = mark_safe(self.nodelist.render(context))  # noqa: S308 (rendered, escaped)
            self.rendered[language] = html
        return html


@register.tag
def kept(parser: template.base.Parser, token: template.base.Token) -> KeptNode:
    """{% kept %}…{% endkept %}: a part of a layout that depends on nothing but the language
    (fixed texts, the box's own addresses), rendered once per language and process. What it
    holds must read no variable of the page."""
    nodelist = parser.parse(("endkept",))
    parser.delete_first_token()
    return KeptNode(nodelist)
