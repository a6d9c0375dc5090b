from django.apps import AppConfig


class PerformanceConfig(AppConfig):
    name = "performance"

    def ready(self):
        # Registers this app's reactions to what lower apps announce (kam.reactions).
        from performance import reactions  # noqa: F401
