# Cartable: `make run` sets everything up and serves the box with demo data; `make test` runs
# every check CI runs. Both work on a fresh machine with Python 3.11, Node.js/npm, PostgreSQL
# (for the tests) and Debian's chromium (for the browser tests; .ci/run installs it).

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/cartable_$(shell date +%s)_$(shell echo $$$$)
CHROMIUM ?= /usr/bin/chromium
# Test processes (pytest-xdist): one per core by default; TEST_WORKERS=0 runs in one process.
# Work stealing: a worker left idle takes tests queued on the other, so a pass does not end with
# one core waiting on the other's last minutes (the tests that run `cartable` processes are a
# few dozen tests worth half the SQLite pass; tests/conftest.py queues them first).
TEST_WORKERS ?= auto
# The test processes write their bytecode even where the environment says not to
# (PYTHONDONTWRITEBYTECODE=1, as container images often set; empty means unset): otherwise on a
# clean clone each pytest worker rewrote and compiled every test module again (9 of its 13
# seconds of collection) and each `cartable` process a test starts compiled the modules it
# imports. The files go to __pycache__ folders, which git ignores.
# The tests' temporary files (pytest's folders, tempfile's, Chromium's profiles) go to a folder
# in memory where the machine has one (/dev/shm): a pass makes and removes some 26,000 files and
# folders (a data folder per test, imported courses, copied databases), and on a disk mounted with
# `discard` their removal alone kept a core waiting on the disk for seconds at each pass's end.
# pytest removes a green run's folders at its end (tmp_path_retention_policy, pyproject.toml).
TEST_TMPDIR ?= $(shell test -d /dev/shm -a -w /dev/shm && mkdir -p /dev/shm/cartable-tests-$$(id -u) && echo /dev/shm/cartable-tests-$$(id -u))
PYTEST := PYTHONDONTWRITEBYTECODE= $(if $(TEST_TMPDIR),TMPDIR=$(TEST_TMPDIR)) $(BIN)/pytest -q -n $(TEST_WORKERS) --dist worksteal
export CARTABLE_CHROMIUM := $(CHROMIUM)

.PHONY: run install assets messages compilemessages docs test lint typecheck test-sqlite \
	test-postgres test-browser typecheck-and-sqlite bench bench-import clean

run: install
	$(BIN)/cartable demo
	@echo "Open http://127.0.0.1:8000 and sign in with one of the accounts above."
	$(BIN)/cartable serve --bind 127.0.0.1:8000

install: $(VENV)/.installed assets compilemessages

$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

assets: node_modules/.installed
	npm run --silent build

compilemessages: $(VENV)/.installed
	cd cartable && ../$(BIN)/django-admin compilemessages --ignore=node_modules -v 0

messages: $(VENV)/.installed
	cd cartable && DJANGO_SETTINGS_MODULE=cartable.settings ../$(BIN)/django-admin makemessages \
		-l fr --no-obsolete --no-location --ignore=static

docs: $(VENV)/.installed
	CARTABLE_HOME=$$(mktemp -d) $(BIN)/python -m cartable.docs

# Each pass keeps both cores busy on its own (one test process per core), so the PostgreSQL and
# browser passes run one after the other: side by side they took as long (394 s against 389 s,
# measured one after the other on the same machine) for 7 % more CPU, the two passes' processes
# taking turns on the cores. docs/architecture.md ("A fast suite") says how the suite is kept
# fast. mypy (a few seconds, one core) runs beside the SQLite pass, which leaves part of a core
# idle while its `cartable` processes start and write their data folders.
test: install lint typecheck-and-sqlite test-postgres test-browser

typecheck-and-sqlite:
	$(MAKE) --no-print-directory -j2 --output-sync=target typecheck test-sqlite

lint:
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck:
	$(BIN)/mypy cartable

test-sqlite:
	$(PYTEST) -m "not browser"

test-postgres:
	DATABASE_URL=$(TEST_DATABASE_URL) CARTABLE_TEST_PASS=database $(PYTEST) -m "not browser"

test-browser:
	@test -x $(CHROMIUM) || { echo "Browser tests need Debian's chromium at $(CHROMIUM) (apt-get install chromium)."; exit 1; }
	$(PYTEST) -m browser

bench: install
	$(BIN)/python bench/load.py

bench-import: install
	$(BIN)/python bench/import_bench.py

clean:
	rm -rf $(VENV) node_modules cartable/static/dist .pytest_cache .mypy_cache .ruff_cache
