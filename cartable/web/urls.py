from django.urls import path

from cartable.web import views

app_name = "web"
urlpatterns = [
    path("", views.home, name="home"),
    path("language/", views.language, name="language"),
    path("health/", views.health, name="health"),
]
