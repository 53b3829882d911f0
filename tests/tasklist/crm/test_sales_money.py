"""The staff screens for quotations, contracts, payment plans, multi-line orders and targets."""

import io
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from crm.models import BudgetLine, Contract, Document, Order, Payment, Quotation, StockLevel
from crm.services.budgets import sales_target_set
from crm.services.commerce import contract_create
from crm.services.contracts import instalment_add
from tests.crm.factories import CustomerFactory, ProductFactory, WarehouseFactory


def _lines(*rows):
    data = {"product": [], "quantity": [], "price": [], "discount_percent": [], "tax_percent": []}
    for row in rows:
        for key in data:
            data[key].append(str(row.get(key, "")))
    return data


def test_a_salesperson_quotes_two_products_gets_the_pdf_and_makes_a_contract(client, org):
    customer = CustomerFactory(owner=org.zhang, name="东方精密机械有限公司")
    pump = ProductFactory(code="PUMP-9", name="离心泵", price="1000.00", unit="台")
    valve = ProductFactory(code="VALVE-2", name="球阀", price="250.00", unit="个")
    StockLevel.objects.create(product=pump, warehouse=WarehouseFactory(), on_hand=7)
    client.force_login(org.zhang)

    # the form shows the catalogue with price and stock
    page = client.get(reverse("crm:quotation_new") + f"?customer={customer.pk}")
    assert page.status_code == 200
    assert "PUMP-9 离心泵" in page.content.decode() and "7 台" in page.content.decode()

    # a bad row gets its error on that row and nothing is saved
    bad = client.post(
        reverse("crm:quotation_new"),
        {"customer": customer.pk, "title": "水泵报价", **_lines({"product": pump.pk, "quantity": "0"}, {})},
    )
    assert bad.status_code == 400 and Quotation.objects.count() == 0
    assert "Enter a quantity greater than 0." in bad.content.decode()

    saved = client.post(
        reverse("crm:quotation_new"),
        {
            "customer": customer.pk,
            "title": "水泵报价",
            **_lines(
                {"product": pump.pk, "quantity": "2", "discount_percent": "10"},
                {"product": valve.pk, "quantity": "4"},
                {},
            ),
        },
    )
    quotation = Quotation.objects.get()
    assert saved.url == reverse("crm:quotation_detail", args=[quotation.pk])
    assert quotation.total_amount == Decimal("3164.00")  # (1800 + 1000) x 1.13

    pdf = client.get(reverse("crm:quotation_pdf", args=[quotation.pk]))
    assert pdf["Content-Type"] == "application/pdf"
    assert "东方精密机械有限公司" in PdfReader(io.BytesIO(pdf.content)).pages[0].extract_text()

    accepted = client.post(
        reverse("crm:quotation_action", args=[quotation.pk, "accept"]), {"into": "contract"}
    )
    contract = Contract.objects.get()
    assert accepted.url == reverse("crm:contract_detail", args=[contract.pk])
    assert contract.amount == Decimal("3164.00") and contract.status == "draft"
    # another salesperson sees none of it
    client.force_login(org.yang)
    assert client.get(reverse("crm:quotation_detail", args=[quotation.pk])).status_code == 404


def test_payment_against_an_instalment_shows_on_the_contract_and_the_card(client, org):
    customer = CustomerFactory(owner=org.zhang)
    contract = contract_create(
        actor=org.zhang, customer=customer, title="维保合同", amount="9000", signed_on="2026-11-01"
    )
    first = instalment_add(actor=org.zhang, contract=contract, due_on="2026-11-15", amount="3000")
    client.force_login(org.zhang)
    page = client.get(reverse("crm:contract_detail", args=[contract.pk])).content.decode()
    assert "overdue" in page  # due 2026-11-15, nothing paid

    client.post(
        reverse("crm:contract_action", args=[contract.pk, "payment"]),
        {"instalment": first.pk, "amount": "3000", "paid_on": "2026-12-01", "method": "transfer"},
    )
    assert Payment.objects.get().instalment == first
    page = client.get(reverse("crm:contract_detail", args=[contract.pk])).content.decode()
    assert 'data-field="paid">¥3,000.00' in page and 'data-field="outstanding"><strong>¥6,000.00' in page
    card = client.get(reverse("crm:customer_detail", args=[customer.pk]) + "?tab=orders").content.decode()
    assert 'data-field="contract-paid">¥3,000.00' in card and 'data-field="receivable">¥6,000.00' in card


