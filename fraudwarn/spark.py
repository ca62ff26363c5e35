"""Score Spark DataFrames where the data lives, with the model and the rows of ``fraudwarn batch``.

Rows are scored inside the Python workers by ``mapInPandas`` with the very function batch uses
(:func:`fraudwarn.batch.run.score_records`), so a row gets the same category, probabilities, verdict,
red flags, indicators and status in Spark as in ``fraudwarn batch``. Each worker process loads the
model once (cached by the model's sha256) and reuses it, with the segmenter's dictionary, for every
Arrow batch of every task it runs; nothing is collected to the driver except the summary's counts.

pyspark is imported only inside these functions: ``pip install "fraudwarn[spark]"``.
"""

from __future__ import annotations

import math
import os
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fraudwarn.batch.run import BatchOptions
from fraudwarn.batch.writers import FIELDS
from fraudwarn.errors import InputError, ModelError
from fraudwarn.optional import require
from fraudwarn.sources import NULL_TEXT, InputRecord

if TYPE_CHECKING:
    import pandas as pd
    from pyspark.sql import DataFrame, SparkSession

    from fraudwarn.model.classifier import FraudModel

#: The columns added to the input's kept columns, in order (the batch row without its ``id``).
OUTPUT_COLUMNS = tuple(f for f in FIELDS if f != "id")
ARROW_BATCH_CONF = "spark.sql.execution.arrow.maxRecordsPerBatch"


@dataclass(frozen=True)
class _Job:
    """What every task needs, pickled into it: small, no model, no Spark objects."""

    text_column: str
    kept: tuple[str, ...]
    sender_column: str | None
    model_dir: str | None
    model_sha256: str
    options: BatchOptions = field(default_factory=BatchOptions)


# -- inside the Python workers -----------------------------------------------------------------
_MODELS: dict[str, FraudModel] = {}
_LOADS: Counter[str] = Counter()


def load_count(model_sha256: str | None = None) -> int:
    """How many times this process has loaded a model (or the model with this sha256) for Spark scoring."""
    return _LOADS[model_sha256] if model_sha256 is not None else sum(_LOADS.values())


def worker_model(model_dir: str | None, model_sha256: str) -> FraudModel:
    """The model for this worker process: loaded on first use, then reused by every batch and task."""
    model = _MODELS.get(model_sha256)
    if model is None:
        from fraudwarn.model.artifact import load
        from fraudwarn.text.tokenize import tokenize

        model = load(model_dir)
        if model.manifest.get("model_sha256") != model_sha256:
            raise ModelError(
                f"执行器上的模型（{model_dir or '随包模型'}）与驱动端不一致：请在每个节点上安装同一版本的"
                " fraudwarn，或把 --model 目录放在所有节点都能读到的同一路径。"
            )
        tokenize("预热")  # build the segmenter and its domain dictionary once per process, too
        _MODELS[model_sha256] = model
        _LOADS[model_sha256] += 1
    return model


