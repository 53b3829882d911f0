"""Serve the embedded system: Django's server plus the in-process ticker for periodic work."""

from django.core.management import call_command
from django.core.management.base import BaseCommand

from core.ticker import start_embedded_ticker


class Command(BaseCommand):
    help = "Run the web server and, in place of Celery beat, the in-process ticker."

    def add_arguments(self, parser):
        parser.add_argument("addrport", nargs="?", default="127.0.0.1:8000")

    def handle(self, *args, addrport, **options):
        start_embedded_ticker()
        # No autoreloader: it would fork a second process with a second ticker.
        call_command("runserver", addrport, use_reloader=False)
