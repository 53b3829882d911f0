// Baton's group in the properties panel: owners picked from the org chart by name (groups, people,
// the usual expressions), the form a task renders and the connector a service task calls, each
// written to the Camunda attribute the engine reads. Choices come from the page (never typed ids).
import { h } from "preact";
import { SelectEntry, isSelectEntryEdited } from "@bpmn-io/properties-panel";
import { useService } from "bpmn-js-properties-panel";
import { getBusinessObject, is } from "bpmn-js/lib/util/ModelUtil";
import { timerWords } from "./timer-words.js";

const LOW_PRIORITY = 400;

function attributeSelect(id, label, attribute, options) {
  return function Component(props) {
    const { element } = props;
    const modeling = useService("modeling");
    const translate = useService("translate");
    const bo = getBusinessObject(element);
    const current = bo.get(attribute) || "";
    const getOptions = () => {
      const list = [{ value: "", label: translate("(not set)") }, ...options];
      if (current && !options.some((o) => o.value === current)) {
        list.push({ value: current, label: current });
      }
      return list;
    };
    return h(SelectEntry, {
      element,
      id,
      label: translate(label),
      getValue: () => bo.get(attribute) || "",
      setValue: (value) => modeling.updateProperties(element, { [attribute]: value || undefined }),
      getOptions,
    });
  };
}

// The timer of an event in words ("every Monday 09:00", "2 days after the task is created"),
// redrawn by the panel whenever the timer's value changes.
function timerOf(element) {
  const bo = getBusinessObject(element);
  return (bo.get("eventDefinitions") || []).find((d) => is(d, "bpmn:TimerEventDefinition"));
}

function TimerPreview(props) {
  const { element } = props;
  const translate = useService("translate");
  const timer = timerOf(element);
  const kinds = [["timeDuration", "duration"], ["timeCycle", "cycle"], ["timeDate", "date"]];
  const found = kinds.find(([attribute]) => timer && timer.get(attribute));
  const kind = found ? found[1] : "duration";
  const body = found ? timer.get(found[0]).get("body") : "";
  let where = "intermediate";
  if (is(element, "bpmn:StartEvent")) where = "start";
  if (is(element, "bpmn:BoundaryEvent")) {
    const host = getBusinessObject(element).get("attachedToRef");
    where = host && (is(host, "bpmn:UserTask") || is(host, "bpmn:ManualTask")) ? "boundary-task" : "boundary";
  }
  const words = timerWords(kind, body, where, translate);
  return h(
    "div",
    { class: "bio-properties-panel-entry baton-timer-preview", "data-entry-id": "baton-timer-preview" },
    h("p", { class: "bio-properties-panel-label" }, translate("When it fires")),
    h("p", { class: "baton-timer-words", "aria-live": "polite" }, words),
  );
}

function entries(choices, element) {
  const list = [];
  if (timerOf(element)) {
    list.push({ id: "baton-timer-preview", component: TimerPreview, isEdited: () => false });
  }
  if (is(element, "bpmn:UserTask")) {
    list.push({
      id: "baton-assignee",
      component: attributeSelect("baton-assignee", "Assignee", "camunda:assignee", choices.assignees || []),
      isEdited: isSelectEntryEdited,
    });
    list.push({
      id: "baton-candidate-groups",
      component: attributeSelect(
        "baton-candidate-groups",
        "Candidate group",
        "camunda:candidateGroups",
        choices.groups || [],
      ),
      isEdited: isSelectEntryEdited,
    });
    list.push({
      id: "baton-form",
      component: attributeSelect("baton-form", "Form", "camunda:formKey", choices.forms || []),
      isEdited: isSelectEntryEdited,
    });
    list.push({
      id: "baton-priority",
      component: attributeSelect("baton-priority", "Priority", "camunda:priority", choices.priorities || []),
      isEdited: isSelectEntryEdited,
    });
  }
  if (is(element, "bpmn:ServiceTask")) {
    list.push({
      id: "baton-connector",
      component: attributeSelect("baton-connector", "Connector", "camunda:topic", choices.connectors || []),
      isEdited: isSelectEntryEdited,
    });
  }
  return list;
}

function BatonPropertiesProvider(propertiesPanel, translate, config) {
  const choices = (config && config.choices) || {};
  this.getGroups = function (element) {
    return function (groups) {
      const list = entries(choices, element);
      if (list.length) {
        const label = timerOf(element) && list.length === 1 ? "Timer in words" : "Baton: who, form, connector";
        groups.splice(1, 0, { id: "baton", label: translate(label), entries: list });
      }
      return groups;
    };
  };
  propertiesPanel.registerProvider(LOW_PRIORITY, this);
}
BatonPropertiesProvider.$inject = ["propertiesPanel", "translate", "config.batonProperties"];

export default {
  __init__: ["batonPropertiesProvider"],
  batonPropertiesProvider: ["type", BatonPropertiesProvider],
};
