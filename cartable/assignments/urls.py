from django.urls import path

from cartable.assignments import views

app_name = "assignments"
urlpatterns = [
    path("<int:course_id>/<int:activity_id>/", views.assignment, name="assignment"),
    path("<int:course_id>/<int:activity_id>/save/", views.save, name="save"),
    path("<int:course_id>/<int:activity_id>/files/<int:file_id>/", views.file, name="file"),
    path(
        "<int:course_id>/<int:activity_id>/feedback/<int:file_id>/",
        views.feedback_file,
        name="feedback_file",
    ),
    path("<int:course_id>/<int:activity_id>/submissions/", views.submissions, name="submissions"),
    path(
        "<int:course_id>/<int:activity_id>/submissions/marking/",
        views.marking,
        name="marking",
    ),
    path(
        "<int:course_id>/<int:activity_id>/submissions/<int:learner_id>/",
        views.grade,
        name="grade",
    ),
    path(
        "<int:course_id>/<int:activity_id>/submissions/<int:learner_id>/extension/",
        views.extension,
        name="extension",
    ),
    path(
        "<int:course_id>/<int:activity_id>/submissions/<int:learner_id>/reopen/",
        views.reopen,
        name="reopen",
    ),
    path(
        "<int:course_id>/<int:activity_id>/submissions/<int:learner_id>/revert/",
        views.revert,
        name="revert",
    ),
]
