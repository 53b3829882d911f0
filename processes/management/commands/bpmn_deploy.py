"""`manage.py bpmn_deploy FILE… [--activate]`: deploy; a new version of an already active process
becomes active only with --activate (the first version of a process always does)."""

from django.core.management.base import BaseCommand

from processes.services import DefinitionRejected, definition_deploy

from ._files import deployments
from .bpmn_validate import print_report


class Command(BaseCommand):
    help = "Validate and deploy BPMN files (with their DMN / JSON form files)."

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+")
        parser.add_argument("--activate", action="store_true", help="make new versions active")
        parser.add_argument("--together", action="store_true", help="deploy all files as one deployment")

    def handle(self, *args, files, activate, together, **options):
        groups, unreadable = deployments(files, together=together)
        for problem in unreadable:
            self.stdout.write(f"REJECTED {problem}")
        rejected = bool(unreadable)
        for label, group in groups:
            try:
                result = definition_deploy(files=group, actor=None, activate=True if activate else None)
            except DefinitionRejected as error:
                print_report(self.stdout.write, label, error.report)
                rejected = True
                continue
            definition = result.definition
            state = "DEPLOYED" if result.created else "UNCHANGED"
            active = "active" if definition.active else "inactive"
            self.stdout.write(f"{state} {definition.key} v{definition.version} ({active}) from {label}")
        if rejected:
            raise SystemExit(1)
