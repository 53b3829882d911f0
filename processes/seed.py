"""Deploy the shipped process files in bpmn/ (each .bpmn with the DMN and form files beside it)
and bind them to their business events, as declared in bpmn/bindings.json."""

import json

from django.conf import settings

from .models import StartBinding
from .services import DefinitionRejected, binding_set, decision_save, definition_deploy

SHIPPED = settings.BASE_DIR / "bpmn"


def seed_demo(stdout) -> None:
    if not SHIPPED.is_dir():
        return
    support = {
        p.name: p.read_bytes()
        for p in SHIPPED.rglob("*")
        if p.suffix in {".dmn", ".json"} and p.name != "bindings.json"
    }
    for path in sorted(SHIPPED.rglob("*.bpmn")):
        try:
            result = definition_deploy(files={path.name: path.read_bytes(), **support}, activate=None)
        except DefinitionRejected as error:
            stdout.write(f"  {path.name}: NOT deployed — {error.message}")
            continue
        if result.created:
            stdout.write(f"  deployed {result.definition.key} v{result.definition.version}")
    bindings = SHIPPED / "bindings.json"
    if bindings.exists():
        for event, key in json.loads(bindings.read_text()).items():
            if not StartBinding.objects.filter(event=event, process_key=key, active=True).exists():
                binding_set(actor=None, event=event, process_key=key)
    _draft_with_decision_tests(stdout)


# The order approver table's test cases, as a process designer would keep them: saved with the
# table in a draft version of the order process (waiting for a test run and activation).
ORDER_APPROVER_TESTS = [
    {"inputs": ["150000", "5"], "expected": {"approvers": "manager_finance"}},
    {"inputs": ["20000", "25"], "expected": {"approvers": "manager_finance"}},
    {"inputs": ["20000", "10"], "expected": {"approvers": "manager"}},
    {"inputs": ["99999", "20"], "expected": {"approvers": "manager"}},
]


def _draft_with_decision_tests(stdout) -> None:
    from django.contrib.auth import get_user_model

    from engine.selectors.definitions import versions_of

    versions = versions_of("order_approval")
    active = versions.filter(active=True).first()
    if active is None or versions.count() != 1 or "order_approver.dmn" not in (active.files or {}):
        return
    designer = get_user_model().objects.filter(username="lin.feng").first()
    result = decision_save(
        actor=designer,
        key="order_approval",
        version=active.version,
        dmn_file="order_approver.dmn",
        xml=active.files["order_approver.dmn"],
        decision_id="order_approver",
        tests=ORDER_APPROVER_TESTS,
    )
    stdout.write(
        f"  draft {result.definition.key} v{result.definition.version} with the approver table's tests"
    )
