"""Web tests: the real app with the shipped model (no mocks), through Starlette's test client."""

from __future__ import annotations

import time
import warnings
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

# Starlette 1.x suggests the httpx2 fork for its test client; httpx works and is what we install.
warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient` is deprecated")

from fastapi.testclient import TestClient  # noqa: E402

from fraudwarn.web.app import create_app  # noqa: E402
from fraudwarn.web.settings import Settings  # noqa: E402

BASE = "http://127.0.0.1:8000"
FRAUD = "您好，我是京东客服，您误开通了百万保障服务，每月将扣费800元，取消请下载腾讯会议共享屏幕"
UNSURE = "刷单兼职日结，先垫付后返佣"  # the shipped model marks it for review
NORMAL = "妈我到家了，晚饭不用等我"


def make_client(tmp_path: Path, **overrides: Any) -> TestClient:
    settings = replace(Settings(work_dir=tmp_path / "work", review_file=tmp_path / "review" / "reviewed.jsonl"),
                       **overrides)
    return TestClient(create_app(settings), base_url=BASE)


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    with make_client(tmp_path_factory.mktemp("web")) as c:
        yield c


def wait_for_job(client: TestClient, jid: str, headers: dict[str, str] | None = None) -> dict[str, Any]:
    """Poll until the job ends (a wait, not a timing assertion)."""
    for _ in range(1200):
        job = client.get(f"/api/v1/jobs/{jid}", headers=headers).json()
        if job["status"] in ("done", "failed"):
            return job
        time.sleep(0.05)
    raise AssertionError(f"job {jid} did not finish: {job}")
