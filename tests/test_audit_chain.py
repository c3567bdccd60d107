"""The audit log is a chain of sealed entries: appends keep it whole, and any change made
directly in the database (an entry changed, deleted, inserted, swapped, renumbered, re-sealed
without the key, or the end cut off) is found by the check, which names the first bad entry."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.db import connection, transaction
from django.test import Client
from hypothesis import given
from hypothesis import strategies as st

from cartable.audit import chain, verify
from cartable.audit.actions import record
from cartable.audit.models import AuditEvent, ChainHead
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english(settings) -> None:
    settings.LANGUAGE_CODE = "en"


def sql(statement: str, params: list[object] | tuple[object, ...] = ()) -> None:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


def fill(count: int, django_capture_on_commit_callbacks, **extra: object) -> list[AuditEvent]:
    """Append ``count`` entries, each committed (the head file follows)."""
    events = []
    for number in range(count):
        with django_capture_on_commit_callbacks(execute=True):
            events.append(
                record(
                    "course.imported" if number % 2 else "account.created",
                    actor=None,
                    details={"n": number, "text": "Élève « Léa »", "list": [1, 2.5, None]},
                    **extra,  # type: ignore[arg-type]
                )
            )
    return events


def check(home: Path) -> verify.Report:
    return verify.verify(home)


def test_it_verifies_a_chain_of_many_mixed_appends(
    home, learner, staff, course, django_capture_on_commit_callbacks
) -> None:
    client = Client()
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/accounts/login/", {"username": "lea", "password": PASSWORD})  # success
        Client().post("/accounts/login/", {"username": "lea", "password": "wrong"})  # failure
        Client().post("/accounts/login/", {"username": "nobody", "password": "x"})
        client.post("/accounts/logout/")
        with transaction.atomic():
            record("course.published", actor=staff, target=course)
            with transaction.atomic():  # nested: a savepoint of the caller's
                record("account.groups_changed", actor=staff, target=learner, details={"a": []})
        try:
            with transaction.atomic():
                record("account.deactivated", actor=staff, target=learner)
                raise RuntimeError("the change fails: its audit entry goes with it")
        except RuntimeError:
            pass
        record("enrolment.created", actor=staff, target=learner, details={"course": course.pk})
    fill(20, django_capture_on_commit_callbacks)
    numbers = list(AuditEvent.objects.order_by("seq").values_list("seq", flat=True))
    assert numbers == list(range(1, len(numbers) + 1))
    assert not AuditEvent.objects.filter(action="account.deactivated").exists()
    report = check(home)
    assert report.intact, report.problem
    assert report.checked == len(numbers) == 27
    assert chain.read_head(home) == chain.Head(27, AuditEvent.objects.get(seq=27).seal)


def test_it_keeps_who_when_and_from_which_device(learner) -> None:
    Client(REMOTE_ADDR="10.1.2.3", HTTP_USER_AGENT="Firefox/128").post(
        "/accounts/login/", {"username": "lea", "password": PASSWORD}
    )
    event = AuditEvent.objects.get(action="auth.sign_in")
    assert (event.actor, event.ip_address, event.device) == (learner, "10.1.2.3", "Firefox/128")
    assert event.establishment_id == learner.establishment_id
    assert event.seq == 1 and len(event.seal) == 64


def test_it_files_a_failed_sign_in_under_the_accounts_establishment(learner) -> None:
    Client().post("/accounts/login/", {"username": "LEA", "password": "wrong"})
    Client().post("/accounts/login/", {"username": "nobody", "password": "wrong"})
    tried, unknown = AuditEvent.objects.filter(action="auth.sign_in_failed").order_by("seq")
    assert tried.establishment_id == learner.establishment_id
    assert unknown.establishment_id is None


def test_it_seals_ipv6_addresses_as_the_database_gives_them_back(home) -> None:
    from django.test import RequestFactory

    request = RequestFactory(REMOTE_ADDR="::FFFF:192.0.2.1").get("/")
    record("auth.sign_in_failed", actor=None, request=request)
    record(
        "auth.sign_in_failed",
        actor=None,
        request=RequestFactory(REMOTE_ADDR="2001:DB8::1").get("/"),
    )
    assert list(AuditEvent.objects.order_by("seq").values_list("ip_address", flat=True)) == [
        "::ffff:192.0.2.1",
        "2001:db8::1",
    ]
    assert check(home).intact


def test_it_refuses_changes_through_the_orm(staff) -> None:
    event = record("group.created", actor=staff)
    event.action = "other"
    with pytest.raises(TypeError, match="append-only"):
        event.save()
    with pytest.raises(TypeError, match="append-only"):
        event.delete()
    with pytest.raises(TypeError, match="append-only"):
        AuditEvent.objects.filter(pk=event.pk).update(action="other")
    with pytest.raises(TypeError, match="append-only"):
        AuditEvent.objects.all().delete()


# --- Tampering, directly in the database -------------------------------------------------


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("actor_name", "someone-else"),
        ("action", "account.reactivated"),
        ("details", json.dumps({"n": 999})),
        ("at", "2020-01-01 00:00:00"),
        ("ip_address", "10.9.9.9"),
        ("target_label", "Autre"),
        ("device", "Other browser"),
    ],
)
def test_it_names_an_entry_changed_in_the_database(
    home, column: str, value: str, django_capture_on_commit_callbacks
) -> None:
    fill(10, django_capture_on_commit_callbacks)
    sql(f"UPDATE audit_auditevent SET {column} = %s WHERE seq = 6", [value])  # noqa: S608
    report = check(home)
    assert (report.kind, report.seq, report.checked) == (verify.TAMPERED, 6, 5)
    assert report.problem == "Entry #6 was changed: its content no longer matches its seal."


def test_it_names_an_entry_whose_actor_was_changed(
    home, staff, admin, django_capture_on_commit_callbacks
) -> None:
    fill(3, django_capture_on_commit_callbacks, actor_name="sam")
    sql("UPDATE audit_auditevent SET actor_id = %s WHERE seq = 2", [admin.pk])
    assert check(home).seq == 2


def test_it_names_an_entry_deleted_in_the_middle(home, django_capture_on_commit_callbacks) -> None:
    fill(10, django_capture_on_commit_callbacks)
    sql("DELETE FROM audit_auditevent WHERE seq = 4")
    report = check(home)
    assert (report.kind, report.seq) == (verify.TAMPERED, 4)
    assert report.problem == ("Entry #4 is missing: it was deleted (the log goes from #3 to #5).")


def test_it_names_several_entries_deleted_in_the_middle(
    home, django_capture_on_commit_callbacks
) -> None:
    fill(10, django_capture_on_commit_callbacks)
    sql("DELETE FROM audit_auditevent WHERE seq BETWEEN 4 AND 7")
    report = check(home)
    assert report.seq == 4
    assert report.problem == (
        "Entries #4 to #7 are missing: they were deleted (the log goes from #3 to #8)."
    )


def test_it_names_entries_deleted_at_the_end(home, django_capture_on_commit_callbacks) -> None:
    fill(10, django_capture_on_commit_callbacks)
    sql("DELETE FROM audit_auditevent WHERE seq > 7")
    report = check(home)
    assert (report.kind, report.seq, report.checked) == (verify.TAMPERED, 8, 7)
    assert report.problem.startswith("Entries after #7 are missing: the box had written up to #10.")


def test_it_names_entries_deleted_at_the_end_even_when_the_head_row_is_moved_back(
    home, django_capture_on_commit_callbacks
) -> None:
    fill(10, django_capture_on_commit_callbacks)
    seventh = AuditEvent.objects.get(seq=7)
    sql("DELETE FROM audit_auditevent WHERE seq > 7")
    sql("UPDATE audit_chainhead SET seq = 7, seal = %s", [seventh.seal])
    report = check(home)
    assert report.seq == 8
    assert "the box had written up to #10" in str(report.problem)


def test_it_names_a_forged_entry_added_at_the_end(home, django_capture_on_commit_callbacks) -> None:
    fill(5, django_capture_on_commit_callbacks)
    last = AuditEvent.objects.get(seq=5)
    sql(
        "INSERT INTO audit_auditevent (seq, at, actor_name, action, target_type, target_id, "
        "target_label, details, device, key_id, seal) "
        "VALUES (6, %s, 'sam', 'account.created', '', '', '', '{}', '', %s, %s)",
        [last.at, last.key_id, "0" * 64],
    )
    sql("UPDATE audit_chainhead SET seq = 6, seal = %s", ["0" * 64])
    report = check(home)
    assert (report.kind, report.seq) == (verify.TAMPERED, 6)
    assert report.problem == (
        "Entry #6 does not match its seal: it was changed, or written by someone without the key."
    )


def _renumber(from_seq: int, by: int) -> None:
    # Two steps, so that the unique index never sees two equal numbers.
    sql("UPDATE audit_auditevent SET seq = seq + 1000000 WHERE seq >= %s", [from_seq])
    sql(
        "UPDATE audit_auditevent SET seq = seq - 1000000 + %s WHERE seq >= 1000000",
        [by],
    )


def test_it_names_an_entry_inserted_in_the_middle(home, django_capture_on_commit_callbacks) -> None:
    fill(8, django_capture_on_commit_callbacks)
    model = AuditEvent.objects.get(seq=3)
    _renumber(4, 1)
    sql(
        "INSERT INTO audit_auditevent (seq, at, actor_name, action, target_type, target_id, "
        "target_label, details, device, key_id, seal) "
        "VALUES (4, %s, 'sam', 'account.created', '', '', '', '{}', '', %s, %s)",
        [model.at, model.key_id, model.seal],
    )
    report = check(home)
    assert report.seq == 4
    assert report.problem == (
        "Entry #4 was inserted: the box did not write it, and the entries after it were renumbered."
    )


def test_it_names_where_entries_were_deleted_and_the_rest_renumbered(
    home, django_capture_on_commit_callbacks
) -> None:
    fill(12, django_capture_on_commit_callbacks)
    sql("DELETE FROM audit_auditevent WHERE seq IN (5, 6, 7)")
    _renumber(8, -3)
    report = check(home)
    assert report.seq == 5
    assert report.problem == (
        "3 entries were deleted before entry #5, and the entries after them were renumbered "
        "to hide the gap."
    )


def test_it_names_the_first_of_two_swapped_entries(
    home, django_capture_on_commit_callbacks
) -> None:
    fill(9, django_capture_on_commit_callbacks)
    columns = "at, actor_name, action, details, seal"
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {columns} FROM audit_auditevent WHERE seq = 3")  # noqa: S608
        third = cursor.fetchone()
        cursor.execute(f"SELECT {columns} FROM audit_auditevent WHERE seq = 7")  # noqa: S608
        seventh = cursor.fetchone()
    assignments = ", ".join(f"{name.strip()} = %s" for name in columns.split(","))
    sql(f"UPDATE audit_auditevent SET {assignments} WHERE seq = 3", [*seventh])  # noqa: S608
    sql(f"UPDATE audit_auditevent SET {assignments} WHERE seq = 7", [*third])  # noqa: S608
    report = check(home)
    assert (report.kind, report.seq) == (verify.TAMPERED, 3)


def test_it_sees_entries_re_sealed_without_the_key(
    home, django_capture_on_commit_callbacks
) -> None:
    """Someone with the database only changes entry #4 and re-chains every entry after it
    with a key of their own, head row included: the box's key shows it."""
    fill(8, django_capture_on_commit_callbacks)
    forger = chain.Key(b"f" * 32, Path("/nowhere"))
    previous = AuditEvent.objects.get(seq=3).seal
    sql("UPDATE audit_auditevent SET actor_name = 'nobody' WHERE seq = 4")
    fields = ("id", *chain.FIELDS)
    for row in AuditEvent.objects.filter(seq__gte=4).order_by("seq").values_list(*fields):
        previous = chain.seal(forger, list(row[1:]), previous)
        sql("UPDATE audit_auditevent SET seal = %s WHERE id = %s", [previous, row[0]])
    sql("UPDATE audit_chainhead SET seal = %s", [previous])
    report = check(home)
    assert report.seq == 4
    assert "does not match its seal" in str(report.problem)


