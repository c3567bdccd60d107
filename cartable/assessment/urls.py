from django.urls import path

from cartable.assessment import attachment_views, override_views, views

app_name = "assessment"
urlpatterns = [
    path("<int:course_id>/quizzes/<int:activity_id>/", views.quiz, name="quiz"),
    path("<int:course_id>/quizzes/<int:activity_id>/start/", views.start, name="start"),
    path("<int:course_id>/quizzes/new/", views.build, name="build"),
    path("<int:course_id>/quizzes/<int:activity_id>/edit/", views.edit, name="edit"),
    path("attempts/<int:attempt_id>/pages/<int:page>/", views.attempt_page, name="attempt"),
    path("attempts/<int:attempt_id>/summary/", views.summary, name="summary"),
    path("attempts/<int:attempt_id>/review/", views.review, name="review"),
    path("<int:course_id>/quizzes/<int:activity_id>/results/", views.results, name="results"),
    path("attempts/<int:attempt_id>/grading/", views.grading, name="grading"),
    path(
        "attempts/<int:attempt_id>/files/<int:slot>/<str:sha256>/",
        attachment_views.download,
        name="attachment",
    ),
    path(
        "<int:course_id>/quizzes/<int:activity_id>/overrides/",
        override_views.overrides,
        name="overrides",
    ),
    path(
        "<int:course_id>/quizzes/<int:activity_id>/overrides/<int:override_id>/remove/",
        override_views.remove_override,
        name="remove_override",
    ),
    path("<int:course_id>/questions/", views.question_bank, name="question_bank"),
    path(
        "<int:course_id>/questions/<int:question_id>/preview/",
        views.question_preview,
        name="question_preview",
    ),
]
