"""Batch jobs for the workbench: one upload, one :func:`fraudwarn.batch.run.run_batch` call.

Jobs run one at a time in a background thread (scoring is CPU-bound and the model is
shared), with the same readers, checks and output rows as ``fraudwarn batch``. Uploads
and results stay in a private folder on this machine and are deleted ``ttl`` seconds
after the job ends (or when the server stops).
"""

from __future__ import annotations

import json
import shutil
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fraudwarn.errors import FraudwarnError, InputError

if TYPE_CHECKING:
    from fraudwarn.model.classifier import FraudModel

#: Suffixes an upload may keep (the readers pick the format from it); anything else is read as TXT.
KNOWN_SUFFIXES = (".txt", ".csv", ".tsv", ".jsonl", ".json", ".ndjson")
#: Fields of the summary that name server-side paths; they are not shown to the client.
_PRIVATE = ("input", "output")


def upload_suffix(filename: str) -> str:
    """The suffix the saved upload gets: a known format (optionally .gz), never the client's path."""
    name = filename.lower().strip()
    gz = name.endswith(".gz")
    base = name.removesuffix(".gz")
    suffix = next((s for s in KNOWN_SUFFIXES if base.endswith(s)), ".txt")
    return suffix + (".gz" if gz else "")


@dataclass
class Job:
    id: str
    filename: str
    directory: Path
    input_path: Path
    text_column: str | None = None
    keep_text: bool = True
    status: str = "queued"  # queued, running, done, failed
    rows_done: int = 0
    bytes_read: int = 0
    total_bytes: int | None = None
    summary: dict[str, Any] | None = None
    error: str | None = None
    created: float = field(default_factory=time.time)
    finished: float | None = None
    _review: list[dict[str, Any]] | None = None

    @property
    def scored(self) -> Path:
        """All rows with their text (for 复核), whatever the download options."""
        return self.directory / "scored.jsonl"

    def result_path(self, fmt: str) -> Path:
        return self.directory / f"result.{fmt}"

    @property
    def fraction(self) -> float | None:
        if self.status == "done":
            return 1.0
        if not self.total_bytes:
            return None
        return min(1.0, self.bytes_read / self.total_bytes)

    def public(self) -> dict[str, Any]:
        """What the API and the page show about the job."""
        return {
            "id": self.id,
            "filename": self.filename,
            "status": self.status,
            "rows_done": self.rows_done,
            "progress": None if self.fraction is None else round(self.fraction, 4),
            "error": self.error,
            "summary": self.summary,
            "review_rows": len(self.review_rows()) if self.status == "done" else None,
        }

    def rows(self) -> Iterator[dict[str, Any]]:
        with open(self.scored, encoding="utf-8") as f:
            for line in f:
                yield json.loads(line)

    def review_rows(self) -> list[dict[str, Any]]:
        """Rows the model marked ``review`` (uncertain), in input order."""
        if self._review is None:
            self._review = [r for r in self.rows() if r.get("status") == "ok" and r.get("review")]
        return self._review


