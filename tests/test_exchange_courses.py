"""Course bundles (hub → box): the hub offers a course to a box; a course bundle carries the
course's structure and only the files the box has not confirmed holding; the box applies it
through the import's own staging and review (nothing reaches learners before staff approve);
a one-file change ships one file; bad bundles are refused with their message and no change.

Both sides share the test database (the hub's course is under the institution its backup
names, the box's under the hub's institution, ``univ-lille``), each has its own keys and its
own content store."""

from __future__ import annotations

import hashlib
import io
import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings
from django.utils import translation

from cartable.accounts.models import Role
from cartable.audit.models import AuditEvent
from cartable.catalog import blobs
from cartable.catalog.models import Activity, Course, Enrolment
from cartable.exchange import actions, courses, identity, outgoing
from cartable.exchange import messages as exchange_messages
from cartable.exchange.models import CourseOffer, Exchange, Peer, PeerBlob
from cartable.exchange.wire import bundle
from cartable.exchange.wire.bundle import BundleError
from cartable.ingest.models import Revision
from cartable.review.actions import approve_course
from tests.conftest import make_user, signed_in
from tests.importers.builder import Backup, fields

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "mbz"
REAL = FIXTURES / "moodle44_tgz_multiple_mod_types.mbz"
PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def side(sides, tmp_path: Path):
    """``with side("hub"):`` — that side's keys and content store."""

    @contextmanager
    def on(name: str) -> Iterator[None]:
        with sides.on(name), override_settings(CONTENT_ROOT=tmp_path / f"{name}-content"):
            yield

    return on


def run_import(path: Path, *args: str) -> dict:
    out = io.StringIO()
    call_command("import", str(path), "--json", *args, stdout=out)
    return json.loads(out.getvalue())


def pictured(version: int) -> Backup:
    """A course of two pages, a picture in the first and a document in the second; version 2
    changes the picture's bytes alone."""
    b = Backup(fullname="Histoire", shortname="HIST", summary="<p>Bienvenue</p>")
    s0 = b.section(0, "Début")
    page = fields(intro="", introformat=1, contentformat=1)
    a = b.activity(
        "page",
        page + fields(content='<p>Page A <img src="@@PLUGINFILE@@/a.png" alt="a"></p>'),
        title="Leçon A",
        section=s0,
    )
    b.file(
        contextid=a.contextid,
        component="mod_page",
        filearea="content",
        filename="a.png",
        content=PNG + f"picture {version}".encode(),
        mimetype="image/png",
    )
    c = b.activity(
        "page",
        page + fields(content='<p>Page B <a href="@@PLUGINFILE@@/plan.txt">plan</a></p>'),
        title="Leçon B",
        section=s0,
    )
    b.file(
        contextid=c.contextid,
        component="mod_page",
        filearea="content",
        filename="plan.txt",
        content=b"Le plan du cours.\n",
        mimetype="text/plain",
    )
    return b


def hub_course(result: dict) -> Course:
    return Course.objects.get(pk=result["course"]["id"])


def box_courses(peers) -> list[Course]:
    hub_peer, _box_peer = peers
    return list(Course.objects.filter(institution=hub_peer.institution))


def snapshot(peers) -> dict:
    hub_peer = Peer.objects.get(pk=peers[0].pk)
    return {
        "courses": Course.objects.count(),
        "activities": Activity.objects.count(),
        "revisions": Revision.objects.count(),
        "next_in": hub_peer.next_in,
        "course_in": hub_peer.course_in,
        "peer_blobs": PeerBlob.objects.filter(peer=hub_peer).count(),
        "done": Exchange.objects.filter(result="done", direction="in").count(),
    }


