"""Every page of every real backup, as learners and staff see it on a 320 px phone.

For each backup in ``tests/fixtures/mbz`` (real courses from Moodle 2.8 to 4.4) and one built
here with what used to break pages (Moodle 2.2 assignments, Markdown, inline styles, embedded
videos, long addresses and words), the course is imported and published once, then Chromium
opens every page a learner can reach (home, course, each activity, search) and every page a
staff member can (courses, review, course, each activity, learners, study plans, audit log,
accounts) at 320 px wide and checks, on each:

- no page wider than the screen, and no text cut off by an element too narrow for it;
- no Content-Security-Policy violation (nor any other error) reported in the console;
- no raw Markdown (``**bold**``, ``[text](address)``) in what the page shows.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from cartable.catalog.models import Course, Enrolment
from cartable.ingest.imports import import_file
from tests.browser.test_media import signed_in_as
from tests.importers.builder import Backup, fields

pytestmark = pytest.mark.django_db(transaction=True)

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "mbz"
BACKUPS = sorted(FIXTURES.glob("*.mbz"))
WIDTH = 320

LONG_ADDRESS = "https://moodle.example.edu/pluginfile.php/" + "/".join(["segment"] * 60)
LONG_WORD = "Anticonstitutionnellement" * 12

# What each page reports once loaded: width, cut text, CSP violations, raw Markdown.
_CHECK = """() => {
  const problems = [];
  const root = document.documentElement;
  if (root.scrollWidth > window.innerWidth) {
    const wide = [];
    for (const element of document.body.querySelectorAll('*')) {
      const box = element.getBoundingClientRect();
      if (box.right > window.innerWidth + 1 || element.scrollWidth > element.clientWidth + 1) {
        wide.push(`${element.tagName.toLowerCase()}.${element.className}`
          + ` "${element.textContent.trim().slice(0, 40)}"`);
      }
    }
    problems.push(`page ${root.scrollWidth}px wide: ${wide.slice(-3).join(' | ')}`);
  }
  for (const element of document.body.querySelectorAll('*')) {
    const style = getComputedStyle(element);
    const clips = ['hidden', 'clip'].includes(style.overflowX) || style.textOverflow === 'ellipsis';
    if (!clips || element.clientWidth <= 1 || element.tagName === 'PROGRESS') continue;
    if (element.scrollWidth > element.clientWidth + 1 && element.textContent.trim()) {
      problems.push(`text cut in ${element.tagName.toLowerCase()}.${element.className}: `
        + element.textContent.trim().slice(0, 60));
    }
  }
  for (const violation of window.__violations || []) problems.push(`CSP: ${violation}`);
  const text = document.querySelector('main') ? document.querySelector('main').innerText : '';
  const markdown = text.match(/(?<![\\w*])\\*\\*[^\\s*][^*\\n]*[^\\s*]\\*\\*(?![\\w*])|\\]\\((?:https?:|#|\\/)/);
  if (markdown) problems.push(`raw Markdown: ${markdown[0].slice(0, 60)}`);
  return problems;
}"""
_RECORD_VIOLATIONS = """
window.__violations = [];
document.addEventListener('securitypolicyviolation', (event) => {
  window.__violations.push(`${event.violatedDirective} ${event.blockedURI || ''}`);
});
"""


def built_backup(tmp_path: Path) -> Path:
    """What the real backups of a new user held that broke pages, in one course."""
    b = Backup(
        shortname="DISPLAY",
        fullname="Cours d’affichage " + LONG_WORD,
        moodle_release="2.3.1 (Build: 20120706)",
        backup_release="2.3",
    )
    b.section(0, "", f"<p>Source : {LONG_ADDRESS}</p>")
    s1 = b.section(1, "Semaine " + LONG_WORD)
    b.section(2, "Vide")
    b.activity(
        "assignment",
        fields(
            intro='<p style="text-align:center"><strong>Rendu</strong> avant le 12.</p>',
            introformat=1,
            assignmenttype="upload",
            var1=3,
            timedue=1700086400,
            grade=20,
        ),
        title="Devoir " + LONG_WORD,
        section=s1,
    )
    b.activity(
        "page",
        fields(
            intro="Code **A-3450**",
            introformat=4,
            content=(
                "# Consignes\n\nCode **A-3450**, mot de passe *libre*.\n\n"
                f"- [Serveur Discord]({LONG_ADDRESS})\n- {LONG_WORD}\n\n"
                "| Colonne | Valeur |\n|---|---|\n| " + LONG_WORD + " | 1 |\n"
            ),
            contentformat=4,
        ),
        title="Consignes en Markdown",
        section=s1,
    )
    b.activity(
        "label",
        fields(intro="**Important** : lire [ceci](#x)", introformat=4),
        title="É",
        section=s1,
    )
    b.activity(
        "page",
        fields(
            intro="",
            introformat=1,
            content=(
                '<p style="color:#ff0000;font-weight:bold;text-align:right">Attention</p>'
                '<pre style="font-family:Courier New, monospace;white-space:pre">'
                "x = 1 if a else 2  # " + "a" * 200 + "</pre>"
                '<table style="width:1200px" border="1"><tr><td style="width:600px">'
                + LONG_WORD
                + "</td><td>"
                + LONG_ADDRESS
                + "</td></tr></table>"
                "<p>Please watch the following video</p>"
                '<iframe width="1280" height="720" src="https://www.youtube.com/embed/abc"></iframe>'
                f'<p><a href="{LONG_ADDRESS}">{LONG_ADDRESS}</a> <font color="yellow">jaune</font></p>'
                f"<p>{LONG_WORD}</p>"
            ),
            contentformat=1,
        ),
        title="Mise en forme",
        section=s1,
    )
    return b.build(tmp_path / "display.mbz")


def _pages(course: Course) -> tuple[list[str], list[str]]:
    """The addresses a learner and a staff member open for ``course``."""
    activities = [
        f"/courses/{course.pk}/activities/{pk}/"
        for pk in course.activities.filter(retired_at__isnull=True)
        .exclude(kind="label")
        .order_by("section__position", "position")
        .values_list("pk", flat=True)
    ]
    word = course.title.split()[0]
    learner = ["/", f"/courses/{course.pk}/", f"/search/?q={word}"]  # + what the course lists
    staff = [
        "/catalog/",
        f"/review/courses/{course.pk}/?all=1",
        f"/courses/{course.pk}/",
        f"/courses/{course.pk}/learners/",
        f"/courses/{course.pk}/plan/",
        "/audit/",
        "/accounts/",
        f"/search/?q={word}",
        *activities,
    ]
    return learner, staff


@pytest.mark.parametrize(
    "backup", [*BACKUPS, "built"], ids=[*(path.stem for path in BACKUPS), "built"]
)
def test_every_page_fits_a_phone_without_csp_errors_or_raw_markdown(
    backup, make_page, live_server, learner, staff, tmp_path: Path
) -> None:
    path = built_backup(tmp_path) if backup == "built" else backup
    course = import_file(path, actor=staff, establishment=staff.establishment, publish=True).course
    Enrolment.objects.create(user=learner, course=course)
    learner_pages, staff_pages = _pages(course)
    problems: dict[str, list[str]] = {}
    for user, addresses in ((learner, learner_pages), (staff, staff_pages)):
        page = make_page(viewport={"width": WIDTH, "height": 640})
        page.add_init_script(_RECORD_VIOLATIONS)
        console: list[str] = []
        page.on(
            "console",
            lambda message, into=console: (
                into.append(message.text) if message.type == "error" else None
            ),
        )
        page.on("pageerror", lambda error, into=console: into.append(f"page error: {error}"))
        signed_in_as(page, live_server, user)
        if user == learner:  # every activity the course page offers the learner
            page.goto(live_server.url + f"/courses/{course.pk}/", wait_until="load")
            listed = page.eval_on_selector_all(
                "a.activity__title", "links => links.map(a => a.getAttribute('href'))"
            )
            assert listed
            addresses = [*addresses, *listed]
        for address in addresses:
            console.clear()
            response = page.goto(live_server.url + address, wait_until="load")
            assert response is not None and response.status in (200, 403), address
            found = page.evaluate(_CHECK) + [f"console: {text}" for text in console]
            if found:
                problems[f"{user.role} {address}"] = found
    assert problems == {}, "\n".join(f"{where}: {found}" for where, found in problems.items())
