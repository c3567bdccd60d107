"""Signed requests of the online exchange (docs/exchange.md, "Online"): a box signs each HTTP
request to its hub with its Ed25519 exchange key; the hub checks it against the box's
registered key before it reads the body.

The signed text is UTF-8, lines joined by ``\\n``: ``cartable-request-v1``, the method, the
path with its query, the hub's fingerprint, the box's fingerprint, the time (seconds since
1970), the nonce (32 lowercase hex digits) and the SHA-256 of the body (64 lowercase hex
digits; of nothing for a GET)."""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import secrets
from dataclasses import dataclass

from cartable.exchange.wire.keys import PrivateIdentity, PublicIdentity

VERSION = "cartable-request-v1"
PEER = "Cartable-Peer"
TIME = "Cartable-Time"
NONCE = "Cartable-Nonce"
CONTENT = "Cartable-Content-SHA256"
SIGNATURE = "Cartable-Signature"
HEADERS = (PEER, TIME, NONCE, CONTENT, SIGNATURE)
EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()

_NONCE = re.compile(r"\A[0-9a-f]{32}\Z")
_DIGEST = re.compile(r"\A[0-9a-f]{64}\Z")
_TIME = re.compile(r"\A[0-9]{1,12}\Z")
_FINGERPRINT = re.compile(r"\A[A-Z2-7]{4}(-[A-Z2-7]{4}){4}\Z")


class RequestError(ValueError):
    """A request refused; ``code`` is stable (docs/exchange.md lists them)."""

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(detail)
        self.code = code


@dataclass(frozen=True, slots=True)
class Signed:
    """What a request's headers say, parsed (the signature not checked yet)."""

    peer: str
    time: int
    nonce: str
    content: str
    signature: bytes


def text(method: str, path: str, hub: str, box: str, time: int, nonce: str, content: str) -> bytes:
    return "\n".join((VERSION, method.upper(), path, hub, box, str(time), nonce, content)).encode(
        "utf-8"
    )


def sign(
    own: PrivateIdentity,
    *,
    method: str,
    path: str,
    hub: str,
    time: int,
    content: str = EMPTY_SHA256,
    nonce: str | None = None,
) -> dict[str, str]:
    """The headers of a request from ``own`` to the hub of fingerprint ``hub``."""
    nonce = nonce or secrets.token_hex(16)
    box = own.public.fingerprint
    signature = own.sign(text(method, path, hub, box, time, nonce, content))
    return {
        PEER: box,
        TIME: str(time),
        NONCE: nonce,
        CONTENT: content,
        SIGNATURE: base64.b64encode(signature).decode("ascii"),
    }


def parse(headers: dict[str, str]) -> Signed:
    """The request's signing headers, each checked for its shape."""
    values = {name: (headers.get(name) or "").strip() for name in HEADERS}
    missing = [name for name, value in values.items() if not value]
    if missing:
        raise RequestError("unsigned", "missing " + ", ".join(missing))
    if not _FINGERPRINT.match(values[PEER]):
        raise RequestError("bad_request", PEER)
    if not _TIME.match(values[TIME]):
        raise RequestError("bad_request", TIME)
    if not _NONCE.match(values[NONCE]):
        raise RequestError("bad_request", NONCE)
    if not _DIGEST.match(values[CONTENT]):
        raise RequestError("bad_request", CONTENT)
    try:
        signature = base64.b64decode(values[SIGNATURE], validate=True)
    except (binascii.Error, ValueError):
        raise RequestError("bad_request", SIGNATURE) from None
    if len(signature) != 64:
        raise RequestError("bad_request", SIGNATURE)
    return Signed(values[PEER], int(values[TIME]), values[NONCE], values[CONTENT], signature)


def check(
    signed: Signed,
    key: PublicIdentity,
    *,
    method: str,
    path: str,
    hub: str,
    now: int,
    skew: int,
) -> None:
    """Refuse a request whose time is more than ``skew`` seconds from ``now`` or whose
    signature is not ``key``'s over this method, path and hub."""
    if abs(now - signed.time) > skew:
        raise RequestError("stale", f"time {signed.time}, now {now}")
    data = text(method, path, hub, signed.peer, signed.time, signed.nonce, signed.content)
    if not key.verify(signed.signature, data):
        raise RequestError("bad_request_signature", "not the peer's signature")