def test_a_course_goes_to_the_box_waits_for_review_and_then_learners_see_it(
    side, peers, stick: Path, staff, learner
) -> None:
    hub_peer, box_peer = peers
    with side("hub"):
        imported = run_import(REAL, "--publish")
        course = hub_course(imported)
        out = io.StringIO()
        call_command(
            "exchange", "offer", "--course", course.shortname, "--to", "box-caen", stdout=out
        )
        assert "proposé à box-caen" in out.getvalue()
        listed = io.StringIO()
        call_command("exchange", "offer", "--list", stdout=listed)
        assert listed.getvalue().startswith(f"box-caen\t{course.shortname}\t")
        written = actions.export(
            actor=None, peer=box_peer, kind="course", destination=stick / "course-1"
        )
        hub_files = {
            sha for sha in courses.staged_from_live(course).blobs() if sha
        }  # every file the course uses
        assert written.kind == "course" and written.entries == 1
        assert written.files == len(hub_files) > 0

    with side("box"):
        applied = actions.apply(actor=None, path=stick / "course-1")
        assert not applied.again and applied.courses[0]["waits"]
        (copy,) = box_courses(peers)
        assert (copy.source, copy.source_id) == (course.source, course.source_id)
        assert copy.shortname == course.shortname and copy.title == course.title
        assert not copy.is_published
        hub_titles = sorted(
            Activity.objects.filter(course=course, retired_at__isnull=True).values_list(
                "title", flat=True
            )
        )
        box_titles = sorted(Activity.objects.filter(course=copy).values_list("title", flat=True))
        assert box_titles == hub_titles
        assert set(
            Activity.objects.filter(course=copy).values_list("review_status", flat=True)
        ) == {Activity.Review.PENDING}
        store = blobs.store()
        assert all(store.exists(sha) for sha in hub_files)
        assert AuditEvent.objects.filter(action="exchange.course_bundle_applied").count() == 1
        assert AuditEvent.objects.filter(action="course.imported", target_id=str(copy.pk)).exists()

        # Nothing reaches the learner before staff approve.
        Enrolment.objects.create(user=learner, course=copy)
        assert signed_in(learner).get(f"/courses/{copy.pk}/").status_code == 404
        # The same bundle twice changes nothing.
        before = snapshot(peers)
        assert actions.apply(actor=None, path=stick / "course-1").again
        assert snapshot(peers) == before

        review = signed_in(staff).get(f"/review/courses/{copy.pk}/")
        assert review.status_code == 200 and copy.title in review.content.decode()
        approve_course(actor=None, course=copy)
        page = signed_in(learner).get(f"/courses/{copy.pk}/")
        assert page.status_code == 200
        shown = Activity.objects.filter(course=copy, kind="page").first()
        assert shown is not None and shown.title in page.content.decode()

        # The box says which files it now holds.
        ack = actions.export(actor=None, peer=hub_peer, kind="ack", destination=stick / "ack-1")
        assert ack.kind == "ack"
        assert not PeerBlob.objects.filter(peer=hub_peer, ack_pending=True).exists()

    with side("hub"):
        actions.apply(actor=None, path=stick / "ack-1")
        assert set(PeerBlob.objects.filter(peer=box_peer).values_list("sha256", flat=True)) == (
            hub_files
        )
        again = actions.export(
            actor=None, peer=box_peer, kind="course", destination=stick / "course-2"
        )
        assert again.files == 0  # the box holds every file: the structure alone travels

    with side("box"):
        applied = actions.apply(actor=None, path=stick / "course-2")
        assert applied.courses[0]["waits"] is False  # published, nothing changed
        assert box_courses(peers) == [copy]


def test_a_one_file_change_ships_one_file_and_waits_for_review(
    side, peers, stick: Path, learner, tmp_path: Path
) -> None:
    hub_peer, box_peer = peers
    with side("hub"):
        course = hub_course(run_import(pictured(1).build(tmp_path / "v1.mbz"), "--publish"))
        courses.offer(actor=None, peer=box_peer, course=course)
        first = actions.export(actor=None, peer=box_peer, kind="course", destination=stick / "c1")
        assert first.files == 2
    with side("box"):
        actions.apply(actor=None, path=stick / "c1")
        (copy,) = box_courses(peers)
        approve_course(actor=None, course=copy)
        actions.export(actor=None, peer=hub_peer, kind="ack", destination=stick / "a1")
    with side("hub"):
        actions.apply(actor=None, path=stick / "a1")
        second = run_import(pictured(2).build(tmp_path / "v2.mbz"), "--publish")
        assert second["course"]["id"] == course.pk
        update = actions.export(actor=None, peer=box_peer, kind="course", destination=stick / "c2")
        new_picture = hashlib.sha256(PNG + b"picture 2").hexdigest()
        reader_members = bundle.signed_manifest(stick / "c2", identity.load().public).members
        assert [m.name for m in reader_members] == ["courses.json", f"blobs/{new_picture}"]
        assert update.files == 1
        assert update.size < first.size
    with side("box"):
        Enrolment.objects.create(user=learner, course=copy)
        client = signed_in(learner)
        old = hashlib.sha256(PNG + b"picture 1").hexdigest()
        applied = actions.apply(actor=None, path=stick / "c2")
        assert applied.courses[0]["waits"] and applied.courses[0]["revision"]
        assert Revision.objects.get(course=copy).status == Revision.Status.PENDING
        assert old in client.get(f"/courses/{copy.pk}/activities/{_page_a(copy)}/").content.decode()
        approve_course(actor=None, course=copy)
        page = client.get(f"/courses/{copy.pk}/activities/{_page_a(copy)}/").content.decode()
        assert new_picture in page and old not in page
        assert blobs.store().exists(new_picture)


