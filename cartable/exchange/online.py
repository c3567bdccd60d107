"""The box's side of the online exchange: ``cartable exchange sync --to HUB`` pushes the bundles
it has for the hub and pulls those the hub has for it, over HTTPS (docs/exchange.md,
"Online"), with the same checks as files.

The client is the standard library's ``http.client`` with an ``ssl`` context (the hub's
certificate checked against the system's CA certificates or CARTABLE_EXCHANGE_CA_FILE): no
new dependency, a body streamed from its file in both directions, and each request's signed
headers under our control. Each bundle is written as ``export`` writes one to a stick, kept
until the hub has answered (``cartable.exchange.outgoing``); a bundle pulled is written whole
to a locked work folder before ``apply`` reads it. A connection cut at any point leaves
nothing half-done: the next sync sends again what was not answered and asks again for what
was not applied, by the sequence numbers."""

from __future__ import annotations

import http.client
import ipaddress
import json
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from cartable.accounts.models import User
from cartable.audit.actions import record
from cartable.exchange import actions, identity, outgoing, via
from cartable.exchange.messages import of as message_of
from cartable.exchange.messages import text as bundle_text
from cartable.exchange.models import Peer, PeerBlob, ReceivedEntry
from cartable.exchange.wire import request as signing
from cartable.exchange.wire.bundle import BundleError, file_sha256
from cartable.exchange.wire.keys import PrivateIdentity
from cartable.jobs import sweep

PUSH = "/exchange/api/v1/bundles"
PULL = "/exchange/api/v1/bundles/next"
READ = 1 << 20
MAX_ANSWER = 64 * 1024
# More rounds than any hub has bundles waiting: a hub that never says "nothing more" stops.
MAX_ROUNDS = 1000
LOOPBACK_NAMES = {"localhost"}


class SyncError(Exception):
    """The sync stopped: ``code`` is stable (the hub's, or the box's own), ``message`` says
    why, in the operator's language."""

    def __init__(self, code: str, message: str, *, course: bool = False) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.course = course  # a course bundle refused: the rest of the exchange goes on


@dataclass
class Synced:
    sent: list[int] = field(default_factory=list)  # sequences pushed and applied by the hub
    received: list[int] = field(default_factory=list)  # sequences pulled and applied here
    # A course bundle this box refused: no more asked for in this sync, said at its end.
    course_refused: SyncError | None = None


# --- The hub's address ----------------------------------------------------------------------


def _loopback(host: str) -> bool:
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_url(url: str) -> str:
    """The hub's address, checked: https://, or http:// to this machine only (tests)."""
    url = url.strip().rstrip("/")
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 (a bad port raises)
    except ValueError:
        raise actions.Refused(_("“%(url)s” is not an address.") % {"url": url}) from None
    if not parts.hostname or parts.query or parts.fragment or parts.username:
        raise actions.Refused(_("“%(url)s” is not a hub’s address.") % {"url": url})
    if parts.scheme == "http" and _loopback(parts.hostname):
        return url
    if parts.scheme != "https":
        raise actions.Refused(
            _("A hub is reached over HTTPS only: its address starts with https://.")
        )
    return url


def set_url(*, actor: User | None, peer: Peer, url: str) -> Peer:
    """Set the address a hub is reached at online (empty: none), audited."""
    if peer.role != Peer.Role.HUB:
        raise actions.Refused(_("Only a hub is reached online."))
    url = check_url(url) if url.strip() else ""
    with transaction.atomic():
        locked = Peer.objects.select_for_update().get(pk=peer.pk)
        before = locked.url
        locked.url = url
        locked.save(update_fields=["url"])
        record(
            "exchange.peer_url",
            actor=actor,
            target=locked,
            details={"name": locked.name, "before": before, "url": url},
        )
    return locked


def url_of(peer: Peer) -> str:
    url = peer.url or settings.EXCHANGE_HUB_URL or ""
    if not url:
        raise SyncError(
            "no_url",
            _(
                "No address for %(peer)s: set it with `cartable exchange peer url` or "
                "CARTABLE_EXCHANGE_HUB_URL."
            )
            % {"peer": peer.name},
        )
    try:
        return check_url(url)
    except actions.Refused as error:
        raise SyncError("bad_url", str(error)) from None


def tls_context() -> ssl.SSLContext:
    """Certificates checked, host names too: the system's CA certificates, or those of
    CARTABLE_EXCHANGE_CA_FILE."""
    return ssl.create_default_context(cafile=settings.EXCHANGE_CA_FILE or None)


