"""`manage.py baton_restore ARCHIVE --yes`: restore a backup, then verify row counts."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from core.backup import BackupError, backup_restore, describe


class Command(BaseCommand):
    help = "Restore a backup made by baton_backup over the current database and media (destructive)."

    def add_arguments(self, parser):
        parser.add_argument("archive")
        parser.add_argument("--yes", action="store_true", help="confirm replacing the current data")

    def handle(self, *args, archive, yes, **options):
        if not yes:
            raise CommandError("Restoring replaces all current data; run again with --yes to confirm.")
        try:
            report = backup_restore(Path(archive))
        except BackupError as error:
            raise CommandError(str(error)) from None
        if not report.ok:
            lines = [
                f"  {table}: expected {want} rows, found {got}"
                for table, (want, got) in report.mismatches.items()
            ]
            raise CommandError("Restored, but the verification found differences:\n" + "\n".join(lines))
        self.stdout.write(f"Restored and verified: {describe(report.manifest)}")
