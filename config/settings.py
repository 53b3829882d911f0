"""Baton settings, read from environment variables (see the README's configuration table).

With no DATABASE_URL / REDIS_URL the system runs embedded: SQLite under var/, Celery tasks run
eagerly in-process and timers are driven by an in-process ticker.
"""

from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from .env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("BATON_VAR_DIR", str(BASE_DIR / "var")))

DEBUG = env_bool("DEBUG", False)

SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off")
    SECRET_KEY = "insecure-development-key-only-for-debug-mode"  # noqa: S105

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "axes",
    "core",
    "audit",
    "org",
    "engine",
    "processes",
    "integrations",
    "crm",
    "crm.processes",
    "office",
    "projects",
    "hr",
    "knowledge",
    "training",
    "tasklist",
    "portal",
    "reports",
    "messaging",
    "worklogs",
    "configtransfer",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "api",
]

MIDDLEWARE = [
    # Slow-changing reads (group tree, permissions, staff status) are remembered per request
    # and, with a shared cache, across requests until they change (core.memo).
    "core.memo.RequestMemoMiddleware",
    # The request a service writes its audit row in (client address, browser): audit.middleware.
    "audit.middleware.AuditRequestMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Content-Security-Policy on every response (policy under "Security" below).
    "csp.middleware.CSPMiddleware",
    # NUL characters in a form, query or JSON body: a clear 400, never a database error.
    "core.middleware.RejectNulCharactersMiddleware",
    # A database connection lost mid-request: 503 "nothing was saved, try again", not a 500.
    "core.middleware.DatabaseInterruptedMiddleware",
    "core.middleware.ValueOutOfRangeMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Portal users reach /portal/ only: staff pages and the staff API refuse them.
    "portal.middleware.PortalBoundaryMiddleware",
    "tasklist.middleware.UserLanguageMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "tasklist.middleware.DomainErrorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes requires: it turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "core.context_processors.navigation",
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------------------
EMBEDDED_DATABASE_URL = f"sqlite:///{VAR_DIR / 'baton.sqlite3'}"
DATABASE_URL = env_str("DATABASE_URL") or EMBEDDED_DATABASE_URL
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 60))}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    # Embedded mode: WAL and a busy timeout let the ticker thread and requests share the file.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
else:
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
EMBEDDED = DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3"

# --- Auth ---------------------------------------------------------------------------------
AUTH_USER_MODEL = "org.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "org.backends.OrgPermissionBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": env_int("PASSWORD_MIN_LENGTH", 10)},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# How many reverse proxies (TLS terminators, load balancers) stand in front of the web processes.
# Each appends the address it was reached from to X-Forwarded-For, so the client is the entry this
# many places from the right; 0 (served directly) uses the connection's address and ignores the
# header, which a client can write anything into. Sign-in lockout, the audit log and API rate limits
# all read the client's address through audit.services.client_ip.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)

# django-axes: lock a username+IP pair out after repeated failures.
AXES_CLIENT_IP_CALLABLE = "audit.services.client_ip"
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = env_int("LOGIN_COOLOFF_MINUTES", 15) / 60  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
# A customer locked out of the portal sees the portal-styled page, staff the one above.
AXES_LOCKOUT_CALLABLE = "portal.lockout.lockout_response"
AXES_VERBOSE = False

