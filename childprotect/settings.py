"""Settings, driven by the environment with embedded defaults.

With no environment at all the project runs on a SQLite file and Celery's filesystem transport under var/,
so `make run` needs no server. Production sets DJANGO_PRODUCTION=1, a real SECRET_KEY, DATABASE_URL (PostgreSQL)
and CELERY_BROKER_URL (Redis); `manage.py check --deploy` is then clean.
"""

from __future__ import annotations

from datetime import timedelta
from ipaddress import ip_network
from pathlib import Path

import django_stubs_ext
import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from childprotect.logs.addresses import admins_from
from childprotect.schedule import BEAT_SCHEDULE

# Admin and form classes take their model as a type argument (ModelAdmin[Agency], ModelForm[User]) as django-stubs
# describes them; this makes the same subscripts work at run time.
django_stubs_ext.monkeypatch()

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(environ.Env().str("CHILDPROTECT_VAR_DIR", default=str(BASE_DIR / "var")))

VAR_DIR.mkdir(parents=True, exist_ok=True)  # SQLite file, filesystem broker, emails: all under var/ by default

env = environ.Env()
PRODUCTION = env.bool("DJANGO_PRODUCTION", default=False)
DEBUG = env.bool("DEBUG", default=not PRODUCTION)

if PRODUCTION:
    SECRET_KEY = env.str("SECRET_KEY")  # no default: refuse to start without one
else:
    SECRET_KEY = env.str("SECRET_KEY", default="dev-only-insecure-key-do-not-use-in-production")

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[] if PRODUCTION else ["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# The reverse proxies (addresses or networks, e.g. `172.22.21.0/24`) whose X-Forwarded-For and X-Forwarded-Proto are
# believed (childprotect/proxies.py); a request from any other peer has those headers removed. The same list is
# gunicorn's forwarded_allow_ips (childprotect/deploy/gunicorn.conf.py). The default, loopback, is a proxy on the same
# machine; docker-compose.yml sets its own network.
TRUSTED_PROXIES = [p.strip() for p in env.list("TRUSTED_PROXIES", default=["127.0.0.1", "::1"]) if p.strip()]
for _proxy in TRUSTED_PROXIES:
    ip_network(_proxy)  # an address or a network address (`10.0.0.0/8`, not `10.0.0.1/8`): refuse to start otherwise

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.forms",  # Django's widget templates, for the project's form renderer (childprotect/renderers.py)
    "guardian",
    "axes",  # login lockout after repeated failures (accounts security block below)
    "django_otp",  # optional TOTP two-factor authentication
    "django_otp.plugins.otp_totp",
    "import_export",
    "django_celery_beat",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    # the shared core
    "childprotect.places",
    "childprotect.agencies",
    "childprotect.accounts",
    "childprotect.audit",
    "childprotect.workdays",
    "childprotect.core",
    "childprotect.signing",  # digital signatures (docs/signing.md)
    "childprotect.alerts",  # e-mail, SMS and Zalo alerts, the outbox (docs/alerts.md)
    "childprotect.metrics",  # the Prometheus endpoint /metrics and the task counters (docs/architecture.md#metrics)
    "childprotect.field",  # the offline field app's shell, service worker and manifest (docs/field.md)
    "childprotect.health",  # /healthz, /readyz, heartbeats, alarms (docs/architecture.md#health-heartbeats-and-alarms)
    # above every app: the role home pages, development commands
    "home",
    "devtools",
    "api",  # the API for other systems and the product's own clients, over home (docs/api.md)
    # the domain
    "cases",
    "referrals",
    "reporting",
]

MIDDLEWARE = [
    "childprotect.metrics.middleware.RequestMetricsMiddleware",  # latency and queries by view; first: it times the rest
    # The request id (X-Request-ID) on every log line and every response, redirects and refusals included.
    "childprotect.logs.middleware.RequestIdMiddleware",
    # X-Forwarded-Proto/-For/-Host/-Port only from a proxy of TRUSTED_PROXIES; before SecurityMiddleware reads them
    "childprotect.proxies.ForwardedHeadersMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "childprotect.security.SecurityHeadersMiddleware",  # CSP, Permissions-Policy, COOP... on every response
    "childprotect.security.PrivatePagesMiddleware",  # Cache-Control: no-store on every page for a signed-in person
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "childprotect.core.middleware.LanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "childprotect.logs.middleware.UserIdMiddleware",  # the signed-in person's id on the log lines from here on
    "childprotect.db_router.ReplicaPinMiddleware",  # after a write, its person reads from the primary a while
    "childprotect.accounts.security.IdleSessionMiddleware",  # slides the idle expiry of logged-in sessions
    "django_otp.middleware.OTPMiddleware",  # request.user.is_verified(): has the user entered a code this session?
    "childprotect.accounts.security.TwoFactorMiddleware",  # sends users who owe a code to verify or to setup
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "childprotect.audit.middleware.RequestContextMiddleware",
    "axes.middleware.AxesMiddleware",  # turns a locked-out login into the lockout page; keep it last
    "childprotect.core.middleware.DatabaseBusyMiddleware",  # "database is locked" (SQLite): a 503, not a 500
]

ROOT_URLCONF = "childprotect.urls"
WSGI_APPLICATION = "childprotect.wsgi.application"

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
                "django.template.context_processors.i18n",
                "childprotect.core.context_processors.notifications",
                "childprotect.accounts.context_processors.capabilities",
            ],
        },
    },
]

# Every field is drawn by templates/_field.html through `{{ field.as_field_group }}` (childprotect/renderers.py).
FORM_RENDERER = "childprotect.renderers.ProjectFormRenderer"

