// Baton's group in the properties panel: owners picked from the org chart by name (groups, people,
// the usual expressions), the form a task renders and the connector a service task calls, each
// written to the Camunda attribute the engine reads. Choices come from the page (never typed ids).
import { h } from "preact";
import { SelectEntry, isSelectEntryEdited } from "@bpmn-io/properties-panel";
import { useService } from "bpmn-js-properties-panel";
import { getBusinessObject, is } from "bpmn-js/lib/util/ModelUtil";

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

function entries(choices, element) {
  const list = [];
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
        groups.splice(1, 0, { id: "baton", label: translate("Baton: who, form, connector"), entries: list });
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
