"""Settings for every environment, configured by environment variables.

The defaults are safe for local development: SQLite under var/, Celery tasks run in-process,
DEBUG on. Production sets DATABASE_URL, CELERY_BROKER_URL, SECRET_KEY, DEBUG=0 and ALLOWED_HOSTS.
"""

import json
import os
import re
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

import dj_database_url
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from config.log_redaction import attach_redaction
from observability.logs import log_format, logging_config

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: str, *, minimum: int = 0) -> int:
    """The whole number (ASCII digits) in environment variable ``name``, at least ``minimum``;
    ImproperlyConfigured naming the variable otherwise, so that a process refuses to start
    instead of failing later with a bare ValueError."""
    text = os.environ.get(name, default).strip()
    if not re.fullmatch(r"-?[0-9]+", text) or int(text) < minimum:
        raise ImproperlyConfigured(
            f"{name} must be a whole number of at least {minimum}; not {text!r}"
        )
    return int(text)


def env_floats(name: str, default: str) -> list[float]:
    """Comma-separated numbers of at least 0 (such as 5,300,1800), at least one; see env_float."""
    text = os.environ.get(name, default)
    parts = [part.strip() for part in text.split(",")]
    if not all(re.fullmatch(r"[0-9]+\.?[0-9]*|\.[0-9]+", part) for part in parts):
        raise ImproperlyConfigured(
            f"{name} must be numbers of at least 0 separated by commas; not {text!r}"
        )
    return [float(part) for part in parts]


def env_rate(name: str, default: str) -> str:
    """A throttle rate as Django REST framework reads it: requests per second, minute, hour or
    day, such as 120/minute."""
    text = os.environ.get(name, default).strip()
    if not re.fullmatch(r"[0-9]+/(s|sec|second|m|min|minute|h|hour|d|day)", text):
        raise ImproperlyConfigured(f"{name} must be a rate such as 120/minute; not {text!r}")
    return text


def env_float(name: str, default: str, *, minimum: float = 0.0) -> float:
    """The decimal number (ASCII digits, such as 2 or 0.25) in environment variable ``name``, at
    least ``minimum``; ImproperlyConfigured naming the variable otherwise."""
    text = os.environ.get(name, default).strip()
    if not re.fullmatch(r"-?(?:[0-9]+\.?[0-9]*|\.[0-9]+)", text) or float(text) < minimum:
        raise ImproperlyConfigured(f"{name} must be a number of at least {minimum:g}; not {text!r}")
    return float(text)


DEBUG = env_bool("DEBUG", True)
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "Set the SECRET_KEY environment variable: it is required when DEBUG is off "
            "(e.g. the output of: python -c 'import secrets; print(secrets.token_urlsafe(50))')."
        )
    SECRET_KEY = "dev-only-insecure-key-never-use-in-production"
# Earlier keys, comma-separated, still accepted for what they signed (sessions, password reset
# links) and still deriving the seal and master keys that were derived from them: rotate by
# setting the new SECRET_KEY and listing the old one here (README, "Rotating keys").
SECRET_KEY_FALLBACKS = [
    key.strip() for key in os.environ.get("SECRET_KEY_FALLBACKS", "").split(",") if key.strip()
]
ALLOWED_HOSTS = [
    h.strip() for h in os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",")
]
CSRF_TRUSTED_ORIGINS = [
    o.strip() for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()
]

INSTALLED_APPS = [
    "config.apps.LedgerShopAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "eventstore",
    "projections",
    "carts",
    "observability",
]

MIDDLEWARE = [
    # First: the request's correlation id is bound before anything logs, and the time and
    # status counted are those the client sees (observability; README, "Metrics and logs").
    "carts.web.request_observation.RequestObservationMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Before the session and the user are read: a NUL in their cookie or token is refused too.
    "carts.web.request_guard.RequestGuardMiddleware",
    # A database lost mid-request: 503 with a page (or problem document), never a stack trace.
    "carts.web.database_unavailable.DatabaseUnavailableMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # request.cart: the shopper's open cart, read from its events once per request at most.
    "carts.web.shopper.CartMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
            # The shop's template tags live with the shop's views (carts/web), not at the top
            # of the app where Django would look for them.
            "libraries": {"shop": "carts.web.templatetags.shop"},
        },
    },
]

