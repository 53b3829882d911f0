"""The sales-money endpoints end to end: quote, PDF, accept into a contract, plan, pay, invoice."""

from decimal import Decimal

from crm.models import Contract, Quotation
from tests.crm.factories import CustomerFactory, ProductFactory


def test_quote_to_paid_instalment_through_the_api(demo, client_for):
    salesperson = demo["salesperson"]
    api = client_for(salesperson)
    customer = CustomerFactory(owner=salesperson, name="南方水务集团")
    pump, valve = ProductFactory(price="1000.00"), ProductFactory(price="250.00")

    # given a quotation of two lines
    made = api.post(
        "/api/v1/quotations/",
        {
            "customer": customer.pk,
            "title": "二期水泵",
            "lines": [
                {"product": pump.pk, "quantity": "2", "discount_percent": "10"},
                {"product": valve.pk, "quantity": "4", "tax_percent": "6"},
            ],
        },
        format="json",
    )
    assert made.status_code == 201, made.json()
    body = made.json()
    assert Decimal(body["total_amount"]) == Decimal("3094.00") and len(body["lines"]) == 2  # 2034 + 1060
    pdf = api.get(f"/api/v1/quotations/{body['id']}/pdf/")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")

    # a revision keeps the first version
    revised = api.post(
        f"/api/v1/quotations/{body['id']}/revise/",
        {"lines": [{"product": pump.pk, "quantity": "3"}]},
        format="json",
    )
    assert revised.status_code == 201 and revised.json()["version"] == 2
    assert Quotation.objects.get(pk=body["id"]).status == "superseded"
    assert api.post(f"/api/v1/quotations/{body['id']}/accept/", {}, format="json").status_code == 409

    # when the revision is accepted into a contract, planned and paid against its plan
    accepted = api.post(
        f"/api/v1/quotations/{revised.json()['id']}/accept/", {"into": "contract"}, format="json"
    )
    assert accepted.status_code == 201 and accepted.json()["kind"] == "contract"
    contract = Contract.objects.get(pk=accepted.json()["id"])
    Contract.objects.filter(pk=contract.pk).update(status="signed")  # (the approval is its own test)
    instalment = api.post(
        "/api/v1/instalments/",
        {"contract": contract.pk, "due_on": "2027-01-31", "amount": "1000.00"},
        format="json",
    )
    assert instalment.status_code == 201
    paid = api.post(
        "/api/v1/payments/",
        {"customer": customer.pk, "instalment": instalment.json()["id"], "amount": "1000.00"},
        format="json",
    )
    assert paid.status_code == 201 and paid.json()["contract"] == contract.pk
    assert api.get(f"/api/v1/instalments/{instalment.json()['id']}/").json()["settled"] is True
    invoice = api.post(
        "/api/v1/invoices/",
        {"customer": customer.pk, "contract": contract.pk, "number": "04409999", "amount": "99999.00"},
        format="json",
    )
    assert invoice.status_code == 400 and "amount" in str(invoice.json())

    # a signed contract is no longer edited, not even by the manager
    other = client_for(demo["sales_manager"])
    assert other.patch(f"/api/v1/contracts/{contract.pk}/", {"terms": "x"}, format="json").status_code == 409
