"""PostgreSQL: never two active bookings of one vehicle whose [starts_at, ends_at) ranges overlap.

An exclusion constraint needs btree_gist for the equality on vehicle_id. SQLite has no such
constraint; there the booking service checks under a lock (office.services.vehicle_assign)."""

from django.db import migrations

CREATE = """
CREATE EXTENSION IF NOT EXISTS btree_gist;
ALTER TABLE office_vehiclebooking ADD CONSTRAINT office_booking_no_overlap
    EXCLUDE USING gist (vehicle_id WITH =, tstzrange(starts_at, ends_at, '[)') WITH &&)
    WHERE (NOT cancelled);
"""
DROP = "ALTER TABLE office_vehiclebooking DROP CONSTRAINT IF EXISTS office_booking_no_overlap;"


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("office", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards)]