# The development server answers each request in a thread that ends with it, so a persistent
# connection would outlive its thread and pile up on the database (Django's documentation:
# "don't enable them during development"); gunicorn's workers keep theirs for 60 s.
_CONN_MAX_AGE = "0" if "runserver" in sys.argv else "60"


# Seconds after which the server ends a session left idle inside a transaction (0: never), and
# any statement (0: none); see _session_settings.
DB_IDLE_IN_TRANSACTION_TIMEOUT = env_float("DB_IDLE_IN_TRANSACTION_TIMEOUT", "60")
DB_STATEMENT_TIMEOUT = env_float("DB_STATEMENT_TIMEOUT", "0")


def _session_settings() -> str:
    """The ``options`` of every PostgreSQL connection: server settings for its whole session.

    A session left idle inside a transaction holds every reader of the global log back
    (eventstore.transactions), so the server ends it after DB_IDLE_IN_TRANSACTION_TIMEOUT.
    No statement timeout unless DB_STATEMENT_TIMEOUT is set: migrations, verify_events and bulk
    loads run long statements on a big log by design, so it suits web processes only. A zero is
    left out rather than sent, so a value set on the database role (ALTER ROLE ... SET, as
    behind PgBouncer) still applies. README, "Long transactions".
    """
    timeouts = {
        "idle_in_transaction_session_timeout": DB_IDLE_IN_TRANSACTION_TIMEOUT,
        "statement_timeout": DB_STATEMENT_TIMEOUT,
    }
    return " ".join(f"-c {name}={int(s * 1000)}" for name, s in timeouts.items() if s > 0)


