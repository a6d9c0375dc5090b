"""The application's URLs plus /bench/bare/: the cheapest signed-in Django view (same middleware, session and
user lookup as every page, no query or template of its own), the baseline of the throughput ratio."""

from django.http import HttpResponse
from django.urls import path

from kam import urls as application


def bare(request):
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [path("bench/bare/", bare, name="bench-bare"), *application.urlpatterns]

for _handler in ("handler400", "handler403", "handler404", "handler500"):
    if hasattr(application, _handler):
        globals()[_handler] = getattr(application, _handler)
