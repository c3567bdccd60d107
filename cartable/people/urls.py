from django.urls import path

from cartable.people import bulk_views, organisation_views, views

app_name = "accounts"
urlpatterns = [
    path("login/", views.SignInView.as_view(), name="login"),
    path("logout/", views.SignOutView.as_view(), name="logout"),
    path("password/", views.PasswordChangeView.as_view(), name="password_change"),
    path("", views.account_list, name="list"),
    path("new/", views.account_new, name="new"),
    path("import/", views.account_import, name="import"),
    path("groups/", views.group_list, name="groups"),
    path("bulk/", bulk_views.bulk_accounts, name="bulk"),
    path("enrol/", bulk_views.bulk_enrol, name="bulk_enrol"),
    path(
        "courses/<int:course_id>/participants/",
        bulk_views.participants,
        name="participants",
    ),
    path("deadlines/", bulk_views.my_deadlines, name="deadlines"),
    path("groups/<int:group_id>/passwords/", views.group_passwords, name="group_passwords"),
    path("establishments/", organisation_views.establishments, name="establishments"),
    path(
        "establishments/<int:item_id>/",
        organisation_views.establishment_edit,
        name="establishment_edit",
    ),
    path("institutions/", organisation_views.institutions, name="institutions"),
    path(
        "institutions/<int:item_id>/",
        organisation_views.institution_edit,
        name="institution_edit",
    ),
    path("<int:account_id>/", views.account_detail, name="detail"),
    path("<int:account_id>/password/", views.account_reset_password, name="reset_password"),
    path("<int:account_id>/active/", views.account_set_active, name="set_active"),
    path("<int:account_id>/unlock/", views.account_unlock, name="unlock"),
    path("<int:account_id>/groups/", views.account_set_groups, name="set_groups"),
    path("<int:account_id>/enrol/", views.account_enrol, name="enrol"),
    path("<int:account_id>/deadlines/", bulk_views.learner_deadlines, name="learner_deadlines"),
    path(
        "<int:account_id>/enrolments/<int:course_id>/remove/",
        views.account_unenrol,
        name="unenrol",
    ),
]