def _database(url: str) -> dj_database_url.DBConfig:
    """One DATABASES entry for ``url``, with the options its engine needs."""
    # A kept connection is checked (``SELECT 1``) before each request or task first uses it,
    # and replaced if it died in between (a database restart, a fail-over, an idle connection
    # dropped on the way): without the check, each web thread and worker answered one 503 or
    # failed one task per dead connection, minutes after the database was back.
    database = dj_database_url.parse(
        url,
        conn_max_age=env_int("CONN_MAX_AGE", _CONN_MAX_AGE),
        conn_health_checks=True,
    )
    if database["ENGINE"] == "django.db.backends.sqlite3":
        # WAL lets readers (the shop, projections) proceed while one writer appends; the timeout
        # makes a second writer wait for the lock instead of failing at once.
        database["OPTIONS"] = {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
        return database
    # Parameters bound by the server, so psycopg prepares a statement once it has run a few
    # times: the command path repeats the same handful of queries, and planning them anew
    # cost more than running them. Behind a pooler that cannot keep prepared statements
    # (PgBouncer before 1.21 in transaction mode), set DATABASE_PREPARE_THRESHOLD to "".
    threshold = os.environ.get("DATABASE_PREPARE_THRESHOLD", "5").strip()
    database["OPTIONS"] = {
        "server_side_binding": True,
        "prepare_threshold": env_int("DATABASE_PREPARE_THRESHOLD", "5") if threshold else None,
    }
    if options := _session_settings():
        database["OPTIONS"]["options"] = options
    # A pooler in transaction mode hands each transaction to any server session, so a cursor
    # kept open across transactions (Django's server-side cursors outside one) cannot work.
    database["DISABLE_SERVER_SIDE_CURSORS"] = env_bool(
        "DATABASE_DISABLE_SERVER_SIDE_CURSORS", False
    )
    return database


DATABASES = {
    "default": _database(os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'db.sqlite3'}"))
}
# A read replica of PostgreSQL for the read models (README, "Scaling out"): reads of the
# projections' tables go there, everything else (and every write) stays on "default".
if os.environ.get("DATABASE_REPLICA_URL"):
    DATABASES["replica"] = _database(os.environ["DATABASE_REPLICA_URL"])
READ_MODELS_DATABASE = "replica" if "replica" in DATABASES else "default"
DATABASE_ROUTERS = ["projections.routing.ReadModelRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"] if (BASE_DIR / "static").is_dir() else []
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# --- Event store ---------------------------------------------------------------------------
# A snapshot of an aggregate is cached every this many events; 0 turns snapshots off.
EVENTSTORE_SNAPSHOT_EVERY = env_int("EVENTSTORE_SNAPSHOT_EVERY", "50")
# Seals and snapshots are authenticated with HMAC under this key, which must never be stored
# in the database (see README, "What the audit trail guarantees"). Unset, a key derived from
# SECRET_KEY is used. To rotate, set the new key and list the old one in the fallbacks.
EVENTSTORE_SEAL_KEY = os.environ.get("EVENTSTORE_SEAL_KEY", "")
EVENTSTORE_SEAL_KEY_FALLBACKS = [
    key for key in os.environ.get("EVENTSTORE_SEAL_KEY_FALLBACKS", "").split(",") if key
]

# Personal data in events is encrypted per person (eventstore.personal) under data keys wrapped
# by these master keys (base64, 32 bytes each, comma-separated; the first wraps new keys). They
# must never be stored in the database. Unset, a key derived from SECRET_KEY is used (fine for a
# demo, not for production). Rotation: README, "Personal data and forgetting".
PERSONAL_DATA_KEYS = [
    key.strip() for key in os.environ.get("PERSONAL_DATA_KEYS", "").split(",") if key.strip()
]

# The projections dashboard and `projections status` warn about a transaction open this long
# (seconds): it holds the global log's readers back (eventstore.transactions).
EVENTSTORE_OPEN_TRANSACTION_WARN_SECONDS = env_float(
    "EVENTSTORE_OPEN_TRANSACTION_WARN_SECONDS", "30"
)

# --- Carts -----------------------------------------------------------------------------------
# Countries the shop ships to (ISO 3166-1 alpha-2, comma-separated); empty: every country.
SHOP_SHIPS_TO = [
    code.strip().upper() for code in os.environ.get("SHOP_SHIPS_TO", "").split(",") if code.strip()
]
CART_ABANDON_AFTER = timedelta(hours=env_float("CART_ABANDON_AFTER_HOURS", "24"))

# --- E-mail (order confirmations) -------------------------------------------------------------
# Under DEBUG the console backend prints each message, so `make run` shows the confirmation it
# would send. Without DEBUG (`make up`, production not yet given a mail server) each message is
# written to a file in var/mail/ instead: printed by a Celery worker it became a log line with
# the customer's name and address. Tests use Django's in-memory backend whatever this says.
# Production sets the SMTP backend (django.core.mail.backends.smtp.EmailBackend) and the
# EMAIL_HOST... variables below.
EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends." + ("console.EmailBackend" if DEBUG else "filebased.EmailBackend"),
)
EMAIL_FILE_PATH = os.environ.get("EMAIL_FILE_PATH", str(VAR_DIR / "mail"))
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Ledger Shop <orders@ledger-shop.test>")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", "25")
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
# Seconds a connection to the mail server may block; the confirmation task retries after it.
EMAIL_TIMEOUT = env_float("EMAIL_TIMEOUT", "10")

