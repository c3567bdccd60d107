"""The hub's online exchange (docs/exchange.md, "Online"): a box pushes a bundle, and pulls the
next bundle the hub has for it. Each request is signed by the box's exchange key
(cartable.exchange.wire.request) and checked, with its time and nonce, before a byte of its
body is read; sessions give no access (these views never look at the signed-in user), and the
CSRF check is left out only here (no cookie authenticates them). A bundle pushed goes through
``actions.apply`` exactly as one imported from a file; the answer is a small JSON object.

Off unless CARTABLE_EXCHANGE_API_ENABLED: the addresses then answer 404."""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from cartable.audit.actions import record_repeated
from cartable.exchange import actions, identity, outgoing, via
from cartable.exchange.messages import of as message_of
from cartable.exchange.models import Peer, RequestNonce
from cartable.exchange.wire import request as signing
from cartable.exchange.wire.bundle import BundleError
from cartable.jobs import sweep

READ = 1 << 20

# HTTP status of each refusal of a request (a refused bundle is 422).
STATUS = {
    "unsigned": 401,
    "bad_request": 400,
    "unknown_peer": 401,
    "stale": 401,
    "bad_request_signature": 401,
    "replayed_request": 401,
    "rate_limited": 429,
    "length_required": 411,
    "too_large": 413,
    "truncated_upload": 400,
    "body_mismatch": 400,
    "bad_sequence": 400,
    "ahead": 409,
    "elsewhere": 409,
    "busy": 409,
}


