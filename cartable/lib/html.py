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
from collections.abc import Callable
from dataclasses import dataclass
from html.parser import HTMLParser
from urllib.parse import quote, unquote

import nh3

FILE_SCHEME = "cartable-file"
ACTIVITY_SCHEME = "cartable-activity"
COURSE_SCHEME = "cartable-course"
EXTERNAL_SCHEMES = frozenset({"http", "https", "mailto"})
URL_SCHEMES = frozenset({FILE_SCHEME, ACTIVITY_SCHEME, COURSE_SCHEME, "data"} | EXTERNAL_SCHEMES)


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
_DATA_IMAGE = re.compile(r"^data:image/(png|jpeg|jpg|gif|webp|bmp);", re.IGNORECASE)
_URL_ATTRIBUTES = frozenset({"href", "src", "poster", "cite"})


def _attribute_filter(tag: str, attribute: str, value: str) -> str | None:
    if attribute in _URL_ATTRIBUTES and value.strip().lower().startswith("data:"):
        allowed = tag == "img" and attribute == "src" and _DATA_IMAGE.match(value.strip())
        return value if allowed else None
    if attribute == "srcset" and "data:" in value.lower():
        return None
    return value


ID_PREFIX = "user-content-"  # ids of imported HTML never clash with (or clobber) the page's


def _relative(url: str) -> str | None:
    """Relative URLs lead nowhere on the box; a ``#fragment`` follows the prefixed ids."""
    if not url.startswith("#"):
        return None
    fragment = url[1:]
    return url if fragment.startswith(ID_PREFIX) else f"#{ID_PREFIX}{fragment}"


_CLEANER = nh3.Cleaner(
    tags=TAGS,
    clean_content_tags={"script", "style", "template", "noscript", "textarea", "select"},
    attributes=ATTRIBUTES,
    attribute_filter=_attribute_filter,
    url_schemes=URL_SCHEMES,
    filter_style_properties=STYLE_PROPERTIES,
    url_relative=_relative,
    link_rel="noopener noreferrer",
    id_prefix=ID_PREFIX,
)


def sanitise(html: str) -> str:
    """Untrusted HTML made safe to show (see the module's docstring for what survives)."""
    return _CLEANER.clean(html)


def text_to_html(text: str) -> str:
    """Plain text as HTML: escaped, paragraphs on blank lines, line breaks kept."""
    paragraphs = re.split(r"\n\s*\n", text.replace("\r\n", "\n").strip())
    return "".join(
        "<p>" + html_lib.escape(part).replace("\n", "<br>") + "</p>" for part in paragraphs if part
    )


def file_url(sha256: str, filename: str) -> str:
    return f"{FILE_SCHEME}:{sha256}/{quote(filename, safe='')}"


def activity_url(source_key: str) -> str:
    return f"{ACTIVITY_SCHEME}:{source_key}"


def course_url(source_id: int | str) -> str:
    return f"{COURSE_SCHEME}:{source_id}"


UNRESOLVED_SCHEME = "cartable-unresolved"  # not allowed by the sanitiser: such links become text

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


class _LinkCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if value is None:
                continue
            if name in _URL_ATTRIBUTES:
                self._add(value)
            elif name == "srcset":
                for candidate in value.split(","):
                    self._add(candidate.strip().split(" ")[0])

    def _add(self, url: str) -> None:
        url = url.strip()
        scheme = url.partition(":")[0].lower()
        if scheme in EXTERNAL_SCHEMES and url not in self.links:
            self.links.append(url)


def external_links(html: str) -> tuple[str, ...]:
    """The http(s) and mailto URLs of an HTML fragment, in order, each once."""
    if ":" not in html:
        return ()
    collector = _LinkCollector()
    collector.feed(html)
    collector.close()
    return tuple(collector.links)


# --- At display time ------------------------------------------------------------------------

_EXTERNAL_ANCHOR = re.compile(
    r"<a\b[^>]*?\bhref=\"((?:https?|mailto):[^\"]*)\"[^>]*>(.*?)</a>", re.IGNORECASE | re.DOTALL
)
_EXTERNAL_IMAGE = re.compile(
    r"<img\b[^>]*?\bsrc=\"((?:https?):[^\"]*)\"[^>]*>", re.IGNORECASE | re.DOTALL
)
_EXTERNAL_ATTRIBUTE = re.compile(
    r"\s(?:src|poster|srcset|cite)=\"[^\"]*(?:https?|mailto):[^\"]*\"", re.IGNORECASE
)
_INTERNAL = re.compile(
    r"\b(href|src|poster)=\"(cartable-(?:file|activity|course)):([^\"#]*)(#[^\"]*)?\"",
    re.IGNORECASE,
)
_TAGS = re.compile(r"<[^>]+>")


def _shown_url(url: str) -> str:
    return url.removeprefix("mailto:")


def for_display(
    html: str,
    *,
    file_url: Callable[[str, str, str], str | None],
    activity_url: Callable[[str], str | None],
    course_url: str,
) -> str:
    """Sanitised course HTML made ready for a learner's page on the box.

    Links inside the course become the box's own addresses (``file_url(sha256, quoted name,
    attribute)``: a link (``href``) may lead to a page showing the file, a source to its bytes;
    ``activity_url(source key)``; None when the target is gone, and the link becomes text).
    Links to outside the box are shown as text, never live: an external anchor becomes its
    text followed by its address, an external image its address, and any other external
    source attribute is removed. The browser is thus never asked to leave the box.
    """
    if ":" not in html:
        return html

    def anchor(match: re.Match[str]) -> str:
        url = html_lib.unescape(match.group(1))
        text = match.group(2)
        shown = html_lib.escape(_shown_url(url))
        if _TAGS.sub("", text).strip() in ("", shown, html_lib.escape(url)):
            return f'<span class="external-link">{shown}</span>'
        return (
            f'<span class="external-link">{text} '
            f'<span class="external-link__address">({shown})</span></span>'
        )

    def image(match: re.Match[str]) -> str:
        url = html_lib.escape(html_lib.unescape(match.group(1)))
        return f'<span class="external-link external-link--image">[{url}]</span>'

    def internal(match: re.Match[str]) -> str:
        attribute, scheme, target, fragment = match.groups()
        scheme = scheme.lower()
        url: str | None
        if scheme == FILE_SCHEME:
            sha256, _, name = target.partition("/")
            url = file_url(sha256, name, attribute.lower())
        elif scheme == ACTIVITY_SCHEME:
            url = activity_url(html_lib.unescape(target))
        else:
            url = course_url
        if url is None:
            return f'data-missing="{attribute}"'
        return f'{attribute}="{html_lib.escape(url)}{fragment or ""}"'

    html = _EXTERNAL_ANCHOR.sub(anchor, html)
    html = _EXTERNAL_IMAGE.sub(image, html)
    html = _EXTERNAL_ATTRIBUTE.sub("", html)
    return _INTERNAL.sub(internal, html)


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
_FILE_LINK = re.compile(FILE_SCHEME + r":([0-9a-f]{64})/(.+)")


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
            found = _FILE_LINK.fullmatch(href)
            if found:
                self.links.append(LinkedFile(found[1], unquote(found[2])))

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
