"""What customers owe (应收款), one rule for the card, the order, the contract, the reports and
the portal: a signed contract's amount is owed; an order counts on its own only when it is not
part of such a contract; every payment reduces what its customer owes, and a payment against an
order of a contract or an instalment of its plan also counts for that contract."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Q, QuerySet, Sum
from django.utils import timezone

from ..models import Contract, Customer, Instalment, Order, Payment

ZERO = Decimal(0)
# Orders the customer owes once submitted (drafts, rejected and cancelled ones are no debt).
OWED_ORDER_STATUSES = (Order.Status.SUBMITTED, Order.Status.APPROVED, Order.Status.SHIPPED, Order.Status.PAID)


@dataclass(frozen=True)
class Balance:
    amount: Decimal
    paid: Decimal

    @property
    def outstanding(self) -> Decimal:
        return max(self.amount - self.paid, ZERO)


@dataclass(frozen=True)
class InstalmentRow:
    instalment: Instalment
    paid: Decimal
    outstanding: Decimal
    overdue: bool
    days_overdue: int


def owed_orders(orders: QuerySet) -> QuerySet:
    """Orders that are a debt of their own (not covered by a signed contract's amount)."""
    return orders.filter(status__in=OWED_ORDER_STATUSES).filter(
        Q(contract__isnull=True) | ~Q(contract__status__in=Contract.RECEIVABLE)
    )


def owed_contracts(contracts: QuerySet) -> QuerySet:
    return contracts.filter(status__in=Contract.RECEIVABLE)


def _sum(queryset, field: str) -> Decimal:
    return queryset.aggregate(total=Sum(field))["total"] or ZERO


def customer_balance(*, customer: Customer) -> Balance:
    billed = _sum(owed_contracts(Contract.objects.filter(customer=customer)), "amount") + _sum(
        owed_orders(Order.objects.filter(customer=customer)), "total_amount"
    )
    return Balance(amount=billed, paid=_sum(Payment.objects.filter(customer=customer), "amount"))


def customer_receivable(*, customer: Customer) -> Decimal:
    """What the customer owes less what they paid (negative: paid in advance)."""
    balance = customer_balance(customer=customer)
    return balance.amount - balance.paid


def customers_owing(*, customers: QuerySet, payments: QuerySet, limit: int = 100) -> list[dict]:
    """Customers of `customers` with money outstanding, largest first: code, name, ordered (what
    they owe), paid, outstanding. `payments` are the payments the reader may count."""
    rows = {
        row["pk"]: dict(row, ordered=ZERO, paid=ZERO)
        for row in customers.values("pk", "code", "name")[:10_000]
    }
    ids = list(rows)
    for row in (
        owed_contracts(Contract.objects.filter(customer_id__in=ids))
        .order_by()
        .values("customer_id")
        .annotate(total=Sum("amount"))
    ):
        rows[row["customer_id"]]["ordered"] += row["total"]
    for row in (
        owed_orders(Order.objects.filter(customer_id__in=ids))
        .order_by()
        .values("customer_id")
        .annotate(total=Sum("total_amount"))
    ):
        rows[row["customer_id"]]["ordered"] += row["total"]
    for row in (
        payments.filter(customer_id__in=ids).order_by().values("customer_id").annotate(total=Sum("amount"))
    ):
        rows[row["customer_id"]]["paid"] += row["total"]
    result = [
        dict(r, outstanding=r["ordered"] - r["paid"]) for r in rows.values() if r["ordered"] - r["paid"] > 0
    ]
    return sorted(result, key=lambda r: (-r["outstanding"], r["code"]))[:limit]


def paid_by_contract(contract_ids, payments: QuerySet | None = None) -> dict[int, Decimal]:
    payments = Payment.objects.all() if payments is None else payments
    rows = (
        payments.filter(contract_id__in=list(contract_ids))
        .order_by()
        .values("contract_id")
        .annotate(total=Sum("amount"))
    )
    return {row["contract_id"]: row["total"] for row in rows}


def paid_by_order(order_ids, payments: QuerySet | None = None) -> dict[int, Decimal]:
    payments = Payment.objects.all() if payments is None else payments
    rows = (
        payments.filter(order_id__in=list(order_ids))
        .order_by()
        .values("order_id")
        .annotate(total=Sum("amount"))
    )
    return {row["order_id"]: row["total"] for row in rows}


def contract_balance(*, contract: Contract) -> Balance:
    return Balance(amount=contract.amount, paid=paid_by_contract([contract.pk]).get(contract.pk, ZERO))


def order_balance(*, order: Order) -> Balance:
    return Balance(amount=order.total_amount, paid=paid_by_order([order.pk]).get(order.pk, ZERO))


def payment_plan(*, contract: Contract, today: datetime.date | None = None) -> list[InstalmentRow]:
    """The contract's instalments with what was paid on each and whether it is overdue."""
    today = today or timezone.localdate()
    instalments = list(Instalment.objects.filter(contract=contract).order_by("sequence"))
    paid = {
        row["instalment_id"]: row["total"]
        for row in Payment.objects.filter(instalment__in=instalments)
        .order_by()
        .values("instalment_id")
        .annotate(total=Sum("amount"))
    }
    rows = []
    for instalment in instalments:
        got = paid.get(instalment.pk, ZERO)
        outstanding = max(instalment.amount - got, ZERO)
        overdue = bool(outstanding) and instalment.due_on < today
        rows.append(
            InstalmentRow(
                instalment=instalment,
                paid=got,
                outstanding=outstanding,
                overdue=overdue,
                days_overdue=(today - instalment.due_on).days if overdue else 0,
            )
        )
    return rows


def instalments_overdue(*, user, today: datetime.date | None = None, limit: int = 100) -> list[Instalment]:
    """Open instalments past their due date that `user` may see, oldest first."""
    today = today or timezone.localdate()
    return list(
        Instalment.objects.visible_to(user)
        .filter(settled=False, due_on__lt=today)
        .select_related("contract", "customer")
        .order_by("due_on", "pk")[:limit]
    )
