"""The API's entity endpoints as data, for the generated tests: how to make a record a role can
reach, and a valid body to create or change one.

`make(user)` builds a record owned by (or reachable for) `user`; `create(user)` is a valid POST
body for `user`; `change` a valid PATCH body. None means the endpoint does not offer the operation.
"""

from __future__ import annotations

import datetime
import itertools
from collections.abc import Callable
from dataclasses import dataclass

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import models
from django.utils import timezone

from crm import models as crm
from integrations.models import Mailing
from org.models import Department, Employee
from tests.crm.factories import CustomerFactory, PoolFactory, ProductFactory, WarehouseFactory
from tests.factories import DepartmentFactory, UserFactory

_seq = itertools.count(1)


def _n() -> int:
    return next(_seq)


@dataclass
class Endpoint:
    path: str
    model: type[models.Model]
    make: Callable
    create: Callable | None = None
    change: dict | None = None
    delete: bool = False
    # DELETE is documented but refused with 405 (the CRM keeps records of this kind)
    delete_refused: bool = False
    format: str = "json"  # of the create body
    audit_action: str = "create"  # the audit row a create leaves
    # Whose permission guards the endpoint, and which operation stands for each entity action
    # (documents follow the customer card: changing one needs the right to change the customer).
    perm_model: type[models.Model] | None = None
    perm_actions: dict | None = None

    @property
    def name(self) -> str:
        return self.path.strip("/").split("/")[-1]


def _customer(user):
    return CustomerFactory(owner=user)


def _contact(user):
    return crm.Contact.objects.create(customer=_customer(user), name=f"Contact {_n()}")


def _lead(user):
    return crm.Lead.objects.create(company_name=f"Lead Co {_n()}", owner=user)


def _opportunity(user):
    customer = _customer(user)
    return crm.Opportunity.objects.create(customer=customer, name=f"Deal {_n()}", owner=user, amount=10)


def _contract(user):
    return crm.Contract.objects.create(
        customer=_customer(user), code=f"CT{_n():06d}", title="C", amount=1000, owner=user
    )


def _instalment(user):
    contract = _contract(user)
    return crm.Instalment.objects.create(
        contract=contract, customer_id=contract.customer_id, sequence=1, due_on=timezone.localdate(), amount=1
    )


def _order(user):
    return crm.Order.objects.create(
        customer=_customer(user), code=f"SOT{_n():06d}", owner=user, ordered_on=timezone.localdate()
    )


def _expense_category(user=None):
    return crm.ExpenseCategory.objects.create(name=f"Travel {_n()}")


def _expense(user):
    return crm.Expense.objects.create(
        category=_expense_category(), amount=12, spent_on=timezone.localdate(), owner=user
    )


def _campaign(user):
    return crm.Campaign.objects.create(name=f"Campaign {_n()}", owner=user)


def _favourite_list(user):
    return crm.FavouriteList.objects.create(name=f"List {_n()}", owner=user)


def _mailing(user):
    return Mailing.objects.create(
        name=f"News {_n()}", channel="email", subject="News", body="Hi", created_by=user
    )


def _mailing_body(user):
    """To a favourites list of the caller's with one customer that has an e-mail address."""
    favourites = _favourite_list(user)
    customer = CustomerFactory(owner=user, email=f"buyer{_n()}@example.com")
    crm.FavouriteItem.objects.create(favourite_list=favourites, customer=customer)
    return {
        "name": f"Spring news {_n()}",
        "channel": "email",
        "subject": "Spring news",
        "body": "New pumps are in stock.",
        "source": f"list:{favourites.pk}",
    }


def _import_job(user):
    job = crm.ImportJob(entity="customer", created_by=user)
    job.file.save(f"matrix-{_n()}.csv", ContentFile(IMPORT_CSV), save=False)
    job.save()
    return job


def _document(user):
    document = crm.Document(
        customer=_customer(user),
        title=f"Quotation {_n()}",
        file_name="quotation.txt",
        content_type="text/plain",
        size=5,
        uploaded_by=user,
    )
    document.file.save("quotation.txt", ContentFile(b"hello"), save=False)
    document.save()
    return document


def _budget(user):
    budget = crm.Budget.objects.create(
        name=f"Targets {_n()}",
        kind="sales",
        starts_on=datetime.date(2026, 1, 1),
        ends_on=datetime.date(2026, 12, 31),
        owner=user,
    )
    crm.BudgetLine.objects.create(budget=budget, salesperson=user, planned=100000)
    return budget


def _stock_level(user=None):
    return crm.StockLevel.objects.create(
        product=ProductFactory(), warehouse=WarehouseFactory(), on_hand=10, reserved=3
    )


