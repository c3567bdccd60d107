"""Every activity kind Cartable knows is read into its typed model, in both archive flavours."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from cartable.importers import model

from .builder import Backup, fields


def _course() -> Backup:
    b = Backup()
    s0 = b.section(0, "General", "<p>Welcome</p>")
    s1 = b.section(1, "Week 1")
    b.activity(
        "page",
        fields(
            intro="<p>Intro</p>",
            introformat=1,
            content="<h2>Title</h2><p>Body</p>",
            contentformat=1,
            display=5,
        ),
        title="A page",
        section=s0,
        completion=2,
        availability='{"op":"&","c":[],"showc":[]}',
    )
    resource = b.activity(
        "resource", fields(intro="", introformat=1, display=0), title="A file", section=s1
    )
    b.file(
        contextid=resource.contextid,
        component="mod_resource",
        filearea="content",
        filename="notes.pdf",
        content=b"%PDF-1.4 notes",
        mimetype="application/pdf",
        sortorder=1,
    )
    folder = b.activity("folder", fields(intro="", introformat=1), title="A folder", section=s1)
    b.file(
        contextid=folder.contextid,
        component="mod_folder",
        filearea="content",
        filename="a.txt",
        content=b"a",
    )
    b.file(
        contextid=folder.contextid,
        component="mod_folder",
        filearea="content",
        filename="b.txt",
        content=b"b",
        filepath="/sub/deeper/",
    )
    b.activity(
        "label", fields(intro="<p>Just a label</p>", introformat=1), title="Label", section=s1
    )
    b.activity(
        "url",
        fields(intro="", introformat=1, externalurl="https://example.org/a?b=1", display=0),
        title="A link",
        section=s1,
    )
    chapters = (
        "<chapters>"
        + '<chapter id="5">'
        + fields(
            pagenum=1, subchapter=0, title="One", content="<p>1</p>", contentformat=1, hidden=0
        )
        + "</chapter>"
        + '<chapter id="6">'
        + fields(
            pagenum=2, subchapter=1, title="One.a", content="<p>1a</p>", contentformat=1, hidden=0
        )
        + "</chapter>"
        + '<chapter id="7">'
        + fields(
            pagenum=3, subchapter=0, title="Two", content="<p>2</p>", contentformat=1, hidden=1
        )
        + "</chapter>"
        + "</chapters>"
    )
    b.activity(
        "book", fields(intro="", introformat=1, numbering=1) + chapters, title="A book", section=s1
    )
    entries = (
        '<entries><entry id="31">'
        + fields(concept="Atom", definition="<p>Small</p>", definitionformat=1, approved=1)
        + '<aliases><alias id="1"><alias_text>atome</alias_text></alias></aliases>'
        + "<ratings><rating id='1'><value>5</value></rating></ratings>"
        + "</entry></entries>"
    )
    b.activity(
        "glossary",
        fields(intro="", introformat=1, displayformat="dictionary") + entries,
        title="A glossary",
        section=s1,
    )
    pages = (
        "<pages>"
        + '<page id="41">'
        + fields(
            prevpageid=0,
            nextpageid=42,
            qtype=20,
            title="Start",
            contents="<p>Read</p>",
            contentsformat=1,
        )
        + '<answers><answer id="51">'
        + fields(
            jumpto=-1,
            grade=0,
            score=0,
            answer_text="Next",
            answerformat=0,
            response="",
            responseformat=0,
        )
        + "</answer></answers></page>"
        + '<page id="42">'
        + fields(
            prevpageid=41,
            nextpageid=0,
            qtype=3,
            title="Q",
            contents="<p>2+2?</p>",
            contentsformat=1,
        )
        + '<answers><answer id="52">'
        + fields(
            jumpto=-9,
            grade=0,
            score=1,
            answer_text="4",
            answerformat=0,
            response="Yes",
            responseformat=0,
        )
        + '</answer><answer id="53">'
        + fields(
            jumpto=41,
            grade=0,
            score=0,
            answer_text="5",
            answerformat=0,
            response="No",
            responseformat=0,
        )
        + "</answer></answers></page>"
        + "</pages>"
    )
    b.activity("lesson", fields(intro="", introformat=1) + pages, title="A lesson", section=s1)
    discussions = (
        '<discussions><discussion id="61">'
        + fields(name="Hello", pinned=1)
        + '<posts><post id="71">'
        + fields(
            parent=0,
            userid=3,
            created=1700000000,
            subject="Hello",
            message="<p>Hi all</p>",
            messageformat=1,
        )
        + '</post><post id="72">'
        + fields(
            parent=71,
            userid=4,
            created=1700000100,
            subject="Re: Hello",
            message="<p>Hi</p>",
            messageformat=1,
        )
        + "</post></posts></discussion></discussions>"
    )
    b.activity(
        "forum",
        fields(type="general", intro="<p>Talk</p>", introformat=1) + discussions,
        title="A forum",
        section=s1,
    )
    options = (
        '<options><option id="81">'
        + fields(text="Yes", maxanswers=0)
        + '</option><option id="82">'
        + fields(text="No", maxanswers=3)
        + "</option></options>"
    )
    b.activity(
        "choice",
        fields(
            intro="",
            introformat=1,
            allowupdate=1,
            allowmultiple=0,
            limitanswers=1,
            showresults=3,
            publish=1,
            showpreview=1,
            showunanswered=1,
            timeopen=1700000000,
            timeclose=0,
            completionsubmit=1,
        )
        + options
        + "<answers><answer id='1'><userid>3</userid></answer></answers>",
        title="A choice",
        section=s1,
    )
    items = (
        '<items><item id="91">'
        + fields(
            template=0,
            name="Why?",
            label="why",
            presentation="5|30",
            typ="textfield",
            hasvalue=1,
            position=2,
            required=1,
            dependitem=0,
            dependvalue="",
        )
        + '</item><item id="92">'
        + fields(
            template=0,
            name="",
            label="",
            presentation="<p>Info</p>",
            typ="label",
            hasvalue=0,
            position=1,
            required=0,
            dependitem=0,
            dependvalue="",
        )
        + "</item></items>"
    )
    b.activity(
        "feedback",
        fields(
            intro="",
            introformat=1,
            anonymous=2,
            multiple_submit=1,
            publish_stats=1,
            timeopen=0,
            timeclose=1800000000,
            page_after_submit="<p>Thanks</p>",
            page_after_submitformat=1,
        )
        + items,
        title="A feedback",
        section=s1,
    )
    configs = "".join(
        '<plugin_config id="1">'
        + fields(plugin=p, subtype="assignsubmission", name=n, value=v)
        + "</plugin_config>"
        for p, n, v in [
            ("onlinetext", "enabled", 1),
            ("file", "enabled", 1),
            ("file", "maxfilesubmissions", 3),
            ("file", "maxsubmissionsizebytes", 1048576),
            ("comments", "enabled", 1),
        ]
    )
    b.activity(
        "assign",
        fields(
            intro="",
            introformat=1,
            duedate=1700086400,
            cutoffdate=1700172800,
            allowsubmissionsfromdate=0,
            gradingduedate=0,
            grade=20,
            maxattempts=-1,
            teamsubmission=0,
            requiresubmissionstatement=1,
            submissiondrafts=1,
            attemptreopenmethod="untilpass",
            completionsubmit=1,
        )
        + f"<plugin_configs>{configs}</plugin_configs><submissions><submission id='1'/></submissions>",
        title="An assignment",
        section=s1,
    )
    scorm = b.activity(
        "scorm",
        fields(intro="", introformat=1, version="SCORM_1.2", maxgrade=100),
        title="A SCORM",
        section=s1,
    )
    b.file(
        contextid=scorm.contextid,
        component="mod_scorm",
        filearea="package",
        filename="pkg.zip",
        content=b"PK scorm",
    )
    h5p = b.activity(
        "h5pactivity", fields(intro="", introformat=1, grade=10), title="An H5P", section=s1
    )
    b.file(
        contextid=h5p.contextid,
        component="mod_h5pactivity",
        filearea="package",
        filename="x.h5p",
        content=b"PK h5p",
    )
    quiz_body = fields(
        intro="",
        introformat=1,
        timelimit=600,
        attempts_number=2,
        grademethod=4,
        grade=10,
        sumgrades=2,
        questionsperpage=1,
        navmethod="sequential",
        shuffleanswers=0,
        preferredbehaviour="interactive",
        reviewattempt=0x11110,
        reviewcorrectness=0x00010,
        reviewmarks=0,
        reviewspecificfeedback=0,
        reviewgeneralfeedback=0,
        reviewrightanswer=0,
        reviewoverallfeedback=0,
        timeopen=0,
        timeclose=0,
        password="sésame 42",
    )
    b.activity(
        "quiz", quiz_body + "<attempts><attempt id='1'/></attempts>", title="A quiz", section=s1
    )
    b.activity("qbank", fields(intro="", introformat=1, type="standard"), title="Bank", section=s1)
    return b


@pytest.mark.parametrize("flavour", ["zip", "tgz"])
def test_it_reads_every_activity_kind(import_backup, flavour):
    backup = _course()
    result = import_backup(backup, flavour)
    course = result.course
    kinds = {a.modname: a for a in course.activities}
    assert set(kinds) == {
        "page",
        "resource",
        "folder",
        "label",
        "url",
        "book",
        "glossary",
        "lesson",
        "forum",
        "choice",
        "feedback",
        "assign",
        "scorm",
        "h5pactivity",
        "quiz",
        "qbank",
    }
    assert result.report.skipped == ()
    assert [s.name for s in course.sections] == ["General", "Week 1"]
    assert course.sections[0].activity_keys == (kinds["page"].source_key,)

    page = kinds["page"]
    assert page.source_key == f"page-{page.source_id}"
    assert isinstance(page.content, model.PageContent)
    assert page.content.content == "<h2>Title</h2><p>Body</p>"
    assert page.intro == "<p>Intro</p>"
    assert page.completion.tracking == "automatic"
    assert page.availability == {"op": "&", "c": [], "showc": []}

    resource = kinds["resource"].content
    assert isinstance(resource, model.ResourceContent)
    assert resource.main_file is not None and resource.main_file.filename == "notes.pdf"
    assert resource.main_file.blob.read_bytes() == b"%PDF-1.4 notes"

    tree = kinds["folder"].content
    assert isinstance(tree, model.FolderContent)
    assert [f.filename for f in tree.tree.files] == ["a.txt"]
    assert tree.tree.folders[0].name == "sub"
    assert tree.tree.folders[0].folders[0].files[0].filename == "b.txt"

    assert kinds["label"].intro == "<p>Just a label</p>"
    url = kinds["url"].content
    assert isinstance(url, model.UrlContent) and url.address == "https://example.org/a?b=1"

    book = kinds["book"].content
    assert isinstance(book, model.BookContent)
    assert [c.title for c in book.chapters] == ["One", "Two"]
    assert [c.title for c in book.chapters[0].subchapters] == ["One.a"]
    assert book.chapters[1].hidden

    glossary = kinds["glossary"].content
    assert isinstance(glossary, model.GlossaryContent)
    assert glossary.entries[0].concept == "Atom" and glossary.entries[0].aliases == ("atome",)

    lesson = kinds["lesson"].content
    assert isinstance(lesson, model.LessonContent)
    assert [p.kind for p in lesson.pages] == ["content", "multichoice"]
    jumps = [a.jump for a in lesson.pages[1].answers]
    assert jumps == [model.LessonJump("end_of_lesson"), model.LessonJump("page", 41)]

    forum = kinds["forum"].content
    assert isinstance(forum, model.ForumContent)
    assert forum.discussions == ()  # the backup holds no user data

    choice = kinds["choice"].content
    assert isinstance(choice, model.ChoiceContent)
    assert [o.text for o in choice.options] == ["Yes", "No"] and choice.limit_answers
    assert choice.opens == datetime.fromtimestamp(1700000000, tz=UTC)
    assert choice.publish_names and choice.show_results == 3
    assert choice.show_preview and choice.show_unanswered
    assert ("completionsubmit", 1) in kinds["choice"].completion.rules

    feedback = kinds["feedback"].content
    assert isinstance(feedback, model.FeedbackContent)
    assert [i.item_type for i in feedback.items] == ["label", "textfield"]
    assert feedback.page_after_submit == "<p>Thanks</p>" and not feedback.anonymous
    assert feedback.multiple_submit and feedback.publish_stats and feedback.opens is None
    assert feedback.closes == datetime.fromtimestamp(1800000000, tz=UTC)

    assign = kinds["assign"].content
    assert isinstance(assign, model.AssignContent)
    assert assign.submission_types == ("onlinetext", "file")
    assert (assign.max_files, assign.max_size, assign.grade) == (3, 1048576, 20.0)
    assert assign.due == datetime.fromtimestamp(1700086400, tz=UTC)
    assert (assign.drafts, assign.reopen) == (True, "untilpass")

    scorm = kinds["scorm"].content
    assert isinstance(scorm, model.PackageContent) and scorm.package is not None
    assert scorm.package.filename == "pkg.zip" and scorm.version == "SCORM_1.2"
    h5p = kinds["h5pactivity"].content
    assert isinstance(h5p, model.PackageContent) and h5p.package is not None

    quiz = kinds["quiz"].content
    assert isinstance(quiz, model.QuizContent)
    assert (quiz.attempts, quiz.time_limit, quiz.grading_method) == (2, 600, "last")
    assert quiz.review.attempt == model.ReviewWhen(True, True, True, True)
    assert quiz.review.correctness == model.ReviewWhen(False, False, False, True)
    assert quiz.navigation == "sequential" and not quiz.shuffle_answers
    # Moodle backs the quiz password up in clear (backup_quiz_stepslib.php): the box asks for it.
    assert quiz.password_protected and quiz.password == "sésame 42"

    assert isinstance(kinds["qbank"].content, model.QbankContent)
    assert result.report.activities == dict.fromkeys(kinds, 1)


def test_it_reads_forum_posts_when_the_backup_holds_user_data(import_backup):
    backup = _course()
    backup.users = True
    course = import_backup(backup).course
    forum = next(a for a in course.activities if a.modname == "forum").content
    assert isinstance(forum, model.ForumContent)
    [discussion] = forum.discussions
    assert discussion.name == "Hello" and discussion.pinned
    assert [p.parent_id for p in discussion.posts] == [None, 71]
    assert discussion.posts[0].message == "<p>Hi all</p>"
