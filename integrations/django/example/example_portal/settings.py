"""Settings of the example portal. Everything that differs per machine comes from the environment:

EXAMPLE_DB                      SQLite file (default example.sqlite3 here)
AAMCARE_MESSAGING_URL           the messaging service's base URL (its PUBLIC_BASE_URL)
PORTAL_WEBHOOK_SECRET           the service's PORTAL_WEBHOOK_SECRET (signs /register)
ADMIN_TOKEN                     the service's ADMIN_TOKEN (register_all_users_with_twilio only)
PORTAL_API_TOKEN                the service's PORTAL_API_TOKEN, for /aamcare/users/
"""
import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "example-only-not-a-secret")
DEBUG = os.environ.get("DJANGO_DEBUG", "") == "1"
ALLOWED_HOSTS = ["*"]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "rest_framework",
    "rest_framework.authtoken",
    "portal",
    "aamcare_messaging",  # <- the drop-in app
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
]

ROOT_URLCONF = "example_portal.urls"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ]
        },
    }
]
WSGI_APPLICATION = "example_portal.wsgi.application"
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": os.environ.get("EXAMPLE_DB", str(BASE_DIR / "example.sqlite3")),
        # The signup hook's worker threads write beside the request threads.
        "OPTIONS": {"timeout": 20},
    }
}
AUTH_USER_MODEL = "portal.User"
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"
USE_TZ = True
TIME_ZONE = "Asia/Kathmandu"

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
}

# --- Aamcare messaging: the three settings (integrations/django/README.md) ---
AAMCARE_MESSAGING_URL = os.environ.get("AAMCARE_MESSAGING_URL", "http://localhost:3000")
AAMCARE_PORTAL_WEBHOOK_SECRET = os.environ.get("PORTAL_WEBHOOK_SECRET", "")
AAMCARE_USER_FIELDS = {"phone": "phone_number", "name": "full_name", "language": "preferred_language"}
# Optional:
AAMCARE_PORTAL_API_TOKEN = os.environ.get("PORTAL_API_TOKEN", "")  # /aamcare/users/ for the batch
AAMCARE_MAX_RETRY_DELAY = int(os.environ.get("AAMCARE_MAX_RETRY_DELAY", "300"))
AAMCARE_MAX_ATTEMPTS = int(os.environ.get("AAMCARE_MAX_ATTEMPTS", "8"))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "loggers": {"aamcare_messaging": {"handlers": ["stderr"], "level": "INFO", "propagate": False}},
}
