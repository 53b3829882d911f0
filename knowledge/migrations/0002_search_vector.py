"""PostgreSQL: the articles' search tokens as a weighted tsvector (title and tags A, text C), and the
title and tags alone as a second, small one (title matches are ranked first without reading the
texts), kept by the database itself (generated columns), each with a GIN index; knowledge.search
queries them. SQLite needs nothing (it matches the token columns with LIKE)."""

from django.db import migrations

ADD = """
ALTER TABLE knowledge_article ADD COLUMN IF NOT EXISTS search_vector tsvector
GENERATED ALWAYS AS (
    setweight(to_tsvector('english'::regconfig, coalesce(search_title, '')), 'A')
    || setweight(to_tsvector('english'::regconfig, coalesce(search_body, '')), 'C')
) STORED
"""
ADD_TITLE = """
ALTER TABLE knowledge_article ADD COLUMN IF NOT EXISTS title_vector tsvector
GENERATED ALWAYS AS (to_tsvector('english'::regconfig, coalesce(search_title, ''))) STORED
"""
INDEXES = (
    "CREATE INDEX IF NOT EXISTS knowledge_article_search ON knowledge_article USING gin (search_vector)",
    "CREATE INDEX IF NOT EXISTS knowledge_article_title ON knowledge_article USING gin (title_vector)",
)


def add_search_vector(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(ADD)
    schema_editor.execute(ADD_TITLE)
    for index in INDEXES:
        schema_editor.execute(index)


def drop_search_vector(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("DROP INDEX IF EXISTS knowledge_article_title")
    schema_editor.execute("DROP INDEX IF EXISTS knowledge_article_search")
    schema_editor.execute("ALTER TABLE knowledge_article DROP COLUMN IF EXISTS title_vector")
    schema_editor.execute("ALTER TABLE knowledge_article DROP COLUMN IF EXISTS search_vector")


class Migration(migrations.Migration):
    dependencies = [
        ("knowledge", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(add_search_vector, drop_search_vector, elidable=False),
    ]
