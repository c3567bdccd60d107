"""The offers page on the hub (/exchange/offers/): which of the hub's courses go to which box.
Each button goes through the same action as `cartable exchange offer` (its checks, its
messages, its audit row); a withdrawal asks first; only administrators reach the page."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from cartable.audit.models import AuditEvent
from cartable.catalog.models import Course
from cartable.exchange import actions, courses, identity
from cartable.exchange.models import CourseOffer, Peer, PeerBlob
from cartable.exchange.wire import bundle
from cartable.exchange.wire.keys import PrivateIdentity
from tests.conftest import signed_in
from tests.test_exchange_courses import hub_course, pictured, run_import

pytestmark = pytest.mark.django_db

URL = "/exchange/offers/"


@pytest.fixture
def side(sides, tmp_path: Path):
    @contextmanager
    def on(name: str) -> Iterator[None]:
        with sides.on(name), override_settings(CONTENT_ROOT=tmp_path / f"{name}-content"):
            yield

    return on


def _client(user, language: str):
    user.language = language
    user.save(update_fields=["language"])
    client = signed_in(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


@pytest.fixture
def client(admin):
    return _client(admin, "en")


@pytest.fixture
def hist(side, tmp_path: Path) -> Course:
    with side("hub"):
        return hub_course(run_import(pictured(1).build(tmp_path / "v1.mbz"), "--publish"))


def _text(response) -> str:
    return response.content.decode()


def test_the_url_and_the_menu(client) -> None:
    assert reverse("exchange:offers") == URL
    page = client.get(reverse("exchange:history"))
    assert URL in _text(page)


def test_a_course_is_offered_then_withdrawn_after_a_confirmation(
    client, admin, side, peers, hist, stick: Path
) -> None:
    _hub, box = peers
    with translation.override("en"):
        page = client.get(URL)
    assert page.status_code == 200
    text = _text(page)
    assert box.name in text and hist.shortname in text and "Not offered" in text
    assert "Send every file again" in text

    done = client.post(URL, {"box": box.pk, "course": hist.pk, "do": "offer"}, follow=True)
    assert done.redirect_chain[-1][0] == URL
    assert f"{hist.shortname} is offered to {box.name}." in _text(done)
    offer = CourseOffer.objects.get(peer=box, course=hist)
    assert offer.offered_by == admin and offer.withdrawn_at is None
    audit = AuditEvent.objects.get(action="exchange.course_offered")
    assert audit.actor == admin and audit.details == {"peer": box.name, "course": hist.shortname}
    shown = _text(client.get(URL))
    assert "Offered" in shown and admin.display_name in shown and "Withdraw…" in shown

    # The course bundle for the box now carries it.
    with side("hub"):
        written = actions.export(actor=None, peer=box, kind="course", destination=stick / "c1")
    assert written.kind == "course" and written.entries == 1
    with side("hub"):
        names = [
            m.name for m in bundle.signed_manifest(stick / "c1", identity.load().public).members
        ]
    assert "courses.json" in names

    # Withdrawing asks first: nothing changes until confirmed.
    ask = client.post(URL, {"box": box.pk, "course": hist.pk, "do": "withdraw"})
    assert ask.status_code == 200
    assert f"Withdraw {hist.shortname} from {box.name}?" in _text(ask)
    assert CourseOffer.objects.get(peer=box, course=hist).withdrawn_at is None
    assert not AuditEvent.objects.filter(action="exchange.course_withdrawn").exists()

    gone = client.post(
        URL, {"box": box.pk, "course": hist.pk, "do": "withdraw", "confirm": "1"}, follow=True
    )
    assert f"{hist.shortname} is no longer offered to {box.name}." in _text(gone)
    offer.refresh_from_db()
    assert offer.withdrawn_by == admin and offer.withdrawn_at is not None
    withdrawn = AuditEvent.objects.get(action="exchange.course_withdrawn")
    assert withdrawn.actor == admin
    assert "Withdrawn" in _text(gone)
    with side("hub"), pytest.raises(actions.Refused, match="No course is offered"):
        actions.export(actor=None, peer=box, kind="course", destination=stick / "c2")

    # Withdrawing again is refused by the action, with its message.
    again = client.post(URL, {"box": box.pk, "course": hist.pk, "do": "withdraw", "confirm": "1"})
    assert again.status_code == 400
    assert f"{hist.shortname} is not offered to {box.name}." in _text(again)
    assert AuditEvent.objects.filter(action="exchange.course_withdrawn").count() == 1


def test_send_every_file_again_forgets_what_the_box_holds(client, admin, peers) -> None:
    _hub, box = peers
    PeerBlob.objects.create(peer=box, sha256="a" * 64)
    done = client.post(URL, {"box": box.pk, "do": "resend"}, follow=True)
    assert "carries every file (1 forgotten)" in _text(done)
    assert not PeerBlob.objects.filter(peer=box).exists()
    audit = AuditEvent.objects.get(action="exchange.course_files_forgotten")
    assert audit.actor == admin and audit.details == {"peer": box.name, "files": 1}


def test_a_hub_an_unknown_course_or_one_not_from_moodle_is_refused_with_its_message(
    client, peers, hist, course
) -> None:
    hub, box = peers
    before = AuditEvent.objects.count()
    cases = [
        (
            {"box": hub.pk, "course": hist.pk, "do": "offer"},
            f"Courses are offered to a box; {hub.name} is a hub.",
        ),
        ({"box": hub.pk, "do": "resend"}, f"Courses are offered to a box; {hub.name} is a hub."),
        ({"box": box.pk, "course": 987654, "do": "offer"}, "This course is not on this hub."),
        ({"box": 987654, "course": hist.pk, "do": "offer"}, "No such box is registered."),
        ({"box": box.pk, "do": "offer"}, "Choose a course."),
        ({"box": box.pk, "course": hist.pk, "do": "erase"}, "Choose what to do."),
        ({}, "Choose a box."),
    ]
    course.source_id = ""
    course.save(update_fields=["source_id"])
    cases.append(
        (
            {"box": box.pk, "course": course.pk, "do": "offer"},
            f"{course.shortname} was not imported from the university’s Moodle: it cannot be offered.",
        )
    )
    for post, message in cases:
        page = client.post(URL, post)
        assert page.status_code == 400, post
        assert message in _text(page), post
    assert not CourseOffer.objects.exists()
    assert AuditEvent.objects.count() == before


def test_the_refusal_is_in_french_for_a_french_reader(admin, peers, hist) -> None:
    hub, box = peers
    client = _client(admin, "fr")
    with translation.override("fr"):
        page = client.post(URL, {"box": hub.pk, "course": hist.pk, "do": "offer"})
        listed = client.get(URL)
    assert page.status_code == 400
    assert f"Les cours sont proposés à une boîte\u202f; {hub.name} est un hub." in _text(page)
    french = _text(listed)
    assert "Cours proposés aux box" in french and "Non proposé" in french
    assert "Renvoyer tous les fichiers" in french and "Proposer" in french
    with translation.override("fr"):
        ask = client.post(URL, {"box": box.pk, "course": hist.pk, "do": "withdraw"})
    assert f"Retirer {hist.shortname} de {box.name}\u202f? Ses prochains paquets de cours" in _text(
        ask
    )
    assert not CourseOffer.objects.exists()


def test_only_administrators_reach_it(staff, learner, teacher, peers, hist) -> None:
    _hub, box = peers
    for user in (staff, learner, teacher):
        client = signed_in(user)
        assert client.get(URL).status_code == 403
        assert (
            client.post(URL, {"box": box.pk, "course": hist.pk, "do": "offer"}).status_code == 403
        )
    assert not CourseOffer.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="exchange.course").exists()


def test_without_any_box_the_page_says_so(client) -> None:
    page = client.get(URL)
    assert page.status_code == 200
    assert "No box is registered" in _text(page)


def test_the_page_costs_the_same_queries_for_more_boxes_and_offers(
    client, admin, peers, hist, course
) -> None:
    _hub, box = peers
    Course.objects.filter(pk=course.pk).update(source_id="77")
    course.refresh_from_db()
    client.get(URL)  # the menu's counts, cached a while, out of the comparison
    with CaptureQueriesContext(connection) as one:
        assert client.get(URL).status_code == 200
    courses.offer(actor=admin, peer=box, course=hist)
    courses.offer(actor=admin, peer=box, course=course)
    for name in ("box-rennes", "box-brest"):
        public = PrivateIdentity.generate().public
        Peer.objects.create(
            name=name,
            role=Peer.Role.BOX,
            signing_key=public.signing.hex(),
            encryption_key=public.encryption.hex(),
            fingerprint=public.fingerprint,
        )
    with CaptureQueriesContext(connection) as more:
        page = client.get(URL)
    assert page.status_code == 200 and "box-brest" in _text(page)
    assert _text(page).count("Withdraw…") == 2
    assert len(more.captured_queries) == len(one.captured_queries)
