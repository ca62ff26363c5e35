"""Batch scoring of message dumps: streaming, parallel, resumable, nothing lost.

Records are read in chunks; each chunk is scored (in worker processes when ``jobs > 1``),
written in input order to ``OUTPUT.part`` and fsynced, and only then is the resume
state (``OUTPUT.part.json``) advanced. A run killed at any point therefore resumes
from its last completed chunk, and the finished file is renamed into place, so a
reader never sees a half-written output under its final name.
"""

from __future__ import annotations

import functools
import gc
import io
import json
import multiprocessing as mp
import os
import re
import signal
import sys
import threading
import time
from collections import Counter, OrderedDict, defaultdict, deque
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fraudwarn.batch.writers import FIELDS as CSV_FIELDS
from fraudwarn.batch.writers import format_for_path, get_writer
from fraudwarn.categories import NORMAL_ID, get_category, get_role
from fraudwarn.errors import InputError
from fraudwarn.sources import InputRecord, Source

if TYPE_CHECKING:
    from fraudwarn.model.classifier import FraudModel

__all__ = ["CSV_FIELDS", "BatchOptions", "Summary", "run_batch", "score_records"]

STATE_VERSION = 1
MAX_TEXT_CHARS = 1_000_000

Progress = Callable[[int, int, int | None], None]  # rows done, bytes read, total bytes


@dataclass(frozen=True)
class BatchOptions:
    output_format: str = "jsonl"
    keep_text: bool = False
    mask_pii: bool = False
    chunk_size: int = 2000
    threshold: float | None = None
    rules_file: str | None = None
    rules_sha256: str | None = None  # part of the resume fingerprint: other rules, other output
    carry: tuple[str, ...] = ()  # input columns copied to the output ("sender", "time"), for leads and trends

    def fingerprint(self) -> dict[str, Any]:
        """As stored in the resume state (JSON: tuples become lists)."""
        return json.loads(json.dumps(asdict(self)))


# -- scoring (runs in workers) ---------------------------------------------------------------
_MODEL: Any = None
_CACHE: OrderedDict[str, dict[str, Any]] = OrderedDict()
_CACHE_SIZE = 5_000  # rows are ~1 KB of dicts each: the cache stays a few MB per worker
_CACHE_FOR: tuple[int, BatchOptions] | None = None  # the model and options the cached rows were made with


def _init_worker(model_dir: str | None) -> None:
    global _MODEL
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # the pool stops workers with SIGTERM
    _die_with_parent()
    if _MODEL is None:
        from fraudwarn.predict import load_model

        _MODEL = load_model(model_dir)


def _die_with_parent() -> None:
    """On Linux, a worker gets SIGTERM when the main process dies (kill -9), and goes quietly.

    Otherwise orphaned workers find their pipes broken and print BrokenPipeError tracebacks.
    """
    if not sys.platform.startswith("linux"):
        return
    import ctypes

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, int(signal.SIGTERM), 0, 0, 0)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass
    if os.getppid() == 1:  # the parent died before prctl took effect
        os._exit(0)


def _indicators(found: list[Any], mask: bool) -> list[dict[str, Any]]:
    from fraudwarn.text.indicators import mask_pii

    return [{"kind": i.kind, "value": mask_pii(i.value) if mask else i.value, "count": i.count} for i in found]


_RULES: dict[str, Any] = {}


def _rules(path: str | None) -> Any:
    if path is None:
        return None
    if path not in _RULES:
        from fraudwarn.rules import load_rules

        _RULES[path] = load_rules(path)
    return _RULES[path]


def _apply_rule(
    part: dict[str, Any], rules: Any, text: str, found: list[Any], sender: str | None, v: Any, u: int
) -> dict[str, Any]:
    hit = rules.match(text, found, sender)
    if hit is None:
        return {**part, "rule": None}
    out = {**part, "rule": {"id": hit.id, "action": hit.action, "reason": hit.reason}}
    if hit.action == "fraud":
        normal = _MODEL.category_ids.index("normal")
        cols = [j for j in range(v.category.shape[1]) if j != normal]
        cid = _MODEL.category_ids[max(cols, key=lambda j: v.category[u, j])]
        out.update(category=get_category(cid).name, category_id=cid, role="诈骗信息", role_id="attempt",
                   is_fraud=True, risk="高")
    elif hit.action == "normal":
        out.update(category="正常", category_id="normal", role=None, role_id=None, is_fraud=False, risk="低")
    else:
        out["review"] = True
    return out