# --- Database -----------------------------------------------------------------------------------------------------
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'childprotect.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Web server, Celery worker and beat share one SQLite file in development: WAL lets readers run beside the writer,
    # IMMEDIATE transactions take the write lock up front instead of failing half-way with "database is locked", and
    # a writer waits up to `timeout` seconds for the lock. synchronous=NORMAL is safe in WAL (a power cut may lose the
    # last commits, never corrupt the file) and spares an fsync per commit. A lock that outlasts the wait is a 503
    # with Retry-After (childprotect.core.middleware.DatabaseBusyMiddleware), never a 500.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": env.int("CHILDPROTECT_SQLITE_TIMEOUT", default=30),
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
else:
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# A PostgreSQL streaming replica (hot standby) of DATABASE_URL, for the heavy reads: periodic reports and their
# drill-downs, the supervisor's home counts, export rows. Only code wrapped in reading_from_replica() reads there;
# writes never do (childprotect/db_router.py, docs/deployment.md#the-read-replica). Unset: everything on the primary.
DATABASE_REPLICA_URL = env.str("DATABASE_REPLICA_URL", default="")
if DATABASE_REPLICA_URL:
    DATABASES["replica"] = env.db_url_config(DATABASE_REPLICA_URL)
    DATABASES["replica"].setdefault("CONN_MAX_AGE", DATABASES["default"].get("CONN_MAX_AGE", 0))
    DATABASES["replica"]["CONN_HEALTH_CHECKS"] = True
    DATABASES["replica"].setdefault("OPTIONS", {})["connect_timeout"] = 2  # a replica gone must not hold a page
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}  # tests: the same test database, never a second one
DATABASE_ROUTERS = ["childprotect.db_router.ReplicaRouter"]
# Read-your-writes: whoever has just written reads from the primary for this many seconds (the pin is in the cache,
# so every web process and worker honours it).
CHILDPROTECT_REPLICA_PIN_SECONDS = env.int("CHILDPROTECT_REPLICA_PIN_SECONDS", default=10)
# A replica whose replay is this many seconds behind (and not caught up with what it received) is not read.
CHILDPROTECT_REPLICA_MAX_LAG_SECONDS = env.int("CHILDPROTECT_REPLICA_MAX_LAG_SECONDS", default=30)
# Each process asks the replica whether it is up and current at most this often (seconds).
CHILDPROTECT_REPLICA_CHECK_SECONDS = env.int("CHILDPROTECT_REPLICA_CHECK_SECONDS", default=5)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Accounts -----------------------------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "childprotect.accounts.security.LockoutBackend",  # django-axes: refuses locked-out logins; must come first
    "childprotect.accounts.security.PeopleBackend",  # Django's ModelBackend, for people only (not API clients)
    "guardian.backends.ObjectPermissionBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    # Django's, with its message in Vietnamese (Django's Vietnamese catalogue lacks the 5.2 wording).
    {"NAME": "childprotect.accounts.validators.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
ANONYMOUS_USER_NAME = None  # django-guardian: no anonymous user row; anonymous users get nothing
GUARDIAN_RAISE_403 = False
GUARDIAN_RENDER_403 = False

# --- Accounts security: lockout, idle sessions, two-factor (childprotect/accounts/security.py) ----------------------
# Lockout (django-axes): this many failed logins for one username from one IP address lock that combination out for
# the cool-off period; every further attempt meanwhile is refused without being counted, so the page can say when
# to try again. A successful login clears the count. Lockouts are written to the audit log ("login.locked").
CHILDPROTECT_LOGIN_FAILURE_LIMIT = env.int("CHILDPROTECT_LOGIN_FAILURE_LIMIT", default=5)
CHILDPROTECT_LOGIN_COOLOFF_MINUTES = env.int("CHILDPROTECT_LOGIN_COOLOFF_MINUTES", default=15)
AXES_FAILURE_LIMIT = CHILDPROTECT_LOGIN_FAILURE_LIMIT
AXES_COOLOFF_TIME = timedelta(minutes=CHILDPROTECT_LOGIN_COOLOFF_MINUTES)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_HTTP_RESPONSE_CODE = 429
AXES_LOCKOUT_CALLABLE = "childprotect.accounts.security.lockout_response"  # registration/locked_out.html
AXES_CLIENT_IP_CALLABLE = "childprotect.audit.middleware.client_ip"  # the address the audit log records
AXES_DISABLE_ACCESS_LOG = True  # successful logins and logouts are already in the audit log
# Idle sessions: a session unused for this many minutes ends; the cookie also ends with the browser. Shared office
# computers are the norm. The expiry slides: IdleSessionMiddleware re-saves a logged-in session when it was last
# saved more than CHILDPROTECT_SESSION_TOUCH_SECONDS ago (SESSION_SAVE_EVERY_REQUEST would do it on every request,
# three more queries and a database write per page).
CHILDPROTECT_IDLE_MINUTES = env.int("CHILDPROTECT_IDLE_MINUTES", default=30)
CHILDPROTECT_SESSION_TOUCH_SECONDS = env.int("CHILDPROTECT_SESSION_TOUCH_SECONDS", default=60)
SESSION_COOKIE_AGE = CHILDPROTECT_IDLE_MINUTES * 60
SESSION_SAVE_EVERY_REQUEST = False
# Database sessions whose expiry touch never turns a busy SQLite into a 400 (accounts/sessions.py).
SESSION_ENGINE = "childprotect.accounts.sessions"
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
# Two-factor (django-otp, TOTP apps such as Google Authenticator): optional for everyone (Tài khoản của tôi ->
# Xác thực hai bước); whoever has set it up enters a code after the password. The roles listed here must set it up
# and cannot use anything else until they have; production should set CHILDPROTECT_2FA_REQUIRED_ROLES=supervisor,admin
# (role values from accounts.Role; "admin" also covers superusers).
CHILDPROTECT_2FA_REQUIRED_ROLES = env.list("CHILDPROTECT_2FA_REQUIRED_ROLES", default=[])
# Brute force: after this many wrong codes in a row, codes are refused for the window (on top of django-otp's own
# growing delay between attempts, OTP_TOTP_THROTTLE_FACTOR seconds doubled at each failure).
CHILDPROTECT_2FA_FAILURE_LIMIT = env.int("CHILDPROTECT_2FA_FAILURE_LIMIT", default=5)
CHILDPROTECT_2FA_FAILURE_WINDOW_MINUTES = env.int("CHILDPROTECT_2FA_FAILURE_WINDOW_MINUTES", default=10)
OTP_TOTP_THROTTLE_FACTOR = 1
OTP_TOTP_ISSUER = env.str("CHILDPROTECT_2FA_ISSUER", default="Bảo vệ trẻ em")  # the name shown in the app
OTP_ADMIN_HIDE_SENSITIVE_DATA = True  # the admin never shows a device's secret
# One-time backup codes for a lost phone: how many are made at 2FA set-up (and each regeneration), and from how few
# left the user is told to make new ones.
CHILDPROTECT_2FA_BACKUP_CODES = env.int("CHILDPROTECT_2FA_BACKUP_CODES", default=10)
CHILDPROTECT_2FA_BACKUP_CODES_LOW = env.int("CHILDPROTECT_2FA_BACKUP_CODES_LOW", default=3)
# The audit log's retention: `manage.py auditmaintain` purges only entries older than this many years. No text in
# force fixes it (docs/law.md#settings-not-constants); 20 years outlasts a child's minority (a record opened at birth
# still matters at 18) and the longest limitation period of the Criminal Code (BLHS 2015 Đ27: 20 years), since the
# log is the evidence of who saw and changed a child's record.
CHILDPROTECT_AUDIT_RETENTION_YEARS = env.int("CHILDPROTECT_AUDIT_RETENTION_YEARS", default=20)

# --- Language, time, formats -------------------------------------------------------------------------------------
LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", _("Tiếng Việt")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "childprotect" / "locale"]
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True
# dd/mm/yyyy everywhere, in both languages (the locale defaults differ: vi uses d-m-Y, en uses m/d/Y).
FORMAT_MODULE_PATH = ["childprotect.formats"]

# --- Static and uploaded files -----------------------------------------------------------------------------------
STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "staticfiles"
STATIC_ROOT.mkdir(exist_ok=True)  # whitenoise reads it at start; collectstatic fills it in production
MEDIA_ROOT = VAR_DIR / "media"  # outside the web root; files are served only through views that check access
# Attachments and made files (exports, PDFs, imports) in an S3-compatible bucket (MinIO, Ceph, a cloud's) when a
# bucket is named, so that every web process and worker of several machines sees them; MEDIA_ROOT otherwise.
# Private objects, never a public or signed URL: the views that check access stream them (docs/deployment.md#files).
CHILDPROTECT_S3_BUCKET = env.str("CHILDPROTECT_S3_BUCKET", default="")
CHILDPROTECT_S3_ENDPOINT_URL = env.str("CHILDPROTECT_S3_ENDPOINT_URL", default="")  # empty: AWS itself
CHILDPROTECT_S3_ACCESS_KEY_ID = env.str("CHILDPROTECT_S3_ACCESS_KEY_ID", default="")  # empty: boto3 finds them
CHILDPROTECT_S3_SECRET_ACCESS_KEY = env.str("CHILDPROTECT_S3_SECRET_ACCESS_KEY", default="")
CHILDPROTECT_S3_REGION = env.str("CHILDPROTECT_S3_REGION", default="us-east-1")
CHILDPROTECT_S3_PREFIX = env.str("CHILDPROTECT_S3_PREFIX", default="")  # a folder in a bucket shared with others
if CHILDPROTECT_S3_BUCKET:
    _default_storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": CHILDPROTECT_S3_BUCKET,
            "endpoint_url": CHILDPROTECT_S3_ENDPOINT_URL or None,
            "access_key": CHILDPROTECT_S3_ACCESS_KEY_ID or None,
            "secret_key": CHILDPROTECT_S3_SECRET_ACCESS_KEY or None,
            "region_name": CHILDPROTECT_S3_REGION,
            "location": CHILDPROTECT_S3_PREFIX,
            "default_acl": "private",
            "querystring_auth": True,  # a URL made by mistake is still no public link
            "file_overwrite": False,  # two uploads of "bien-ban.pdf" keep both
            # A download is read into memory up to 10 MB, then into a temporary file: a large export never fills RAM.
            "max_memory_size": 10 * 1024 * 1024,
            # MinIO and other self-hosted servers are addressed as endpoint/bucket, not bucket.endpoint.
            "addressing_style": "path" if CHILDPROTECT_S3_ENDPOINT_URL else None,
        },
    }
