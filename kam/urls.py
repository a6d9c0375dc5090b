from django.contrib import admin
from django.urls import include, path

from interactions import views as interaction_views
from kam import health, views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("admin/", admin.site.urls),
    path("leads/", include("leads.urls")),
    path("today/", interaction_views.today, name="today"),
    path("performance/", include("performance.urls")),
    path("", include("contacts.urls")),
    # Logging and the timeline sit under /leads/<id>/ beside the lead page; their own app owns them.
    path("", include("interactions.urls")),
]
