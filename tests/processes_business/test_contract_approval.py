"""Contract approval (bpmn/contract_approval.bpmn) end to end: the owner's manager approves; a
contract of 500 000 or more also needs a sales director; a rejection sends it back to draft."""

import pytest

from core.errors import Conflict
from crm.models import Contract
from crm.services.commerce import contract_create
from crm.services.contracts import contract_set_status, contract_update
from engine.models import ProcessInstance
from tests.crm.factories import CustomerFactory

from .conftest import complete, inbox, instance_for, notified, queue, todo

MANAGER = "Manager approval 经理审批"
DIRECTOR = "Director approval 总监审批"


@pytest.fixture
def submit(demo, deploy):
    deploy("contract_approval")
    customer = CustomerFactory(owner=demo.zhang_wei)

    def _submit(amount) -> Contract:
        contract = contract_create(
            actor=demo.zhang_wei, customer=customer, title="设备采购合同", amount=amount
        )
        return contract_set_status(actor=demo.zhang_wei, contract=contract, status=Contract.Status.SUBMITTED)

    return _submit


def status(contract) -> str:
    contract.refresh_from_db()
    return contract.status


def test_manager_approves_a_small_contract(demo, submit):
    contract = submit("120000")
    assert inbox(demo.wang_fang) == [MANAGER]
    # while it waits, nobody else approves it
    with pytest.raises(Conflict):
        contract_set_status(actor=demo.wang_fang, contract=contract, status=Contract.Status.APPROVED)

    complete(demo.wang_fang, MANAGER, {"decision": "approve"})

    assert status(contract) == Contract.Status.APPROVED
    assert instance_for(contract).status == ProcessInstance.Status.COMPLETED
    assert notified(demo.zhang_wei, "process_outcome")
    signed = contract_set_status(
        actor=demo.zhang_wei, contract=contract, status=Contract.Status.SIGNED, customer_signer="王总"
    )
    assert signed.status == Contract.Status.SIGNED


def test_large_contract_also_needs_the_director(demo, submit):
    contract = submit("800000")
    complete(demo.wang_fang, MANAGER, {"decision": "approve"})
    assert status(contract) == Contract.Status.SUBMITTED
    assert DIRECTOR in todo(demo.li_ming)
    complete(demo.li_ming, DIRECTOR, {"decision": "approve"})
    assert status(contract) == Contract.Status.APPROVED


def test_rejected_goes_back_to_the_salesperson_to_fix_and_resubmit(demo, submit):
    contract = submit("50000")
    complete(demo.wang_fang, MANAGER, {"decision": "reject", "comment": "付款条件需改为三期"})
    assert status(contract) == Contract.Status.REJECTED
    contract = contract_update(actor=demo.zhang_wei, contract=contract, terms="三期付款")
    contract_set_status(actor=demo.zhang_wei, contract=contract, status=Contract.Status.SUBMITTED)
    assert inbox(demo.wang_fang) == [MANAGER]
    assert queue(demo.li_ming) == []
