from django.urls import include, path

urlpatterns = [
    path("", include("cartable.web.urls")),
    path("accounts/", include("cartable.people.urls")),
    path("access/", include("cartable.access.urls")),
    path("courses/", include("cartable.learning.urls")),
    path("courses/", include("cartable.assessment.urls")),
    path("assignments/", include("cartable.assignments.urls")),
    path("catalog/", include("cartable.ingest.urls")),
    path("review/", include("cartable.review.urls")),
    path("search/", include("cartable.search.urls")),
    path("surveys/", include("cartable.surveys.urls")),
    path("audit/", include("cartable.reports.urls")),
    path("messages/", include("cartable.messaging.urls")),
    path("", include("cartable.devices.urls")),
    path("records/", include("cartable.records.urls")),
    path("exchange/api/", include("cartable.exchange.api_urls")),
    path("exchange/", include("cartable.exchange.urls")),
]

handler403 = "cartable.web.views.error_403"
handler404 = "cartable.web.views.error_404"
