"""The offers page on a phone (320 px, no JavaScript): an administrator of the hub offers a
course to a box, then withdraws it after the confirmation."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from cartable.catalog.models import Course
from cartable.demo.load import load
from cartable.exchange.models import CourseOffer, Peer
from cartable.exchange.wire.keys import PrivateIdentity
from tests.browser.conftest import page_width
from tests.browser.test_learner_journey import sign_in

pytestmark = pytest.mark.django_db(transaction=True)


def test_an_administrator_offers_then_withdraws_a_course_on_a_phone(make_page, live_server) -> None:
    load()
    course = Course.objects.exclude(status=Course.Status.RETIRED).order_by("pk").first()
    assert course is not None
    Course.objects.filter(pk=course.pk).update(source_id=course.source_id or "4242")
    public = PrivateIdentity.generate().public
    box = Peer.objects.create(
        name="box-caen",
        role=Peer.Role.BOX,
        signing_key=public.signing.hex(),
        encryption_key=public.encryption.hex(),
        fingerprint=public.fingerprint,
    )
    phone = make_page(viewport={"width": 320, "height": 640}, java_script_enabled=False)
    sign_in(phone, live_server, "admin", "cartable-admin")
    phone.get_by_role("link", name="Échanges").first.click()
    phone.get_by_role("link", name="Cours proposés").click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("Cours proposés aux box")
    assert page_width(phone) <= 320

    row = phone.get_by_role("row").filter(has_text=course.shortname).first
    row.get_by_role("button", name="Proposer").click()
    expect(phone.get_by_role("status")).to_contain_text(
        f"{course.shortname} est proposé à box-caen"
    )
    assert CourseOffer.objects.get(peer=box, course=course).withdrawn_at is None
    assert page_width(phone) <= 320

    row = phone.get_by_role("row").filter(has_text=course.shortname).first
    row.get_by_role("button", name="Retirer…").click()
    expect(phone.get_by_role("alert")).to_contain_text("la box garde ce qu’elle a reçu")
    assert CourseOffer.objects.get(peer=box, course=course).withdrawn_at is None
    assert page_width(phone) <= 320
    phone.get_by_role("button", name="Retirer ce cours").click()
    expect(phone.get_by_role("status")).to_contain_text("n’est plus proposé à box-caen")
    assert CourseOffer.objects.get(peer=box, course=course).withdrawn_at is not None
    assert page_width(phone) <= 320