class Refusal(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def messages() -> dict[str, str]:
    return {
        "unsigned": _("This request is not signed: the exchange answers registered boxes only."),
        "bad_request": _("This request’s signing headers are malformed."),
        "unknown_peer": _("This box is not a registered peer of this hub."),
        "stale": _(
            "This request’s time is too far from the hub’s: check the box’s clock "
            "(the hub’s time is %(now)s)."
        ),
        "bad_request_signature": _("This request’s signature is not the box’s: it is refused."),
        "replayed_request": _("This request was sent before (its nonce is used): it is refused."),
        "rate_limited": _("Too many requests from this box: try again in a minute."),
        "length_required": _("A bundle is sent with its length."),
        "too_large": _("This bundle is larger than the hub accepts (limit: %(limit)s bytes)."),
        "truncated_upload": _(
            "The bundle arrived incomplete (the connection was cut): send it again."
        ),
        "body_mismatch": _("The bundle received is not the one the request signed."),
        "bad_sequence": _("The sequence number asked for is not a number."),
        "ahead": _("The hub has written no bundle %(sequence)s for this box."),
        "elsewhere": _(
            "Bundle %(sequence)s for this box was written to a file: import it from the file first."
        ),
        "busy": _("Another request of this box is being answered: try again."),
    }


def refusal(code: str, **params: Any) -> Refusal:
    text = messages()[code]
    return Refusal(code, text % params if params else text)


def _answer(code: str, message: str, status: int, **more: Any) -> JsonResponse:
    return JsonResponse(
        {"result": "refused", "code": code, "message": message, **more}, status=status
    )


def _refused(request: HttpRequest, error: Refusal, peer: Peer | None) -> JsonResponse:
    record_repeated(
        "exchange.api_refused",
        actor=None,
        about=error.code,
        target=peer,
        details={"code": error.code, "path": request.path, "peer": peer.name if peer else None},
        request=request,
    )
    return _answer(error.code, error.message, STATUS[error.code])


def _enabled(
    view: Callable[[HttpRequest], HttpResponseBase],
) -> Callable[[HttpRequest], HttpResponseBase]:
    def wrapped(request: HttpRequest) -> HttpResponseBase:
        if not settings.EXCHANGE_API_ENABLED:
            raise Http404
        return view(request)

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return wrapped


def authenticate(request: HttpRequest, content: str | None = None) -> Peer:
    """The registered box that signed this request (its time, nonce and signature checked, its
    nonce kept), or Refusal. Nothing of the body is read."""
    headers = {name: request.headers.get(name, "") for name in signing.HEADERS}
    try:
        signed = signing.parse(headers)
    except signing.RequestError as error:
        raise refusal(error.code) from None
    peer = Peer.objects.filter(fingerprint=signed.peer, role=Peer.Role.BOX).first()
    if peer is None:
        raise refusal("unknown_peer")
    now = int(time.time())
    skew = settings.EXCHANGE_API_SKEW_SECONDS
    try:
        signing.check(
            signed,
            actions.public_of(peer),
            method=request.method or "",
            path=request.get_full_path(),
            hub=identity.load(create=True).public.fingerprint,
            now=now,
            skew=skew,
        )
    except signing.RequestError as error:
        if error.code == "stale":
            raise refusal("stale", now=timezone.now().isoformat(timespec="seconds")) from None
        raise refusal(error.code) from None
    if content is not None and signed.content != content:
        raise refusal("body_mismatch")
    _keep_nonce(peer, signed.nonce, skew)
    return peer


def _keep_nonce(peer: Peer, nonce: str, skew: int) -> None:
    """Remember the nonce (refusing one seen already), and count the box's requests."""
    now = timezone.now()
    RequestNonce.objects.filter(at__lt=now - timedelta(seconds=2 * skew)).delete()
    recent = RequestNonce.objects.filter(peer=peer, at__gte=now - timedelta(minutes=1)).count()
    if recent >= settings.EXCHANGE_API_RATE_PER_MINUTE:
        raise refusal("rate_limited")
    try:
        with transaction.atomic():
            RequestNonce.objects.create(peer=peer, nonce=nonce, at=now)
    except IntegrityError:
        raise refusal("replayed_request") from None


def _receive(request: HttpRequest, length: int, target: Path) -> str:
    """Copy the body to ``target``, its SHA-256; Refusal when it is cut short."""
    hasher = hashlib.sha256()
    left = length
    with target.open("wb") as out:
        while left:
            chunk = request.read(min(READ, left))
            if not chunk:
                raise refusal("truncated_upload")
            hasher.update(chunk)
            out.write(chunk)
            left -= len(chunk)
        out.flush()
        os.fsync(out.fileno())
    return hasher.hexdigest()


@csrf_exempt
@_enabled
@require_POST
def push(request: HttpRequest) -> HttpResponse:
    """A bundle from a box: checked and applied as ``cartable exchange import`` does."""
    peer: Peer | None = None
    try:
        peer = authenticate(request)
        raw = str(request.META.get("CONTENT_LENGTH") or "").strip()
        if not raw.isdigit():
            raise refusal("length_required")
        length = int(raw)
        limit = settings.EXCHANGE_API_MAX_BYTES
        if length > limit:
            raise refusal("too_large", limit=limit)
        with sweep.workdir("exchange-api-") as work:
            path = Path(work) / "pushed.bundle"
            sha = _receive(request, length, path)
            if sha != request.headers.get(signing.CONTENT):
                raise refusal("body_mismatch")
            try:
                with via.online():
                    applied = actions.apply(actor=None, path=path, sender=peer)
            except BundleError as error:
                return _answer(error.code, message_of(error), 422, sha256=sha)
    except Refusal as error:
        return _refused(request, error, peer)
    done = applied.exchange
    return JsonResponse(
        {
            "result": "again" if applied.again else "applied",
            "kind": done.kind,
            "sequence": done.sequence,
            "entries": done.entries,
            "files": done.files,
            "sha256": done.sha256,
        }
    )


def _number(raw: str) -> int | None:
    return int(raw) if raw.isdigit() and len(raw) <= 18 else None


@csrf_exempt
@_enabled
@require_GET
def pull(request: HttpRequest) -> HttpResponseBase:
    """The bundle numbered ``sequence`` the hub has for the box (the next it expects), else a
    course bundle numbered ``course`` or later when the box says that number, or 204 when
    there is none."""
    peer: Peer | None = None
    try:
        peer = authenticate(request, content=signing.EMPTY_SHA256)
        sequence = _number(request.GET.get("sequence", ""))
        course = _number(request.GET.get("course", ""))
        if sequence is None or (course is None and "course" in request.GET):
            raise refusal("bad_sequence")
        try:
            with via.online():
                found = outgoing.next_for(peer, sequence, course)
        except outgoing.OutOfSequence as error:
            raise refusal(error.code, sequence=error.sequence) from None
        except actions.Refused:
            raise refusal("busy") from None
    except Refusal as error:
        return _refused(request, error, peer)
    if found is None:
        return HttpResponse(status=204)
    number, path = found
    response = FileResponse(path.open("rb"), content_type="application/octet-stream")
    response["Content-Length"] = str(path.stat().st_size)
    response["Cartable-Sequence"] = str(number)
    return response