else:
    _default_storage = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
STORAGES = {
    "default": _default_storage,
    "staticfiles": {
        "BACKEND": "childprotect.static_storage.StaticStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# --- Email: by default written to files under var/ so that they can be read ------------------------------------------
EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.filebased.EmailBackend")
EMAIL_FILE_PATH = VAR_DIR / "emails"
EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
# Each step of the SMTP conversation (connecting, every command, the message itself) waits at most this long: a hung
# server costs a send this much, never a worker (and well before a sender's claim on a message runs out, below).
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=30)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Bảo vệ trẻ em <no-reply@childprotect.local>")

# --- Celery --------------------------------------------------------------------------------------------------------
# The cache carries the progress of long jobs (imports) from the Celery worker to the web process: a folder under
# var/ by default (shared by the processes of one machine), Redis in production (CACHE_URL=redis://host:6379/1).
CACHES = {"default": env.cache_url("CACHE_URL", default=f"filecache://{VAR_DIR / 'cache'}")}
if CACHES["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache":
    # Several machines: sessions read from Redis (no database query per page, the same on every web process) and
    # written through to the database, so that a Redis restart signs no one out (docs/deployment.md#sessions).
    # The SQLite busy handling of accounts/sessions.py is for `make run`'s single machine, not needed here.
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="filesystem://")
if CELERY_BROKER_URL.startswith("filesystem://"):
    _celery_dir = VAR_DIR / "celery"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_celery_dir / "queue"),
        "data_folder_out": str(_celery_dir / "queue"),
        "processed_folder": str(_celery_dir / "processed"),
        "control_folder": str(_celery_dir / "control"),
        "store_processed": False,
    }
    for _folder in ("queue", "processed", "control"):  # kombu expects them; anything may queue a task (loaddemo)
        (_celery_dir / _folder).mkdir(parents=True, exist_ok=True)
elif CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
    # A broker that does not answer must not hold a web request: give up connecting after 2 s (see below).
    # A task taken by a worker that then vanished (SIGKILL, power cut) stays "unacked" in Redis; it is given to another
    # worker after visibility_timeout seconds (kombu's default: an hour). A task waiting for its countdown or ETA
    # longer than this inside a worker is also given out again: every task is idempotent, so it runs once more at
    # worst (docs/architecture.md#broker-outages-and-killed-workers). Workers look for such tasks as they start and
    # every 100 s (kombu's defaults).
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "socket_connect_timeout": 2,
        "visibility_timeout": env.int("CHILDPROTECT_BROKER_VISIBILITY_TIMEOUT", default=600),
    }
