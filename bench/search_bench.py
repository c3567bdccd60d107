"""Search benchmark: index a generated course, then time learners' searches.

    python bench/search_bench.py [--courses 5] [--activities 2000] [--pdfs 50] [--pdf-pages 20]

Each course has ``--activities`` pages of French text (about 300 words each, drawn from a fixed
vocabulary so that common and rare words both occur) and ``--pdfs`` PDF handouts of
``--pdf-pages`` pages. It prints the time to index one course (first time, reading the PDFs,
and again, with the PDFs' text already read), then the median and worst time of searches for
rare, common and two-word queries, as a learner enrolled in every course. It runs on a fresh
SQLite data folder, or on PostgreSQL when DATABASE_URL is set (use an empty database).
"""

from __future__ import annotations

import argparse
import io
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

VOCABULARY = (
    "lettre motivation élève élèves cours leçon histoire géographie révolution française "
    "volcan séisme plante photosynthèse fraction nombre calcul équation triangle cercle "
    "rédaction phrase verbe sujet complément accord participe passé présent futur texte "
    "lecture écriture dictée vocabulaire exercice exemple méthode fiche résumé question "
    "réponse travail emploi formation stage métier entretien curriculum compétence qualité "
    "le la les de des du un une et est dans pour avec sur par que qui ce cette ces"
)
WORDS = VOCABULARY.split()


def text(rng: random.Random, words: int) -> str:
    chosen = [rng.choice(WORDS) for _ in range(words)]
    if rng.random() < 0.002:  # a rare word, in about one page in a hundred
        chosen[0] = "Kilimandjaro"
    return " ".join(chosen)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--courses", type=int, default=5)
    parser.add_argument("--activities", type=int, default=2000)
    parser.add_argument("--pdfs", type=int, default=50)
    parser.add_argument("--pdf-pages", type=int, default=20)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()

    os.environ.setdefault("CARTABLE_HOME", tempfile.mkdtemp(prefix="cartable-search-bench-"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cartable.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)

    from cartable.accounts.models import Institution, Role, User
    from cartable.catalog import blobs
    from cartable.catalog.models import Activity, Course, Enrolment, Section
    from cartable.demo.pdf import text_pdf
    from cartable.search.find import search
    from cartable.search.index import reindex_course
    from cartable.search.models import Entry

    rng = random.Random(42)
    institution, _ = Institution.objects.get_or_create(slug="bench", defaults={"name": "Bench"})
    learner = User.objects.create(username=f"bench{rng.randrange(10**9)}", role=Role.LEARNER)
    courses = []
    for number in range(args.courses):
        course = Course.objects.create(
            institution=institution,
            shortname=f"BENCH{number}-{learner.pk}",
            title=f"Cours {number}",
            status=Course.Status.PUBLISHED,
        )
        sections = [
            Section.objects.create(course=course, position=s, title=f"Partie {s}")
            for s in range(20)
        ]
        Activity.objects.bulk_create(
            Activity(
                course=course,
                section=sections[a % 20],
                position=a,
                kind=Activity.Kind.PAGE,
                review_status=Activity.Review.APPROVED,  # what a learner may open
                title=text(rng, 5),
                content=f"<p>{text(rng, 150)}</p><p>{text(rng, 150)}</p>",
            )
            for a in range(args.activities)
        )
        for p in range(args.pdfs):
            blob = blobs.add(io.BytesIO(_pdf(args.pdf_pages, text_pdf, rng)))
            Activity.objects.create(
                course=course,
                section=sections[p % 20],
                position=10_000 + p,
                kind=Activity.Kind.RESOURCE,
                review_status=Activity.Review.APPROVED,
                title=f"Fiche {p}",
                blob=blob,
                filename=f"fiche-{p}.pdf",
                mimetype="application/pdf",
            )
        Enrolment.objects.create(user=learner, course=course)
        courses.append(course)

    started = time.perf_counter()
    rows = reindex_course(courses[0].pk)
    first = time.perf_counter() - started
    started = time.perf_counter()
    reindex_course(courses[0].pk)
    again = time.perf_counter() - started
    for course in courses[1:]:
        reindex_course(course.pk)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # as the database's own maintenance would, on a box in use
    print(
        f"{connection.vendor}: one course of {args.activities} pages and {args.pdfs} PDFs "
        f"({args.pdf_pages} pages each) = {rows} rows; indexed in {first:.1f} s "
        f"(PDFs read), {again:.1f} s again; index holds {Entry.objects.count()} rows"
    )
    for query in [
        "xylophone",
        "kilimandjaro",
        "photosynthèse",
        "lettres",
        "élève motivation",
        "le",
    ]:
        times = []
        for _ in range(args.runs):
            started = time.perf_counter()
            results = search(learner, query)
            times.append(time.perf_counter() - started)
        print(
            f"  {query!r:22} {results.total:7} results  median {statistics.median(times) * 1000:6.1f} ms"
            f"  worst {max(times) * 1000:6.1f} ms"
        )


def _pdf(count: int, text_pdf, rng: random.Random) -> bytes:
    """A PDF of ``count`` pages of text, written with pypdf from one-page PDFs."""
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    for _ in range(count):
        page = text_pdf("Fiche", [text(rng, 12) for _ in range(40)])
        writer.add_page(PdfReader(io.BytesIO(page)).pages[0])
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


if __name__ == "__main__":
    main()
