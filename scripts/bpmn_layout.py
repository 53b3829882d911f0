# ruff: noqa: E501 - generated XML reads better on one line
"""Generate the shipped BPMN files with lanes and diagram interchange (bpmndi) laid out on a grid.

The processes are described below as data (element, lane, column); this script writes
`bpmn/<key>.bpmn` (and the JSON form files) so that every element and flow has a shape or an edge
and each file opens cleanly in bpmn.io / Camunda Modeler. Designers may edit the files in a modeler
afterwards; rerunning the script overwrites them. Run: `python scripts/bpmn_layout.py`.
"""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

OUT = Path(__file__).resolve().parent.parent / "bpmn"

POOL_X, POOL_Y, LABEL_W = 120, 60, 30
COL_W, LANE_H, ROW_H = 170, 170, 120
SIZES = {
    "startEvent": (36, 36),
    "endEvent": (36, 36),
    "boundaryEvent": (36, 36),
    "exclusiveGateway": (50, 50),
    "userTask": (110, 80),
    "serviceTask": (110, 80),
    "businessRuleTask": (110, 80),
    "scriptTask": (110, 80),
}


@dataclass
class Node:
    id: str
    kind: str
    name: str
    lane: str
    col: float
    row: int = 0
    attrs: dict = field(default_factory=dict)
    body: str = ""  # inner XML (extension elements, timer definitions, scripts)
    attached: str = ""
    slot: int = 0
    props: dict = field(default_factory=dict)
    x: float = 0
    y: float = 0

    @property
    def size(self):
        return SIZES[self.kind]


@dataclass
class Flow:
    id: str
    source: str
    target: str
    name: str = ""
    condition: str = ""
    over: bool = False  # route above the lane's first row (entry flows that skip ahead)


