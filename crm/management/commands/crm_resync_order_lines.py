"""Bring every order line's `booked_on` (what the sales report sums by) in line with its order:
run once after rolling out the release that added it, since orders booked by the previous version
while the new one migrated did not set it. `manage.py crm_resync_order_lines`."""

from django.core.management.base import BaseCommand

from crm.services.commerce import order_lines_resync_booked_on


class Command(BaseCommand):
    help = "Set each order line's booked date from its order where they disagree."

    def handle(self, *args, **options):
        changed = order_lines_resync_booked_on()
        self.stdout.write(f"{changed} order line(s) corrected.")
