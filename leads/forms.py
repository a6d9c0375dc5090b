from django import forms
from django.core.exceptions import ValidationError

from kam.models import Role, User
from leads.services import ReassignmentNotAllowed, ReassignResult, leads_reassign


class ReassignForm(forms.Form):
    """Choose the new KAM for some accounts; used by the admin action, the admin object tool and the lead page."""

    to = forms.ModelChoiceField(
        label="New KAM",
        queryset=User.objects.none(),
        empty_label="Choose a KAM…",
        help_text="A key account manager of your team.",
    )
    reason = forms.CharField(
        label="Reason",
        max_length=500,
        widget=forms.TextInput(attrs={"placeholder": "e.g. Territory change, Aarav leaves on 30 November"}),
        help_text="Why the accounts change hands; kept in their history.",
    )
    handover_note = forms.CharField(
        label="Handover note for the new KAM",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Open issues, promises made, who to call first. Shown on each account's page.",
    )

    def __init__(self, *args, by: User, current_owner_ids=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.by = by
        candidates = User.objects.team_of(by).filter(is_active=True).order_by("first_name", "last_name", "username")
        owners = set(current_owner_ids)
        if len(owners) == 1:
            # Moving one KAM's accounts: offering that KAM again would only lead to an error.
            candidates = candidates.exclude(pk__in=owners)
        self.fields["to"].queryset = candidates
        if by.role != Role.MANAGER:
            self.fields["to"].help_text = "Any active key account manager."

    def reassign(self, *, leads) -> ReassignResult | None:
        """Call the service with the cleaned data; a refusal lands on the form (values kept) and returns None."""
        try:
            return leads_reassign(
                leads=leads,
                to=self.cleaned_data["to"],
                by=self.by,
                reason=self.cleaned_data["reason"],
                handover_note=self.cleaned_data["handover_note"],
            )
        except ReassignmentNotAllowed as exc:
            self.add_error("to" if exc.code != "out_of_scope" else None, exc.message)
        except ValidationError as exc:
            for field, messages in exc.message_dict.items():
                self.add_error(field if field in self.fields else None, messages)
        return None


def reassign_message(result: ReassignResult) -> str:
    """The confirmation shown after a reassignment, on the lead page and in admin alike."""
    accounts = "1 account" if result.count == 1 else f"{result.count} accounts"
    planned = "1 planned call" if result.planned_calls == 1 else f"{result.planned_calls} planned calls"
    return f"Moved {accounts} ({planned}) to {result.to}. Both KAMs will get an e-mail."
