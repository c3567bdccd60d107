"""Pure HTML helpers: sanitising untrusted course HTML and rewriting the links inside it.

Imported HTML is sanitised once, at import, with ``sanitise``: formatting, headings, lists,
tables, images, audio and video, figures, MathML, sub/sup and code survive; scripts, event
handlers, dangerous styles, frames, objects, embeds and forms do not. URLs may only use the
schemes in ``URL_SCHEMES``:

- ``cartable-file:<sha256>/<quoted file name>``: a file of the course, by content hash;
- ``cartable-activity:<source key>`` and ``cartable-course:<source id>``: links inside the
  course, resolved to real addresses when the page is rendered;
- ``http``, ``https`` and ``mailto``: kept, but shown as text by the renderer (the learners have
  no Internet); ``external_links`` lists them for the review step;
- ``data:`` for images only (``<img src>`` of a raster image type).

Relative URLs are dropped, except ``#fragment`` links within a page. Element ids get the
``user-content-`` prefix (and fragment links with them), and ``name`` attributes are dropped,
so that imported HTML cannot clobber the names the page's own scripts use.
"""

from __future__ import annotations

import html as html_lib
import re
from collections.abc import Callable, Collection
from dataclasses import dataclass
from html.parser import HTMLParser

import nh3

from cartable.lib import nesting, urls

URL_SCHEMES = urls.COURSE_SCHEMES | urls.OUTSIDE_SCHEMES | {"data"}  # what nh3 lets through
FILE_SCHEME = urls.FILE_SCHEME
ID_PREFIX = urls.ID_PREFIX
UNRESOLVED_SCHEME = urls.UNRESOLVED_SCHEME
# Every attribute that holds a URL in some element (most are not allowed: they are listed so
# that the rule holds whatever the allowed list becomes).
URL_ATTRIBUTES = frozenset(
    """href src srcset poster data action formaction xlink:href background cite longdesc ping
    lowsrc dynsrc codebase archive manifest icon profile usemap""".split()  # noqa: SIM905
)


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


_MATHML = _words(
    """math maction annotation annotation-xml menclose merror mfenced mfrac mi mmultiscripts mn
    mo mover mpadded mphantom mprescripts mroot mrow ms mspace msqrt mstyle msub msubsup msup
    mtable mtd mtext mtr munder munderover none semantics mlabeledtr"""
)
_MATHML_ATTRIBUTES = _words(
    """display mathvariant mathsize mathcolor mathbackground fence separator stretchy symmetric
    largeop movablelimits accent accentunder lspace rspace linethickness columnalign rowalign
    columnspan rowspan encoding notation open close separators scriptlevel displaystyle width
    height depth form minsize maxsize columnlines rowlines frame xmlns"""
)
TAGS = _MATHML | _words(
    """a abbr acronym address article aside audio b bdi bdo big blockquote br caption center
    cite code col colgroup dd del details dfn div dl dt em figcaption figure font footer h1 h2
    h3 h4 h5 h6 header hgroup hr i img ins kbd li mark nav ol p picture pre q rp rt rtc ruby s
    samp section small source span strike strong sub summary sup table tbody td tfoot th thead
    time tr track tt u ul var video wbr"""
)
_GLOBAL = {"class", "dir", "lang", "title", "style", "id", "role", "aria-label", "aria-hidden"}
ATTRIBUTES: dict[str, set[str]] = {
    "*": _GLOBAL,
    "a": {"href"},
    "img": {"src", "alt", "width", "height", "srcset", "sizes", "loading"},
    "audio": {"src", "controls", "loop", "muted", "preload"},
    "video": {"src", "controls", "loop", "muted", "preload", "poster", "width", "height"},
    "source": {"src", "type", "srcset", "media", "sizes"},
    "track": {"src", "kind", "srclang", "label", "default"},
    "td": {"colspan", "rowspan", "headers", "align", "valign"},
    "th": {"colspan", "rowspan", "headers", "scope", "align", "valign"},
    "table": {"border", "cellpadding", "cellspacing", "summary", "align"},
    "col": {"span", "width"},
    "colgroup": {"span", "width"},
    "ol": {"start", "type", "reversed"},
    "ul": {"type"},
    "li": {"value"},
    "time": {"datetime"},
    "del": {"datetime", "cite"},
    "ins": {"datetime", "cite"},
    "q": {"cite"},
    "blockquote": {"cite"},
    "details": {"open"},
    "font": {"color", "size", "face"},
    "p": {"align"},
    "div": {"align"},
    **{tag: set(_MATHML_ATTRIBUTES) for tag in _MATHML},
}
STYLE_PROPERTIES = _words(
    """color background-color text-align text-decoration text-indent font-weight font-style
    font-size font-family font-variant vertical-align line-height letter-spacing word-spacing
    white-space direction unicode-bidi width height max-width min-width max-height min-height
    margin margin-top margin-right margin-bottom margin-left padding padding-top padding-right
    padding-bottom padding-left border border-top border-right border-bottom border-left
    border-color border-style border-width border-collapse border-spacing border-radius float
    clear list-style-type list-style-position caption-side table-layout empty-cells
    display"""
)


