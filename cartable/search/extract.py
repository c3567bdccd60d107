"""Plain text for the index: from the course's (already sanitised) HTML, and from PDF files,
within limits. Nothing here raises on bad input: what cannot be read is simply not indexed."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from pathlib import Path

from cartable.lib.html import LinkedFile, text_and_files

logger = logging.getLogger(__name__)


def html_text(html: str) -> tuple[str, list[LinkedFile]]:
    """The text of an HTML fragment on one line, and the course files it links to."""
    try:
        return text_and_files(html)
    except Exception:  # HTMLParser is lenient; this is a last guard, never a failed index
        logger.warning("could not read HTML for the search index", exc_info=True)
        return "", []


def clean(text: str) -> str:
    return " ".join(text.split())


@dataclass(frozen=True, slots=True)
class PdfLimits:
    max_bytes: int
    max_pages: int
    max_chars: int
    seconds: float


def is_pdf(filename: str, mimetype: str) -> bool:
    return mimetype == "application/pdf" or filename.lower().endswith(".pdf")


def pdf_text(path: Path, limits: PdfLimits) -> str:
    """The text of a PDF's first pages, within the limits; "" for a PDF that is too big, broken,
    encrypted or has no text layer (a scan)."""
    from pypdf import PdfReader

    try:
        size = path.stat().st_size
        if size > limits.max_bytes or size == 0:
            return ""
        with path.open("rb") as stream:
            if stream.read(5) != b"%PDF-":
                return ""
            stream.seek(0)
            deadline = time.monotonic() + limits.seconds
            pypdf_logger = logging.getLogger("pypdf")
            level = pypdf_logger.level
            pypdf_logger.setLevel(logging.ERROR)  # broken PDFs make pypdf chatty
            try:
                reader = PdfReader(stream)
                if reader.is_encrypted:
                    return ""
                parts: list[str] = []
                length = 0
                for number, page in enumerate(reader.pages):
                    if number >= limits.max_pages or time.monotonic() > deadline:
                        break
                    text = clean(page.extract_text() or "")
                    parts.append(text)
                    length += len(text) + 1
                    if length >= limits.max_chars:
                        break
            finally:
                pypdf_logger.setLevel(level)
    except Exception:  # pypdf raises many kinds of errors on bad files; none may stop an import
        logger.info("no text from PDF %s", path.name, exc_info=True)
        return ""
    return " ".join(p for p in parts if p)[: limits.max_chars]
