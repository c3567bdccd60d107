"""HTML benchmark: what sanitising imported HTML and showing it on a learner's page cost.

    python bench/html_bench.py [--depth 90000] [--repeat 200]

Times ``lib.html.clean`` (nesting bound, URL rule, nh3) on hostile pages (``--depth`` nested
``<div>``, the same with random ids, tag soup that reopens formatting elements) and on an
ordinary long course page, and ``lib.display.for_display`` (run on every learner page) on that
page, median of ``--repeat`` runs. Pure functions: no database, no server.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from cartable.lib import display, html, nesting  # noqa: E402

SHA = "c" * 64


def ordinary_page() -> str:
    """About 60 kB: headings, paragraphs with links and pictures, a table, lists."""
    part = (
        "<h2>Partie</h2><p>Un paragraphe <b>important</b> avec "
        '<a href="https://fr.wikipedia.org/wiki/Lettre">un lien</a>, '
        f'<a href="cartable-activity:page-12">une activité</a> et <img src="cartable-file:{SHA}/'
        'plan.png" alt="plan">.</p><ul><li>un</li><li>deux</li></ul>'
        "<table><tr><td>a</td><td>b</td></tr></table>"
    )
    return part * 200


def timed(function, repeat: int) -> float:
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        runs.append(time.perf_counter() - start)
    return statistics.median(runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--depth", type=int, default=90_000)
    parser.add_argument("--repeat", type=int, default=200)
    options = parser.parse_args()
    made = {f"cartable-file:{SHA}/plan.png", "cartable-activity:page-12"}
    hostile = {
        f"{options.depth} nested divs": "<div>" * options.depth + "x" + "</div>" * options.depth,
        f"{options.depth} divs with ids": "".join(f'<div id="d{n}">' for n in range(options.depth)),
        f"{options.depth} reopened formatting": "<p><b id=1><i id=2>x" * (options.depth // 3),
    }
    print(f"nesting limit: {nesting.LIMIT} levels")
    for name, text in hostile.items():
        start = time.perf_counter()
        cleaned = html.clean(text)
        elapsed = time.perf_counter() - start
        print(
            f"clean, {name} ({len(text) // 1024} kB): {elapsed:.2f} s, {cleaned.flattened} tags dropped"
        )
    page = ordinary_page()
    stored = html.sanitise(page, made=made)
    print(
        f"clean, ordinary page ({len(page) // 1024} kB): "
        f"{timed(lambda: html.sanitise(page, made=made), max(options.repeat // 10, 3)) * 1000:.1f} ms"
    )

    def show() -> str:
        return display.for_display(
            stored,
            file_url=lambda sha, name, attribute: f"/courses/1/files/{sha}/{name}",
            activity_url=lambda key: "/courses/1/activities/2/",
            course_url="/courses/1/",
        )

    print(f"for_display, the same page: {timed(show, options.repeat) * 1000:.2f} ms")


if __name__ == "__main__":
    main()