# Publishing to a dead broker: two quick retries, then the caller goes on (e-mails are swept up later, see
# CHILDPROTECT_ALERT_SWEEP_AFTER_SECONDS); Celery's default would retry 3 times and the redis client waits unbounded.
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.5, "interval_max": 0.5}
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
# Alert messages (e-mail, SMS, Zalo) go to a queue of their own, served by a worker of their own (`make run`, the
# compose file): a mail server or provider that hangs fills that worker only, never the one the deadline scan runs on
# (docs/alerts.md#a-hanging-provider).
CHILDPROTECT_MESSAGES_QUEUE = env.str("CHILDPROTECT_MESSAGES_QUEUE", default="messages")
CELERY_TASK_ROUTES = {"childprotect.alerts.tasks.*": {"queue": CHILDPROTECT_MESSAGES_QUEUE}}
# A task that dies mid-way is redelivered; tasks are written to be idempotent. acks_late alone acknowledges a task
# whose pool process was killed (OOM killer, SIGKILL): reject_on_worker_lost requeues it instead. A worker killed
# whole leaves its task unacked: Redis gives it out again after the visibility timeout above. The filesystem
# transport (make run) never redelivers: there the periodic sweeps and scans redo what a killed worker left.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
# A worker that loses the broker reconnects, however long the outage (Celery gives up after 100 attempts by
# default, the worker then exits); a task running meanwhile finishes (its acknowledgement may be lost with the
# connection: it is then redelivered and, idempotent, runs once more).
CELERY_BROKER_CONNECTION_RETRY = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_CONNECTION_MAX_RETRIES = None
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = False
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
# django-celery-beat's DatabaseScheduler that sends only while it holds the "beat" lease: a second beat started by
# mistake stands by, and takes over this many seconds after the first stops
# (docs/deployment.md#periodic-jobs-with-more-than-one-beat).
CELERY_BEAT_SCHEDULER = "childprotect.health.scheduler:SingleBeatScheduler"
CHILDPROTECT_BEAT_LEASE_SECONDS = env.int("CHILDPROTECT_BEAT_LEASE_SECONDS", default=30)
CELERY_BEAT_SCHEDULE = BEAT_SCHEDULE  # every periodic job is declared in childprotect/schedule.py, the one place

# --- Health, heartbeats and alarms (docs/architecture.md#health-heartbeats-and-alarms) -------------------------------
# The deadline scan (every 5 minutes from beat) not finished for this long opens an alarm: a red banner on the home
# page of administrators and supervisors, one e-mail to the administrators, /readyz "degraded". Minutes, fractions
# allowed (the end-to-end test uses seconds).
CHILDPROTECT_SCAN_STALE_MINUTES = env.float("CHILDPROTECT_SCAN_STALE_MINUTES", default=15)
# Workers were seen but none for this long: an alarm (no live worker). Each worker beats every tick, below.
CHILDPROTECT_WORKER_STALE_MINUTES = env.float("CHILDPROTECT_WORKER_STALE_MINUTES", default=5)
# Each worker's health timer (childprotect/health/worker.py): its heartbeat, the queue sample, the alarms and their
# e-mails, every this many seconds; 0 turns the timer off.
CHILDPROTECT_HEALTH_TICK_SECONDS = env.float("CHILDPROTECT_HEALTH_TICK_SECONDS", default=30)
# The broker queues measured (Redis: the lists' lengths; filesystem transport: the files), at most once per this
# many seconds across all workers; a queue whose last GROWTH_SAMPLES lengths each grew, the last at least
# GROWTH_THRESHOLD messages, "keeps growing": an alarm.
CHILDPROTECT_HEALTH_QUEUES = env.list("CHILDPROTECT_HEALTH_QUEUES", default=["celery", CHILDPROTECT_MESSAGES_QUEUE])
CHILDPROTECT_QUEUE_SAMPLE_SECONDS = env.float("CHILDPROTECT_QUEUE_SAMPLE_SECONDS", default=60)
CHILDPROTECT_QUEUE_GROWTH_SAMPLES = env.int("CHILDPROTECT_QUEUE_GROWTH_SAMPLES", default=5)
CHILDPROTECT_QUEUE_GROWTH_THRESHOLD = env.int("CHILDPROTECT_QUEUE_GROWTH_THRESHOLD", default=100)
# /readyz waits at most this many seconds for the broker (connecting and each answer).
CHILDPROTECT_HEALTH_BROKER_TIMEOUT = env.float("CHILDPROTECT_HEALTH_BROKER_TIMEOUT", default=1.5)
# Heartbeats of workers not seen for this many days are deleted (hostnames change with each container).
CHILDPROTECT_HEARTBEAT_KEEP_DAYS = env.int("CHILDPROTECT_HEARTBEAT_KEEP_DAYS", default=7)

