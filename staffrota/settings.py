"""Settings for Staff Rota, all read from the environment (see `.env.example`).

With no environment at all the product runs on embedded defaults: a SQLite file under
`var/`, a local-memory cache and a Celery broker on the file system, so one command starts
everything on a laptop. `DATABASE_URL` and `REDIS_URL` switch to PostgreSQL and Redis.
"""

from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from staffrota.env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("STAFFROTA_VAR_DIR", str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = env_bool("DEBUG", False)
PRODUCTION = env_bool("STAFFROTA_PRODUCTION", False)

_INSECURE_KEY = "insecure-development-key-do-not-use-in-production"
SECRET_KEY = env_str("SECRET_KEY", _INSECURE_KEY)
if PRODUCTION and (SECRET_KEY == _INSECURE_KEY or len(SECRET_KEY) < 50):
    raise ImproperlyConfigured(
        "SECRET_KEY must be set to a random value of at least 50 characters in production."
    )

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "django_htmx",
    "bootstrap",
    "staffrota.accounts",
    "staffrota.organisation",
    "staffrota.rota",
    "staffrota.leave",
    "staffrota.compliance",
    "staffrota.audit",
    "staffrota.notifications",
    "staffrota.dashboards",
    "staffrota.forecasting",
    "staffrota.optimiser",
    "staffrota.web",
    # Security and operations (issue 8): lockout, two-factor, CSP, health, backups, alerts.
    "csp",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "staffrota.security",
    "staffrota.ops",
    # Integration API and spreadsheet import (issue 9).
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "staffrota.api",
    "staffrota.imports",
]

MIDDLEWARE = [
    # First: every log line and response of the request carries its id, and the timing
    # covers everything below (issue 8).
    "staffrota.ops.middleware.RequestIdMiddleware",
    "staffrota.ops.middleware.MetricsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "staffrota.security.middleware.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "staffrota.accounts.middleware.SessionRenewalMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    # Django's, with the signed-in user found in fewer steps (same decisions).
    "staffrota.accounts.middleware.AuthenticationMiddleware",
    "staffrota.security.middleware.OTPMiddleware",
    "staffrota.ops.middleware.MessageMiddleware",  # Django's, its storage class found once
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "staffrota.accounts.middleware.TenancyMiddleware",
    "staffrota.security.middleware.TwoFactorMiddleware",
    # Last, as django-axes asks: turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "staffrota.urls"
WSGI_APPLICATION = "staffrota.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "staffrota" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "staffrota.accounts.context_processors.navigation",
            ],
        },
    },
]

# Database: SQLite under var/ unless DATABASE_URL says otherwise.
DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'staffrota.sqlite3'}"),
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web server read while the worker writes; IMMEDIATE transactions take the
    # write lock up front so two writers queue instead of failing half way.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
DATABASES["default"]["TEST"] = {"NAME": env_str("TEST_DATABASE_NAME") or None}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

# Cache and broker: Redis when REDIS_URL is set, otherwise in-process and on-disk.
REDIS_URL = env_str("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "staffrota.ops.redis_cache.PooledClientRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env_str("CACHE_KEY_PREFIX", "staffrota"),
        }
    }
    CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", REDIS_URL)
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "staffrota",
        }
    }
    CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", "filesystem://")
# Sessions: in the database (default) or, with SESSION_STORE=cache, in Redis only. The
# idle logout re-saves the session at most once a minute; in the database that is a write
# and a commit, with SESSION_STORE=cache a Redis SET (bench/load/README.md).
SESSION_STORE = env_str("SESSION_STORE", "db")
if SESSION_STORE not in {"db", "cache"}:
    raise ImproperlyConfigured(f"SESSION_STORE={SESSION_STORE!r} must be db or cache.")
if SESSION_STORE == "cache":
    if not REDIS_URL:
        raise ImproperlyConfigured("SESSION_STORE=cache needs REDIS_URL (a shared cache).")
    # Django's cache sessions, read with the signed-in user and their access in one round
    # trip (accounts/sessions.py).
    SESSION_ENGINE = "staffrota.accounts.sessions"
CELERY_BROKER_TRANSPORT_OPTIONS = {}
if CELERY_BROKER_URL == "filesystem://":
    # The file-system transport needs no server: the web process drops messages in a
    # folder that the worker started by `dev.py run` picks up.
    _queue_dir = VAR_DIR / "celery-queue"
    (_queue_dir / "processed").mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_queue_dir),
        "data_folder_out": str(_queue_dir),
        "processed_folder": str(_queue_dir / "processed"),
        "control_folder": str(_queue_dir / "control"),
        "store_processed": False,
    }
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = "Europe/London"
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True

