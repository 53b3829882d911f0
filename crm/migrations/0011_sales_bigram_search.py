"""Two-character searches (东方, 余涛) on PostgreSQL: trigram indexes cannot answer a pattern
shorter than three characters, so such a search read every customer. `crm_bigrams(text)` lists a
text's two-character pieces; GIN indexes over it answer `crm_bigrams(…) @> '{东方}'`
(crm.selectors.search). SQLite needs nothing."""

from django.db import migrations

BIGRAM_FUNCTION = """
CREATE OR REPLACE FUNCTION crm_bigrams(value text) RETURNS text[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$ SELECT coalesce(array_agg(DISTINCT substr(value, i, 2)), '{}'::text[])
      FROM generate_series(1, length(value) - 1) AS i $$
"""

BIGRAM_INDEXES = (
    ("crm_cust_name_bigram", "crm_customer", "search_name"),
    ("crm_cust_short_bigram", "crm_customer", "UPPER(short_name)"),
    ("crm_cust_code_bigram", "crm_customer", "UPPER(code)"),
    ("crm_contact_name_bigram", "crm_contact", "UPPER(name)"),
)


def create_bigram_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(BIGRAM_FUNCTION)
    for name, table, expression in BIGRAM_INDEXES:
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON {table} USING gin (crm_bigrams({expression}))"
        )


def drop_bigram_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _table, _expression in BIGRAM_INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")
    schema_editor.execute("DROP FUNCTION IF EXISTS crm_bigrams(text)")


class Migration(migrations.Migration):
    dependencies = [
        ("crm", "0010_merge_20261207_1227"),
    ]

    operations = [
        migrations.RunPython(create_bigram_indexes, drop_bigram_indexes, elidable=False),
    ]