class JobManager:
    """Owns the work folder, the job table, the scoring thread and the deletion of old files."""

    def __init__(self, *, model_dir: Path | None, ttl_seconds: int, work_dir: Path | None = None,
                 model: FraudModel | None = None) -> None:
        self.model_dir = model_dir
        self.model = model  # the server's loaded model: jobs do not load it again
        self.ttl = ttl_seconds
        self._own_dir = work_dir is None
        self.root = Path(tempfile.mkdtemp(prefix="fraudwarn-web-")) if work_dir is None else Path(work_dir)
        self.root.mkdir(parents=True, exist_ok=True)
        self.root.chmod(0o700)
        self.jobs: dict[str, Job] = {}
        self._lock = threading.Lock()
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="fraudwarn-batch")
        self._stop = threading.Event()
        self._sweeper = threading.Thread(target=self._sweep_loop, name="fraudwarn-sweeper", daemon=True)
        self._sweeper.start()

    def new_job(self, filename: str, *, text_column: str | None, keep_text: bool) -> Job:
        """A job with its own folder; the caller writes the upload to ``job.input_path`` and calls start."""
        from fraudwarn.batch.run import check_input_path

        check_input_path(filename)  # Excel, Word, PDF, archives: refused before any byte is stored
        jid = uuid.uuid4().hex[:16]
        d = self.root / jid
        d.mkdir(mode=0o700)
        job = Job(jid, filename[-200:], d, d / ("input" + upload_suffix(filename)),
                  text_column=text_column or None, keep_text=keep_text)
        with self._lock:
            self.jobs[jid] = job
        return job

    def discard(self, job: Job) -> None:
        with self._lock:
            self.jobs.pop(job.id, None)
        shutil.rmtree(job.directory, ignore_errors=True)

    def start(self, job: Job) -> None:
        self._pool.submit(self._run, job)

    def get(self, jid: str) -> Job | None:
        with self._lock:
            return self.jobs.get(jid)

    def list(self) -> list[Job]:
        with self._lock:
            return sorted(self.jobs.values(), key=lambda j: -j.created)

    def _run(self, job: Job) -> None:
        from fraudwarn.batch.run import BatchOptions, run_batch

        job.status = "running"

        def progress(rows: int, read: int, total: int | None) -> None:
            job.rows_done, job.bytes_read, job.total_bytes = rows, read, total

        try:
            summary = run_batch(
                str(job.input_path), str(job.scored),
                options=BatchOptions(output_format="jsonl", keep_text=True, chunk_size=200),
                text_column=job.text_column, jobs=1, model_dir=self.model_dir, model=self.model, progress=progress,
            )
            self._write_results(job)
            job.summary = {k: v for k, v in summary.items() if k not in _PRIVATE} | {"input": job.filename}
            job.rows_done = summary["rows_out"]
            job.status = "done"
        except FraudwarnError as e:
            job.error, job.status = e.message, "failed"
        except Exception as e:  # a failed job must not take the server down; the page says what happened
            job.error, job.status = f"内部错误：{type(e).__name__}: {e}", "failed"
        finally:
            job.finished = time.time()
            job.input_path.unlink(missing_ok=True)  # the upload is not needed once scored

    def _write_results(self, job: Job) -> None:
        """The downloads, serialised by the batch module: CSV and JSONL, with or without the text."""
        from fraudwarn.batch.run import BatchOptions, csv_header, serialise

        csv_opts = BatchOptions(output_format="csv", keep_text=job.keep_text)
        jsonl_opts = BatchOptions(output_format="jsonl", keep_text=job.keep_text)
        with open(job.result_path("csv"), "wb") as c, open(job.result_path("jsonl"), "wb") as j:
            c.write(csv_header(csv_opts))
            chunk: list[dict[str, Any]] = []
            for row in job.rows():
                if not job.keep_text:
                    row.pop("text", None)
                chunk.append(row)
                if len(chunk) >= 1000:
                    c.write(serialise(chunk, csv_opts))
                    j.write(serialise(chunk, jsonl_opts))
                    chunk = []
            c.write(serialise(chunk, csv_opts))
            j.write(serialise(chunk, jsonl_opts))

    def sweep(self, now: float | None = None) -> int:
        """Delete jobs that ended more than ``ttl`` seconds ago; returns how many."""
        now = time.time() if now is None else now
        with self._lock:
            old = [j for j in self.jobs.values() if j.finished is not None and now - j.finished >= self.ttl]
            for j in old:
                self.jobs.pop(j.id)
        for j in old:
            shutil.rmtree(j.directory, ignore_errors=True)
        return len(old)

    def _sweep_loop(self) -> None:
        while not self._stop.wait(max(1.0, min(60.0, self.ttl / 2))):
            self.sweep()

    def close(self) -> None:
        """Stop the threads and delete every upload and result (the server is going away)."""
        self._stop.set()
        self._pool.shutdown(wait=True, cancel_futures=True)
        with self._lock:
            jobs = list(self.jobs.values())
            self.jobs.clear()
        for j in jobs:
            shutil.rmtree(j.directory, ignore_errors=True)
        if self._own_dir:
            shutil.rmtree(self.root, ignore_errors=True)


class UploadTooLarge(InputError):
    """An upload over the server's limit (answered with 413)."""


def too_large(limit: int) -> UploadTooLarge:
    return UploadTooLarge(f"上传的文件超过 {limit / (1 << 20):.0f} MB 的限制（可用 fraudwarn serve --upload-limit 调整，"
                      "或直接用 fraudwarn batch 处理大文件）。")
