"""Reading message dumps: TXT, CSV/TSV and JSONL, gzip, any common Chinese encoding; Parquet.

Every physical input record yields exactly one :class:`InputRecord`, in order, also
when it is broken: a line that cannot be decoded, a JSONL line that is not JSON, a CSV
row without the text cell. Such records carry an ``error`` and scoring goes on.
Reading is streaming: memory does not grow with the file (Parquet is read one row group
at a time, only the columns used; a folder of part files, as Spark writes it, reads as one table).
"""

from __future__ import annotations

import codecs
import csv
import gzip
import io
import json
import re
import sys
import zlib
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from fraudwarn.errors import InputError
from fraudwarn.optional import require

FORMATS = ("txt", "csv", "tsv", "jsonl", "parquet")
#: The error of a record whose text is null (a Parquet or Spark column value), shared with Spark.
NULL_TEXT = "文本为空值（null）"
TEXT_COLUMN_GUESSES = (
    "text",
    "content",
    "message",
    "msg",
    "sms",
    "body",
    "内容",
    "短信内容",
    "文本",
    "消息",
    "消息内容",
)
_SAMPLE = 1 << 16
#: A CSV record longer than this many physical lines is taken for an unterminated quote.
MAX_RECORD_LINES = 20
_CJK = re.compile(r"[\u3400-\u9fff]")
_ODD = re.compile(r"[^\x00-\x7f\u3000-\u303f\u3400-\u9fff\uff00-\uffef\u2000-\u206f]")

csv.field_size_limit(1 << 30)


@dataclass(frozen=True)
class InputRecord:
    number: int  # 1-based record number
    id: str
    text: str | None
    error: str | None = None
    sender: str | None = None  # from --sender-column, for deployment rules and leads
    time: str | None = None  # from --time-column, as written in the input, for trends and leads
    extra: dict[str, str] | None = None  # other columns asked for by name (labels when evaluating)


class _CountingReader(io.RawIOBase):
    """Wraps a binary stream and counts the bytes read (for a progress bar by bytes)."""

    def __init__(self, raw: BinaryIO) -> None:
        self.raw = raw
        self.count = 0

    def readable(self) -> bool:
        return True

    def readinto(self, b) -> int:  # type: ignore[no-untyped-def]
        data = self.raw.read(len(b))
        n = len(data)
        b[:n] = data
        self.count += n
        return n


def detect_format(path: str, forced: str | None = None) -> str:
    if forced:
        return forced
    name = path.lower().rstrip("/").removesuffix(".gz")
    if name.endswith(".pq") or (not name.endswith(FORMATS) and Path(path).is_dir()):
        return "parquet"  # a folder is taken for Spark's output: part files of one table
    for fmt in FORMATS:
        if name.endswith("." + fmt):
            return fmt
    if name.endswith(".json") or name.endswith(".ndjson"):
        return "jsonl"
    return "txt"


def detect_encoding(sample: bytes) -> str:
    """The file's encoding from its first bytes (see :func:`detect_encoding_info`)."""
    return detect_encoding_info(sample)[0]


def _utf16_without_bom(sample: bytes) -> str | None:
    """UTF-16 only when the NUL pattern is unambiguous: most code units of ASCII-heavy text."""
    if len(sample) < 16 or len(sample) % 2:
        return None
    even, odd = sample[0::2], sample[1::2]
    n = len(even)
    if odd.count(0) >= 0.6 * n and even.count(0) <= 0.05 * n:
        return "utf-16-le"
    if even.count(0) >= 0.6 * n and odd.count(0) <= 0.05 * n:
        return "utf-16-be"
    return None


def _cjk_share(text: str) -> float:
    visible = [ch for ch in text if not ch.isspace() and ch.isprintable()]
    return sum(1 for ch in visible if _CJK.match(ch)) / max(1, len(visible))


