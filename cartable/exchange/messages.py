"""What each refusal says, in the operator's language: the wire format gives stable codes and
their values (docs/exchange.md lists them), this module the sentences."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from cartable.exchange.wire.bundle import BundleError


def text(code: str, params: dict[str, Any]) -> str:
    messages = {
        "not_a_bundle": _("This file is not a Cartable bundle."),
        "unsupported_version": _(
            "This bundle is in format %(version)s, which this version of Cartable does not read."
        ),
        "bad_manifest": _("This bundle’s manifest is damaged: it cannot be read."),
        "too_large": _("This bundle announces more than Cartable accepts (limit: %(limit)s)."),
        "truncated": _("This bundle is incomplete (cut short): copy it again from the sender."),
        "trailing_data": _("This bundle has extra bytes at its end: it was altered."),
        "tampered": _("This bundle was altered after it was signed: its content is refused."),
        "unknown_sender": _(
            "This bundle comes from %(sender)s, which is not a registered peer of this box."
        ),
        "bad_signature": _(
            "This bundle’s signature is not its sender’s: it may be forged. It is refused."
        ),
        "wrong_recipient": _("This bundle is addressed to another box or hub (%(recipient)s)."),
        "replayed": _(
            "Bundle %(sequence)s from %(peer)s was already applied, or is older than the last "
            "one applied."
        ),
        "missing": _(
            "Bundle %(missing)s from %(peer)s is missing: apply it first (this one is "
            "%(sequence)s)."
        ),
        "unexpected_kind": _("A “%(kind)s” bundle is not expected from %(peer)s."),
        "bad_content": _("This bundle’s content is not what a “%(kind)s” bundle carries."),
        "course_invalid": _(
            "This course bundle’s course structure is not valid: nothing was applied."
        ),
        "course_unsafe_name": _(
            "This course bundle names a file with an unsafe name (a folder outside the course, "
            "or a forbidden character): nothing was applied."
        ),
        "course_too_large": _(
            "This course bundle announces files larger than this box accepts (limit: "
            "%(limit)s bytes): nothing was applied."
        ),
        "course_unlisted_file": _(
            "This course bundle carries a file its list of course files does not name: "
            "nothing was applied."
        ),
        "course_missing_files": _(
            "%(count)s files of this course bundle are neither on this box nor in the bundle: "
            "nothing was applied. Ask the hub for a complete course bundle (cartable exchange "
            "offer --to BOX --resend-all)."
        ),
        "course_refused": _("This course bundle’s course was refused: %(reason)s"),
    }
    message = messages.get(code, _("This bundle is refused (%(code)s).") % {"code": code})
    try:
        return message % params if "%(" in message else message
    except (KeyError, ValueError, TypeError):
        return message


def of(error: BundleError) -> str:
    return text(error.code, error.params)
