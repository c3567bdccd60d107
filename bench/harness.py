"""The system under test: a data folder with the demo and many learners, and a server process.

Everything runs through the ``cartable`` command of the project's virtual environment, on a fresh
data folder under a temporary directory; nothing outside it is touched.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from httpload import check_loopback
from quizload import QUIZ

COURSE = "LETTRE-MOTIV"
# A real Moodle course (58 activities, from the test corpus) for the course and activity pages.
BIG_BACKUP = (
    Path(__file__).resolve().parent.parent
    / "tests/fixtures/mbz/moodle44_tgz_multiple_mod_types.mbz"
)
BIG_COURSE = "DRIPRELEASE"
# Real questions (Moodle XML, from the test corpus) for the bench quiz.
QUESTION_FILE = (
    Path(__file__).resolve().parent.parent
    / "tests/fixtures/moodle_xml/moodlexml_development_course_568q.xml"
)
# Filled by prepare_home: the course page and an activity page of the big course.
PATHS: dict[str, str] = {}
ACTIVITIES: list[str] = []  # pages of the big course, in order, for the class scenario
READY_PATH = "/accounts/login/"
HEALTH_PATH = "/health/"  # answers "ok" with no template and no query of its own
SEARCH_PATH = "/search/?q=lettre"  # a word of the demo course
HOME_MARKER = b'class="course-card"'  # a learner's home page lists their courses as cards

# Run by `cartable shell -c`: enrol the bench learners in bulk (one process, not one per user),
# and collect static files the way `cartable serve` does, so every server finds them ready.
SETUP_SNIPPET = f"""
from cartable.accounts.models import User
from cartable.catalog import actions
from cartable.web.staticfiles import ensure_collected
course = actions.find_course({COURSE!r})
big = actions.find_course({BIG_COURSE!r})
learners = User.objects.filter(username__startswith="bench")
changed = sum(actions.enrol(actor=None, user=u, course=course)[1] for u in learners)
for u in learners:
    actions.enrol(actor=None, user=u, course=big)
ensure_collected()
print("BENCH-ENROLLED", changed)
page = big.activities.filter(kind="page").order_by("section__position", "position").first()
# The demo's PDF, held by the course as an imported resource's file is, for the viewer page.
from cartable.catalog.models import CourseFile
from cartable.catalog.rendering import file_link
sheet = course.activities.filter(mimetype="application/pdf").order_by("pk").first()
pdf, _ = CourseFile.objects.get_or_create(
    course=course, blob_id=sheet.blob_id, activity=sheet, filename=sheet.filename,
    mimetype=sheet.mimetype, component="mod_resource", filearea="content",
)
pages = big.activities.filter(kind="page", visible=True).order_by("section__position", "position")
print("BENCH-ACTIVITIES", *(f"/courses/{{big.pk}}/activities/{{pk}}/" for pk in pages.values_list("pk", flat=True)[:12]))
# A quiz of ten real questions on two pages, in the big course (the quiz scenarios).
import tempfile
from pathlib import Path
from cartable.catalog.models import Activity, Question, QuestionCategory
from cartable.importers.jsonable import to_json
from cartable.importers.model import QuizContent, QuizReview, QuizSection, QuizSlot, ReviewWhen
from cartable.importers.questionfiles import registry as question_files
from cartable.ingest.staging import question_fields
with tempfile.TemporaryDirectory() as work:
    bank = question_files.load(Path({str(QUESTION_FILE)!r}), Path(work)).bank
picked = []
for qtype in ("multichoice", "truefalse", "shortanswer", "numerical") * 3:
    found = next((q for q in bank.questions if q.qtype == qtype and q not in picked), None)
    if found is not None and len(picked) < 10:
        picked.append(found)
category, _ = QuestionCategory.objects.get_or_create(course=big, source_id=990001, defaults={{"name": "Bench"}})
for question in picked:
    Question.objects.update_or_create(course=big, source_id=question.source_id, defaults={{"category": category, **question_fields(question)}})
