from django.urls import path
from rest_framework.routers import SimpleRouter

from interactions.api.views import InteractionViewSet, OrderViewSet, TodayView

router = SimpleRouter()
router.register("interactions", InteractionViewSet, basename="interaction")
router.register("orders", OrderViewSet, basename="order")
urlpatterns = [path("calls/today/", TodayView.as_view(), name="calls-today"), *router.urls]
