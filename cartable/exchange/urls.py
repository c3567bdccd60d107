from django.urls import path

from cartable.exchange import views

app_name = "exchange"
urlpatterns = [
    path("", views.identity_page, name="identity"),
    path("peers/", views.peers, name="peers"),
    path("export/", views.export, name="export"),
    path("import/", views.import_bundle, name="import"),
    path("history/", views.history, name="history"),
    path("learners/", views.learners, name="learners"),
    path("offers/", views.offers, name="offers"),
]
