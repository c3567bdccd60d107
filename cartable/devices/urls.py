from django.urls import path

from cartable.devices import views

app_name = "devices"
urlpatterns = [
    path("device/enrol/", views.enrol, name="enrol"),
    path("devices/", views.device_list, name="list"),
    path("devices/new/", views.device_new, name="new"),
    path("devices/groups/", views.groups, name="groups"),
    path("devices/groups/<int:group_id>/", views.group_edit, name="group_edit"),
    path("devices/groups/<int:group_id>/delete/", views.group_delete, name="group_delete"),
    path("devices/loans/", views.loans, name="loans"),
    path("devices/loans/overdue/", views.overdue, name="overdue"),
    path("devices/loans/<int:loan_id>/", views.loan, name="loan"),
    path("devices/loans/<int:loan_id>/return/", views.loan_return, name="return"),
    path("devices/rules/<int:establishment_id>/", views.rule, name="rule"),
    path("devices/<int:device_id>/", views.device_detail, name="detail"),
    path("devices/<int:device_id>/edit/", views.device_edit, name="edit"),
    path("devices/<int:device_id>/code/", views.device_code, name="code"),
    path("devices/<int:device_id>/revoke/", views.device_revoke, name="revoke"),
    path("devices/<int:device_id>/checkout/", views.checkout, name="checkout"),
]
