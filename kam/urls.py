from django.contrib import admin
from django.urls import include, path

from interactions import views as interaction_views
from kam import health, views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("accounts/login/", views.SignInView.as_view(), name="login"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("admin/", admin.site.urls),
    path("api/", include("kam.api.urls")),
    path("leads/", include("leads.urls")),
    path("today/", interaction_views.today, name="today"),
    path("performance/", include("performance.urls")),
    path("", include("contacts.urls")),
    # Logging and the timeline sit under /leads/<id>/ beside the lead page; their own app owns them.
    path("", include("interactions.urls")),
]

# Under /api/ errors answer in the API's JSON shape; elsewhere Django's pages (templates/404.html, 500.html).
handler400 = "kam.api.errors.bad_request"
handler403 = "kam.api.errors.permission_denied"
handler404 = "kam.api.errors.page_not_found"
handler500 = "kam.api.errors.server_error"
