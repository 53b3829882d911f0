"""Invite a customer's employee to the portal from the command line (the staff UI's customer card
is where this normally happens): `manage.py portal_invite C000001 li.na@example.com --by admin`.
The link in the e-mail starts with PUBLIC_BASE_URL."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from core.errors import DomainError
from crm.models import Contact, Customer
from portal.services import portal_invite


class Command(BaseCommand):
    help = "Invite someone of a customer company to the customer portal (e-mails a one-time link)."

    def add_arguments(self, parser):
        parser.add_argument("customer", help="customer code")
        parser.add_argument("email")
        parser.add_argument("--by", required=True, help="user name of the staff member who invites")
        parser.add_argument("--contact", type=int, help="id of the customer's contact this person is")
        parser.add_argument("--admin", action="store_true", help="may invite colleagues of the same company")

    def handle(self, *args, **options):
        customer = Customer.objects.filter(code=options["customer"]).first()
        if customer is None:
            raise CommandError(f"No customer with the code {options['customer']}.")
        actor = get_user_model().objects.filter(username=options["by"], is_active=True).first()
        if actor is None:
            raise CommandError(f"No active user {options['by']}.")
        contact = None
        if options["contact"]:
            contact = Contact.objects.filter(pk=options["contact"], customer=customer).first()
            if contact is None:
                raise CommandError("That contact does not belong to the customer.")
        try:
            account = portal_invite(
                actor=actor,
                customer=customer,
                email=options["email"],
                contact=contact,
                is_customer_admin=options["admin"],
            )
        except DomainError as error:
            details = "; ".join(f"{k}: {' '.join(map(str, v))}" for k, v in error.fields.items())
            raise CommandError(f"{error.message} {details}".strip()) from None
        self.stdout.write(f"Invited {account.user.email} to the portal of {customer.name}.")
