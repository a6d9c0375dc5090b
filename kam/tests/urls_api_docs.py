"""The project's URLs plus drf-spectacular's schema and Swagger UI, for testing the API docs page under the CSP
independently of where the API mounts them."""

from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from kam.urls import urlpatterns as project_urlpatterns

urlpatterns = [
    *project_urlpatterns,
    path("csp-test/schema/", SpectacularAPIView.as_view(), name="csp-test-schema"),
    path("csp-test/docs/", SpectacularSwaggerView.as_view(url_name="csp-test-schema"), name="csp-test-docs"),
]
