"""An import in update mode is an edit of each card it changes: one audit row with the diff and
the card's history per changed record, the same rows an edit on the card writes; a level change
is refused on its row (levels move only through the level-change process) and nothing is written."""

from audit.models import AuditEvent
from crm.models import Customer, CustomerChange
from crm.services.customers import customer_update

from .factories import CustomerFactory, CustomerLevelFactory
from .test_services_imports import run, xlsx

HEADERS = ["客户名称", "电话", "级别"]


def _changes(customer) -> list[dict]:
    return list(
        AuditEvent.objects.filter(
            action="change", object_type="crm.customer", object_id=str(customer.pk)
        ).values_list("changes", flat=True)
    )


def test_an_update_import_that_would_change_a_level_is_refused_on_its_row_and_writes_nothing(org):
    # given two of my cards at level C, and a sheet that changes a phone and raises one to A
    level_c = CustomerLevelFactory(code="C", name="C级")
    CustomerLevelFactory(code="A", name="A级")
    first = CustomerFactory(owner=org.zhang, name="远航科技有限公司", phone="", level=level_c)
    second = CustomerFactory(owner=org.zhang, name="新锐电子有限公司", phone="", level=level_c)
    data = xlsx(
        [["远航科技有限公司", "010-88886666", "C"], ["新锐电子有限公司", "0755-1234567", "A"]],
        headers=HEADERS,
    )
    # when I import it in update mode
    job = run(org, data, on_duplicate="update")
    # then the level row is refused, located on its row and column, and the batch writes nothing
    assert [(e["row"], e["column"], e["field"]) for e in job.errors] == [(3, "级别", "level")]
    assert "level" in job.errors[0]["message"].lower()
    for customer in (first, second):
        customer.refresh_from_db()
        assert (customer.level, customer.phone) == (level_c, "")
        assert _changes(customer) == []
    assert not CustomerChange.objects.exists()


def test_an_update_import_leaves_one_diff_per_changed_card_like_an_edit_on_the_card(org):
    # given two cards, and a third edited on its card to the same new phone
    CustomerLevelFactory(code="C", name="C级")
    changed = CustomerFactory(owner=org.zhang, name="远航科技有限公司", phone="")
    same = CustomerFactory(owner=org.zhang, name="新锐电子有限公司", phone="0755-1234567")
    edited = CustomerFactory(owner=org.zhang, name="华东机械有限公司", phone="")
    customer_update(actor=org.zhang, customer=edited, phone="010-88886666")
    data = xlsx(
        [["远航科技有限公司", "010-88886666", None], ["新锐电子有限公司", "0755-1234567", None]],
        headers=HEADERS,
    )
    # when imported in update mode
    job = run(org, data, on_duplicate="update")
    assert job.status == "done" and job.updated_count == 2
    # then the changed card has one audit row with the diff, the same as the edit wrote, and its
    # history row; the card the sheet did not change has none
    assert _changes(changed) == [{"phone": ["", "010-88886666"]}] == _changes(edited)
    imported = AuditEvent.objects.get(action="change", object_id=str(changed.pk), object_type="crm.customer")
    assert (imported.actor, imported.extra["import_job"]) == (org.zhang, job.pk)
    assert _changes(same) == []
    assert list(
        CustomerChange.objects.filter(customer=changed).values_list("field", "old_value", "new_value")
    ) == [("phone", "", "010-88886666")]
    assert Customer.objects.get(pk=changed.pk).phone == "010-88886666"