class Process:
    def __init__(self, key: str, name: str, lanes: list[tuple[str, str, int]], doc: str = ""):
        self.key, self.name, self.doc = key, name, doc
        self.lanes = lanes  # (id/group name, label, rows)
        self.nodes: dict[str, Node] = {}
        self.flows: list[Flow] = []
        self.defaults: dict[str, str] = {}
        self.forms: dict[str, dict] = {}
        self.customer_labels: dict[str, str] = {}  # element id -> the step in the customer's words

    # -- building --------------------------------------------------------------------------------

    def add(self, kind, id, name, lane, col, row=0, body="", **attrs) -> Node:
        assert id not in self.nodes and id.lower() not in {"start", "end"}, id
        node = Node(id, kind, name, lane, col, row, {k.replace("__", ":"): v for k, v in attrs.items()}, body)
        self.nodes[id] = node
        return node

    def start(self, id, name, lane, col, row=0):
        return self.add("startEvent", id, name, lane, col, row)

    def end(self, id, name, lane, col, row=0):
        return self.add("endEvent", id, name, lane, col, row)

    def gateway(self, id, name, lane, col, row=0, default=None):
        node = self.add("exclusiveGateway", id, name, lane, col, row)
        if default:
            self.defaults[id] = default
        return node

    def user(self, id, name, lane, col, row=0, *, form=None, props=None, **attrs):
        if form is not None:
            file_name = f"{self.key}.{id}.json"
            self.forms[file_name] = form
            attrs["camunda__formKey"] = file_name
        node = self.add("userTask", id, name, lane, col, row, **attrs)
        node.props = dict(props or {})
        return node

    def service(self, id, name, lane, col, row=0, *, connector, params=None, result=None):
        attrs = {"camunda__type": "external", "camunda__topic": connector}
        if result:
            attrs["camunda__resultVariable"] = result
        body = ""
        if params:
            inputs = "".join(
                f'<camunda:inputParameter name="{k}">{escape(str(v))}</camunda:inputParameter>'
                for k, v in params.items()
            )
            body = f"<bpmn:extensionElements><camunda:inputOutput>{inputs}</camunda:inputOutput></bpmn:extensionElements>"
        return self.add("serviceTask", id, name, lane, col, row, body, **attrs)

    def rule(self, id, name, lane, col, row=0, *, decision, result=None):
        attrs = {"camunda__decisionRef": decision}
        if result:
            attrs["camunda__resultVariable"] = result
        return self.add("businessRuleTask", id, name, lane, col, row, **attrs)

    def timer(self, id, name, attached, *, duration=None, cycle=None, interrupting=False, slot=0):
        host = self.nodes[attached]
        if duration:
            definition = (
                f'<bpmn:timeDuration xsi:type="bpmn:tFormalExpression">{escape(duration)}</bpmn:timeDuration>'
            )
        else:
            definition = f'<bpmn:timeCycle xsi:type="bpmn:tFormalExpression">{escape(cycle)}</bpmn:timeCycle>'
        node = self.add(
            "boundaryEvent",
            id,
            name,
            host.lane,
            host.col,
            host.row,
            f'<bpmn:timerEventDefinition id="{id}_def">{definition}</bpmn:timerEventDefinition>',
            attachedToRef=attached,
            cancelActivity="true" if interrupting else "false",
        )
        node.attached, node.slot = attached, slot
        return node

    def flow(self, source, target, name="", condition="", default=False, over=False):
        flow = Flow(f"flow_{source}_{target}", source, target, name, condition, over)
        assert all(f.id != flow.id for f in self.flows), flow.id
        self.flows.append(flow)
        if default:
            self.defaults[source] = flow.id
        return flow

    def chain(self, *ids):
        for a, b in itertools.pairwise(ids):
            self.flow(a, b)

    # -- layout ----------------------------------------------------------------------------------

    def _lane_tops(self):
        tops, y = {}, POOL_Y
        for lane, _label, rows in self.lanes:
            tops[lane] = y
            y += LANE_H + ROW_H * (rows - 1)
        return tops, y

    def layout(self):
        tops, _bottom = self._lane_tops()
        for node in self.nodes.values():
            if node.kind == "boundaryEvent":
                continue
            w, h = node.size
            cx = POOL_X + LABEL_W + 80 + node.col * COL_W
            cy = tops[node.lane] + LANE_H / 2 + node.row * ROW_H
            node.x, node.y = cx - w / 2, cy - h / 2
        for node in self.nodes.values():
            if node.kind == "boundaryEvent":
                host = self.nodes[node.attached]
                node.x = host.x + 20 + node.slot * 40
                node.y = host.y + host.size[1] - 18

    def width(self):
        right = max(n.x + n.size[0] for n in self.nodes.values())
        return right - POOL_X + 60

    def waypoints(self, flow: Flow):
        s, t = self.nodes[flow.source], self.nodes[flow.target]
        sw, sh = s.size
        tw, th = t.size
        scx, scy, tcx, tcy = s.x + sw / 2, s.y + sh / 2, t.x + tw / 2, t.y + th / 2
        if flow.over:
            y = self._lane_tops()[0][t.lane] + 18
            return [(scx, s.y), (scx, y), (tcx, y), (tcx, t.y)]
        if s.kind == "boundaryEvent":
            start = (scx, s.y + sh)
            if tcx > scx + 5:
                return [start, (scx, tcy), (t.x, tcy)]
            return [start, (scx, t.y + th + 20), (tcx, t.y + th + 20), (tcx, t.y + th)]
        if t.x > s.x + sw:
            if abs(scy - tcy) < 1:
                return [(s.x + sw, scy), (t.x, tcy)]
            if s.kind == "exclusiveGateway":
                # leave a gateway from its top or bottom corner towards the target's row
                sy = s.y if tcy < scy else s.y + sh
                return [(scx, sy), (scx, tcy), (t.x, tcy)]
            mid = (s.x + sw + t.x) / 2
            return [(s.x + sw, scy), (mid, scy), (mid, tcy), (t.x, tcy)]
        # backwards: loop under both shapes (or over, when the target sits in a lane above)
        if tcy < scy - 1:
            y = t.y + th + 25
            return [(scx, s.y), (scx, y), (tcx, y), (tcx, t.y + th)]
        y = max(s.y + sh, t.y + th) + 25
        return [(scx, s.y + sh), (scx, y), (tcx, y), (tcx, t.y + th)]

    # -- XML -------------------------------------------------------------------------------------

    def xml(self) -> str:
        self.layout()
        incoming: dict[str, list[str]] = {}
        outgoing: dict[str, list[str]] = {}
        for f in self.flows:
            outgoing.setdefault(f.source, []).append(f.id)
            incoming.setdefault(f.target, []).append(f.id)
        out = [
            '<?xml version="1.0" encoding="UTF-8"?>',
            '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
            'xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" '
            'xmlns:dc="http://www.omg.org/spec/DD/20100524/DC" '
            'xmlns:di="http://www.omg.org/spec/DD/20100524/DI" '
            'xmlns:camunda="http://camunda.org/schema/1.0/bpmn" '
            'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
            f'id="defs_{self.key}" targetNamespace="http://baton.example/bpmn" '
            'exporter="baton scripts/bpmn_layout.py" exporterVersion="1">',
            f'  <bpmn:collaboration id="collab_{self.key}">',
            f'    <bpmn:participant id="pool_{self.key}" name={quoteattr(self.name)} processRef="{self.key}" />',
            "  </bpmn:collaboration>",
            f'  <bpmn:process id="{self.key}" name={quoteattr(self.name)} isExecutable="true" '
            'camunda:historyTimeToLive="P180D">',
        ]
        if self.doc:
            out.append(f"    <bpmn:documentation>{escape(self.doc)}</bpmn:documentation>")
        out.append(f'    <bpmn:laneSet id="lanes_{self.key}">')
        for lane, label, _rows in self.lanes:
            out.append(f'      <bpmn:lane id="lane_{lane}" name={quoteattr(label)}>')
            for node in self.nodes.values():
                if node.lane == lane:
                    out.append(f"        <bpmn:flowNodeRef>{node.id}</bpmn:flowNodeRef>")
            out.append("      </bpmn:lane>")
        out.append("    </bpmn:laneSet>")
        for node in self.nodes.values():
            attrs = " ".join(f"{k}={quoteattr(str(v))}" for k, v in node.attrs.items())
            if node.id in self.defaults:
                attrs += f' default="{self.defaults[node.id]}"'
            props = {**node.props}
            if node.id in self.customer_labels:
                props["customer_label"] = self.customer_labels[node.id]
            inner = (_properties(props) if props else "") + node.body
            inner += "".join(f"<bpmn:incoming>{f}</bpmn:incoming>" for f in incoming.get(node.id, []))
            inner += "".join(f"<bpmn:outgoing>{f}</bpmn:outgoing>" for f in outgoing.get(node.id, []))
            # extension elements must come first, timer definitions after incoming/outgoing
            if node.kind == "boundaryEvent":
                inner = "".join(f"<bpmn:outgoing>{f}</bpmn:outgoing>" for f in outgoing.get(node.id, []))
                inner += node.body
            out.append(
                f'    <bpmn:{node.kind} id="{node.id}" name={quoteattr(node.name)} {attrs}>{inner}</bpmn:{node.kind}>'
            )
        for f in self.flows:
            name = f" name={quoteattr(f.name)}" if f.name else ""
            head = f'    <bpmn:sequenceFlow id="{f.id}"{name} sourceRef="{f.source}" targetRef="{f.target}"'
            if f.condition:
                out.append(
                    f'{head}><bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">'
                    f"{escape(f.condition)}</bpmn:conditionExpression></bpmn:sequenceFlow>"
                )
            else:
                out.append(f"{head} />")
        out.append("  </bpmn:process>")
        out.extend(self._di())
        out.append("</bpmn:definitions>")
        return "\n".join(out) + "\n"

    def _di(self) -> list[str]:
        tops, bottom = self._lane_tops()
        width = self.width()
        out = [
            f'  <bpmndi:BPMNDiagram id="diagram_{self.key}">',
            f'    <bpmndi:BPMNPlane id="plane_{self.key}" bpmnElement="collab_{self.key}">',
            _shape(f"pool_{self.key}", POOL_X, POOL_Y, width, bottom - POOL_Y, horizontal=True),
        ]
        for lane, _label, rows in self.lanes:
            height = LANE_H + ROW_H * (rows - 1)
            out.append(
                _shape(f"lane_{lane}", POOL_X + LABEL_W, tops[lane], width - LABEL_W, height, horizontal=True)
            )
        for node in self.nodes.values():
            w, h = node.size
            extra = ' isMarkerVisible="true"' if node.kind == "exclusiveGateway" else ""
            label = ""
            if node.kind in {"startEvent", "endEvent", "boundaryEvent", "exclusiveGateway"} and node.name:
                lx, ly = node.x - 30, node.y + h + 4
                label = f'<bpmndi:BPMNLabel><dc:Bounds x="{lx:.0f}" y="{ly:.0f}" width="{w + 60:.0f}" height="27" /></bpmndi:BPMNLabel>'
            out.append(
                f'      <bpmndi:BPMNShape id="{node.id}_di" bpmnElement="{node.id}"{extra}>'
                f'<dc:Bounds x="{node.x:.0f}" y="{node.y:.0f}" width="{w}" height="{h}" />{label}</bpmndi:BPMNShape>'
            )
        for f in self.flows:
            points = "".join(f'<di:waypoint x="{x:.0f}" y="{y:.0f}" />' for x, y in self.waypoints(f))
            out.append(
                f'      <bpmndi:BPMNEdge id="{f.id}_di" bpmnElement="{f.id}">{points}</bpmndi:BPMNEdge>'
            )
        out += ["    </bpmndi:BPMNPlane>", "  </bpmndi:BPMNDiagram>"]
        return out

    def write(self):
        OUT.mkdir(exist_ok=True)
        (OUT / f"{self.key}.bpmn").write_text(self.xml(), encoding="utf-8")
        for name, schema in self.forms.items():
            (OUT / name).write_text(json.dumps(schema, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def _shape(element, x, y, w, h, horizontal=False):
    flag = ' isHorizontal="true"' if horizontal else ""
    return (
        f'      <bpmndi:BPMNShape id="{element}_di" bpmnElement="{element}"{flag}>'
        f'<dc:Bounds x="{x:.0f}" y="{y:.0f}" width="{w:.0f}" height="{h:.0f}" /></bpmndi:BPMNShape>'
    )


def _properties(props: dict) -> str:
    inner = "".join(
        f"<camunda:property name={quoteattr(k)} value={quoteattr(v)} />" for k, v in props.items()
    )
    return (
        f"<bpmn:extensionElements><camunda:properties>{inner}</camunda:properties></bpmn:extensionElements>"
    )


# -- forms -----------------------------------------------------------------------------------------

APPROVE = "decision == 'approve'"
REJECT = "decision == 'reject'"


# Form widgets (core.jsonforms): an amount in yuan, two decimals, shown with the locale's separators.
MONEY = {"x-widget": "money", "x-currency": "CNY"}


def approval_form(title: str, *, bulk: bool = True) -> dict:
    """Approve or reject with a comment; `bulk=False` marks a decision that must be opened (the
    inbox's bulk approval refuses it, naming it)."""
    form = {
        "type": "object",
        "title": title,
        "properties": {
            "decision": {
                "type": "string",
                "title": "Decision 决定",
                "oneOf": [
                    {"const": "approve", "title": "Approve 同意"},
                    {"const": "reject", "title": "Reject 驳回"},
                ],
            },
            "comment": {"type": "string", "title": "Comment 意见", "maxLength": 2000},
        },
        "required": ["decision"],
        "if": {"properties": {"decision": {"const": "reject"}}},
        "then": {"required": ["comment"], "properties": {"comment": {"minLength": 1}}},
    }
    if not bulk:
        form["x-bulk"] = False
    return form


RATING_FORM = {
    "type": "object",
    "title": "Satisfaction 满意度",
    "properties": {
        "rating": {
            "type": "integer",
            "title": "Rating 评分",
            "minimum": 1,
            "maximum": 5,
            "x-widget": "rating",
        },
        "feedback": {"type": "string", "title": "Feedback 意见", "maxLength": 2000},
    },
    "required": ["rating"],
}

CUSTOMER = {"audience": "customer"}

# Due dates (camunda:dueDate: an ISO duration or an expression, engine.owners): approvals within two
# working days; the vehicle's return when the trip ends; complaints and service requests by the SLA
# policy (crm.SlaPolicy, via the `sla` variable their first connector sets).
APPROVAL_DUE = "${business_days(2)}"
SLA_PRIORITY = "${sla['priority']}"


def tell(p: Process, id: str, lane: str, col: float, *, outcome: str, row: int = 0, to: str = "${initiator}"):
    """Notify the requester of the outcome (integrations' send_notification, template process_outcome)."""
    return p.service(
        id,
        "Tell the requester 通知申请人",
        lane,
        col,
        row,
        connector="send_notification",
        params={
            "template": "process_outcome",
            "to": to,
            "process": p.name,
            "outcome": outcome,
            "subject": "${business_object['label']}",
        },
    )


# -- the processes ---------------------------------------------------------------------------------


def opportunity_stages() -> Process:
    p = Process(
        "opportunity_stages",
        "Opportunity stages 商机阶段",
        [("sales", "Salesperson 销售", 4), ("sales_managers", "Sales manager 销售经理", 1)],
        "The stages are data (Administration > Sales operations): one loop reads the opportunity's "
        "current stage (crm.enter_opportunity_stage: its name, form and approval rule), the owner "
        "works it (move on, step back, or lost with a reason), the owner's manager approves leaving "
        "it when the stage's rule says so, and crm.set_opportunity_stage moves the deal; past the "
        "last stage the deal is won. Stale stages remind the owner after 7 days and the manager "
        "after 14.",
    )
    p.start("opp_created", "Opportunity created 商机创建", "sales", 0)
    p.service(
        "enter_stage",
        "Read the stage 读取阶段",
        "sales",
        1,
        connector="crm.enter_opportunity_stage",
        result="stage_info",
    )
    p.flow("opp_created", "enter_stage")
    p.user(
        "work_stage",
        "Work the stage 推进阶段",
        "sales",
        2,
        props={"taskName": "${stage_info['task_name']}", "formSchema": "${stage_info['form']}"},
        camunda__assignee="${owner}",
        camunda__dueDate="P7D",
    )
    p.flow("enter_stage", "work_stage")
    p.timer("stale", "7d 提醒", "work_stage", duration="P7D", slot=0)
    p.timer("stale2", "14d 上报", "work_stage", duration="P14D", slot=1)
    p.flow("stale", "remind_owner")
    p.flow("stale2", "remind_manager")
    p.gateway("gw_outcome", "Outcome? 结果", "sales", 3)
    p.flow("work_stage", "gw_outcome")
    p.service(
        "step_back",
        "Step back 退回",
        "sales",
        3,
        row=1,
        connector="crm.set_opportunity_stage",
        params={"move": "back"},
    )
    p.flow("gw_outcome", "step_back", "back 退回", "outcome == 'back'")
    p.flow("step_back", "enter_stage", over=True)
    p.service(
        "leave_stage",
        "Check the stage 检查阶段",
        "sales",
        4,
        connector="crm.leave_opportunity_stage",
        result="stage_exit",
    )
    p.flow("gw_outcome", "leave_stage", "move on 推进", default=True)
    p.gateway("gw_approval", "Approval needed? 需要审批", "sales", 5)
    p.flow("leave_stage", "gw_approval")
    p.user(
        "stage_approval",
        "Approval to leave the stage 阶段审批",
        "sales_managers",
        5,
        form=approval_form("Approval to leave the stage 阶段审批", bulk=False),
        props={"taskName": "${stage_info['approval_name']}"},
        camunda__assignee="${manager_of(owner)}",
        camunda__dueDate=APPROVAL_DUE,
    )
    p.flow("gw_approval", "stage_approval", "needs approval 需审批", "stage_exit['needs_approval']")
    p.gateway("gw_approved", "Approved? 批准", "sales_managers", 6)
    p.flow("stage_approval", "gw_approved")
    p.flow("gw_approved", "work_stage", "rejected: revise 驳回重报", REJECT, over=True)
    p.service(
        "move_on",
        "Next stage 进入下一阶段",
        "sales",
        6,
        connector="crm.set_opportunity_stage",
        params={"move": "next"},
        result="moved",
    )
    p.flow("gw_approved", "move_on", "approved 同意", default=True)
    p.flow("gw_approval", "move_on", "no approval 无需审批", default=True)
    p.gateway("gw_last", "Past the last stage? 最后阶段", "sales", 7)
    p.flow("move_on", "gw_last")
    p.flow("gw_last", "enter_stage", "next stage 下一阶段", default=True, over=True)
    p.service("win", "Won 赢单", "sales", 8, connector="crm.close_opportunity", params={"won": "yes"})
    p.flow("gw_last", "win", "done 完成", "moved['done']")
    p.end("opp_won", "Won 赢单", "sales", 9)
    p.flow("win", "opp_won")
    p.service("lose", "Lost 丢单", "sales", 4, row=2, connector="crm.close_opportunity", params={"won": "no"})
    p.flow("gw_outcome", "lose", "lost 丢单", "outcome == 'lost'")
    p.end("opp_lost", "Lost 丢单", "sales", 5, row=2)
    p.flow("lose", "opp_lost")
    p.service(
        "remind_owner",
        "Remind the owner 提醒负责人",
        "sales",
        1,
        row=2,
        connector="send_notification",
        params={
            "template": "task_overdue",
            "to": "${owner}",
            "task": "${business_object['label']}",
            "process": "Opportunity stages 商机阶段",
            "due": "7d",
            "subject": "${business_object['label']}",
        },
    )
    p.service(
        "remind_manager",
        "Remind the manager 提醒经理",
        "sales",
        2,
        row=2,
        connector="send_notification",
        params={
            "template": "task_escalated",
            "to": "${manager_of(owner)}",
            "assignee": "${owner}",
            "task": "${business_object['label']}",
            "process": "Opportunity stages 商机阶段",
            "due": "14d",
            "subject": "${business_object['label']}",
        },
    )
    p.end("reminded", "Reminded 已提醒", "sales", 1.7, row=3)
    p.end("escalated", "Escalated 已上报", "sales", 2.7, row=3)
    p.flow("remind_owner", "reminded")
    p.flow("remind_manager", "escalated")
    return p


def level_change() -> Process:
    p = Process(
        "customer_level_change",
        "Customer level change 客户级别变更",
        [
            ("sales", "Salesperson 销售", 2),
            ("sales_managers", "Manager 经理", 1),
            ("sales_directors", "Sales director 销售总监", 1),
        ],
        "The requester's manager decides; a jump of two or more levels also needs the sales director.",
    )
    p.start("level_requested", "Level change requested 申请变更", "sales", 0)
    p.service(
        "describe",
        "Look up the levels 查询级别",
        "sales",
        1,
        connector="crm.level_change_info",
        result="change",
    )
    p.user(
        "manager_approval",
        "Manager approval 经理审批",
        "sales_managers",
        2,
        form=approval_form("Manager approval 经理审批"),
        camunda__assignee="${manager_of(initiator)}",
        camunda__dueDate=APPROVAL_DUE,
    )
    p.gateway("gw_manager", "Approved? 同意?", "sales_managers", 3)
    p.gateway("gw_jump", "Two levels or more? 跨两级?", "sales_managers", 4)
    p.user(
        "director_approval",
        "Director approval 总监审批",
        "sales_directors",
        5,
        form=approval_form("Director approval 总监审批"),
        camunda__candidateGroups="sales_directors",
        camunda__dueDate=APPROVAL_DUE,
    )
    p.gateway("gw_director", "Approved? 同意?", "sales_directors", 6)
    p.service(
        "apply_level",
        "Apply the new level 更新级别",
        "sales",
        7,
        connector="crm.decide_level_change",
        params={"outcome": "approved"},
    )
    p.service(
        "reject_level",
        "Record the rejection 记录驳回",
        "sales",
        7,
        row=1,
        connector="crm.decide_level_change",
        params={"outcome": "rejected"},
    )
    tell(p, "tell_applied", "sales", 8, outcome="approved 已批准")
    tell(p, "tell_rejected", "sales", 8, row=1, outcome="rejected 已驳回")
    p.end("level_applied", "Level changed 已变更", "sales", 9)
    p.end("level_rejected", "Rejected 已驳回", "sales", 9, row=1)
    p.chain("level_requested", "describe", "manager_approval", "gw_manager")
    p.flow("gw_manager", "reject_level", "reject 驳回", REJECT)
    p.flow("gw_manager", "gw_jump", "approve 同意", default=True)
    p.flow("gw_jump", "director_approval", "2+ levels 跨级", "int(change['jump']) >= 2")
    p.flow("gw_jump", "apply_level", "1 level 一级", default=True)
    p.flow("director_approval", "gw_director")
    p.flow("gw_director", "reject_level", "reject 驳回", REJECT)
    p.flow("gw_director", "apply_level", "approve 同意", default=True)
    p.chain("apply_level", "tell_applied", "level_applied")
    p.chain("reject_level", "tell_rejected", "level_rejected")
    return p


def complaint() -> Process:
    p = Process(
        "complaint",
        "Complaint handling 投诉处理",
        [
            ("service_dispatchers", "Service dispatcher 客服调度", 2),
            ("service", "Handler 处理人 (chosen at triage)", 1),
            ("department_heads", "Department head 部门负责人", 1),
            ("customer", "Customer 客户 (portal)", 1),
        ],
        "Triage → handler → customer rating (portal) or staff-recorded rating → unsatisfied reopens "
        "once to the department head. SLA by severity escalates to the department head and marks the "
        "complaint overdue.",
    )
    p.start("complaint_submitted", "Complaint submitted 投诉提交", "service_dispatchers", 0)
    p.service(
        "sla",
        "Look up the SLA 查询服务时限",
        "service_dispatchers",
        0.5,
        row=1,
        connector="crm.complaint_sla",
        result="sla",
    )
    p.user(
        "triage",
        "Triage 分派",
        "service_dispatchers",
        1,
        form={
            "type": "object",
            "title": "Triage 分派",
            "properties": {
                "category": {
                    "type": "string",
                    "title": "Category 类别",
                    "oneOf": [
                        {"const": "product", "title": "Product quality 产品质量"},
                        {"const": "delivery", "title": "Delivery 交付"},
                        {"const": "service", "title": "Service 服务"},
                        {"const": "billing", "title": "Billing 账务"},
                        {"const": "other", "title": "Other 其他"},
                    ],
                },
                "department": {
                    "type": "string",
                    "title": "Department 部门",
                    "minLength": 1,
                    "x-widget": "department",
                },
                "handler": {"type": "string", "title": "Handler 处理人", "minLength": 1, "x-widget": "user"},
                "severity": {
                    "type": "string",
                    "title": "Severity 严重程度",
                    "enum": ["low", "normal", "high", "critical"],
                },
            },
            "required": ["category", "department", "handler", "severity"],
        },
        camunda__candidateGroups="service_dispatchers",
        camunda__dueDate="${sla['respond_by']}",
        camunda__priority=SLA_PRIORITY,
    )
    p.service(
        "triaged",
        "Assign the complaint 分派投诉",
        "service_dispatchers",
        2,
        connector="crm.complaint_triaged",
        result="sla",
    )
    p.user(
        "investigate",
        "Investigate and resolve 调查处理",
        "service",
        3,
        form={
            "type": "object",
            "title": "Resolution 处理结果",
            "properties": {"resolution": {"type": "string", "title": "Resolution 处理结果", "minLength": 1}},
            "required": ["resolution"],
        },
        camunda__assignee="${handler}",
        camunda__dueDate="${sla['due_at']}",
        camunda__priority=SLA_PRIORITY,
    )
    p.timer("sla_breached", "SLA breached 超时", "investigate", duration="${sla['due']}")
    p.service(
        "mark_overdue",
        "Mark overdue 标记超时",
        "department_heads",
        3.6,
        connector="crm.complaint_overdue",
    )
    p.service(
        "escalate",
        "Escalate to the head 上报部门负责人",
        "department_heads",
        4.6,
        connector="send_notification",
        params={
            "template": "task_escalated",
            "to": "${department_head(department)}",
            "assignee": "${handler}",
            "task": "Investigate and resolve 调查处理",
            "process": "Complaint handling 投诉处理",
            "due": "${sla['due_label']}",
            "subject": "${business_object['label']}",
        },
    )
    p.end("escalated", "Escalated 已上报", "department_heads", 5.4)
    p.chain("sla_breached", "mark_overdue", "escalate", "escalated")
    p.service(
        "resolved", "Record the resolution 记录处理结果", "service", 4, connector="crm.complaint_resolved"
    )
    p.gateway("gw_portal", "Submitted in the portal? 客户提交?", "service", 5, default=None)
    p.user(
        "customer_rating",
        "Rate the resolution 评价处理结果",
        "customer",
        6,
        form=RATING_FORM,
        props=CUSTOMER,
        camunda__assignee="${customer_user}",
        camunda__dueDate="P7D",
    )
    p.user(
        "staff_rating",
        "Record the customer's rating 代客户评价",
        "service_dispatchers",
        6,
        row=1,
        form=RATING_FORM,
        camunda__candidateGroups="service_dispatchers",
        camunda__dueDate="${business_days(1)}",
    )
    p.service("rated", "Record the rating 记录评价", "service", 7, connector="crm.complaint_rated")
    p.gateway("gw_satisfied", "Satisfied? 满意?", "service", 8)
    p.user(
        "head_review",
        "Reopened: department head review 部门负责人复核",
        "department_heads",
        9,
        form={
            "type": "object",
            "title": "Final resolution 最终处理",
            "properties": {"resolution": {"type": "string", "title": "Resolution 处理结果", "minLength": 1}},
            "required": ["resolution"],
        },
        camunda__assignee="${department_head(department)}",
        camunda__dueDate=APPROVAL_DUE,
        camunda__priority=SLA_PRIORITY,
    )
    p.service(
        "reopen",
        "Reopen the complaint 重新打开投诉",
        "department_heads",
        8.2,
        connector="crm.complaint_reopened",
    )
    p.service(
        "reopened",
        "Record the final resolution 记录复核结果",
        "department_heads",
        10,
        connector="crm.complaint_resolved",
    )
    p.service("close", "Close the complaint 结案", "service", 11, connector="crm.complaint_closed")
    p.end("complaint_closed", "Closed 已结案", "service", 12)
    p.chain("complaint_submitted", "sla", "triage", "triaged", "investigate", "resolved", "gw_portal")
    p.flow("gw_portal", "customer_rating", "customer 客户", "bool(customer_user)")
    p.flow("gw_portal", "staff_rating", "staff 员工代录", default=True)
    p.flow("customer_rating", "rated")
    p.flow("staff_rating", "rated")
    p.flow("rated", "gw_satisfied")
    p.flow("gw_satisfied", "reopen", "unsatisfied 不满意", "int(rating) <= 2")
    p.flow("reopen", "head_review")
    p.flow("gw_satisfied", "close", "satisfied 满意", default=True)
    p.chain("head_review", "reopened", "close", "complaint_closed")
    # the steps as the customer reads them in the portal (bilingual, like the task names); the
    # customer's own tasks keep their names, which already speak to the customer
    p.customer_labels.update(
        {
            "triage": "Received, being assigned 已受理，正在分派",
            "investigate": "We are looking into it 正在处理",
            "staff_rating": "Recording your feedback 正在记录您的反馈",
            "head_review": "Under review by a department head 部门负责人复查中",
        }
    )
    return p


def service_dispatch() -> Process:
    p = Process(
        "service_dispatch",
        "Service dispatch 派工",
        [
            ("service_dispatchers", "Service manager 客服经理", 2),
            ("technicians", "Technician 技术员", 1),
            ("customer", "Customer 客户 (portal)", 1),
        ],
        "The dispatcher assigns a technician (the workload list is in the 'technicians' variable); "
        "not accepted within 4 hours goes back to the dispatcher; the work record books parts out of "
        "stock; the customer (or staff on their behalf) confirms and rates.",
    )
    p.start("request_submitted", "Service request 服务请求", "service_dispatchers", 0)
    p.service(
        "sla",
        "Look up the SLA 查询服务时限",
        "service_dispatchers",
        0.6,
        connector="crm.service_sla",
        result="sla",
    )
    p.service(
        "workload",
        "Technicians' workload 技术员负荷",
        "service_dispatchers",
        1.3,
        connector="crm.technician_workload",
        result="technicians",
    )
    p.user(
        "assign",
        "Assign a technician 派工",
        "service_dispatchers",
        2,
        form={
            "type": "object",
            "title": "Dispatch 派工",
            "properties": {
                "technician": {
                    "type": "string",
                    "title": "Technician 技术员",
                    "minLength": 1,
                    "x-widget": "technician",
                },
                "scheduled_at": {"type": "string", "format": "date-time", "title": "Scheduled 预约时间"},
                "instructions": {"type": "string", "title": "Instructions 说明", "maxLength": 2000},
            },
            "required": ["technician"],
        },
        camunda__candidateGroups="service_dispatchers",
        camunda__dueDate="${sla['respond_by']}",
        camunda__priority=SLA_PRIORITY,
    )
    p.service("dispatched", "Dispatch 派单", "service_dispatchers", 3, connector="crm.service_dispatched")
    p.user(
        "accept",
        "Accept the job 接单",
        "technicians",
        4,
        form={
            "type": "object",
            "title": "Accept 接单",
            "properties": {
                "accepted": {"type": "boolean", "title": "I take this job 接单"},
                "note": {"type": "string", "title": "Note 备注", "maxLength": 1000},
            },
            "required": ["accepted"],
        },
        camunda__assignee="${technician}",
        camunda__dueDate="PT4H",
        camunda__priority=SLA_PRIORITY,
    )
    p.timer("not_accepted", "Not accepted in 4 h 4小时未接单", "accept", duration="PT4H", interrupting=True)
    p.gateway("gw_accepted", "Accepted? 接单?", "technicians", 5)
    p.user(
        "work",
        "Perform and record the work 上门服务并填写工单",
        "technicians",
        6,
        form={
            "type": "object",
            "title": "Work record 工单",
            "properties": {
                "hours": {"type": "number", "title": "Hours 工时", "minimum": 0, "maximum": 100},
                "parts": {
                    "type": "array",
                    "title": "Parts used 使用配件",
                    "items": {
                        "type": "object",
                        "properties": {
                            "product": {
                                "type": "string",
                                "title": "Product 产品",
                                "minLength": 1,
                                "x-widget": "product",
                            },
                            "quantity": {"type": "number", "title": "Quantity 数量", "exclusiveMinimum": 0},
                        },
                        "required": ["product", "quantity"],
                        "additionalProperties": False,
                    },
                },
                "result": {"type": "string", "title": "Result 结果", "minLength": 1},
                "confirmed_by": {
                    "type": "string",
                    "title": "Confirmed by the customer 客户确认人",
                    "maxLength": 100,
                },
            },
            "required": ["hours", "result"],
            "x-order": ["hours", "result", "parts", "confirmed_by"],
        },
        camunda__assignee="${technician}",
        camunda__dueDate="${sla['due_at']}",
        camunda__priority=SLA_PRIORITY,
    )
    p.service(
        "work_recorded",
        "Book the work and parts 记录工单与出库",
        "technicians",
        7,
        connector="crm.service_work_recorded",
    )
    p.gateway("gw_portal", "Submitted in the portal? 客户提交?", "technicians", 8)
    p.user(
        "customer_confirm",
        "Confirm and rate the service 确认并评价",
        "customer",
        9,
        form=RATING_FORM,
        props=CUSTOMER,
        camunda__assignee="${customer_user}",
        camunda__dueDate="P7D",
    )
    p.user(
        "staff_confirm",
        "Record the customer's confirmation 代客户确认",
        "service_dispatchers",
        9,
        row=1,
        form=RATING_FORM,
        camunda__candidateGroups="service_dispatchers",
        camunda__dueDate="${business_days(1)}",
    )
    p.service(
        "service_closed", "Close the request 关闭服务单", "technicians", 10, connector="crm.service_closed"
    )
    p.end("request_closed", "Closed 已关闭", "technicians", 11)
    p.chain("request_submitted", "sla", "workload", "assign", "dispatched", "accept", "gw_accepted")
    p.flow("not_accepted", "workload")
    p.flow("gw_accepted", "workload", "declined 拒单", "not accepted")
    p.flow("gw_accepted", "work", "accepted 接单", default=True)
    p.chain("work", "work_recorded", "gw_portal")
    p.flow("gw_portal", "customer_confirm", "customer 客户", "bool(customer_user)")
    p.flow("gw_portal", "staff_confirm", "phone customer 电话客户", default=True)
    p.flow("customer_confirm", "service_closed")
    p.flow("staff_confirm", "service_closed")
    p.flow("service_closed", "request_closed")
    p.customer_labels.update(
        {
            "assign": "Scheduling a technician 正在安排技术员",
            "accept": "A technician has been assigned 技术员已派定",
            "work": "The technician is on it 技术员服务中",
            "staff_confirm": "Confirming the work is done 正在确认服务完成",
        }
    )
    return p


def product_issue() -> Process:
    p = Process(
        "product_issue",
        "Product issue 产品问题",
        [
            ("service", "Reporter 报告人", 2),
            ("product_development", "Product development 产品研发", 2),
        ],
        "A product problem found in a complaint or on a job: product development accepts or rejects "
        "it (with a reason), records the fix later; the reporter is told each outcome.",
    )
    p.start("issue_reported", "Product issue reported 报告产品问题", "service", 0)
    p.user(
        "triage",
        "Triage the product issue 评估产品问题",
        "product_development",
        1,
        form={
            "type": "object",
            "title": "Triage 评估",
            "properties": {
                "decision": {
                    "type": "string",
                    "title": "Decision 决定",
                    "oneOf": [
                        {"const": "accept", "title": "Accept 受理"},
                        {"const": "reject", "title": "Reject 不受理"},
                    ],
                },
                "reason": {"type": "string", "title": "Reason 理由", "maxLength": 2000},
            },
            "required": ["decision"],
            "x-order": ["decision", "reason"],
            "if": {"properties": {"decision": {"const": "reject"}}},
            "then": {"required": ["reason"], "properties": {"reason": {"minLength": 1}}},
            "x-bulk": False,
        },
        camunda__candidateGroups="product_development",
        camunda__dueDate="${business_days(3)}",
    )
    p.gateway("gw_triage", "Accepted? 受理?", "product_development", 2)
    p.service(
        "accepted",
        "Record the acceptance 记录受理",
        "product_development",
        3,
        connector="crm.product_issue_triaged",
        params={"status": "accepted"},
    )
    p.service(
        "rejected",
        "Record the rejection 记录不受理",
        "service",
        3,
        row=1,
        connector="crm.product_issue_triaged",
        params={"status": "rejected"},
    )
    tell(p, "tell_accepted", "service", 4, outcome="accepted 已受理")
    tell(p, "tell_rejected", "service", 4, row=1, outcome="rejected 不受理")
    p.end("issue_rejected", "Rejected 不受理", "service", 5, row=1)
    p.user(
        "record_fix",
        "Record the fix 记录改进措施",
        "product_development",
        5,
        form={
            "type": "object",
            "title": "Fix 改进措施",
            "properties": {
                "fix": {
                    "type": "string",
                    "title": "What was changed 改进内容",
                    "minLength": 1,
                    "maxLength": 5000,
                }
            },
            "required": ["fix"],
            "x-bulk": False,
        },
        camunda__candidateGroups="product_development",
        camunda__dueDate="P30D",
    )
    p.service(
        "fixed", "Record the fix 记录改进", "product_development", 6, connector="crm.product_issue_fixed"
    )
    tell(p, "tell_fixed", "service", 7, outcome="fixed 已改进")
    p.end("issue_fixed", "Fixed 已改进", "service", 8)
    p.chain("issue_reported", "triage", "gw_triage")
    p.flow("gw_triage", "rejected", "reject 不受理", "decision == 'reject'")
    p.flow("gw_triage", "accepted", "accept 受理", default=True)
    p.chain("rejected", "tell_rejected", "issue_rejected")
    p.chain("accepted", "tell_accepted", "record_fix", "fixed", "tell_fixed", "issue_fixed")
    return p


def order_approval() -> Process:
    p = Process(
        "order_approval",
        "Order approval, shipment and payment 订单审批发货收款",
        [
            ("sales", "Sales 销售", 1),
            ("sales_managers", "Sales manager 销售经理", 2),
            ("finance", "Finance 财务", 1),
            ("warehouse", "Warehouse 仓库", 2),
        ],
        "Stock check → the order_approver DMN table decides who approves (sales manager; large or "
        "heavily discounted orders also finance) → shipment books stock out → finance records payments "
        "until the order is paid. Orders left waiting remind the responsible person.",
    )
    p.start("order_submitted", "Order submitted 订单提交", "sales", 0)
    p.service("facts", "Order facts 订单信息", "sales", 1, connector="crm.order_facts", result="order")
    p.service(
        "stock_check", "Stock check 库存检查", "warehouse", 2, connector="crm.stock_check", result="stock"
    )
    p.gateway("gw_stock", "In stock? 有货?", "warehouse", 3)
    p.rule("route", "Who approves? 审批路由", "sales_managers", 4, decision="order_approver")
    p.user(
        "manager_approval",
        "Sales manager approval 销售经理审批",
        "sales_managers",
        5,
        form=approval_form("Sales manager approval 销售经理审批"),
        camunda__assignee="${manager_of(owner)}",
        camunda__dueDate=APPROVAL_DUE,
    )
    p.timer(
        "manager_reminder", "Waiting too long 超时提醒", "manager_approval", cycle="${order['remind_cycle']}"
    )
    p.service(
        "remind_manager",
        "Remind the approver 提醒审批人",
        "sales_managers",
        6,
        row=1,
        connector="send_notification",
        params={
            "template": "task_overdue",
            "to": "${manager_of(owner)}",
            "task": "Sales manager approval 销售经理审批",
            "process": "Order approval 订单审批",
            "due": "${order['remind_cycle']}",
            "subject": "${business_object['label']}",
        },
    )
    p.end("manager_reminded", "Reminded 已提醒", "sales_managers", 7, row=1)
    p.gateway("gw_manager", "Approved? 同意?", "sales_managers", 7.8)
    p.gateway("gw_route", "Finance too? 需财务?", "finance", 8.6)
    p.user(
        "finance_approval",
        "Finance approval 财务审批",
        "finance",
        9.6,
        form=approval_form("Finance approval 财务审批", bulk=False),
        camunda__candidateGroups="finance",
        camunda__dueDate=APPROVAL_DUE,
    )
    p.gateway("gw_finance", "Approved? 同意?", "finance", 10.6)
    p.service(
        "approved",
        "Order approved 订单已批准",
        "warehouse",
        11.4,
        connector="crm.order_status",
        params={"status": "approved"},
    )
    p.user(
        "ship",
        "Ship the order 发货",
        "warehouse",
        12.4,
        form={
            "type": "object",
            "title": "Shipment 发货",
            "properties": {
                "carrier": {"type": "string", "title": "Carrier 承运商", "maxLength": 100},
                "tracking_number": {"type": "string", "title": "Tracking number 运单号", "maxLength": 100},
            },
            "required": ["tracking_number"],
        },
        camunda__candidateGroups="warehouse",
        camunda__dueDate=APPROVAL_DUE,
    )
    p.timer("ship_reminder", "Not shipped in time 发货超时", "ship", cycle="${order['remind_cycle']}")
    p.service(
        "remind_warehouse",
        "Remind the warehouse 提醒仓库",
        "warehouse",
        13.4,
        row=1,
        connector="send_notification",
        params={
            "template": "task_overdue",
            "to": "warehouse",
            "task": "Ship the order 发货",
            "process": "Order approval 订单审批",
            "due": "${order['remind_cycle']}",
            "subject": "${business_object['label']}",
        },
    )
    p.end("warehouse_reminded", "Reminded 已提醒", "warehouse", 14.4, row=1)
    p.service(
        "shipped", "Stock out and mark shipped 出库发货", "warehouse", 13.4, connector="crm.order_shipped"
    )
    p.user(
        "payment",
        "Record a payment 登记收款",
        "finance",
        14.4,
        form={
            "type": "object",
            "title": "Payment 收款",
            "properties": {
                "amount": {"type": "number", "title": "Amount 金额", "exclusiveMinimum": 0, **MONEY},
                "paid_on": {"type": "string", "format": "date", "title": "Paid on 收款日期"},
                "method": {
                    "type": "string",
                    "title": "Method 方式",
                    "enum": ["transfer", "cash", "cheque", "other"],
                },
                "reference": {"type": "string", "title": "Reference 凭证号", "maxLength": 100},
            },
            "required": ["amount"],
        },
        camunda__candidateGroups="finance",
        camunda__dueDate="P30D",
    )
    p.service(
        "paid_check",
        "Book the payment 入账",
        "finance",
        15.4,
        connector="crm.order_payment",
        result="payment_state",
    )
    p.gateway("gw_paid", "Paid in full? 已付清?", "finance", 16.2)
    p.end("order_done", "Paid 已付清", "finance", 17)
    p.service(
        "rejected",
        "Order rejected 订单驳回",
        "sales",
        9.6,
        connector="crm.order_status",
        params={"status": "rejected"},
    )
    p.service(
        "tell_owner",
        "Tell the salesperson 通知销售",
        "sales",
        10.6,
        connector="send_notification",
        params={
            "template": "task_escalated",
            "to": "${owner}",
            "assignee": "${owner}",
            "task": "Order not approved 订单未批准",
            "process": "Order approval 订单审批",
            "due": "-",
            "subject": "${business_object['label']}",
        },
    )
    p.end("order_rejected", "Rejected 已驳回", "sales", 11.6)
    p.chain("order_submitted", "facts", "stock_check", "gw_stock")
    p.flow("gw_stock", "route", "in stock 有货", default=True)
    p.flow("gw_stock", "rejected", "short 缺货", "not stock['ok']")
    p.chain("route", "manager_approval", "gw_manager")
    p.chain("manager_reminder", "remind_manager", "manager_reminded")
    p.flow("gw_manager", "rejected", "reject 驳回", REJECT)
    p.flow("gw_manager", "gw_route", "approve 同意", default=True)
    p.flow("gw_route", "finance_approval", "manager + finance", "approvers == 'manager_finance'")
    p.flow("gw_route", "approved", "manager only", default=True)
    p.flow("finance_approval", "gw_finance")
    p.flow("gw_finance", "rejected", "reject 驳回", REJECT)
    p.flow("gw_finance", "approved", "approve 同意", default=True)
    p.chain("approved", "ship", "shipped", "payment", "paid_check", "gw_paid")
    p.chain("ship_reminder", "remind_warehouse", "warehouse_reminded")
    p.flow("gw_paid", "order_done", "paid 付清", "payment_state['paid']")
    p.flow("gw_paid", "payment", "outstanding 未付清", default=True)
    p.chain("rejected", "tell_owner", "order_rejected")
    p.customer_labels.update(
        {
            "manager_approval": "Your order is being approved 订单审批中",
            "finance_approval": "Your order is being approved 订单审批中",
            "ship": "Being prepared for shipment 备货发货中",
            "payment": "Awaiting payment 等待付款",
        }
    )
    return p


def contract_approval() -> Process:
    p = Process(
        "contract_approval",
        "Contract approval 合同审批",
        [
            ("sales", "Sales 销售", 2),
            ("managers", "Manager 经理", 1),
            ("sales_directors", "Sales director 销售总监", 1),
        ],
        "The salesperson's manager approves; a contract of 500 000 or more also needs a sales director "
        "(the limit is the condition on the gateway: a designer changes it in the modeler). Approved, the "
        "salesperson records the signing; rejected, the draft goes back to the salesperson.",
    )
    p.start("contract_submitted", "Contract submitted 合同提交", "sales", 0)
    p.service(
        "facts", "Contract facts 合同信息", "sales", 1, connector="crm.contract_facts", result="contract"
    )
    p.user(
        "manager_approval",
        "Manager approval 经理审批",
        "managers",
        2,
        form=approval_form("Contract approval 合同审批"),
        camunda__assignee="${manager_of(owner)}",
    )
    p.gateway("gw_manager", "Approved? 同意?", "managers", 3)
    p.gateway("gw_limit", "Large contract? 大额合同?", "managers", 4)
    p.user(
        "director_approval",
        "Director approval 总监审批",
        "sales_directors",
        5,
        form=approval_form("Contract approval (director) 合同审批（总监）"),
        camunda__candidateGroups="sales_directors",
    )
    p.gateway("gw_director", "Approved? 同意?", "sales_directors", 6)
    p.service(
        "approved",
        "Contract approved 合同已批准",
        "sales",
        7,
        connector="crm.contract_status",
        params={"status": "approved"},
    )
    p.service(
        "rejected",
        "Contract rejected 合同驳回",
        "sales",
        7,
        row=1,
        connector="crm.contract_status",
        params={"status": "rejected"},
    )
    tell(p, "tell_approved", "sales", 8, outcome="approved 已批准", to="${owner}")
    tell(p, "tell_rejected", "sales", 8, row=1, outcome="rejected 已驳回", to="${owner}")
    p.end("contract_approved", "Approved 已批准", "sales", 9)
    p.end("contract_rejected", "Rejected 已驳回", "sales", 9, row=1)
    p.chain("contract_submitted", "facts", "manager_approval", "gw_manager")
    p.flow("gw_manager", "rejected", "reject 驳回", REJECT)
    p.flow("gw_manager", "gw_limit", "approve 同意", default=True)
    p.flow("gw_limit", "director_approval", "≥ 500 000", "float(contract['amount']) >= 500000")
    p.flow("gw_limit", "approved", "smaller 小额", default=True)
    p.flow("director_approval", "gw_director")
    p.flow("gw_director", "rejected", "reject 驳回", REJECT)
    p.flow("gw_director", "approved", "approve 同意", default=True)
    p.chain("approved", "tell_approved", "contract_approved")
    p.chain("rejected", "tell_rejected", "contract_rejected")
    return p


def expense_approval() -> Process:
    p = Process(
        "expense_approval",
        "Expense approval 费用报销审批",
        [
            ("staff", "Claimant 报销人", 3),
            ("managers", "Manager 直属经理", 1),
            ("finance", "Finance 财务", 1),
        ],
        "The claimant's manager approves; an expense of 5 000 or more also needs finance (the limit is "
        "the condition on the gateway). Approved, the expense counts (campaign return on cost, budgets); "
        "rejected, it goes back to the claimant, who corrects it and sends it again, or withdraws it.",
    )
    p.start("expense_submitted", "Expense submitted 报销提交", "staff", 0)
    p.service("facts", "Expense facts 报销信息", "staff", 1, connector="crm.expense_facts", result="expense")
    p.user(
        "manager_approval",
        "Manager approval 经理审批",
        "managers",
        2,
        form=approval_form("Expense approval 费用审批"),
        camunda__assignee="${manager_of(owner)}",
        camunda__dueDate="${business_days(2)}",
    )
    p.gateway("gw_manager", "Approved? 同意?", "managers", 3)
    p.gateway("gw_limit", "5 000 or more? 大额?", "managers", 4)
    p.user(
        "finance_approval",
        "Finance approval 财务审批",
        "finance",
        5,
        form=approval_form("Expense approval (finance) 费用审批（财务）"),
        camunda__candidateGroups="finance",
        camunda__dueDate="${business_days(2)}",
    )
    p.gateway("gw_finance", "Approved? 同意?", "finance", 6)
    p.service(
        "approved",
        "Expense approved 报销已批准",
        "staff",
        7,
        connector="crm.expense_status",
        params={"status": "approved"},
    )
    tell(p, "tell_approved", "staff", 8, outcome="approved 已批准", to="${owner}")
    p.end("expense_approved", "Approved 已批准", "staff", 9)
    p.service(
        "rejected",
        "Expense rejected 报销驳回",
        "staff",
        5,
        row=1,
        connector="crm.expense_status",
        params={"status": "rejected"},
    )
    p.user(
        "fix",
        "Correct or withdraw 修改或撤回",
        "staff",
        6,
        row=1,
        form={
            "type": "object",
            "title": "Correct or withdraw the expense 修改或撤回报销",
            "description": "Correct the expense on its page (amount, receipt…), then send it again; "
            "or withdraw it. 先在报销单页面修改, 再重新提交, 或撤回。",
            "properties": {
                "decision": {
                    "type": "string",
                    "title": "Decision 决定",
                    "oneOf": [
                        {"const": "resubmit", "title": "Send it again 重新提交"},
                        {"const": "withdraw", "title": "Withdraw 撤回"},
                    ],
                },
                "comment": {"type": "string", "title": "Comment 说明", "maxLength": 2000},
            },
            "required": ["decision"],
            "x-bulk": False,
        },
        camunda__assignee="${owner}",
        camunda__dueDate="P7D",
    )
    p.gateway("gw_fix", "Send again? 重新提交?", "staff", 7, row=1)
    p.service(
        "resubmitted",
        "Sent again 重新提交",
        "staff",
        8,
        row=1,
        connector="crm.expense_status",
        params={"status": "submitted"},
    )
    p.service(
        "withdrawn",
        "Expense withdrawn 报销撤回",
        "staff",
        8,
        row=2,
        connector="crm.expense_status",
        params={"status": "withdrawn"},
    )
    p.end("expense_withdrawn", "Withdrawn 已撤回", "staff", 9, row=2)
    p.chain("expense_submitted", "facts", "manager_approval", "gw_manager")
    p.flow("gw_manager", "rejected", "reject 驳回", REJECT)
    p.flow("gw_manager", "gw_limit", "approve 同意", default=True)
    p.flow("gw_limit", "finance_approval", "≥ 5 000", "float(expense['amount']) >= 5000")
    p.flow("gw_limit", "approved", "smaller 小额", default=True)
    p.flow("finance_approval", "gw_finance")
    p.flow("gw_finance", "rejected", "reject 驳回", REJECT)
    p.flow("gw_finance", "approved", "approve 同意", default=True)
    p.chain("approved", "tell_approved", "expense_approved")
    p.chain("rejected", "fix", "gw_fix")
    p.flow("gw_fix", "withdrawn", "withdraw 撤回", "decision == 'withdraw'")
    p.flow("gw_fix", "resubmitted", "send again 重新提交", default=True)
    p.flow("resubmitted", "facts", over=True)
    p.flow("withdrawn", "expense_withdrawn")
    return p


def leave_request() -> Process:
    p = Process(
        "leave_request",
        "Leave request 请假",
        [
            ("staff", "Employee 员工", 1),
            ("managers", "Manager 直属经理", 1),
            ("department_heads", "Department head 部门负责人", 1),
            ("hr", "HR 人事", 1),
        ],
        "Manager → more than 3 days also the head above the manager → HR records; the balance was "
        "checked when the employee submitted and is deducted when HR records the leave.",
    )
    p.start("leave_requested", "Leave requested 提交请假", "staff", 0)
    p.user(
        "manager_approval",
        "Manager approval 经理审批",
        "managers",
        1,
        form=approval_form("Manager approval 经理审批"),
        camunda__assignee="${manager_of(initiator)}",
        camunda__dueDate=APPROVAL_DUE,
    )
    p.gateway("gw_manager", "Approved? 同意?", "managers", 2)
    p.gateway("gw_days", "More than 3 days? 超过3天?", "managers", 3)
    p.user(
        "head_approval",
        "Department head approval 部门负责人审批",
        "department_heads",
        4,
        form=approval_form("Department head approval 部门负责人审批"),
        camunda__assignee="${department_head(manager_of(initiator))}",
        camunda__dueDate=APPROVAL_DUE,
    )
    p.gateway("gw_head", "Approved? 同意?", "department_heads", 5)
    p.user(
        "hr_record",
        "HR records the leave 人事备案",
        "hr",
        6,
        form={
            "type": "object",
            "title": "HR record 人事备案",
            "properties": {"comment": {"type": "string", "title": "Comment 备注", "maxLength": 2000}},
        },
        camunda__candidateGroups="hr",
        camunda__dueDate=APPROVAL_DUE,
    )
    p.service(
        "leave_approved",
        "Approve and deduct 批准并扣减余额",
        "staff",
        7,
        connector="office.leave_decided",
        params={"outcome": "approved"},
    )
    p.service(
        "leave_rejected",
        "Reject 驳回",
        "staff",
        4,
        connector="office.leave_decided",
        params={"outcome": "rejected"},
    )
    tell(p, "tell_approved", "staff", 8, outcome="approved 已批准")
    tell(p, "tell_rejected", "staff", 5, outcome="rejected 已驳回")
    p.end("leave_done", "Approved 已批准", "staff", 9)
    p.end("leave_refused", "Rejected 已驳回", "staff", 6)
    p.chain("leave_requested", "manager_approval", "gw_manager")
    p.flow("gw_manager", "leave_rejected", "reject 驳回", REJECT)
    p.flow("gw_manager", "gw_days", "approve 同意", default=True)
    p.flow("gw_days", "head_approval", "> 3 days", "float(days) > 3")
    p.flow("gw_days", "hr_record", "≤ 3 days", default=True)
    p.flow("head_approval", "gw_head")
    p.flow("gw_head", "leave_rejected", "reject 驳回", REJECT)
    p.flow("gw_head", "hr_record", "approve 同意", default=True)
    p.chain("hr_record", "leave_approved", "tell_approved", "leave_done")
    p.chain("leave_rejected", "tell_rejected", "leave_refused")
    return p


def vehicle_request() -> Process:
    p = Process(
        "vehicle_request",
        "Vehicle request 用车申请",
        [
            ("staff", "Employee 员工", 2),
            ("managers", "Manager 直属经理", 1),
            ("vehicle_admins", "Vehicle admin 车辆管理员", 1),
        ],
        "Manager approves → the vehicle admin assigns a vehicle (the database refuses overlapping "
        "bookings) → the employee records mileage and fuel on return.",
    )
    p.start("vehicle_requested", "Vehicle requested 提交用车", "staff", 0)
    p.user(
        "manager_approval",
        "Manager approval 经理审批",
        "managers",
        1,
        form=approval_form("Manager approval 经理审批"),
        camunda__assignee="${manager_of(initiator)}",
        camunda__dueDate=APPROVAL_DUE,
    )
    p.gateway("gw_manager", "Approved? 同意?", "managers", 2)
    p.user(
        "assign_vehicle",
        "Assign a vehicle 派车",
        "vehicle_admins",
        3,
        form={
            "type": "object",
            "title": "Assign a vehicle 派车",
            "properties": {
                "vehicle": {"type": "string", "title": "Vehicle 车辆", "minLength": 1, "x-widget": "vehicle"},
                "driver": {"type": "string", "title": "Driver 司机", "maxLength": 100},
            },
            "required": ["vehicle"],
        },
        camunda__candidateGroups="vehicle_admins",
        camunda__dueDate="${business_days(1)}",
    )
    p.service(
        "book",
        "Book the vehicle 预订车辆",
        "vehicle_admins",
        4,
        connector="office.assign_vehicle",
        result="booking",
    )
    p.user(
        "return_vehicle",
        "Return the vehicle 还车登记",
        "staff",
        6,
        form={
            "type": "object",
            "title": "Return 还车",
            "properties": {
                "mileage_km": {"type": "integer", "title": "Mileage driven (km) 行驶里程", "minimum": 0},
                "fuel_litres": {"type": "number", "title": "Fuel (litres) 加油量", "minimum": 0},
                "note": {"type": "string", "title": "Note 备注", "maxLength": 1000},
            },
            "required": ["mileage_km"],
        },
        camunda__assignee="${initiator}",
        camunda__dueDate="${ends_at}",
    )
    p.service("returned", "Close the booking 结束用车", "staff", 7, connector="office.vehicle_returned")
    p.end("vehicle_done", "Closed 已结束", "staff", 8)
    p.service(
        "vehicle_rejected",
        "Reject 驳回",
        "staff",
        3,
        row=1,
        connector="office.vehicle_request_rejected",
    )
    tell(p, "tell_assigned", "vehicle_admins", 5, outcome="vehicle assigned 已派车")
    tell(p, "tell_rejected", "staff", 4, row=1, outcome="rejected 已驳回")
    p.end("vehicle_refused", "Rejected 已驳回", "staff", 5, row=1)
    p.chain("vehicle_requested", "manager_approval", "gw_manager")
    p.flow("gw_manager", "vehicle_rejected", "reject 驳回", REJECT)
    p.flow("gw_manager", "assign_vehicle", "approve 同意", default=True)
    p.chain("assign_vehicle", "book", "tell_assigned", "return_vehicle", "returned", "vehicle_done")
    p.chain("vehicle_rejected", "tell_rejected", "vehicle_refused")
    return p


def office_supplies() -> Process:
    p = Process(
        "office_supplies",
        "Office supplies 办公用品领用",
        [
            ("staff", "Employee 员工", 2),
            ("managers", "Manager 直属经理", 1),
            ("warehouse", "Office supplies keeper 办公用品管理员", 1),
        ],
        "Manager approves → the supplies keeper hands them out, taking them off the shelf (never below "
        "zero: a line the stock cannot cover is refused with its line named) → the requester is told.",
    )
    p.start("supplies_requested", "Supplies requested 提交领用", "staff", 0)
    p.user(
        "manager_approval",
        "Manager approval 经理审批",
        "managers",
        1,
        form=approval_form("Manager approval 经理审批"),
        camunda__assignee="${manager_of(initiator)}",
        camunda__dueDate=APPROVAL_DUE,
    )
    p.gateway("gw_manager", "Approved? 同意?", "managers", 2)
    p.user(
        "issue_supplies",
        "Hand out the supplies 发放办公用品",
        "warehouse",
        3,
        form={
            "type": "object",
            "title": "Hand out the supplies 发放办公用品",
            "properties": {
                "handed_out": {
                    "type": "boolean",
                    "title": "Handed over to the requester 已交给申请人",
                    "const": True,
                },
                "note": {"type": "string", "title": "Note 备注", "maxLength": 1000},
            },
            "required": ["handed_out"],
        },
        camunda__candidateGroups="warehouse",
        camunda__dueDate="${business_days(1)}",
    )
    p.service("issue", "Issue from stock 出库", "warehouse", 4, connector="office.supplies_issued")
    tell(p, "tell_issued", "warehouse", 5, outcome="issued 已发放")
    p.end("supplies_done", "Issued 已发放", "staff", 6)
    p.service("supplies_rejected", "Reject 驳回", "staff", 3, row=1, connector="office.supplies_rejected")
    tell(p, "tell_rejected", "staff", 4, row=1, outcome="rejected 已驳回")
    p.end("supplies_refused", "Rejected 已驳回", "staff", 5, row=1)
    p.chain("supplies_requested", "manager_approval", "gw_manager")
    p.flow("gw_manager", "supplies_rejected", "reject 驳回", REJECT)
    p.flow("gw_manager", "issue_supplies", "approve 同意", default=True)
    p.chain("issue_supplies", "issue", "tell_issued", "supplies_done")
    p.chain("supplies_rejected", "tell_rejected", "supplies_refused")
    return p


ORDER_APPROVER_DMN = """<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" xmlns:dmndi="https://www.omg.org/spec/DMN/20191111/DMNDI/" xmlns:dc="http://www.omg.org/spec/DMN/20180521/DC/" id="order_approver_defs" name="Order approver 订单审批人" namespace="http://camunda.org/schema/1.0/dmn">
  <decision id="order_approver" name="Order approver 订单审批人">
    <decisionTable id="order_approver_table" hitPolicy="FIRST">
      <input id="in_total" label="Order total 订单金额">
        <inputExpression id="in_total_expr" typeRef="number"><text>order["total"]</text></inputExpression>
      </input>
      <input id="in_discount" label="Largest discount % 最大折扣">
        <inputExpression id="in_discount_expr" typeRef="number"><text>order["max_discount"]</text></inputExpression>
      </input>
      <output id="out_approvers" label="Approvers 审批人" name="approvers" typeRef="string" />
      <rule id="rule_large">
        <description>Large orders: sales manager and finance 大额订单</description>
        <inputEntry id="rule_large_total"><text>&gt;= 100000</text></inputEntry>
        <inputEntry id="rule_large_discount"><text>-</text></inputEntry>
        <outputEntry id="rule_large_out"><text>"manager_finance"</text></outputEntry>
      </rule>
      <rule id="rule_discount">
        <description>Discount above 20%: sales manager and finance 高折扣</description>
        <inputEntry id="rule_discount_total"><text>-</text></inputEntry>
        <inputEntry id="rule_discount_discount"><text>&gt; 20</text></inputEntry>
        <outputEntry id="rule_discount_out"><text>"manager_finance"</text></outputEntry>
      </rule>
      <rule id="rule_default">
        <description>Everything else: the sales manager 其他</description>
        <inputEntry id="rule_default_total"><text>-</text></inputEntry>
        <inputEntry id="rule_default_discount"><text>-</text></inputEntry>
        <outputEntry id="rule_default_out"><text>"manager"</text></outputEntry>
      </rule>
    </decisionTable>
  </decision>
  <dmndi:DMNDI>
    <dmndi:DMNDiagram id="order_approver_diagram">
      <dmndi:DMNShape id="order_approver_shape" dmnElementRef="order_approver">
        <dc:Bounds height="80" width="180" x="160" y="100" />
      </dmndi:DMNShape>
    </dmndi:DMNDiagram>
  </dmndi:DMNDI>
</definitions>
"""

BINDINGS = {
    "opportunity.created": "opportunity_stages",
    "customer.level_change_requested": "customer_level_change",
    "complaint.submitted": "complaint",
    "service_request.submitted": "service_dispatch",
    "order.submitted": "order_approval",
    "contract.submitted": "contract_approval",
    "leave.requested": "leave_request",
    "vehicle.requested": "vehicle_request",
    "expense.submitted": "expense_approval",
    "product_issue.reported": "product_issue",
    "supplies.requested": "office_supplies",
    # the HR personnel changes (generated by scripts/bpmn_hr.py)
    "hr.onboarding_requested": "hr_onboarding",
    "hr.probation_review_requested": "hr_probation",
    "hr.transfer_requested": "hr_transfer",
    "hr.salary_adjustment_requested": "hr_salary",
    "hr.departure_requested": "hr_departure",
}

PROCESSES = [
    opportunity_stages,
    level_change,
    complaint,
    service_dispatch,
    order_approval,
    contract_approval,
    expense_approval,
    leave_request,
    vehicle_request,
    product_issue,
    office_supplies,
]


def main() -> None:
    for build in PROCESSES:
        build().write()
    (OUT / "order_approver.dmn").write_text(ORDER_APPROVER_DMN, encoding="utf-8")
    (OUT / "bindings.json").write_text(json.dumps(BINDINGS, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
