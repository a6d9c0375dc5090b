"""The point-of-contact form. It checks what was typed; contacts.services does the writing."""

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Field, Layout, Row
from django import forms
from phonenumber_field.formfields import PhoneNumberField

from contacts.models import Contact, ContactRole
from contacts.services import EDITABLE_FIELDS
from kam.concurrency import EditCheck, edit_token
from kam.forms import EditTokenField

PHONE_ERROR = "Enter a valid phone number, e.g. 98765 43210 or +91 98765 43210 (for another country, start with +)."

# The lead form's "main contact" fields, named as contacts.services names them.
CONTACT_FIELD_MAP = {"name": "contact_name", "role": "contact_role", "phone": "contact_phone", "email": "contact_email"}


class ContactForm(forms.Form):
    name = forms.CharField(max_length=120)
    role = forms.ChoiceField(choices=ContactRole.choices, initial=ContactRole.OWNER)
    phone = PhoneNumberField(
        required=False,
        error_messages={"invalid": PHONE_ERROR},
        help_text="Typed any usual way; saved as +91… so the same number always matches.",
    )
    email = forms.EmailField(label="E-mail", required=False)
    title = forms.CharField(label="Job title", max_length=120, required=False)
    prefers_whatsapp = forms.BooleanField(label="Prefers WhatsApp", required=False)
    is_primary = forms.BooleanField(
        label="Primary contact", required=False, help_text="The first person to call; replaces the current primary."
    )
    notes = forms.CharField(required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))
    edit_token = EditTokenField()

    def __init__(self, *args, contact: Contact | None = None, prefix_id: str = "new", **kwargs):
        if contact is not None and "initial" not in kwargs:
            kwargs["initial"] = {name: getattr(contact, name) for name in EDITABLE_FIELDS}
            kwargs["initial"]["edit_token"] = edit_token(contact, EDITABLE_FIELDS)
        # Several contact forms can be open on one page; their ids must not clash.
        kwargs.setdefault("auto_id", f"id_contact_{prefix_id}_%s")
        super().__init__(*args, **kwargs)
        self.contact = contact
        # htmx focuses it when the form is swapped in, so the KAM can type at once.
        self.fields["name"].widget.attrs["autofocus"] = True
        self.fields["phone"].widget.input_type = "tel"
        self.fields["phone"].widget.attrs.update(inputmode="tel", autocomplete="off")
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True
        self.helper.render_hidden_fields = True
        self.helper.layout = Layout(
            Row(Column("name", css_class="col-sm-7"), Column("role", css_class="col-sm-5")),
            Row(Column("phone", css_class="col-sm-6"), Column(Field("email", type="email"), css_class="col-sm-6")),
            "title",
            Row(Column("prefers_whatsapp", css_class="col-sm-6"), Column("is_primary", css_class="col-sm-6")),
            "notes",
        )

    def clean_name(self):
        return " ".join(self.cleaned_data["name"].split())

    def edit_check(self) -> EditCheck | None:
        return EditCheck.from_token(self.cleaned_data.get("edit_token", ""))

    def contact_fields(self) -> dict:
        data = {name: self.cleaned_data[name] for name in EDITABLE_FIELDS}
        data["phone"] = data["phone"] or ""
        return data

    @property
    def phone_changed(self) -> bool:
        new = self.cleaned_data.get("phone")
        old = self.contact.phone if self.contact is not None else None
        return bool(new) and str(new) != str(old or "")
