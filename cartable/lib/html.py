"""Pure HTML helpers: sanitising untrusted course HTML and rewriting Moodle's links in it.

Imported HTML is sanitised once, at import, with ``clean`` (or ``sanitise``): formatting,
headings, lists, tables, images, audio and video, figures, MathML, sub/sup and code survive;
scripts, event handlers, frames, objects, embeds and forms do not. Inline styles and old
presentational attributes become the box's own classes (``lib.presentation``: the box's CSP
would block them); media that need the Internet become a note with their address
(``lib.media``). Nesting deeper than ``nesting.LIMIT`` is flattened first, so the sanitiser's
work is bounded.

Every URL attribute goes through the one URL rule (``lib.urls.parse``) and is written in its
canonical form, or dropped:

- ``cartable-file:<sha256>/<quoted file name>``: a file of the course, by content hash;
- ``cartable-activity:<source key>`` and ``cartable-course:<source id>``: links inside the
  course, resolved to real addresses when the page is shown (``lib.display``); all three are
  kept only when the importer wrote them for this text (``made``), never when the backup did;
- addresses outside the box (``http``, ``https``, ``mailto``…): kept, shown as text by the
  display (the learners have no Internet); ``lib.display.external_links`` lists them;
- ``#fragment`` links within a page (ids get the ``user-content-`` prefix);
- raster ``data:`` images, for ``<img src>`` only.

Anything else (paths of the box, relative paths, scripts, unknown schemes) is dropped, and
``Cleaned.seen`` says so for the review. ``name`` attributes are dropped, so that imported HTML
cannot clobber the names the page's own scripts use.
"""

from __future__ import annotations

import html as html_lib
import re
import threading
from collections.abc import Callable, Collection
from dataclasses import dataclass
from html.parser import HTMLParser

import markdown as markdown_lib
import nh3

from cartable.lib import media, nesting, presentation, urls

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
    time tr track tt u ul var video wbr iframe embed object"""
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
    # Frames and objects never reach a page: ``lib.media`` turns those that lead outside into
    # a note with their address, and removes the others.
    "iframe": {"src"},
    "embed": {"src"},
    "object": {"data"},
    "font": {"color", "size", "face"},
    "p": {"align"},
    "div": {"align"},
    **{tag: set(_MATHML_ATTRIBUTES) for tag in _MATHML},
}
STYLE_PROPERTIES = _words(
    """color background-color text-align text-decoration text-indent font-weight font-style
    font-size font-family font-variant vertical-align line-height letter-spacing word-spacing
    text-decoration-line white-space direction unicode-bidi width height max-width min-width max-height min-height
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
    offline: tuple[str, ...] = ()  # addresses of media replaced by a note (``lib.media``)


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


_LOCAL = threading.local()


def _cleaner(made: Collection[str]) -> tuple[nh3.Cleaner, _Filter]:
    """The thread's sanitiser, its filter set for one text. Building an ``nh3.Cleaner`` costs
    about a millisecond (more than cleaning most texts), so each thread keeps one; the filter
    it calls is emptied for each text."""
    found: tuple[nh3.Cleaner, _Filter] | None = getattr(_LOCAL, "cleaner", None)
    if found is None:
        attribute_filter = _Filter(())
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
        found = _LOCAL.cleaner = (cleaner, attribute_filter)
    cleaner, attribute_filter = found
    attribute_filter.made = made
    attribute_filter.seen = []
    return cleaner, attribute_filter


def clean(html: str, *, made: Collection[str] = ()) -> Cleaned:
    """Untrusted HTML made safe to keep, and what its URLs were (see the module's docstring).

    ``made``: the course addresses (``urls.file_href``…, without fragment) the importer wrote
    into this text when it rewrote Moodle's links: only those survive, never one the backup
    wrote itself. Nesting deeper than ``nesting.LIMIT`` is flattened first.
    """
    flat, flattened = nesting.flatten(html)
    cleaner, attribute_filter = _cleaner(made)
    cleaned = presentation.to_classes(cleaner.clean(flat))
    cleaned, offline = media.offline_notes(cleaned)
    return Cleaned(cleaned, tuple(attribute_filter.seen), flattened, offline)


def sanitise(html: str, *, made: Collection[str] = ()) -> str:
    """Untrusted HTML made safe to show (see ``clean``)."""
    return clean(html, made=made).html


def text_to_html(text: str) -> str:
    """Plain text as HTML: escaped, paragraphs on blank lines, line breaks kept."""
    paragraphs = re.split(r"\n\s*\n", text.replace("\r\n", "\n").strip())
    return "".join(
        "<p>" + html_lib.escape(part).replace("\n", "<br>") + "</p>" for part in paragraphs if part
    )


def markdown_to_html(text: str) -> str:
    """Moodle's Markdown text format (4) as HTML, still to be sanitised.

    Moodle renders it with PHP Markdown Extra; Python-Markdown's ``extra`` extension reads
    the same syntax (tables, fenced code, footnotes, definition lists). Raw HTML in the text
    passes through, as in Moodle: the caller sanitises the result like any imported HTML.
    """
    return markdown_lib.markdown(
        text.replace("\r\n", "\n"), extensions=["extra", "sane_lists"], output_format="html"
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
