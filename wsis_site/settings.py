"""Settings for the WSIS Implementation Tracker.

Everything that differs between machines comes from the environment; see the
README's "Configuration" section for the list. With DEBUG off (the default)
the settings are production-safe and refuse to start without a real SECRET_KEY.
"""

import datetime as dt
import os
import re
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_bool(name, default=False):
    """Read a boolean from the environment; refuse values we do not recognise."""
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name}={raw!r} is not a boolean; use true or false.")


def env_list(name, default=""):
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def env_int(name, default):
    raw = os.environ.get(name)
    if raw in (None, ""):
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r} is not a whole number.") from None


def env_days(name, default):
    """A comma-separated list of whole numbers of days, such as ``14,7,2``."""
    raw = os.environ.get(name, "").strip() or default
    days = [item.strip() for item in raw.split(",") if item.strip()]
    if not days or not all(d.isdigit() and int(d) > 0 for d in days):
        raise ImproperlyConfigured(
            f"{name}={raw!r} should be whole numbers of days separated by commas, e.g. 14,7,2."
        )
    return sorted({int(d) for d in days}, reverse=True)


LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


def env_choice(name, default, choices):
    """One of ``choices`` (any case)."""
    value = (os.environ.get(name, "").strip() or default).upper()
    if value not in choices:
        raise ImproperlyConfigured(
            f"{name}={os.environ.get(name)!r} is not one of {', '.join(choices)}."
        )
    return value


_RATE = re.compile(r"^\d+/(s|sec|second|m|min|minute|h|hour|d|day)$")


def env_rate(name, default):
    """Read a request rate such as ``60/minute`` (per second, minute, hour or day)."""
    value = os.environ.get(name, "").strip() or default
    if not _RATE.match(value):
        raise ImproperlyConfigured(
            f"{name}={value!r} is not a rate; use a number of requests per "
            "second, minute, hour or day, e.g. 60/minute."
        )
    return value


def database_from_url(url, **options):
    """Turn a DATABASE_URL into a DATABASES entry (postgres:// uses psycopg 3)."""
    try:
        config = dj_database_url.parse(url, **options)
    except ValueError as exc:
        raise ImproperlyConfigured(f"Cannot read the database URL: {exc}") from None
    if config["ENGINE"] == "django.db.backends.postgresql":
        # No JIT compilation: it spends 20–30 ms compiling each of the larger
        # queries of a page (a search over a million rows) to save less.
        options = config.setdefault("OPTIONS", {})
        options["options"] = (options.get("options", "") + " -c jit=off").strip()
    if config["ENGINE"] == "django.db.backends.sqlite3":
        # The embedded database holds concurrent writers: a transaction takes the
        # write lock when it begins (so two never deadlock on upgrading a read
        # lock), a writer waits up to 20 s for another instead of failing with
        # "database is locked", and readers never wait for writers (WAL).
        config.setdefault("OPTIONS", {}).update(
            {
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            }
        )
    return config


DEBUG = env_bool("DEBUG", False)

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set in the environment when DEBUG is off.")
    SECRET_KEY = "insecure-key-for-local-development-only"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "wsis_site.apps.SecretariatAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "django.contrib.humanize",
    "django_filters",
    "simple_history",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    "rules.apps.AutodiscoverRulesConfig",
    "entities",
    "activities",
    "reviews",
    "mandates",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "wsis_site.db_router.PublicReadsMiddleware",
    "wsis_site.security.ContentSecurityPolicyMiddleware",
    "wsis_site.availability.DatabaseUnavailableMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "wsis_site.language.LanguageParameterMiddleware",
    "wsis_site.security.RejectNullCharactersMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: it turns a blocked log-in into the lock-out page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "wsis_site.urls"

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
            ],
        },
    },
]

WSGI_APPLICATION = "wsis_site.wsgi.application"

