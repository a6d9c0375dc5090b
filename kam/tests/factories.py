import factory

from kam.models import Role, User


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    email = factory.LazyAttribute(lambda u: f"{u.username}@kam.example")
    role = Role.KAM
    time_zone = "Asia/Kolkata"
    password = factory.PostGenerationMethodCall("set_password", "pass-for-tests")

    @factory.post_generation
    def _save_password(obj, create, extracted, **kwargs):
        if create:
            obj.save(update_fields=["password"])

    @factory.post_generation
    def _role_groups(obj, create, extracted, **kwargs):
        # As the User admin and seed_demo do: a manager gets the Managers group's admin permissions.
        if create:
            from kam.services import user_sync_role_groups

            user_sync_role_groups(user=obj)