def test_it_reports_a_missing_key(home, django_capture_on_commit_callbacks) -> None:
    fill(2, django_capture_on_commit_callbacks)
    chain.key_path(home).unlink()
    report = check(home)
    assert report.kind == verify.UNCHECKABLE
    assert report.problem == (
        f"The audit key {home / 'audit_key'} is missing: no entry can be checked. Restore it "
        "from a backup of the data folder."
    )


def test_it_reports_entries_sealed_with_another_key(
    home, django_capture_on_commit_callbacks
) -> None:
    fill(2, django_capture_on_commit_callbacks)
    chain.key_path(home).write_text("ab" * 32)
    report = check(home)
    assert (report.kind, report.seq) == (verify.TAMPERED, 1)
    assert "was sealed with another key" in str(report.problem)


def test_it_makes_the_key_once_readable_by_the_owner_only(home) -> None:
    record("group.created", actor=None)
    assert chain.key_path(home).stat().st_mode & 0o777 == 0o600
    assert len(bytes.fromhex(chain.key_path(home).read_text())) == 32


# --- The head file ------------------------------------------------------------------------


def test_it_accepts_a_head_file_lagging_behind_the_database(
    home, django_capture_on_commit_callbacks
) -> None:
    fill(4, django_capture_on_commit_callbacks)
    record("group.created", actor=None)  # committed, but the head file not yet written (crash)
    record("group.created", actor=None)
    assert chain.read_head(home).seq == 4
    report = check(home)
    assert report.intact and report.checked == 6


