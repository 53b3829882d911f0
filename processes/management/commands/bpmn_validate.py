"""`manage.py bpmn_validate FILE…`: OK or REJECTED with located errors; exit 0 / 1 (2: usage)."""

from django.core.management.base import BaseCommand

from processes.validation import definition_validate

from ._files import deployments


def print_report(write, label: str, report) -> None:
    if report.ok:
        tasks = len(report.metadata.get("user_tasks", {}))
        write(
            f"OK {report.key} ({report.name}) from {label}: {tasks} user task(s), "
            f"{len(report.warnings)} warning(s)"
        )
    for finding in report.findings:
        word = "REJECTED" if finding.severity == "error" else "WARNING"
        element = f" {finding.element_id}" if finding.element_id else ""
        where = f"{finding.file or label}:{finding.line}" if finding.line else (finding.file or label)
        write(f"{word} {where}{element}: {finding.message}")


class Command(BaseCommand):
    help = "Validate BPMN files (with their DMN / JSON form files) without deploying them."

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+", help=".bpmn, .dmn and .json form files")
        parser.add_argument(
            "--together",
            action="store_true",
            help="validate all files as one deployment (call activities between them)",
        )

    def handle(self, *args, files, together, **options):
        groups, unreadable = deployments(files, together=together)
        for problem in unreadable:
            self.stdout.write(f"REJECTED {problem}")
        rejected = bool(unreadable)
        for label, group in groups:
            report = definition_validate(group)
            print_report(self.stdout.write, label, report)
            rejected |= not report.ok
        if rejected:
            raise SystemExit(1)
