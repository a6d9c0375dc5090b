from django.contrib import admin
from django.urls import include, path

from kam import health, views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("admin/", admin.site.urls),
    path("leads/", include("leads.urls")),
    path("", include("contacts.urls")),
]