def test_it_reports_a_damaged_head_file(home, django_capture_on_commit_callbacks) -> None:
    fill(2, django_capture_on_commit_callbacks)
    chain.head_path(home).write_text("{not json")
    assert check(home).kind == verify.UNCHECKABLE


def test_it_keeps_an_alarm_when_the_end_is_deleted_and_written_again(
    home, django_capture_on_commit_callbacks, caplog
) -> None:
    fill(10, django_capture_on_commit_callbacks)
    sixth = AuditEvent.objects.get(seq=6)
    sql("DELETE FROM audit_auditevent WHERE seq > 6")
    sql("UPDATE audit_chainhead SET seq = 6, seal = %s", [sixth.seal])
    fill(8, django_capture_on_commit_callbacks)  # the log grows past where it was
    assert "The audit log lost its end" in caplog.text
    report = check(home)
    assert (report.kind, report.seq) == (verify.TAMPERED, 10)
    assert "while writing entry #7, the box found that entry #10" in str(report.problem)


def test_it_moves_the_head_forward_only(home) -> None:
    seals = {5: "b" * 64, 4: "a" * 64}
    chain.advance_head(home, 5, seals[5], seals.get)
    chain.advance_head(home, 4, seals[4], seals.get)  # committed earlier, noticed later
    assert chain.read_head(home) == chain.Head(5, seals[5])