# --- Celery ----------------------------------------------------------------------------------
# Without a broker, tasks run in-process so `make run` needs nothing but Python. Even then
# Celery builds a producer for every task it runs; the in-memory transport spares it looking
# for an AMQP server on localhost (and warning that it found no hostname).
CELERY_TASK_ALWAYS_EAGER = not os.environ.get("CELERY_BROKER_URL")
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL") or "memory://localhost/"
# Deployments (and bench runs) that share one Redis give their tasks a queue of their own; the
# worker then consumes it with `-Q <name>`.
CELERY_TASK_DEFAULT_QUEUE = os.environ.get("CELERY_TASK_DEFAULT_QUEUE", "celery")
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_RESULT_BACKEND = None
CELERY_TASK_ACKS_LATE = True
# The queue every task is sent to and workers read by default: deployments (or test runs) that
# share one Redis keep their tasks apart by naming their own.
CELERY_TASK_DEFAULT_QUEUE = os.environ.get("CELERY_TASK_DEFAULT_QUEUE", "celery")
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Celery's Django fixup closes the database connections before and after every task unless
# CELERY_DB_REUSE_MAX is set: each catch-up then paid for a new PostgreSQL session (a backend
# process, authentication, cold catalog caches), about half of its time under load (bench B8).
# Workers keep their connections as gunicorn does instead: config.celery closes them around
# each task as Django does around a request, once failed or older than CONN_MAX_AGE. The
# fixup's own count (a close every this many tasks) stays behind that.
CELERY_DB_REUSE_MAX = 1000
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A message is published once, or the publisher hears at once that the broker is away: kombu
# would otherwise retry opening a channel for about six seconds, and the one publish made on a
# request's own thread (an order's confirmation) would hold the checkout that long. Workers
# and beat reconnect by their own loops (broker_connection_retry), which this leaves alone.
CELERY_BROKER_TRANSPORT_OPTIONS = {"max_retries": 0}
# Beat: the periodic catch-up is the safety net for a lost task or a broker outage; it also
# drives the retries of a failing projection (which back off by themselves).
CELERY_BEAT_SCHEDULE = {
    "projections-catch-up": {
        "task": "projections.catch_up",
        "schedule": timedelta(seconds=env_float("PROJECTIONS_CATCH_UP_SECONDS", "10")),
        "options": {"expires": 60},
    },
    "eventstore-seal": {
        "task": "eventstore.seal",
        "schedule": timedelta(seconds=env_float("EVENTSTORE_SEAL_SECONDS", "10")),
        "options": {"expires": 60},
    },
    "carts-abandon-idle": {
        "task": "carts.abandon_idle_carts",
        "schedule": timedelta(minutes=15),
        "options": {"expires": 600},
    },
    "webhooks-deliver": {
        "task": "webhooks.deliver",
        "schedule": timedelta(seconds=env_float("WEBHOOKS_DELIVER_SECONDS", "5")),
        "options": {"expires": 30},
    },
    "webhooks-prune-log": {
        "task": "webhooks.prune_log",
        "schedule": timedelta(hours=1),
        "options": {"expires": 1800},
    },
    "carts-sweep-order-confirmations": {
        "task": "carts.sweep_order_confirmations",
        "schedule": timedelta(minutes=1),
        "options": {"expires": 50},
    },
    "carts-prune-idempotency-records": {
        "task": "carts.prune_idempotency_records",
        "schedule": timedelta(hours=1),
        "options": {"expires": 1800},
    },
}

# Order confirmations (carts.tasks): one not settled this many minutes after its checkout (or
# after its last retry was due) is asked for again by the sweep, for checkouts of the last
# ORDER_CONFIRMATION_SWEEP_HOURS.
ORDER_CONFIRMATION_GRACE_MINUTES = env_float("ORDER_CONFIRMATION_GRACE_MINUTES", "5")
ORDER_CONFIRMATION_SWEEP_HOURS = env_float("ORDER_CONFIRMATION_SWEEP_HOURS", "24")

# --- Projections -----------------------------------------------------------------------------
# DailyFunnel.revenue and average_order_value are in this currency; others are kept apart.
PROJECTIONS_REPORTING_CURRENCY = os.environ.get("PROJECTIONS_REPORTING_CURRENCY", "EUR")
# A rebuild without a heartbeat for this long is shown as stalled (its process is gone).
PROJECTIONS_REBUILD_STALE_SECONDS = env_float("PROJECTIONS_REBUILD_STALE_SECONDS", "120", minimum=1)


# Shards per projection (projections.shards): "4" for every projection, or JSON per projection,
# e.g. '{"cart_summaries": 4}'; a new count takes effect with the projection's next rebuild.
def _projection_shards(text: str) -> int | dict[str, int]:
    """PROJECTIONS_SHARDS read: a whole number, or a JSON object of whole numbers (the counts'
    range and the projections' names are checked as the projections app starts)."""

    def unique(pairs: list[tuple[str, Any]]) -> dict[str, Any] | None:
        named = dict(pairs)
        return named if len(named) == len(pairs) else None  # a projection named twice

    try:
        if text.startswith("{"):
            value = json.loads(text, object_pairs_hook=unique)
        else:  # ASCII digits only: int() would also take "2_0" and other scripts' digits
            value = int(text) if re.fullmatch(r"[0-9]+", text) else None
    except ValueError:
        value = None
    counts = value.values() if isinstance(value, dict) else [value]
    if not all(type(count) is int for count in counts):
        raise ImproperlyConfigured(
            f"PROJECTIONS_SHARDS must be a whole number such as 4, or JSON such as"
            f' {{"cart_summaries": 4}}; not {text!r}'
        )
    return value  # type: ignore[return-value]