# --- Product settings (docs/law.md#settings-not-constants: what is not fixed by law is a setting) --------------------
# The name of the provincial child-affairs agency changed in 2025 (Sở LĐTBXH -> Sở Y tế); it is data, not code.
CHILDPROTECT_PROVINCE_AGENCY_NAME = env.str("CHILDPROTECT_PROVINCE_AGENCY_NAME", default="Sở Y tế")
# The district's (2024 list) child-affairs office, which issues a district's report: Phòng Lao động - Thương binh
# và Xã hội until 02/2025, then the district's health office; not confirmed from the 2025 decrees' text: a setting.
# Its head's title follows its name (childprotect/accounts/signatures.py: "Phòng …" → Trưởng phòng).
CHILDPROTECT_DISTRICT_AGENCY_NAME = env.str("CHILDPROTECT_DISTRICT_AGENCY_NAME", default="Phòng Y tế")
# Where a province's periodic report goes at the centre (its "Nơi nhận"): the ministry in charge of children since
# 01/03/2025 (docs/law.md#people-and-places); a setting so a further reorganisation needs no code.
CHILDPROTECT_MINISTRY_RECIPIENT = env.str("CHILDPROTECT_MINISTRY_RECIPIENT", default="Bộ Y tế (Cục Bà mẹ và Trẻ em)")
# NĐ 56 Mẫu 01 is numbered "Số: …/BC-(2)", (2) being "the abbreviation of the receiving body's name"; the decree lists
# none, so these are settings (docs/law.md#the-intake-form): by who received the report: commune staff ("commune"),
# a district or province supervisor ("district", "province": the provincial agency above), a partner agency by its type
# ("agency:police"), an API client by its kind ("api:hotline"). A body not listed: the initials of its name.
# Override as CHILDPROTECT_MAU01_ABBREVIATIONS="commune=UBND,agency:police=CA,api:hotline=TĐ111".
CHILDPROTECT_MAU01_ABBREVIATIONS = {
    "commune": "UBND",
    "district": "UBND",
    "province": "SYT",
    "agency:police": "CA",
    "agency:health": "YT",
    "api:hotline": "TĐ111",
    "api:police": "CA",
    "api:province": "SYT",
    **env.dict("CHILDPROTECT_MAU01_ABBREVIATIONS", default={}),
}
# The address written in emails, in front of the links to records. By default the development server's, on PORT
# (`PORT=8102 make run`); production sets the public address.
CHILDPROTECT_SITE_URL = env.str("CHILDPROTECT_SITE_URL", default=f"http://127.0.0.1:{env.int('PORT', default=8000)}")
# The list of administrative units new records are filed under (docs/law.md#administrative-units: 2026 is current).
CHILDPROTECT_CURRENT_UNIT_LIST = env.int("CHILDPROTECT_CURRENT_UNIT_LIST", default=2026)
# Statutory limits (docs/law.md#time-limits). Every duration is a setting with the legal default; "to confirm" items
# likewise.
# NĐ 56 Đ26 k3: initial assessment and the emergency-protection decision within 12 hours of receiving the report.
CHILDPROTECT_EMERGENCY_HOURS = env.int("CHILDPROTECT_EMERGENCY_HOURS", default=12)
# NĐ 56 Đ28 k1: the support/intervention plan within 5 working days "trừ trường hợp khẩn cấp"; the text names no
# starting point: counted from the report's receipt (docs/law.md#time-limits).
CHILDPROTECT_PLAN_WORKING_DAYS = env.int("CHILDPROTECT_PLAN_WORKING_DAYS", default=5)
# Đ28 k1's exception: in an emergency (the chair applied emergency protection, Đ31, or a separation, Đ32) the 5 days
# do not apply and the plan follows the emergency "as fast as possible" (Đ31 k2, k3 b); the text sets no number, so
# the plan is due this many working days after the chair's emergency decision (0: no plan clock in an emergency).
CHILDPROTECT_EMERGENCY_PLAN_WORKING_DAYS = env.int("CHILDPROTECT_EMERGENCY_PLAN_WORKING_DAYS", default=2)
# NĐ 56 Đ30 k1 c: a review finding the child still at risk or not stable goes back to drafting and approving a plan
# (Đ28); the text gives the new plan no limit of its own: this many working days from the review (0: no clock).
CHILDPROTECT_REPLAN_WORKING_DAYS = env.int("CHILDPROTECT_REPLAN_WORKING_DAYS", default=5)
# NĐ 56 Đ28 k4: the chair decides on the plan within 2 working days, "trừ trường hợp khẩn cấp".
CHILDPROTECT_APPROVAL_WORKING_DAYS = env.int("CHILDPROTECT_APPROVAL_WORKING_DAYS", default=2)
# NĐ 56 Đ28 k1, k4 give the plan's approval (and so its return) to the chair; a supervisor comments ("đề nghị sửa").
# On: supervisors may also return a drafted plan to the officer, as the product allowed before.
CHILDPROTECT_SUPERVISOR_RETURNS_PLAN = env.bool("CHILDPROTECT_SUPERVISOR_RETURNS_PLAN", default=False)
# NĐ 56 Đ30 k1: periodic review while the plan runs; the text sets no period: every 30 days by default.
CHILDPROTECT_REVIEW_DAYS = env.int("CHILDPROTECT_REVIEW_DAYS", default=30)
# Closing after a review on Mẫu 06 (NĐ 56 Đ30 k1 b; docs/law.md#review-form-06). The law closes when no risk
# remains and the child is stable; the form rates three harm criteria and the child's self-protection and recovery,
# and sets no pass mark: how many harm criteria may still be rated Trung bình (none Cao, ever), and the lowest
# rating of self-protection and of recovery ("low": rated at all; "medium"; "high").
CHILDPROTECT_CLOSURE_HARM_MEDIUM_MAX = env.int("CHILDPROTECT_CLOSURE_HARM_MEDIUM_MAX", default=0)
CHILDPROTECT_CLOSURE_SELF_PROTECTION_MIN = env.str("CHILDPROTECT_CLOSURE_SELF_PROTECTION_MIN", default="low")
CHILDPROTECT_CLOSURE_RECOVERY_MIN = env.str("CHILDPROTECT_CLOSURE_RECOVERY_MIN", default="medium")
# NĐ 56 Đ32 k3: temporary separation from the carer lasts at most 15 days, extensions included, unless a competent
# authority asks for it to go on.
CHILDPROTECT_SEPARATION_MAX_DAYS = env.int("CHILDPROTECT_SEPARATION_MAX_DAYS", default=15)
# NĐ 56 Đ32 sets no bound on a separation continued at a competent authority's request: the most days one such
# extension may add (docs/law.md#decisions-of-the-chair).
CHILDPROTECT_SEPARATION_EXTENSION_MAX_DAYS = env.int("CHILDPROTECT_SEPARATION_EXTENSION_MAX_DAYS", default=15)
# Reminders: this many hours before a clock-hour deadline; one working day before the others.
CHILDPROTECT_REMIND_HOURS_BEFORE = env.int("CHILDPROTECT_REMIND_HOURS_BEFORE", default=2)
# Home pages: deadlines falling due within this many hours are listed as "due soon", with a countdown.
CHILDPROTECT_DUE_SOON_HOURS = env.int("CHILDPROTECT_DUE_SOON_HOURS", default=24)
# The supervisor's charts (cases by form, month, age group and sex), table of communes and caseload card are counted at
# most this often per area, kept in the cache (CACHES), and the page says when they were counted; 0 counts them on every
# view. Counts of work are live.
CHILDPROTECT_CHARTS_CACHE_SECONDS = env.int("CHILDPROTECT_CHARTS_CACHE_SECONDS", default=300)
# Referrals (docs/law.md#referrals): defaults used when no response rule is set for an agency type (admin: Thời hạn
# phản hồi chuyển tuyến), and how long the agency keeps its view of the case after completing a referral.
CHILDPROTECT_REFERRAL_URGENT_HOURS = env.int("CHILDPROTECT_REFERRAL_URGENT_HOURS", default=24)
CHILDPROTECT_REFERRAL_WORKING_DAYS = env.int("CHILDPROTECT_REFERRAL_WORKING_DAYS", default=3)
# The periodic report's target share of referral answers on time, per agency type ("health=90,police=80"): shown
# beside the share measured. Default: Thái Bình's plan 39/KH-UBND, 90% of cases needing health care connected in time.
CHILDPROTECT_REFERRAL_ON_TIME_TARGETS = {
    agency.strip(): float(target)
    for agency, _sep, target in (
        part.partition("=") for part in env.str("CHILDPROTECT_REFERRAL_ON_TIME_TARGETS", default="health=90").split(",")
    )
    if agency.strip() and target.strip()
}
CHILDPROTECT_REFERRAL_ACCESS_DAYS = env.int("CHILDPROTECT_REFERRAL_ACCESS_DAYS", default=30)
# Periodic reports (docs/law.md#periodic-reports): data window (month-day of start and end) and due date of each
# kind. The start falls in the previous year when it comes after the end. Reminders go this many days before the due
# date.
CHILDPROTECT_REPORT_PERIODS = {
    "semiannual": {"start": "12-15", "end": "06-14", "due": "06-15"},
    "annual": {"start": "12-15", "end": "12-14", "due": "12-15"},
}
# The outbox of alert messages, e-mail, SMS and Zalo (childprotect/alerts/services.py): a message not sent this many
# seconds after it was made (its task lost to a broker outage) is sent by the sweep; a sender's claim on one runs out
# after CHILDPROTECT_ALERT_CLAIM_MINUTES (a sender that died mid-way), then another may send it.
CHILDPROTECT_ALERT_SWEEP_AFTER_SECONDS = env.int("CHILDPROTECT_ALERT_SWEEP_AFTER_SECONDS", default=60)
CHILDPROTECT_ALERT_CLAIM_MINUTES = env.int("CHILDPROTECT_ALERT_CLAIM_MINUTES", default=10)
# One message's send may take this many seconds in all (a server that answers a byte at a time never trips the socket
# time-out): then its worker process is stopped and replaced, and the message is retried (docs/alerts.md#delivery).
CHILDPROTECT_ALERT_SEND_TIME_LIMIT = env.int("CHILDPROTECT_ALERT_SEND_TIME_LIMIT", default=120)
# A message whose provider keeps failing for the moment (timeouts, 5xx, rate limits) is tried this many times, with
# backoff (30 s, 1, 2, 4 … minutes, at most an hour between), then recorded as failed (docs/alerts.md#delivery).
CHILDPROTECT_ALERT_MAX_ATTEMPTS = env.int("CHILDPROTECT_ALERT_MAX_ATTEMPTS", default=8)
# An urgent alert neither read in the bell nor opened from its link for this long goes to the next person in the chain
# (officer → chair → supervisor), each once (docs/alerts.md#escalation).
CHILDPROTECT_ALERT_ESCALATE_MINUTES = env.int("CHILDPROTECT_ALERT_ESCALATE_MINUTES", default=60)
# Channels (docs/alerts.md#channels): each is off until configured. SMS: a brandname gateway, by provider name.
CHILDPROTECT_SMS_PROVIDER = env.str("CHILDPROTECT_SMS_PROVIDER", default="")
CHILDPROTECT_SMS_API_URL = env.str("CHILDPROTECT_SMS_API_URL", default="")
CHILDPROTECT_SMS_API_KEY = env.str("CHILDPROTECT_SMS_API_KEY", default="")
CHILDPROTECT_SMS_SECRET_KEY = env.str("CHILDPROTECT_SMS_SECRET_KEY", default="")
CHILDPROTECT_SMS_BRANDNAME = env.str("CHILDPROTECT_SMS_BRANDNAME", default="")
# The secret a provider's delivery receipts are signed with (or carry), checked by the receipt callback.
CHILDPROTECT_SMS_CALLBACK_SECRET = env.str("CHILDPROTECT_SMS_CALLBACK_SECRET", default="")
# Brandname SMS go without diacritics (one message is 160 characters; with Unicode, 70): True sends them as written.
CHILDPROTECT_SMS_UNICODE = env.bool("CHILDPROTECT_SMS_UNICODE", default=False)
# Seconds a provider has to answer before the attempt counts as a temporary failure.
CHILDPROTECT_ALERT_HTTP_TIMEOUT = env.float("CHILDPROTECT_ALERT_HTTP_TIMEOUT", default=10.0)
# Zalo: ZNS template messages through the Official Account of the app CHILDPROTECT_ZALO_APP_ID.
CHILDPROTECT_ZALO_PROVIDER = env.str("CHILDPROTECT_ZALO_PROVIDER", default="")
CHILDPROTECT_ZALO_APP_ID = env.str("CHILDPROTECT_ZALO_APP_ID", default="")
CHILDPROTECT_ZALO_SECRET_KEY = env.str("CHILDPROTECT_ZALO_SECRET_KEY", default="")
CHILDPROTECT_ZALO_REFRESH_TOKEN = env.str("CHILDPROTECT_ZALO_REFRESH_TOKEN", default="")  # the first one; it rotates
CHILDPROTECT_ZALO_API_URL = env.str("CHILDPROTECT_ZALO_API_URL", default="https://business.openapi.zalo.me")
CHILDPROTECT_ZALO_OAUTH_URL = env.str("CHILDPROTECT_ZALO_OAUTH_URL", default="https://oauth.zaloapp.com")
# The ZNS template registered for each message (alerts/messages.py TEMPLATES): "alert=123456,verify_code=234567".
CHILDPROTECT_ZALO_TEMPLATES = env.dict("CHILDPROTECT_ZALO_TEMPLATES", default={})
# The OA's secret key (the OA's webhook settings): it signs the delivery receipts Zalo posts to the webhook.
CHILDPROTECT_ZALO_OA_SECRET_KEY = env.str("CHILDPROTECT_ZALO_OA_SECRET_KEY", default="")
# Modules imported before a channel's provider is chosen, each adding adapters to channels/registry.py's SMS_PROVIDERS
# or ZALO_PROVIDERS when imported: an extension hook ("pkg.module,other.module"), empty in production. The tests' real
# worker uses it for a local test provider (tests/support/http_provider.py).
CHILDPROTECT_ALERT_EXTRA_ADAPTERS = env.list("CHILDPROTECT_ALERT_EXTRA_ADAPTERS", default=[])
# A phone's verification code: valid this many minutes, this many wrong tries.
CHILDPROTECT_PHONE_CODE_MINUTES = env.int("CHILDPROTECT_PHONE_CODE_MINUTES", default=10)
CHILDPROTECT_PHONE_CODE_ATTEMPTS = env.int("CHILDPROTECT_PHONE_CODE_ATTEMPTS", default=5)
CHILDPROTECT_REPORT_REMIND_DAYS_BEFORE = env.int("CHILDPROTECT_REPORT_REMIND_DAYS_BEFORE", default=7)
# A report speaks for its whole period: it can be sent (and approved) from this many days before the period's last day
# (0: on the last day itself), never earlier.
CHILDPROTECT_REPORT_SEND_OPENS_DAYS_BEFORE_END = env.int("CHILDPROTECT_REPORT_SEND_OPENS_DAYS_BEFORE_END", default=0)
# Imports (registries in): the largest file accepted, and the row errors kept for the preview.
CHILDPROTECT_IMPORT_MAX_BYTES = env.int("CHILDPROTECT_IMPORT_MAX_BYTES", default=30 * 1024 * 1024)
CHILDPROTECT_IMPORT_MAX_ERRORS = env.int("CHILDPROTECT_IMPORT_MAX_ERRORS", default=500)
# A file's size says little about what it holds: rows and columns are capped (counted while streaming), and an .xlsx
# (a zip) is refused unread when its parts would inflate past a size or at a ratio no spreadsheet reaches (a zip bomb).
CHILDPROTECT_IMPORT_MAX_ROWS = env.int("CHILDPROTECT_IMPORT_MAX_ROWS", default=100_000)
CHILDPROTECT_IMPORT_MAX_COLUMNS = env.int("CHILDPROTECT_IMPORT_MAX_COLUMNS", default=50)
CHILDPROTECT_IMPORT_MAX_UNCOMPRESSED_BYTES = env.int(
    "CHILDPROTECT_IMPORT_MAX_UNCOMPRESSED_BYTES", default=200 * 1024 * 1024
)
CHILDPROTECT_IMPORT_MAX_COMPRESSION_RATIO = env.int("CHILDPROTECT_IMPORT_MAX_COMPRESSION_RATIO", default=100)
# An import whose preview or import gave no sign of life (its start, or a progress report) for this many minutes had
# its worker die: it is marked failed (the sweep-imports job, and its page) and can be cancelled. A preview or import of
# the largest file the limits above allow reports progress every few seconds, so this is far above any live gap.
CHILDPROTECT_IMPORT_STALE_MINUTES = env.int("CHILDPROTECT_IMPORT_STALE_MINUTES", default=30)
# XLSX exports (childprotect/core/export_jobs.py): a made file holds children's personal data; it is deleted this many
# hours after it was asked for (the hourly expire-exports job), and a job still not made by then is given up.
CHILDPROTECT_EXPORT_KEEP_HOURS = env.int("CHILDPROTECT_EXPORT_KEEP_HOURS", default=24)
# Attachments (scanned decisions, minutes, medical papers).
CHILDPROTECT_ATTACHMENT_MAX_BYTES = env.int("CHILDPROTECT_ATTACHMENT_MAX_BYTES", default=10 * 1024 * 1024)
# When a working-day deadline falls due on its last day: end of that day, local time.
CHILDPROTECT_WORKDAY_DEADLINE_TIME = env.str("CHILDPROTECT_WORKDAY_DEADLINE_TIME", default="23:59:59")