def _reservation(user):
    level = _stock_level()
    return crm.StockReservation.objects.create(
        order=_order(user), product=level.product, warehouse=level.warehouse, quantity=3
    )


IMPORT_CSV = "客户名称,电话\n矩阵测试公司,010-88886666\n".encode()


def import_upload(name: str = "customers.csv", content: bytes = IMPORT_CSV) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="text/csv")


def _employee(user):
    other = UserFactory()
    return Employee.objects.create(
        user=other, code=f"X{_n():05d}", name="Temp", department=DepartmentFactory()
    )


ENDPOINTS = [
    Endpoint(
        "/api/v1/departments/",
        Department,
        make=lambda u: DepartmentFactory(),
        create=lambda u: {"code": f"N{_n()}", "name": "New department"},
        change={"name": "Renamed"},
        delete=True,
    ),
    Endpoint(
        "/api/v1/employees/",
        Employee,
        make=_employee,
        create=lambda u: {
            "user": UserFactory().pk,
            "code": f"Y{_n():05d}",
            "name": "New hire",
            "department": DepartmentFactory().pk,
        },
        change={"phone": "13800000000"},
        delete=True,
    ),
    Endpoint(
        "/api/v1/customers/",
        crm.Customer,
        make=_customer,
        create=lambda u: {"name": f"Matrix customer {_n()}", "allow_duplicate": True},
        change={"short_name": "changed"},
        delete=True,
    ),
    Endpoint(
        "/api/v1/contacts/",
        crm.Contact,
        make=_contact,
        create=lambda u: {"customer": _customer(u).pk, "name": "New contact"},
        change={"title": "CTO"},
        delete_refused=True,
    ),
    Endpoint(
        "/api/v1/leads/",
        crm.Lead,
        make=_lead,
        create=lambda u: {"company_name": f"Lead {_n()}"},
        delete_refused=True,
    ),
    Endpoint(
        "/api/v1/opportunities/",
        crm.Opportunity,
        make=_opportunity,
        create=lambda u: {"customer": _customer(u).pk, "name": "Deal", "amount": "100.00"},
        change={"amount": "200.00"},
        delete_refused=True,
    ),
    Endpoint(
        "/api/v1/activities/",
        crm.Activity,
        make=lambda u: crm.Activity.objects.create(
            customer=_customer(u), subject="Call", owner=u, occurred_at=timezone.now()
        ),
        create=lambda u: {"customer": _customer(u).pk, "subject": "Visit"},
        delete_refused=True,
    ),
    Endpoint(
        "/api/v1/campaigns/",
        crm.Campaign,
        make=_campaign,
        create=lambda u: {"name": f"Campaign {_n()}"},
        delete_refused=True,
    ),
    Endpoint(
        "/api/v1/products/",
        crm.Product,
        make=lambda u: ProductFactory(),
        create=lambda u: {"code": f"PN{_n()}", "name": "Widget", "price": "9.90"},
        change={"price": "12.00"},
        delete_refused=True,
    ),
    Endpoint(
        "/api/v1/orders/",
        crm.Order,
        make=_order,
        create=lambda u: {
            "customer": _customer(u).pk,
            "lines": [{"product": ProductFactory().pk, "quantity": "2"}],
        },
        delete_refused=True,
    ),
    Endpoint(
        "/api/v1/contracts/",
        crm.Contract,
        make=lambda u: crm.Contract.objects.create(
            customer=_customer(u), code=f"CT{_n():06d}", title="C", amount=1, owner=u
        ),
        create=lambda u: {"customer": _customer(u).pk, "title": "Supply contract", "amount": "1000.00"},
        change={"terms": "Paid in two instalments."},
        delete_refused=True,
    ),
    Endpoint(
        "/api/v1/quotations/",
        crm.Quotation,
        make=lambda u: crm.Quotation.objects.create(
            customer=_customer(u), code=f"QT{_n():06d}", title="Q", quoted_on=timezone.localdate(), owner=u
        ),
        create=lambda u: {
            "customer": _customer(u).pk,
            "title": "Pumps",
            "lines": [{"product": ProductFactory().pk, "quantity": "2", "discount_percent": "5"}],
        },
        delete_refused=True,
    ),
    Endpoint(
        "/api/v1/instalments/",
        crm.Instalment,
        make=_instalment,
        create=lambda u: {"contract": _contract(u).pk, "due_on": "2027-01-31", "amount": "100.00"},
        delete=True,
    ),
    Endpoint(
        "/api/v1/invoices/",
        crm.Invoice,
        make=lambda u: crm.Invoice.objects.create(
            customer=_customer(u), number=f"INV{_n()}", amount=1, issued_on=timezone.localdate(), owner=u
        ),
        create=lambda u: {"customer": _customer(u).pk, "number": f"0440{_n():06d}", "amount": "10.00"},
        delete_refused=True,
    ),
    Endpoint(
        "/api/v1/payments/",
        crm.Payment,
        make=lambda u: crm.Payment.objects.create(
            customer=_customer(u), amount=5, paid_on=timezone.localdate()
        ),
        create=lambda u: {"customer": _customer(u).pk, "amount": "50.00"},
        delete_refused=True,
    ),
    Endpoint(
        "/api/v1/complaints/",
        crm.Complaint,
        make=lambda u: crm.Complaint.objects.create(
            customer=_customer(u), code=f"CP{_n():06d}", subject="Broken"
        ),
        create=lambda u: {"customer": _customer(u).pk, "subject": "Late delivery", "category": "delivery"},
        change={"status": "in_progress"},
        delete_refused=True,
    ),
    Endpoint(
        "/api/v1/service-requests/",
        crm.ServiceRequest,
        make=lambda u: crm.ServiceRequest.objects.create(
            customer=_customer(u), code=f"SR{_n():06d}", subject="Repair"
        ),
        create=lambda u: {"customer": _customer(u).pk, "subject": "Install", "serial_number": "SN-1"},
        change={"work_record": "Replaced the pump."},
        delete_refused=True,
    ),
    Endpoint("/api/v1/customer-pools/", crm.CustomerPool, make=lambda u: PoolFactory()),
    Endpoint(
        "/api/v1/favourite-lists/",
        crm.FavouriteList,
        make=_favourite_list,
        create=lambda u: {"name": f"Key accounts {_n()}"},
        delete_refused=True,
    ),
    Endpoint(
        "/api/v1/expenses/",
        crm.Expense,
        make=_expense,
        create=lambda u: {
            "category": _expense_category().pk,
            "amount": "88.50",
            "spent_on": str(timezone.localdate()),
        },
        delete_refused=True,
    ),
    Endpoint(
        "/api/v1/expense-categories/",
        crm.ExpenseCategory,
        make=_expense_category,
        create=lambda u: {"name": f"Hotels {_n()}"},
        delete_refused=True,
    ),
    Endpoint(
        "/api/v1/documents/",
        crm.Document,
        make=_document,
        create=lambda u: {
            "customer": _customer(u).pk,
            "file": SimpleUploadedFile("offer.txt", "报价单 v1".encode(), content_type="text/plain"),
        },
        change={"shared_with_customer": True},
        delete=True,
        format="multipart",
        perm_model=crm.Customer,
        perm_actions={"add": "change", "delete": "change"},
    ),
    Endpoint(
        "/api/v1/budgets/",
        crm.Budget,
        make=_budget,
        create=lambda u: {
            "name": f"2026 targets {_n()}",
            "kind": "sales",
            "starts_on": "2026-01-01",
            "ends_on": "2026-12-31",
            "lines": [{"salesperson": u.pk, "planned": "500000.00"}],
        },
        delete_refused=True,
    ),
    Endpoint("/api/v1/stock-levels/", crm.StockLevel, make=_stock_level),
    Endpoint("/api/v1/stock-reservations/", crm.StockReservation, make=_reservation, perm_model=crm.Order),
    Endpoint(
        "/api/v1/import-jobs/",
        crm.ImportJob,
        make=_import_job,
        create=lambda u: {"entity": "customer", "file": import_upload()},
        format="multipart",
        audit_action="import",
    ),
    Endpoint("/api/v1/mailings/", Mailing, make=_mailing, create=_mailing_body),
]


