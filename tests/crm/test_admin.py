from django.urls import reverse

from crm.models import Customer, CustomerChange

from .factories import ContactFactory, CustomerFactory


def test_admin_lists_and_edits_customers_through_the_services(admin_client, admin_user):
    # given a customer with a contact
    customer = CustomerFactory(owner=admin_user, name="上海明远机械有限公司", annual_revenue=100)
    ContactFactory(customer=customer)
    # when the administrator opens the list and the card
    assert admin_client.get(reverse("admin:crm_customer_changelist")).status_code == 200
    page = admin_client.get(reverse("admin:crm_customer_change", args=[customer.pk]))
    assert page.status_code == 200
    # and adds a customer through the admin form
    response = admin_client.post(
        reverse("admin:crm_customer_add"),
        {
            "name": "杭州青禾食品有限公司",
            "annual_revenue": "2500",
            "custom": "{}",
            "contacts-TOTAL_FORMS": "0",
            "contacts-INITIAL_FORMS": "0",
            "shares-TOTAL_FORMS": "0",
            "shares-INITIAL_FORMS": "0",
            "changes-TOTAL_FORMS": "0",
            "changes-INITIAL_FORMS": "0",
        },
    )
    # then the service numbered it
    assert response.status_code == 302, response.content[:2000]
    created = Customer.objects.get(name="杭州青禾食品有限公司")
    assert created.code.startswith("C") and created.name_key == "杭州青禾食品"
    assert not CustomerChange.objects.filter(customer=created).exists()
    for name in ("order", "opportunity", "product", "importjob", "complaint", "customerpool"):
        assert admin_client.get(reverse(f"admin:crm_{name}_changelist")).status_code == 200
