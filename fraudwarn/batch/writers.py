"""Output formats of ``fraudwarn batch``: one registered class per format.

A writer gets the open binary stream of ``OUTPUT.part`` and is asked to ``begin`` (fresh
output only, so a resumed run does not write a second header), ``write`` each scored chunk
in order, and ``end`` once every chunk is written. Formats whose bytes can be cut at any
committed chunk (``resumable``) support ``--resume``; Parquet, which needs its footer, does not.

Adding a format is one class decorated with :func:`register`; batch, ``--format`` and the
output extension pick it up.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable
from typing import IO, Any, ClassVar

from fraudwarn.errors import InputError
from fraudwarn.optional import require

#: The output columns of a batch row, in order (``text`` follows when it is kept).
FIELDS = (
    "id",
    "category",
    "category_id",
    "probability",
    "fraud_probability",
    "role",
    "role_id",
    "is_fraud",
    "risk",
    "review",
    "rule",
    "red_flags",
    "indicators",
    "status",
)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?[\d\s().-]+")


class Writer:
    """One output format. Subclasses set ``name`` and ``suffixes`` and implement ``write``."""

    name: ClassVar[str]
    suffixes: ClassVar[tuple[str, ...]] = ()
    resumable: ClassVar[bool] = True

    def __init__(self, stream: IO[bytes], *, keep_text: bool = False, carry: tuple[str, ...] = ()) -> None:
        self.stream = stream
        self.keep_text = keep_text
        self.carry = carry  # input columns copied after the id ("sender", "time")

    @property
    def fields(self) -> tuple[str, ...]:
        """The id, carried input columns, the scores, and the text when kept."""
        return (FIELDS[0], *self.carry, *FIELDS[1:], *(("text",) if self.keep_text else ()))

    @classmethod
    def check_available(cls) -> None:
        """Raise DependencyError before any work if the format needs a package that is missing."""

    def begin(self) -> None:
        """Called once, before the first chunk of a fresh (not resumed) output."""

    def write(self, rows: list[dict[str, Any]]) -> None:
        raise NotImplementedError

    def end(self) -> None:
        """Called once, after the last chunk; the stream is flushed by the caller."""


_REGISTRY: dict[str, type[Writer]] = {}


def register(cls: type[Writer]) -> type[Writer]:
    """Class decorator: make ``cls`` the writer of format ``cls.name`` (replacing any earlier one)."""
    _REGISTRY[cls.name] = cls
    return cls


def formats() -> tuple[str, ...]:
    return tuple(_REGISTRY)


def get_writer(name: str) -> type[Writer]:
    try:
        return _REGISTRY[name]
    except KeyError:
        raise InputError(f"不支持的输出格式“{name}”（可用：{'、'.join(_REGISTRY)}）。") from None


def format_for_path(path: str) -> str:
    """The format named by the output's extension; JSON lines when none matches."""
    lower = path.lower()
    for name, cls in _REGISTRY.items():
        if any(lower.endswith(s) for s in cls.suffixes):
            return name
    return "jsonl"


# -- text formats -------------------------------------------------------------------------------
def neutralise(cell: str) -> str:
    """Keep a CSV cell from being run as a formula by Excel or WPS.

    Ids and phone numbers such as ``+8613800000000`` or ``-1`` are left as written: a number
    cannot call a function, and prefixing them would change the id.
    """
    if not cell.startswith(_FORMULA_START) or _PLAIN_NUMBER.fullmatch(cell):
        return cell
    return "'" + cell


def flat_cell(key: str, v: Any) -> str:
    """One value as a CSV/TSV cell: lists joined with "; ", booleans as true/false, null empty."""
    if key == "indicators":
        return "; ".join(f"{d['kind']}:{d['value']}" for d in v or [])
    if key == "rule":
        return f"{v['action']}:{v['reason']}" if v else ""
    if key == "red_flags":
        return "; ".join(d["name"] for d in v or [])
    if isinstance(v, bool):
        return "true" if v else "false"
    return "" if v is None else str(v)


