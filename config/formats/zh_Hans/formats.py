"""zh-Hans formats: Django's, with amounts grouped by thousands (¥13,000,000.00), as Chinese business
documents and banks write them, rather than Django's default of no separator."""

from django.conf.locale.zh_Hans.formats import *  # noqa: F403

THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
