"""cartable exchange identity|peer|export|import|history"""

from __future__ import annotations

import json
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError
from django.db import transaction
from django.utils.translation import gettext as _

from cartable.accounts.models import Institution
from cartable.audit.actions import record
from cartable.commands import CartableCommand
from cartable.exchange import actions, identity, matching, messages
from cartable.exchange.models import Exchange, Learner, Peer
from cartable.exchange.moodle.xapi import statement
from cartable.exchange.wire.bundle import BundleError
from cartable.jobs import sweep


def _match_problem(line: int, code: str, value: str) -> str:
    messages_ = {
        "columns": _(
            "Line %(line)s: the columns are box_username and at least one of username, "
            "idnumber, email (found: %(value)s)."
        ),
        "missing": _("Line %(line)s: a box username and a university account are needed."),
        "repeated": _("Line %(line)s: “%(value)s” is matched twice."),
        "long": _("Line %(line)s: the %(value)s is too long."),
    }
    return messages_[code] % {"line": line, "value": value}


class Command(CartableCommand):
    help = (
        "Exchange signed, encrypted bundles with the university's hub (or its boxes): "
        "identities, peers, export and import."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="do", required=True, metavar="ACTION")
        sub.add_parser(
            "identity",
            help="Print this box's fingerprint and public key (made on first use), to give "
            "to a peer.",
        )
        peer = sub.add_parser("peer", help="Register and list peers (hubs and boxes).")
        peer_sub = peer.add_subparsers(dest="peer_do", required=True, metavar="ACTION")
        add = peer_sub.add_parser(
            "add", help="Register a peer's public key, once its fingerprint is checked."
        )
        add.add_argument("name", help="A short name: letters, digits and dashes.")
        add.add_argument("--key", required=True, help="The peer's public key (cartable1:…).")
        add.add_argument(
            "--fingerprint",
            required=True,
            help="The fingerprint the peer read aloud or printed: it must match the key.",
        )
        add.add_argument("--role", choices=Peer.Role.values, default=Peer.Role.HUB)
        add.add_argument(
            "--institution", help="A hub: the institution (short name) whose work it receives."
        )
        peer_sub.add_parser("list", help="List peers.")
        export = sub.add_parser("export", help="Write the next bundle for a peer to a file.")
        export.add_argument("file", type=Path)
        export.add_argument("--to", required=True, help="The peer's name.")
        export.add_argument(
            "--kind",
            choices=("work", "ack"),
            help="work: learners' work, to a hub (the default for a hub); ack: the "
            "acknowledgement of work received, to a box (the default for a box).",
        )
        imported = sub.add_parser(
            "import", help="Check a bundle whole, then apply it (or refuse it, changing nothing)."
        )
        imported.add_argument("file", type=Path)
        sub.add_parser("history", help="List the bundles written and read, newest first.")
        learners = sub.add_parser(
            "learners",
            help="Match a box's learners to their university accounts from a CSV file "
            "(box_username, and username, idnumber or email).",
        )
        learners.add_argument("file", type=Path)
        learners.add_argument("--box", required=True, help="The box's name.")
        xapi = sub.add_parser(
            "xapi",
            help="Write the learning records received from a box as xAPI statements (one JSON "
            "object a line), for the university's learning record store.",
        )
        xapi.add_argument("file", type=Path)
        xapi.add_argument("--from", dest="source", required=True, help="The box's name.")
        xapi.add_argument(
            "--site", required=True, help="The university's Moodle address (https://…)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        getattr(self, "_" + options["do"])(options)

    def _identity(self, options: dict[str, Any]) -> None:
        made = not identity.exists()
        own = identity.load(create=True)
        if made:
            with transaction.atomic():
                record(
                    "exchange.identity_created",
                    actor=None,
                    details={"fingerprint": own.public.fingerprint},
                )
        self.stdout.write(_("Fingerprint: %(fp)s") % {"fp": own.public.fingerprint})
        self.stdout.write(_("Public key: %(key)s") % {"key": own.public.text()})

    def _peer(self, options: dict[str, Any]) -> None:
        if options["peer_do"] == "list":
            for peer in Peer.objects.select_related("institution"):
                slug = peer.institution.slug if peer.institution else "-"
                self.stdout.write(
                    f"{peer.name}\t{peer.role}\t{peer.fingerprint}\t{slug}"
                    f"\t{peer.next_out}\t{peer.next_in}"
                )
            return
        institution = None
        if options["institution"]:
            institution = Institution.objects.filter(slug=options["institution"]).first()
            if institution is None:
                raise CommandError(
                    _("No institution “%(slug)s”.") % {"slug": options["institution"]}
                )
        try:
            peer = actions.add_peer(
                actor=None,
                name=options["name"],
                role=options["role"],
                key_text=options["key"],
                fingerprint=options["fingerprint"],
                institution=institution,
            )
        except actions.Refused as error:
            raise CommandError(str(error)) from None
        self.stdout.write(
            _("Registered %(name)s (%(fp)s).") % {"name": peer.name, "fp": peer.fingerprint}
        )

    def _export(self, options: dict[str, Any]) -> None:
        peer = Peer.objects.filter(name=options["to"]).first()
        if peer is None:
            raise CommandError(_("No peer named “%(name)s”.") % {"name": options["to"]})
        kind = options["kind"] or ("work" if peer.role == Peer.Role.HUB else "ack")
        sweep.sweep()  # what a stopped export or import left
        try:
            done = actions.export(actor=None, peer=peer, kind=kind, destination=options["file"])
        except actions.Refused as error:
            raise CommandError(str(error)) from None
        self.stdout.write(
            _(
                "Wrote bundle %(sequence)s for %(peer)s: %(entries)s entries, %(files)s files, "
                "%(size)s bytes, SHA-256 %(sha)s."
            )
            % {
                "sequence": done.sequence,
                "peer": peer.name,
                "entries": done.entries,
                "files": done.files,
                "size": done.size,
                "sha": done.sha256,
            }
        )

    def _import(self, options: dict[str, Any]) -> None:
        path = options["file"]
        if not path.is_file():
            raise CommandError(_("No file %(path)s.") % {"path": path})
        sweep.sweep()  # what a stopped export or import left
        try:
            applied = actions.apply(actor=None, path=path)
        except BundleError as error:
            raise CommandError(messages.of(error)) from None
        done = applied.exchange
        peer = done.peer.name if done.peer else "?"
        if applied.again:
            self.stdout.write(
                _("Bundle %(sequence)s from %(peer)s was applied before: nothing changed.")
                % {"sequence": done.sequence, "peer": peer}
            )
            return
        self.stdout.write(
            _("Applied bundle %(sequence)s from %(peer)s: %(entries)s entries, %(files)s files.")
            % {
                "sequence": done.sequence,
                "peer": peer,
                "entries": done.entries,
                "files": done.files,
            }
        )

    def _box(self, name: str) -> Peer:
        peer = Peer.objects.filter(name=name, role=Peer.Role.BOX).first()
        if peer is None:
            raise CommandError(_("No box named “%(name)s”.") % {"name": name})
        return peer

    def _learners(self, options: dict[str, Any]) -> None:
        peer = self._box(options["box"])
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(_("No file %(path)s.") % {"path": path})
        try:
            matches = matching.parse(path.read_text(encoding="utf-8"))
        except UnicodeDecodeError:
            raise CommandError(_("%(path)s is not UTF-8 text.") % {"path": path}) from None
        except matching.MatchError as error:
            raise CommandError("\n".join(_match_problem(*p) for p in error.problems)) from None
        count = actions.match_learners(actor=None, peer=peer, matches=matches)
        self.stdout.write(
            _("Matched %(count)s learners of %(box)s.") % {"count": count, "box": peer.name}
        )

    def _xapi(self, options: dict[str, Any]) -> None:
        peer = self._box(options["source"])
        path: Path = options["file"]
        if path.exists():
            raise CommandError(_("%(path)s exists already.") % {"path": path})
        accounts = dict(
            Learner.objects.filter(peer=peer)
            .exclude(username="")
            .values_list("box_username", "username")
        )
        count = unmatched = 0
        with path.open("x", encoding="utf-8") as out:
            for received in peer.received.order_by("entry_id").iterator(chunk_size=500):
                user = (received.payload.get("user") or {}).get("username")
                if user is not None and user not in accounts:
                    unmatched += 1
                    continue
                payload = {**received.payload}
                if user is not None:
                    payload["user"] = {"username": accounts[user]}
                made = statement(
                    {
                        "id": received.entry_id,
                        "kind": received.kind,
                        "created_at": received.created_at.isoformat(),
                        "payload": payload,
                    },
                    site=options["site"],
                    box=peer.fingerprint,
                )
                if made is not None:
                    out.write(json.dumps(made, ensure_ascii=False, sort_keys=True) + "\n")
                    count += 1
        self.stdout.write(
            _("Wrote %(count)s statements to %(path)s.") % {"count": count, "path": path}
        )
        if unmatched:
            self.stdout.write(
                _(
                    "%(count)s records of learners not matched to a university account were "
                    "left out: match them with `cartable exchange learners`."
                )
                % {"count": unmatched}
            )

    def _history(self, options: dict[str, Any]) -> None:
        for item in Exchange.objects.select_related("peer")[:200]:
            self.stdout.write(
                "\t".join(
                    str(value)
                    for value in (
                        item.at.isoformat(timespec="seconds"),
                        item.direction,
                        item.peer.name if item.peer else "-",
                        item.kind or "-",
                        item.sequence or "-",
                        item.size,
                        item.sha256,
                        item.result,
                        item.code or "",
                    )
                )
            )
