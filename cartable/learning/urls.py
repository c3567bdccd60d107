from django.urls import path

from cartable.learning import files, gradebook, teaching, views

app_name = "learning"
urlpatterns = [
    path("<int:course_id>/", views.course, name="course"),
    path("<int:course_id>/activities/<int:activity_id>/", views.activity, name="activity"),
    path("<int:course_id>/activities/<int:activity_id>/done/", views.mark_done, name="mark_done"),
    path(
        "<int:course_id>/files/<str:sha256>/<path:name>",
        files.course_file,
        name="course_file",
    ),
    path(
        "<int:course_id>/documents/<str:sha256>/<path:name>",
        files.document,
        name="document",
    ),
    path(
        "<int:course_id>/activities/<int:activity_id>/file/",
        files.activity_file,
        name="activity_file",
    ),
    path("<int:course_id>/learners/", teaching.learners, name="learners"),
    path("<int:course_id>/plan/", teaching.plan, name="plan"),
    path("<int:course_id>/plan/<int:item_id>/remove/", teaching.plan_remove, name="plan_remove"),
    path("plan/<int:item_id>/tick/", teaching.plan_tick, name="plan_tick"),
    path("<int:course_id>/grades/", gradebook.gradebook, name="gradebook"),
    path("<int:course_id>/grades/export.csv", gradebook.gradebook_export, name="gradebook_export"),
    path(
        "<int:course_id>/grades/<int:activity_id>/<int:learner_id>/",
        gradebook.override,
        name="grade_override",
    ),
    path("<int:course_id>/my-grades/", gradebook.own, name="own_grades"),
    path(
        "<int:course_id>/my-grades/files/<int:file_id>/",
        gradebook.feedback_file,
        name="feedback_file",
    ),
]
