"""Server settings, shared by the CLI, the app and the tests."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from pathlib import Path

LOOPBACK_NAMES = ("localhost",)


def is_loopback(host: str) -> bool:
    """Whether binding to ``host`` keeps the server reachable from this machine only."""
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True)
class Settings:
    host: str = "127.0.0.1"
    port: int = 8000
    model_dir: Path | None = None
    token: str | None = None
    #: Largest batch upload; bigger files are refused with 413 (the CLI's ``batch`` has no limit).
    upload_limit_bytes: int = 20 << 20
    #: Largest request body other than an upload (JSON, forms).
    max_body_bytes: int = 1 << 20
    #: Most messages in one classify request or paste.
    max_texts: int = 100
    #: Requests served at once; more get 503 at once instead of queueing without bound.
    max_concurrent: int = 8
    #: Uploaded files and batch results are deleted this many seconds after the job ends.
    upload_ttl_seconds: int = 3600
    #: Where uploads and results live while kept (a private temporary folder by default).
    work_dir: Path | None = None
    #: The labelled JSONL the 复核 page appends corrections to.
    review_file: Path = field(default_factory=lambda: Path.cwd() / "fraudwarn-review" / "reviewed.jsonl")

    @property
    def loopback(self) -> bool:
        return is_loopback(self.host)
