"""Points of contact on the lead page: inline htmx forms, with plain POST and redirect when JavaScript is off.

Every view finds its lead or contact through the user's scope first (404 outside it). With htmx, a successful
change answers with the refreshed contacts panel; a form with errors answers with itself, errors in place.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.views import View
from django_htmx.http import reswap, retarget

from contacts.forms import ContactForm
from contacts.models import Contact
from contacts.services import contact_create, contact_make_primary, contact_remove, contact_update
from kam.conflicts import StaleEdit
from kam.forms import add_service_errors, show_stale_edit
from kam.scoping import ScopedObjectMixin
from leads.models import Lead
from leads.selectors import lead_duplicates, lead_page_contacts

PANEL = "contacts/contacts_panel.html"


def _panel_url(lead: Lead) -> str:
    return f"{lead.get_absolute_url()}#contacts-panel"


def _panel_response(request, lead: Lead):
    """After a change: the refreshed panel for htmx (swapped over the old one), a redirect otherwise."""
    if not request.htmx:
        return redirect(_panel_url(lead))
    response = render(
        request, f"{PANEL}#panel", {"lead": lead, "contacts": lead_page_contacts(lead=lead), "oob_messages": True}
    )
    return reswap(retarget(response, "#contacts-panel"), "outerHTML")


class ContactPanelView(ScopedObjectMixin, View):
    """The contacts panel alone (htmx "cancel" reloads it); without htmx, the lead page."""

    model = Lead
    pk_url_kwarg = "lead_id"

    def get(self, request, lead_id):
        if not request.htmx:
            return redirect(_panel_url(self.object))
        return render(
            request, f"{PANEL}#panel", {"lead": self.object, "contacts": lead_page_contacts(lead=self.object)}
        )


class _ContactFormView(View):
    """Shared by add and edit: the inline form (htmx) or a page of its own (no JavaScript)."""

    def lead(self) -> Lead:
        raise NotImplementedError

    def contact(self) -> Contact | None:
        return None

    def render_form(self, form, *, duplicates=(), status=200):
        context = {
            "form": form,
            "lead": self.lead(),
            "contact": self.contact(),
            "action": self.request.path,
            "duplicates": duplicates,
        }
        template = f"{PANEL}#form" if self.request.htmx else "contacts/contact_form.html"
        return render(self.request, template, context, status=status)

    def get(self, request, **kwargs):
        return self.render_form(self.make_form())

    def post(self, request, **kwargs):
        form = self.make_form(data=request.POST)
        if not form.is_valid():
            return self.render_form(form)
        if form.phone_changed and not request.POST.get("confirm_duplicates"):
            duplicates = lead_duplicates(
                user=request.user, phones=[form.cleaned_data["phone"]], exclude_pk=self.lead().pk
            )
            if duplicates:
                return self.render_form(form, duplicates=duplicates)
        try:
            self.save(form)
        except ValidationError as exc:
            add_service_errors(form, exc)
            return self.render_form(form)
        except StaleEdit as exc:
            show_stale_edit(form, exc, model=Contact)
            return self.render_form(form)
        return _panel_response(request, self.lead())


class ContactCreateView(ScopedObjectMixin, _ContactFormView):
    model = Lead
    pk_url_kwarg = "lead_id"

    def lead(self):
        return self.object

    def make_form(self, data=None):
        # The first contact of a restaurant is its primary one unless the KAM says otherwise.
        initial = {"is_primary": not self.object.contacts.exists()} if data is None else None
        return ContactForm(data, initial=initial or {}, prefix_id="new")

    def save(self, form):
        contact = contact_create(lead=self.object, by=self.request.user, **form.contact_fields())
        messages.success(self.request, f"{contact.name} was added.")


class ContactUpdateView(ScopedObjectMixin, _ContactFormView):
    model = Contact

    def get_queryset(self):
        return super().get_queryset().select_related("lead")

    def lead(self):
        return self.object.lead

    def contact(self):
        return self.object

    def make_form(self, data=None):
        return ContactForm(data, contact=self.object, prefix_id=str(self.object.pk))

    def save(self, form):
        contact = contact_update(
            contact=self.object, by=self.request.user, check=form.edit_check(), **form.contact_fields()
        )
        messages.success(self.request, f"{contact.name} was saved.")


class ContactMakePrimaryView(ScopedObjectMixin, View):
    """POST: make this the lead's primary contact (the previous primary is unset in the same transaction)."""

    model = Contact
    http_method_names = ["post"]

    def get_queryset(self):
        return super().get_queryset().select_related("lead")

    def post(self, request, pk):
        contact = contact_make_primary(contact=self.object, by=request.user)
        messages.success(request, f"{contact.name} is now the primary contact.")
        return _panel_response(request, contact.lead)


class ContactDeleteView(ScopedObjectMixin, View):
    """GET: ask to confirm (inline with htmx, a page without); POST: remove the contact."""

    model = Contact

    def get_queryset(self):
        return super().get_queryset().select_related("lead")

    def get(self, request, pk):
        context = {"contact": self.object, "lead": self.object.lead}
        template = f"{PANEL}#confirm-delete" if request.htmx else "contacts/contact_confirm_delete.html"
        return render(request, template, context)

    def post(self, request, pk):
        lead, name = self.object.lead, self.object.name
        contact_remove(contact=self.object, by=request.user)
        messages.success(request, f"{name} was removed from {lead.name}.")
        return _panel_response(request, lead)
