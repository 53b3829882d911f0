"""Only the engine reads and writes the engine's tables (issue #26).

import-linter (pyproject.toml) keeps `engine.models` to the engine. The record classes are
re-exported by `engine.selectors` for type hints, status values and API serializers, so this
test closes the other doors: outside the engine no code reaches an engine model's manager
(`HumanTask.objects`, `_default_manager`), looks an engine model up by name
(`apps.get_model("engine", ...)`), or writes raw SQL naming an engine table.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
APPS = [
    "api",
    "audit",
    "config",
    "configtransfer",
    "core",
    "crm",
    "hr",
    "integrations",
    "knowledge",
    "messaging",
    "office",
    "org",
    "portal",
    "processes",
    "projects",
    "reports",
    "tasklist",
    "training",
    "worklogs",
]
ENGINE_MODELS = {
    "DefinitionVersion",
    "ProcessInstance",
    "InstanceState",
    "HumanTask",
    "HumanTaskCandidate",
    "Timer",
    "MessageSubscription",
    "InstanceEvent",
    "Incident",
}
MANAGERS = {"objects", "_default_manager", "_base_manager"}
ENGINE_TABLE = re.compile(r"\bengine_[a-z]+\b")


def _source_files():
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            if "migrations" not in path.parts:
                yield path


def _findings(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = []
    where = path.relative_to(ROOT)
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and node.attr in MANAGERS
            and isinstance(node.value, ast.Name)
            and node.value.id in ENGINE_MODELS
        ):
            found.append(f"{where}:{node.lineno}: {node.value.id}.{node.attr}")
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "get_model"
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and str(node.args[0].value).split(".")[0] == "engine"
        ):
            found.append(f"{where}:{node.lineno}: get_model({node.args[0].value!r})")
        elif (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and ENGINE_TABLE.search(node.value)
            and re.search(r"\b(select|insert|update|delete|from|join)\b", node.value, re.I)
        ):
            found.append(f"{where}:{node.lineno}: SQL naming {ENGINE_TABLE.search(node.value).group()}")
    return found


def test_no_app_outside_the_engine_queries_the_engines_tables():
    findings = sorted(line for path in _source_files() for line in _findings(path))
    assert not findings, "read engine data through engine.selectors / engine.services:\n" + "\n".join(
        findings
    )


def test_the_check_sees_a_manager_access(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text(
        "from engine.selectors import HumanTask\n"
        "HumanTask.objects.filter(status='ready')\n"
        "apps.get_model('engine', 'Timer')\n"
        "cursor.execute('SELECT id FROM engine_humantask')\n",
        encoding="utf-8",
    )
    global ROOT
    saved, ROOT = ROOT, tmp_path
    try:
        assert len(_findings(sample)) == 3
    finally:
        ROOT = saved