def _is_null(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _records(texts: list[Any], senders: list[Any] | None, column: str) -> list[InputRecord]:
    """InputRecords as the Parquet reader of batch makes them: null and non-string texts carry an error."""
    out = []
    for k, t in enumerate(texts):
        sender = None if senders is None or _is_null(senders[k]) else str(senders[k])
        if isinstance(t, str):
            out.append(InputRecord(k + 1, str(k + 1), t, None, sender))
        elif _is_null(t):
            out.append(InputRecord(k + 1, str(k + 1), None, NULL_TEXT, sender))
        else:
            out.append(InputRecord(k + 1, str(k + 1), None, f"文本列“{column}”不是字符串", sender))
    return out


def _score_batches(job: _Job, batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
    import pandas as pd

    from fraudwarn.batch import run

    model = worker_model(job.model_dir, job.model_sha256)
    for pdf in batches:
        run._MODEL = model  # score_records reads the worker's model from here, as batch's workers do
        texts = pdf[job.text_column].tolist()
        senders = pdf[job.sender_column].tolist() if job.sender_column else None
        rows = run.score_records(_records(texts, senders, job.text_column), job.options)
        out = pd.DataFrame({c: pdf[c].reset_index(drop=True) for c in job.kept})
        for c in OUTPUT_COLUMNS:
            out[c] = pd.Series([r[c] for r in rows], dtype=object)
        yield out


def _report_loads(model_sha256: str | None, batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
    import pandas as pd

    for pdf in batches:
        yield pd.DataFrame({"pid": [os.getpid()] * len(pdf), "loads": [load_count(model_sha256)] * len(pdf)})


# -- on the driver -------------------------------------------------------------------------------
def output_schema(kept: Sequence[Any], model_sha256: str | None = None) -> Any:
    """The kept input fields followed by the batch output columns (types as in batch's Parquet).

    The ``status`` field's metadata names the model that made the rows (``model_sha256``).
    """
    from pyspark.sql import types as T

    s, d, b = T.StringType(), T.DoubleType(), T.BooleanType()

    def struct(*names: str, count: bool = False) -> T.StructType:
        fields = [T.StructField(n, s) for n in names]
        if count:
            fields.append(T.StructField("count", T.LongType()))
        return T.StructType(fields)

    types: dict[str, T.DataType] = {
        "category": s, "category_id": s, "probability": d, "fraud_probability": d, "role": s, "role_id": s,
        "is_fraud": b, "risk": s, "review": b, "rule": struct("id", "action", "reason"),
        "red_flags": T.ArrayType(struct("id", "name")),
        "indicators": T.ArrayType(struct("kind", "value", count=True)), "status": s,
    }
    meta = {"status": {"model_sha256": model_sha256}} if model_sha256 else {}
    return T.StructType([*kept, *(T.StructField(c, types[c], metadata=meta.get(c)) for c in OUTPUT_COLUMNS)])


def score_dataframe(
    df: DataFrame,
    text_column: str,
    *,
    id_column: str | None = None,
    sender_column: str | None = None,
    time_column: str | None = None,
    keep_columns: Sequence[str] = (),
    keep_text: bool = False,
    model_dir: str | Path | None = None,
    threshold: float | None = None,
    mask_pii: bool = False,
    rules_file: str | Path | None = None,
    batch_size: int | None = None,
) -> DataFrame:
    """``df`` scored: the id, sender and time columns (and ``keep_columns``, and the text if
    ``keep_text``) unchanged, then the columns of a ``fraudwarn batch`` row. Lazy, like any
    transformation: nothing runs until the result is written or counted.

    ``batch_size`` sets the session's Arrow batch size (``spark.sql.execution.arrow.maxRecordsPerBatch``),
    i.e. how many rows a worker holds and scores at a time. ``model_dir`` and ``rules_file`` must be
    readable at the same path on every executor (the shipped model always is).
    """
    from fraudwarn.predict import load_model

    columns = list(df.columns)
    wanted = [text_column, id_column, sender_column, time_column, *keep_columns]
    for c in wanted:
        if c is not None and c not in columns:
            raise InputError(f"数据中没有列“{c}”（现有：{'、'.join(columns)}）。")
    kept = [c for c in dict.fromkeys([id_column, sender_column, time_column, *keep_columns,
                                       text_column if keep_text else None]) if c is not None]
    clash = [c for c in kept if c in OUTPUT_COLUMNS]
    if clash:
        raise InputError(f"输入列“{'、'.join(clash)}”与输出列同名：请先改名（withColumnRenamed）再检测。")
    model_path = str(Path(model_dir).resolve()) if model_dir is not None else None
    model = load_model(model_path)  # fails here, on the driver, for a missing or broken model
    rules_path, rules_sha = None, None
    if rules_file is not None:
        import hashlib

        from fraudwarn.rules import load_rules

        load_rules(rules_file)  # a bad rules file fails before the job starts
        rules_path = str(Path(rules_file).resolve())
        rules_sha = hashlib.sha256(Path(rules_path).read_bytes()).hexdigest()
    if batch_size is not None:
        if batch_size < 1:
            raise InputError("batch_size 必须是正整数。")
        df.sparkSession.conf.set(ARROW_BATCH_CONF, str(batch_size))
    job = _Job(
        text_column=text_column,
        kept=tuple(kept),
        sender_column=sender_column,
        model_dir=model_path,
        model_sha256=str(model.manifest.get("model_sha256")),
        options=BatchOptions(threshold=threshold, mask_pii=mask_pii, rules_file=rules_path,
                             rules_sha256=rules_sha),
    )
    needed = list(dict.fromkeys([*kept, text_column, *([sender_column] if sender_column else [])]))
    by_name = {f.name: f for f in df.schema.fields}
    schema = output_schema([by_name[c] for c in kept], model_sha256=job.model_sha256)
    return df.select(*needed).mapInPandas(partial(_score_batches, job), schema)


def load_counts(spark: SparkSession, model_sha256: str | None = None, tasks: int = 16) -> dict[int, int]:
    """{Python worker pid: model loads in it}, read back by a small Spark job over ``tasks`` partitions.

    Python workers are reused across tasks, so after scoring this shows one load per worker and model.
    """
    rows = (
        spark.range(tasks, numPartitions=tasks)
        .mapInPandas(partial(_report_loads, model_sha256), "pid long, loads long")
        .distinct()
        .collect()
    )
    return {int(r["pid"]): int(r["loads"]) for r in rows}


def summarise(scored: DataFrame, *, time_column: str | None = None) -> dict[str, Any]:
    """The counts of batch's ``--summary`` (same keys and shape), by one Spark aggregation.

    Only the grouped counts (at most a few hundred rows) reach the driver.
    """
    from pyspark.sql import functions as F

    kind = F.when(F.col("status").startswith("error"), F.lit("error")).otherwise(F.col("status"))
    fraud = F.col("is_fraud").cast("string").isin("true", "True", "1")
    grouped = (
        scored.groupBy(kind.alias("kind"), "category", "role", "risk", fraud.alias("fraud"))
        .count()
        .collect()
    )
    status: Counter[str] = Counter()
    category: Counter[str] = Counter()
    role: Counter[str] = Counter()
    risk: Counter[str] = Counter()
    category_role: dict[str, Counter[str]] = {}
    n_fraud = 0
    for r in grouped:
        n = int(r["count"])
        status[r["kind"]] += n
        if r["kind"] != "ok":
            continue
        rl = r["role"] or "—"
        category[r["category"]] += n
        role[rl] += n
        category_role.setdefault(r["category"], Counter())[rl] += n
        risk[r["risk"]] += n
        n_fraud += n if r["fraud"] else 0
    rows = sum(status.values())
    out: dict[str, Any] = {
        "rows_in": rows,
        "rows_out": rows,
        "ok": status.get("ok", 0),
        "empty": status.get("empty", 0),
        "errors": status.get("error", 0),
        "fraud": n_fraud,
        "by_category": dict(category.most_common()),
        "by_role": dict(role.most_common()),
        "by_category_role": {k: dict(v.most_common()) for k, v in category_role.items()},
        "by_risk": dict(risk.most_common()),
    }
    if time_column is not None:
        lo, hi = scored.agg(F.min(time_column), F.max(time_column)).first()  # type: ignore[misc]
        out["period"] = {"from": None if lo is None else str(lo), "to": None if hi is None else str(hi)}
    return out


def session(
    master: str | None = None, app_name: str = "fraudwarn", conf: dict[str, str] | None = None, *, hive: bool = False
) -> SparkSession:
    """A SparkSession (the running one under spark-submit); quiet logs; ``hive`` for Hive tables."""
    require("pyspark", "spark", "Spark 检测")
    require("pandas", "spark", "Spark 检测")
    require("pyarrow", "spark", "Spark 检测")
    from pyspark.sql import SparkSession

    builder = SparkSession.builder.appName(app_name)
    if master:
        builder = builder.master(master)
    if hive:
        builder = builder.enableHiveSupport()
    for k, v in {"spark.ui.showConsoleProgress": "false", **(conf or {})}.items():
        builder = builder.config(k, v)
    try:
        spark = builder.getOrCreate()
    except Exception as e:  # no Java, or Java too old: Spark's own error is a long Java trace
        raise InputError(f"无法启动 Spark（需要 Java 17 或 11，并设置 JAVA_HOME）：{str(e).splitlines()[0]}") from e
    spark.sparkContext.setLogLevel("ERROR")
    return spark
