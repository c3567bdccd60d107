"""Checking a document the box handed over: a portfolio PDF or a transfer export."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from cartable.jobs import sweep
from cartable.lib import archive
from cartable.records import seal, transfer

MAX_PDF = 64 * archive.MiB


@dataclass(frozen=True)
class Verdict:
    kind: str  # "portfolio", "transfer", or "" when the file is neither
    valid: bool
    fingerprint: str = ""  # the signer's, when the file names one
    signer: str | None = None  # a peer's name, "" for this box, None for an unknown box
    problem: str = ""  # why it is not valid (a transfer's refusal message)


def verify_file(path: Path) -> Verdict:
    with path.open("rb") as handle:
        head = handle.read(5)
    if head == b"%PDF-":
        return _verify_pdf(path)
    if archive.sniff(path) == "zip":
        return _verify_transfer(path)
    return Verdict("", valid=False)


def _verify_pdf(path: Path) -> Verdict:
    if path.stat().st_size > MAX_PDF:
        return Verdict("portfolio", valid=False)
    try:
        checked = seal.check_pdf(path.read_bytes())
    except seal.SealError:
        return Verdict("portfolio", valid=False)
    return Verdict(
        "portfolio",
        valid=checked.valid,
        fingerprint=checked.fingerprint,
        signer=transfer.signer_name(checked.signer),
    )


def _verify_transfer(path: Path) -> Verdict:
    with sweep.workdir("verify-") as workdir:
        try:
            opened = transfer.open_export(path, workdir)
        except transfer.TransferError as error:
            return Verdict("transfer", valid=False, problem=error.message)
        return Verdict(
            "transfer",
            valid=True,
            fingerprint=opened.signer.fingerprint,
            signer=transfer.signer_name(opened.signer),
        )