PROJECTIONS_SHARDS = _projection_shards(os.environ.get("PROJECTIONS_SHARDS", "1").strip())
# Failed attempts after which the runner parks an event itself (0: only staff decide).
PROJECTIONS_PARK_AFTER_ATTEMPTS = env_int("PROJECTIONS_PARK_AFTER_ATTEMPTS", "5")

# --- Webhooks (projections.webhooks; README, "Webhooks") -------------------------------------
# Seconds to connect, and to wait for each read or write, per request.
WEBHOOKS_CONNECT_TIMEOUT = env_float("WEBHOOKS_CONNECT_TIMEOUT", "5")
WEBHOOKS_READ_TIMEOUT = env_float("WEBHOOKS_READ_TIMEOUT", "10")
# At most this much of a receiver's answer is read (its content is not used).
WEBHOOKS_MAX_RESPONSE_BYTES = env_int("WEBHOOKS_MAX_RESPONSE_BYTES", "65536")
# Seconds to wait after the 1st, 2nd, ... failed attempt at an event; when they run out the
# event is marked failed and the subscription paused. Default: Standard Webhooks' schedule.
WEBHOOKS_RETRY_SCHEDULE = env_floats("WEBHOOKS_RETRY_SCHEDULE", "5,300,1800,7200,18000,36000,36000")
# Each wait is spread by up to this fraction either way.
WEBHOOKS_RETRY_JITTER = env_float("WEBHOOKS_RETRY_JITTER", "0.2")
# After a secret is rotated, the previous one still signs (a second signature) this long.
WEBHOOKS_SECRET_OVERLAP_HOURS = env_float("WEBHOOKS_SECRET_OVERLAP_HOURS", "24")
# Delivery log rows older than this are pruned hourly by beat.
WEBHOOKS_LOG_KEEP_DAYS = env_float("WEBHOOKS_LOG_KEEP_DAYS", "30")
# Networks (CIDR) webhooks may be sent to besides public addresses, e.g. "127.0.0.1/32" for a
# receiver on this machine, or "10.0.0.0/8" for one inside the private network.
WEBHOOKS_ALLOWED_NETWORKS = [
    n.strip() for n in os.environ.get("WEBHOOKS_ALLOWED_NETWORKS", "").split(",") if n.strip()
]
# --- Relay to a message broker (manage.py relay_events) -----------------------------------
# Unset NATS_URL: no relay (the command says so and exits non-zero). See README, "The relay".
NATS_URL = os.environ.get("NATS_URL", "")
# Subjects are <prefix>.<stream type>.<event type> (see projections.relay.subjects).
NATS_SUBJECT_PREFIX = os.environ.get("NATS_SUBJECT_PREFIX", "ledger")
# The JetStream stream, created if missing; its retention and de-duplication window (seconds;
# a max age of 0 and max bytes of -1 mean unlimited).
NATS_STREAM = os.environ.get("NATS_STREAM", "LEDGER_EVENTS")
NATS_MAX_AGE_SECONDS = env_float("NATS_MAX_AGE_SECONDS", str(7 * 24 * 3600))
NATS_MAX_BYTES = env_int("NATS_MAX_BYTES", "-1", minimum=-1)
NATS_DUPLICATE_WINDOW_SECONDS = env_float("NATS_DUPLICATE_WINDOW_SECONDS", "600")
# Events read and published per batch; the checkpoint moves once per acknowledged batch.
RELAY_BATCH_SIZE = env_int("RELAY_BATCH_SIZE", "500")
# How often an idle relay looks for new events (seconds).
RELAY_POLL_SECONDS = env_float("RELAY_POLL_SECONDS", "0.5")

