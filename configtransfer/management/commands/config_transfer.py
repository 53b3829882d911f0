"""Export the company's configuration to a JSON file, or import one (a dry run unless --apply).

manage.py config_transfer export company.json [--without-org] --as admin
manage.py config_transfer import company.json [--apply] [--without-org] --as admin
"""

from __future__ import annotations

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from configtransfer.services import (
    config_dumps,
    config_export,
    config_import,
    config_read,
    plan_lines,
)
from core.errors import DomainError


class Command(BaseCommand):
    help = "Export the configuration to a JSON file, or import one with a dry-run diff."

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["export", "import"])
        parser.add_argument("path")
        parser.add_argument("--as", dest="username", required=True, help="who does it (audited)")
        parser.add_argument("--apply", action="store_true", help="import: write the changes")
        parser.add_argument("--without-org", action="store_true", help="leave departments and positions out")

    def handle(self, *args, action, path, username, apply, without_org, **options):
        actor = get_user_model().objects.filter(username=username, is_active=True).first()
        if actor is None:
            raise CommandError(f"No active user {username!r}.")
        try:
            if action == "export":
                document = config_export(actor=actor, include_org=not without_org)
                Path(path).write_text(config_dumps(document), encoding="utf-8")
                counts = ", ".join(f"{k} {len(v)}" for k, v in document["sections"].items())
                self.stdout.write(f"Exported to {path}: {counts}")
                return
            document = config_read(Path(path).read_bytes())
            plan = config_import(
                actor=actor,
                document=document,
                apply=apply,
                include_org=not without_org,
                file_name=Path(path).name,
            )
        except DomainError as error:
            raise CommandError(str(error.message)) from error
        except OSError as error:
            raise CommandError(str(error)) from error
        for line in plan_lines(plan):
            self.stdout.write(line)
        if plan.problems:
            raise CommandError(f"{len(plan.problems)} problem(s); nothing was changed.")
        self.stdout.write("Applied." if plan.applied else "Dry run: nothing was changed (add --apply).")
