"""The staff's pages on the audit log: the list, newest first, and its CSV export."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cartable.accounts.access import staff_only
from cartable.accounts.models import Role, User
from cartable.audit import chain
from cartable.audit.actions import record
from cartable.audit.labels import detail_key, label, target_type
from cartable.reports import export, filters
from cartable.reports.access import visible_events, visible_tallies
from cartable.reports.forms import AuditFilterForm

PAGE_SIZE = 50
COLUMNS = (
    "seq",
    "at",
    "actor_name",
    "action",
    "target_type",
    "target_label",
    "ip_address",
    "device",
    "details",
)


def _actor(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _position(request: HttpRequest, name: str) -> int | None:
    value = request.GET.get(name, "")
    return int(value) if value.isascii() and value.isdigit() and len(value) < 19 else None


def _value(key: str, value: Any) -> str:
    """A detail's value for people: yes/no, roles by their name, the rest as stored."""
    if isinstance(value, bool):
        return str(_("yes") if value else _("no"))
    if value is None:
        return "—"
    if key == "role" and value in Role.values:
        return str(Role(value).label)
    return value if isinstance(value, str) else chain.canonical_json(value)


def _details(details: Any) -> list[tuple[str, str]]:
    if not isinstance(details, dict):
        return [("", str(details))]
    return [
        (detail_key(str(key)), _value(str(key), value)) for key, value in sorted(details.items())
    ]


@staff_only
def event_list(request: HttpRequest) -> HttpResponse:
    """Pages are cut by entry number, not counted: the page after the one with entries down
    to #1200 starts below #1200. Each page costs one indexed query however long the log."""
    form = AuditFilterForm(request.GET or None)
    events = filters.apply(visible_events(_actor(request)), form.filters())
    before, after = _position(request, "before"), _position(request, "after")
    rows = events.values(*COLUMNS)
    if after is not None:
        page = list(rows.filter(seq__gt=after).order_by("seq")[: PAGE_SIZE + 1])
        newer = len(page) > PAGE_SIZE
        page = page[:PAGE_SIZE][::-1]
        older = True
    else:
        if before is not None:
            rows = rows.filter(seq__lt=before)
        page = list(rows.order_by("-seq")[: PAGE_SIZE + 1])
        older = len(page) > PAGE_SIZE
        page = page[:PAGE_SIZE]
        newer = before is not None
    for event in page:
        event["label"] = label(event["action"])
        event["details"] = _details(event["details"])
        event["target_type"] = target_type(event["target_type"]) if event["target_type"] else ""
    query = request.GET.copy()
    for name in ("before", "after"):
        query.pop(name, None)
    counting: list[dict[str, Any]] = [
        {**tally, "label": label(tally["action"])}
        for tally in visible_tallies(_actor(request))
        .filter(count__gt=0)
        .order_by("-last_at")
        .values("action", "actor_name", "ip_address", "count", "first_seq", "last_at")[:PAGE_SIZE]
    ]
    return render(
        request,
        "audit/list.html",
        {
            "form": form,
            "events": page,
            "query": query.urlencode(),
            "newer": page[0]["seq"] if page and newer else None,
            "older": page[-1]["seq"] if page and older else None,
            "first_page": before is None and after is None,
            "counting": counting,
        },
    )


@require_POST
@staff_only
def event_export(request: HttpRequest) -> HttpResponse | StreamingHttpResponse:
    """The entries the filters choose, as CSV. A POST (a form on the log's page, the filters
    in hidden fields): exporting is audited, so no link or image in imported content may
    make a staff member's browser do it."""
    sent = request.POST.copy()
    sent.pop("csrfmiddlewaretoken", None)
    form = AuditFilterForm(sent or None)
    if sent and not form.is_valid():
        return render(request, "audit/list.html", {"form": form, "events": []}, status=400)
    chosen = form.filters()
    record("audit.exported", actor=_actor(request), details=chosen.as_details(), request=request)
    events = filters.apply(visible_events(_actor(request)), chosen)
    response = StreamingHttpResponse(
        _with_bom(export.chunks(events)), content_type="text/csv; charset=utf-8"
    )
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="audit-{stamp}.csv"'
    response["Cache-Control"] = "private, no-store"
    return response


def _with_bom(chunks: Any) -> Any:
    # The byte-order mark lets spreadsheets on Windows read the file as UTF-8.
    yield "\ufeff"
    yield from chunks
