"""Deploy the shipped process files in bpmn/ (each .bpmn with the DMN and form files beside it)
and bind them to their business events, as declared in bpmn/bindings.json."""

import json

from django.conf import settings

from .models import StartBinding
from .services import DefinitionRejected, binding_set, definition_deploy

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
