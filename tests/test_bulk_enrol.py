"""Staff enrol a group or a list of usernames in a course in one action: a preview first, then
one transaction, one audit row, and nothing more the second time."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from cartable.accounts.models import Role
from cartable.audit.models import AuditEvent
from cartable.catalog.models import Enrolment
from cartable.people import usernames
from tests.conftest import make_user, signed_in

pytestmark = pytest.mark.django_db

URL = "/accounts/enrol/"


@pytest.fixture
def group(cohort, learner, other_learner, establishment):
    """DAEU A: two learners of the establishment."""
    cohort.members.add(learner, other_learner)
    return cohort


def _enrolled(course, role=Enrolment.Role.LEARNER):
    return set(
        Enrolment.objects.filter(course=course, role=role).values_list("user__username", flat=True)
    )


def test_it_previews_then_enrols_a_group_in_one_action(staff, group, other_course) -> None:
    client = signed_in(staff)
    form = {"course": other_course.pk, "role": "learner", "action": "enrol", "group": group.pk}
    preview = client.post(URL, form)
    assert preview.status_code == 200
    assert [user.username for user in preview.context["change"].new] == ["omar", "lea"]
    assert _enrolled(other_course) == set()  # the preview changes nothing
    assert not AuditEvent.objects.filter(action__startswith="enrolment.").exists()

    response = client.post(URL, {**form, "confirm": "1"})
    assert response.status_code == 302
    assert response["Location"] == f"/accounts/courses/{other_course.pk}/participants/"
    assert _enrolled(other_course) == {"lea", "omar"}
    event = AuditEvent.objects.get(action="enrolment.bulk_created")
    assert event.actor == staff
    assert event.target_id == str(other_course.pk)
    assert event.details["count"] == 2
    assert event.details["source"] == "group:DAEU A"
    assert sorted(event.details["users"]) == ["lea", "omar"]


def test_it_changes_nothing_when_a_group_is_enrolled_twice(staff, group, other_course) -> None:
    client = signed_in(staff)
    form = {
        "course": other_course.pk,
        "role": "learner",
        "action": "enrol",
        "group": group.pk,
        "confirm": "1",
    }
    client.post(URL, form)
    rows = list(Enrolment.objects.filter(course=other_course).values_list("pk", "user_id", "role"))
    audits = AuditEvent.objects.count()

    again = client.post(URL, form)
    assert again.status_code == 302
    assert (
        list(Enrolment.objects.filter(course=other_course).values_list("pk", "user_id", "role"))
        == rows
    )
    assert AuditEvent.objects.count() == audits
    preview = client.post(URL, {key: value for key, value in form.items() if key != "confirm"})
    change = preview.context["change"]
    assert change.empty
    assert {user.username for user in change.unchanged} == {"lea", "omar"}
    assert "Il n’y a rien à changer." in preview.content.decode()


def test_it_enrols_and_unenrols_a_list_typed_in(staff, learner, other_learner, other_course):
    client = signed_in(staff)
    Enrolment.objects.create(user=learner, course=other_course)
    form = {
        "course": other_course.pk,
        "role": "learner",
        "action": "enrol",
        "usernames": "LEA\n omar \n\nlea\n",
    }
    preview = client.post(URL, form)
    change = preview.context["change"]
    assert [user.username for user in change.new] == ["omar"]
    assert [user.username for user in change.unchanged] == ["lea"]
    assert client.post(URL, {**form, "confirm": "1"}).status_code == 302
    assert _enrolled(other_course) == {"lea", "omar"}

    out = {**form, "action": "unenrol", "usernames": "omar", "confirm": "1"}
    assert client.post(URL, out).status_code == 302
    assert _enrolled(other_course) == {"lea"}
    event = AuditEvent.objects.get(action="enrolment.bulk_removed")
    assert event.details["users"] == ["omar"]
    assert event.details["source"] == "list"


def test_it_enrols_teachers_from_a_csv_file(staff, teacher, other_course) -> None:
    upload = SimpleUploadedFile(
        "enseignants.csv", b"prenom;identifiant\nTess;tess\n", content_type="text/csv"
    )
    form = {"course": other_course.pk, "role": "teacher", "action": "enrol", "file": upload}
    client = signed_in(staff)
    preview = client.post(URL, form)
    assert preview.status_code == 200
    assert preview.context["listed_text"] == "tess"
    # The confirmation carries the list the preview read, not the file.
    assert '<textarea name="usernames" hidden aria-hidden="true">tess</textarea>' in (
        preview.content.decode()
    )
    confirm = {
        "course": other_course.pk,
        "role": "teacher",
        "action": "enrol",
        "usernames": preview.context["listed_text"],
        "confirm": "1",
    }
    assert client.post(URL, confirm).status_code == 302
    assert _enrolled(other_course, Enrolment.Role.TEACHER) == {"tess"}


def test_it_refuses_a_list_with_unknown_and_foreign_usernames(
    staff, learner, outsider_learner, admin, other_course
) -> None:
    client = signed_in(staff)
    form = {
        "course": other_course.pk,
        "role": "learner",
        "action": "enrol",
        "usernames": "lea\nfantome\nolga\nada\n",
        "confirm": "1",
    }
    response = client.post(URL, form)
    assert response.status_code == 400
    errors = response.context["errors"]
    assert "Ligne 2\u202f: aucun compte n’a l’identifiant «\u202ffantome\u202f»." in errors
    assert "Ligne 3\u202f: «\u202folga\u202f» est un compte d’un autre établissement." in errors
    assert (
        "Ligne 4\u202f: «\u202fada\u202f» est un compte du personnel\u202f: seuls les "
        "apprenants et les enseignants sont inscrits aux cours."
    ) in errors
    assert Enrolment.objects.filter(course=other_course).count() == 0
    assert not AuditEvent.objects.filter(action__startswith="enrolment.").exists()


def test_it_says_in_french_which_usernames_are_wrong(staff, outsider_learner, other_course):
    client = signed_in(staff)
    response = client.post(
        URL,
        {
            "course": other_course.pk,
            "role": "learner",
            "action": "enrol",
            "usernames": "fantome\nolga",
        },
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert "Ligne 1\u202f: aucun compte n’a l’identifiant «\u202ffantome\u202f»." in page
    assert "Ligne 2\u202f: «\u202folga\u202f» est un compte d’un autre établissement." in page
    assert "Rien n’a été changé" in page


def test_it_refuses_a_learner_account_as_a_teacher(staff, learner, other_course) -> None:
    response = signed_in(staff).post(
        URL,
        {
            "course": other_course.pk,
            "role": "teacher",
            "action": "enrol",
            "usernames": "lea",
            "confirm": "1",
        },
    )
    assert response.status_code == 400
    assert response.context["errors"] == [
        "«\u202flea\u202f» n’est pas un compte d’enseignant\u202f: seuls les enseignants "
        "enseignent un cours."
    ]
    assert not Enrolment.objects.filter(course=other_course).exists()


def test_it_leaves_out_group_members_of_another_kind(staff, group, teacher, other_course):
    group.members.add(teacher)
    response = signed_in(staff).post(
        URL,
        {"course": other_course.pk, "role": "teacher", "action": "enrol", "group": group.pk},
    )
    change = response.context["change"]
    assert [user.username for user in change.new] == ["tess"]
    assert {user.username for user in change.skipped} == {"lea", "omar"}


def test_it_only_enrols_the_members_staff_manage(
    staff, group, outsider_learner, other_course
) -> None:
    # A member of another establishment in the group (made by hand) is not staff's to enrol.
    group.members.add(outsider_learner)
    signed_in(staff).post(
        URL,
        {
            "course": other_course.pk,
            "role": "learner",
            "action": "enrol",
            "group": group.pk,
            "confirm": "1",
        },
    )
    assert _enrolled(other_course) == {"lea", "omar"}


def test_it_refuses_another_establishments_group(outsider_staff, group, other_course) -> None:
    response = signed_in(outsider_staff).post(
        URL,
        {
            "course": other_course.pk,
            "role": "learner",
            "action": "enrol",
            "group": group.pk,
            "confirm": "1",
        },
    )
    assert response.status_code == 400
    assert "group" in response.context["form"].errors
    assert not Enrolment.objects.filter(course=other_course).exists()


def test_it_wants_exactly_one_source(staff, group, other_course) -> None:
    response = signed_in(staff).post(
        URL,
        {
            "course": other_course.pk,
            "role": "learner",
            "action": "enrol",
            "group": group.pk,
            "usernames": "lea",
        },
    )
    assert response.status_code == 400
    assert not Enrolment.objects.filter(course=other_course).exists()


def test_it_keeps_learners_and_teachers_out(learner, teacher, group, other_course) -> None:
    for user in (learner, teacher):
        response = signed_in(user).post(
            URL,
            {
                "course": other_course.pk,
                "role": "learner",
                "action": "enrol",
                "group": group.pk,
                "confirm": "1",
            },
        )
        assert response.status_code == 403
    assert not Enrolment.objects.filter(course=other_course).exists()


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"lea\nomar\n", ["lea", "omar"]),
        (b"identifiant;nom\nLea;Moreau\nomar;Haddad\n", ["lea", "omar"]),
        (b"nom,username\nMoreau,lea\n", ["lea"]),
        ("\ufeffléa\r\n".encode(), ["léa"]),
        (b"lea\nlea\n", ["lea"]),
    ],
)
def test_it_reads_usernames_one_a_line_or_in_a_column(data: bytes, expected: list[str]) -> None:
    assert [row.username for row in usernames.parse(data, max_rows=10)] == expected


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "La liste ne contient aucun identifiant."),
        (b"lea\x00\n", "Le fichier n’est pas un fichier texte (CSV)"),
        (b"a\nb\nc\n", "La liste compte plus de 2 identifiants."),
        (b"lea\nl<script>\n", "Ligne 2\u202f: l’identifiant «\u202fl<script>\u202f» ne peut"),
        (b"identifiant;nom\n;Moreau\n", "Ligne 2\u202f: l’identifiant est manquant."),
    ],
)
def test_it_refuses_bad_lists(data: bytes, message: str) -> None:
    with pytest.raises(usernames.CsvImportError) as error:
        usernames.parse(data, max_rows=2)
    assert any(str(line).startswith(message) for line in error.value.errors)


def test_it_lets_administrators_enrol_accounts_of_any_establishment(
    admin, outsider_learner, other_course
) -> None:
    response = signed_in(admin).post(
        URL,
        {
            "course": other_course.pk,
            "role": "learner",
            "action": "enrol",
            "usernames": "olga",
            "confirm": "1",
        },
    )
    assert response.status_code == 302
    assert _enrolled(other_course) == {"olga"}


def test_it_moves_a_teacher_enrolled_as_learner(staff, establishment, other_course) -> None:
    tutor = make_user("tina", Role.TEACHER, establishment)
    Enrolment.objects.create(user=tutor, course=other_course, role=Enrolment.Role.LEARNER)
    signed_in(staff).post(
        URL,
        {
            "course": other_course.pk,
            "role": "teacher",
            "action": "enrol",
            "usernames": "tina",
            "confirm": "1",
        },
    )
    assert _enrolled(other_course, Enrolment.Role.TEACHER) == {"tina"}
    assert AuditEvent.objects.get(action="enrolment.bulk_created").details["changed_users"] == [
        "tina"
    ]
