"""The API's JSON parser: DRF's, with the limits every outside input gets.

DRF parses a body with Python's recursive decoder, so 5,000 nested brackets end in a
RecursionError. Here the body is decoded with `core.jsonlimits` (depth, number range), so a
hostile body is a 400 naming the top-level field it is in, never a 500. (Its size is bounded
before: `core.middleware` reads JSON bodies within DATA_UPLOAD_MAX_MEMORY_SIZE.)
"""

from __future__ import annotations

import json

from django.utils.translation import gettext as _
from rest_framework import exceptions, parsers

from core.jsonlimits import BoundedJSONDecoder, JSONLimitError


class BoundedJSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        encoding = parsers.get_encoding(parser_context or {})
        try:
            text = stream.read().decode(encoding) if stream is not None else ""
            return json.loads(text, cls=BoundedJSONDecoder)
        except JSONLimitError as error:
            raise exceptions.ValidationError({error.key or "non_field_errors": [error.message]}) from None
        except ValueError as error:
            raise exceptions.ParseError(_("JSON parse error - %(error)s") % {"error": error}) from None