# --- Requests -------------------------------------------------------------------------------


def _body(path: Path, mode: str) -> IO[bytes]:
    """The file a bundle is sent from (a test stands a cut cable in its place)."""
    return path.open(mode)


class Client:
    """Signed requests to one hub, one connection each."""

    def __init__(self, peer: Peer, own: PrivateIdentity) -> None:
        self.peer = peer
        self.own = own
        parts = urlsplit(url_of(peer))
        self.scheme = parts.scheme
        self.host = parts.hostname or ""
        self.port = parts.port
        self.prefix = parts.path.rstrip("/")
        self.timeout = settings.EXCHANGE_SYNC_TIMEOUT

    def _connection(self) -> http.client.HTTPConnection:
        if self.scheme == "https":
            return http.client.HTTPSConnection(
                self.host, self.port, timeout=self.timeout, context=tls_context()
            )
        return http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)

    def _headers(self, method: str, path: str, content: str) -> dict[str, str]:
        return {
            **signing.sign(
                self.own,
                method=method,
                path=path,
                hub=self.peer.fingerprint,
                time=int(time.time()),
                content=content,
            ),
            "Accept-Language": translation.get_language() or settings.LANGUAGE_CODE,
            "User-Agent": "cartable-exchange/1",
        }

    def send(
        self,
        method: str,
        path: str,
        handle: Callable[[http.client.HTTPResponse], Any],
        body: Path | None = None,
    ) -> Any:
        """One request, its answer given to ``handle``; SyncError when the hub cannot be
        reached or the connection is cut."""
        path = self.prefix + path
        connection = self._connection()
        try:
            if body is None:
                connection.request(
                    method, path, headers=self._headers(method, path, signing.EMPTY_SHA256)
                )
            else:
                headers = self._headers(method, path, file_sha256(body))
                headers["Content-Type"] = "application/octet-stream"
                headers["Content-Length"] = str(body.stat().st_size)
                with _body(body, "rb") as stream:
                    connection.request(method, path, body=stream, headers=headers)
            return handle(connection.getresponse())
        except ssl.SSLCertVerificationError as error:
            raise SyncError(
                "tls",
                _("The hub’s certificate is not trusted: %(error)s")
                % {"error": error.verify_message},
            ) from None
        except (OSError, http.client.HTTPException) as error:
            raise SyncError(
                "connection",
                _(
                    "The hub could not be reached, or the connection was cut (%(error)s): sync again."
                )
                % {"error": error or type(error).__name__},
            ) from None
        finally:
            connection.close()


def _answer(response: http.client.HTTPResponse) -> dict[str, Any]:
    raw = response.read(MAX_ANSWER + 1)
    try:
        data = json.loads(raw) if len(raw) <= MAX_ANSWER else None
    except ValueError:
        data = None
    return data if isinstance(data, dict) else {}


# The box's own sentences for the refusals of requests it may meet (others: the hub's).
def _request_message(code: str, data: dict[str, Any]) -> str:
    known = {
        "too_large": _("This bundle is larger than the hub accepts."),
        "length_required": _("The hub wants the bundle’s length."),
        "unknown_peer": _("This box is not registered on the hub: give its staff this box’s key."),
        "stale": _("The box’s clock is too far from the hub’s: set it, then sync again."),
    }
    hub_says = data.get("message")
    if code in known:
        return known[code] + (f" ({hub_says})" if isinstance(hub_says, str) and hub_says else "")
    if isinstance(hub_says, str) and hub_says:
        return hub_says
    return _("The hub refused the request (%(code)s).") % {"code": code}


def _refused(response: http.client.HTTPResponse) -> SyncError:
    data = _answer(response)
    code = data.get("code")
    if not isinstance(code, str) or not code:
        code = {413: "too_large", 411: "length_required"}.get(
            response.status, f"http_{response.status}"
        )
    if response.status == 422:  # the bundle refused: in the hub's words, else ours
        said = data.get("message")
        return SyncError(code, said if isinstance(said, str) and said else bundle_text(code, {}))
    return SyncError(code, _request_message(code, data))


# --- Push and pull --------------------------------------------------------------------------


