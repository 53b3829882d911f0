"""Wiring of the CRM side of the shipped processes (bpmn/): registers the connectors and form
checks of crm/connectors.py and bridges CRM business events to process start bindings."""
