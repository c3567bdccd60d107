from django.urls import path

from cartable.access import views

app_name = "access"
urlpatterns = [
    path("", views.index, name="index"),
    path("hours/<int:establishment_id>/", views.hours, name="hours"),
    path("hours/<int:establishment_id>/weekly/", views.window_new, name="window_new"),
    path("hours/<int:establishment_id>/exceptions/", views.exception_new, name="exception_new"),
    path("rules/<int:rule_id>/", views.rule_edit, name="rule_edit"),
    path("rules/<int:rule_id>/delete/", views.rule_delete, name="rule_delete"),
    path("sessions/", views.sessions, name="sessions"),
    path("sessions/<int:session_id>/end/", views.end_session, name="end_session"),
    path("mine/", views.my_hours, name="my_hours"),
    path("clock/", views.clock_page, name="clock"),
    path("clock/set/", views.clock_set, name="clock_set"),
    path("clock/confirm/", views.clock_confirm, name="clock_confirm"),
]
