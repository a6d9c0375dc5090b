from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from interactions.models import Interaction, Order
from interactions.tests.factories import InteractionFactory, OrderFactory


def _refused(factory, **fields):
    with pytest.raises(IntegrityError), transaction.atomic():
        factory(**fields)


def test_an_outcome_only_for_calls(db):
    _refused(InteractionFactory, kind="visit", outcome="connected")
    _refused(InteractionFactory, kind="call", outcome="")
    assert InteractionFactory(kind="visit", outcome="").outcome == ""


def test_amount_and_item_count_are_not_negative(db):
    _refused(OrderFactory, amount=Decimal("-1"))
    order = OrderFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Order.objects.filter(pk=order.pk).update(item_count=-1)


def test_external_reference_is_unique_per_account_when_present(db):
    first = OrderFactory(external_ref="ORD-1")
    _refused(OrderFactory, lead=first.lead, external_ref="ORD-1")
    OrderFactory(external_ref="ORD-1")  # another account's reference space
    OrderFactory(lead=first.lead, external_ref="")
    OrderFactory(lead=first.lead, external_ref="")  # many orders without a reference are fine


def test_names(db):
    assert "Call (Connected)" in str(InteractionFactory())
    assert "INR 12500.00" in str(OrderFactory())
    assert Interaction._meta.indexes and Order._meta.indexes
