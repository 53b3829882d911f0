"""A demo customer who can sign in to the portal: customer@demo.example (the demo password), the
portal administrator of the first demo customer that has a customer manager."""

from django.contrib.auth import get_user_model
from django.utils import timezone

from crm.models import ChoiceList, ChoiceOption, Customer
from crm.service.services import customer_consultation_ask
from org.seed import DEMO_PASSWORD

from .models import PortalAccount

DEMO_EMAIL = "customer@demo.example"


def seed_demo(stdout) -> None:
    User = get_user_model()
    if User.objects.filter(username=DEMO_EMAIL).exists():
        return
    customer = Customer.objects.filter(owner__isnull=False).order_by("code").first()
    if customer is None:
        stdout.write("portal: no customer with a manager yet; run the CRM seed first")
        return
    Customer.objects.filter(pk=customer.pk).update(portal_enabled=True)
    user = User.objects.create_user(
        username=DEMO_EMAIL, email=DEMO_EMAIL, password=DEMO_PASSWORD, display_name="王客户 Customer Wang"
    )
    PortalAccount.objects.create(
        user=user,
        customer=customer,
        contact=customer.contacts.order_by("pk").first(),
        is_customer_admin=True,
        activated_at=timezone.now(),
    )
    customer.portal_enabled = True
    categories = ChoiceOption.objects.filter(choice_list=ChoiceList.CONSULTATION_CATEGORY)
    customer_consultation_ask(
        user=user,
        customer=customer,
        contact=customer.contacts.order_by("pk").first(),
        question="智能监控终端能否接入我们自己的 MES 系统?",
        # the service desk's categories are seeded by the CRM's demo; without them, no category
        category="selection" if categories.filter(code="selection").exists() else "",
    )
    stdout.write(f"  portal: {DEMO_EMAIL} signs in at /portal/ for {customer.name}")