# --- Security -----------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# django-csp. No inline scripts anywhere (script-src has no 'unsafe-inline', so an injected
# <script> or onerror= never runs) and no eval: Alpine is its CSP build (it parses x-* expressions
# itself, components in tasklist/components.js), htmx runs with allowEval off, and bpmn-js and
# Chart.js need neither (the e2e tests fail on any violation). Inline style attributes (templates,
# bpmn-js, htmx indicators) need style-src 'unsafe-inline'; bpmn-js draws its icons from data:
# fonts and images.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
if not DEBUG:
    SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", True)
    CSRF_COOKIE_SECURE = env_bool("SECURE_COOKIES", True)
    LANGUAGE_COOKIE_SECURE = env_bool("SECURE_COOKIES", True)
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", False)
    # Sent on HTTPS answers only (SecurityMiddleware), so it costs nothing on a plain-HTTP test rig.
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 365 * 24 * 3600)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# --- I18n ---------------------------------------------------------------------------------
LANGUAGE_CODE = env_str("LANGUAGE_CODE", "en")
LANGUAGES = [("en", _("English")), ("zh-hans", _("Simplified Chinese"))]
# locale/ holds the shared catalogue; locale/parts/<area>/ one catalogue per area of the product
# (so areas built side by side never edit the same file).
LOCALE_PATHS = [
    BASE_DIR / "locale",
    *sorted(p for p in (BASE_DIR / "locale" / "parts").glob("*") if p.is_dir()),
]
# zh-Hans amounts with thousands separators (config/formats/zh_Hans/formats.py)
FORMAT_MODULE_PATH = ["config.formats"]
TIME_ZONE = env_str("TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

# --- Static and media ---------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# --- Celery -------------------------------------------------------------------------------
REDIS_URL = env_str("REDIS_URL")
# Stateless web: sessions live in the database; the cache (API rate limits) in Redis when
# CACHE_URL is set, so every web process and worker shares it. Use a
# Redis database of its own (e.g. /1): clearing the cache empties it.
CACHE_URL = env_str("CACHE_URL")
# /healthz fails when the beat's heartbeat is older than this; /metrics needs this bearer token
# (without one, only loopback clients may scrape).
BATON_BEAT_MAX_LAG_SECONDS = env_int("BATON_BEAT_MAX_LAG_SECONDS", 120)
METRICS_TOKEN = env_str("METRICS_TOKEN", "")
if CACHE_URL:
    CACHES = {"default": {"BACKEND": "core.cache.RedisCache", "LOCATION": CACHE_URL}}
# How long a web process may reuse a user's group tree, permissions and row scope between
# requests (core.memo). Any change to them is seen on the next request anyway; this bounds a
# change made behind Django's back (raw SQL). It needs the shared cache: 0 (off) without one.
ORG_CACHE_SECONDS = env_int("ORG_CACHE_SECONDS", 300 if CACHE_URL else 0)
# How often a busy web process re-reads those values' stamps from the shared cache (core.memo):
# a change made through another process is seen within this many seconds (one made through this
# process at once); between two reads, requests skip the cache round trip.
MEMO_STAMP_SECONDS = float(env_str("MEMO_STAMP_SECONDS", "0.1"))
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = None
# Embedded mode (no Redis): tasks run in-process, periodic work comes from core.ticker.
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", REDIS_URL is None)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE: dict = {
    # Due BPMN timers and automatic connector retries; each timer fires once even with two beats.
    "engine-fire-due-timers": {
        "task": "engine.fire_due_timers",
        "schedule": env_int("ENGINE_TIMER_SECONDS", 10),
    },
}
# Bounds on processes starting processes: how many instances may hand a message or signal on in
# one chain, and how many subprocesses/called processes one instance may run at once. Past them
# the engine parks an incident instead of working without end.
ENGINE_MAX_CHAIN_DEPTH = env_int("ENGINE_MAX_CHAIN_DEPTH", 20)
ENGINE_MAX_SUBPROCESSES = env_int("ENGINE_MAX_SUBPROCESSES", 200)
# The reads every task step starts with are prepared once per PostgreSQL connection; turn this off
# behind a pooler in transaction mode, which cannot keep prepared statements (engine/persistence.py).
ENGINE_PREPARED_STATEMENTS = env_bool("ENGINE_PREPARED_STATEMENTS", True)
# Seconds between runs of the in-process ticker that replaces beat in embedded mode.
BATON_TICKER_SECONDS = env_int("BATON_TICKER_SECONDS", 5)
# CRM: customers neglected beyond their pool's rules go back to the pool (公海), hourly.
CELERY_BEAT_SCHEDULE["crm-pool-recycle"] = {
    "task": "crm.pool_recycle",
    "schedule": env_int("CRM_POOL_RECYCLE_SECONDS", 3600),
}