DATABASES = {
    "default": database_from_url(
        os.environ.get("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if os.environ.get("DATABASE_REPLICA_URL"):
    # A read replica for the public's reads (see wsis_site/db_router.py).
    DATABASES["replica"] = database_from_url(
        os.environ["DATABASE_REPLICA_URL"],
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
DATABASE_ROUTERS = ["wsis_site.db_router.PublicReadsToReplica"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Cached counts, reference records and API throttles: local memory by default
# (one process), Redis when REDIS_URL is set (shared by every app process).
if os.environ.get("REDIS_URL"):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": os.environ["REDIS_URL"],
            "KEY_PREFIX": os.environ.get("CACHE_KEY_PREFIX", "wsis"),
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

AUTHENTICATION_BACKENDS = [
    # First: it refuses log-ins while an account or address is locked out.
    "axes.backends.AxesStandaloneBackend",
    # Then: it refuses log-ins from an address with too many failures, for any account.
    "wsis_site.security.AddressLockoutBackend",
    "rules.permissions.ObjectPermissionBackend",
    "django.contrib.auth.backends.ModelBackend",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Internationalisation: the six official UN languages. The choice is made by
# the user's switch (a cookie), else the browser's preference, else English.
LANGUAGE_CODE = "en"
LANGUAGES = [
    ("ar", _("Arabic")),
    ("zh-hans", _("Chinese")),
    ("en", _("English")),
    ("fr", _("French")),
    ("ru", _("Russian")),
    ("es", _("Spanish")),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
FORMAT_MODULE_PATH = ["wsis_site.formats"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        # Hashed, compressed files in production (after collectstatic); plain
        # files while developing so that no collectstatic is needed.
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage",
    },
}

# E-mail: SMTP from the environment; printed to the console while developing.
EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "WSIS Tracker <wsis-tracker@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Seconds an SMTP connection may take, so that a dead mail server fails an e-mail
# quickly (it is then retried) instead of holding the process.
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 20)
# How often send_pending_emails tries a failed e-mail before leaving it to a person.
EMAIL_MAX_ATTEMPTS = env_int("EMAIL_MAX_ATTEMPTS", 10)
# The address of the site, for links in e-mail (`make run` sets it from PORT).
SITE_URL = os.environ.get("SITE_URL", "").strip().rstrip("/")
if not SITE_URL:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SITE_URL must be set in the environment when DEBUG is off: the address the "
            "links in e-mail start with, e.g. https://wsis.example.org."
        )
    SITE_URL = "http://127.0.0.1:8000"
if not SITE_URL.startswith(("https://", "http://")):
    raise ImproperlyConfigured(
        f"SITE_URL={SITE_URL!r} is not a web address; write it as https://wsis.example.org."
    )
# Reminders go this many days before a cycle's deadline (and once when overdue).
REMINDER_DAYS = env_days("REMINDER_DAYS", "14,7,2")

# Security. With DEBUG off, cookies are secure and HTTPS is enforced; behind a
# TLS-terminating load balancer set SECURE_PROXY_SSL_HEADER_ENABLED=true.
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SESSION_COOKIE_HTTPONLY = True
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", not DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CSRF_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SECURE = not DEBUG
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
# Sent on every response (wsis_site/security.py): our own origin only, no
# inline script or style, on the public pages, the API docs and the admin alike.
CONTENT_SECURITY_POLICY = {
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
if env_bool("SECURE_PROXY_SSL_HEADER_ENABLED", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "reviews:home"
LOGOUT_REDIRECT_URL = "home"
PASSWORD_RESET_TIMEOUT = 60 * 60 * 24  # a reset link is valid for a day
# Password reset requests allowed per e-mail address and per client address, per hour
# (counted in the cache: shared by the app processes when REDIS_URL is set).
PASSWORD_RESET_LIMIT_PER_ACCOUNT = env_int("PASSWORD_RESET_LIMIT_PER_ACCOUNT", 3)
PASSWORD_RESET_LIMIT_PER_ADDRESS = env_int("PASSWORD_RESET_LIMIT_PER_ADDRESS", 10)
PASSWORD_RESET_WINDOW = 60 * 60
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 60 * 60 * 8)  # a working day
SESSION_EXPIRE_AT_BROWSER_CLOSE = env_bool("SESSION_EXPIRE_AT_BROWSER_CLOSE", True)

# Past versions are shown in the admin, never restored from there (wsis_site/admin_base.py).
SIMPLE_HISTORY_REVERT_DISABLED = True

# The proxies (load balancers) in front of the app, which append the client's
# address to X-Forwarded-For: the client address of the log-in lock-out and of
# the API's throttles is read through them (wsis_site.security.client_ip). One
# by default behind a TLS-terminating proxy (SECURE_PROXY_SSL_HEADER_ENABLED).
if "API_NUM_PROXIES" in os.environ:
    raise ImproperlyConfigured("API_NUM_PROXIES is now called TRUSTED_PROXIES; rename it.")
TRUSTED_PROXIES = env_int(
    "TRUSTED_PROXIES", 1 if env_bool("SECURE_PROXY_SSL_HEADER_ENABLED", False) else 0
)

# Failed log-ins (django-axes), on /accounts/login/ and /admin/login/: after
# LOGIN_FAILURE_LIMIT failures for one account from one address, that account
# is blocked from that address (and only there) for LOGIN_LOCKOUT_MINUTES; after
# LOGIN_ADDRESS_FAILURE_LIMIT failures from one address, for any accounts, that
# address is blocked (wsis_site.security.AddressLockoutBackend). So nobody can
# lock someone else out from elsewhere. Managers lift a block in the admin
# ("Access attempts") or with `manage.py axes_reset`.
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5)
LOGIN_ADDRESS_FAILURE_LIMIT = env_int("LOGIN_ADDRESS_FAILURE_LIMIT", 50)
AXES_COOLOFF_TIME = dt.timedelta(minutes=env_int("LOGIN_LOCKOUT_MINUTES", 30))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "wsis_site.security.lockout_response"
AXES_CLIENT_IP_CALLABLE = "wsis_site.security.client_ip"
AXES_USERNAME_CALLABLE = "wsis_site.security.lockout_username"
AXES_VERBOSE = False

# How many activities a listing page shows.
ACTIVITIES_PER_PAGE = 20
# After a change to activities, compute the public's first pages again in a
# background thread (activities/caching.py); the tests turn it off.
WARM_CACHE_AFTER_CHANGES = env_bool("WARM_CACHE_AFTER_CHANGES", True)
# Files the app writes for itself: the whole-dataset downloads (CSV, JSON),
# rebuilt after each change to published work, and the facet index's snapshot
# (activities/facets.py, activities/dataset_files.py). Outside the release is
# best; every app process of one machine may share it. Ignored by git.
PUBLIC_FILES_DIR = Path(os.environ.get("PUBLIC_FILES_DIR") or BASE_DIR / "var")

# The read API under /api/ (see wsis_site/api.py). Anonymous callers are
# throttled per client address, logged-in ones per user; the counts live in
# the cache, so several app processes need a shared cache to share them.
API_PAGE_SIZE = 20
API_MAX_PAGE_SIZE = 100
# Bad API tokens from one address before it is refused for the window (seconds).
API_TOKEN_FAILURE_LIMIT = env_int("API_TOKEN_FAILURE_LIMIT", 20)
API_TOKEN_FAILURE_WINDOW = 60 * 15
REST_FRAMEWORK = {
    "DEFAULT_PARSER_CLASSES": [
        "wsis_site.api.StrictJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first: a bad token then answers 401 with a WWW-Authenticate header.
        "wsis_site.security.GuardedTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticatedOrReadOnly"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PAGINATION_CLASS": "wsis_site.api.Pagination",
    "DEFAULT_THROTTLE_CLASSES": ["wsis_site.api.AnonThrottle", "wsis_site.api.UserThrottle"],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env_rate("API_ANON_RATE", "60/minute"),
        "user": env_rate("API_USER_RATE", "600/minute"),
    },
    # How many proxies stand before the app; 0 means the client is REMOTE_ADDR
    # (a client-sent X-Forwarded-For is then ignored, so it cannot dodge the limit).
    "NUM_PROXIES": TRUSTED_PROXIES,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "wsis_site.api.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": _("WSIS Implementation Tracker API"),
    "DESCRIPTION": _(
        "Read the published activities, the entities that report them, the action lines and "
        "other reference data, and the review cycles. Lists are paginated; the activity list "
        "takes the same filters as the /activities/ page."
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # Every asset of the docs page is served by the app, never by a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_choice("LOG_LEVEL", "WARNING", LOG_LEVELS)},
}