# --- API (api/, docs/api.md) ---------------------------------------------------------------------------------------
# Other systems use a token (Authorization: Bearer ...); the product's own pages may call the API with the session
# (CSRF enforced). Every error is JSON with a Vietnamese message and a pointer to the field (api/errors.py).
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["api.auth.TokenAuthentication", "api.auth.SessionAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["api.permissions.SignedIn"],
    "DEFAULT_THROTTLE_CLASSES": ["api.throttles.PerAccountRate"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["api.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "api.errors.exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    "DATETIME_FORMAT": "iso-8601",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "childprotect API",
    "DESCRIPTION": (
        "Tiếp nhận thông tin, thông báo, tố giác từ hệ thống đối tác và trả lại tình trạng xử lý (docs/api.md)."
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",  # vendored by drf-spectacular-sidecar: no CDN
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
}
# A token lives this many days at most; an administrator may choose fewer when issuing it.
CHILDPROTECT_API_TOKEN_MAX_DAYS = env.int("CHILDPROTECT_API_TOKEN_MAX_DAYS", default=365)
# The largest request body the API reads (bytes): a report with its children is a few kilobytes.
CHILDPROTECT_API_MAX_BODY = env.int("CHILDPROTECT_API_MAX_BODY", default=256 * 1024)
# How long the answer to a request sent with an Idempotency-Key is kept for its retries (the field app may sync after
# weeks without signal); after that the same key is a new request.
CHILDPROTECT_API_IDEMPOTENCY_DAYS = env.int("CHILDPROTECT_API_IDEMPOTENCY_DAYS", default=60)
# The offline field app (/field/, docs/api.md#the-field-app): the device's store is wiped after this many days without
# a sync and after this many wrong PINs in a row; a step recorded offline older than this many days is refused.
CHILDPROTECT_OFFLINE_WIPE_DAYS = env.int("CHILDPROTECT_OFFLINE_WIPE_DAYS", default=7)
CHILDPROTECT_OFFLINE_PIN_ATTEMPTS = env.int("CHILDPROTECT_OFFLINE_PIN_ATTEMPTS", default=5)
CHILDPROTECT_OFFLINE_RECORDED_MAX_DAYS = env.int("CHILDPROTECT_OFFLINE_RECORDED_MAX_DAYS", default=30)
# Requests per minute for a person's own token or session (a client's is set on the client).
CHILDPROTECT_API_PERSON_RATE = env.int("CHILDPROTECT_API_PERSON_RATE", default=300)
# Webhooks: attempts before an event is marked failed, the first wait between attempts (doubled each time, up to
# the cap), and how long one POST may take.
CHILDPROTECT_WEBHOOK_ATTEMPTS = env.int("CHILDPROTECT_WEBHOOK_ATTEMPTS", default=8)
CHILDPROTECT_WEBHOOK_BACKOFF_SECONDS = env.int("CHILDPROTECT_WEBHOOK_BACKOFF_SECONDS", default=30)
CHILDPROTECT_WEBHOOK_BACKOFF_CAP_SECONDS = env.int("CHILDPROTECT_WEBHOOK_BACKOFF_CAP_SECONDS", default=3600)
CHILDPROTECT_WEBHOOK_TIMEOUT_SECONDS = env.int("CHILDPROTECT_WEBHOOK_TIMEOUT_SECONDS", default=10)

# --- Security ------------------------------------------------------------------------------------------------------
# Content-Security-Policy (childprotect/security.py): only the project's own files. Unset: the policy in that module.
CHILDPROTECT_CSP = env.str("CHILDPROTECT_CSP", default=None)
SESSION_COOKIE_HTTPONLY = True
# SESSION_COOKIE_AGE: the idle timeout, see "Accounts security" above.
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    # Probes ask over the internal network in plain http: a redirect to https would fail them. Prometheus likewise
    # scrapes each server directly (each has its own counts, docs/architecture.md#metrics).
    SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^metrics$"]
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)

# --- Errors and logs (docs/architecture.md#errors-and-logs) ----------------------------------------------------------
# Log lines, each with the request id and the signed-in person's numeric id. `json`: one JSON object a line (time in
# UTC, level, logger, message, request_id, user_id, exc_info) on standard output, for the container's log collector;
# `text`: for a person reading a terminal, on standard error (where a command's output, e.g. JSON a script reads, is
# not mixed with them). Request bodies are never logged.
CHILDPROTECT_LOG_FORMAT = env.str("CHILDPROTECT_LOG_FORMAT", default="json" if PRODUCTION else "text")
if CHILDPROTECT_LOG_FORMAT not in {"json", "text"}:
    raise ImproperlyConfigured("CHILDPROTECT_LOG_FORMAT must be json or text")
# Celery keeps Django's logging (and so the format above and the request id) instead of setting up its own.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
# Server errors (500) are mailed to ADMINS: "Name <a@example.vn>, b@example.vn"; empty: no mail. The mail names the
# exception's type, the code's lines, the request id and the user id; no form or query values, cookies, headers,
# settings or variables (childprotect/logs/reporter.py).
ADMINS = admins_from(env.str("ADMINS", default=""))
SERVER_EMAIL = env.str("SERVER_EMAIL", default=DEFAULT_FROM_EMAIL)  # the sender of those mails
EMAIL_SUBJECT_PREFIX = "[childprotect] "
# For any report still made by Django's own reporter: every POST value, cookie, header outside a short list and
# local variable hidden.
DEFAULT_EXCEPTION_REPORTER_FILTER = "childprotect.logs.reporter.ProtectedDataFilter"
# Also the reporter of any other report (Django's lists the query string's values whatever the filter); with DEBUG
# on, the development error page stays Django's full one.
DEFAULT_EXCEPTION_REPORTER = "childprotect.logs.reporter.ProtectedDataReporter"
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "request_context": {"()": "childprotect.logs.formatting.RequestContextFilter"},
        "require_debug_false": {"()": "django.utils.log.RequireDebugFalse"},
    },
    "formatters": {
        "json": {"()": "childprotect.logs.formatting.JsonFormatter"},
        "text": {"()": "childprotect.logs.formatting.TextFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stdout" if CHILDPROTECT_LOG_FORMAT == "json" else "ext://sys.stderr",
            "formatter": CHILDPROTECT_LOG_FORMAT,
            "filters": ["request_context"],
        },
        "mail_admins": {
            "class": "django.utils.log.AdminEmailHandler",
            "level": "ERROR",
            "filters": ["require_debug_false", "request_context"],
            "include_html": False,
            "reporter_class": "childprotect.logs.reporter.ProtectedDataReporter",
        },
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        # Django's errors (a 500, a refused host) are mailed, and reach the console through the root logger.
        "django": {"handlers": ["mail_admins"], "level": "INFO", "propagate": True},
        # WeasyPrint and fontTools report every step of every PDF at INFO; axes every login (the audit log has them).
        **{name: {"level": "WARNING"} for name in ("weasyprint", "weasyprint.progress", "fontTools", "axes")},
    },
}
# Optional error reports to Sentry (or a self-hosted Sentry/GlitchTip): the project's DSN, e.g.
# https://key@sentry.example.vn/3; empty: off. Events carry the exception's type, the stack trace, the URL's path,
# the request id and the user's numeric id, never a request's data (childprotect/logs/sentry.py).
CHILDPROTECT_SENTRY_DSN = env.str("CHILDPROTECT_SENTRY_DSN", default="")
CHILDPROTECT_SENTRY_ENVIRONMENT = env.str(
    "CHILDPROTECT_SENTRY_ENVIRONMENT", default="production" if PRODUCTION else "development"
)
CHILDPROTECT_SENTRY_RELEASE = env.str("CHILDPROTECT_SENTRY_RELEASE", default="")  # e.g. the deployed commit
if CHILDPROTECT_SENTRY_DSN:
    from childprotect.logs.sentry import sentry_start

    sentry_start(
        dsn=CHILDPROTECT_SENTRY_DSN, environment=CHILDPROTECT_SENTRY_ENVIRONMENT, release=CHILDPROTECT_SENTRY_RELEASE
    )