def score_records(records: list[InputRecord], options: BatchOptions) -> list[dict[str, Any]]:
    """Output rows for one chunk, in order.

    Repeated texts (bulk messages) are scored once: exact repeats come from a per-process
    cache, and texts that normalise alike (same template, other number) share one model call.
    """
    global _CACHE_FOR
    from fraudwarn.model.classifier import Prepared, prepare
    from fraudwarn.text.indicators import extract_indicators, mask_pii, unique_indicators

    if (id(_MODEL), options) != _CACHE_FOR:  # another model, threshold or masking: other rows
        _CACHE.clear()
        _CACHE_FOR = (id(_MODEL), options)
    cores: list[dict[str, Any] | None] = [None] * len(records)
    status: list[str] = ["ok"] * len(records)
    fresh: list[int] = []
    for i, rec in enumerate(records):
        if rec.error is not None or rec.text is None:
            status[i] = f"error: {rec.error or '没有文本'}"
        elif len(rec.text) > MAX_TEXT_CHARS:
            status[i] = "error: 文本超过 1 MB，不像是一条消息"
        elif not rec.text.strip():
            status[i] = "empty"
        elif rec.text in _CACHE:
            _CACHE.move_to_end(rec.text)
            cores[i] = _CACHE[rec.text]
        else:
            fresh.append(i)
    if fresh:
        prep = prepare([records[i].text or "" for i in fresh])
        # Texts that normalise alike and match the same flags (same template, other number)
        # share one model call.
        todo: dict[tuple[str, tuple[str, ...]], list[int]] = defaultdict(list)
        for k in range(len(fresh)):
            todo[(prep.norm[k], tuple(h.flag.id for h in prep.flags[k]))].append(k)
        firsts = [ks[0] for ks in todo.values()]
        uniq = Prepared([prep.texts[k] for k in firsts], [prep.plain[k] for k in firsts],
                        [prep.norm[k] for k in firsts], [prep.flags[k] for k in firsts])
        v = _MODEL.score_prepared(uniq, threshold=options.threshold)
        cat_ids, role_ids = _MODEL.category_ids, _MODEL.role_ids
        rules = _rules(options.rules_file)
        for u, ks in enumerate(todo.values()):
            cid = cat_ids[int(v.category_index[u])]
            r = int(v.role_index[u])
            model_part = {
                "category": get_category(cid).name,
                "category_id": cid,
                "probability": round(float(v.category[u, int(v.category_index[u])]), 4),
                "fraud_probability": round(float(v.fraud[u]), 4),
                "role": get_role(role_ids[r]).name if r >= 0 else None,
                "role_id": role_ids[r] if r >= 0 else None,
                "is_fraud": bool(v.is_fraud[u]),
                "risk": v.risk[u],
                "review": bool(v.review[u]),
                "rule": None,
            }
            for k in ks:
                i = fresh[k]
                text = records[i].text or ""
                found = unique_indicators(extract_indicators(text))  # once: for rules and for the row
                part = model_part
                if rules is not None:
                    part = _apply_rule(part, rules, text, found, records[i].sender, v, u)
                core = {
                    **part,
                    "red_flags": [
                        {"id": h.flag.id, "name": h.flag.name} for h in prep.flags[k] if h.flag.kind == "red"
                    ],
                    "indicators": _indicators(found, options.mask_pii),
                }
                cores[i] = core
                if rules is None or records[i].sender is None:
                    _CACHE[text] = core
        while len(_CACHE) > _CACHE_SIZE:
            _CACHE.popitem(last=False)
    out = []
    for rec, maybe_core, st in zip(records, cores, status):
        row: dict[str, Any] = {"id": rec.id}
        for key in options.carry:
            row[key] = getattr(rec, key)
        row.update(maybe_core or _EMPTY_CORE)
        row["status"] = st
        if options.keep_text:
            row["text"] = mask_pii(rec.text) if (options.mask_pii and rec.text) else rec.text
        out.append(row)
    return out


