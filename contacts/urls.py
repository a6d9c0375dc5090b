from django.urls import path

from contacts import views

app_name = "contacts"
urlpatterns = [
    path("leads/<int:lead_id>/contacts/", views.ContactPanelView.as_view(), name="list"),
    path("leads/<int:lead_id>/contacts/new/", views.ContactCreateView.as_view(), name="create"),
    path("contacts/<int:pk>/edit/", views.ContactUpdateView.as_view(), name="edit"),
    path("contacts/<int:pk>/primary/", views.ContactMakePrimaryView.as_view(), name="make_primary"),
    path("contacts/<int:pk>/delete/", views.ContactDeleteView.as_view(), name="delete"),
]
