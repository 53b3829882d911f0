"""The office admin pages open for an administrator (list and add form of every model)."""

import pytest
from django.urls import reverse

from office.models import (
    LeaveBalance,
    LeaveRequest,
    LeaveType,
    Notice,
    Vehicle,
    VehicleBooking,
    VehicleRequest,
)

MODELS = [LeaveType, LeaveBalance, LeaveRequest, Vehicle, VehicleRequest, VehicleBooking, Notice]


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_admin_pages_open(admin_client, model):
    name = f"admin:office_{model._meta.model_name}"
    assert admin_client.get(reverse(f"{name}_changelist")).status_code == 200
    assert admin_client.get(reverse(f"{name}_add")).status_code == 200
