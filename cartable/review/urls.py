from django.urls import path

from cartable.review import views

app_name = "review"
urlpatterns = [
    path("", views.queue, name="queue"),
    path("courses/<int:course_id>/", views.course, name="course"),
    path("courses/<int:course_id>/decide/", views.decide_course, name="decide_course"),
    path(
        "courses/<int:course_id>/changes/<str:key>/decide/",
        views.decide_change,
        name="decide_change",
    ),
    path("activities/<int:activity_id>/decide/", views.decide_activity, name="decide_activity"),
]