_EMPTY_CORE: dict[str, Any] = {
    "category": None,
    "category_id": None,
    "probability": None,
    "fraud_probability": None,
    "role": None,
    "role_id": None,
    "is_fraud": None,
    "risk": None,
    "review": None,
    "rule": None,
    "red_flags": [],
    "indicators": [],
}


def _score_chunk(args: tuple[list[InputRecord], BatchOptions]) -> list[dict[str, Any]]:
    rows = score_records(*args)
    _release_memory()
    return rows


@functools.cache
def _malloc_trim() -> Any:
    """glibc's ``malloc_trim``, or None elsewhere."""
    if not sys.platform.startswith("linux"):
        return None
    import ctypes

    try:
        return ctypes.CDLL("libc.so.6").malloc_trim
    except (OSError, AttributeError):
        return None


def _release_memory() -> None:
    """Give the chunk's freed heap back to the system (about 25 MB per worker with glibc).

    A chunk's arrays and rows are freed when it is done, but glibc keeps the freed heap
    for reuse: without this, each worker holds the high-water mark of every chunk it ever
    scored, and the tree's memory is counted at that mark.
    """
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


# -- writing (formats live in batch/writers.py; these two serve callers that need bytes) --------
def serialise(rows: list[dict[str, Any]], options: BatchOptions) -> bytes:
    """Rows in the options' text format (JSONL, CSV or TSV) as bytes, without a header."""
    buf = io.BytesIO()
    get_writer(options.output_format)(buf, keep_text=options.keep_text, carry=options.carry).write(rows)
    return buf.getvalue()


def csv_header(options: BatchOptions) -> bytes:
    """The header a fresh CSV/TSV output starts with (BOM included)."""
    buf = io.BytesIO()
    get_writer(options.output_format)(buf, keep_text=options.keep_text, carry=options.carry).begin()
    return buf.getvalue()


# -- summary ---------------------------------------------------------------------------------
class Summary:
    """Counts that survive an interruption (they are part of the resume state)."""

    def __init__(self, state: dict[str, Any] | None = None, *, period: str | None = None) -> None:
        s = state or {}
        self.period = s.get("period", period)
        #: period key -> {"rows": ok rows, "types": {fraud type: 诈骗信息 + 案情描述 rows}}
        self.by_period: dict[str, dict[str, Any]] = {
            k: {"rows": int(v["rows"]), "types": Counter(v["types"])} for k, v in s.get("by_period", {}).items()
        }
        self.time_unparsed = int(s.get("time_unparsed", 0))
        self.rows = int(s.get("rows", 0))
        self.status = Counter(s.get("status", {}))
        self.category = Counter(s.get("category", {}))
        self.role = Counter(s.get("role", {}))
        self.category_role: dict[str, Counter[str]] = defaultdict(Counter)
        for k, v in s.get("category_role", {}).items():
            self.category_role[k] = Counter(v)
        self.fraud = int(s.get("fraud", 0))
        self.risk = Counter(s.get("risk", {}))

    def add(self, rows: list[dict[str, Any]]) -> None:
        for r in rows:
            self.rows += 1
            st = r["status"]
            self.status["error" if st.startswith("error") else st] += 1
            if st != "ok":
                continue
            self.category[r["category"]] += 1
            role = r["role"] or "—"
            self.role[role] += 1
            self.category_role[r["category"]][role] += 1
            self.fraud += bool(r["is_fraud"])
            self.risk[r["risk"]] += 1
            if self.period:
                self._add_period(r, role)

    def _add_period(self, r: dict[str, Any], role: str) -> None:
        from fraudwarn.analysis.periods import parse_time, period_key

        t = parse_time(r.get("time"))
        if t is None:
            self.time_unparsed += 1
            return
        bucket = self.by_period.setdefault(period_key(t, self.period or "week"), {"rows": 0, "types": Counter()})
        bucket["rows"] += 1
        if r["category_id"] != NORMAL_ID and role in ("诈骗信息", "案情描述"):
            bucket["types"][r["category"]] += 1

    def state(self) -> dict[str, Any]:
        return {
            "rows": self.rows,
            "status": dict(self.status),
            "category": dict(self.category),
            "role": dict(self.role),
            "category_role": {k: dict(v) for k, v in self.category_role.items()},
            "fraud": self.fraud,
            "risk": dict(self.risk),
            **self.period_state(),
        }

    def period_state(self) -> dict[str, Any]:
        """Counts per day or week (``--time-column``); empty when the run has no times."""
        if not self.period:
            return {}
        return {
            "period": self.period,
            "by_period": {
                k: {"rows": v["rows"], "types": dict(v["types"].most_common())} for k, v in sorted(self.by_period.items())
            },
            "time_unparsed": self.time_unparsed,
        }