def _page_a(course: Course) -> int:
    return Activity.objects.get(course=course, title="Leçon A", retired_at__isnull=True).pk


# --- Refusals -------------------------------------------------------------------------------


def test_offers_are_for_a_box_and_a_course_the_hub_holds(side, peers, tmp_path: Path) -> None:
    hub_peer, box_peer = peers
    with side("hub"), translation.override("en"):
        course = hub_course(run_import(pictured(1).build(tmp_path / "v1.mbz")))
        with pytest.raises(courses.Refused, match="hub"):
            courses.offer(actor=None, peer=hub_peer, course=course)
        with pytest.raises(CommandError, match="NOPE"):
            call_command("exchange", "offer", "--course", "NOPE", "--to", "box-caen")
        with pytest.raises(CommandError, match="nobody"):
            call_command("exchange", "offer", "--course", "HIST", "--to", "nobody")
        with pytest.raises(actions.Refused, match="No course is offered"):
            actions.export(actor=None, peer=box_peer, kind="course", destination=tmp_path / "none")
        courses.offer(actor=None, peer=box_peer, course=course)
        with pytest.raises(courses.Refused, match="already"):
            courses.offer(actor=None, peer=box_peer, course=course)
        call_command("exchange", "offer", "--course", "HIST", "--to", "box-caen", "--withdraw")
        assert CourseOffer.objects.get().withdrawn_at is not None
        with pytest.raises(courses.Refused, match="not offered"):
            courses.withdraw(actor=None, peer=box_peer, course=course)
        assert courses.offered(box_peer) == []
        assert AuditEvent.objects.filter(action="exchange.course_offered").count() == 1
        assert AuditEvent.objects.filter(action="exchange.course_withdrawn").count() == 1
    with side("box"), pytest.raises(actions.Refused):
        actions.export(actor=None, peer=hub_peer, kind="course", destination=tmp_path / "x")


def _course_json(side, peers, tmp_path: Path) -> tuple[dict, Path]:
    """The hub's courses.json for a course offered to the box, and the hub's content store."""
    _hub_peer, box_peer = peers
    with side("hub"):
        course = hub_course(run_import(pictured(1).build(tmp_path / "v1.mbz"), "--publish"))
        courses.offer(actor=None, peer=box_peer, course=course)
        folder = tmp_path / "work"
        folder.mkdir()
        courses.members(box_peer, folder)
        return json.loads((folder / "courses.json").read_text()), tmp_path / "hub-content"


def _forge(side, path: Path, data: dict, carried: dict[str, bytes], sequence: int = 1) -> None:
    """A course bundle the hub signs, carrying ``data`` as courses.json and ``carried`` files."""
    members = [bundle.member_from_bytes("courses.json", json.dumps(data).encode())]
    members += [bundle.member_from_bytes(name, body) for name, body in carried.items()]
    with side("box"):
        box = identity.load(create=True).public
    with side("hub"), path.open("wb") as out:
        bundle.write(
            out,
            kind="course",
            sender=identity.load(create=True),
            recipient=box,
            sequence=sequence,
            created="2026-12-03T06:00:00+00:00",
            members=members,
        )