@register
class JsonlWriter(Writer):
    name = "jsonl"
    suffixes = (".jsonl", ".json", ".ndjson")

    def write(self, rows: list[dict[str, Any]]) -> None:
        self.stream.write("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows).encode("utf-8"))


@register
class CsvWriter(Writer):
    name = "csv"
    suffixes = (".csv",)
    delimiter = ","

    def _lines(self, rows: Iterable[list[str]]) -> bytes:
        buf = io.StringIO()
        csv.writer(buf, lineterminator="\r\n", delimiter=self.delimiter).writerows(rows)
        return buf.getvalue().encode("utf-8")

    def begin(self) -> None:
        self.stream.write("\ufeff".encode() + self._lines([list(self.fields)]))  # BOM: Excel and WPS read UTF-8

    def write(self, rows: list[dict[str, Any]]) -> None:
        self.stream.write(self._lines([neutralise(flat_cell(k, r.get(k))) for k in self.fields] for r in rows))


@register
class TsvWriter(CsvWriter):
    name = "tsv"
    suffixes = (".tsv",)
    delimiter = "\t"


# -- Parquet ------------------------------------------------------------------------------------
def arrow_schema(keep_text: bool = False, carry: tuple[str, ...] = ()) -> Any:
    """The batch row as an Arrow schema; the Spark output uses the same column types."""
    pa = require("pyarrow", "parquet", "读写 Parquet")
    fields = [
        pa.field("id", pa.string()),
        *(pa.field(c, pa.string()) for c in carry),
        pa.field("category", pa.string()),
        pa.field("category_id", pa.string()),
        pa.field("probability", pa.float64()),
        pa.field("fraud_probability", pa.float64()),
        pa.field("role", pa.string()),
        pa.field("role_id", pa.string()),
        pa.field("is_fraud", pa.bool_()),
        pa.field("risk", pa.string()),
        pa.field("review", pa.bool_()),
        pa.field("rule", pa.struct([("id", pa.string()), ("action", pa.string()), ("reason", pa.string())])),
        pa.field("red_flags", pa.list_(pa.struct([("id", pa.string()), ("name", pa.string())]))),
        pa.field(
            "indicators",
            pa.list_(pa.struct([("kind", pa.string()), ("value", pa.string()), ("count", pa.int64())])),
        ),
        pa.field("status", pa.string()),
    ]
    if keep_text:
        fields.append(pa.field("text", pa.string()))
    return pa.schema(fields)


@register
class ParquetWriter(Writer):
    """One row group per scored chunk, so memory stays at one chunk; not resumable (footer at the end)."""

    name = "parquet"
    suffixes = (".parquet", ".pq")
    resumable = False

    @classmethod
    def check_available(cls) -> None:
        require("pyarrow.parquet", "parquet", "写出 Parquet")

    def __init__(self, stream: IO[bytes], *, keep_text: bool = False, carry: tuple[str, ...] = ()) -> None:
        super().__init__(stream, keep_text=keep_text, carry=carry)
        self._pa = require("pyarrow", "parquet", "写出 Parquet")
        self._pq = require("pyarrow.parquet", "parquet", "写出 Parquet")
        self._schema = arrow_schema(keep_text, carry)
        self._writer: Any = None

    def begin(self) -> None:
        self._writer = self._pq.ParquetWriter(self.stream, self._schema, compression="zstd")

    def write(self, rows: list[dict[str, Any]]) -> None:
        if self._writer is None:
            raise InputError("Parquet 输出不支持续跑（--resume）：请去掉 --resume 重新运行。")
        self._writer.write_table(self._pa.Table.from_pylist(rows, schema=self._schema))

    def end(self) -> None:
        if self._writer is None:
            self.begin()  # an empty input still gives a readable file with the schema
        self._writer.close()