def detect_encoding_info(sample: bytes) -> tuple[str, float, str]:
    """(encoding, confidence 0–1, how it was decided) for a Chinese message dump.

    Order, for short files above all: BOMs; strict UTF-8; mostly-UTF-8 dumps with a few foreign
    lines; strict GB18030 when the result reads as Chinese; UTF-16 without a BOM only when the
    NUL pattern is unambiguous; only then a statistical detector (charset-normalizer).
    A one-line GBK file is too short for statistics, and GB18030 decodes it exactly.
    """
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig", 1.0, "BOM"
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16", 1.0, "BOM"
    wide = _utf16_without_bom(sample)
    if wide:
        return wide, 0.8, "UTF-16 without BOM (NUL pattern)"
    try:
        sample.decode("utf-8")
        return "utf-8", 1.0 if not sample.isascii() else 0.9, "strict UTF-8"
    except UnicodeDecodeError as e:
        if e.start >= len(sample) - 3:  # a character cut at the sample's end
            return "utf-8", 0.95, "strict UTF-8 (sample cut inside a character)"
    # Mostly UTF-8 with a few foreign lines (dumps glued together): stay UTF-8 and let
    # the line decoder fall back per line.
    good = bad = 0
    lines = sample.split(b"\n")
    for k, line in enumerate(lines):
        if line.isascii():
            continue
        try:
            line.decode("utf-8")
            good += 1
        except UnicodeDecodeError as e:
            if k == len(lines) - 1 and e.start >= len(line) - 3:
                good += 1  # the sample cut the last line inside a character
            else:
                bad += 1
    if good >= bad:
        return "utf-8", good / max(1, good + bad), "mostly UTF-8, other lines decoded one by one"
    cut = sample
    for _ in range(4):  # the sample may end inside a character
        try:
            text = cut.decode("gb18030")
            break
        except UnicodeDecodeError:
            cut = cut[:-1]
    else:
        text = None
    if text is not None:
        share = _cjk_share(text)
        if share >= 0.3 and _plausible_chinese(text):
            return "gb18030", min(1.0, 0.6 + share / 2), "strict GB18030, reads as Chinese"
    from charset_normalizer import from_bytes

    best = from_bytes(sample[:_SAMPLE]).best()
    name = (best.encoding if best else "gb18030").lower().replace("_", "-")
    if name in ("gb2312", "gbk", "gb18030", "hz", "cp936"):
        return "gb18030", 0.6, "charset-normalizer"
    if name.startswith(("utf-8", "ascii")):
        return "utf-8", 0.5, "charset-normalizer"
    if name.startswith("utf-16") and not wide:
        name = "gb18030" if text is not None else "utf-8"
    return name, 0.3, "charset-normalizer (uncertain)"