def _all_files(data: dict, store: Path) -> dict[str, bytes]:
    from cartable.lib.blobstore import BlobStore

    hub_store = BlobStore(store)
    return {
        f"blobs/{item['sha256']}": hub_store.open(item["sha256"]).read() for item in data["files"]
    }


def _refused(side, peers, path: Path, code: str) -> str:
    before = snapshot(peers)
    with side("box"):
        with pytest.raises(BundleError) as caught:
            actions.apply(actor=None, path=path)
        assert caught.value.code == code
        assert snapshot(peers) == before
        row = Exchange.objects.filter(result="refused").latest("pk")
        assert row.code == code
        with translation.override("fr"):
            french = exchange_messages.of(caught.value)
        with translation.override("en"):
            english = exchange_messages.of(caught.value)
        assert french != english and "(course_" not in english  # its own message, translated
        return english


def test_after_a_box_lost_files_the_hub_sends_them_all_again(
    side, peers, stick: Path, tmp_path: Path
) -> None:
    hub_peer, box_peer = peers
    with side("hub"):
        course = hub_course(run_import(pictured(1).build(tmp_path / "v1.mbz"), "--publish"))
        courses.offer(actor=None, peer=box_peer, course=course)
        courses.confirm(box_peer, courses.staged_from_live(course).blobs())  # wrongly believed
        actions.export(actor=None, peer=box_peer, kind="course", destination=stick / "c1")
    _refused(side, peers, stick / "c1", "course_missing_files")
    with side("hub"):
        out = io.StringIO()
        call_command("exchange", "offer", "--to", "box-caen", "--resend-all", stdout=out)
        assert "(2 " in out.getvalue()
        assert not PeerBlob.objects.filter(peer=box_peer).exists()
        again = actions.export(actor=None, peer=box_peer, kind="course", destination=stick / "c2")
        assert again.files == 2
        assert AuditEvent.objects.filter(action="exchange.course_files_forgotten").exists()
    with side("box"):
        # Course bundle 1 was refused for missing files: course bundle 2, the courses whole
        # again, supersedes it. Course bundles are numbered on their own: the strict sequence
        # of the other kinds never had a place taken.
        applied = actions.apply(actor=None, path=stick / "c2")
        assert applied.exchange.sequence == 2 and applied.courses[0]["created"]
        assert (Peer.objects.get(pk=hub_peer.pk).course_in, hub_peer.next_in) == (2, 1)
        assert blobs.store().exists(hashlib.sha256(PNG + b"picture 1").hexdigest())
    with side("hub"):
        assert Peer.objects.get(pk=box_peer.pk).next_out == 1
        actions.export(actor=None, peer=box_peer, kind="course", destination=stick / "c3")
        actions.export(actor=None, peer=box_peer, kind="course", destination=stick / "c4")
    with side("box"):
        # A later course bundle supersedes one lost on the way; older ones are then replays.
        assert actions.apply(actor=None, path=stick / "c4").exchange.sequence == 4
        for older in ("c3", "c1"):
            with pytest.raises(BundleError) as caught:
                actions.apply(actor=None, path=stick / older)
            assert caught.value.code == "replayed"
        assert actions.apply(actor=None, path=stick / "c4").again
        assert Peer.objects.get(pk=hub_peer.pk).course_in == 4


def test_a_course_bundle_missing_files_is_refused_naming_how_many(
    side, peers, stick: Path, tmp_path: Path
) -> None:
    data, _store = _course_json(side, peers, tmp_path)
    _forge(side, stick / "bad", data, {})  # the hub wrongly believes the box holds them
    message = _refused(side, peers, stick / "bad", "course_missing_files")
    assert message.startswith("2 files of this course bundle")
    with translation.override("fr"), side("box"):
        with pytest.raises(BundleError) as caught:
            actions.apply(actor=None, path=stick / "bad")
        assert exchange_messages.of(caught.value).startswith("2 fichiers")


