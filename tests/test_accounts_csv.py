"""Staff create many accounts from a CSV file: all or nothing, every bad line named."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from cartable.accounts.models import Cohort, Role, User
from cartable.audit.models import AuditEvent
from tests.conftest import signed_in

pytestmark = pytest.mark.django_db


def upload(client, text: str | bytes, name: str = "comptes.csv"):
    data = text.encode("utf-8") if isinstance(text, str) else text
    return client.post("/accounts/import/", {"file": SimpleUploadedFile(name, data, "text/csv")})


def test_it_creates_every_account_and_prints_the_sheet(staff, establishment) -> None:
    response = upload(
        signed_in(staff),
        "identifiant;prénom;nom;groupe;rôle\n"
        "mdurand;Marie;Durand;DAEU A;apprenant\n"
        "kbenali;Karim;Benali;DAEU A|Atelier;\n"
        "jprof;Jean;Prof;;enseignant\n",
    )
    assert response.status_code == 200
    assert set(
        User.objects.filter(establishment=establishment).values_list("username", flat=True)
    ) >= {
        "mdurand",
        "kbenali",
        "jprof",
    }
    assert User.objects.get(username="jprof").role == Role.TEACHER
    karim = User.objects.get(username="kbenali")
    assert sorted(karim.cohorts.values_list("name", flat=True)) == ["Atelier", "DAEU A"]
    assert Cohort.objects.filter(establishment=establishment).count() == 2
    sheet = response.content.decode()
    for item in response.context["credentials"]:
        assert item.password in sheet
        assert item.user.check_password(item.password)
    assert AuditEvent.objects.filter(action="account.created").count() == 3
    assert AuditEvent.objects.get(action="account.imported").details == {"count": 3}


def test_it_reads_a_windows_spreadsheet_export(staff) -> None:
    data = "username,first_name,last_name\r\nhlefevre,Hélène,Lefèvre\r\n".encode("cp1252")
    assert upload(signed_in(staff), data).status_code == 200
    assert User.objects.get(username="hlefevre").first_name == "Hélène"


def test_it_reads_a_utf8_file_with_a_byte_order_mark(staff) -> None:
    data = "\ufeffusername,first_name\nzoe,Zoé\n".encode()
    assert upload(signed_in(staff), data).status_code == 200
    assert User.objects.get(username="zoe").first_name == "Zoé"


def test_it_lists_every_bad_line_and_creates_nothing(staff, learner) -> None:
    response = upload(
        signed_in(staff),
        "username,first_name,role,password\n"
        "good,Bon,learner,\n"
        ",Sans identifiant,learner,\n"
        "lea,Déjà prise,learner,\n"
        "bad name,Espace,learner,\n"
        "good,Doublon,learner,\n"
        "chef,Chef,directeur,\n"
        "boss,Boss,staff,\n"
        "faible,Faible,learner,12345678\n",
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "Aucun compte n’a été créé" in page
    assert "Ligne 3 : l’identifiant est manquant." in page
    assert "Ligne 4 : l’identifiant « lea » est déjà pris." in page
    assert "Ligne 5 : l’identifiant « bad name » ne peut contenir que" in page
    assert "Ligne 6 : l’identifiant « good » figure déjà ligne 2." in page
    assert "Ligne 7 : rôle inconnu « directeur »." in page
    assert "Ligne 8 : vous ne pouvez pas créer de compte avec le rôle « Personnel »." in page
    assert "Ligne 9 : Ce mot de passe est entièrement numérique." in page
    assert not User.objects.filter(username="good").exists()
    assert not AuditEvent.objects.filter(action__startswith="account.").exists()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "Le fichier soumis est vide."),
        (b"\n", "Le fichier est vide : sa première ligne doit nommer les colonnes."),
        (
            b"prenom,nom\nMarie,Durand\n",
            "une colonne « username » (ou « identifiant ») est obligatoire",
        ),
        (b"username,age\nmarie,40\n", "colonne inconnue « age »"),
        (b"username\n\n\n", "Le fichier ne contient aucune ligne de compte."),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "Le fichier n’est pas un fichier texte (CSV)"),
        (b"username,first_name\nmarie,Marie,en trop\n", "plus de valeurs que de colonnes"),
    ],
)
def test_it_explains_what_is_wrong_with_the_file(staff, content: bytes, message: str) -> None:
    response = upload(signed_in(staff), content)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert User.objects.count() == 1


def test_it_refuses_more_rows_than_the_limit(staff, settings) -> None:
    settings.CSV_MAX_ROWS = 3
    rows = "".join(f"user{number}\n" for number in range(4))
    response = upload(signed_in(staff), "username\n" + rows)
    assert response.status_code == 400
    assert "plus de 3 comptes" in response.content.decode()
    assert User.objects.count() == 1


def test_it_refuses_a_file_over_the_size_limit(staff, settings) -> None:
    settings.CSV_MAX_BYTES = 1024
    response = upload(signed_in(staff), "username\n" + "x" * 2000 + "\n")
    assert response.status_code == 400
    assert "plus gros que 1024 octets" in response.content.decode()