def test_it_starts_again_from_the_last_entry_when_the_head_row_is_gone(home) -> None:
    record("group.created", actor=None)
    record("group.created", actor=None)
    sql("DELETE FROM audit_chainhead")
    third = record("group.created", actor=None)
    assert third.seq == 3
    assert ChainHead.objects.get().seq == 3
    assert check(home).intact


def test_it_checks_an_empty_log(home) -> None:
    report = check(home)
    assert report.intact and report.checked == 0


# Details as entries hold them: text (any character), numbers of every kind, nested.
_details = st.dictionaries(
    st.text(max_size=8),
    st.recursive(
        st.none()
        | st.booleans()
        | st.integers()
        | st.floats(allow_nan=False, allow_infinity=False)
        | st.text(max_size=8),
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner),
        max_leaves=6,
    ),
    max_size=4,
)


@given(_details, st.text(max_size=70))
def test_details_sealed_ahead_give_the_bytes_of_the_whole_entry_sealed_at_once(
    details, previous
) -> None:
    from datetime import UTC, datetime

    values = [
        {"seq": 7, "key_id": "k", "at": datetime(2026, 12, 3, tzinfo=UTC), "details": details}.get(
            name, f"{name} «é»"
        )
        for name in chain.FIELDS
    ]
    whole = chain.serialise(values, previous)
    assert chain.serialise(values, previous, chain.sealed_details(details)) == whole
    json.loads(whole)  # still one JSON array


def test_the_head_file_is_written_whole_and_leaves_nothing_behind(tmp_path) -> None:
    # What a crash left of a head being written is written over by the next head.
    (tmp_path / chain.NEXT_HEAD_FILE).write_text("torn", encoding="utf-8")
    with chain.head_lock(tmp_path):
        chain.write_head(tmp_path, chain.Head(3, "abc"))
    assert chain.read_head(tmp_path) == chain.Head(3, "abc")
    with chain.head_lock(tmp_path):
        chain.write_head(tmp_path, chain.Head(4, "def"))
    assert chain.read_head(tmp_path) == chain.Head(4, "def")
    assert sorted(p.name for p in tmp_path.iterdir()) == [".audit_head.lock", chain.HEAD_FILE]
    assert (tmp_path / chain.HEAD_FILE).stat().st_mode & 0o777 == 0o600


def _slots(home: Path) -> list[bytes]:
    raw = chain.head_path(home).read_bytes()
    return [raw[i : i + chain.SLOT_BYTES] for i in range(0, len(raw), chain.SLOT_BYTES)]


def test_the_head_is_written_over_the_older_slot_in_place(tmp_path) -> None:
    for seq in (3, 4, 5):
        with chain.head_lock(tmp_path):
            chain.write_head(tmp_path, chain.Head(seq, f"seal-{seq}"))
    inode = chain.head_path(tmp_path).stat().st_ino
    first, second = _slots(tmp_path)
    assert b'"seq":5' in first and b'"seq":4' in second  # 3 in the first, 4, then 5 over 3
    with chain.head_lock(tmp_path):
        chain.write_head(tmp_path, chain.Head(6, "seal-6"))
    assert chain.head_path(tmp_path).stat().st_ino == inode  # the same file, not a new one
    assert b'"seq":6' in _slots(tmp_path)[1]
    assert chain.read_head(tmp_path) == chain.Head(6, "seal-6")
    assert chain.head_path(tmp_path).stat().st_size == chain.SLOTS * chain.SLOT_BYTES


