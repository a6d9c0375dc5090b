from rest_framework.routers import SimpleRouter

from performance.api.views import PerformanceViewSet

router = SimpleRouter()
router.register("performance", PerformanceViewSet, basename="performance")
urlpatterns = router.urls
