from django.db import models
from django.db.models import Q
from django.utils import timezone
from phonenumber_field.modelfields import PhoneNumberField
from simple_history.models import HistoricalRecords

from leads.models import Lead, LeadScopedQuerySet


def whatsapp_url(phone_e164: str) -> str:
    """A wa.me link that opens a chat with the number ("" without one)."""
    return f"https://wa.me/{phone_e164.lstrip('+')}" if phone_e164 else ""


class ContactRole(models.TextChoices):
    OWNER = "owner", "Owner"
    MANAGER = "manager", "Manager"
    CHEF = "chef", "Chef"
    PROCUREMENT = "procurement", "Procurement"
    ACCOUNTS = "accounts", "Accounts"
    OTHER = "other", "Other"


class Contact(models.Model):
    """A point of contact at a restaurant."""

    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="contacts")
    name = models.CharField(max_length=120)
    role = models.CharField(max_length=20, choices=ContactRole.choices, default=ContactRole.OWNER)
    title = models.CharField(max_length=120, blank=True, help_text="Their own job title, if it says more.")
    # Stored in E.164 (+919812345678) so the same number always matches, whatever way it was typed.
    phone = PhoneNumberField(blank=True, db_index=True)
    email = models.EmailField(blank=True)
    prefers_whatsapp = models.BooleanField("prefers WhatsApp", default=False)
    is_primary = models.BooleanField("primary contact", default=False)
    notes = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords(excluded_fields=["updated_at"])
    objects = LeadScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-is_primary", "name", "id"]
        # On PostgreSQL, name and phone also have trigram indexes for the lead search (migration 0003).
        constraints = [
            models.UniqueConstraint(fields=["lead"], condition=Q(is_primary=True), name="contact_one_primary_per_lead"),
            models.CheckConstraint(condition=~Q(phone="") | ~Q(email=""), name="contact_phone_or_email"),
            models.CheckConstraint(condition=Q(role__in=ContactRole.values), name="contact_role_valid"),
        ]

    def __str__(self):
        return f"{self.name} ({self.get_role_display()})"

    @property
    def phone_e164(self) -> str:
        """The number in E.164, "" when there is none.

        Formatting a number takes tens of microseconds and lists use it several times a row (tel: link, WhatsApp
        link, API field), so it is done once per loaded number; assigning a new number formats again.
        """
        phone = self.phone
        memo = self.__dict__.get("_phone_e164")
        if memo is None or memo[0] is not phone:
            memo = (phone, phone.as_e164 if phone else "")
            self.__dict__["_phone_e164"] = memo
        return memo[1]

    @property
    def phone_digits(self) -> str:
        return self.phone_e164.lstrip("+")

    @property
    def whatsapp_url(self) -> str:
        return whatsapp_url(self.phone_e164)
