"""Videos seek, PDFs show in the box's own viewer and maths is typeset, in a real browser,
with nothing fetched from outside the box and nothing refused by the Content-Security-Policy."""

from __future__ import annotations

import io
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.test import Client

from cartable.accounts.models import User
from cartable.catalog import blobs
from cartable.catalog.models import Activity, Course, CourseFile
from cartable.demo.load import load

pytestmark = pytest.mark.django_db(transaction=True)

CLIP = Path(__file__).parent.parent / "fixtures" / "media" / "clip.webm"
ICON = "/static/cartable/icon.svg"  # every page's icon (base.html)


def signed_in_as(page, live_server, user: User) -> None:
    """Sign in by session cookie: these tests are about what comes after."""
    client = Client()
    client.force_login(user)
    cookie = client.cookies["cartable_session"]
    page.context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": live_server.url}])


def watch(page) -> list[str]:
    """Errors the page reports: script errors, failed loads, Content-Security-Policy refusals."""
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    page.on(
        "console",
        lambda message: (
            problems.append(f"console: {message.text}") if message.type == "error" else None
        ),
    )

    def failed(request) -> None:
        # A player drops the range it no longer needs when the learner seeks (sooner on a busy
        # machine, where that range is still arriving): the player's own doing, not a failure.
        # So does the browser with the page's icon when the test goes to the next page before
        # the icon arrived (it is fetched apart, after the page's load event): a clean-clone
        # run failed once on it. Any other failure, the icon's own included, counts.
        if request.failure == "net::ERR_ABORTED" and (
            request.resource_type == "media" or urlsplit(request.url).path == ICON
        ):
            return
        problems.append(f"failed: {request.url} ({request.failure})")

    page.on("requestfailed", failed)
    return problems


def add_activity(course: Course, **fields: object) -> Activity:
    return Activity.objects.create(
        review_status=Activity.Review.APPROVED,
        course=course,
        section=course.sections.get(position=0),
        position=100,
        **fields,
    )


def test_it_plays_a_video_from_where_the_learner_seeks(page, live_server, learner, course) -> None:
    video = add_activity(
        course,
        kind=Activity.Kind.RESOURCE,
        title="Vidéo",
        blob=blobs.add(io.BytesIO(CLIP.read_bytes())),
        filename="clip.webm",
        mimetype="video/webm",
    )
    file_path = f"/courses/{course.pk}/activities/{video.pk}/file/"
    answers: list[tuple[int, str | None, str | None]] = []
    page.on(
        "response",
        lambda response: (
            answers.append(
                (
                    response.status,
                    response.request.headers.get("range"),
                    response.headers.get("content-range"),
                )
            )
            if file_path in response.url
            else None
        ),
    )
    problems = watch(page)
    signed_in_as(page, live_server, learner)
    page.goto(f"{live_server.url}/courses/{course.pk}/activities/{video.pk}/")
    page.wait_for_function("() => document.querySelector('video.player').readyState >= 1")
    assert page.evaluate("document.querySelector('video.player').duration") == pytest.approx(
        6, abs=0.2
    )

    page.evaluate(
        """() => new Promise((resolve) => {
            const video = document.querySelector('video.player');
            video.addEventListener('seeked', resolve, { once: true });
            video.currentTime = 3.5;
        })"""
    )
    page.evaluate(
        "() => { const v = document.querySelector('video.player'); v.muted = true; return v.play(); }"
    )
    page.wait_for_function(
        "() => { const v = document.querySelector('video.player'); return !v.paused && v.currentTime > 3.8; }"
    )
    played = page.evaluate("document.querySelector('video.player').currentTime")
    assert 3.8 < played < 6.1  # it went on from the seek, not from the start

    ranged = [answer for answer in answers if answer[0] == 206]
    assert ranged, f"no Range request was answered with 206: {answers}"
    assert all(range_ and content_range for _status, range_, content_range in ranged)
    assert all(
        content_range.endswith(f"/{CLIP.stat().st_size}") for *_rest, content_range in ranged
    )
    assert problems == []