@dataclass(frozen=True, slots=True)
class Seen:
    """A URL the sanitiser met in an attribute, and whether it kept it."""

    tag: str
    attribute: str
    url: urls.Url
    kept: bool


@dataclass(frozen=True, slots=True)
class Cleaned:
    html: str
    seen: tuple[Seen, ...]  # every URL met, kept or not, in order
    flattened: int  # tags dropped below the nesting limit (0: none)


class _Filter:
    """nh3's attribute filter for one text: every URL by the one rule (``urls.parse``), the
    course addresses only when the importer made them for this text (``made``)."""

    def __init__(self, made: Collection[str]) -> None:
        self.made = made
        self.seen: list[Seen] = []

    def __call__(self, tag: str, attribute: str, value: str) -> str | None:
        if attribute == "style":
            return urls.css_without_fetches(value) or None
        if attribute not in URL_ATTRIBUTES:
            return value
        if attribute == "srcset":
            return self._srcset(tag, value)
        url = urls.parse(value, image=tag == "img" and attribute == "src")
        kept = self._keeps(tag, attribute, url)
        self.seen.append(Seen(tag, attribute, url, kept))
        return url.href if kept else None

    def _keeps(self, tag: str, attribute: str, url: urls.Url) -> bool:
        if url.course_address:
            leads_to_page = url.kind != "file"
            return url.target in self.made and (attribute in ("href", "cite") or not leads_to_page)
        if url.kind == "fragment":
            return tag == "a" and attribute == "href"
        # An outside address stays for the display to show as text (links, images) or drop.
        return url.kind in ("image", "outside")

    def _srcset(self, tag: str, value: str) -> str | None:
        """Kept when every candidate is a file of this text or leads outside (the display
        keeps the files only), rewritten in canonical form; dropped otherwise."""
        kept = []
        valid = True
        for candidate in urls.srcset(value):
            url = urls.parse(candidate.url)
            ok = urls.valid_descriptors(candidate) and (
                url.kind == "outside" or (url.kind == "file" and url.target in self.made)
            )
            valid = valid and ok
            self.seen.append(Seen(tag, "srcset", url, ok))
            kept.append(" ".join((url.href, *candidate.descriptors)))
        return ", ".join(kept) if valid and kept else None


def _cleaner(made: Collection[str]) -> tuple[nh3.Cleaner, _Filter]:
    attribute_filter = _Filter(made)
    cleaner = nh3.Cleaner(
        tags=TAGS,
        clean_content_tags={"script", "style", "template", "noscript", "textarea", "select"},
        attributes=ATTRIBUTES,
        attribute_filter=attribute_filter,
        url_schemes=set(URL_SCHEMES),
        filter_style_properties=STYLE_PROPERTIES,
        link_rel="noopener noreferrer",
        id_prefix=ID_PREFIX,
    )
    return cleaner, attribute_filter


def clean(html: str, *, made: Collection[str] = ()) -> Cleaned:
    """Untrusted HTML made safe to keep, and what its URLs were (see the module's docstring).

    ``made``: the course addresses (``urls.file_href``…, without fragment) the importer wrote
    into this text when it rewrote Moodle's links: only those survive, never one the backup
    wrote itself. Nesting deeper than ``nesting.LIMIT`` is flattened first.
    """
    flat, flattened = nesting.flatten(html)
    cleaner, attribute_filter = _cleaner(made)
    return Cleaned(cleaner.clean(flat), tuple(attribute_filter.seen), flattened)


