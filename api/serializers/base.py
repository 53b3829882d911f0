"""Shared serializer bases."""

from __future__ import annotations

import copy

from rest_framework import serializers


class OutputModelSerializer(serializers.ModelSerializer):
    """A read-only ModelSerializer whose fields are built from the model once per class.

    DRF builds a ModelSerializer's fields from the model's metadata on every instantiation, a
    large share of the CPU of a small JSON answer (a task, an instance). Fields of an output-only
    serializer depend on the class alone, so they are built once and each instance gets fresh
    copies (as DRF does with declared fields). Not for serializers whose fields depend on the
    request or the instance."""

    def get_fields(self):
        cls = type(self)
        built = cls.__dict__.get("_built_fields")
        if built is None:
            built = super().get_fields()
            cls._built_fields = built
        return copy.deepcopy(built)