# --- Integrations: notifications, reminders, webhooks ---------------------------------------
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Baton <baton@localhost>")
EMAIL_FILE_PATH = env_str("EMAIL_FILE_PATH", str(VAR_DIR / "mail"))
SMS_BACKEND = env_str("SMS_BACKEND", "integrations.sms.ConsoleSmsBackend")
SMS_GATEWAY_URL = env_str("SMS_GATEWAY_URL", "")
SMS_GATEWAY_KEY = env_str("SMS_GATEWAY_KEY", "")
SMS_SENDER = env_str("SMS_SENDER", "Baton")
SMS_TIMEOUT_SECONDS = env_int("SMS_TIMEOUT_SECONDS", 10)
DELIVERY_MAX_ATTEMPTS = env_int("DELIVERY_MAX_ATTEMPTS", 5)
DELIVERY_RETRY_BASE_SECONDS = env_int("DELIVERY_RETRY_BASE_SECONDS", 60)
WEBHOOK_ALLOWED_HOSTS = env_list("WEBHOOK_ALLOWED_HOSTS", [])
WEBHOOK_TIMEOUT_SECONDS = env_int("WEBHOOK_TIMEOUT_SECONDS", 10)
WEBHOOK_MAX_ATTEMPTS = env_int("WEBHOOK_MAX_ATTEMPTS", 8)
WEBHOOK_RETRY_BASE_SECONDS = env_int("WEBHOOK_RETRY_BASE_SECONDS", 30)
WEBHOOK_DISABLE_AFTER = env_int("WEBHOOK_DISABLE_AFTER", 20)
CONNECTOR_HTTP_ALLOWED_HOSTS = env_list("CONNECTOR_HTTP_ALLOWED_HOSTS", [])
CONNECTOR_HTTP_TIMEOUT_SECONDS = env_int("CONNECTOR_HTTP_TIMEOUT_SECONDS", 15)
ERP_EXPORT_URL = env_str("ERP_EXPORT_URL", "")
ERP_EXPORT_KEY = env_str("ERP_EXPORT_KEY", "")
TASK_DUE_SOON_HOURS = env_int("TASK_DUE_SOON_HOURS", 4)
TASK_ESCALATE_AFTER_HOURS = env_int("TASK_ESCALATE_AFTER_HOURS", 24)
# CRM reminders: follow-ups and birthdays go out from this local hour, follow-ups again every N
# days while still due; an order waiting this long for its owner gets an SMS.
REMINDER_SEND_HOUR = env_int("REMINDER_SEND_HOUR", 9)
FOLLOW_UP_REPEAT_DAYS = env_int("FOLLOW_UP_REPEAT_DAYS", 1)
ORDER_HANDLE_WITHIN_HOURS = env_int("ORDER_HANDLE_WITHIN_HOURS", 24)
# Mass mailings: messages per minute across all mailings; the site address for unsubscribe links.
MAILING_RATE_PER_MINUTE = env_int("MAILING_RATE_PER_MINUTE", 60)
PUBLIC_BASE_URL = env_str("PUBLIC_BASE_URL", "http://localhost:8000")
CELERY_BEAT_SCHEDULE["integrations-sweep"] = {
    "task": "integrations.sweep",
    "schedule": env_int("INTEGRATIONS_SWEEP_SECONDS", 60),
}

