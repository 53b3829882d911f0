"""Payment-plan reminders: the contract's owner hears of an instalment three days before it falls
due and, while it stays unpaid, after it is overdue; a settled instalment is not reminded."""

import datetime

import pytest

from crm.models import Contract, Instalment
from crm.services.commerce import payment_record
from tests.crm.factories import CustomerFactory
from tests.factories import UserFactory

from .test_crm_reminders import DAY, notes, sweep

pytestmark = pytest.mark.django_db


def test_an_instalment_is_announced_then_marked_overdue_until_paid(settings):
    settings.REMINDER_SEND_HOUR, settings.FOLLOW_UP_REPEAT_DAYS = 9, 1
    zhang = UserFactory(is_superuser=True)
    customer = CustomerFactory(owner=zhang, name="明远机械")
    contract = Contract.objects.create(
        code="HT-9", customer=customer, title="设备", amount=5000, owner=zhang, status="signed"
    )
    due = DAY + datetime.timedelta(days=5)
    instalment = Instalment.objects.create(
        contract=contract, customer=customer, sequence=1, due_on=due, amount=2000
    )

    assert sweep(DAY) == {}  # five days ahead: not yet
    assert sweep(due - datetime.timedelta(days=3)) == {"instalment_due": 1}
    assert sweep(due) == {"instalment_due": 1}  # repeated daily while due
    assert sweep(due + datetime.timedelta(days=1)) == {"instalment_overdue": 1}
    assert notes(zhang, "instalment_overdue") == ["Payment overdue: HT-9 instalment 1"]

    payment_record(actor=zhang, customer=customer, instalment=instalment, amount="2000")
    assert sweep(due + datetime.timedelta(days=2)) == {}
