"""Seed the demo company: each installed app may ship `seed.py` with `seed_demo(stdout)`.

Apps run in INSTALLED_APPS order (the org chart first, then what builds on it). Idempotent:
running it again changes nothing that is already there.
"""

import importlib
import importlib.util

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import transaction


class Command(BaseCommand):
    help = "Create (or complete) the demo organisation, users and data. Safe to run again."

    def handle(self, *args, **options):
        for config in apps.get_app_configs():
            module_name = f"{config.name}.seed"
            if importlib.util.find_spec(module_name) is None:
                continue
            module = importlib.import_module(module_name)
            with transaction.atomic():
                module.seed_demo(self.stdout)
