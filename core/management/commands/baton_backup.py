"""`manage.py baton_backup [--output DIR] [--verify ARCHIVE]`: a consistent dump plus uploaded files."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from core.backup import BackupError, backup_create, backup_verify, describe


class Command(BaseCommand):
    help = "Back up the database and uploaded files into one archive (or verify an archive)."

    def add_arguments(self, parser):
        parser.add_argument("--output", default=str(settings.VAR_DIR / "backups"))
        parser.add_argument("--verify", metavar="ARCHIVE", help="only check an existing archive")

    def handle(self, *args, output, verify, **options):
        try:
            if verify:
                manifest = backup_verify(Path(verify))
                self.stdout.write(f"OK {verify}: {describe(manifest)}")
                return
            archive = backup_create(Path(output))
            self.stdout.write(f"Backup written to {archive}: {describe(backup_verify(archive))}")
        except BackupError as error:
            raise CommandError(str(error)) from None
