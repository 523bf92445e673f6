"""Reference imports from uploads: read with limits, previewed, then imported now or in the background.

An upload is read by ``upload_read`` (``CRAMPS_IMPORT_MAX_ROWS`` records at most, read within
``CRAMPS_IMPORT_PARSE_SECONDS`` in a child process) and kept in a ``ReferenceImport`` row
while the editor looks at the preview. On confirm, a file of up to
``CRAMPS_IMPORT_BACKGROUND_ROWS`` records is imported in the request; a larger one is handed
to a background task (``reference_import_task``, Django's Tasks API, run by ``manage.py
db_worker`` or ``manage.py rqworker``), and the admin shows its progress. Either way
``import_job_run`` does the work, and the import is all or nothing.
"""

import datetime
import logging

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import DatabaseError
from django.utils import timezone
from django_tasks import task

from .formats import DEFAULT_MAX_RECORDS, ParsedRecords, ParseError
from .formats.limits import DEFAULT_SECONDS, read_file_limited
from .importing import ImportPlan, ImportRefused, references_import
from .models import ReferenceImport

logger = logging.getLogger(__name__)
# Previews never confirmed are forgotten after this long.
PREVIEW_MAX_AGE = datetime.timedelta(days=1)


def upload_read(
    *, name: str, data: bytes, format: str | None = None, encoding: str | None = None
) -> ParsedRecords:
    """The records in an uploaded file, within the site's row and time limits; raises ``ParseError``."""
    return read_file_limited(
        name,
        data,
        format or None,
        encoding=encoding or None,
        max_records=getattr(settings, "CRAMPS_IMPORT_MAX_ROWS", DEFAULT_MAX_RECORDS),
        seconds=getattr(settings, "CRAMPS_IMPORT_PARSE_SECONDS", DEFAULT_SECONDS),
    )


def import_job_create(
    *, name: str, data: bytes, parsed: ParsedRecords, encoding: str, user
) -> ReferenceImport:
    """Keep a previewed upload until the editor confirms it (and forget stale previews)."""
    ReferenceImport.objects.filter(
        status=ReferenceImport.Status.PREVIEWED, created__lt=timezone.now() - PREVIEW_MAX_AGE
    ).delete()
    return ReferenceImport.objects.create(
        file_name=name[:255],
        format=parsed.format,
        encoding=encoding or "",
        data=data,
        records_total=len(parsed),
        created_by=user,
    )


def runs_in_background(job: ReferenceImport) -> bool:
    return job.records_total > getattr(settings, "CRAMPS_IMPORT_BACKGROUND_ROWS", 300)


def import_job_confirm(*, job: ReferenceImport) -> bool:
    """Start a previewed import: now, or queued for the task worker when it is large. Returns
    False when the job was already started (a second click on "Confirm")."""
    background = runs_in_background(job)
    status = ReferenceImport.Status.QUEUED if background else ReferenceImport.Status.RUNNING
    claimed = ReferenceImport.objects.filter(pk=job.pk, status=ReferenceImport.Status.PREVIEWED).update(
        status=status, stage="Waiting for the task worker" if background else ""
    )
    if not claimed:
        return False
    if background:
        try:
            reference_import_task.enqueue(job.pk)
        except Exception:
            # The task queue refused it (Redis down, with the rq backend): not left waiting.
            logger.exception("Could not queue reference import %s", job.pk)
            _failed(job, "The task queue is not available just now; nothing was imported. "
                         "Upload the file again in a minute.")  # fmt: skip
    else:
        import_job_run(import_id=job.pk)
    return True


@task()
def reference_import_task(import_id: int) -> None:
    """The background task: ``import_job_run`` for a queued import."""
    import_job_run(import_id=import_id)


def import_job_run(*, import_id: int) -> ReferenceImport:
    """Read the job's file and import it as the user who uploaded it, recording progress and the
    outcome on the job; the outcome is written in the import's own transaction."""
    job = ReferenceImport.objects.get(pk=import_id)
    if job.is_finished:
        return job
    ReferenceImport.objects.filter(pk=job.pk).update(
        status=ReferenceImport.Status.RUNNING, stage="Reading the file", started=timezone.now()
    )

    def progress(stage: str, done: int, total: int) -> None:
        ReferenceImport.objects.filter(pk=job.pk).update(stage=stage, records_done=done, records_total=total)

    def finish(plan: ImportPlan) -> None:
        totals = plan.totals
        ReferenceImport.objects.filter(pk=job.pk).update(
            status=ReferenceImport.Status.DONE,
            stage="",
            records_done=len(plan.records),
            created_count=totals["new"],
            updated_count=totals["update"],
            unchanged_count=totals["unchanged"],
            left_out_count=totals["duplicate"] + totals["skipped"],
            message=f"Import finished: {plan.summary()}.",
            data=b"",
            finished=timezone.now(),
        )

    try:
        if job.created_by is None:
            raise PermissionDenied(
                "The editor who uploaded this file no longer has an account; nothing was imported."
            )
        parsed = upload_read(
            name=job.file_name, data=bytes(job.data), format=job.format, encoding=job.encoding
        )
        references_import(
            parsed=parsed,
            user=job.created_by,
            progress=progress,
            finish=finish,
            source="Imported from a file in the admin",
        )
    except (ParseError, ImportRefused, PermissionDenied) as error:
        _failed(job, str(error))
    except DatabaseError as error:
        # Another change to the library got in first (a key or DOI taken meanwhile).
        _failed(job, f"The database refused the import ({error}); nothing was imported. Try again.")
    except Exception:
        # A fault in Cramps: the job must not show "Importing" for ever. The transaction has
        # rolled back; the traceback goes to the log (and the task's result).
        logger.exception("Reference import %s failed", job.pk)
        _failed(job, "An error in Cramps stopped the import; nothing was imported. It has been logged.")
        raise
    job.refresh_from_db()
    return job


def _failed(job: ReferenceImport, message: str) -> None:
    ReferenceImport.objects.filter(pk=job.pk).update(
        status=ReferenceImport.Status.FAILED, stage="", message=message, data=b"", finished=timezone.now()
    )