# Accounts: the SAP number is the username; a password needs upper, lower and a digit.
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 8},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "staffrota.accounts.validators.MixedCharacterValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
# Logged out after two hours without activity: the expiry moves on with activity, the
# session being re-saved at most once a minute (accounts.middleware.SessionRenewalMiddleware).
SESSION_COOKIE_AGE = env_int("SESSION_IDLE_SECONDS", 2 * 60 * 60)
SESSION_SAVE_EVERY_REQUEST = False
SESSION_RENEW_SECONDS = 60
SESSION_EXPIRE_AT_BROWSER_CLOSE = False
SESSION_COOKIE_HTTPONLY = True
PASSWORD_RESET_TIMEOUT = 24 * 60 * 60  # a reset link is valid for 24 hours
# E-mail: console by default so a laptop needs no SMTP server.
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Staff Rota <rota@localhost>")

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # WhiteNoise warns about a missing folder
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "staffrota.web.staticfiles.StaticFilesStorage"},
}
MEDIA_ROOT = VAR_DIR / "media"
WHITENOISE_USE_FINDERS = DEBUG

# Security headers and cookies; HSTS and secure cookies only behind HTTPS in production.
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"  # our URLs name units and dates: never sent off-site
CSRF_COOKIE_HTTPONLY = True
if PRODUCTION:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Logs: one JSON object per line (LOG_FORMAT=json, the default) carrying the request id,
# or plain text for reading on a laptop (LOG_FORMAT=text).
LOG_FORMAT = env_str("LOG_FORMAT", "json")
if LOG_FORMAT not in {"json", "text"}:
    raise ImproperlyConfigured(f"LOG_FORMAT={LOG_FORMAT!r} must be json or text.")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "staffrota.ops.logs.RequestIdFilter"}},
    "formatters": {
        "json": {"()": "staffrota.ops.logs.JsonFormatter"},
        "text": {"format": "%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "filters": ["request_id"],
        }
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}, "axes": {"level": "WARNING"}},
}

# --- Security and operations (issue 8) -------------------------------------------------------
# Content Security Policy (django-csp): everything from our own origin, nothing inline, no
# framing. Templates carry no <script> blocks and no style= attributes (a test checks).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
if PRODUCTION:
    CONTENT_SECURITY_POLICY["DIRECTIVES"]["upgrade-insecure-requests"] = True
    SESSION_COOKIE_NAME = "__Host-sessionid"  # only over HTTPS, only this host, path /
    CSRF_COOKIE_NAME = "__Host-csrftoken"
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"

# How many reverse proxies (nginx, a load balancer) stand in front of the app. With 1, the
# client address is the last one nginx appended to X-Forwarded-For; with 0, REMOTE_ADDR.
TRUSTED_PROXY_HOPS = env_int("TRUSTED_PROXY_HOPS", 0)

# Login lockout (django-axes): an account locks after LOGIN_FAILURE_LIMIT failures, an
# address after LOGIN_ADDRESS_FAILURE_LIMIT (higher: a care home's staff share one office
# address). Both cool off after LOGIN_LOCKOUT_MINUTES; an admin can unlock sooner.
AUTHENTICATION_BACKENDS = [
    "staffrota.security.lockout.LockoutBackend",
    # Django's ModelBackend with the signed-in user read from the cache on each request.
    # Sessions made under the old path ("django.contrib.auth.backends.ModelBackend") sign
    # in again once.
    "staffrota.accounts.backends.AccountBackend",
]
LOGIN_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5)
LOGIN_ADDRESS_FAILURE_LIMIT = env_int("LOGIN_ADDRESS_FAILURE_LIMIT", 20)
AXES_ENABLED = True
AXES_FAILURE_LIMIT = "staffrota.security.lockout.failure_limit"
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
LOGIN_LOCKOUT_MINUTES = env_int("LOGIN_LOCKOUT_MINUTES", 30)
AXES_COOLOFF_TIME = timedelta(minutes=LOGIN_LOCKOUT_MINUTES)
AXES_RESET_ON_SUCCESS = True
AXES_USERNAME_CALLABLE = "staffrota.security.lockout.username_from"
AXES_CLIENT_IP_CALLABLE = "staffrota.security.lockout.client_ip"
AXES_LOCKOUT_CALLABLE = "staffrota.security.lockout.lockout_response"
AXES_VERBOSE = False

