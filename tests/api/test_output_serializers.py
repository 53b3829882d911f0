"""Output serializers share their fields across objects and requests (api.serializers.base):
the answer must be what DRF's ordinary serializer gives, and reading the request from them fails."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured
from rest_framework import serializers

from api.serializers.base import OutputModelSerializer
from api.serializers.engine import HumanTaskSerializer, ProcessStepSerializer
from engine import selectors as engine_selectors
from engine import services as engine
from engine.models import HumanTask

pytestmark = pytest.mark.django_db


def _ordinary(serializer_class):
    """The same serializer as a plain DRF ModelSerializer (fields built per object)."""
    nested = {
        name: type(field.child if isinstance(field, serializers.ListSerializer) else field)
        for name, field in serializer_class._declared_fields.items()
        if isinstance(field, OutputModelSerializer | serializers.ListSerializer)
    }
    assert all(issubclass(c, OutputModelSerializer) for c in nested.values())
    attrs = {"Meta": serializer_class.Meta}
    for name, field in serializer_class._declared_fields.items():
        if name in nested:
            many = isinstance(field, serializers.ListSerializer)
            attrs[name] = _ordinary(nested[name])(
                many=many, read_only=True, **({} if many else {"allow_null": True})
            )
        elif isinstance(field, serializers.SerializerMethodField):
            attrs[name] = serializers.SerializerMethodField()
            attrs[f"get_{name}"] = getattr(serializer_class, f"get_{name}")
        else:
            attrs[name] = field.__class__(*field._args, **field._kwargs)
    return type(f"Ordinary{serializer_class.__name__}", (serializers.ModelSerializer,), attrs)


def test_the_shared_fields_answer_as_drf_does(demo, review_process):
    instance = engine.start_process("api_review", started_by=demo["sales_manager"], variables={"amount": 5})
    instance.next_tasks = engine_selectors.next_tasks(instance, demo["salesperson"])
    assert instance.next_tasks, "the review is offered to the salesperson"
    fast = ProcessStepSerializer(instance).data
    assert fast == _ordinary(ProcessStepSerializer)(instance).data
    assert fast["next_tasks"][0]["name"] == "Review the request"
    tasks = list(HumanTask.objects.select_related("assignee"))
    assert HumanTaskSerializer(tasks, many=True).data == _ordinary(HumanTaskSerializer)(tasks, many=True).data
    # a second object of the class answers for its own instance, not the first one's
    other = engine.start_process("api_review", started_by=demo["salesperson"], variables={"amount": 7})
    assert ProcessStepSerializer(other).data["variables"]["amount"] == 7


def test_an_output_serializer_that_reads_the_request_fails_loudly(demo, review_process):
    class Leaky(OutputModelSerializer):
        who = serializers.SerializerMethodField()

        class Meta:
            model = HumanTask
            fields = ["id", "who"]

        def get_who(self, obj):
            return self.context["request"].user.pk

    engine.start_process("api_review", started_by=demo["sales_manager"])
    with pytest.raises(ImproperlyConfigured, match="context"):
        _ = Leaky(HumanTask.objects.first(), context={"request": None}).data