# --- Uploads and request bodies -------------------------------------------------------------
# Excel/CSV imports are read streaming and refused, located, beyond these limits (checked on the
# sheet's declared dimensions first, then per row and cell while reading): data rows, columns,
# characters in one cell (Excel's own maximum), and megabytes one part of the .xlsx may unpack to.
IMPORT_MAX_ROWS = env_int("IMPORT_MAX_ROWS", 500_000)
IMPORT_MAX_COLUMNS = env_int("IMPORT_MAX_COLUMNS", 500)
IMPORT_MAX_CELL_CHARS = env_int("IMPORT_MAX_CELL_CHARS", 32_767)
IMPORT_MAX_UNPACKED_MB = env_int("IMPORT_MAX_UNPACKED_MB", 512)
# JSON from outside (API bodies, JSON form fields, form files): nesting deeper than this is
# refused with a 400 (the parser would otherwise recurse until it fails). An API body is at most
# DATA_UPLOAD_MAX_MEMORY_SIZE bytes, as Django bounds form bodies (DRF alone would not).
JSON_MAX_DEPTH = env_int("JSON_MAX_DEPTH", 64)
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("DATA_UPLOAD_MAX_MEMORY_SIZE", 2_621_440)

# --- REST API -----------------------------------------------------------------------------
REST_FRAMEWORK = {
    # Token first: an unauthenticated call then answers 401 with a WWW-Authenticate header.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "api.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_THROTTLE_CLASSES": [
        "api.throttling.TokenRateThrottle",
        "api.throttling.SessionUserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "token": env_str("API_TOKEN_RATE", "1200/minute"),
        "user": env_str("API_USER_RATE", "2400/minute"),
    },
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.SearchFilter",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "api.pagination.BatonPagination",
    "DEFAULT_SCHEMA_CLASS": "api.schema.BatonAutoSchema",
    "EXCEPTION_HANDLER": "api.errors.exception_handler",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [
        "api.parsers.BoundedJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    # The address DRF's throttles key anonymous callers on (same rule as audit.services.client_ip).
    "NUM_PROXIES": TRUSTED_PROXY_COUNT,
}
# The OpenAPI schema and its two viewers need a signed-in staff member unless this is on.
API_DOCS_PUBLIC = env_bool("API_DOCS_PUBLIC", False)
SPECTACULAR_SETTINGS = {
    "TITLE": "Baton API",
    "DESCRIPTION": "Staff REST API of Baton: org chart, processes and tasks, CRM. Errors share one shape: "
    "`{code, message, fields, location}`.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "api.schema.relax_string_formats",
    ],
    # Many models have a `status` or `kind`; name each enum after its model.
    "ENUM_NAME_OVERRIDES": {
        f"{model}{field.title()}Enum": f"{module}.{model}.{field.title()}"
        for module, model, field in [
            ("engine.models", "ProcessInstance", "status"),
            ("engine.models", "HumanTask", "status"),
            ("engine.models", "Incident", "status"),
            ("engine.models", "Incident", "kind"),
            ("engine.models", "InstanceEvent", "kind"),
            ("org.models", "GroupProfile", "kind"),
            ("audit.models", "AuditEvent", "action"),
            ("crm.models", "Lead", "status"),
            ("crm.models", "Opportunity", "status"),
            ("crm.models", "Campaign", "status"),
            ("crm.models", "Order", "status"),
            ("crm.models", "Contract", "status"),
            ("crm.models", "Complaint", "status"),
            ("crm.models", "Complaint", "channel"),
            ("crm.models", "ServiceRequest", "status"),
            ("crm.models", "ServiceRequest", "kind"),
            ("crm.models", "Activity", "kind"),
            ("crm.models", "Document", "kind"),
            ("crm.models", "Budget", "kind"),
            ("crm.models", "StockMove", "kind"),
            ("crm.models", "CustomFieldDefinition", "kind"),
        ]
    },
}

# --- The company on quotations (PDF header) ----------------------------------------------------
COMPANY_NAME = env_str("BATON_COMPANY_NAME", "巴顿智能装备有限公司 Baton Equipment Co., Ltd.")
COMPANY_ADDRESS = env_str("BATON_COMPANY_ADDRESS", "上海市浦东新区张江路 88 号")
COMPANY_PHONE = env_str("BATON_COMPANY_PHONE", "021-5080 0000")

# --- Logging ------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # SpiffWorkflow logs every task state change at INFO: far too chatty outside debugging.
        "spiff": {"level": "WARNING"},
        "spiff.task": {"level": "WARNING"},
        "spiff.workflow": {"level": "WARNING"},
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}
