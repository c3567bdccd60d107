"""Administrators' pages of the exchange: the box's identity, its peers, writing a bundle
(downloaded), applying one (uploaded), the history, and on a hub the matching of a box's
learners. They do what `cartable exchange …` does, through the same actions; the exchange is
the whole box's, so only administrators reach them (staff of an establishment do not)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from django.contrib import messages
from django.core.files.uploadedfile import TemporaryUploadedFile, UploadedFile
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from cartable.accounts.access import admin_only
from cartable.accounts.models import User
from cartable.audit.actions import record
from cartable.catalog.models import Course
from cartable.exchange import actions, courses, identity, matching
from cartable.exchange import messages as refusals
from cartable.exchange.forms import ExportForm, ImportForm, LearnersForm, OfferForm, PeerForm
from cartable.exchange.models import CourseOffer, Exchange, Learner, Peer
from cartable.exchange.wire.bundle import BundleError
from cartable.jobs import sweep

PAGE_SIZE = 50


def _posted(request: HttpRequest) -> dict[str, Any]:
    """What a form is bound to: the POST (even empty: then refused) or nothing."""
    if request.method == "POST":
        return {"data": request.POST, "files": request.FILES}
    return {}


def _actor(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _no_store(response: HttpResponseBase) -> HttpResponseBase:
    response["Cache-Control"] = "no-store"
    return response


# --- Identity ---------------------------------------------------------------------------------


@admin_only
def identity_page(request: HttpRequest) -> HttpResponse:
    """This box's fingerprint and public key, to read aloud or print for a peer's staff.
    Made on first use by a POST (a page opened changes nothing)."""
    if request.method == "POST":
        if not identity.exists():
            own = identity.load(create=True)
            with transaction.atomic():
                record(
                    "exchange.identity_created",
                    actor=_actor(request),
                    request=request,
                    details={"fingerprint": own.public.fingerprint},
                )
            messages.success(request, _("This box’s keys are made."))
        return redirect("exchange:identity")
    public = identity.load().public if identity.exists() else None
    return render(
        request,
        "exchange/identity.html",
        {"public": public, "groups": public.fingerprint.split("-") if public else []},
    )


# --- Peers ------------------------------------------------------------------------------------


@admin_only
def peers(request: HttpRequest) -> HttpResponse:
    form = PeerForm(**_posted(request))
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        try:
            peer = actions.add_peer(
                actor=_actor(request),
                name=data["name"],
                role=data["role"],
                key_text=data["key"],
                fingerprint=data["fingerprint"],
                institution=data["institution"],
            )
        except actions.Refused as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request,
                _("Registered %(name)s (%(fp)s).") % {"name": peer.name, "fp": peer.fingerprint},
            )
            return redirect("exchange:peers")
    return render(
        request,
        "exchange/peers.html",
        {"form": form, "peers": Peer.objects.select_related("institution")},
        status=400 if form.errors else 200,
    )


# --- Export -----------------------------------------------------------------------------------


@admin_only
def export(request: HttpRequest) -> HttpResponseBase:
    """GET: the form. POST: the next bundle written through the export action into a locked
    work folder of the data folder, then handed over as a download read from disk: the file
    is unlinked as soon as it is open (its bytes live as long as the response), its folder
    removed; a refused or failed export leaves nothing."""
    form = ExportForm(**_posted(request))
    if form.is_bound and form.is_valid():
        peer: Peer = form.cleaned_data["peer"]
        kind = form.cleaned_data["kind"] or ("work" if peer.role == Peer.Role.HUB else "ack")
        sweep.sweep()  # what a stopped export or import left
        try:
            with sweep.workdir("exchange-download-") as folder:
                path = Path(folder) / "bundle.cartable"
                done = actions.export(actor=_actor(request), peer=peer, kind=kind, destination=path)
                stream = path.open("rb")
                path.unlink()
        except actions.Refused as error:
            form.add_error(None, str(error))
        else:
            response = FileResponse(
                stream,
                as_attachment=True,
                filename=f"{peer.name}-{kind}-{done.sequence}.cartable",
                content_type="application/octet-stream",
            )
            response["Content-Length"] = str(done.size)
            return _no_store(response)
    return render(
        request,
        "exchange/export.html",
        {"form": form, "peers": Peer.objects.exists()},
        status=400 if form.errors else 200,
    )


# --- Import -----------------------------------------------------------------------------------


def _apply_upload(request: HttpRequest, upload: UploadedFile[bytes]) -> actions.Applied:
    """Apply the uploaded bundle from disk: a large one is already there (streamed by the
    box's upload handler, locked until the request ends); a small one is written to a
    locked work folder first."""
    if isinstance(upload, TemporaryUploadedFile):
        return actions.apply(actor=_actor(request), path=Path(upload.temporary_file_path()))
    with sweep.workdir("exchange-upload-") as folder:
        path = Path(folder) / "bundle.cartable"
        with path.open("wb") as out:
            for chunk in upload.chunks():
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        return actions.apply(actor=_actor(request), path=path)


@admin_only
def import_bundle(request: HttpRequest) -> HttpResponse:
    """Check an uploaded bundle whole, then apply it, at once (the request waits: applying
    reads the file twice, no job needed for a bundle of learners' work)."""
    form = ImportForm(**_posted(request))
    if form.is_bound and form.is_valid():
        sweep.sweep()
        try:
            applied = _apply_upload(request, form.cleaned_data["file"])
        except BundleError as error:
            form.add_error("file", refusals.of(error))
        else:
            _say_applied(request, applied)
            return redirect("exchange:history")
    return render(
        request, "exchange/import.html", {"form": form}, status=400 if form.errors else 200
    )


def _say_applied(request: HttpRequest, applied: actions.Applied) -> None:
    done = applied.exchange
    peer = done.peer.name if done.peer else "?"
    if applied.again:
        messages.info(
            request,
            _("Bundle %(sequence)s from %(peer)s was applied before: nothing changed.")
            % {"sequence": done.sequence, "peer": peer},
        )
        return
    messages.success(
        request,
        _("Applied bundle %(sequence)s from %(peer)s: %(entries)s entries, %(files)s files.")
        % {"sequence": done.sequence, "peer": peer, "entries": done.entries, "files": done.files},
    )
    if applied.skipped:
        messages.warning(
            request,
            _(
                "%(count)s grades were left out: their course, activity or learner is not "
                "on this box."
            )
            % {"count": applied.skipped},
        )
    if applied.parked:
        messages.info(
            request,
            _(
                "%(count)s grades wait for their course to arrive: they are given when it is "
                "approved on this box."
            )
            % {"count": applied.parked},
        )
    if applied.skipped_messages:
        messages.warning(
            request,
            _(
                "%(count)s messages were left out: their teacher, learner or course is not "
                "on this box, that teacher does not teach that learner, or the message is "
                "not one a teacher may write."
            )
            % {"count": applied.skipped_messages},
        )
    if applied.left_out:
        messages.warning(
            request,
            _(
                "%(count)s submissions were kept but not put up for grading: their course, "
                "activity or learner is not on this hub."
            )
            % {"count": applied.left_out},
        )
    if applied.left_out_attempts:
        messages.warning(
            request,
            _(
                "%(count)s quiz attempts were kept but not put up for grading: their "
                "course, quiz, questions or learner is not on this hub."
            )
            % {"count": applied.left_out_attempts},
        )


# --- History ----------------------------------------------------------------------------------


@admin_only
def history(request: HttpRequest) -> HttpResponse:
    page = Paginator(Exchange.objects.select_related("peer"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(request, "exchange/history.html", {"page": page})


# --- Learners (on a hub) ----------------------------------------------------------------------


def _problem(line: int, code: str, value: str) -> str:
    texts = {
        "columns": _(
            "Line %(line)s: the columns are box_username and at least one of username, "
            "idnumber, email (found: %(value)s)."
        ),
        "missing": _("Line %(line)s: a box username and a university account are needed."),
        "repeated": _("Line %(line)s: “%(value)s” is matched twice."),
        "long": _("Line %(line)s: the %(value)s is too long."),
    }
    return texts[code] % {"line": line, "value": value}


@admin_only
def learners(request: HttpRequest) -> HttpResponse:
    """A box's learners matched to their university accounts from a CSV file: the file is
    read and shown first (what changes, every bad line named), then confirmed."""
    form = LearnersForm(**_posted(request))
    preview = problems = None
    status = 200
    if form.is_bound and form.is_valid():
        box: Peer = form.cleaned_data["box"]
        try:
            found = matching.parse(form.cleaned_data["text"])
        except matching.MatchError as error:
            problems = [_problem(*p) for p in error.problems]
            status = 400
        else:
            if "confirm" in request.POST and not form.cleaned_data["file"]:
                try:
                    count = actions.match_learners(actor=_actor(request), peer=box, matches=found)
                except actions.Refused as refusal:
                    form.add_error(None, str(refusal))
                else:
                    messages.success(
                        request,
                        _("Matched %(count)s learners of %(box)s.")
                        % {"count": count, "box": box.name},
                    )
                    return redirect("exchange:learners")
            else:
                preview = _preview(box, found)
                form = LearnersForm(initial={"box": box.pk, "text": form.cleaned_data["text"]})
    if form.errors:
        status = 400
    boxes = Peer.objects.filter(role=Peer.Role.BOX)
    return render(
        request,
        "exchange/learners.html",
        {"form": form, "preview": preview, "problems": problems, "boxes": boxes.exists()},
        status=status,
    )


def _preview(box: Peer, found: list[matching.Match]) -> list[dict[str, object]]:
    known = {
        learner.box_username: learner
        for learner in Learner.objects.filter(
            peer=box, box_username__in=[m.box_username for m in found]
        )
    }
    rows = []
    for match in found:
        before = known.get(match.box_username)
        if before is None:
            state = "new"
        elif (before.username, before.idnumber, before.email) == (
            match.username,
            match.idnumber,
            match.email,
        ):
            state = "same"
        else:
            state = "changed"
        rows.append({"match": match, "state": state, "before": before})
    return rows


# --- Offers (on a hub) ------------------------------------------------------------------------


@admin_only
def offers(request: HttpRequest) -> HttpResponse:
    """Which of the hub's courses go to which box: for each box, every course that can be
    offered (and any offered before), its state, and a button to offer, withdraw (after a
    confirmation) or send the box every file again; each through the same action as
    `cartable exchange offer`, which records it."""
    form = OfferForm(**_posted(request))
    confirm = None
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        box: Peer = data["box"]
        course: Course | None = data["course"]
        if data["do"] == "withdraw" and "confirm" not in request.POST:
            confirm = {"box": box, "course": course}
        else:
            try:
                done = _offer_do(request, data["do"], box, course)
            except courses.Refused as refusal:
                form.add_error(None, str(refusal))
            else:
                messages.success(request, done)
                return redirect("exchange:offers")
    boxes = list(Peer.objects.filter(role=Peer.Role.BOX).order_by("name"))
    return render(
        request,
        "exchange/offers.html",
        {"form": form, "confirm": confirm, "boxes": _offer_table(boxes)},
        status=400 if form.errors else 200,
    )


def _offer_do(request: HttpRequest, do: str, box: Peer, course: Course | None) -> str:
    actor = _actor(request)
    if do == "resend":
        count = courses.resend_all(actor=actor, peer=box)
        return _(
            "The next course bundle for %(peer)s carries every file (%(count)s forgotten)."
        ) % {
            "peer": box.name,
            "count": count,
        }
    assert course is not None  # the form asks for one
    names = {"course": course.shortname, "peer": box.name}
    if do == "withdraw":
        courses.withdraw(actor=actor, peer=box, course=course)
        return _("%(course)s is no longer offered to %(peer)s.") % names
    courses.offer(actor=actor, peer=box, course=course)
    return _("%(course)s is offered to %(peer)s.") % names


def _offer_table(boxes: list[Peer]) -> list[dict[str, object]]:
    """For each box, its rows: the courses that can be offered and those offered before
    (a course retired since can still be withdrawn), each with its offer or None."""
    found = {
        (item.peer_id, item.course_id): item
        for item in CourseOffer.objects.filter(peer__in=boxes).select_related(
            "offered_by", "withdrawn_by"
        )
    }
    shown = list(
        Course.objects.filter(
            Q(pk__in=courses.offerable().values("pk"))
            | Q(pk__in={course_id for _peer, course_id in found})
        )
        .annotate(offerable=Exists(courses.offerable().filter(pk=OuterRef("pk"))))
        .order_by("shortname", "pk")
    )
    return [
        {
            "peer": box,
            "rows": [
                {
                    "course": course,
                    "offer": found.get((box.pk, course.pk)),
                    "offerable": course.offerable,  # type: ignore[attr-defined]
                }
                for course in shown
            ],
        }
        for box in boxes
    ]
