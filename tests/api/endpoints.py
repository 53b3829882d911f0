"""The API's entity endpoints as data, for the generated tests: how to make a record a role can
reach, and a valid body to create or change one.

`make(user)` builds a record owned by (or reachable for) `user`; `create(user)` is a valid POST
body for `user`; `change` a valid PATCH body. None means the endpoint does not offer the operation.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass

from django.db import models
from django.utils import timezone

from crm import models as crm
from org.models import Department, Employee
from tests.crm.factories import CustomerFactory, PoolFactory, ProductFactory
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


def _order(user):
    return crm.Order.objects.create(
        customer=_customer(user), code=f"SOT{_n():06d}", owner=user, ordered_on=timezone.localdate()
    )


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
    ),
    Endpoint(
        "/api/v1/leads/",
        crm.Lead,
        make=_lead,
        create=lambda u: {"company_name": f"Lead {_n()}"},
    ),
    Endpoint(
        "/api/v1/opportunities/",
        crm.Opportunity,
        make=_opportunity,
        create=lambda u: {"customer": _customer(u).pk, "name": "Deal", "amount": "100.00"},
        change={"amount": "200.00"},
    ),
    Endpoint(
        "/api/v1/activities/",
        crm.Activity,
        make=lambda u: crm.Activity.objects.create(
            customer=_customer(u), subject="Call", owner=u, occurred_at=timezone.now()
        ),
        create=lambda u: {"customer": _customer(u).pk, "subject": "Visit"},
    ),
    Endpoint(
        "/api/v1/campaigns/",
        crm.Campaign,
        make=lambda u: crm.Campaign.objects.create(name=f"Campaign {_n()}", owner=u),
        create=lambda u: {"name": f"Campaign {_n()}"},
    ),
    Endpoint(
        "/api/v1/products/",
        crm.Product,
        make=lambda u: ProductFactory(),
        create=lambda u: {"code": f"PN{_n()}", "name": "Widget", "price": "9.90"},
        change={"price": "12.00"},
    ),
    Endpoint(
        "/api/v1/orders/",
        crm.Order,
        make=_order,
        create=lambda u: {
            "customer": _customer(u).pk,
            "lines": [{"product": ProductFactory().pk, "quantity": "2"}],
        },
    ),
    Endpoint(
        "/api/v1/contracts/",
        crm.Contract,
        make=lambda u: crm.Contract.objects.create(
            customer=_customer(u), code=f"CT{_n():06d}", title="C", amount=1, owner=u
        ),
        create=lambda u: {"customer": _customer(u).pk, "title": "Supply contract", "amount": "1000.00"},
    ),
    Endpoint(
        "/api/v1/payments/",
        crm.Payment,
        make=lambda u: crm.Payment.objects.create(
            customer=_customer(u), amount=5, paid_on=timezone.localdate()
        ),
        create=lambda u: {"customer": _customer(u).pk, "amount": "50.00"},
    ),
    Endpoint(
        "/api/v1/complaints/",
        crm.Complaint,
        make=lambda u: crm.Complaint.objects.create(
            customer=_customer(u), code=f"CP{_n():06d}", subject="Broken"
        ),
        create=lambda u: {"customer": _customer(u).pk, "subject": "Late delivery"},
        change={"status": "in_progress"},
    ),
    Endpoint(
        "/api/v1/service-requests/",
        crm.ServiceRequest,
        make=lambda u: crm.ServiceRequest.objects.create(
            customer=_customer(u), code=f"SR{_n():06d}", subject="Repair"
        ),
        create=lambda u: {"customer": _customer(u).pk, "subject": "Install"},
        change={"work_record": "Replaced the pump."},
    ),
    Endpoint("/api/v1/customer-pools/", crm.CustomerPool, make=lambda u: PoolFactory()),
]
