"""The plugin XML of each question type, as Moodle's backup writes it (for the builder)."""

from __future__ import annotations

from .builder import el, fields

_ids = iter(range(5000, 100000))


def answer(text: str, fraction: float, feedback: str = "", fmt: int = 1) -> str:
    return (
        f'<answer id="{next(_ids)}">'
        + fields(
            answertext=text,
            answerformat=fmt,
            fraction=f"{fraction:.7f}",
            feedback=feedback,
            feedbackformat=1,
        )
        + "</answer>"
    )


def answers(*rows: str) -> str:
    return "<answers>" + "".join(rows) + "</answers>"


COMBINED = fields(
    correctfeedback="<p>Well done</p>",
    correctfeedbackformat=1,
    partiallycorrectfeedback="<p>Partly</p>",
    partiallycorrectfeedbackformat=1,
    incorrectfeedback="<p>No</p>",
    incorrectfeedbackformat=1,
    shownumcorrect=1,
)


def multichoice(single: bool = True) -> str:
    return (
        answers(
            answer("<p>Paris</p>", 1.0, "<p>Yes</p>"),
            answer("<p>Lyon</p>", 0.0, "<p>No</p>"),
        )
        + f'<multichoice id="{next(_ids)}">'
        + fields(
            layout=0,
            single=int(single),
            shuffleanswers=1,
            answernumbering="abc",
            showstandardinstruction=0,
        )
        + COMBINED
        + "</multichoice>"
    )


def truefalse() -> str:
    true_id, false_id = next(_ids), next(_ids)
    return (
        "<answers>"
        + f'<answer id="{true_id}">'
        + fields(
            answertext="True", answerformat=0, fraction="0.0000000", feedback="", feedbackformat=1
        )
        + "</answer>"
        + f'<answer id="{false_id}">'
        + fields(
            answertext="False", answerformat=0, fraction="1.0000000", feedback="", feedbackformat=1
        )
        + "</answer>"
        + "</answers>"
        + f'<truefalse id="{next(_ids)}">'
        + fields(trueanswer=true_id, falseanswer=false_id)
        + "</truefalse>"
    )


def shortanswer() -> str:
    return (
        answers(answer("Paris", 1.0, fmt=0), answer("*", 0.0, fmt=0))
        + f'<shortanswer id="{next(_ids)}">'
        + el("usecase", 1)
        + "</shortanswer>"
    )


def numerical() -> str:
    first = next(_ids)
    return (
        "<answers>"
        + f'<answer id="{first}">'
        + fields(
            answertext="3.14", answerformat=0, fraction="1.0000000", feedback="", feedbackformat=1
        )
        + "</answer>"
        + "</answers>"
        + f'<numerical_records><numerical_record id="{next(_ids)}">'
        + fields(answer=first, tolerance="0.01")
        + "</numerical_record></numerical_records>"
        + f'<numerical_options><numerical_option id="{next(_ids)}">'
        + fields(showunits=1, unitsleft=0, unitgradingtype=1, unitpenalty="0.2")
        + "</numerical_option></numerical_options>"
        + f'<numerical_units><numerical_unit id="{next(_ids)}">'
        + fields(multiplier="1", unit="m")
        + "</numerical_unit>"
        + f'<numerical_unit id="{next(_ids)}">'
        + fields(multiplier="100", unit="cm")
        + "</numerical_unit></numerical_units>"
    )


def match() -> str:
    return (
        f'<matchoptions id="{next(_ids)}">'
        + fields(shuffleanswers=1)
        + COMBINED
        + "</matchoptions>"
        + "<matches>"
        + f'<match id="{next(_ids)}">'
        + fields(questiontext="<p>France</p>", questiontextformat=1, answertext="Paris")
        + "</match>"
        + f'<match id="{next(_ids)}">'
        + fields(questiontext="<p>Italy</p>", questiontextformat=1, answertext="Rome")
        + "</match>"
        + f'<match id="{next(_ids)}">'
        + fields(questiontext="", questiontextformat=1, answertext="Oslo")
        + "</match>"
        + "</matches>"
    )


def essay() -> str:
    return (
        f'<essay id="{next(_ids)}">'
        + fields(
            responseformat="editor",
            responserequired=1,
            responsefieldlines=10,
            minwordlimit=50,
            maxwordlimit=None,
            attachments=1,
            attachmentsrequired=0,
            maxbytes=2097152,
            graderinfo="<p>Look for X</p>",
            graderinfoformat=1,
            responsetemplate="",
            responsetemplateformat=1,
            filetypeslist=".pdf",
        )
        + "</essay>"
    )