# --- Metrics (docs/architecture.md#metrics) --------------------------------------------------------------------------
# GET /metrics for Prometheus. Off (a 404) while both are empty; with both set, a scrape must pass both.
# The token a scraper sends as "Authorization: Bearer <token>" (compared in constant time); empty: no token asked.
CHILDPROTECT_METRICS_TOKEN = env.str("CHILDPROTECT_METRICS_TOKEN", default="")
# The networks a scraper may come from (comma-separated CIDRs, e.g. 10.0.5.0/24,127.0.0.1/32), checked against the
# client's address (behind a trusted proxy, the address it forwarded); empty: from anywhere.
CHILDPROTECT_METRICS_ALLOW = env.list("CHILDPROTECT_METRICS_ALLOW", default=[])

# --- digital signatures (docs/signing.md) ---------------------------------------------------------------------------
# The root certificates a signature is trusted up to: PEM or DER files (comma-separated paths), e.g. the national
# root CA (Bộ Khoa học và Công nghệ / NEAC) and the roots of the CAs the signers' certificates come from. A signature
# whose chain ends elsewhere shows "not trusted", not "invalid".
CHILDPROTECT_SIGNING_TRUST_ROOTS = env.list("CHILDPROTECT_SIGNING_TRUST_ROOTS", default=[])
# A certificate is added only by the person it names (its subject's common name, compared without accents and case).
CHILDPROTECT_SIGNING_NAME_MATCH = env.bool("CHILDPROTECT_SIGNING_NAME_MATCH", default=True)
CHILDPROTECT_SIGNING_MAX_FILE_BYTES = env.int("CHILDPROTECT_SIGNING_MAX_FILE_BYTES", default=64 * 1024)
# A PKCS#11 token on the server (a USB token, an HSM): the module's path and the token's label; empty: none.
CHILDPROTECT_PKCS11_MODULE = env.str("CHILDPROTECT_PKCS11_MODULE", default="")
CHILDPROTECT_PKCS11_TOKEN_LABEL = env.str("CHILDPROTECT_PKCS11_TOKEN_LABEL", default="")