def test_a_head_torn_by_a_crash_gives_the_head_before_it(tmp_path) -> None:
    for seq in (7, 8):
        with chain.head_lock(tmp_path):
            chain.write_head(tmp_path, chain.Head(seq, f"seal-{seq}"))
    path = chain.head_path(tmp_path)
    raw = bytearray(path.read_bytes())
    raw[chain.SLOT_BYTES + 20 : chain.SLOT_BYTES + 24] = b"\0\0\0\0"  # head 8, half written
    path.write_bytes(bytes(raw))
    assert chain.read_head(tmp_path) == chain.Head(7, "seal-7")
    with chain.head_lock(tmp_path):
        chain.write_head(tmp_path, chain.Head(9, "seal-9"))  # over the torn slot
    assert chain.read_head(tmp_path) == chain.Head(9, "seal-9")
    assert b'"seq":9' in _slots(tmp_path)[1] and b'"seq":7' in _slots(tmp_path)[0]


def test_the_head_last_written_wins_even_when_its_number_is_lower(tmp_path) -> None:
    # `cartable audit reset-head` writes entry 0 after a head of 12: the write order counts.
    alarm = chain.Alarm(noticed_at="2026-12-04T03:00:00Z", seq=12, seal="a" * 64, writing_seq=9)
    with chain.head_lock(tmp_path):
        chain.write_head(tmp_path, chain.Head(12, "b" * 64, alarm))
        chain.write_head(tmp_path, chain.Head(0, ""))
    assert chain.read_head(tmp_path) == chain.Head(0, "")


def test_an_alarm_is_kept_in_its_slot(tmp_path) -> None:
    alarm = chain.Alarm(noticed_at="2026-12-04T03:00:00Z", seq=12, seal="a" * 64, writing_seq=9)
    with chain.head_lock(tmp_path):
        chain.write_head(tmp_path, chain.Head(12, "c" * 64))
        chain.write_head(tmp_path, chain.Head(12, "c" * 64, alarm))
    assert chain.read_head(tmp_path) == chain.Head(12, "c" * 64, alarm)


def test_a_head_file_of_the_first_format_is_read_then_replaced_by_slots(tmp_path) -> None:
    # What boxes wrote before the slots: one JSON object.
    chain.head_path(tmp_path).write_text(
        '{"format":"cartable-audit/1","seal":"' + "d" * 64 + '","seq":41}\n', encoding="utf-8"
    )
    assert chain.read_head(tmp_path) == chain.Head(41, "d" * 64)
    with chain.head_lock(tmp_path):
        chain.write_head(tmp_path, chain.Head(42, "e" * 64))
    assert chain.read_head(tmp_path) == chain.Head(42, "e" * 64)
    assert chain.head_path(tmp_path).stat().st_size == chain.SLOTS * chain.SLOT_BYTES
    assert sorted(p.name for p in tmp_path.iterdir()) == [".audit_head.lock", chain.HEAD_FILE]


def test_a_head_file_with_no_whole_slot_is_unreadable_and_written_whole_again(tmp_path) -> None:
    chain.head_path(tmp_path).write_bytes(b"x" * (chain.SLOTS * chain.SLOT_BYTES))
    with pytest.raises(chain.HeadUnreadable):
        chain.read_head(tmp_path)
    with chain.head_lock(tmp_path):
        chain.write_head(tmp_path, chain.Head(2, "f" * 64))
    assert chain.read_head(tmp_path) == chain.Head(2, "f" * 64)


def test_a_slot_whose_checksum_matches_but_not_its_json_is_not_a_head(tmp_path) -> None:
    import hashlib

    text = b'{"generation":9,"seq":"many"}'
    slot = (text + b"\n" + hashlib.sha256(text).hexdigest().encode() + b"\n").ljust(
        chain.SLOT_BYTES, b" "
    )
    with chain.head_lock(tmp_path):
        chain.write_head(tmp_path, chain.Head(5, "g" * 64))
    path = chain.head_path(tmp_path)
    path.write_bytes(path.read_bytes()[: chain.SLOT_BYTES] + slot)
    assert chain.read_head(tmp_path) == chain.Head(5, "g" * 64)