def sanitise(html: str, *, made: Collection[str] = ()) -> str:
    """Untrusted HTML made safe to show (see ``clean``)."""
    return clean(html, made=made).html


def text_to_html(text: str) -> str:
    """Plain text as HTML: escaped, paragraphs on blank lines, line breaks kept."""
    paragraphs = re.split(r"\n\s*\n", text.replace("\r\n", "\n").strip())
    return "".join(
        "<p>" + html_lib.escape(part).replace("\n", "<br>") + "</p>" for part in paragraphs if part
    )


file_url = urls.file_href
activity_url = urls.activity_href
course_url = urls.course_href

_PLUGINFILE = re.compile(r"@@PLUGINFILE@@/([^\"'<>\s)]*)")


def rewrite_pluginfile(html: str, resolve: Callable[[str], str | None]) -> str:
    """Replace each ``@@PLUGINFILE@@/<path>`` by ``resolve(path)`` (path still URL-quoted).

    The query string is dropped and a ``#fragment`` kept. A path that ``resolve`` cannot
    place becomes an unresolved link, which the sanitiser then removes.
    """

    def replace(match: re.Match[str]) -> str:
        path, _, fragment = match.group(1).partition("#")
        path = path.partition("?")[0]
        url = resolve(path)
        if url is None:
            return f"{UNRESOLVED_SCHEME}:{path}"
        return url + (f"#{fragment}" if fragment else "")

    return _PLUGINFILE.sub(replace, html)


_LINK_TOKEN = re.compile(r"\$@([A-Z][A-Z0-9_]*)\*([0-9]+(?:\*[0-9A-Za-z_-]+)*)@\$")


def rewrite_link_tokens(html: str, resolve: Callable[[str, tuple[str, ...]], str | None]) -> str:
    """Replace each Moodle encoded link ``$@NAME*id[*id...]@$`` by ``resolve(NAME, ids)``."""

    def replace(match: re.Match[str]) -> str:
        name = match.group(1)
        ids = tuple(match.group(2).split("*"))
        url = resolve(name, ids)
        return url if url is not None else f"{UNRESOLVED_SCHEME}:{name}"

    return _LINK_TOKEN.sub(replace, html)


def is_moodle_reference(value: str) -> bool:
    """Whether an attribute's value is one of Moodle's own references (a ``@@PLUGINFILE@@``
    path or an encoded link), which the importer resolves itself."""
    value = value.strip()
    return value.startswith("@@PLUGINFILE@@") or _LINK_TOKEN.fullmatch(value) is not None


# --- At display time ------------------------------------------------------------------------
# Stored course HTML is nh3's serialisation: text holds no "<" (it is "&lt;"), every attribute
# is written name="value" with no '"' in the value (it is "&quot;"). These patterns read that
# form exactly, and only that form: a tag that does not match is left as it is, and holds no
# URL attribute the display would need to change (the sanitiser wrote none).

_ATTRIBUTE = r"""[^\s"'<>/=]+(?:="[^"]*")?"""
_TAG = re.compile(
    rf"""</a\s*>|<(a)((?:\s+{_ATTRIBUTE})*)\s*/?>|<([a-zA-Z][a-zA-Z0-9:-]*)((?:\s+{_ATTRIBUTE})+)\s*/?>"""
)
_ATTRIBUTES = re.compile(r"""\s+([^\s"'<>/=]+)(?:="([^"]*)")?""")
_HOLDS_URLS = re.compile(
    r"\s(?:" + "|".join(sorted(URL_ATTRIBUTES)) + r')="|\sstyle="[^"]*url\(', re.IGNORECASE
)


def _attributes(text: str) -> list[tuple[str, str | None]]:
    return [(match[1].lower(), match[2]) for match in _ATTRIBUTES.finditer(text)]


def _tag(name: str, attributes: list[tuple[str, str | None]]) -> str:
    return (
        f"<{name}"
        + "".join(
            f" {attribute}" if value is None else f' {attribute}="{value}"'
            for attribute, value in attributes
        )
        + ">"
    )


def _shown(address: str) -> str:
    return html_lib.escape(address.removeprefix("mailto:")[: urls.MAX_SHOWN])


