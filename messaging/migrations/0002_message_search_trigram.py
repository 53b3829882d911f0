"""Message search (`messaging.selectors.message_search`) runs `UPPER(body) LIKE UPPER('%…%')`;
on PostgreSQL a trigram GIN index answers it. SQLite scans."""

from django.db import migrations


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(
        "CREATE INDEX IF NOT EXISTS messaging_body_trgm ON messaging_message "
        "USING gin ((UPPER(body)) gin_trgm_ops)"
    )


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("DROP INDEX IF EXISTS messaging_body_trgm")


class Migration(migrations.Migration):
    dependencies = [("messaging", "0001_conversations_and_messages")]

    operations = [migrations.RunPython(create_index, drop_index)]
