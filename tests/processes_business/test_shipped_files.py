"""The shipped files open in a modeler: executable Camunda processes with lanes and a diagram
shape or edge for every element and flow, each shape inside its lane's band."""

import json

import pytest
from lxml import etree

from .conftest import SHIPPED

BPMN = "{http://www.omg.org/spec/BPMN/20100524/MODEL}"
DI = "{http://www.omg.org/spec/BPMN/20100524/DI}"
DC = "{http://www.omg.org/spec/DD/20100524/DC}"
DD = "{http://www.omg.org/spec/DD/20100524/DI}"
FILES = sorted(SHIPPED.glob("*.bpmn"))


def bounds(shape):
    b = shape.find(f"{DC}Bounds")
    return float(b.get("x")), float(b.get("y")), float(b.get("width")), float(b.get("height"))


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_file_is_complete_for_a_modeler(path):
    root = etree.parse(str(path)).getroot()
    assert "http://camunda.org/schema/1.0/bpmn" in root.nsmap.values()
    process = root.find(f"{BPMN}process")
    assert process.get("isExecutable") == "true"
    shapes = {s.get("bpmnElement"): s for s in root.iter(f"{DI}BPMNShape")}
    edges = {e.get("bpmnElement"): e for e in root.iter(f"{DI}BPMNEdge")}
    lanes = process.findall(f"{BPMN}laneSet/{BPMN}lane")
    assert lanes
    lane_of = {ref.text: lane.get("id") for lane in lanes for ref in lane.findall(f"{BPMN}flowNodeRef")}
    for element in process:
        tag = etree.QName(element).localname
        if tag in {"laneSet", "documentation", "extensionElements"}:
            continue
        element_id = element.get("id")
        assert element_id.lower() not in {"start", "end"}
        if tag == "sequenceFlow":
            assert len(edges[element_id].findall(f"{DD}waypoint")) >= 2
            continue
        assert element_id in shapes, element_id
        # every node sits in one lane, drawn inside that lane's band
        x, y, _w, h = bounds(shapes[element_id])
        lx, ly, lw, lh = bounds(shapes[lane_of[element_id]])
        assert ly <= y and y + h <= ly + lh + 20 and lx <= x <= lx + lw, element_id
    for lane in lanes:
        assert shapes[lane.get("id")].get("isHorizontal") == "true"


def test_every_binding_names_a_shipped_process():
    keys = {etree.parse(str(p)).getroot().find(f"{BPMN}process").get("id") for p in FILES}
    bindings = json.loads((SHIPPED / "bindings.json").read_text())
    assert set(bindings.values()) == keys
    assert len(keys) == 16  # + office_supplies and the five HR personnel changes