@pytest.mark.parametrize(
    ("filename", "filepath"),
    [("../../passwd", "/"), ("a.png", "/../../etc/"), ("a\\b.png", "/"), ("a.png", "x/")],
)
def test_a_file_name_leaving_the_course_is_refused(
    side, peers, stick: Path, tmp_path: Path, filename: str, filepath: str
) -> None:
    data, store = _course_json(side, peers, tmp_path)
    data["courses"][0]["files"][0].update(filename=filename, filepath=filepath)
    _forge(side, stick / "bad", data, _all_files(data, store))
    assert "unsafe name" in _refused(side, peers, stick / "bad", "course_unsafe_name")
    assert not Course.objects.filter(institution=peers[0].institution).exists()


def _activity(data: dict) -> dict:
    return data["courses"][0]["activities"][0]


@pytest.mark.parametrize(
    "spoil",
    [
        lambda d: _activity(d)["fields"].update(kind="virus"),
        lambda d: _activity(d).update(position=-1),
        lambda d: _activity(d)["fields"].update(idnumber="x" * 101),
        lambda d: _activity(d)["fields"].update(grade_hidden=-1),
        lambda d: _activity(d)["fields"].update(grade_hidden="1"),
        lambda d: _activity(d)["fields"].update(grade_hidden=10**15),  # past any date
        lambda d: _activity(d)["fields"].update(risks=[5]),
        lambda d: _activity(d)["fields"].pop("title"),
        lambda d: d["courses"][0]["sections"][0].update(position="1"),
        lambda d: d["courses"][0]["fields"].update(language="x" * 9),
        lambda d: d["courses"][0]["fields"].update(start_date="hier"),
        lambda d: d["courses"][0].update(partial=True),
        lambda d: d["courses"][0].update(source_id=""),
        lambda d: d["courses"].append(d["courses"][0]),
        lambda d: d["files"].pop(),
        lambda d: d.update(format=2),
        lambda d: d["courses"][0]["files"][0].update(size=-1),
    ],
)
def test_a_spoilt_structure_is_refused(side, peers, stick: Path, tmp_path: Path, spoil) -> None:
    data, store = _course_json(side, peers, tmp_path)
    carried = _all_files(data, store)
    spoil(data)
    carried = {name: body for name, body in carried.items() if name[6:] in {
        f["sha256"] for f in data["files"]
    }}  # fmt: skip
    _forge(side, stick / "bad", data, carried)
    _refused(side, peers, stick / "bad", "course_invalid")


def test_a_structure_the_importer_would_not_read_is_refused(
    side, peers, stick: Path, tmp_path: Path
) -> None:
    data, store = _course_json(side, peers, tmp_path)
    data["courses"][0]["activities"][0]["fields"]["completion"] = {"tracking": "sometimes"}
    _forge(side, stick / "bad", data, _all_files(data, store))
    assert "not valid" in _refused(side, peers, stick / "bad", "course_invalid")
    del data["courses"][0]["sections"]
    _forge(side, stick / "bad2", data, _all_files(data, store))
    _refused(side, peers, stick / "bad2", "course_invalid")


def test_oversized_declared_files_are_refused(side, peers, stick: Path, tmp_path: Path) -> None:
    data, store = _course_json(side, peers, tmp_path)
    carried = _all_files(data, store)
    with override_settings(IMPORT_MAX_MEMBER_BYTES=10):
        _forge(side, stick / "bad", data, carried)
        assert "limit: 10 bytes" in _refused(side, peers, stick / "bad", "course_too_large")


def test_a_file_the_list_does_not_name_is_refused(side, peers, stick: Path, tmp_path: Path) -> None:
    data, store = _course_json(side, peers, tmp_path)
    carried = _all_files(data, store)
    extra = b"not a course file"
    carried[f"blobs/{hashlib.sha256(extra).hexdigest()}"] = extra
    _forge(side, stick / "bad", data, carried)
    _refused(side, peers, stick / "bad", "course_unlisted_file")
    with side("box"):
        assert not blobs.store().exists(hashlib.sha256(extra).hexdigest())


def test_a_learner_never_gets_a_course_bundle_course_before_review(
    side, peers, stick: Path, tmp_path: Path
) -> None:
    data, store = _course_json(side, peers, tmp_path)
    _forge(side, stick / "good", data, _all_files(data, store))
    with side("box"):
        actions.apply(actor=None, path=stick / "good")
        (copy,) = box_courses(peers)
        someone = make_user("zoe", Role.LEARNER, None)
        Enrolment.objects.create(user=someone, course=copy)
        client = signed_in(someone)
        assert client.get(f"/courses/{copy.pk}/").status_code == 404
        for activity in Activity.objects.filter(course=copy):
            assert client.get(f"/courses/{copy.pk}/activities/{activity.pk}/").status_code == 404


