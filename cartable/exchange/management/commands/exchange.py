"""cartable exchange identity|peer|export|import|offer|history|sync"""

from __future__ import annotations

import json
from argparse import ArgumentParser
from functools import partial
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError
from django.db import transaction
from django.utils.translation import gettext as _

from cartable.accounts.models import Institution
from cartable.audit.actions import record
from cartable.catalog import blobs
from cartable.catalog.models import Activity, Course
from cartable.commands import CartableCommand
from cartable.exchange import actions, courses, identity, matching, messages, online, university
from cartable.exchange.models import CourseOffer, Exchange, Learner, Peer
from cartable.exchange.moodle.assign import WorksheetError, fill_worksheet, write_feedback_zip
from cartable.exchange.moodle.grades import grades_csv, grades_xml
from cartable.exchange.moodle.xapi import statement
from cartable.exchange.progress import Bar
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
        url = peer_sub.add_parser(
            "url", help="Set the https:// address a hub is reached at by `exchange sync`."
        )
        url.add_argument("name", help="The hub's name.")
        url.add_argument("url", help="Its address (https://…); empty: none.")
        export = sub.add_parser("export", help="Write the next bundle for a peer to a file.")
        export.add_argument("file", type=Path)
        export.add_argument("--to", required=True, help="The peer's name.")
        export.add_argument(
            "--kind",
            choices=("work", "ack", "feedback", "course"),
            help="work: learners' work, to a hub (the default for a hub); feedback: the "
            "grades, comments and feedback files given on the hub to a box's learners, to a "
            "box; course: the courses offered to a box, with the files it lacks, to a box; "
            "ack: the acknowledgement of what was received (the default for a box).",
        )
        offer = sub.add_parser(
            "offer",
            help="On the hub: offer a course to a box (its course bundles carry it), withdraw "
            "it, or list the offers.",
        )
        offer.add_argument("--course", help="The course's short name.")
        offer.add_argument("--to", help="The box's name.")
        offer.add_argument("--withdraw", action="store_true", help="Stop offering it.")
        offer.add_argument("--list", action="store_true", help="List the courses offered.")
        offer.add_argument(
            "--resend-all",
            action="store_true",
            help="Forget which files the box confirmed holding: its next course bundle carries "
            "them all (when the box refused one for missing files).",
        )
        imported = sub.add_parser(
            "import", help="Check a bundle whole, then apply it (or refuse it, changing nothing)."
        )
        imported.add_argument("file", type=Path)
        sub.add_parser("history", help="List the bundles written and read, newest first.")
        sync = sub.add_parser(
            "sync",
            help="Online: send the hub the bundles it is owed and apply those it has for this "
            "box, over HTTPS, until neither has anything more.",
        )
        sync.add_argument("--to", required=True, help="The hub's name.")
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

        grades = sub.add_parser(
            "grades",
            help="Write a course's grades of the boxes' learners for the university's Moodle: "
            "its XML grade import (matched by idnumbers, no mapping) or its CSV grade import.",
        )
        grades.add_argument("file", type=Path)
        grades.add_argument("--course", required=True, help="The course's short name.")
        grades.add_argument("--format", choices=("xml", "csv"), default="xml")
        grades.add_argument(
            "--identify",
            choices=("useridnumber", "username", "useremail"),
            default="useridnumber",
            help="CSV: the column that names the learner (ID number, username or e-mail).",
        )
        worksheet = sub.add_parser(
            "worksheet",
            help="Fill in an assignment's offline grading worksheet, downloaded from Moodle, "
            "with the grades and feedback comments of the boxes' learners.",
        )
        worksheet.add_argument("file", type=Path)
        worksheet.add_argument("--course", required=True, help="The course's short name.")
        worksheet.add_argument(
            "--activity", required=True, help="The assignment's Moodle key (assign-311)."
        )
        worksheet.add_argument(
            "--from", dest="source", required=True, type=Path, help="The downloaded worksheet."
        )
        worksheet.add_argument(
            "--feedback-zip",
            type=Path,
            help="Also write the feedback files as a zip for Moodle's “upload multiple "
            "feedback files in a zip”.",
        )
        submissions = sub.add_parser(
            "submissions",
            help="Write the boxes' learners' submissions of an assignment as a zip laid out "
            "like Moodle's “download all submissions”, under the participant numbers of its "
            "worksheet.",
        )
        submissions.add_argument("file", type=Path)
        submissions.add_argument("--course", required=True, help="The course's short name.")
        submissions.add_argument(
            "--activity", required=True, help="The assignment's Moodle key (assign-311)."
        )
        submissions.add_argument(
            "--from",
            dest="source",
            required=True,
            type=Path,
            help="The assignment's worksheet downloaded from Moodle (its participant numbers).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        getattr(self, "_" + options["do"])(options)

    def _bar(self) -> Bar | None:
        """A progress line on stderr when it is a terminal; None (nothing shown) otherwise."""
        if not self.stderr.isatty():
            return None
        return Bar(
            lambda text: self.stderr.write(text, style_func=str, ending=""),
            self.stderr.flush,
            {"written": _("Writing"), "checked": _("Checking"), "applied": _("Applying")},
            unit=_("MB"),
        )

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
        if options["peer_do"] == "url":
            found = Peer.objects.filter(name=options["name"]).first()
            if found is None:
                raise CommandError(_("No peer named “%(name)s”.") % {"name": options["name"]})
            try:
                online.set_url(actor=None, peer=found, url=options["url"])
            except actions.Refused as error:
                raise CommandError(str(error)) from None
            self.stdout.write(_("Address of %(name)s set.") % {"name": found.name})
            return
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
        bar = self._bar()
        try:
            done = actions.export(
                actor=None, peer=peer, kind=kind, destination=options["file"], progress=bar
            )
        except actions.Refused as error:
            raise CommandError(str(error)) from None
        finally:
            if bar is not None:
                bar.close()
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
        bar = self._bar()
        try:
            applied = actions.apply(actor=None, path=path, progress=bar)
        except BundleError as error:
            raise CommandError(messages.of(error)) from None
        finally:
            if bar is not None:
                bar.close()
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
        for outcome in applied.courses or []:
            self.stdout.write(
                _("%(course)s: waits for staff’s review.") % {"course": outcome["course"]}
                if outcome["waits"]
                else _("%(course)s: up to date, nothing to review.") % {"course": outcome["course"]}
            )
        if applied.skipped:
            self.stdout.write(
                _(
                    "%(count)s grades were left out: their course, activity or learner is not "
                    "on this box."
                )
                % {"count": applied.skipped}
            )
        if applied.parked:
            self.stdout.write(
                _(
                    "%(count)s grades wait for their course to arrive: they are given when it is "
                    "approved on this box."
                )
                % {"count": applied.parked}
            )
        if applied.skipped_messages:
            self.stdout.write(
                _(
                    "%(count)s messages were left out: their teacher, learner or course is not "
                    "on this box, that teacher does not teach that learner, or the message is "
                    "not one a teacher may write."
                )
                % {"count": applied.skipped_messages}
            )
        if applied.left_out:
            self.stdout.write(
                _(
                    "%(count)s submissions were kept but not put up for grading: their course, "
                    "activity or learner is not on this hub."
                )
                % {"count": applied.left_out}
            )
        if applied.left_out_attempts:
            self.stdout.write(
                _(
                    "%(count)s quiz attempts were kept but not put up for grading: their "
                    "course, quiz, questions or learner is not on this hub."
                )
                % {"count": applied.left_out_attempts}
            )

    def _sync(self, options: dict[str, Any]) -> None:
        peer = Peer.objects.filter(name=options["to"], role=Peer.Role.HUB).first()
        if peer is None:
            raise CommandError(_("No hub named “%(name)s”.") % {"name": options["to"]})
        sweep.sweep()  # what a stopped sync left
        try:
            synced = online.sync(actor=None, peer=peer)
        except online.SyncError as error:
            raise CommandError(error.message) from None
        self.stdout.write(
            _("Synced with %(peer)s: %(sent)s bundles sent, %(received)s applied.")
            % {"peer": peer.name, "sent": len(synced.sent), "received": len(synced.received)}
        )

    def _offer(self, options: dict[str, Any]) -> None:
        if options["list"]:
            offers = CourseOffer.objects.select_related("peer", "course").order_by(
                "peer__name", "course__shortname"
            )
            if options["to"]:
                offers = offers.filter(peer__name=options["to"])
            for item in offers:
                state = (
                    _("withdrawn %(at)s") % {"at": item.withdrawn_at.isoformat()}
                    if item.withdrawn_at
                    else _("offered %(at)s") % {"at": item.offered_at.isoformat()}
                )
                self.stdout.write(f"{item.peer.name}\t{item.course.shortname}\t{state}")
            return
        peer = Peer.objects.filter(name=options["to"] or "").first()
        if options["resend_all"] and peer is not None:
            try:
                count = courses.resend_all(actor=None, peer=peer)
            except courses.Refused as error:
                raise CommandError(str(error)) from None
            self.stdout.write(
                _("The next course bundle for %(peer)s carries every file (%(count)s forgotten).")
                % {"peer": peer.name, "count": count}
            )
            return
        if not options["course"] or not options["to"]:
            raise CommandError(_("Name the course (--course) and the box (--to)."))
        if peer is None:
            raise CommandError(_("No peer named “%(name)s”.") % {"name": options["to"]})
        course = self._course(options["course"])
        try:
            if options["withdraw"]:
                courses.withdraw(actor=None, peer=peer, course=course)
                done = _("%(course)s is no longer offered to %(peer)s.")
            else:
                courses.offer(actor=None, peer=peer, course=course)
                done = _("%(course)s is offered to %(peer)s.")
        except courses.Refused as error:
            raise CommandError(str(error)) from None
        self.stdout.write(done % {"course": course.shortname, "peer": peer.name})

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

    # --- Back into Moodle (on the hub) -------------------------------------------------------

    def _course(self, shortname: str) -> Course:
        found = list(Course.objects.filter(shortname=shortname)[:2])
        if len(found) != 1:
            raise CommandError(
                _("No course with the short name “%(name)s”.") % {"name": shortname}
                if not found
                else _("Several courses have the short name “%(name)s”.") % {"name": shortname}
            )
        return found[0]

    def _activity(self, course: Course, key: str) -> Activity:
        activity = Activity.objects.filter(
            course=course, source_key=key, kind=Activity.Kind.ASSIGN, retired_at__isnull=True
        ).first()
        if activity is None:
            raise CommandError(
                _("No assignment “%(key)s” in %(course)s.") % {"key": key, "course": course}
            )
        return activity

    def _new_file(self, path: Path) -> None:
        if path.exists():
            raise CommandError(_("%(path)s exists already.") % {"path": path})
        if not path.parent.is_dir():
            raise CommandError(_("No folder %(path)s.") % {"path": path.parent})

    def _worksheet_of(self, path: Path) -> university.Worksheet:
        if not path.is_file():
            raise CommandError(_("No file %(path)s.") % {"path": path})
        try:
            return university.read_worksheet(path.read_text(encoding="utf-8"))
        except (UnicodeDecodeError, university.NotAWorksheet):
            raise CommandError(
                _(
                    "%(path)s is not an offline grading worksheet downloaded from Moodle (no "
                    "“Identifier” column)."
                )
                % {"path": path}
            ) from None

    def _unmatched(self, gathered: university.Gathered) -> None:
        if gathered.unmatched:
            self.stdout.write(
                _(
                    "%(count)s learners are not matched to a university account: match them "
                    "with `cartable exchange learners`."
                )
                % {"count": len(gathered.unmatched)}
            )

    def _grades(self, options: dict[str, Any]) -> None:
        course = self._course(options["course"])
        path: Path = options["file"]
        self._new_file(path)
        gathered = university.gather(course)
        rows = university.grade_rows(course, gathered)
        if options["format"] == "xml":
            written = grades_xml(rows)
        else:
            written = grades_csv(rows, identify=options["identify"])
        with path.open("x", encoding="utf-8", newline="") as out:
            out.write(written.text)
        with transaction.atomic():
            record(
                "exchange.grades_written",
                actor=None,
                target=course,
                details={
                    "format": options["format"],
                    "grades": len(rows) - len(written.skipped),
                    "skipped": len(written.skipped),
                },
            )
        self.stdout.write(
            _("Wrote %(count)s grades to %(path)s.")
            % {"count": len(rows) - len(written.skipped), "path": path}
        )
        reasons = {
            "no_item_idnumber": _("the activity has no ID number in Moodle"),
            "no_user": _("the learner has no university account of that kind"),
            "repeated": _("given twice"),
            "not_a_number": _("not a number"),
        }
        for skipped in written.skipped:
            self.stdout.write(
                _("Left out: %(item)s, %(learner)s (%(reason)s).")
                % {
                    "item": skipped.row.item_name,
                    "learner": skipped.row.username or skipped.row.email or "?",
                    "reason": reasons[skipped.reason],
                }
            )
        if written.over_default_max:
            self.stdout.write(
                _(
                    "%(count)s grades are over 100: Moodle takes them only if the site allows "
                    "unlimited grades."
                )
                % {"count": len(written.over_default_max)}
            )
        self._unmatched(gathered)

    def _worksheet(self, options: dict[str, Any]) -> None:
        course = self._course(options["course"])
        activity = self._activity(course, options["activity"])
        path: Path = options["file"]
        self._new_file(path)
        sheet = self._worksheet_of(options["source"])
        gathered = university.gather(course, activity)
        marks, missing = university.marks(sheet, gathered)
        try:
            filled = fill_worksheet(
                options["source"].read_text(encoding="utf-8"), marks, headers=sheet.headers
            )
        except WorksheetError as error:
            raise CommandError(
                _("%(path)s cannot be read back by Moodle: %(error)s.")
                % {"path": options["source"], "error": error}
            ) from None
        archive: Path | None = options["feedback_zip"]
        if archive is not None:
            self._new_file(archive)
        with path.open("x", encoding="utf-8", newline="") as out:
            out.write(filled.text)
        written: list[str] = []
        if archive is not None:
            store = blobs.store()
            files = university.feedback_files(
                activity,
                university.participants(sheet),
                lambda sha: partial(store.open, sha),
            )
            with archive.open("xb") as out_zip:
                written = write_feedback_zip(out_zip, files)
        with transaction.atomic():
            record(
                "exchange.worksheet_written",
                actor=None,
                target=activity,
                details={
                    "filled": len(filled.filled),
                    "missing": missing,
                    "feedback_files": len(written),
                },
            )
        if archive is not None:
            self.stdout.write(
                _("Wrote %(count)s files to %(path)s.") % {"count": len(written), "path": archive}
            )
        self.stdout.write(
            _("Filled in %(count)s rows of the worksheet in %(path)s.")
            % {"count": len(filled.filled), "path": path}
        )
        if missing:
            self.stdout.write(
                _(
                    "%(count)s grades found no row in the worksheet (neither the learner’s ID "
                    "number nor e-mail address is in it)."
                )
                % {"count": missing}
            )
        self._unmatched(gathered)

    def _submissions(self, options: dict[str, Any]) -> None:
        course = self._course(options["course"])
        activity = self._activity(course, options["activity"])
        path: Path = options["file"]
        self._new_file(path)
        numbers = university.participants(self._worksheet_of(options["source"]))
        store = blobs.store()
        files, left_out = university.submission_files(
            activity, numbers, lambda sha: partial(store.open, sha)
        )
        with path.open("xb") as out:
            written = write_feedback_zip(out, files)
        with transaction.atomic():
            record(
                "exchange.submissions_written",
                actor=None,
                target=activity,
                details={"files": len(written), "left_out": left_out},
            )
        self.stdout.write(
            _("Wrote %(count)s files to %(path)s.") % {"count": len(written), "path": path}
        )
        if left_out:
            self.stdout.write(
                _(
                    "%(count)s submissions were left out: their learner is not matched to a "
                    "university account, or not in the worksheet."
                )
                % {"count": left_out}
            )
