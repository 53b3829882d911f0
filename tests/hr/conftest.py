"""The demo company with HR's rights and files, and the HR processes deployed from bpmn/."""

import io

import pytest

from hr.seed import seed_demo as seed_hr
from tests.processes_business.conftest import demo, deploy  # noqa: F401 (fixtures)

HR_PROCESSES = ["hr_onboarding", "hr_probation", "hr_transfer", "hr_salary", "hr_departure"]


@pytest.fixture
def hr_world(demo, deploy):  # noqa: F811
    seed_hr(io.StringIO())
    for key in HR_PROCESSES:
        deploy(key)
    return demo
