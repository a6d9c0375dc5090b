from django.contrib import admin
from django.urls import include, path

from kam import views

urlpatterns = [
    path("", views.home, name="home"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("admin/", admin.site.urls),
    path("leads/", include("leads.urls")),
    path("performance/", include("performance.urls")),
]
