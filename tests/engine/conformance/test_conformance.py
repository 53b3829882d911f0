"""SpiffWorkflow's own BPMN/DMN test models run through Baton's engine services, the instance
saved to and loaded from the database between every step (see cases.py and data/README.md)."""

import pytest

from .cases import CASES
from .driver import play


def _param(case):
    marks = [pytest.mark.xfail(strict=True, reason=case.xfail)] if case.xfail else []
    return pytest.param(case, id=case.id, marks=marks)


@pytest.mark.django_db
@pytest.mark.parametrize("case", [_param(case) for case in CASES])
def test_model_runs_through_our_services(case):
    # given the model deployed, when its steps are played through the services,
    # then the outcome is what SpiffWorkflow's own test asserts (see case.origin)
    play(case)


def test_case_ids_are_unique():
    ids = [case.id for case in CASES]
    assert len(ids) == len(set(ids))
