from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from contacts.models import Contact
from contacts.services import EDITABLE_FIELDS, contact_create, contact_update
from kam.forms import EditCheckedModelForm
from leads.admin import LeadScopedAdminMixin


class ContactAdminForm(EditCheckedModelForm):
    edit_fields = EDITABLE_FIELDS

    class Meta:
        model = Contact
        fields = "__all__"


@admin.register(Contact)
class ContactAdmin(LeadScopedAdminMixin, SimpleHistoryAdmin):
    form = ContactAdminForm
    list_display = ("name", "lead", "role", "phone", "email", "is_primary", "prefers_whatsapp")
    list_filter = ("role", "is_primary", "prefers_whatsapp")
    search_fields = ("name", "phone", "email", "lead__name")
    autocomplete_fields = ("lead",)
    list_select_related = ("lead",)

    def get_readonly_fields(self, request, obj=None):
        # A contact belongs to its restaurant; it is added to another one, not moved.
        return ("lead",) if obj is not None else ()

    def save_model(self, request, obj, form, change):
        # Through the services: the same checks and primary-contact rule as the pages, and only what changed.
        if change:
            contact_update(contact=obj, by=request.user, **form.fields_to_write)
        else:
            fields = {name: form.cleaned_data[name] for name in EDITABLE_FIELDS if name in form.cleaned_data}
            created = contact_create(lead=form.cleaned_data["lead"], by=request.user, **fields)
            obj.pk = created.pk
            obj._state.adding = False
