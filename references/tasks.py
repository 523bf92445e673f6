"""Background tasks (Django's Tasks API): large reference imports.

Run by ``python manage.py db_worker`` with the database backend; tests use the immediate one.
"""

from django_tasks import task

from .jobs import import_job_run


@task()
def reference_import_task(import_id: int) -> None:
    """Import the previewed upload ``ReferenceImport`` ``import_id`` (see ``jobs.import_job_run``)."""
    import_job_run(import_id=import_id)
