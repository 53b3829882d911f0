"""Backup and restore bring back the data and the uploaded files, verified; a damaged archive
restores nothing."""

import io
import tarfile
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from org.models import Department
from tests.factories import DepartmentFactory, UserFactory


@pytest.fixture
def media(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    (settings.MEDIA_ROOT / "contracts").mkdir(parents=True)
    (settings.MEDIA_ROOT / "contracts" / "acme.pdf").write_bytes(b"%PDF-1.4 signed")
    return settings.MEDIA_ROOT


def only_backup(folder: Path) -> Path:
    (archive,) = folder.glob("baton-backup-*.tar.gz")
    return archive


@pytest.mark.django_db(transaction=True)
def test_a_restore_brings_back_data_and_files_as_they_were(tmp_path, media, capsys):
    # given a company with data and an uploaded contract, backed up
    DepartmentFactory(code="SALES", name="Sales")
    UserFactory(username="zhang")
    call_command("baton_backup", "--output", str(tmp_path / "out"))
    archive = only_backup(tmp_path / "out")
    assert "Backup written to" in capsys.readouterr().out
    # when things go wrong afterwards
    Department.objects.all().delete()
    UserFactory(username="intruder")
    (media / "contracts" / "acme.pdf").unlink()
    # then the restore puts back exactly what was saved, and says it verified it
    call_command("baton_restore", str(archive), "--yes")
    assert "Restored and verified" in capsys.readouterr().out
    assert list(Department.objects.values_list("code", flat=True)) == ["SALES"]
    from org.models import User

    assert set(User.objects.values_list("username", flat=True)) == {"zhang"}
    assert (media / "contracts" / "acme.pdf").read_bytes() == b"%PDF-1.4 signed"


@pytest.mark.django_db(transaction=True)
def test_a_damaged_archive_is_refused_before_anything_changes(tmp_path, media):
    DepartmentFactory(code="SALES")
    call_command("baton_backup", "--output", str(tmp_path / "out"))
    archive = only_backup(tmp_path / "out")
    # corrupt the database dump inside the archive
    damaged = tmp_path / "damaged.tar.gz"
    with tarfile.open(archive) as src, tarfile.open(damaged, "w:gz") as dst:
        for member in src.getmembers():
            data = src.extractfile(member).read()
            if member.name == "database.dump":
                data = data[:-10] + b"0123456789"
            member.size = len(data)
            dst.addfile(member, io.BytesIO(data))
    DepartmentFactory(code="NEW")
    with pytest.raises(CommandError, match=r"database\.dump in damaged\.tar\.gz is damaged"):
        call_command("baton_restore", str(damaged), "--yes")
    assert set(Department.objects.values_list("code", flat=True)) == {"SALES", "NEW"}


@pytest.mark.django_db
def test_restore_needs_confirmation_and_a_real_archive(tmp_path):
    with pytest.raises(CommandError, match="--yes"):
        call_command("baton_restore", "whatever.tar.gz")
    junk = tmp_path / "junk.tar.gz"
    junk.write_bytes(b"not an archive")
    with pytest.raises(CommandError, match="cannot be read"):
        call_command("baton_restore", str(junk), "--yes")
