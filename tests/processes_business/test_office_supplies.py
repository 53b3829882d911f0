"""Office supplies (bpmn/office_supplies.bpmn) end to end: the manager approves seeing the lines,
the keeper hands them out and the stock goes down — never below zero (each short line named) —
or the manager rejects and nothing moves."""

import pytest

from core.errors import NotPermitted, ValidationFailed
from office.models import SupplyItem, SupplyRequest
from office.supplies import supply_item_restock, supply_request_issue, supply_request_submit

from .conftest import complete, inbox, instance_for, notified, open_task, queue

MANAGER = "Manager approval 经理审批"
ISSUE = "Hand out the supplies 发放办公用品"

pytestmark = pytest.mark.django_db


@pytest.fixture
def shelf(demo, deploy):
    deploy("office_supplies")
    return {i.code: i for i in SupplyItem.objects.all()}


def ask(user, shelf, **quantities):
    return supply_request_submit(
        actor=user,
        lines=[{"item": shelf[code], "quantity": n} for code, n in quantities.items()],
        purpose="Quarterly review 季度评审",
    )


def stock(code: str) -> int:
    return SupplyItem.objects.get(code=code).stock


def test_approved_and_handed_out_takes_the_lines_off_the_shelf(demo, shelf):
    # given zhang.wei asks for 2 boxes of paper and 5 packs of pens
    paper, pens = stock("A4"), stock("PEN-B")
    request = ask(demo.zhang_wei, shelf, **{"A4": 2, "PEN-B": 5})
    # then his manager has the approval, with the lines on the task page's panel
    assert inbox(demo.wang_fang) == [MANAGER]

    # when she approves and the keeper hands them out
    complete(demo.wang_fang, MANAGER, {"decision": "approve"})
    assert queue(demo.ma_chao) == [ISSUE]
    complete(demo.ma_chao, ISSUE, {"handed_out": True})
    # then the stock went down and the request is issued, and zhang.wei is told
    request.refresh_from_db()
    assert request.status == SupplyRequest.Status.ISSUED and request.issued_by == demo.ma_chao
    assert (stock("A4"), stock("PEN-B")) == (paper - 2, pens - 5)
    assert notified(demo.zhang_wei)
    assert instance_for(request).status == "completed"


def test_a_line_the_shelf_cannot_cover_is_named_and_nothing_moves(demo, shelf):
    toner, paper = stock("TONER"), stock("A4")
    ask(demo.zhang_wei, shelf, **{"A4": 1, "TONER": toner + 3})
    complete(demo.wang_fang, MANAGER, {"decision": "approve"})
    with pytest.raises(ValidationFailed) as caught:
        complete(demo.ma_chao, ISSUE, {"handed_out": True})
    messages = caught.value.fields["handed_out"]
    assert len(messages) == 1 and "Line 2" in messages[0] and str(toner) in messages[0]
    assert (stock("TONER"), stock("A4")) == (toner, paper)
    assert queue(demo.ma_chao) == [ISSUE]  # the task stays open
    # when the keeper books goods in, the hand-out goes through
    supply_item_restock(actor=demo.ma_chao, item=shelf["TONER"], quantity=5)
    complete(demo.ma_chao, ISSUE, {"handed_out": True})
    assert stock("TONER") == toner + 5 - (toner + 3)


def test_rejected_moves_nothing(demo, shelf):
    paper = stock("A4")
    request = ask(demo.zhang_wei, shelf, **{"A4": 3})
    complete(demo.wang_fang, MANAGER, {"decision": "reject", "comment": "Use the stock upstairs"})
    request.refresh_from_db()
    assert request.status == SupplyRequest.Status.REJECTED
    assert stock("A4") == paper


def test_bad_lines_are_located_and_nothing_is_saved(demo, shelf):
    with pytest.raises(ValidationFailed) as caught:
        supply_request_submit(
            actor=demo.zhang_wei,
            lines=[{"item": shelf["A4"], "quantity": 0}, {"item": shelf["A4"], "quantity": 2}],
        )
    assert set(caught.value.fields) == {"lines.0.quantity", "lines.1.item"}
    assert SupplyRequest.objects.count() == 0


def test_only_the_process_issues_and_only_keepers_restock(demo, shelf):
    request = ask(demo.zhang_wei, shelf, **{"A4": 1})
    with pytest.raises(NotPermitted):
        supply_request_issue(actor=demo.ma_chao, request=request)
    with pytest.raises(NotPermitted):
        supply_item_restock(actor=demo.zhang_wei, item=shelf["A4"], quantity=5)
    with pytest.raises(ValidationFailed):
        supply_item_restock(actor=demo.ma_chao, item=shelf["A4"], quantity=-1000)


def test_the_approver_sees_the_lines_with_the_stock(client, demo, shelf):
    ask(demo.zhang_wei, shelf, **{"A4": 2, "TONER": 50})
    task = open_task(demo.wang_fang, MANAGER)
    client.force_login(demo.wang_fang)
    body = client.get(f"/tasks/{task.pk}/").content.decode()
    assert 'data-object="supply-request"' in body
    assert "A4 paper" in body and "Printer toner" in body
    assert body.count('class="short"') == 1


def test_the_request_form_locates_a_bad_line_and_then_starts_the_process(client, demo, shelf):
    client.force_login(demo.zhang_wei)
    url = "/requests/new/supplies/"
    a4 = shelf["A4"].pk
    response = client.post(
        url, {"lines_0_item": a4, "lines_0_quantity": 1, "lines_1_item": a4, "lines_1_quantity": 2}
    )
    assert response.status_code == 400
    assert response.context["form"].errors["lines_1_item"]
    assert SupplyRequest.objects.count() == 0
    response = client.post(url, {"lines_0_item": a4, "lines_0_quantity": 2, "purpose": "Printing"})
    assert response.status_code == 302
    assert inbox(demo.wang_fang) == [MANAGER]
    client.force_login(demo.ma_chao)
    body = client.get("/supplies/").content.decode()
    assert "A4 paper" in body and "Book in" in body


def test_the_requester_withdraws_a_waiting_request(demo, shelf):
    from tasklist.services import request_withdraw

    request = ask(demo.zhang_wei, shelf, **{"A4": 1})
    request_withdraw(actor=demo.zhang_wei, instance=instance_for(request), reason="Found some")
    request.refresh_from_db()
    assert request.status == SupplyRequest.Status.CANCELLED
    assert inbox(demo.wang_fang) == []
