"""Celery tasks: thin wrappers around services."""

from celery import shared_task


@shared_task(name="crm.pool_recycle")
def pool_recycle_task() -> dict:
    from .services.pools import pool_recycle, pool_recycle_warnings

    return {"warned": pool_recycle_warnings(), "recycled": pool_recycle()}


@shared_task(name="crm.run_import")
def run_import_task(job_id: int) -> None:
    from .services.imports import import_run

    import_run(job_id=job_id)