class _Display:
    """One text's rewriting; ``closers`` holds what each open ``<a>`` ends with."""

    def __init__(
        self,
        html: str,
        file_url: Callable[[str, str, str], str | None],
        activity_url: Callable[[str], str | None],
        course_url: str,
    ) -> None:
        self.html = html
        self.file_url = file_url
        self.activity_url = activity_url
        self.course_url = course_url
        self.closers: list[str] = []

    def __call__(self, match: re.Match[str]) -> str:
        if match[1]:
            return self.anchor(match)
        if match[3] is None:  # "</a>"
            return self.closers.pop() if self.closers else match[0]
        return self.element(match[3].lower(), _attributes(match[4]), match[0])

    def resolve(self, url: urls.Url, attribute: str) -> str | None:
        """The box's own address for a canonical URL of stored HTML, or None."""
        found: str | None = None
        if url.kind == "file":
            quoted = url.target.partition("/")[2]
            found = self.file_url(url.sha256, quoted, attribute)
        elif url.kind == "image":
            return url.href
        elif url.kind == "fragment":
            return url.href if attribute == "href" else None
        elif attribute not in ("href", "cite"):
            return None  # an activity's page is no source of an image
        elif url.kind == "activity":
            found = self.activity_url(url.key)
        elif url.kind == "course":
            found = self.course_url
        return None if found is None else html_lib.escape(found) + url.fragment

    def anchor(self, match: re.Match[str]) -> str:
        attributes = _attributes(match[2])
        href = next((value for name, value in attributes if name == "href"), None)
        if href is None or urls.stored(href) is not None:
            self.closers.append("</a>")
            return self.element("a", attributes, match[0])
        address = urls.outside_address(html_lib.unescape(href))
        if address is None:
            self.closers.append("</a>")
            return self.element("a", attributes, match[0])
        shown = _shown(address)
        close = self.html.find("</a>", match.end())
        inner = self.html[match.end() : close] if close >= 0 else "<"
        if "<" not in inner:  # the link's text alone: is it the address itself?
            text = " ".join(html_lib.unescape(inner).split())
            if text in ("", address, html_lib.unescape(shown)):
                self.closers.append("</span>")
                return '<span class="external-link">' + ("" if text else shown)
        self.closers.append(f' <span class="external-link__address">({shown})</span></span>')
        return '<span class="external-link">'

    def element(self, name: str, attributes: list[tuple[str, str | None]], original: str) -> str:
        kept: list[tuple[str, str | None]] = []
        changed = False
        for attribute, value in attributes:
            new = self.attribute(name, attribute, value)
            if isinstance(new, _Replaced):
                return new.html
            changed = changed or new != value
            if new == _MISSING:
                kept.append(("data-missing", attribute))
            elif new is not None:
                kept.append((attribute, new))
        return _tag(name, kept) if changed else original

    def attribute(self, name: str, attribute: str, value: str | None) -> str | _Replaced | None:
        """The attribute's new value (None: removed), or what replaces the whole element."""
        if value is None:
            return value
        if attribute == "style":
            return None if "url(" in value.lower() else value
        if attribute not in URL_ATTRIBUTES:
            return value
        if attribute == "srcset":
            files = []
            for candidate in urls.srcset(value):
                url = urls.stored(candidate.url)
                resolved = self.resolve(url, "srcset") if url and url.kind == "file" else None
                if resolved is not None and urls.valid_descriptors(candidate):
                    files.append(" ".join((resolved, *candidate.descriptors)))
            return ", ".join(files) or None
        image = name == "img" and attribute == "src"
        url = urls.stored(value, image=image)
        if url is not None:
            resolved = self.resolve(url, attribute)
            if resolved is None and url.course_address:
                return _MISSING
            return resolved
        if image and (address := urls.outside_address(html_lib.unescape(value))) is not None:
            shown = _shown(address)
            return _Replaced(f'<span class="external-link external-link--image">[{shown}]</span>')
        return _MISSING if attribute == "href" else None


@dataclass(frozen=True, slots=True)
class _Replaced:
    html: str


_MISSING = "\x00missing"  # marks an attribute that becomes data-missing="<attribute>"