def test_it_shows_the_demo_pdf_in_the_viewer(page, live_server, outside) -> None:
    load()
    handout = Activity.objects.get(filename="fiche-memo-lettre.pdf")
    problems = watch(page)
    signed_in_as(page, live_server, User.objects.get(username="apprenant"))
    page.goto(f"{live_server.url}/courses/{handout.course_id}/activities/{handout.pk}/")

    page.locator('[data-pdf="sheet"][data-rendered="1"]').wait_for()
    assert page.locator("[data-pdf-viewer]").is_visible()
    assert page.locator('[data-pdf="count"]').inner_text() == "1"
    assert page.locator('[data-pdf="page"]').input_value() == "1"
    # The page is drawn (not a blank canvas) and its text laid over it.
    inked = page.evaluate(
        """() => {
            const canvas = document.querySelector('[data-pdf="canvas"]');
            const { data } = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height);
            let dark = 0;
            for (let i = 0; i < data.length; i += 4) if (data[i] < 128 && data[i + 3] > 0) dark++;
            return dark;
        }"""
    )
    assert inked > 500
    assert "motivation" in page.locator(".textLayer").inner_text()
    # Fitted to the width of the viewer; zooming in draws it wider, and the keyboard works too.
    stage_width = page.evaluate("document.querySelector('[data-pdf=\"stage\"]').clientWidth")
    fitted = page.evaluate(
        "document.querySelector('[data-pdf=\"canvas\"]').getBoundingClientRect().width"
    )
    assert abs(fitted - stage_width) <= 2
    page.locator('[data-pdf="zoom-in"]').click()
    page.wait_for_function(
        f"() => document.querySelector('[data-pdf=\"canvas\"]').getBoundingClientRect().width > {fitted + 10}"
    )
    assert page.locator('[data-pdf="fit"]').get_attribute("aria-pressed") == "false"
    page.locator('[data-pdf="stage"]').focus()
    page.keyboard.press("-")
    page.wait_for_function(
        f"() => Math.abs(document.querySelector('[data-pdf=\"canvas\"]').getBoundingClientRect().width - {fitted}) < 2"
    )
    assert page.locator('[data-pdf="previous"]').is_disabled()
    assert page.locator('[data-pdf="next"]').is_disabled()
    # pdf.js, its worker and the PDF came from the box; the PDF through the file view.
    assert any(url.endswith("/static/dist/pdfjs/pdf.worker.js") for url in outside.all)
    assert any(f"/activities/{handout.pk}/file/" in url for url in outside.all)
    assert problems == []


def test_it_shows_a_pdf_linked_from_a_page_in_the_viewer(page, live_server, outside) -> None:
    load()
    handout = Activity.objects.get(filename="fiche-memo-lettre.pdf")
    CourseFile.objects.create(
        course_id=handout.course_id,
        blob_id=handout.blob_id,
        filename="fiche.pdf",
        mimetype="application/pdf",
    )
    lesson = Activity.objects.filter(course_id=handout.course_id, kind="page").first()
    lesson.content = f'<p><a href="cartable-file:{handout.blob_id}/fiche.pdf">La fiche</a></p>'
    lesson.save()
    problems = watch(page)
    signed_in_as(page, live_server, User.objects.get(username="apprenant"))
    page.goto(f"{live_server.url}/courses/{handout.course_id}/activities/{lesson.pk}/")
    page.get_by_role("link", name="La fiche").click()
    page.locator('[data-pdf="sheet"][data-rendered="1"]').wait_for()
    assert page.get_by_role("heading", name="fiche.pdf").is_visible()
    assert "motivation" in page.locator(".textLayer").inner_text()
    assert problems == []


def test_it_fits_the_pdf_to_a_320_pixel_screen(make_page, live_server) -> None:
    load()
    handout = Activity.objects.get(filename="fiche-memo-lettre.pdf")
    page = make_page(viewport={"width": 320, "height": 640})
    problems = watch(page)
    signed_in_as(page, live_server, User.objects.get(username="apprenant"))
    page.goto(f"{live_server.url}/courses/{handout.course_id}/activities/{handout.pk}/")
    page.locator('[data-pdf="sheet"][data-rendered="1"]').wait_for()
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    bar = page.locator('[data-pdf="bar"]').bounding_box()
    assert bar is not None and bar["height"] < 120  # two rows of buttons at most
    assert problems == []


