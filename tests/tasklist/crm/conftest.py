"""The CRM test organisation (two sales teams, a manager, an outsider) for the staff CRM screens."""

from tests.crm.conftest import org  # noqa: F401  (re-exported fixture)
from tests.processes_business.conftest import demo, deploy  # noqa: F401  (the seeded company, shipped BPMN)
