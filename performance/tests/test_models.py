import pytest
from django.db import IntegrityError, transaction

from performance.models import AccountPerformance
from performance.tests.factories import AccountPerformanceFactory


def test_one_row_per_lead_with_a_known_class(db):
    row = AccountPerformanceFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        AccountPerformance.objects.filter(pk=row.pk).update(classification="great")
    with pytest.raises(IntegrityError), transaction.atomic():
        AccountPerformanceFactory(lead=row.lead)
    assert str(row).endswith("Steady")
