"""factory_boy factories for CRM records (rows built directly; services are what tests exercise)."""

import factory
from django.utils import timezone

from crm.models import (
    ChoiceList,
    ChoiceOption,
    Contact,
    Customer,
    CustomerLevel,
    CustomerPool,
    Opportunity,
    Product,
    Warehouse,
)
from crm.normalize import customer_keys
from tests.factories import UserFactory


class ChoiceOptionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ChoiceOption
        django_get_or_create = ("choice_list", "code")

    choice_list = ChoiceList.STATUS
    code = factory.Sequence(lambda n: f"opt{n}")
    label = factory.LazyAttribute(lambda o: o.code.title())


class CustomerLevelFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CustomerLevel
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"L{n}")
    name = factory.LazyAttribute(lambda o: f"Level {o.code}")


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Customer

    code = factory.Sequence(lambda n: f"T{n:07d}")
    name = factory.Sequence(lambda n: f"测试客户{n}有限公司")
    owner = factory.SubFactory(UserFactory)
    owned_since = factory.LazyFunction(timezone.now)

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        keys = customer_keys(
            name=kwargs.get("name", ""),
            phone=kwargs.get("phone", ""),
            email=kwargs.get("email", ""),
            tax_id=kwargs.get("tax_id", ""),
        )
        for key, value in keys.items():
            kwargs.setdefault(key, value)
        return super()._create(model_class, *args, **kwargs)


class ContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contact

    customer = factory.SubFactory(CustomerFactory)
    name = factory.Sequence(lambda n: f"联系人{n}")


class PoolFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CustomerPool

    code = factory.Sequence(lambda n: f"POOL{n}")
    name = factory.Sequence(lambda n: f"Pool {n}")
    claim_limit = 2


class OpportunityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Opportunity

    customer = factory.SubFactory(CustomerFactory)
    name = factory.Sequence(lambda n: f"Deal {n}")
    owner = factory.LazyAttribute(lambda o: o.customer.owner)
    amount = 1000

    @classmethod
    def _adjust_kwargs(cls, **kwargs):
        # a stage may be given by its key ("contract"), as the column stores it; the standard
        # process's stages exist (a flushed database, after a transactional test, has none)
        from crm.models.sales_processes import ensure_standard_process

        ensure_standard_process()
        if isinstance(kwargs.get("stage"), str):
            kwargs["stage_id"] = kwargs.pop("stage")
        return kwargs


class ProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Product

    code = factory.Sequence(lambda n: f"P{n:05d}")
    name = factory.Sequence(lambda n: f"产品{n}")
    price = 100


class WarehouseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Warehouse

    code = factory.Sequence(lambda n: f"W{n}")
    name = factory.Sequence(lambda n: f"仓库{n}")
