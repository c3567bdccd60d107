from django.urls import path

from cartable.records import views

app_name = "records"
urlpatterns = [
    path("check/", views.check, name="check"),
    path("import/", views.import_transfer, name="import"),
    path("<int:account_id>/", views.account, name="account"),
    path("<int:account_id>/close/", views.close, name="close"),
    path("<int:account_id>/portfolio/", views.portfolio_pdf, name="portfolio"),
    path("<int:account_id>/export/", views.export, name="export"),
]
