// The process designer's modeler: bpmn-js with the properties panel (Camunda 7 attributes, which
// the engine reads) and Baton's own group of pickers. Bundled by scripts/vendor_static.sh into
// static/vendor/baton-modeler/ as one file exposing window.BatonModeler.
import BpmnModeler from "bpmn-js/lib/Modeler";
import {
  BpmnPropertiesPanelModule,
  BpmnPropertiesProviderModule,
  CamundaPlatformPropertiesProviderModule,
} from "bpmn-js-properties-panel";
import CamundaBehaviorsModule from "camunda-bpmn-js-behaviors/lib/camunda-platform";
import camundaModdle from "camunda-bpmn-moddle/resources/camunda.json";
import BatonPropertiesModule from "./baton-provider.js";

// The panel's words in the page's language: the page passes English text → translation.
function translateModule(labels) {
  function translate(template, replacements) {
    const values = replacements || {};
    return (labels[template] || template).replace(/{([^}]+)}/g, (_, key) =>
      key in values ? values[key] : `{${key}}`,
    );
  }
  return { translate: ["value", translate] };
}

window.BatonModeler = function BatonModeler(options) {
  return new BpmnModeler({
    container: options.container,
    propertiesPanel: { parent: options.panel },
    batonProperties: { choices: options.choices || {} },
    additionalModules: [
      BpmnPropertiesPanelModule,
      BpmnPropertiesProviderModule,
      CamundaPlatformPropertiesProviderModule,
      CamundaBehaviorsModule,
      BatonPropertiesModule,
      translateModule(options.labels || {}),
    ],
    moddleExtensions: { camunda: camundaModdle },
  });
};
