import logging
import re
import time
import uuid

from django.conf import settings
from django.contrib.messages.middleware import MessageMiddleware as DjangoMessageMiddleware
from django.utils.module_loading import import_string

from staffrota.ops import metrics, stats
from staffrota.ops.logs import request_id_var

logger = logging.getLogger("staffrota.request")
_VALID_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


class RequestIdMiddleware:
    """Every request gets an id (nginx's, when it sent a sane one): in each log line of the
    request and in the X-Request-ID response header, so a user's report can be traced."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.META.get("HTTP_X_REQUEST_ID", "")
        request_id = incoming if _VALID_ID.match(incoming) else uuid.uuid4().hex
        request.request_id = request_id
        token = request_id_var.set(request_id)
        try:
            response = self.get_response(request)
            response["X-Request-ID"] = request_id
            return response
        finally:
            request_id_var.reset(token)


class MetricsMiddleware:
    """Counts and times every request by view, for /metrics and for the alert checks."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        response = self.get_response(request)
        duration = time.perf_counter() - started
        match = getattr(request, "resolver_match", None)
        # Unmatched paths share one label so scanners cannot grow the metric without bound.
        view = match.view_name if match is not None and match.view_name else "<unmatched>"
        status = response.status_code
        metrics.observe_request(view=view, method=request.method, status=status, duration=duration)
        try:
            stats.request_note(duration_seconds=duration, error=status >= 500)
        except Exception:  # the cache being down must not take pages down with it
            logger.warning("request statistics not recorded", exc_info=True)
        logger.info(
            "request",
            extra={
                "method": request.method,
                "path": request.path,
                "view": view,
                "status": status,
                "duration_ms": round(duration * 1000, 1),
                "user_id": getattr(getattr(request, "user", None), "pk", None),
            },
        )
        return response


class MessageMiddleware(DjangoMessageMiddleware):
    """Django's, with the storage class (MESSAGE_STORAGE) imported once per process instead
    of on every request."""

    _classes: dict[str, type] = {}

    def process_request(self, request):
        path = settings.MESSAGE_STORAGE
        storage = self._classes.get(path)
        if storage is None:
            storage = self._classes[path] = import_string(path)
        request._messages = storage(request)