# --- Metrics, logs and traces (observability/; README, "Metrics and logs") ---------------------
# One line per record on stderr: JSON (with the request's correlation id, and trace id while
# traced) or text; by default text under DEBUG, JSON otherwise.
LOG_FORMAT = log_format(os.environ.get("LOG_FORMAT", ""), debug=DEBUG)
LOGGING = logging_config(LOG_FORMAT, os.environ.get("LOG_LEVEL", "WARNING"))
# The Celery worker keeps these handlers (its own would write plain text); --loglevel still
# sets the level.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
# /metrics answers requests from these networks (that were not forwarded by a proxy), and from
# anywhere with "Authorization: Bearer <METRICS_TOKEN>" when a token is set. An empty list
# leaves the token alone.
METRICS_TOKEN = os.environ.get("METRICS_TOKEN", "")
METRICS_ALLOWED_NETWORKS = [
    n.strip()
    for n in os.environ.get("METRICS_ALLOWED_NETWORKS", "127.0.0.1/32,::1/128").split(",")
    if n.strip()
]
# Traces are off unless OTEL_TRACES or OTEL_EXPORTER_OTLP_ENDPOINT says where they go; they
# are read from the environment by observability.tracing, not from settings.

# --- REST API ----------------------------------------------------------------------------------
# Token first, so an anonymous caller is told to authenticate (401 with WWW-Authenticate);
# session auth (with CSRF) serves the browser and the interactive docs.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PARSER_CLASSES": ["carts.api.parsers.BoundedJSONParser"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "carts.api.errors.problem_exception_handler",
    "DEFAULT_THROTTLE_RATES": {
        "cart_commands": env_rate("API_COMMAND_RATE", "120/minute"),
    },
}
# Bodies of API requests larger than this are refused with 413 before they are parsed.
API_MAX_BODY_BYTES = env_int("API_MAX_BODY_BYTES", str(16 * 1024))
# How long a read-model query with ?min_position= waits for the projection to catch up.
API_MIN_POSITION_WAIT_SECONDS = env_float("API_MIN_POSITION_WAIT_SECONDS", "2.0")
# GET /api/events/?wait=: the longest a request may wait for a new event (seconds), and how often
# a waiting request looks for events appended by other processes (ones appended by its own
# process wake it at once).
API_FEED_MAX_WAIT_SECONDS = env_int("API_FEED_MAX_WAIT_SECONDS", "30")
API_FEED_POLL_SECONDS = env_float("API_FEED_POLL_SECONDS", "0.25")
# The cache holds the API's throttle counts. Several web processes must share them, so
# production points CACHE_URL at Redis; unset, each process keeps its own (fine for one).


def redis_cache(url: str) -> dict[str, object]:
    """The CACHES entry of the Redis at ``url``.

    A Redis that is away must not fail the commands (README, "Operating it"): each cache call
    gives up after a quarter of a second, is logged (DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS) and
    reads as a miss, so the throttles let the request through and count again once it is back.
    """
    return {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": url,
        "OPTIONS": {
            "IGNORE_EXCEPTIONS": True,
            "SOCKET_CONNECT_TIMEOUT": 0.25,
            "SOCKET_TIMEOUT": 0.25,
        },
    }


DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = True
if os.environ.get("CACHE_URL"):
    CACHES = {"default": redis_cache(os.environ["CACHE_URL"])}
# How long an Idempotency-Key's first answer is kept for retries (pruned hourly by beat).
API_IDEMPOTENCY_KEEP_HOURS = env_float("API_IDEMPOTENCY_KEEP_HOURS", "24")
SPECTACULAR_SETTINGS = {
    "TITLE": "Ledger Shop API",
    "DESCRIPTION": (
        "Drive carts, read them as they are or were, and follow every event. "
        "Errors are RFC 9457 problem details (application/problem+json)."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Two fields are named "status": each enum gets a name of its own (not a hash suffix).
    "ENUM_NAME_OVERRIDES": {
        "CartStatusEnum": ["open", "checked_out", "abandoned", "merged"],
        "SubscriptionStatusEnum": ["active", "paused"],
    },
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "carts.api.schema.add_common_problem_responses",
        "carts.api.schema_links.add_links",
    ],
}