@dataclass
class Action:
    """A custom action: the entity permission it needs (`model`, `operation`) and how to call it.

    `call(client, user)` makes what the action needs, owned by `user`, and sends the request.
    """

    name: str
    model: type[models.Model]
    operation: str
    success: int
    call: Callable
    detail: bool = True  # on one record: invisible without the view permission (404)
    writes: bool = False  # changes data: must leave an audit row


def _merge_pair(user) -> dict:
    return {"keep": _customer(user).pk, "remove": _customer(user).pk}


ACTIONS = [
    Action(
        "customer merge preview",
        crm.Customer,
        "delete",
        200,
        lambda c, u: c.post("/api/v1/customers/merge-preview/", _merge_pair(u), format="json"),
        detail=False,
    ),
    Action(
        "customer merge",
        crm.Customer,
        "delete",
        200,
        lambda c, u: c.post("/api/v1/customers/merge/", _merge_pair(u), format="json"),
        detail=False,
        writes=True,
    ),
    Action(
        "campaign members",
        crm.Campaign,
        "view",
        200,
        lambda c, u: c.get(f"/api/v1/campaigns/{_campaign(u).pk}/members/"),
    ),
    Action(
        "campaign add members",
        crm.Campaign,
        "change",
        201,
        lambda c, u: c.post(
            f"/api/v1/campaigns/{_campaign(u).pk}/members/", {"customers": [_customer(u).pk]}, format="json"
        ),
        writes=True,
    ),
    Action(
        "campaign tasks",
        crm.Campaign,
        "view",
        200,
        lambda c, u: c.get(f"/api/v1/campaigns/{_campaign(u).pk}/tasks/"),
    ),
    Action(
        "campaign add task",
        crm.Campaign,
        "change",
        201,
        lambda c, u: c.post(
            f"/api/v1/campaigns/{_campaign(u).pk}/tasks/",
            {"title": "Send invitations", "assignee": u.pk},
            format="json",
        ),
        writes=True,
    ),
    Action(
        "campaign costs",
        crm.Campaign,
        "view",
        200,
        lambda c, u: c.get(f"/api/v1/campaigns/{_campaign(u).pk}/costs/"),
    ),
    Action(
        "campaign add cost",
        crm.Campaign,
        "change",
        201,
        lambda c, u: c.post(
            f"/api/v1/campaigns/{_campaign(u).pk}/costs/",
            {"item": "Booth", "amount": "500.00"},
            format="json",
        ),
        writes=True,
    ),
    Action(
        "campaign roi",
        crm.Campaign,
        "view",
        200,
        lambda c, u: c.get(f"/api/v1/campaigns/{_campaign(u).pk}/roi/"),
    ),
    Action(
        "favourite items",
        crm.FavouriteList,
        "view",
        200,
        lambda c, u: c.get(f"/api/v1/favourite-lists/{_favourite_list(u).pk}/items/"),
    ),
    Action(
        "favourite add",
        crm.FavouriteList,
        "change",
        200,
        lambda c, u: c.post(
            f"/api/v1/favourite-lists/{_favourite_list(u).pk}/add/",
            {"customers": [_customer(u).pk]},
            format="json",
        ),
        writes=True,
    ),
    Action(
        "favourite remove",
        crm.FavouriteList,
        "change",
        204,
        lambda c, u: c.post(
            f"/api/v1/favourite-lists/{_favourite_list(u).pk}/remove/",
            {"customers": [_customer(u).pk]},
            format="json",
        ),
        writes=True,
    ),
    Action(
        "expense category move",
        crm.ExpenseCategory,
        "change",
        200,
        lambda c, u: c.post(
            f"/api/v1/expense-categories/{_expense_category().pk}/move/",
            {"parent": _expense_category().pk},
            format="json",
        ),
        writes=True,
    ),
    Action(
        "expense totals",
        crm.ExpenseCategory,
        "view",
        200,
        lambda c, u: c.get("/api/v1/expense-categories/totals/"),
        detail=False,
    ),
    Action(
        "import preview",
        crm.ImportJob,
        "add",
        200,
        lambda c, u: c.post(
            "/api/v1/import-jobs/preview/",
            {"entity": "customer", "file": import_upload()},
            format="multipart",
        ),
        detail=False,
    ),
    Action(
        "import error report",
        crm.ImportJob,
        "view",
        200,
        lambda c, u: c.get(f"/api/v1/import-jobs/{_import_job(u).pk}/errors/"),
    ),
    Action(
        "budget adjust",
        crm.Budget,
        "change",
        201,
        lambda c, u: (
            lambda b: c.post(
                f"/api/v1/budgets/{b.pk}/adjust/",
                {"line": b.lines.get().pk, "planned": "120000.00", "reason": "Bigger territory"},
                format="json",
            )
        )(_budget(u)),
        writes=True,
    ),
    Action(
        "budget report",
        crm.Budget,
        "view",
        200,
        lambda c, u: c.get(f"/api/v1/budgets/{_budget(u).pk}/report/"),
    ),
    Action(
        "list export",
        crm.Customer,
        "export",
        200,
        lambda c, u: c.get("/api/v1/exports/customer/", {"params": '{"filters": {"owner": "me"}}'}),
        detail=False,
        writes=True,
    ),
]


def _report_actions() -> list[Action]:
    """Each report: reading it needs the view right on its entity, the Excel export the export right."""
    from reports.catalogue import REPORTS

    actions = []
    for slug, report in sorted(REPORTS.items()):
        path = f"/api/v1/reports/{slug}/"
        actions.append(
            Action(f"report {slug}", report.model, "view", 200, lambda c, u, p=path: c.get(p), detail=False)
        )
        actions.append(
            Action(
                f"report {slug} export",
                report.model,
                "export",
                200,
                lambda c, u, p=path: c.get(f"{p}export/"),
                detail=False,
            )
        )
    return actions


ACTIONS += _report_actions()
