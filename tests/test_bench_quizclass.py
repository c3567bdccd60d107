"""The pure helpers of the quiz class benchmark (bench/quizclass.py, bench/report.py): the memory
series' slope, its summary, and the targets the run is checked against."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent.parent / "bench"


@pytest.fixture(scope="module")
def bench():
    sys.path.insert(0, str(BENCH))
    try:
        import quizclass
        import report

        yield quizclass, report
    finally:
        sys.path.remove(str(BENCH))


def test_slope_is_in_mb_per_minute_and_needs_two_times(bench) -> None:
    quizclass, _ = bench
    rising = [(t, 100.0 + 0.05 * t) for t in range(0, 600, 10)]  # 0.05 MB/s = 3 MB/min
    assert quizclass.slope_per_minute(rising) == pytest.approx(3.0)
    flat = [(t, 100.0 + (1.0 if i % 2 else -1.0)) for i, t in enumerate(range(0, 600, 10))]
    assert abs(quizclass.slope_per_minute(flat)) < 0.1
    assert quizclass.slope_per_minute([]) is None
    assert quizclass.slope_per_minute([(10.0, 1.0)]) is None
    assert quizclass.slope_per_minute([(10.0, 1.0), (10.0, 5.0)]) is None


def test_memory_summary_reads_the_start_the_first_minute_the_end_and_the_second_half(
    bench,
) -> None:
    quizclass, _ = bench
    # Climbs while the class arrives, then flat, except a bump: the slope is over the second
    # half only (t >= 300 s), where it is flat.
    points = [(0.0, 70.0), (30.0, 90.0), (60.0, 110.0), (120.0, 112.0), (200.0, 125.0)]
    points += [(float(t), 112.0) for t in range(300, 610, 10)]
    found = quizclass.memory_summary(points)
    assert found["samples"] == len(points)
    assert found["start_mb"] == 70.0
    assert found["after_first_minute_mb"] == 110.0
    assert found["end_mb"] == 112.0
    assert found["max_mb"] == 125.0
    assert found["growth_after_first_minute_mb"] == 2.0
    assert found["slope_second_half_mb_per_min"] == 0.0
    assert quizclass.memory_summary([]) == {"samples": 0}
    # No sample at or after the first minute: the last one stands for it.
    assert quizclass.value_at([(0.0, 1.0), (20.0, 2.0)], 60.0) == 2.0


def _run(slope: float | None, growth: float | None, *, errors=0, minutes=10.0, save_p99=80.0):
    return {
        "errors": errors,
        "duration_s": minutes * 60.0,
        "saves": {"count": 100, "p99_ms": save_p99},
        "memory": {
            "slope_second_half_mb_per_min": slope,
            "growth_after_first_minute_mb": growth,
        },
    }


def test_targets_pass_flat_memory_and_fail_growth_errors_or_a_short_run(bench) -> None:
    _, report = bench

    def passed(run: dict) -> list[bool]:
        return [t["pass"] for t in report.quiz_class_targets(run)]

    assert passed(_run(0.2, 3.0)) == [True, True, True]
    assert passed(_run(1.5, 3.0)) == [False, True, True]
    assert passed(_run(0.2, 12.0)) == [True, False, True]
    assert passed(_run(0.2, 3.0, save_p99=300.0)) == [True, True, False]
    # Errors or a run too short for a second half: memory not measured, so FAIL.
    assert passed(_run(0.2, 3.0, errors=1)) == [False, False, False]
    short = report.quiz_class_targets(_run(0.2, 3.0, minutes=1.0))
    assert [t["value"] for t in short[:2]] == [None, None]
    assert [t["pass"] for t in short] == [False, False, True]


def test_the_attempts_form_alone_is_answered(bench) -> None:
    """The language menu's hidden ``next`` would read as the "Next page" button and send a
    save on the last page to the summary."""
    quizclass, _ = bench
    import quizload

    page = (
        b'<form action="/i18n/setlang/"><input type="hidden" name="next" value="/x/"></form>'
        b'<form method="post" class="quiz-form"><input type="hidden" name="csrfmiddlewaretoken"'
        b' value="t"><input type="text" name="q1:answer"><button name="next">N</button></form>'
    )
    form = quizload.answers(quizclass.quiz_form(page), 2)
    assert form == {"csrfmiddlewaretoken": "t", "q1:answer": "2"}
    with pytest.raises(quizclass.httpload.Failure):
        quizclass.quiz_form(b"<form><input name='x'></form>")


def test_samples_after_the_class_are_left_out(bench) -> None:
    """Once the learners stop, the server goes quiet and gives memory back: that drop is not
    what the class holds, and would hide a growth."""
    quizclass, _ = bench
    points = [(float(t), 100.0 + t / 60.0) for t in range(0, 610, 10)]  # 1 MB/min
    points.append((612.0, 70.0))  # trimmed after the class
    found = quizclass.memory_summary(points, until=601.0)
    assert found["end_mb"] == 110.0
    assert found["slope_second_half_mb_per_min"] == pytest.approx(1.0)
    assert found["growth_after_first_minute_mb"] == 9.0
    assert quizclass.memory_summary(points)["end_mb"] == 70.0
