import hmac

from django.conf import settings
from django.http import HttpResponse, HttpResponseForbidden
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from staffrota.ops.metrics import render
from staffrota.security.lockout import client_ip


def _may_scrape(request) -> bool:
    token = settings.METRICS_TOKEN
    header = request.META.get("HTTP_AUTHORIZATION", "")
    if token and header.startswith("Bearer "):
        return hmac.compare_digest(header[7:].strip(), token)
    return client_ip(request) in settings.METRICS_ALLOWED_IPS


@require_GET
@never_cache
def metrics(request):
    """Prometheus text format, for the scraper only: an allowed address or the bearer token."""
    if not _may_scrape(request):
        return HttpResponseForbidden("Metrics are for the monitoring server.\n")
    body, content_type = render()
    return HttpResponse(body, content_type=content_type)
