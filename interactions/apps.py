from django.apps import AppConfig


class InteractionsConfig(AppConfig):
    name = "interactions"

    def ready(self):
        # Registers this app's reactions to what lower apps announce (kam.reactions).
        from interactions import call_plan  # noqa: F401