@pytest.mark.parametrize("backup", sorted(FIXTURES.glob("*.mbz")), ids=lambda path: path.name)
def test_the_hubs_live_course_is_what_its_import_staged(tmp_path: Path, backup: Path) -> None:
    """What a course bundle carries is what importing the backup on the box would stage."""
    from django.conf import settings

    from cartable.importers import registry
    from cartable.ingest import imports
    from cartable.ingest.staging import stage

    course = hub_course(run_import(backup, "--publish"))
    work = tmp_path / "work"
    work.mkdir()
    staged = stage(
        registry.load(backup, work, imports.limits()),
        large_file_bytes=settings.REVIEW_LARGE_FILE_BYTES,
    ).to_json()
    live = courses.staged_from_live(course).to_json()

    def files(value: dict) -> list:
        return sorted(
            (f["sha256"], f["filename"], f["filepath"], f["component"], f["filearea"], f["itemid"],
             f["owner"], f["section"], f["size"], f["mimetype"])
            for f in value.pop("files")
        )  # fmt: skip

    assert files(live) == files(staged)
    for value in (live, staged):
        value["activities"] = sorted(value["activities"], key=lambda item: item["key"])
        value["questions"] = sorted(value["questions"], key=lambda item: item["source_id"])
        value["categories"] = sorted(value["categories"], key=lambda item: item["source_id"])
        value["sections"] = sorted(value["sections"], key=lambda item: item["key"])
    assert live == staged


@pytest.mark.parametrize(("hidden", "kept"), [(1780000000, 1780000000), (None, 0)])
def test_a_grade_items_hiding_travels_with_the_course(
    side, peers, stick: Path, tmp_path: Path, hidden, kept
) -> None:
    data, store = _course_json(side, peers, tmp_path)
    fields = _activity(data)["fields"]
    if hidden is None:  # a hub from before grade items' hiding was kept: shown
        fields.pop("grade_hidden")
    else:
        fields["grade_hidden"] = hidden
    _forge(side, stick / "c", data, _all_files(data, store))
    with side("box"):
        actions.apply(actor=None, path=stick / "c")
        (copy,) = box_courses(peers)
        found = Activity.objects.get(course=copy, source_key=_activity(data)["key"])
        assert found.grade_hidden == kept


def test_online_a_refused_course_bundle_is_served_until_resend_all_then_the_new_one(
    side, peers, tmp_path: Path
) -> None:
    hub_peer, box_peer = peers
    with side("hub"):
        course = hub_course(run_import(pictured(1).build(tmp_path / "v1.mbz"), "--publish"))
        courses.offer(actor=None, peer=box_peer, course=course)
        courses.confirm(box_peer, courses.staged_from_live(course).blobs())  # wrongly believed
        assert outgoing.next_for(box_peer, 1) is None  # a box not saying its course number
        number, first = outgoing.next_for(box_peer, 1, 1)
        assert number == 1 and Peer.objects.get(pk=box_peer.pk).next_out == 1
    with side("box"):
        with pytest.raises(BundleError) as caught:
            actions.apply(actor=None, path=first, sender=hub_peer)
        assert caught.value.code == "course_missing_files"
    with side("hub"):
        assert outgoing.next_for(box_peer, 1, 1) == (1, first)  # the same bundle, not a new one
        courses.resend_all(actor=None, peer=box_peer)
        number, whole = outgoing.next_for(box_peer, 1, 1)
        assert number == 2 and not first.exists()  # the new full bundle supersedes the old
    with side("box"):
        applied = actions.apply(actor=None, path=whole, sender=hub_peer)
        assert applied.courses[0]["created"] and applied.exchange.files == 2
        assert Peer.objects.get(pk=hub_peer.pk).course_in == 2
    with side("hub"):
        assert outgoing.next_for(box_peer, 1, 3) is None and not whole.exists()
        with pytest.raises(outgoing.OutOfSequence):
            outgoing.next_for(box_peer, 1, 4)
