"""bpmn_validate / bpmn_deploy: one line per finding, exit codes a script can rely on."""

import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command

from engine.models import DefinitionVersion

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
DATA = Path(__file__).parent / "data"


def run(command, *args, capsys):
    try:
        call_command(command, *args)
        code = 0
    except SystemExit as exit_:
        code = exit_.code
    return code, capsys.readouterr().out


def test_validate_prints_ok_for_a_deployable_file(capsys):
    code, out = run("bpmn_validate", str(DATA / "approval.bpmn"), capsys=capsys)
    assert code == 0
    assert out.startswith("OK expense_approval (Expense approval) from approval.bpmn: 2 user task(s)")


def test_validate_prints_located_rejections_and_exits_1(tmp_path, capsys):
    broken = tmp_path / "broken.bpmn"
    broken.write_bytes((DATA / "approval.bpmn").read_bytes().replace(b"</bpmn:userTask>", b"", 1))
    missing = tmp_path / "missing.bpmn"
    code, out = run("bpmn_validate", str(DATA / "approval.bpmn"), str(broken), str(missing), capsys=capsys)
    assert code == 1
    lines = out.splitlines()
    assert lines[0].startswith(f"REJECTED {missing}: cannot read the file")
    assert any(line.startswith("REJECTED broken.bpmn:") and "not well-formed XML" in line for line in lines)
    assert any(line.startswith("OK expense_approval") for line in lines)


def test_validate_without_files_is_a_usage_error():
    result = subprocess.run(
        [sys.executable, "manage.py", "bpmn_validate"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={"DJANGO_SETTINGS_MODULE": "config.settings_test", "PATH": "/usr/bin"},
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr


def test_deploy_deploys_then_reports_unchanged(capsys):
    code, out = run("bpmn_deploy", str(DATA / "approval.bpmn"), capsys=capsys)
    assert (code, out.strip()) == (0, "DEPLOYED expense_approval v1 (active) from approval.bpmn")
    code, out = run("bpmn_deploy", str(DATA / "approval.bpmn"), capsys=capsys)
    assert out.strip() == "UNCHANGED expense_approval v1 (active) from approval.bpmn"
    assert DefinitionVersion.objects.count() == 1