def test_it_offers_the_pdf_for_download_without_javascript(make_page, live_server) -> None:
    load()
    handout = Activity.objects.get(filename="fiche-memo-lettre.pdf")
    page = make_page(java_script_enabled=False)
    signed_in_as(page, live_server, User.objects.get(username="apprenant"))
    page.goto(f"{live_server.url}/courses/{handout.course_id}/activities/{handout.pk}/")
    assert page.locator("[data-pdf-viewer]").is_hidden()
    link = page.locator(f'a[href^="/courses/{handout.course_id}/activities/{handout.pk}/file/"]')
    assert link.is_visible()


def test_it_typesets_maths_only_where_there_is_some(
    page, live_server, learner, course, outside
) -> None:
    maths = add_activity(
        course,
        kind=Activity.Kind.PAGE,
        title="Fonctions",
        content=r"<p>Soit \(x^2+1\) et $$\frac{1}{x}$$ ; en code : <code>\(brut\)</code></p>",
    )
    plain = course.activities.filter(kind=Activity.Kind.PAGE).exclude(pk=maths.pk).first()
    problems = watch(page)
    signed_in_as(page, live_server, learner)

    page.goto(f"{live_server.url}/courses/{course.pk}/activities/{plain.pk}/")
    page.locator("main h1").wait_for()
    assert not any("/static/dist/maths-" in url for url in outside.all)

    page.goto(f"{live_server.url}/courses/{course.pk}/activities/{maths.pk}/")
    page.locator(".prose .katex").first.wait_for()
    assert page.locator(".prose .katex").count() == 2
    assert page.locator(".prose .katex-display").count() == 1
    assert page.locator(".prose .katex annotation").first.text_content() == "x^2+1"
    assert page.locator(".prose code").inner_text() == r"\(brut\)"  # code is left alone
    page.wait_for_function("() => document.fonts.status === 'loaded'")
    assert any("/static/dist/katex/KaTeX_Main-Regular" in url for url in outside.all)
    assert problems == []


def test_it_leaves_the_tex_readable_without_javascript(
    make_page, live_server, learner, course
) -> None:
    maths = add_activity(
        course, kind=Activity.Kind.PAGE, title="Fonctions", content=r"<p>Soit \(x^2+1\).</p>"
    )
    page = make_page(java_script_enabled=False)
    signed_in_as(page, live_server, learner)
    page.goto(f"{live_server.url}/courses/{course.pk}/activities/{maths.pk}/")
    assert r"\(x^2+1\)" in page.locator(".prose").inner_text()


def pdf_with_a_link(address: str) -> bytes:
    """A one-page PDF showing ``address`` with a link annotation to it over the text."""
    from pypdf import PdfWriter
    from pypdf.annotations import Link
    from pypdf.generic import DecodedStreamObject, DictionaryObject, NameObject

    writer = PdfWriter()
    sheet = writer.add_blank_page(width=400, height=200)
    font = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Font"),
            NameObject("/Subtype"): NameObject("/Type1"),
            NameObject("/BaseFont"): NameObject("/Helvetica"),
        }
    )
    fonts = DictionaryObject({NameObject("/F1"): writer._add_object(font)})
    sheet[NameObject("/Resources")] = DictionaryObject({NameObject("/Font"): fonts})
    text = DecodedStreamObject()
    text.set_data(f"BT /F1 16 Tf 20 100 Td ({address}) Tj ET".encode())
    sheet[NameObject("/Contents")] = writer._add_object(text)
    writer.add_annotation(page_number=0, annotation=Link(rect=(0, 0, 400, 200), url=address))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_it_shows_a_pdfs_outside_link_as_text_never_live(
    page, live_server, learner, course, outside
) -> None:
    held = CourseFile.objects.create(
        course=course,
        blob=blobs.add(io.BytesIO(pdf_with_a_link("https://evil.example/pdf"))),
        filename="lien.pdf",
        mimetype="application/pdf",
    )
    problems = watch(page)
    signed_in_as(page, live_server, learner)
    document = f"{live_server.url}/courses/{course.pk}/documents/{held.blob_id}/lien.pdf"
    page.goto(document)
    page.locator('[data-pdf="sheet"][data-rendered="1"]').wait_for()
    assert "https://evil.example/pdf" in page.locator(".textLayer").inner_text()
    assert page.locator("[data-pdf-viewer] a").count() == 0  # no annotation layer, no link
    box = page.locator('[data-pdf="sheet"]').bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)  # on the link
    assert page.url == document
    assert not any("evil.example" in url for url in outside.all)
    assert problems == []
