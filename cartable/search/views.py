"""The search page: a GET form and its ranked results (works without JavaScript)."""

from __future__ import annotations

from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from cartable.accounts.access import signed_in
from cartable.accounts.models import User
from cartable.search import find
from cartable.search.query import MAX_QUERY_CHARS


@signed_in
def search(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    text = " ".join(request.GET.get("q", "").split())[:MAX_QUERY_CHARS]
    results = find.search(user, text, _page_number(request.GET.get("page"))) if text else None
    return render(
        request,
        "search/search.html",
        {"q": text, "results": results, "query": urlencode({"q": text})},
    )


def _page_number(raw: str | None) -> int:
    try:
        return min(max(int(raw or 1), 1), 10_000)
    except ValueError:
        return 1