# -- the run ---------------------------------------------------------------------------------
_CJK = re.compile(r"[\u3400-\u9fff]")


class _TextStats:
    """Counts decoded texts without any Chinese character: many of them hint at a wrong encoding."""

    def __init__(self) -> None:
        self.texts = 0
        self.no_cjk = 0


def _chunks(source: Source, size: int, skip: int, stats: _TextStats | None = None) -> Iterator[list[InputRecord]]:
    chunk: list[InputRecord] = []
    for rec in source:
        if rec.number <= skip:
            continue
        if stats is not None and rec.text:
            stats.texts += 1
            stats.no_cjk += not _CJK.search(rec.text)
        chunk.append(rec)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _write_json_atomic(path: Path, data: dict[str, Any]) -> None:
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(data, f, ensure_ascii=False)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def output_format_for(path: str, forced: str | None) -> str:
    return forced or format_for_path(path)


def run_batch(
    input_path: str,
    output_path: str,
    *,
    options: BatchOptions | None = None,
    input_format: str | None = None,
    encoding: str | None = None,
    text_column: str | None = None,
    id_column: str | None = None,
    sender_column: str | None = None,
    time_column: str | None = None,
    period: str | None = None,
    jobs: int | None = None,
    resume: bool = False,
    model_dir: str | Path | None = None,
    model: FraudModel | None = None,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Score every record of ``input_path`` into ``output_path``; return the summary.

    ``model`` is a model already loaded from ``model_dir`` (a server scoring many jobs loads it once).
    """
    global _MODEL
    options = options or BatchOptions(output_format=output_format_for(output_path, None))
    jobs = max(1, jobs or os.cpu_count() or 1)
    out = Path(output_path)
    check_input_path(input_path)
    check_output_path(out, input_path)
    part = out.with_name(out.name + ".part")
    state_path = out.with_name(out.name + ".part.json")
    started = time.perf_counter()
    writer_cls = get_writer(options.output_format)
    writer_cls.check_available()
    if resume and not writer_cls.resumable:
        raise InputError(f"{writer_cls.name.capitalize()} 输出不支持 --resume：去掉 --resume 重新运行，或改用 JSONL/CSV 输出。")

    from fraudwarn.predict import load_model

    _MODEL = model if model is not None else load_model(model_dir)
    source = Source(
        input_path, fmt=input_format, encoding=encoding, text_column=text_column, id_column=id_column,
        sender_column=sender_column, time_column=time_column,
    )
    if time_column and period is None:
        period = "week"
    fingerprint = {
        "version": STATE_VERSION,
        "input": os.path.abspath(input_path) if input_path != "-" else "-",
        "input_size": source.size,
        "input_sha256": content_fingerprint(input_path) if input_path != "-" else None,
        "format": source.format,
        "encoding": source.encoding,
        "text_column": text_column,
        "id_column": id_column,
        "sender_column": sender_column,
        "time_column": time_column,
        "period": period,
        "options": options.fingerprint(),
        "model_sha256": _MODEL.manifest.get("model_sha256"),
    }
    done, written, summary = 0, 0, Summary(period=period)
    text_stats = _TextStats()
    if resume:
        if input_path == "-":
            source.close()
            raise InputError("从标准输入读取时无法 --resume：请把输入保存为文件后再运行。")
        if state_path.is_file() and part.is_file():
            state = json.loads(state_path.read_text("utf-8"))
            if state.get("fingerprint") != fingerprint:
                source.close()
                raise InputError(
                    "上次中断的任务与本次的输入、选项或模型不一致，无法续跑；去掉 --resume 重新开始。"
                )
            done, written, summary = state["records_done"], state["bytes"], Summary(state["summary"], period=period)
    resumed_from = done
    mode = "r+b" if written else "wb"
    in_main = threading.current_thread() is threading.main_thread()
    previous_term = signal.signal(signal.SIGTERM, _raise_interrupt) if in_main else None
    try:
        with source, open(part, mode) as f:
            f.truncate(written)
            f.seek(written)
            writer = writer_cls(f, keep_text=options.keep_text, carry=options.carry)
            if not written:
                writer.begin()
                f.flush()
                written = f.tell()

            def commit(rows: list[dict[str, Any]]) -> None:
                nonlocal done, written
                try:
                    writer.write(rows)
                    f.flush()
                    os.fsync(f.fileno())
                except OSError as e:  # a full disk: name the file; the committed part stays for --resume
                    raise OSError(e.errno, e.strerror, str(part)) from e
                done += len(rows)
                written = f.tell()
                summary.add(rows)
                del rows[:]  # the parent holds no chunk past its commit
                _release_memory()
                _write_json_atomic(
                    state_path,
                    {
                        "fingerprint": fingerprint,
                        "records_done": done,
                        "bytes": written,
                        "summary": summary.state(),
                    },
                )
                if progress:
                    progress(done, source.bytes_read, source.size)

            chunks = _chunks(source, options.chunk_size, done, text_stats)
            if jobs == 1:
                for chunk in chunks:
                    commit(score_records(chunk, options))
            else:
                _warm_up()
                gc.freeze()  # keep the model and dictionary pages shared with forked workers
                try:
                    ctx = mp.get_context("fork" if "fork" in mp.get_all_start_methods() else "spawn")
                    model_arg = str(model_dir) if model_dir is not None else None
                    with ctx.Pool(jobs, initializer=_init_worker, initargs=(model_arg,)) as pool:
                        pending: deque[Any] = deque()
                        for chunk in chunks:
                            pending.append(pool.apply_async(_score_chunk, ((chunk, options),)))
                            while len(pending) >= 2 * jobs:
                                commit(pending.popleft().get())
                        while pending:
                            commit(pending.popleft().get())
                finally:
                    gc.unfreeze()  # a long-lived caller (serve, a notebook) gets its collector back
            writer.end()
            f.flush()
            os.fsync(f.fileno())
    finally:
        if in_main:
            signal.signal(signal.SIGTERM, previous_term)
    # Only a complete run reaches this point; an interrupted one leaves .part and its
    # state for --resume, and the final name is never half-written.
    os.replace(part, out)
    state_path.unlink(missing_ok=True)
    elapsed = time.perf_counter() - started
    result = {
        "input": input_path,
        "output": str(out),
        "rows_in": summary.rows,
        "rows_out": summary.rows,
        "ok": summary.status.get("ok", 0),
        "empty": summary.status.get("empty", 0),
        "errors": summary.status.get("error", 0),
        "fraud": summary.fraud,
        "by_category": dict(summary.category.most_common()),
        "by_role": dict(summary.role.most_common()),
        "by_category_role": {k: dict(v) for k, v in summary.category_role.items()},
        "by_risk": dict(summary.risk),
        "elapsed_seconds": round(elapsed, 2),
        "rows_per_second": round(summary.rows / elapsed, 1) if elapsed > 0 else None,
        "resumed_from": resumed_from or None,
        "model_sha256": fingerprint["model_sha256"],
        "encoding": source.encoding,
        "encoding_confidence": round(source.encoding_confidence, 2),
        "encoding_reason": source.encoding_reason,
        "text_field": source.text_field,
        "warnings": _input_warnings(source, text_stats),
        **summary.period_state(),
    }
    return result


def _input_warnings(source: Source, stats: _TextStats) -> list[str]:
    out = []
    if source.encoding_confidence < 0.5:
        out.append(
            f"输入编码判断不确定（{source.encoding}，置信度 {source.encoding_confidence:.0%}）："
            "请核对结果，必要时用 --encoding 指定（如 gb18030、utf-8）。"
        )
    if stats.texts >= 5 and stats.no_cjk / stats.texts > 0.5:
        out.append(
            f"{stats.no_cjk / stats.texts:.0%} 的记录不含任何汉字：编码可能不对，或这不是中文消息数据；"
            "可用 --encoding 指定编码。"
        )
    return out


#: Input formats fraudwarn refuses with a clear message instead of reading them as text.
UNSUPPORTED_SUFFIXES = {".xlsx": "Excel", ".xls": "Excel", ".docx": "Word", ".doc": "Word", ".pdf": "PDF",
                        ".zip": "ZIP", ".7z": "7z", ".rar": "RAR"}


def check_output_path(out: Path, input_path: str | None = None) -> None:
    """Refuse, before any input is read, an output that cannot be written or would clobber the input."""
    if out.is_dir():
        raise InputError(f"输出路径 {out} 是一个目录：请给出文件名，例如 {out / 'scored.jsonl'}。")
    parent = out.parent if str(out.parent) else Path(".")
    if not parent.is_dir():
        raise InputError(f"输出目录 {parent} 不存在：请先创建它，或换一个输出路径。")
    if not os.access(parent, os.W_OK):
        raise InputError(f"没有权限写入输出目录 {parent}：请换一个输出路径。")
    if input_path and input_path != "-" and Path(input_path).exists() and Path(input_path).resolve() == out.resolve():
            raise InputError("输出文件不能与输入文件相同：会覆盖原始数据。请换一个输出路径。")


def content_fingerprint(path: str, *, full_below: int = 64 << 20, block: int = 1 << 20, samples: int = 64) -> str:
    """sha256 of the input's content, so --resume notices any edit, even one that keeps size and mtime.

    Files under 64 MB are hashed whole; larger ones by size plus 64 evenly spaced 1 MB blocks
    (first and last included): a few hundred ms for any size.
    """
    import hashlib

    h = hashlib.sha256()
    if os.path.isdir(path):  # a folder of Parquet part files: every file, by name and content
        for sub in sorted(Path(path).rglob("*")):
            if sub.is_file():
                h.update(f"{sub.relative_to(path)}\0{content_fingerprint(str(sub))}\0".encode())
        return h.hexdigest()
    size = os.path.getsize(path)
    h.update(str(size).encode())
    with open(path, "rb") as f:
        if size <= full_below:
            for chunk in iter(lambda: f.read(block), b""):
                h.update(chunk)
        else:
            for k in range(samples):
                f.seek((size - block) * k // (samples - 1))
                h.update(f.read(block))
    return h.hexdigest()


def check_input_path(input_path: str) -> None:
    """Refuse office documents and archives: they would be read as garbage text with exit 0."""
    suffix = Path(input_path.lower().removesuffix(".gz")).suffix
    if suffix in UNSUPPORTED_SUFFIXES:
        raise InputError(
            f"不支持 {UNSUPPORTED_SUFFIXES[suffix]} 文件（{input_path}）：请先另存为 CSV（UTF-8）或 TXT 再检测。"
        )


def _raise_interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt


def _warm_up() -> None:
    """Build every lazy resource in the parent, so forked workers share it instead of each
    building a private copy: the segmenter, OpenCC, the flag and app automata, scipy (for the
    batch product), the model's sorted vocabulary keys."""
    from fraudwarn.text.indicators import extract_indicators

    extract_indicators("预热 QQ 微信 www.example.com 13800000000")
    if _MODEL is not None:
        _MODEL.score(["預熱 刷单 加微信 abc123 <url>"] * 64)  # normalisation, flags, words, both key tables, scipy