always, after = ReviewWhen(True, True, True, True), ReviewWhen(False, True, True, True)
slots = tuple(QuizSlot(slot=n, page=(n - 1) // 5 + 1, max_mark=q.default_mark, question_id=q.source_id) for n, q in enumerate(picked, start=1))
content = QuizContent(
    attempts=0, time_limit=3600, opens=None, closes=None, grading_method="highest", grade=20.0,
    sum_grades=sum(slot.max_mark for slot in slots), questions_per_page=5, navigation="free",
    shuffle_answers=True, preferred_behaviour="deferredfeedback",
    review=QuizReview(always, after, after, always, after, after, after, after),
    sections=(QuizSection(1, "", False),), slots=slots, feedbacks=(),
)
quiz = Activity.objects.create(
    course=big, section=page.section, position=999, kind="quiz", review_status="approved",
    title="Bench quiz", intro="<p>Dix questions.</p>", data=to_json(content),
    completion={{"tracking": "automatic"}}, completion_mode="answer",
)
print("BENCH-QUIZ", f"/courses/{{big.pk}}/quizzes/{{quiz.pk}}/", len(picked))
print(
    "BENCH-PATHS",
    f"/courses/{{big.pk}}/",
    f"/courses/{{big.pk}}/activities/{{page.pk}}/",
    file_link(pdf.course_id, pdf.blob_id, pdf.filename),
)
"""


# Variables given with `load.py --env KEY=VALUE`, to measure a setting's effect (set once, at start).
EXTRA_ENV: dict[str, str] = {}


def server_env(home: Path, bin_dir: Path) -> dict[str, str]:
    """The caller's environment without any Cartable, Granian or database setting, then ours
    and the --env ones: the bench must never reach a real database or inherit a deployment's
    tuning by accident."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("CARTABLE_", "GRANIAN_", "DATABASE_URL", "DJANGO_"))
    }
    env.update(
        CARTABLE_HOME=str(home),
        CARTABLE_LOG_LEVEL="WARNING",
        DJANGO_SETTINGS_MODULE="cartable.settings",
        PATH=f"{bin_dir}{os.pathsep}{env.get('PATH', '')}",
    )
    env.update(EXTRA_ENV)
    return env


def cartable(bin_dir: Path, home: Path, *args: str) -> str:
    """Run one ``cartable`` command on ``home``; its standard output, or exit loudly."""
    done = subprocess.run(
        [str(bin_dir / "cartable"), *args],
        env=server_env(home, bin_dir),
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"cartable {' '.join(args)} failed:\n{done.stdout}{done.stderr}")
    return done.stdout


def learner_accounts(count: int) -> list[tuple[str, str]]:
    return [(f"bench{i:04d}", f"bench-pass-{i:04d}-{i * 7919 % 10007:05d}") for i in range(count)]


def prepare_home(bin_dir: Path, home: Path, learners: int) -> dict:
    """Demo, ``learners`` accounts (one CSV import) enrolled in the demo course, static files.
    Returns how long each step took, in seconds, and whether the app has a job worker."""
    timings = {}
    started = time.perf_counter()
    cartable(bin_dir, home, "demo")
    timings["migrate_and_demo_s"] = time.perf_counter() - started

    csv_path = home.parent / f"{home.name}-learners.csv"
    rows = ["username,first_name,last_name,role,password"]
    rows += [
        f"{name},Bench,Learner {name[5:]},learner,{pw}" for name, pw in learner_accounts(learners)
    ]
    csv_path.write_text("\n".join(rows) + "\n")
    started = time.perf_counter()
    cartable(bin_dir, home, "user", "import-csv", str(csv_path))
    timings["import_csv_s"] = time.perf_counter() - started

    started = time.perf_counter()
    cartable(bin_dir, home, "import", str(BIG_BACKUP), "--publish")
    timings["import_course_s"] = time.perf_counter() - started

    started = time.perf_counter()
    out = cartable(bin_dir, home, "shell", "-c", SETUP_SNIPPET)
    timings["enrol_and_collectstatic_s"] = time.perf_counter() - started
    enrolled = next((line for line in out.splitlines() if line.startswith("BENCH-ENROLLED")), "")
    if enrolled != f"BENCH-ENROLLED {learners}":
        raise SystemExit(f"bulk enrolment did not enrol {learners} learners:\n{out}")
    paths = next(line for line in out.splitlines() if line.startswith("BENCH-PATHS")).split()
    PATHS.update(course=paths[1], activity=paths[2], document=paths[3], search=SEARCH_PATH)
    quiz = next(line for line in out.splitlines() if line.startswith("BENCH-QUIZ")).split()
    if quiz[2] != "10":
        raise SystemExit(f"the bench quiz has {quiz[2]} questions, not 10:\n{out}")
    QUIZ["path"] = quiz[1]
    line = next(line for line in out.splitlines() if line.startswith("BENCH-ACTIVITIES"))
    ACTIVITIES[:] = line.split()[1:]
    return {key: round(value, 2) for key, value in timings.items()}


def copy_home(template: Path, dest: Path) -> Path:
    """A private copy of a prepared data folder, so that every server starts from the same state."""
    shutil.copytree(template, dest)
    return dest


def free_port(host: str) -> int:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


@dataclass(frozen=True)
class ServerConfig:
    kind: str  # "gunicorn" (cartable serve) or "granian"
    workers: int  # 0: as `cartable serve` decides (one per core it may use)
    threads: int
    cpus: str = ""  # "0" or "0,1": pin the server to these cores (taskset); "" for all

    @property
    def label(self) -> str:
        mode = "sync" if self.kind == "gunicorn" and self.threads == 1 else "threads"
        workers = f"{self.workers}w" if self.workers else "auto"
        pinned = f" on cpu {self.cpus}" if self.cpus else ""
        return f"{self.kind} {workers} x {self.threads} {mode}{pinned}"

    def argv(self, bin_dir: Path, host: str, port: int) -> list[str]:
        pin = ["taskset", "-c", self.cpus] if self.cpus else []
        return pin + self._argv(bin_dir, host, port)

    def _argv(self, bin_dir: Path, host: str, port: int) -> list[str]:
        if self.kind == "gunicorn":
            bind = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
            return [
                str(bin_dir / "cartable"),
                "serve",
                "--bind",
                bind,
                "--workers",
                str(self.workers),
                "--threads",
                str(self.threads),
            ]
        return [
            str(bin_dir / "granian"),
            "--interface",
            "wsgi",
            "cartable.wsgi:application",
            "--host",
            host,
            "--port",
            str(port),
            "--workers",
            str(self.workers),
            "--blocking-threads",
            str(self.threads),
            "--log-level",
            "warning",
        ]


class Process:
    """A child process in a process group of its own, so that it ends whole; a context manager."""

    def __init__(self, argv: list[str], env: dict[str, str], log: Path, label: str) -> None:
        self.argv, self.env, self.log, self.label = argv, env, log, label
        self.proc: subprocess.Popen | None = None
        self.spawned_at = 0.0

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def start(self) -> None:
        with self.log.open("ab") as log:
            self.spawned_at = time.perf_counter()
            self.proc = subprocess.Popen(
                self.argv,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=log,
                start_new_session=True,
            )

    def stop(self) -> None:
        """Ask the process to stop (SIGTERM), then kill its group if it lingers."""
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
        with contextlib.suppress(ProcessLookupError):  # any worker left behind in the group
            os.killpg(self.proc.pid, signal.SIGKILL)

    def __enter__(self) -> Process:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


class Server(Process):
    """One web server (and its workers) on a free loopback port."""

    def __init__(self, config: ServerConfig, bin_dir: Path, home: Path, host: str, log: Path):
        self.host = check_loopback(host)
        self.port = free_port(host)
        argv = config.argv(bin_dir, self.host, self.port)
        super().__init__(argv, server_env(home, bin_dir), log, config.label)

    def __enter__(self) -> Server:
        self.start()
        return self

    def wait_ready(self, timeout: float = 60.0) -> float:
        """Seconds from spawning to the first 200 answer; exits loudly on failure."""
        assert self.proc is not None
        while time.perf_counter() - self.spawned_at < timeout:
            if self.proc.poll() is not None:
                raise SystemExit(f"{self.label} exited at start; see {self.log}")
            conn = http.client.HTTPConnection(self.host, self.port, timeout=5)
            try:
                conn.request("GET", READY_PATH)
                if conn.getresponse().status == 200:
                    return time.perf_counter() - self.spawned_at
            except OSError:
                pass
            finally:
                conn.close()
            time.sleep(0.01)
        self.stop()
        raise SystemExit(f"{self.label} not ready after {timeout:.0f} s; see {self.log}")


def first_start(config: ServerConfig, bin_dir: Path, home: Path, host: str, log: Path) -> float:
    """Seconds from nothing (an empty data folder) to the first answer. ``cartable serve``
    migrates and collects static files itself; for granian those commands run first, timed."""
    started = time.perf_counter()
    if config.kind == "granian":
        cartable(bin_dir, home, "migrate", "--noinput")
        cartable(bin_dir, home, "collectstatic", "--noinput")
    with Server(config, bin_dir, home, host, log) as server:
        server.wait_ready(timeout=120)
        return time.perf_counter() - started


def cold_start(config: ServerConfig, bin_dir: Path, home: Path, host: str, log: Path) -> float:
    with Server(config, bin_dir, home, host, log) as server:
        return server.wait_ready()
