"""A survey of several pages (Moodle's feedback ``pagebreak`` items): one page at a time with
plain forms, required items checked page by page, answers kept across pages and after a
sign-out, the whole response sent from the last page."""

from __future__ import annotations

from django.urls import reverse

from cartable.accounts.models import User
from cartable.audit.models import AuditEvent
from cartable.catalog.models import Course
from cartable.surveys import items
from cartable.surveys.models import FeedbackDraft, FeedbackMark, FeedbackResponse, FeedbackValue
from tests.conftest import signed_in
from tests.surveys import ONE_PAGE, SURVEY_ITEMS, add_feedback, item

PAGE_ONE = {"item-2": ["2"], "item-3": ["12,5"]}
PAGE_TWO = {"item-5": ["1", "3"], "item-7": ["Rien."]}


def _url(survey) -> str:
    return reverse(
        "surveys:feedback", kwargs={"course_id": survey.course_id, "activity_id": survey.pk}
    )


def _post(client, survey, page: int, go: str, answers: dict[str, list[str]]):
    return client.post(_url(survey), {"page": str(page), "go": go, **answers})


def test_it_cuts_pages_at_page_breaks_and_ignores_empty_ones() -> None:
    asked = items.questions(
        (
            item(1, "pagebreak"),
            item(2, "textfield", "A", "20|10"),
            item(3, "pagebreak"),
            item(4, "pagebreak"),
            item(5, "textfield", "B", "20|10"),
            item(6, "pagebreak"),
        )
    )
    assert [[q.item.source_id for q in page] for page in items.pages(asked)] == [[2], [5]]
    assert len(items.pages(items.questions(ONE_PAGE))) == 1
    assert len(items.pages(items.questions(SURVEY_ITEMS))) == 2
    assert items.pages([]) == [[]]


def test_it_shows_one_page_at_a_time(course: Course, learner: User) -> None:
    survey = add_feedback(course)
    page = signed_in(learner).get(_url(survey)).content.decode()
    assert "Page 1 sur 2" in page
    assert 'name="item-2"' in page and 'name="item-5"' not in page
    assert 'name="go" value="next"' in page and 'value="previous"' not in page
    assert 'name="go" value="send"' not in page


def test_it_checks_required_items_page_by_page(course: Course, learner: User) -> None:
    survey = add_feedback(course)
    response = _post(signed_in(learner), survey, 0, "next", {"item-3": ["12"]})
    assert response.status_code == 400
    text = response.content.decode()
    assert "Cette question demande une réponse." in text and 'value="12"' in text
    assert not FeedbackDraft.objects.exists()


def test_it_keeps_answers_across_pages_and_after_a_sign_out(course: Course, learner: User) -> None:
    survey = add_feedback(course)
    client = signed_in(learner)
    assert _post(client, survey, 0, "next", PAGE_ONE).status_code == 302
    draft = FeedbackDraft.objects.get(activity=survey, user=learner)
    assert draft.page == 1 and draft.answers["item-3"] == ["12,5"]
    assert AuditEvent.objects.get(action="survey.page_saved").details == {
        "activity": survey.pk,
        "page": 2,
    }
    again = signed_in(learner)  # a new session: the learner resumes on page 2
    page = again.get(_url(survey)).content.decode()
    assert "Page 2 sur 2" in page and 'name="item-5"' in page
    assert 'name="go" value="send"' in page and 'name="go" value="previous"' in page
    # Back to page 1: what they typed is there, and page 2's answers are kept meanwhile.
    assert _post(again, survey, 1, "previous", {"item-7": ["Déjà écrit"]}).status_code == 302
    first = again.get(_url(survey)).content.decode()
    assert "Page 1 sur 2" in first and 'value="12,5"' in first
    assert FeedbackDraft.objects.get().answers["item-7"] == ["Déjà écrit"]
    assert not FeedbackResponse.objects.exists()


def test_it_sends_the_whole_response_from_the_last_page(course: Course, learner: User) -> None:
    survey = add_feedback(course, anonymous=False)
    client = signed_in(learner)
    _post(client, survey, 0, "next", PAGE_ONE)
    response = _post(client, survey, 1, "send", PAGE_TWO)
    assert response.status_code == 302
    sent = FeedbackResponse.objects.get(activity=survey, user=learner)
    values = dict(FeedbackValue.objects.filter(response=sent).values_list("item", "value"))
    assert values[2] == "2" and values[3] == "12.5" and values[5] == "1|3" and values[7] == "Rien."
    assert not FeedbackDraft.objects.exists()
    assert FeedbackMark.objects.get(activity=survey, user=learner).responses == 1
    assert "Vos réponses sont enregistrées." in client.get(_url(survey)).content.decode()


def test_an_anonymous_response_keeps_no_draft_once_sent(course: Course, learner: User) -> None:
    survey = add_feedback(course, anonymous=True)
    client = signed_in(learner)
    _post(client, survey, 0, "next", PAGE_ONE)
    assert _post(client, survey, 1, "send", PAGE_TWO).status_code == 302
    assert FeedbackResponse.objects.get(activity=survey).user is None
    assert not FeedbackDraft.objects.exists()


def test_it_refuses_bad_pages_and_moves(course: Course, learner: User) -> None:
    survey = add_feedback(course)
    client = signed_in(learner)
    for page, go in [("7", "next"), ("-1", "next"), ("un", "next"), ("0", "jump"), ("", "")]:
        response = client.post(_url(survey), {"page": page, "go": go, **PAGE_ONE})
        assert response.status_code == 400
        assert "pas aller à cette page" in response.content.decode()
    assert not FeedbackDraft.objects.exists() and not FeedbackResponse.objects.exists()


def test_send_from_a_page_before_the_last_turns_the_page(course: Course, learner: User) -> None:
    survey = add_feedback(course)
    client = signed_in(learner)
    assert _post(client, survey, 0, "send", PAGE_ONE).status_code == 302
    assert not FeedbackResponse.objects.exists()
    assert FeedbackDraft.objects.get().page == 1


def test_each_learner_has_their_own_answers_in_progress(
    course: Course, learner: User, other_learner: User
) -> None:
    from cartable.catalog.models import Enrolment

    Enrolment.objects.create(user=other_learner, course=course, role=Enrolment.Role.LEARNER)
    survey = add_feedback(course)
    _post(signed_in(learner), survey, 0, "next", {"item-2": ["1"], "item-3": ["39"]})
    page = signed_in(other_learner).get(_url(survey)).content.decode()
    assert "Page 1 sur 2" in page and 'value="39"' not in page


def test_teachers_preview_every_page_at_once(course: Course, teacher: User) -> None:
    survey = add_feedback(course)
    client = signed_in(teacher)
    page = client.get(_url(survey)).content.decode()
    assert 'name="item-2"' in page and 'name="item-5"' in page and "Page 1 sur 2" not in page
    assert _post(client, survey, 0, "next", PAGE_ONE).status_code == 403
    assert not FeedbackDraft.objects.exists()


def test_a_closed_survey_takes_no_page(course: Course, learner: User) -> None:
    from datetime import timedelta

    from django.utils import timezone

    survey = add_feedback(course, closes=timezone.now() - timedelta(days=1))
    response = _post(signed_in(learner), survey, 0, "next", PAGE_ONE)
    assert response.status_code == 400 and "est fermée" in response.content.decode()
    assert not FeedbackDraft.objects.exists()
