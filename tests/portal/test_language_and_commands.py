"""The portal in Simplified Chinese, the invitation command, and the e-mail telling a customer
that a task waits in the portal."""

import io

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import translation

from crm.models import Complaint
from engine import services as engine
from engine.models import HumanTask
from portal.models import PortalAccount
from tests.crm.conftest import SALES_PERMS
from tests.factories import GroupFactory

pytestmark = pytest.mark.django_db


def test_the_customer_switches_the_portal_to_chinese(client, world):
    client.force_login(world.alice.user)
    response = client.post(
        reverse("portal:language"), {"language": "zh-hans", "next": reverse("portal:requests")}
    )
    assert response.status_code == 302 and response.url == reverse("portal:requests")
    world.alice.user.refresh_from_db()
    assert world.alice.user.language == "zh-hans"
    page = client.get(reverse("portal:requests")).content.decode()
    assert "还没有请求。" in page and "网上订货" in page
    errors = client.post(reverse("portal:complaint_new"), {}).content.decode()
    assert "请选择类别。" in errors


def test_the_invite_command(world, django_capture_on_commit_callbacks):
    world.manager.groups.add(GroupFactory(name="pt_cmd_sales", perms=SALES_PERMS))
    out = io.StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command(
            "portal_invite", world.acme.code, "gina@acme.example", "--by", "pt.manager", "--admin", stdout=out
        )
    assert "Invited gina@acme.example" in out.getvalue()
    assert PortalAccount.objects.get(user__email="gina@acme.example").is_customer_admin
    assert "http://localhost:8000/portal/invitation/" in mail.outbox[0].body
    with translation.override("en"), pytest.raises(CommandError, match="already has portal access"):
        call_command("portal_invite", world.acme.code, "alice@acme.example", "--by", "pt.manager")


def test_the_customer_is_mailed_when_a_task_waits_for_them(
    client, world, complaint_process, django_capture_on_commit_callbacks
):
    client.force_login(world.alice.user)
    client.post(
        reverse("portal:complaint_new"), {"category": "other", "subject": "Noise", "description": "Loud."}
    )
    complaint = Complaint.objects.get()
    task = HumanTask.objects.get(business_object_id=str(complaint.pk))
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        engine.complete_task(task.pk, user=world.agent, data={"resolution": "Fixed"})
    rate = HumanTask.objects.get(business_object_id=str(complaint.pk), status="ready")
    assert [m.to for m in mail.outbox] == [["alice@acme.example"]]
    assert reverse("portal:task", args=[rate.pk]) in mail.outbox[0].body
    assert "Rate how we handled it" in mail.outbox[0].body


def test_the_demo_seed_gives_a_customer_a_portal_user(world, client):
    from org.seed import DEMO_PASSWORD
    from portal.seed import DEMO_EMAIL, seed_demo

    seed_demo(io.StringIO())
    seed_demo(io.StringIO())  # idempotent
    account = PortalAccount.objects.get(user__username=DEMO_EMAIL)
    assert account.customer.portal_enabled and account.is_customer_admin
    response = client.post(reverse("portal:login"), {"username": DEMO_EMAIL, "password": DEMO_PASSWORD})
    assert response.status_code == 302
