from django.urls import path
from django.views.decorators.http import require_http_methods, require_safe

from cartable.accounts.access import signed_in
from cartable.surveys import views

app_name = "surveys"

urlpatterns = [
    path(
        "<int:course_id>/choice/<int:activity_id>/",
        signed_in(require_http_methods(["GET", "HEAD", "POST"])(views.choice)),
        name="choice",
    ),
    path(
        "<int:course_id>/choice/<int:activity_id>/results/",
        signed_in(require_safe(views.choice_results)),
        name="choice_results",
    ),
    path(
        "<int:course_id>/choice/<int:activity_id>/results.csv",
        signed_in(require_safe(views.choice_csv)),
        name="choice_csv",
    ),
    path(
        "<int:course_id>/survey/<int:activity_id>/",
        signed_in(require_http_methods(["GET", "HEAD", "POST"])(views.feedback)),
        name="feedback",
    ),
    path(
        "<int:course_id>/survey/<int:activity_id>/results/",
        signed_in(require_safe(views.feedback_results)),
        name="feedback_results",
    ),
    path(
        "<int:course_id>/survey/<int:activity_id>/results.csv",
        signed_in(require_safe(views.feedback_csv)),
        name="feedback_csv",
    ),
]