def push(client: Client, sequence: int, path: Path) -> None:
    """Send one bundle kept for the hub; forget it once the hub has applied it (now or
    before)."""

    def handle(response: http.client.HTTPResponse) -> None:
        if response.status != 200:
            raise _refused(response)
        data = _answer(response)
        if data.get("result") not in ("applied", "again") or data.get("sequence") != sequence:
            raise SyncError("bad_answer", _("The hub’s answer is not one of the exchange’s."))

    client.send("POST", PUSH, handle, body=path)
    path.unlink(missing_ok=True)


def pull(client: Client, actor: User | None, courses: bool = True) -> actions.Applied | None:
    """Fetch the next bundle the hub has for this box (a course bundle too when ``courses``),
    whole, then apply it; None when the hub has nothing more."""
    peer = Peer.objects.get(pk=client.peer.pk)
    with sweep.workdir("exchange-pull-") as work:
        target = Path(work) / "pulled.bundle"

        def handle(response: http.client.HTTPResponse) -> bool:
            if response.status == 204:
                return False
            if response.status != 200:
                raise _refused(response)
            raw = response.getheader("Content-Length") or ""
            if not raw.isdigit() or int(raw) > settings.EXCHANGE_API_MAX_BYTES:
                raise SyncError("too_large", _("The hub’s bundle is larger than the box accepts."))
            left = int(raw)
            with target.open("wb") as out:
                while left:
                    chunk = response.read(min(READ, left))
                    if not chunk:
                        raise SyncError(
                            "connection",
                            _("The connection was cut while a bundle came in: sync again."),
                        )
                    out.write(chunk)
                    left -= len(chunk)
            return True

        query = f"?sequence={peer.next_in}"
        if courses:
            query += f"&course={peer.course_in + 1}"
        if not client.send("GET", PULL + query, handle):
            return None
        try:
            return actions.apply(actor=actor, path=target, sender=peer)
        except BundleError as error:
            course = error.params.get("kind") == "course"
            raise SyncError(error.code, message_of(error), course=course) from None


def _ack_pending(peer: Peer) -> bool:
    """Entries received, or course files taken from a course bundle, that the hub has not been
    told of yet."""
    return (
        ReceivedEntry.objects.filter(peer=peer, ack_pending=True).exists()
        or PeerBlob.objects.filter(peer=peer, ack_pending=True).exists()
    )


def _send(client: Client, kind: str, synced: Synced) -> None:
    try:
        sequence, path = outgoing.write(client.peer, kind)
    except actions.Refused as error:
        raise SyncError("export", str(error)) from None
    push(client, sequence, path)
    synced.sent.append(sequence)


def _drain(client: Client, actor: User | None, synced: Synced) -> None:
    """Pull and apply the hub's bundles until it has none, acknowledging what they bring
    before each pull (the hub does not send again what the box has not acknowledged yet)."""
    for _round in range(MAX_ROUNDS):
        if _ack_pending(client.peer):
            _send(client, "ack", synced)
        try:
            applied = pull(client, actor, courses=synced.course_refused is None)
        except SyncError as error:
            if not error.course:
                raise
            # Course bundles take no place in the strict sequence: work, acknowledgements and
            # feedback go on; the refusal is said once the sync is done.
            synced.course_refused = error
            continue
        if applied is None:
            return
        synced.received.append(applied.exchange.sequence or 0)
    raise SyncError("endless", _("The hub keeps sending bundles: sync again later."))


def sync(*, actor: User | None, peer: Peer) -> Synced:
    """Push what the box has for the hub, then pull and apply what the hub has for the box,
    acknowledging each as it comes, until neither has anything more."""
    if peer.role != Peer.Role.HUB:
        raise SyncError("not_a_hub", _("%(peer)s is not a hub.") % {"peer": peer.name})
    client = Client(peer, identity.load(create=True))
    synced = Synced()
    try:
        with via.online():
            # What a sync stopped before the hub answered: sent again, under its number.
            for sequence, path in outgoing.held(peer):
                push(client, sequence, path)
                synced.sent.append(sequence)
            # What the hub has first: the acknowledgement of work sent before may be there.
            _drain(client, actor, synced)
            # Then the work not acknowledged (sent again at the next sync if its
            # acknowledgement does not come), and what the hub answers.
            if actions.unacknowledged(peer).exists():
                _send(client, "work", synced)
                _drain(client, actor, synced)
    finally:
        if synced.sent or synced.received:
            with transaction.atomic():
                record(
                    "exchange.synced",
                    actor=actor,
                    target=peer,
                    details={"sent": synced.sent, "received": synced.received},
                )
    if synced.course_refused is not None:
        raise synced.course_refused
    return synced
