"""The 复核 page's output: reviewed batch rows as corpus records.

The file is in the corpus JSONL format (``id, text, label, role, channel, group, origin``
and the optional fields) that ``fraudwarn train --data DIR`` and ``fraudwarn evaluate FILE``
read, written here without importing training code (scoring never loads it).
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
import time
from pathlib import Path
from typing import Any

from fraudwarn.categories import NORMAL_ID, get_category, get_role
from fraudwarn.errors import InputError

#: The corpus channels (``fraudwarn.training.corpus.CHANNELS``; a test keeps the two equal).
CHANNELS = ("sms", "chat", "call", "narrative", "post", "notice")
CHANNEL_NAMES = {"sms": "短信", "chat": "聊天", "call": "通话", "narrative": "叙述", "post": "帖子", "notice": "通知"}
DECISIONS = ("confirm", "correct")

_lock = threading.Lock()


def record_id(text: str) -> str:
    """Stable id from the text: reviewing the same message again replaces the earlier decision."""
    return "review-" + hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def make_record(text: str, label: str, role: str | None, channel: str, *, decision: str,
                model_label: str | None, model_role: str | None, job: str | None) -> dict[str, Any]:
    """A corpus record for one reviewed message; raises InputError for an inconsistent label."""
    if not text.strip():
        raise InputError("复核的消息为空。")
    cat = get_category(label)
    if cat.id == NORMAL_ID:
        role_name = ""
    elif not role:
        raise InputError("诈骗类型必须同时选择信息性质（诈骗信息、案情描述或防范提示）。")
    else:
        role_name = get_role(role).name
    if channel not in CHANNELS:
        raise InputError(f"渠道“{channel}”不在 {'、'.join(CHANNELS)} 之中。")
    if decision not in DECISIONS:
        raise InputError("复核结论只能是确认（confirm）或更正（correct）。")
    rid = record_id(text)
    rec: dict[str, Any] = {
        "id": rid, "text": text, "label": cat.name, "role": role_name, "channel": channel, "group": rid,
        "origin": "handwritten", "sub": "", "writer": "review",
        "decision": decision, "model_label": model_label, "model_role": model_role, "job": job,
        "reviewed_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    if cat.id == NORMAL_ID:
        rec["hard_negative"] = False
    return rec


def read_records(path: Path) -> list[dict[str, Any]]:
    if not path.is_file():
        return []
    return [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]


def save_record(path: Path, record: dict[str, Any]) -> int:
    """Insert or replace (by id) and rewrite the file atomically; returns the number of records."""
    with _lock:
        records = {r["id"]: r for r in read_records(path)}
        records[record["id"]] = record
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records.values()), "utf-8")
        os.replace(tmp, path)
        return len(records)


def reviewed_ids(path: Path) -> dict[str, dict[str, Any]]:
    return {r["id"]: r for r in read_records(path)}