def for_display(
    html: str,
    *,
    file_url: Callable[[str, str, str], str | None],
    activity_url: Callable[[str], str | None],
    course_url: str,
) -> str:
    """Sanitised course HTML made ready for a learner's page on the box.

    Course addresses in their canonical form (``urls.stored``) become the box's own
    addresses: ``file_url(sha256, quoted name, attribute)`` (a link, ``href``, may lead to a
    page showing the file, a source to its bytes), ``activity_url(source key)``; None when
    the target is gone or not the reader's, and the attribute becomes ``data-missing``.
    Nothing else is ever live: an outside link becomes its text followed by its address, an
    outside image its address, and any other URL attribute (an outside source, a path of the
    box, anything not canonical) is removed; so is a style that would fetch something. The
    browser is thus never asked for anything but the box's own pages and the course's files.
    """
    if _HOLDS_URLS.search(html) is None:
        return html
    return _TAG.sub(_Display(html, file_url, activity_url, course_url), html)


def external_links(html: str) -> tuple[str, ...]:
    """The addresses outside the box that an HTML fragment's attributes hold (links, images,
    sources, srcset candidates), serialised as a browser reads them, in order, each once."""
    found: list[str] = []
    for match in _TAG.finditer(html):
        attributes = match[2] if match[1] else match[4]
        for attribute, value in _attributes(attributes or ""):
            if value is None or attribute not in URL_ATTRIBUTES:
                continue
            value = html_lib.unescape(value)
            candidates = [c.url for c in urls.srcset(value)] if attribute == "srcset" else [value]
            for candidate in candidates:
                url = urls.parse(candidate)
                if url.kind == "outside" and url.address not in found:
                    found.append(url.address)
    return tuple(found)


# Elements after which words must not run together ("<p>a</p><p>b</p>" is "a b").
_BREAKS = frozenset(
    [
        "address",
        "article",
        "aside",
        "blockquote",
        "br",
        "caption",
        "dd",
        "details",
        "div",
        "dl",
        "dt",
        "figcaption",
        "figure",
        "footer",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "header",
        "hr",
        "img",
        "li",
        "math",
        "mtd",
        "mtr",
        "ol",
        "p",
        "pre",
        "section",
        "summary",
        "table",
        "td",
        "th",
        "tr",
        "ul",
    ]
)


@dataclass(frozen=True, slots=True)
class LinkedFile:
    sha256: str
    filename: str


class _Text(HTMLParser):
    def __init__(self, separator: str = " ") -> None:
        super().__init__(convert_charrefs=True)
        self.separator = separator  # between blocks
        self.parts: list[str] = []
        self.links: list[LinkedFile] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _BREAKS:
            self.parts.append(self.separator)
        values = dict(attrs)
        if tag == "img" and values.get("alt"):
            self.parts.append(f" {values['alt']} ")
        if tag == "a" and (href := values.get("href")):
            found = urls.stored(href)
            if found is not None and found.kind == "file":
                self.links.append(LinkedFile(found.sha256, found.name))

    def handle_endtag(self, tag: str) -> None:
        if tag in _BREAKS:
            self.parts.append(self.separator)

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def text_and_files(html: str) -> tuple[str, list[LinkedFile]]:
    """The readable text of an HTML fragment on one line (image descriptions included), and
    the course files it links to."""
    if not html:
        return "", []
    parser = _Text()
    parser.feed(html)
    parser.close()
    return " ".join("".join(parser.parts).split()), parser.links


def text_of(html: str) -> str:
    """The readable text of an HTML fragment, whitespace collapsed (for counting and search)."""
    if "<" not in html and "&" not in html:
        return " ".join(html.split())
    return text_and_files(html)[0]


_BLOCK = "\x1e"  # the record separator: no text holds it, unlike a newline


def text_lines(html: str) -> list[str]:
    """The readable text of an HTML fragment, a line per block (paragraph, item, heading,
    cell), whitespace collapsed: what a reader compares between two versions."""
    if not html:
        return []
    parser = _Text(separator=_BLOCK)
    parser.feed(html)
    parser.close()
    lines = (" ".join(line.split()) for line in "".join(parser.parts).split(_BLOCK))
    return [line for line in lines if line]


_LINKED_BLOB = re.compile(FILE_SCHEME + r":([0-9a-f]{64})/")


def linked_blobs(text: str) -> set[str]:
    """The content hashes of the course files a text links to or shows (any text holding
    course HTML: a page, or the JSON of an activity's data)."""
    return set(_LINKED_BLOB.findall(text)) if FILE_SCHEME in text else set()