# Two-factor login (django-otp): optional for everyone; mandatory for managers when this
# is set or when an admin ticks it in the admin site (Security policy).
OTP_TOTP_ISSUER = "Staff Rota"
TWO_FACTOR_REQUIRED_FOR_MANAGERS = env_bool("TWO_FACTOR_REQUIRED_FOR_MANAGERS", False)

# GDPR: personal data of people who left more than this many years ago is anonymised by a
# periodic job (rota, cost and audit rows stay, pointing at the anonymised record).
GDPR_RETENTION_YEARS = env_int("GDPR_RETENTION_YEARS", 6)

# Backups: `manage.py backup` writes one folder per run under BACKUP_DIR and removes runs
# older than BACKUP_RETENTION_DAYS; an alert fires when the last good one is older than
# BACKUP_MAX_AGE_HOURS.
BACKUP_DIR = Path(env_str("BACKUP_DIR", str(VAR_DIR / "backups")))
BACKUP_RETENTION_DAYS = env_int("BACKUP_RETENTION_DAYS", 30)
BACKUP_MAX_AGE_HOURS = env_int("BACKUP_MAX_AGE_HOURS", 36)

# Monitoring: /metrics answers these addresses, or a request bearing METRICS_TOKEN.
METRICS_ALLOWED_IPS = env_list("METRICS_ALLOWED_IPS", "127.0.0.1,::1")
METRICS_TOKEN = env_str("METRICS_TOKEN", "")
# Alerts are e-mailed here (comma-separated); thresholds follow the seed's alert table.
ALERT_EMAILS = env_list("ALERT_EMAILS", "")
ALERT_ERROR_RATE = 0.05  # share of requests answered 5xx over the last 15 minutes
ALERT_SLOW_SECONDS = 2.0  # mean response time over the last 15 minutes
ALERT_DISK_USED = 0.90  # share of the disk holding var/ and the backups
ALERT_FORECAST_MAPE = 0.40
ALERT_FORECAST_MAX_AGE_DAYS = 7
# Callable returning the forecasts' freshness and accuracy (see staffrota/ops/hooks.py).
FORECAST_STATUS_HOOK = env_str(
    "FORECAST_STATUS_HOOK", "staffrota.forecasting.status.forecast_status"
)

# --- Integration API and import (issue 9) -----------------------------------------------------
# Requests per token (or per logged-in user) and per anonymous address, e.g. "1200/min".
API_THROTTLE_RATE = env_str("API_THROTTLE_RATE", "1200/min")
API_ANON_THROTTLE_RATE = env_str("API_ANON_THROTTLE_RATE", "60/min")
# Rows one uploaded spreadsheet may hold (a group's whole rota for a quarter fits).
IMPORT_MAX_ROWS = env_int("IMPORT_MAX_ROWS", 20000)
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # First, so an unauthenticated call is answered 401 with a Bearer challenge.
        "staffrota.api.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["staffrota.api.permissions.TokenScopePermission"],
    "DEFAULT_THROTTLE_CLASSES": [
        "staffrota.api.throttling.ClientRateThrottle",
        "staffrota.api.throttling.AnonymousRateThrottle",
    ],
    "DEFAULT_PAGINATION_CLASS": "staffrota.api.pagination.Pagination",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "staffrota.api.negotiation.JsonOnlyNegotiation",
    "EXCEPTION_HANDLER": "staffrota.api.errors.exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    "URL_FORMAT_OVERRIDE": None,
    "COERCE_DECIMAL_TO_STRING": True,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Staff Rota API",
    "DESCRIPTION": (
        "Homes, units, staff, shifts, leave requests and the payroll export. Send "
        "`Authorization: Bearer <token>`; a token sees exactly what its user sees on the web."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "staffrota.api.schema.add_error_responses",
    ],
    "ENUM_NAME_OVERRIDES": {
        "ShiftStatusEnum": "staffrota.rota.models.ShiftStatus",
        "ShiftSourceEnum": "staffrota.rota.models.ShiftSource",
        "LeaveStatusEnum": "staffrota.leave.models.LeaveStatus",
    },
}

# Periodic jobs: one registry, one beat (staffrota/schedule.py).
from staffrota.schedule import BEAT_SCHEDULE as CELERY_BEAT_SCHEDULE  # noqa: E402, F401
