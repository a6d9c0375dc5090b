from django.contrib import admin
from django.urls import include, path

from interactions import views as interaction_views
from kam import views

urlpatterns = [
    path("", views.home, name="home"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("admin/", admin.site.urls),
    path("leads/", include("leads.urls")),
    path("today/", interaction_views.today, name="today"),
    # Logging and the timeline sit under /leads/<id>/ beside the lead page; their own app owns them.
    path("", include("interactions.urls")),
]