# --- Production hardening (README, "Production settings") ------------------------------------
# One block, apart from LOGGING and the metrics, so that each can change without the other. The
# apps and middleware it needs are added here rather than in the lists above for that reason.
INSTALLED_APPS += ["axes", "csp"]
MIDDLEWARE += [
    # The Content-Security-Policy header (below) on every answer, with a nonce where a page asks.
    "csp.middleware.CSPMiddleware",
    # Last, as django-axes asks: it answers a login refused for a lockout with the lockout page.
    "axes.middleware.AxesMiddleware",
]

# HTTPS. Behind a proxy that terminates TLS, set SECURE_PROXY_SSL_HEADER to the header it sets
# ("X-Forwarded-Proto: https"), or Django sees every request as plain HTTP and redirects forever.
# A proxy that redirects HTTP to HTTPS itself may take SECURE_SSL_REDIRECT=0. The probes answer
# over plain HTTP too: a load balancer asks the web process directly.
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
_proxy_header, _, _proxy_value = os.environ.get("SECURE_PROXY_SSL_HEADER", "").partition(":")
if _proxy_value.strip():
    SECURE_PROXY_SSL_HEADER = (
        "HTTP_" + _proxy_header.strip().upper().replace("-", "_"),
        _proxy_value.strip(),
    )
# HSTS is a promise browsers keep for its whole age: off until HTTPS works everywhere, then set
# SECURE_HSTS_SECONDS (a year: 31536000). It covers subdomains unless told otherwise.
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", "0")
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)

# Cookies: Secure outside DEBUG (SECURE_COOKIES=0 serves plain HTTP, as `make up` on 127.0.0.1
# does), never readable by scripts, and not sent along with another site's requests. The CSRF
# cookie can be HttpOnly because no script reads it: pages, htmx and Swagger UI take the token
# from the page itself.
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = env_bool("SECURE_COOKIES", not DEBUG)
SESSION_COOKIE_HTTPONLY = CSRF_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = CSRF_COOKIE_SAMESITE = "Lax"

# Content-Security-Policy (django-csp): every script, style sheet, image and font comes from this
# site. Scripts are files only (htmx, the admin's, Swagger UI's and its start-up script at
# /api/docs/?script=); the few <style> blocks (the admin's audit pages, Swagger UI's page) carry
# the request's nonce. Images may be data: URIs: Swagger UI's style sheet draws its icons so.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, NONCE],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

# Log-in throttling (django-axes): after LOGIN_FAILURE_LIMIT failed log-ins for one username from
# one address, that pair is refused (429, registration/locked_out.html) for LOGIN_COOLOFF_MINUTES;
# a successful log-in clears its failures. The pair, not the address alone, so that one guesser
# behind a shared address cannot lock everyone out. Attempts are rows in the database, so each
# test's rollback forgets its own. Successful log-ins are not recorded (no address or user agent
# kept per log-in), and lockouts are lifted with `manage.py axes_reset_username NAME`.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", "5")
AXES_COOLOFF_TIME = timedelta(minutes=env_float("LOGIN_COOLOFF_MINUTES", "15"))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_DISABLE_ACCESS_LOG = True
AXES_ENABLE_ADMIN = False
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_USERNAME_CALLABLE = "config.login_username.username_of"

# /readyz (config.health): how long one probe waits for the broker or NATS to answer (seconds).
HEALTH_PROBE_TIMEOUT_SECONDS = env_float("HEALTH_PROBE_TIMEOUT_SECONDS", "2")
# Whether /readyz counts a failing projection as not ready. On by default; a load balancer that
# takes every web process out on an unready answer would turn one poison event into an outage
# of the whole shop, while commands still work: there, set 0 and alert on the metrics instead.
HEALTH_READY_NEEDS_PROJECTIONS = env_bool("HEALTH_READY_NEEDS_PROJECTIONS", True)

# No personal data or secret in any log line: a filter on every handler (config.log_redaction).
LOGGING = attach_redaction(LOGGING)
