"""Cartable's one settings module.

Every value a deployment may change is read from an environment variable through the typed
helpers of ``cartable.lib.env``, declared once with its default and help; ``docs/settings.md`` is
generated from these declarations and a test keeps the two in step.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

from cartable.lib import env
from cartable.lib.home import default_home, prepare, secret_key

PACKAGE_DIR = Path(__file__).resolve().parent

# --- Where the data lives -------------------------------------------------------------------
HOME = prepare(
    Path(
        env.string(
            "CARTABLE_HOME",
            None,
            "Data folder: SQLite database, content store, secret key, collected static files. "
            "Created (and migrated) by the first `cartable` command. When unset: "
            "`$XDG_DATA_HOME/cartable`, that is `~/.local/share/cartable` on most systems.",
        )
        or default_home()
    )
)
CONTENT_ROOT = HOME / "content"
TMP_ROOT = HOME / "tmp"

SECRET_KEY = secret_key(HOME)

DEBUG = env.boolean(
    "CARTABLE_DEBUG",
    False,
    "Django's debug mode: detailed error pages. Never on a box that learners use.",
)

ALLOWED_HOSTS = list(
    env.words(
        "CARTABLE_ALLOWED_HOSTS",
        ("*",),
        "Host names and addresses the box answers to. The box lives on a closed local network "
        "and is reached by address, so all are accepted unless you list them.",
    )
)

HTTPS = env.boolean(
    "CARTABLE_HTTPS",
    False,
    "Set when the box is served over HTTPS (behind a TLS proxy): cookies become Secure and "
    "HSTS is sent.",
)

# --- Database -------------------------------------------------------------------------------
DATABASE_URL = env.string(
    "DATABASE_URL",
    None,
    "PostgreSQL to use instead of the embedded SQLite, e.g. "
    "`postgres://cartable@127.0.0.1:5432/cartable`.",
)
DB_CONN_MAX_AGE = env.integer(
    "CARTABLE_DB_CONN_MAX_AGE",
    600,
    "Seconds a server thread keeps its database connection for the requests that follow "
    "(checked before each reuse, closed after an error); 0 opens and closes one per request. "
    "Each thread of each worker has its own, opened after the worker started.",
    minimum=0,
)
if DATABASE_URL:
    DATABASES = {
        "default": dj_database_url.parse(
            DATABASE_URL, conn_max_age=DB_CONN_MAX_AGE, conn_health_checks=True
        )
    }
else:
    DATABASES = {
        "default": {
            # Django's SQLite backend, with writers queued by a file lock (cartable/sqlite).
            "ENGINE": "cartable.sqlite",
            "NAME": str(HOME / "cartable.sqlite3"),
            # Tests use an in-memory database, as Django does for its own SQLite backend
            # (pytest-django, seeing another engine name, would otherwise derive a file name
            # from NAME for each of its worker processes).
            "TEST": {"NAME": ":memory:"},
            "OPTIONS": {
                # WAL lets readers work while one writer writes; IMMEDIATE takes the write lock
                # at the start of a transaction so that concurrent writers queue (timeout, in
                # seconds) instead of failing with "database is locked".
                "init_command": (
                    "PRAGMA journal_mode=WAL;"
                    "PRAGMA synchronous=NORMAL;"
                    "PRAGMA temp_store=MEMORY;"
                    # 2 MiB of page cache per connection (SQLite's default): connections are
                    # kept, one per server thread, and the system's file cache holds the rest.
                    "PRAGMA cache_size=-2000;"
                ),
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
            },
            # Opening a connection and setting its PRAGMAs cost more than the queries of a
            # page (1.3 ms): keep it, as for PostgreSQL.
            "CONN_MAX_AGE": DB_CONN_MAX_AGE,
            "CONN_HEALTH_CHECKS": True,
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Applications ---------------------------------------------------------------------------
INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "axes",
    "cartable.web",
    "cartable.audit",
    "cartable.accounts",
    "cartable.access",
    "cartable.devices",
    "cartable.catalog",
    "cartable.learning",
    "cartable.outbox",
    "cartable.messaging",
    "cartable.grades",
    "cartable.assessment",
    "cartable.ingest",
    "cartable.reports",
    "cartable.people",
    "cartable.review",
    "cartable.jobs",
    "cartable.search",
    "cartable.assignments",
    "cartable.surveys",
    "cartable.exchange",
    "cartable.records",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "cartable.web.middleware.security_headers",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    # Its process_view caps the body before any other reads a byte of it (CSRF's, next, reads
    # it; Django calls them in this order, after every middleware's own call): see
    # cartable.web.bodies.
    "cartable.web.bodies.BodyLimit",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "cartable.web.middleware.session_idle_timeout",
    "cartable.access.middleware.access_hours",
    "cartable.devices.middleware.device_rule",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "cartable.urls"
WSGI_APPLICATION = "cartable.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "cartable.review.context.review",
                "cartable.messaging.context.unread",
                "cartable.messaging.context.moderation",
            ],
        },
    }
]

# --- Accounts, passwords, sign-in -----------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "accounts:login"

# One Argon2 hasher: it reads the parameters stored in each hash, so it also verifies hashes
# made with other parameters (and upgrades them). Listing Django's own as well would make
# Django verify with that one (the last of an algorithm wins).
PASSWORD_HASHERS = ["cartable.accounts.hashers.BoxArgon2PasswordHasher"]
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 8},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    # Django's ModelBackend, finding the signed-in user in one compiled statement.
    "cartable.accounts.sessions.AccountBackend",
]

# Repeated failed sign-ins lock a learner's or teacher's account (as Moodle does), from any
# device: an account is what a guesser attacks, and locking a shared classroom PC would punish
# the whole class for one learner's typos. Staff's and administrators' accounts are locked on
# the guessing device only, so that nobody can lock the box's managers out from a classroom
# PC (see cartable.accounts.auth). Staff unlock the accounts they manage.
AXES_FAILURE_LIMIT = env.integer(
    "CARTABLE_LOCKOUT_FAILURES",
    5,
    "Failed sign-ins in a row after which an account is locked (staff's and administrators' "
    "accounts: on the device that failed).",
    minimum=1,
)
AXES_COOLOFF_TIME = timedelta(
    minutes=env.integer(
        "CARTABLE_LOCKOUT_MINUTES",
        15,
        "Minutes a locked account stays locked (staff can unlock it sooner).",
        minimum=1,
    )
)
AXES_LOCKOUT_PARAMETERS = "cartable.accounts.auth.axes_lockout_parameters"
AXES_USERNAME_CALLABLE = "cartable.accounts.auth.axes_username"
AXES_LOCKOUT_TEMPLATE = "accounts/locked.html"
AXES_RESET_ON_SUCCESS = True
AXES_ENABLE_ACCESS_FAILURE_LOG = False
AXES_VERBOSE = False
AXES_IPWARE_META_PRECEDENCE_ORDER = ["REMOTE_ADDR"]

# Django's database sessions (revocable at once), read in one compiled statement.
SESSION_ENGINE = "cartable.accounts.sessions"
SESSION_IDLE_MINUTES = env.integer(
    "CARTABLE_SESSION_IDLE_MINUTES",
    30,
    "Minutes without activity after which a signed-in user is signed out.",
    minimum=1,
)
SESSION_MAX_HOURS = env.integer(
    "CARTABLE_SESSION_MAX_HOURS",
    10,
    "Hours after sign-in after which a session ends, however active.",
    minimum=1,
)
SESSION_COOKIE_AGE = SESSION_MAX_HOURS * 3600
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_NAME = "cartable_session"
CSRF_COOKIE_NAME = "cartable_csrf"
# The CSRF cookie ends with the browser, as the session does (Django's default keeps it a year,
# on shared devices too), and without a date Django need not compute an expiry for the cookie
# it sends again with every page that has a form.
CSRF_COOKIE_AGE = None
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
LANGUAGE_COOKIE_NAME = "cartable_language"
LANGUAGE_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600

# --- Security headers -----------------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_HSTS_SECONDS = 31536000 if HTTPS else 0
# Nothing a page loads may come from anywhere but the box itself; no inline script or style,
# no eval, no WebAssembly (pdf.js runs without them). worker-src: pdf.js's worker, a static file.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; media-src 'self'; connect-src 'self'; worker-src 'self'; "
    "object-src 'none'; frame-src 'self'; frame-ancestors 'none'; base-uri 'none'; "
    "form-action 'self'"
)
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=(), serial=()"

# --- Languages and time ---------------------------------------------------------------------
LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", _("French")), ("en", _("English"))]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = env.string(
    "CARTABLE_TIME_ZONE",
    "Europe/Paris",
    "Time zone of the box's users (dates shown, access hours).",
)
CLOCK_COMMAND = env.string(
    "CARTABLE_CLOCK_COMMAND",
    "",
    "Command that sets the system clock, given `@<seconds since 1970>` (e.g. `sudo -n "
    "/usr/bin/date -s`, allowed by a sudoers rule: docs/clock.md); empty: the clock page shows "
    "the command for an administrator to run.",
)
CLOCK_DRIFT_DAYS = env.integer(
    "CARTABLE_CLOCK_DRIFT_DAYS",
    30,
    "Days between the box's clock and the last course import (or clock check) beyond which "
    "staff are warned that the clock may be wrong.",
    minimum=1,
)

# --- Static files ---------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = HOME / "static"
STATICFILES_DIRS = [PACKAGE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
WHITENOISE_MAX_AGE = 3600

# --- Serving --------------------------------------------------------------------------------
SERVE_BIND = env.string(
    "CARTABLE_BIND",
    "0.0.0.0:8000",
    "Address and port `cartable serve` listens on (the box answers its whole local network).",
)
SERVE_WORKERS = env.integer(
    "CARTABLE_WORKERS",
    0,
    "Server worker processes; 0 means one per CPU core the server may use.",
    minimum=0,
    maximum=64,
)
SERVE_THREADS = env.integer(
    "CARTABLE_THREADS",
    4,
    "Threads per worker process (requests served at once by each worker).",
    minimum=1,
    maximum=64,
)

SERVE_KEEPALIVE = env.integer(
    "CARTABLE_KEEPALIVE",
    0,
    "Seconds a browser's connection is kept open for its next request; 0 closes it after each "
    "response, which spreads load evenly over the workers (see docs/architecture.md).",
    minimum=0,
    maximum=120,
)

# --- Limits ---------------------------------------------------------------------------------
AUDIT_REPEAT_MINUTES = env.integer(
    "CARTABLE_AUDIT_REPEAT_MINUTES",
    10,
    "Refused pages and failed sign-ins come in floods: the first from a person or device in "
    "this many minutes is logged at once, the next ones are counted and logged as one entry "
    "with their number when the period is over.",
    minimum=1,
)
REQUEST_MAX_BYTES = env.integer(
    "CARTABLE_REQUEST_MAX_BYTES",
    1024**2,
    "Largest request body the box reads, in bytes, from anyone; larger ones are refused "
    "before a byte is read. Only uploads (staff's course files and account CSV files, "
    "assignment files) may be larger, up to their own limits.",
    minimum=64 * 1024,
)
CSV_MAX_BYTES = env.integer(
    "CARTABLE_CSV_MAX_BYTES",
    2_000_000,
    "Largest account CSV file accepted, in bytes.",
    minimum=1024,
)
CSV_MAX_ROWS = env.integer(
    "CARTABLE_CSV_MAX_ROWS",
    1000,
    "Most accounts created from one CSV file (each password hash costs 20-80 ms of CPU).",
    minimum=1,
)
IMPORT_MAX_UPLOAD_BYTES = env.integer(
    "CARTABLE_IMPORT_MAX_UPLOAD_BYTES",
    8 * 1024**3,
    "Largest course file staff may upload from the web, in bytes (the command line has no limit).",
    minimum=1024,
)
ASSIGN_MAX_UPLOAD_BYTES = env.integer(
    "CARTABLE_ASSIGN_MAX_UPLOAD_BYTES",
    50 * 1024**2,
    "Largest file a learner hands in for an assignment (or a teacher gives back with a grade), "
    "in bytes, and largest form of such files sent at once; an assignment's own smaller limit "
    "applies first.",
    minimum=1024,
)
IMPORT_MAX_MEMBER_BYTES = env.integer(
    "CARTABLE_IMPORT_MAX_MEMBER_BYTES",
    4 * 1024**3,
    "Largest single file inside an imported archive, in bytes, once unpacked.",
    minimum=1024,
)
IMPORT_MAX_TOTAL_BYTES = env.integer(
    "CARTABLE_IMPORT_MAX_TOTAL_BYTES",
    20 * 1024**3,
    "Most bytes an imported archive may unpack to, in all.",
    minimum=1024,
)
IMPORT_MAX_MEMBERS = env.integer(
    "CARTABLE_IMPORT_MAX_MEMBERS",
    200_000,
    "Most files an imported archive may hold.",
    minimum=1,
)
IMPORT_MAX_RATIO = env.integer(
    "CARTABLE_IMPORT_MAX_RATIO",
    200,
    "Most a file inside an imported archive may expand (unpacked size / packed size) beyond "
    "its first MiB: real files stay far below; zip bombs do not.",
    minimum=2,
)
IMPORT_MAX_QUESTION_FILE_BYTES = env.integer(
    "CARTABLE_IMPORT_MAX_QUESTION_FILE_BYTES",
    100 * 1024**2,
    "Largest question file (Moodle XML or GIFT) the box imports, in bytes, from the web or the "
    "command line. It is read a question at a time, but one question and the pictures it "
    "embeds sit in memory whole.",
    minimum=1024,
)
SEARCH_PDF_MAX_BYTES = env.integer(
    "CARTABLE_SEARCH_PDF_MAX_BYTES",
    50 * 1024**2,
    "Largest PDF whose text is read for the search, in bytes (larger ones are found by their "
    "name only); 0 reads no PDF.",
    minimum=0,
)
SEARCH_PDF_MAX_PAGES = env.integer(
    "CARTABLE_SEARCH_PDF_MAX_PAGES",
    300,
    "Most pages of a PDF whose text is read for the search (the first ones).",
    minimum=1,
)
REVIEW_LARGE_FILE_BYTES = env.integer(
    "CARTABLE_REVIEW_LARGE_FILE_BYTES",
    200 * 1024**2,
    "Files larger than this are flagged in the review report (they fill small boxes and slow "
    "learners' devices).",
    minimum=1,
)
WORKER_ON_DEMAND = env.boolean(
    "CARTABLE_WORKER_ON_DEMAND",
    True,
    "Start a background worker (course imports) when a job is queued, and stop it when the "
    "queue is empty. Turn off when a separate, always-running `cartable worker` is deployed.",
)
JOB_LEASE_SECONDS = env.integer(
    "CARTABLE_JOB_LEASE_SECONDS",
    60,
    "Seconds a running job's worker holds it without a sign of life (renewed while it works); "
    "after that, the job is taken up again by a live worker.",
    minimum=5,
)
WORKER_POLL_SECONDS = env.integer(
    "CARTABLE_WORKER_POLL_SECONDS",
    30,
    "Seconds between the server's looks for a stopped worker with work left (it starts a new "
    "one), when workers are started on demand.",
    minimum=1,
)
# --- Online exchange (docs/exchange.md, "Online") ------------------------------------------
EXCHANGE_API_ENABLED = env.boolean(
    "CARTABLE_EXCHANGE_API_ENABLED",
    False,
    "On a hub: answer boxes' online exchange at /exchange/api/ (each request signed by a "
    "registered box's key). Off: those addresses do not exist.",
)
EXCHANGE_API_MAX_BYTES = env.integer(
    "CARTABLE_EXCHANGE_API_MAX_BYTES",
    2 * 1024**3,
    "Largest bundle sent or fetched online, in bytes (a hub refuses a larger body before "
    "reading it; a box stops a larger download).",
    minimum=64 * 1024,
)
EXCHANGE_API_SKEW_SECONDS = env.integer(
    "CARTABLE_EXCHANGE_API_SKEW_SECONDS",
    300,
    "Most seconds between a box's clock and the hub's for a signed online request to be "
    "accepted; its nonce is remembered twice as long, so that it is never accepted twice.",
    minimum=30,
)
EXCHANGE_API_RATE_PER_MINUTE = env.integer(
    "CARTABLE_EXCHANGE_API_RATE_PER_MINUTE",
    120,
    "Most signed online requests a hub accepts from one box in a minute.",
    minimum=1,
)
EXCHANGE_HUB_URL = env.string(
    "CARTABLE_EXCHANGE_HUB_URL",
    "",
    "On a box: the hub's address for `cartable exchange sync` (https://…), for a hub peer "
    "whose own address is not set (`cartable exchange peer url`).",
)
EXCHANGE_CA_FILE = env.string(
    "CARTABLE_EXCHANGE_CA_FILE",
    "",
    "On a box: a file of CA certificates (PEM) that the hub's HTTPS certificate is checked "
    "against; empty: the system's CA certificates.",
)
EXCHANGE_SYNC_TIMEOUT = env.integer(
    "CARTABLE_EXCHANGE_SYNC_TIMEOUT",
    60,
    "Seconds `cartable exchange sync` waits for the hub at each step before giving up (the "
    "next sync continues where it stopped).",
    minimum=1,
)
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
# Large uploads stream to the data folder's temporary root, each locked by its request's
# process: what a request that died left there is swept (cartable.jobs.sweep).
FILE_UPLOAD_TEMP_DIR = str(TMP_ROOT)
FILE_UPLOAD_HANDLERS = [
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "cartable.jobs.uploads.LockedTemporaryFileUploadHandler",
]

# --- Logging --------------------------------------------------------------------------------
LOG_LEVEL = env.choice(
    "CARTABLE_LOG_LEVEL",
    "INFO",
    ("DEBUG", "INFO", "WARNING", "ERROR"),
    "How much the box writes to its log (standard error).",
)
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {"axes": {"level": "WARNING"}},
}
