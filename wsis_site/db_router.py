"""Send the public's reads to a read replica, when one is configured.

Only anonymous GET and HEAD requests read from the replica: they show
published work, for which a replica's small lag does not matter. Everything
else — logged-in users, who must see their own writes at once, every write,
the admin, commands — uses the primary database.
"""

from contextvars import ContextVar

from django.conf import settings

_public_read = ContextVar("public_read", default=False)


def has_replica():
    return "replica" in settings.DATABASES


class PublicReadsMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        public = (
            has_replica()
            and request.method in ("GET", "HEAD")
            and "sessionid" not in request.COOKIES
            and "HTTP_AUTHORIZATION" not in request.META
        )
        token = _public_read.set(public)
        try:
            return self.get_response(request)
        finally:
            _public_read.reset(token)


class PublicReadsToReplica:
    def db_for_read(self, model, **hints):
        return "replica" if _public_read.get() else None

    def db_for_write(self, model, **hints):
        return None

    def allow_relation(self, obj1, obj2, **hints):
        return True

    def allow_migrate(self, db, app_label, **hints):
        return db == "default"
