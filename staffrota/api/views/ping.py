from django.http import HttpResponse


def ping(request):
    """A view that does nothing: the floor against which the load test compares pages."""
    return HttpResponse("ok", content_type="text/plain")
