"""The hub's online exchange (cartable.exchange.api), under /exchange/api/."""

from django.urls import path

from cartable.exchange import api

app_name = "exchange_api"

urlpatterns = [
    path("v1/bundles", api.push, name="push"),
    path("v1/bundles/next", api.pull, name="pull"),
]
