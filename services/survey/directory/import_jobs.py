"""A register import from the admin page in two steps: the upload is checked (a dry run whose
report lists every bad row) and kept; importing it then runs in the background while the page
shows its progress.

The upload is insert-only. A job is claimed by a unique insert on its upload (a second click
imports nothing twice) and then changed only by the one thread that runs it (its single
writer). Re-importing a file changes nothing, so a job cut short by a restart is simply
uploaded and run again.
"""
from __future__ import annotations

import logging
import secrets
import threading
import time
import zlib
from collections.abc import Callable
from datetime import datetime
from typing import Any

from mongoengine import BinaryField, DateTimeField, DictField, Document, IntField, StringField
from mongoengine.errors import NotUniqueError

from shared.platform.clock import Clock

from services.survey.directory import register_import

log = logging.getLogger(__name__)
MAX_STORED = 15 * 1024 * 1024   # compressed; a document holds at most 16 MB
STALE_SECONDS = 300              # a running job without progress for this long was cut short


class RegisterUpload(Document):
    meta = {"collection": "register_uploads", "indexes": [{"fields": ["uid"], "unique": True}]}
    uid = StringField(required=True)
    kind = StringField(required=True, choices=register_import.KINDS)
    fmt = StringField(required=True, choices=register_import.FORMATS)
    filename = StringField(max_length=200)
    data = BinaryField(required=True)
    rows = IntField(required=True)
    by = StringField(required=True)
    at = DateTimeField(required=True)
    preview = DictField()


class RegisterImportJob(Document):
    meta = {"collection": "register_import_jobs", "indexes": [{"fields": ["upload"], "unique": True}]}
    upload = StringField(required=True)
    status = StringField(required=True, choices=("running", "done", "failed"))
    done = IntField(default=0)
    total = IntField(default=0)
    started = DateTimeField(required=True)
    updated = DateTimeField(required=True)
    report = DictField()
    error = StringField()


class TooLarge(ValueError):
    pass


def check(raw: bytes, fmt: str, kind: str, filename: str, *, by: str, clock: Clock) -> RegisterUpload:
    """Read and dry-run an upload; keep it for the import. Raises RegisterError when the file
    cannot be read at all."""
    rows = register_import.read(raw, fmt)
    if not rows:
        raise register_import.RegisterError("tidak ada baris data / no data rows")
    report = register_import.import_rows(kind, rows, clock=clock, by=by, dry_run=True)
    data = zlib.compress(raw, 6)
    if len(data) > MAX_STORED:
        raise TooLarge()
    upload = RegisterUpload(uid=secrets.token_urlsafe(12), kind=kind, fmt=fmt, filename=filename[:200] or None,
                            data=data, rows=len(rows), by=by, at=clock.now(), preview=report.to_dict())
    upload.save(force_insert=True)
    return upload


def start(upload: RegisterUpload, *, by: str, clock: Clock,
          run: Callable[[Callable[[], None]], None] | None = None) -> RegisterImportJob:
    """Claim the upload's job and run it (in a thread unless ``run`` is given); a job already
    claimed is returned as it is."""
    now = clock.now()
    job = RegisterImportJob(upload=upload.uid, status="running", total=upload.rows, started=now, updated=now)
    try:
        job.save(force_insert=True)
    except NotUniqueError:
        existing = RegisterImportJob.objects(upload=upload.uid).first()
        assert existing is not None
        return existing
    work = lambda: _run(job, upload, by=by, clock=clock)  # noqa: E731
    if run is not None:
        run(work)
    else:
        threading.Thread(target=work, name=f"register-import-{upload.uid}", daemon=True).start()
    return job


def _run(job: RegisterImportJob, upload: RegisterUpload, *, by: str, clock: Clock) -> None:
    last = [0.0]

    def progress(done: int, total: int) -> None:
        if time.monotonic() - last[0] >= 0.5 or done == total:
            last[0] = time.monotonic()
            job.update(set__done=done, set__total=total, set__updated=clock.now())

    try:
        rows = register_import.read(zlib.decompress(upload.data), upload.fmt)
        report = register_import.import_rows(upload.kind, rows, clock=clock, by=by, dry_run=False, progress=progress)
        job.update(set__status="done", set__done=report.rows, set__total=report.rows, set__report=report.to_dict(),
                   set__updated=clock.now())
    except Exception as exc:   # the page says it failed; the log has the rest
        log.exception("register import %s failed", upload.uid)
        job.update(set__status="failed", set__error=type(exc).__name__, set__updated=clock.now())


def state(job: RegisterImportJob, now: datetime) -> dict[str, Any]:
    """What the page shows: status (running, done, failed or stalled), progress in percent."""
    updated = job.updated if job.updated.tzinfo else job.updated.replace(tzinfo=now.tzinfo)
    status = job.status
    if status == "running" and (now - updated).total_seconds() > STALE_SECONDS:
        status = "stalled"
    percent = 100 if status == "done" else (job.done * 100 // job.total if job.total else 0)
    return {"status": status, "done": job.done, "total": job.total, "percent": percent, "report": job.report or None,
            "error": job.error}