def _plausible_chinese(text: str) -> bool:
    """A fallback decoding is accepted only if it reads as Chinese, not as mojibake."""
    return bool(_CJK.search(text)) and len(_ODD.findall(text)) <= max(1, len(text) // 20)


class _LineDecoder:
    """Decodes byte lines with the file's encoding, line by line.

    A UTF-8 file with one GBK line (exports glued together) gets that line decoded as
    GB18030 if the result reads as Chinese; otherwise the line is marked undecodable.
    """

    def __init__(self, encoding: str) -> None:
        self.encoding = encoding
        self.bad_lines: set[int] = set()

    def decode(self, raw: bytes, line_no: int) -> str:
        try:
            return raw.decode(self.encoding)
        except UnicodeDecodeError:
            pass
        if self.encoding.startswith("utf-8"):
            try:
                alt = raw.decode("gb18030")
                if _plausible_chinese(alt):
                    return alt
            except UnicodeDecodeError:
                pass
        self.bad_lines.add(line_no)
        return raw.decode(self.encoding, errors="replace")


def _open_binary(path: str) -> tuple[BinaryIO, BinaryIO, _CountingReader | None, int | None]:
    """(stream to read, handle to close, byte counter on the file, file size).

    Bytes are counted on the file itself, before gunzipping, so progress matches its size.
    """
    if path == "-":
        stdin = sys.stdin.buffer
        base: BinaryIO = io.BufferedReader(stdin, 1 << 20) if not hasattr(stdin, "peek") else stdin  # type: ignore[arg-type,type-var]
        handle: BinaryIO = stdin
        counter = None
        size = None
    else:
        p = Path(path)
        if not p.is_file():
            raise InputError(f"找不到输入文件 {path}。")
        handle = open(p, "rb")  # noqa: SIM115 - closed by Source.close
        counter = _CountingReader(handle)
        base = io.BufferedReader(counter, 1 << 20)  # type: ignore[assignment]
        size = p.stat().st_size
    if path.lower().endswith(".gz"):
        base = gzip.GzipFile(fileobj=base)  # type: ignore[assignment]
    elif base.peek(3)[:3] == b"\x1f\x8b\x08":  # type: ignore[attr-defined]
        # gzip magic without a .gz name: decompress only if the stream really is gzip.
        # A whole short file must decompress to its end; a long one must yield output.
        head = base.peek(1 << 16)[: 1 << 16]  # type: ignore[attr-defined]
        try:
            d = zlib.decompressobj(16 + zlib.MAX_WBITS)
            out = d.decompress(head)
            if d.eof or (out and len(head) >= 1 << 16):
                base = gzip.GzipFile(fileobj=base)  # type: ignore[assignment]
        except zlib.error:
            pass
    return base, handle, counter, size


class Source:
    """An input dump opened for streaming: iterate it for :class:`InputRecord` objects."""

    def __init__(
        self,
        path: str,
        *,
        fmt: str | None = None,
        encoding: str | None = None,
        text_column: str | None = None,
        id_column: str | None = None,
        sender_column: str | None = None,
        time_column: str | None = None,
        extra_columns: tuple[str, ...] = (),
    ) -> None:
        self.path = path
        self.format = detect_format(path, fmt)
        self.text_column = text_column
        self.id_column = id_column
        self.sender_column = sender_column
        self.time_column = time_column
        self.extra_columns = extra_columns
        if self.format == "txt" and (sender_column or time_column):
            raise InputError("纯文本（TXT）输入没有列：--sender-column 和 --time-column 只用于 CSV、TSV、JSONL 和 Parquet。")
        #: the text column or field actually used (known once reading has started)
        self.text_field: str | None = text_column
        self._parquet: ParquetInput | None = None
        self.size: int | None = None
        if self.format == "parquet":
            self._parquet = ParquetInput(path)
            self.size = self._parquet.size
            self.encoding, self.encoding_confidence, self.encoding_reason = "utf-8", 1.0, "Parquet（UTF-8 字符串列）"
            return
        self._buffered, self._handle, self._counter, self.size = _open_binary(path)
        try:
            sample = self._buffered.peek(_SAMPLE)[:_SAMPLE]  # type: ignore[attr-defined]
        except (OSError, EOFError) as e:
            self.close()
            raise InputError(f"无法读取 {path}：文件损坏或不是 gzip 格式（{e}）。") from e
        if encoding:
            try:
                codecs.lookup(encoding)
            except LookupError as e:
                raise InputError(f"不认识的编码“{encoding}”，可用如 utf-8、gb18030、utf-16。") from e
        if encoding:
            self.encoding, self.encoding_confidence, self.encoding_reason = encoding, 1.0, "--encoding"
        else:
            self.encoding, self.encoding_confidence, self.encoding_reason = detect_encoding_info(sample)

    @property
    def bytes_read(self) -> int:
        if self._parquet is not None:
            return self._parquet.bytes_read
        return self._counter.count if self._counter else 0

    def close(self) -> None:
        if self._parquet is not None:
            return
        if self._handle is not sys.stdin.buffer:
            self._handle.close()

    def __enter__(self) -> Source:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- line level -------------------------------------------------------------------
    def _lines(self, decoder: _LineDecoder) -> Iterator[tuple[int, str]]:
        """Decoded physical lines with their 1-based numbers, line endings removed."""
        if self.encoding.lower().replace("-", "") in ("utf16", "utf16le", "utf16be"):
            text = io.TextIOWrapper(self._buffered, encoding=self.encoding, errors="replace", newline="")
            for n, line in enumerate(text, 1):
                if "\ufffd" in line:
                    decoder.bad_lines.add(n)
                yield n, line.rstrip("\r\n")
            return
        first = True
        for n, raw in enumerate(self._buffered, 1):
            if first and self.encoding == "utf-8-sig" and raw.startswith(codecs.BOM_UTF8):
                raw = raw[3:]
            first = False
            yield n, decoder.decode(raw.rstrip(b"\r\n"), n)

    def __iter__(self) -> Iterator[InputRecord]:
        if self._parquet is not None:
            yield from self._parquet_records(self._parquet)
        elif self.format in ("csv", "tsv"):
            yield from self._csv()
        elif self.format == "jsonl":
            yield from self._jsonl()
        else:
            yield from self._txt()

    def _txt(self) -> Iterator[InputRecord]:
        decoder = _LineDecoder(self.encoding)
        for n, line in self._lines(decoder):
            err = (
                "无法解码（编码不对或数据损坏），可用 --encoding 指定编码" if n in decoder.bad_lines else None
            )
            yield InputRecord(n, str(n), None if err else line, err)

    def _jsonl(self) -> Iterator[InputRecord]:
        field = self.text_column
        decoder = _LineDecoder(self.encoding)
        for n, line in self._lines(decoder):
            if n in decoder.bad_lines:
                yield InputRecord(n, str(n), None, "无法解码（编码不对或数据损坏）")
                continue
            if not line.strip():
                yield InputRecord(n, str(n), "")  # an empty line is an empty record
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError:
                yield InputRecord(n, str(n), None, "不是合法的 JSON")
                continue
            if not isinstance(obj, dict):
                yield InputRecord(n, str(n), None, "JSON 不是对象")
                continue
            if field is None:  # the first object decides, with the same guesses as CSV headers
                keys = [str(k) for k in obj]
                lowered = [k.lower() for k in keys]
                guess = next((g for g in TEXT_COLUMN_GUESSES if g in lowered), None)
                field = keys[lowered.index(guess)] if guess else "text"
                self.text_field = field
            rid = obj.get(self.id_column) if self.id_column else None
            rid = str(n) if rid is None else str(rid)
            text = obj.get(field)
            if text is None:
                yield InputRecord(n, rid, None, f"缺少文本字段“{field}”")
            elif not isinstance(text, str):
                yield InputRecord(n, rid, None, f"文本字段“{field}”不是字符串")
            else:
                sender = obj.get(self.sender_column) if self.sender_column else None
                when = obj.get(self.time_column) if self.time_column else None
                extra = {k: "" if obj.get(k) is None else str(obj[k]) for k in self.extra_columns} or None
                yield InputRecord(
                    n, rid, text, None, None if sender is None else str(sender), None if when is None else str(when),
                    extra,
                )

    def _csv(self) -> Iterator[InputRecord]:
        decoder = _LineDecoder(self.encoding)
        lines = self._lines(decoder)
        delimiter = "\t" if self.format == "tsv" else ","
        # Physical lines go through a small queue, so that the lines of a record that swallowed too
        # many (an unterminated quote) can be fed back and read again as records of their own.
        pending: deque[tuple[int, str]] = deque()
        consumed: list[tuple[int, str]] = []
        state = {"eof": False}

        def feed() -> Iterator[str]:
            while True:
                if pending:
                    item = pending.popleft()
                else:
                    try:
                        item = next(lines)
                    except StopIteration:
                        state["eof"] = True
                        return
                consumed.append(item)
                yield item[1] + "\n"

        reader = csv.reader(feed(), delimiter=delimiter)
        try:
            header = next(reader)
        except StopIteration:
            return
        except csv.Error as e:
            raise InputError(f"CSV 表头无法解析：{e}") from e
        consumed.clear()
        header = [h.strip().lstrip("\ufeff") for h in header]
        col = self._pick_column(header, self.text_column, "--text-column")
        self.text_field = header[col]
        id_col = self._pick_column(header, self.id_column, "--id-column") if self.id_column else None
        sender_col = (
            self._pick_column(header, self.sender_column, "--sender-column") if self.sender_column else None
        )
        time_col = self._pick_column(header, self.time_column, "--time-column") if self.time_column else None
        extra_cols = {k: header.index(k) for k in self.extra_columns if k in header}
        number = 0
        while True:
            try:
                row = next(reader)
            except StopIteration:
                break
            except csv.Error as e:
                number += 1
                consumed.clear()
                yield InputRecord(number, str(number), None, f"CSV 行无法解析：{e}")
                continue
            span = [n for n, _ in consumed]
            raw = "\n".join(text for _, text in consumed)
            swallowed = len(consumed) > MAX_RECORD_LINES or (
                len(consumed) > 1 and state["eof"] and not pending and raw.count('"') % 2 == 1
            )
            if swallowed:
                # an unterminated quote: the first line is the broken record, the rest are read again
                number += 1
                first = consumed[0]
                pending.extendleft(reversed(consumed[1:]))
                consumed.clear()
                state["eof"] = False
                reader = csv.reader(feed(), delimiter=delimiter)  # the old one may have seen the end
                yield InputRecord(
                    number, str(number), None,
                    f"第 {first[0]} 行的引号没有闭合（CSV 格式错误），这一行无法读取；后面的行照常读取",
                )
                continue
            consumed.clear()
            number += 1
            rid = str(number)
            if id_col is not None and id_col < len(row) and row[id_col].strip():
                rid = row[id_col]
            if any(n in decoder.bad_lines for n in span):
                yield InputRecord(
                    number, rid, None, "无法解码（编码不对或数据损坏），可用 --encoding 指定编码"
                )
            elif col >= len(row):
                yield InputRecord(number, rid, None, f"这一行缺少文本列“{header[col]}”")
            else:
                sender = row[sender_col] if sender_col is not None and sender_col < len(row) else None
                when = row[time_col] if time_col is not None and time_col < len(row) else None
                extra = {k: row[i] if i < len(row) else "" for k, i in extra_cols.items()} or None
                yield InputRecord(number, rid, row[col], None, sender, when, extra)

    def _parquet_records(self, table: ParquetInput) -> Iterator[InputRecord]:
        header = table.columns
        col = header[self._pick_column(header, self.text_column, "--text-column")]
        self.text_field = col
        id_col = header[self._pick_column(header, self.id_column, "--id-column")] if self.id_column else None
        sender_col = (
            header[self._pick_column(header, self.sender_column, "--sender-column")] if self.sender_column else None
        )
        time_col = header[self._pick_column(header, self.time_column, "--time-column")] if self.time_column else None
        extra_cols = [k for k in self.extra_columns if k in header]
        number = 0
        wanted = [c for c in dict.fromkeys((col, id_col, sender_col, time_col, *extra_cols)) if c is not None]
        for batch in table.batches(wanted):
            texts = batch[col]
            ids = batch[id_col] if id_col else None
            senders = batch[sender_col] if sender_col else None
            times = batch[time_col] if time_col else None
            for k, text in enumerate(texts):
                number += 1
                rid = str(number) if ids is None or ids[k] is None else str(ids[k])
                if text is None:
                    yield InputRecord(number, rid, None, NULL_TEXT)
                elif not isinstance(text, str):
                    yield InputRecord(number, rid, None, f"文本列“{col}”不是字符串")
                else:
                    sender = None if senders is None or senders[k] is None else str(senders[k])
                    when = None if times is None or times[k] is None else str(times[k])
                    extra = {c: "" if batch[c][k] is None else str(batch[c][k]) for c in extra_cols} or None
                    yield InputRecord(number, rid, text, None, sender, when, extra)

    @staticmethod
    def _pick_column(header: list[str], wanted: str | None, option: str) -> int:
        if wanted is not None:
            if wanted in header:
                return header.index(wanted)
            if wanted.isdigit() and int(wanted) < len(header):
                return int(wanted)
            raise InputError(f"表头中没有列“{wanted}”（现有：{'、'.join(header)}），请检查 {option}。")
        lowered = [h.lower() for h in header]
        for guess in TEXT_COLUMN_GUESSES:
            if guess in lowered:
                return lowered.index(guess)
        if len(header) == 1:
            return 0
        raise InputError(f"无法确定文本列（表头：{'、'.join(header)}），请用 {option} 指定。")


class ParquetInput:
    """A Parquet file, or a folder of part files (Spark's output), read one row group at a time."""

    def __init__(self, path: str) -> None:
        if path == "-":
            raise InputError("Parquet 无法从标准输入读取：请给出文件或目录路径。")
        pq = require("pyarrow.parquet", "parquet", "读取 Parquet")
        p = Path(path)
        if p.is_dir():
            # Spark's layout: part-*.parquet beside _SUCCESS and .crc files; hidden and _ files are not data
            self.files = sorted(
                f for f in p.rglob("*")
                if f.is_file() and not f.name.startswith(("_", ".")) and f.suffix not in (".crc",)
                and not any(part.startswith(("_", ".")) for part in f.relative_to(p).parent.parts)
            )
            if not self.files:
                raise InputError(f"目录 {path} 中没有 Parquet 文件。")
        elif p.is_file():
            self.files = [p]
        else:
            raise InputError(f"找不到输入文件 {path}。")
        self._pq = pq
        self.size = sum(f.stat().st_size for f in self.files)
        self.bytes_read = 0
        try:
            first = pq.ParquetFile(self.files[0])
        except Exception as e:  # pyarrow raises ArrowInvalid (a ValueError) or OSError
            raise InputError(f"无法读取 {self.files[0]}：不是有效的 Parquet 文件（{e}）。") from e
        self.columns: list[str] = list(first.schema_arrow.names)

    def batches(self, columns: list[str], size: int = 8192) -> Iterator[dict[str, list[object]]]:
        """The wanted columns as Python lists, ``size`` rows at a time (pyarrow reads row group by row group)."""
        before = 0
        for f in self.files:
            try:
                pf = self._pq.ParquetFile(f)
            except Exception as e:
                raise InputError(f"无法读取 {f}：不是有效的 Parquet 文件（{e}）。") from e
            missing = [c for c in columns if c not in pf.schema_arrow.names]
            if missing:
                raise InputError(f"{f} 中没有列“{'、'.join(missing)}”：各个 Parquet 文件的列不一致。")
            fsize, rows, done = f.stat().st_size, max(1, pf.metadata.num_rows), 0
            for batch in pf.iter_batches(batch_size=size, columns=columns):
                done += batch.num_rows
                self.bytes_read = before + fsize * done // rows  # progress by bytes, estimated from rows
                yield {c: batch.column(c).to_pylist() for c in columns}
            before += fsize
            self.bytes_read = before
