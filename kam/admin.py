from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from kam.models import User


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ("username", "get_full_name", "email", "role", "manager", "time_zone", "is_active", "last_login")
    list_filter = ("role", "is_active", "manager", "time_zone")
    search_fields = ("username", "first_name", "last_name", "email")
    autocomplete_fields = ("manager",)
    ordering = ("username",)
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        ("Person", {"fields": ("first_name", "last_name", "email", "time_zone")}),
        ("Role", {"fields": ("role", "manager", "is_active", "groups")}),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("username", "password1", "password2")}),
        ("Role", {"fields": ("role", "manager", "time_zone", "email", "first_name", "last_name")}),
    )
    filter_horizontal = ("groups",)