def test_the_staff_order_form_takes_many_lines(client, org):
    customer = CustomerFactory(owner=org.zhang)
    pump, valve, hose = (ProductFactory(price=p) for p in ("1000.00", "250.00", "12.50"))
    client.force_login(org.zhang)
    response = client.post(
        reverse("crm:order_new"),
        {
            "customer": customer.pk,
            "submit": "draft",
            **_lines(
                {"product": pump.pk, "quantity": "1"},
                {"product": valve.pk, "quantity": "2", "discount_percent": "10"},
                {"product": hose.pk, "quantity": "10", "price": "11"},
            ),
        },
    )
    order = Order.objects.get()
    assert response.url == reverse("crm:order_detail", args=[order.pk])
    assert order.lines.count() == 3 and order.total_amount == Decimal("1560.00")


def test_targets_on_the_dashboard(client, org):
    this_month = timezone.localdate().replace(day=1)
    sales_target_set(actor=org.wang, salesperson=org.zhang, month=this_month, planned="6000")
    client.force_login(org.zhang)
    page = client.get(reverse("crm:targets")).content.decode()
    assert "data-ranking" in page and "6,000.00" in page
    # a salesperson does not set their own target
    client.post(reverse("crm:targets"), {"salesperson": org.zhang.pk, "planned": "1"})
    assert BudgetLine.objects.get(salesperson=org.zhang).planned == Decimal("6000")
    # the manager does, picking the salesperson by name (never by login name), and the dashboard
    # shows the team's ranking
    client.force_login(org.wang)
    picker = client.get(reverse("crm:targets")).content.decode()
    assert f'value="{org.liu.pk}">{org.liu}</option>' in picker and f">{org.liu.username}<" not in picker
    client.post(
        reverse("crm:targets"), {"month": f"{this_month:%Y-%m}", "salesperson": org.liu.pk, "planned": "2500"}
    )
    assert BudgetLine.objects.get(salesperson=org.liu).planned == Decimal("2500")
    dashboard = client.get("/").content.decode()
    assert "2,500.00" in dashboard and "6,000.00" in dashboard


def test_a_draft_contract_is_edited_with_located_errors(client, org):
    customer = CustomerFactory(owner=org.zhang)
    contract = contract_create(actor=org.zhang, customer=customer, title="维保合同", amount="9000")
    client.force_login(org.zhang)
    url = reverse("crm:contract_edit", args=[contract.pk])
    assert client.get(url).status_code == 200
    fields = {"title": "维保合同", "amount": "9000", "starts_on": "2027-01-01", "ends_on": "2026-01-01"}
    bad = client.post(url, {**fields, "terms": "", "customer_signer": ""})
    assert bad.status_code == 400 and "The end comes before the start." in bad.content.decode()
    client.post(url, {**fields, "ends_on": "2027-12-31", "terms": "分两期付款", "customer_signer": "李总"})
    contract.refresh_from_db()
    assert (contract.terms, contract.customer_signer) == ("分两期付款", "李总")

    # a signed scan is attached to the contract (a document on the card, kind contract)
    scan = SimpleUploadedFile("合同扫描件.pdf", b"%PDF-1.4 scan", content_type="application/pdf")
    client.post(reverse("crm:contract_action", args=[contract.pk, "attachment"]), {"file": scan})
    document = Document.objects.get()
    assert (document.contract, document.customer, document.kind) == (contract, customer, "contract")
    assert "合同扫描件" in client.get(reverse("crm:contract_detail", args=[contract.pk])).content.decode()
