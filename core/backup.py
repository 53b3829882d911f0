"""Backup and restore of the whole system: the database and the uploaded files.

A backup is one .tar.gz holding `database.dump` (PostgreSQL: pg_dump custom format, a consistent
snapshot; SQLite: the online backup API, safe while the system runs), `media.tar` (uploaded files),
and `manifest.json` (time, engine, migrations applied, row counts per table, SHA-256 of each part).
Restore verifies the checksums first, restores, then compares the row counts with the manifest;
any difference is reported and the command fails.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.db import connection, connections
from django.utils import timezone

FORMAT = "baton-backup-1"


class BackupError(Exception):
    pass


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def row_counts() -> dict[str, int]:
    counts = {}
    with connection.cursor() as cursor:
        for model in apps.get_models():
            table = model._meta.db_table
            if model._meta.managed and not model._meta.proxy and table not in counts:
                cursor.execute(f'SELECT COUNT(*) FROM "{table}"')  # noqa: S608 - table names from models
                counts[table] = cursor.fetchone()[0]
    return counts


def _pg_env(db: dict) -> dict:
    env = dict(os.environ)
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = str(db["PASSWORD"])
    return env


def _pg_args(db: dict) -> list[str]:
    args = ["--dbname", db["NAME"]]
    if db.get("HOST"):
        args += ["--host", str(db["HOST"])]
    if db.get("PORT"):
        args += ["--port", str(db["PORT"])]
    if db.get("USER"):
        args += ["--username", str(db["USER"])]
    return args


def _run(command: list[str], env: dict) -> None:
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if result.returncode != 0:
        raise BackupError(f"{command[0]} failed: {result.stderr.strip()[:2000]}")


def _dump_database(target: Path) -> str:
    db = connections["default"].settings_dict
    vendor = connections["default"].vendor
    if vendor == "postgresql":
        _run(["pg_dump", "--format=custom", "--no-owner", "--file", str(target), *_pg_args(db)], _pg_env(db))
    elif vendor == "sqlite":
        # The online backup API on Django's own connection: consistent while others write, and
        # it works for in-memory databases too.
        connection.ensure_connection()
        dest = sqlite3.connect(target)
        try:
            connection.connection.backup(dest)
        finally:
            dest.close()
    else:
        raise BackupError(f"backups of {vendor} databases are not supported")
    return vendor


def _applied_migrations() -> list[str]:
    from django.db.migrations.recorder import MigrationRecorder

    return sorted(f"{a}.{n}" for a, n in MigrationRecorder(connection).applied_migrations())


def backup_create(output_dir: Path) -> Path:
    output_dir.mkdir(parents=True, exist_ok=True)
    stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
    archive = output_dir / f"baton-backup-{stamp}.tar.gz"
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        vendor = _dump_database(work / "database.dump")
        media_root = Path(settings.MEDIA_ROOT)
        with tarfile.open(work / "media.tar", "w") as media:
            if media_root.is_dir():
                media.add(media_root, arcname="media")
        manifest = {
            "format": FORMAT,
            "created_at": timezone.now().isoformat(),
            "database": vendor,
            "migrations": _applied_migrations(),
            "row_counts": row_counts(),
            "sha256": {name: _sha256(work / name) for name in ("database.dump", "media.tar")},
        }
        (work / "manifest.json").write_text(json.dumps(manifest, indent=2))
        with tarfile.open(archive, "w:gz") as tar:
            for name in ("manifest.json", "database.dump", "media.tar"):
                tar.add(work / name, arcname=name)
    return archive


@dataclass
class RestoreReport:
    manifest: dict
    mismatches: dict[str, tuple[int, int]]

    @property
    def ok(self) -> bool:
        return not self.mismatches


def _extract(archive: Path, work: Path) -> dict:
    try:
        with tarfile.open(archive, "r:gz") as tar:
            members = {m.name: m for m in tar.getmembers()}
            for name in ("manifest.json", "database.dump", "media.tar"):
                member = members.get(name)
                if member is None or not member.isfile():
                    raise BackupError(f"{archive.name} is not a Baton backup: {name} is missing")
                with tar.extractfile(member) as src, (work / name).open("wb") as dst:
                    shutil.copyfileobj(src, dst)
    except (tarfile.TarError, OSError) as error:
        raise BackupError(f"{archive} cannot be read: {error}") from None
    manifest = json.loads((work / "manifest.json").read_text())
    if manifest.get("format") != FORMAT:
        raise BackupError(f"unknown backup format {manifest.get('format')!r}")
    for name, expected in manifest["sha256"].items():
        if _sha256(work / name) != expected:
            raise BackupError(
                f"{name} in {archive.name} is damaged (checksum mismatch); nothing was restored"
            )
    return manifest


def backup_verify(archive: Path) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        return _extract(archive, Path(tmp))


def _safe_media_members(tar: tarfile.TarFile):
    for member in tar.getmembers():
        path = Path(member.name)
        if path.is_absolute() or ".." in path.parts or not (member.isfile() or member.isdir()):
            raise BackupError(f"refusing unsafe path in media archive: {member.name}")
        yield member


def backup_restore(archive: Path) -> RestoreReport:
    vendor = connections["default"].vendor
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        manifest = _extract(archive, work)
        if manifest["database"] != vendor:
            raise BackupError(
                f"the backup is of a {manifest['database']} database; this system uses {vendor}"
            )
        db = connections["default"].settings_dict
        if vendor == "postgresql":
            connections.close_all()
            _run(
                [
                    "pg_restore",
                    "--clean",
                    "--if-exists",
                    "--no-owner",
                    "--single-transaction",
                    *_pg_args(db),
                    str(work / "database.dump"),
                ],
                _pg_env(db),
            )
        else:
            connection.ensure_connection()
            source = sqlite3.connect(work / "database.dump")
            try:
                source.backup(connection.connection)
            finally:
                source.close()
        media_root = Path(settings.MEDIA_ROOT)
        with tarfile.open(work / "media.tar") as media:
            staging = work / "media-staging"
            media.extractall(staging, members=list(_safe_media_members(media)))  # noqa: S202 - checked
            restored = staging / "media"
            if restored.is_dir():
                media_root.mkdir(parents=True, exist_ok=True)
                shutil.copytree(restored, media_root, dirs_exist_ok=True)
    counts = row_counts()
    mismatches = {
        table: (expected, counts.get(table, -1))
        for table, expected in manifest["row_counts"].items()
        if counts.get(table, -1) != expected
    }
    return RestoreReport(manifest=manifest, mismatches=mismatches)


def describe(manifest: dict) -> str:
    out = io.StringIO()
    total = sum(manifest["row_counts"].values())
    out.write(
        f"{manifest['database']} backup of {manifest['created_at']}: {total} rows in "
        f"{len(manifest['row_counts'])} tables, {len(manifest['migrations'])} migrations"
    )
    return out.getvalue()
