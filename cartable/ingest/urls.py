from django.urls import path

from cartable.ingest import views

# The staff's "Courses" pages: the catalog as staff manage it.
app_name = "catalog"
urlpatterns = [
    path("", views.course_list, name="courses"),
    path("import/", views.import_course, name="import"),
    path("imports/<int:job_id>/", views.import_job, name="import_job"),
    path("updates/<int:revision_id>/confirm/", views.confirm_update, name="confirm_update"),
    path("questions/import/", views.import_questions, name="import_questions"),
    path(
        "questions/imports/<int:job_id>/",
        views.question_import_job,
        name="question_import_job",
    ),
]
