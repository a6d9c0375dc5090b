"""/api/v1/… (namespace `api`), the OpenAPI schema at /api/schema/ and Swagger UI at /api/docs/."""

from django.urls import include, path, re_path

from kam.api import errors, views

v1 = [
    path("auth/token/", views.TokenObtainView.as_view(), name="token"),
    path("auth/token/refresh/", views.TokenRefreshView.as_view(), name="token-refresh"),
    path("auth/logout/", views.LogoutView.as_view(), name="logout"),
    path("me/", views.MeView.as_view(), name="me"),
    path("", include("leads.api.urls")),
    path("", include("contacts.api.urls")),
    path("", include("interactions.api.urls")),
    path("", include("performance.api.urls")),
]

urlpatterns = [
    path("v1/", include((v1, "api"), namespace="api")),
    path("schema/", views.SchemaView.as_view(), name="api-schema"),
    path("docs/", views.DocsView.as_view(url_name="api-schema"), name="api-docs"),
    re_path(r"^(?P<rest>.*)$", errors.no_such_endpoint, name="api-not-found"),
]
