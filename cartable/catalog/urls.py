from django.urls import path

from cartable.catalog import views

app_name = "catalog"
urlpatterns = [
    path("", views.course_list, name="courses"),
    path("import/", views.import_course, name="import"),
    path("imports/<int:job_id>/", views.import_job, name="import_job"),
]
