"""The RQ job class for Django's Tasks API on Redis (``CRAMPS_TASKS_BACKEND=rq``).

``manage.py rqworker`` runs jobs in its own process (``SimpleWorker``, as ``db_worker`` does),
so the warm handout renderer is reused from one render to the next. A long-lived process must
then look after its database connections itself, as ``db_worker`` does: one that has outlived
``DJANGO_CONN_MAX_AGE`` or broken (a database restart) is closed before and after each job,
and the next query opens a fresh one.
"""

from django.db import close_old_connections
from django_tasks_rq import Job as TaskJob


class Job(TaskJob):
    def perform(self):
        close_old_connections()
        try:
            return super().perform()
        finally:
            close_old_connections()
