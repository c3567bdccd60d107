"""Signing what the box hands over (a learner's portfolio PDF, a transfer export) with the
box's Ed25519 exchange identity, and checking such a signature. No Django here.

A portfolio is one PDF that carries its own signature, the way PDF signatures do (a byte range
with a hole): the PDF's Keywords hold ``cartable-seal1 signer=<public key> signature=<128 hex
digits>``. The box writes the PDF with 128 zeros in place of the signature, signs those bytes
(every byte of the file, the signer's key included), then writes the signature over the zeros:
the file's length and every offset stay the same. Checking puts the zeros back and checks the
signature, so any changed byte, anywhere, makes it invalid.

A transfer export is a ZIP whose ``manifest.json`` is signed; ``signature.json`` carries the
signer's public key and the signature (see docs/records.md).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from cartable.exchange.wire.keys import KeyTextError, PrivateIdentity, PublicIdentity, parse_public

PDF_DOMAIN = b"cartable portfolio v1\x00"
TRANSFER_DOMAIN = b"cartable transfer v1\x00"
SIGNATURE_HEX = 128  # an Ed25519 signature, 64 bytes
BLANK = b"0" * SIGNATURE_HEX
SEAL_PREFIX = "cartable-seal1 signer="
_SEAL = re.compile(rb"cartable-seal1 signer=(cartable1:[A-Z2-7]{1,120}) signature=([0-9a-f]{128})")


class SealError(ValueError):
    """A file carries no signature the box can read. ``code`` is stable."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@dataclass(frozen=True, slots=True)
class Checked:
    """A signature checked: whether it holds, and who made it."""

    valid: bool
    signer: PublicIdentity

    @property
    def fingerprint(self) -> str:
        return self.signer.fingerprint


def placeholder(identity: PrivateIdentity) -> str:
    """The text to put in the PDF's Keywords before it is written."""
    return f"{SEAL_PREFIX}{identity.public.text()} signature={BLANK.decode('ascii')}"


def seal_pdf(data: bytes, identity: PrivateIdentity) -> bytes:
    """Sign a PDF written with ``placeholder(identity)`` in it."""
    match = _one_seal(data)
    if match.group(2) != BLANK or match.group(1).decode("ascii") != identity.public.text():
        raise SealError("not_blank")
    signature = identity.sign(PDF_DOMAIN + data).hex().encode("ascii")
    start, end = match.span(2)
    return data[:start] + signature + data[end:]


def check_pdf(data: bytes) -> Checked:
    """Check a portfolio's signature; ``SealError`` when it carries none."""
    match = _one_seal(data)
    try:
        signer = parse_public(match.group(1).decode("ascii"))
    except KeyTextError as error:
        raise SealError("bad_signer") from error
    signature = bytes.fromhex(match.group(2).decode("ascii"))
    start, end = match.span(2)
    blanked = data[:start] + BLANK + data[end:]
    return Checked(signer.verify(signature, PDF_DOMAIN + blanked), signer)


def _one_seal(data: bytes) -> re.Match[bytes]:
    found = list(_SEAL.finditer(data))
    if not found:
        raise SealError("no_signature")
    if len(found) > 1:
        raise SealError("several_signatures")
    return found[0]


def sign_manifest(manifest: bytes, identity: PrivateIdentity) -> bytes:
    """``signature.json`` for a transfer's ``manifest.json``."""
    document = {
        "format": "cartable-transfer-signature1",
        "signer": identity.public.text(),
        "fingerprint": identity.public.fingerprint,
        "signature": identity.sign(TRANSFER_DOMAIN + manifest).hex(),
    }
    return json.dumps(document, sort_keys=True, indent=1).encode("ascii") + b"\n"


def check_manifest(manifest: bytes, signature_file: bytes) -> Checked:
    """Check ``manifest.json`` against ``signature.json``; ``SealError`` when the latter is not
    one."""
    try:
        document = json.loads(signature_file.decode("ascii"))
    except (UnicodeDecodeError, ValueError) as error:
        raise SealError("bad_signature_file") from error
    if not isinstance(document, dict) or document.get("format") != "cartable-transfer-signature1":
        raise SealError("bad_signature_file")
    signer_text, signature_hex = document.get("signer"), document.get("signature")
    if not isinstance(signer_text, str) or not isinstance(signature_hex, str):
        raise SealError("bad_signature_file")
    try:
        signer = parse_public(signer_text)
        signature = bytes.fromhex(signature_hex)
    except (KeyTextError, ValueError) as error:
        raise SealError("bad_signature_file") from error
    if len(signature) != SIGNATURE_HEX // 2:
        raise SealError("bad_signature_file")
    return Checked(signer.verify(signature, TRANSFER_DOMAIN + manifest), signer)
