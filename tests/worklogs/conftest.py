"""The CRM test organisation (tests/crm/conftest.py `org`) filing reports: wang heads Sales A
(zhang, liu, no_perms in it), yang is in Sales B."""

from tests.crm.conftest import org  # noqa: F401  (the shared fixture)
