from django.urls import path

from performance import views

app_name = "performance"
urlpatterns = [
    path("", views.PerformanceIndexView.as_view(), name="index"),
    path("report.csv", views.report_csv, name="report_csv"),
    path("accounts/<int:lead_pk>/ordering/", views.lead_ordering, name="lead_ordering"),
]
