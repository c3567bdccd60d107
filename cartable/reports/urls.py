from django.urls import path

from cartable.reports import views

app_name = "audit"
urlpatterns = [
    path("", views.event_list, name="log"),
    path("export.csv", views.event_export, name="export"),
]