def multianswer(parent_id: int, sequence: list[int]) -> str:
    return (
        f'<multianswer id="{next(_ids)}">'
        + fields(question=parent_id, sequence=",".join(map(str, sequence)))
        + "</multianswer>"
    )


def gapselect() -> str:
    return (
        answers(
            '<answer id="1"><answertext>cat</answertext><answerformat>0</answerformat><fraction>0</fraction><feedback>1</feedback><feedbackformat>0</feedbackformat></answer>',
            '<answer id="2"><answertext>mat</answertext><answerformat>0</answerformat><fraction>0</fraction><feedback>2</feedback><feedbackformat>0</feedbackformat></answer>',
        )
        + f'<gapselect id="{next(_ids)}">'
        + fields(shuffleanswers=1)
        + COMBINED
        + "</gapselect>"
    )


def ddwtos() -> str:
    serialised = 'O:8:"stdClass":2:{s:9:"draggroup";s:1:"2";s:8:"infinite";i:1;}'
    return (
        answers(
            f'<answer id="3"><answertext>sun</answertext><answerformat>0</answerformat><fraction>0</fraction><feedback>{serialised.replace(chr(34), "&quot;")}</feedback><feedbackformat>0</feedbackformat></answer>',
        )
        + f'<ddwtos id="{next(_ids)}">'
        + fields(shuffleanswers=0)
        + COMBINED
        + "</ddwtos>"
    )


def calculated(qtype: str = "calculated") -> str:
    first = next(_ids)
    return (
        "<answers>"
        + f'<answer id="{first}">'
        + fields(
            answertext="{a} + {b}",
            answerformat=0,
            fraction="1.0000000",
            feedback="",
            feedbackformat=1,
        )
        + "</answer>"
        + "</answers>"
        + f'<calculated_records><calculated_record id="{next(_ids)}">'
        + fields(
            answer=first,
            tolerance="0.05",
            tolerancetype=1,
            correctanswerlength=2,
            correctanswerformat=1,
        )
        + "</calculated_record></calculated_records>"
        + f'<calculated_options><calculated_option id="{next(_ids)}">'
        + fields(synchronize=0, single=0 if qtype == "calculatedmulti" else 1, shuffleanswers=1)
        + COMBINED
        + "</calculated_option></calculated_options>"
        + "<dataset_definitions>"
        + f'<dataset_definition id="{next(_ids)}">'
        + fields(category=0, name="a", type=1, options="uniform:1.0:10.0:1", itemcount=2)
        + '<dataset_items><dataset_item id="1"><number>2</number><value>7.5</value></dataset_item><dataset_item id="2"><number>1</number><value>3.2</value></dataset_item></dataset_items>'
        + "</dataset_definition>"
        + f'<dataset_definition id="{next(_ids)}">'
        + fields(category=9, name="b", type=1, options="loguniform:2:20:0", itemcount=0)
        + "<dataset_items></dataset_items></dataset_definition>"
        + "</dataset_definitions>"
    )


def ddimageortext(drag_id: int) -> str:
    return (
        f'<ddimageortext id="{next(_ids)}">'
        + fields(shuffleanswers=1)
        + COMBINED
        + "</ddimageortext>"
        + f'<drags><drag id="{drag_id}">'
        + fields(no=1, draggroup=1, infinite=0, label="Heart")
        + "</drag></drags>"
        + f'<drops><drop id="{next(_ids)}">'
        + fields(no=1, xleft=10, ytop=20, choice=1, label="here")
        + "</drop></drops>"
    )


def ddmarker() -> str:
    return (
        f'<ddmarker id="{next(_ids)}">'
        + fields(shuffleanswers=0, showmisplaced=1)
        + COMBINED
        + "</ddmarker>"
        + f'<drags><drag id="{next(_ids)}">'
        + fields(no=1, label="A", infinite=0, noofdrags=2)
        + "</drag></drags>"
        + f'<drops><drop id="{next(_ids)}">'
        + fields(no=1, shape="circle", coords="10,10;5", choice=1)
        + "</drop></drops>"
    )


def randomsamatch() -> str:
    return (
        f'<randomsamatch id="{next(_ids)}">'
        + fields(choose=3, subcats=0)
        + COMBINED
        + "</randomsamatch>"
    )
