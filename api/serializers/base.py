"""Shared serializer bases."""

from __future__ import annotations

from django.core.exceptions import ImproperlyConfigured
from rest_framework import serializers


class _NoContext(dict):
    """The context of an output serializer's shared fields: reading it is a programming error."""

    def _refuse(self, *_args, **_kwargs):
        raise ImproperlyConfigured(
            "An OutputModelSerializer (its fields, methods or nested serializers) read the serializer "
            "context; its fields are shared by every request. Use a plain ModelSerializer instead."
        )

    __getitem__ = get = __contains__ = _refuse


class OutputModelSerializer(serializers.ModelSerializer):
    """A read-only ModelSerializer whose fields are built and bound once per class.

    DRF builds a ModelSerializer's fields from the model's metadata on every instantiation and
    copies them for each serializer object: a large share of the CPU of a small JSON answer (a
    task, an instance), more with nested serializers. The fields of an output-only serializer depend
    on the class alone, so one shared copy (bound to a prototype of the class) turns every object
    into its representation. Their representation must not depend on the request: reading the
    serializer context from them raises. Schema generation still sees ordinary fields."""

    @classmethod
    def _prototype(cls) -> OutputModelSerializer:
        prototype = cls.__dict__.get("_shared_prototype")
        if prototype is None:
            prototype = cls(context=_NoContext())
            prototype._shared_fields = list(prototype._readable_fields)  # built and bound here
            cls._shared_prototype = prototype
        return prototype

    def to_representation(self, instance):
        prototype = type(self)._prototype()
        return super(OutputModelSerializer, prototype).to_representation(instance)

    @property
    def _readable_fields(self):
        shared = self.__dict__.get("_shared_fields")
        return shared if shared is not None else super()._readable_fields
