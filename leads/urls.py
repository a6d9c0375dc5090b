from django.urls import path

from leads import views

app_name = "leads"
urlpatterns = [
    path("", views.LeadListView.as_view(), name="list"),
    path("new/", views.LeadCreateView.as_view(), name="create"),
    path("<int:pk>/", views.LeadDetailView.as_view(), name="detail"),
    path("<int:pk>/edit/", views.LeadUpdateView.as_view(), name="edit"),
    path("<int:pk>/transition/", views.LeadTransitionView.as_view(), name="transition"),
    path("<int:pk>/archive/", views.LeadArchiveView.as_view(), name="archive"),
    path("<int:pk>/restore/", views.LeadRestoreView.as_view(), name="restore"),
    path("<int:pk>/reassign/", views.LeadReassignView.as_view(), name="reassign"),
    path("<int:pk>/history/", views.LeadHistoryView.as_view(), name="history"),
]
