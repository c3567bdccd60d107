"""The administrator's exchange pages at 320 px without JavaScript: the box's identity made and
shown, a peer registered by its key and the fingerprint read aloud, and the other pages."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from cartable.demo.load import load
from cartable.exchange.models import Peer
from cartable.exchange.wire.keys import PrivateIdentity
from tests.browser.conftest import page_width
from tests.browser.test_learner_journey import sign_in

pytestmark = pytest.mark.django_db(transaction=True)


def test_an_administrator_registers_the_hub_on_a_phone(make_page, live_server) -> None:
    load()
    phone = make_page(viewport={"width": 320, "height": 640}, java_script_enabled=False)
    sign_in(phone, live_server, "admin", "cartable-admin")
    phone.get_by_role("link", name="Échanges").first.click()
    phone.get_by_role("button", name="Créer les clés de cette box").click()
    expect(phone.get_by_role("status")).to_contain_text("Les clés de cette box sont créées.")
    fingerprint = phone.locator("#fingerprint").inner_text()
    assert len(fingerprint) == 24
    assert page_width(phone) <= 320

    hub = PrivateIdentity.generate().public
    phone.get_by_role("link", name="Correspondants").click()
    phone.get_by_label("Nom", exact=True).fill("hub-lille")
    phone.get_by_label("Rôle").select_option("box")
    phone.get_by_label("Clé publique").fill(hub.text())
    phone.get_by_label("Empreinte").fill("AAAA-BBBB-CCCC-DDDD-EEEE")
    phone.get_by_role("button", name="Enregistrer le correspondant").click()
    expect(phone.get_by_role("alert")).to_contain_text("L’empreinte saisie ne correspond pas")
    assert not Peer.objects.exists()
    phone.get_by_label("Empreinte").fill(hub.fingerprint.lower())
    phone.get_by_role("button", name="Enregistrer le correspondant").click()
    expect(phone.get_by_role("status")).to_contain_text("hub-lille")
    assert Peer.objects.get().fingerprint == hub.fingerprint
    assert page_width(phone) <= 320

    for name in ("Écrire un paquet", "Appliquer un paquet", "Historique", "Apprenants des box"):
        phone.get_by_role("link", name=name).click()
        phone.get_by_role("heading", level=1).wait_for()
        assert page_width(phone) <= 320, name
