from django.urls import path

from interactions import views

app_name = "interactions"
urlpatterns = [
    path("leads/<int:lead_pk>/log/<str:kind>/", views.InteractionLogView.as_view(), name="log"),
    path("leads/<int:lead_pk>/orders/new/", views.OrderRecordView.as_view(), name="order"),
    path("leads/<int:lead_pk>/reschedule/", views.CallRescheduleView.as_view(), name="reschedule"),
    path("leads/<int:lead_pk>/timeline/", views.lead_timeline, name="timeline"),
]
