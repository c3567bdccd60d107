"""Staff's pages about a learner's record: close the account, hand over the signed portfolio
and the transfer export, check a document, import a transfer. Staff see the learners of their
establishment only; administrators, every learner."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.contrib import messages
from django.core.files.uploadedfile import TemporaryUploadedFile, UploadedFile
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cartable.accounts.access import staff_only
from cartable.accounts.models import Role, User
from cartable.accounts.permissions import can_manage, visible_accounts, visible_establishments
from cartable.jobs import sweep
from cartable.records import actions, transfer
from cartable.records.forms import CheckForm, CloseForm, ImportForm
from cartable.records.verify import verify_file

MAX_UPLOAD = transfer.LIMITS.max_total_size


def _actor(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _learner(request: HttpRequest, account_id: int) -> User:
    """A learner the user manages, else 404 (whether it exists elsewhere is not told)."""
    account = (
        visible_accounts(_actor(request))
        .select_related("establishment")
        .filter(pk=account_id, role=Role.LEARNER)
        .first()
    )
    if account is None or not can_manage(_actor(request), account):
        raise Http404
    return account


@staff_only
def account(request: HttpRequest, account_id: int) -> HttpResponse:
    learner = _learner(request, account_id)
    return _account_page(request, learner, CloseForm())


def _account_page(
    request: HttpRequest, learner: User, form: CloseForm, status: int = 200
) -> HttpResponse:
    context: dict[str, Any] = {
        "account": learner,
        "closures": learner.closures.select_related("closed_by"),
        "form": form,
    }
    return render(request, "records/account.html", context, status=status)


@require_POST
@staff_only
def close(request: HttpRequest, account_id: int) -> HttpResponse:
    learner = _learner(request, account_id)
    form = CloseForm(request.POST)
    if not form.is_valid():
        return _account_page(request, learner, form, status=400)
    try:
        actions.close_account(
            actor=_actor(request),
            account=learner,
            reason=form.cleaned_data["reason"],
            closed_on=form.cleaned_data["closed_on"],
            note=form.cleaned_data["note"],
            request=request,
        )
    except actions.RecordError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            _("%(name)s's account is closed: hand them their portfolio and transfer export.")
            % {"name": learner.display_name},
        )
    return redirect("records:account", account_id=learner.pk)


@require_POST
@staff_only
def portfolio_pdf(request: HttpRequest, account_id: int) -> HttpResponse:
    learner = _learner(request, account_id)
    data = actions.issue_portfolio(actor=_actor(request), account=learner, request=request)
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = (
        f'attachment; filename="cartable-{learner.username}-portfolio.pdf"'
    )
    return response


@require_POST
@staff_only
def export(request: HttpRequest, account_id: int) -> HttpResponseBase:
    learner = _learner(request, account_id)
    exported = transfer.export(actor=_actor(request), learner=learner, request=request)
    return FileResponse(
        exported.file,
        as_attachment=True,
        filename=exported.filename,
        content_type="application/zip",
    )


def _saved(upload: UploadedFile[bytes], folder: Path) -> Path:
    target = folder / "upload"
    if isinstance(upload, TemporaryUploadedFile):
        Path(upload.temporary_file_path()).replace(target)
    else:
        with target.open("wb") as out:
            for chunk in upload.chunks():
                out.write(chunk)
    return target


def _too_large(upload: UploadedFile[bytes]) -> bool:
    return (upload.size or 0) > MAX_UPLOAD


@staff_only
def check(request: HttpRequest) -> HttpResponse:
    """Check a portfolio or a transfer export: reads only, changes nothing."""
    form = CheckForm(request.POST or None, request.FILES or None)
    verdict = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        if _too_large(upload):
            form.add_error("file", _("The file is larger than the limit."))
        else:
            with sweep.workdir("check-") as folder:
                verdict = verify_file(_saved(upload, folder))
    status = 400 if form.errors else 200
    return render(request, "records/check.html", {"form": form, "verdict": verdict}, status=status)


@staff_only
def import_transfer(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    establishments = visible_establishments(actor) if actor.role == Role.ADMIN else None
    form = ImportForm(request.POST or None, request.FILES or None, establishments=establishments)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        if _too_large(upload):
            form.add_error("file", _("The file is larger than the limit."))
        else:
            with sweep.workdir("upload-") as folder:
                path = _saved(upload, folder)
                try:
                    result = transfer.import_file(
                        path,
                        actor=actor,
                        establishment=form.cleaned_data.get("establishment"),
                        confirmed_fingerprint=form.cleaned_data["fingerprint"],
                        request=request,
                    )
                except transfer.TransferError as error:
                    form.add_error(None, error.message)
                else:
                    return render(request, "records/imported.html", {"result": result})
    status = 400 if form.errors else 200
    return render(request, "records/import.html", {"form": form}, status=status)
