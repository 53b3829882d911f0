"""An opportunity's time at each stage (stage spells): opened when it reaches a stage, closed when
it moves on or is won or lost, whichever way it changes (the services, a save that bypasses them)."""

import datetime

import time_machine

from crm.models import Opportunity, OpportunityStageSpell
from crm.sales.services import opportunity_close, opportunity_create, opportunity_update

from .factories import CustomerFactory

T0 = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)
DAY = datetime.timedelta(days=1)


def _spells(opportunity) -> list[tuple]:
    return list(
        OpportunityStageSpell.objects.filter(opportunity=opportunity)
        .order_by("entered_at", "id")
        .values_list("stage", "entered_at", "left_at")
    )


def test_each_stage_reached_opens_a_spell_and_moving_on_or_closing_ends_it(org):
    customer = CustomerFactory(owner=org.zhang)
    with time_machine.travel(T0, tick=False):
        deal = opportunity_create(actor=org.zhang, customer=customer, name="Pumps", amount=1000)
    assert _spells(deal) == [("potential", T0, None)]
    with time_machine.travel(T0 + 2 * DAY, tick=False):
        deal = opportunity_update(actor=org.zhang, opportunity=deal, stage="lead")
    with time_machine.travel(T0 + 3 * DAY, tick=False):  # not a stage change: nothing moves
        deal = opportunity_update(actor=org.zhang, opportunity=deal, amount=1200)
    with time_machine.travel(T0 + 7 * DAY, tick=False):  # a save around the services (a data fix)
        fixed = Opportunity.objects.get(pk=deal.pk)
        fixed.stage_id = "confirmed"
        fixed.save()
    assert _spells(deal) == [
        ("potential", T0, T0 + 2 * DAY),
        ("lead", T0 + 2 * DAY, T0 + 7 * DAY),
        ("confirmed", T0 + 7 * DAY, None),
    ]
    with time_machine.travel(T0 + 10 * DAY, tick=False):
        opportunity_close(actor=org.zhang, opportunity=deal, won=True, reason="best offer")
    assert _spells(deal)[-1] == ("confirmed", T0 + 7 * DAY, T0 + 10 * DAY)
    assert not OpportunityStageSpell.objects.filter(opportunity=deal, left_at__isnull=True).exists()


def test_an_opportunity_from_before_the_stage_history_starts_one_at_its_next_change(org):
    with time_machine.travel(T0, tick=False):
        deal = opportunity_create(actor=org.zhang, customer=CustomerFactory(owner=org.zhang), name="Old")
    OpportunityStageSpell.objects.filter(opportunity=deal).delete()  # as before the release
    with time_machine.travel(T0 + DAY, tick=False):
        opportunity_update(actor=org.zhang, opportunity=deal, stage="lead")
    assert _spells(deal) == [("lead", T0 + DAY, None)]
