from django.urls import path

from cartable.learning import files, views

app_name = "learning"
urlpatterns = [
    path("<int:course_id>/", views.course, name="course"),
    path("<int:course_id>/activities/<int:activity_id>/", views.activity, name="activity"),
    path(
        "<int:course_id>/files/<str:sha256>/<path:name>",
        files.course_file,
        name="course_file",
    ),
    path(
        "<int:course_id>/activities/<int:activity_id>/file/",
        files.activity_file,
        name="activity_file",
    ),
]
