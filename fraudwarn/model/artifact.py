"""Model artifacts: a folder with ``model.npz`` (plain arrays) and ``manifest.json``.

Format 3 holds only numbers, strings packed as UTF-8 bytes, and a JSON manifest: no pickled
objects, so renaming a module never breaks a model, and ``numpy.load(allow_pickle=False)``
cannot run code while loading. The manifest records the format version, library versions,
the sha256 of ``model.npz``, fingerprints of the normalisation resources (normaliser
version, ``deobfuscation.json``, ``userdict.txt``, ``redflags.json``), the training data's
sha256, thresholds and evaluation figures.

What the sha256 protects against: a truncated or corrupted file. What it does not: someone
who writes a model folder can write a matching manifest too, so a model is only as
trustworthy as the folder it comes from (it cannot run code, but it can give bad answers).

To change the format: bump ``FORMAT_VERSION``, keep loading the previous one or refuse it
with a clear message, and keep a small fixture of the old format in ``tests/model/``.
Format 2 (a joblib pickle of fraudwarn classes) is refused with a message to retrain.
"""

from __future__ import annotations

import hashlib
import json
import platform
import warnings
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np

from fraudwarn._version import __version__
from fraudwarn.categories import categories, roles
from fraudwarn.errors import FraudwarnWarning, ModelError
from fraudwarn.model.classifier import FraudModel, LinearHead
from fraudwarn.model.features import FeatureSpace
from fraudwarn.text.normalize import resource_fingerprints

FORMAT_VERSION = 3
MODEL_FILE = "model.npz"
MANIFEST_FILE = "manifest.json"


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    def v(dist: str) -> str:
        try:
            return version(dist)
        except PackageNotFoundError:
            return "unknown"

    return {
        "fraudwarn": __version__,
        "scikit-learn": v("scikit-learn"),
        "rjieba": v("rjieba"),
        "numpy": np.__version__,
        "python": platform.python_version(),
    }


def to_arrays(model: FraudModel) -> dict[str, np.ndarray]:
    a = {f"features.{k}": v for k, v in model.features.to_arrays().items()}
    for name, head in (("category", model.category_head), ("role", model.role_head)):
        a[f"{name}.coef"] = head.coef.astype(np.float32)
        a[f"{name}.intercept"] = head.intercept.astype(np.float64)
        a[f"{name}.temperature"] = np.asarray([head.temperature], dtype=np.float64)
        a[f"{name}.classes"] = np.frombuffer("\n".join(head.classes).encode("utf-8"), dtype=np.uint8)
    a["platt"] = np.asarray(model.platt, dtype=np.float64)
    a["min_evidence"] = np.asarray([model.min_evidence], dtype=np.int64)
    return a


def from_arrays(a: Any, thresholds: dict[str, float]) -> FraudModel:
    feats = FeatureSpace.from_arrays({k[len("features.") :]: a[k] for k in a.files if k.startswith("features.")})
    heads = []
    for name in ("category", "role"):
        classes = a[f"{name}.classes"].tobytes().decode("utf-8").split("\n")
        heads.append(
            LinearHead(
                classes,
                a[f"{name}.coef"].astype(np.float64),
                a[f"{name}.intercept"].astype(np.float64),
                float(a[f"{name}.temperature"][0]),
            )
        )
    p = a["platt"]
    return FraudModel(
        feats, heads[0], heads[1], (float(p[0]), float(p[1])), dict(thresholds), int(a["min_evidence"][0])
    )


def save(model: FraudModel, directory: str | Path) -> Path:
    """Write ``model.npz`` and ``manifest.json`` into ``directory``; return the manifest path."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / MODEL_FILE
    tmp = directory / (MODEL_FILE + ".tmp")
    with open(tmp, "wb") as f:
        np.savez(f, **to_arrays(model))  # type: ignore[arg-type]
    tmp.replace(path)
    computed = {
        "format_version", "created", "versions", "model_file", "model_sha256", "categories", "roles",
        "resources", "thresholds",
    }
    extra = {k: v for k, v in model.manifest.items() if k not in computed and not k.startswith("_")}
    manifest = {
        "format_version": FORMAT_VERSION,
        "created": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "versions": _versions(),
        "model_file": MODEL_FILE,
        "model_sha256": _sha256(path),
        "resources": resource_fingerprints(),
        "categories": [{"id": c.id, "name": c.name} for c in categories() if c.id in model.category_ids],
        "roles": [{"id": r.id, "name": r.name} for r in roles() if r.id in model.role_ids],
        "thresholds": model.thresholds,
        **extra,
    }
    mpath = directory / MANIFEST_FILE
    mpath.write_text(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    model.manifest = manifest
    return mpath


def default_model_dir() -> Path:
    """The shipped model: package data when installed, ``models/`` in a source checkout."""
    try:
        from importlib import resources

        shipped = resources.files("fraudwarn.shipped")
        if shipped.joinpath(MANIFEST_FILE).is_file():
            return Path(str(shipped))
    except ModuleNotFoundError:
        pass
    return Path(__file__).resolve().parents[2] / "models"


def read_manifest(directory: str | Path) -> dict[str, Any]:
    mpath = Path(directory) / MANIFEST_FILE
    if not mpath.is_file():
        raise ModelError(f"找不到模型清单 {mpath}。请确认模型目录正确，或运行 fraudwarn train 重新训练。")
    try:
        manifest = json.loads(mpath.read_text("utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise ModelError(f"模型清单 {mpath} 已损坏（{type(e).__name__}），请重新训练或重新安装。") from e
    if not isinstance(manifest, dict):
        raise ModelError(f"模型清单 {mpath} 格式不对，请重新训练或重新安装。")
    return manifest


def load(directory: str | Path | None = None) -> FraudModel:
    """Load and verify a model folder; ``None`` means the shipped model."""
    directory = Path(directory) if directory is not None else default_model_dir()
    manifest = read_manifest(directory)
    fmt = manifest.get("format_version")
    if fmt == 2:
        raise ModelError(
            f"{directory} 是旧版模型（格式版本 2，joblib 序列化的程序对象），本程序只加载格式版本 "
            f"{FORMAT_VERSION}（纯数据）。请用 fraudwarn train 重新训练。"
        )
    if fmt != FORMAT_VERSION:
        raise ModelError(
            f"模型格式版本 {fmt} 与本程序支持的版本 {FORMAT_VERSION} 不兼容，请用 fraudwarn train 重新训练。"
        )
    path = directory / str(manifest.get("model_file", MODEL_FILE))
    if not path.is_file():
        raise ModelError(f"找不到模型文件 {path}，请重新训练或重新安装。")
    if _sha256(path) != manifest.get("model_sha256"):
        raise ModelError(f"模型文件 {path} 的校验值与清单不符（文件被截断或损坏），已拒绝加载。")
    try:
        with np.load(path, allow_pickle=False) as a:
            model = from_arrays(a, manifest.get("thresholds", {}))
    except ModelError:
        raise
    except Exception as e:
        raise ModelError(f"模型文件 {path} 无法加载（{type(e).__name__}），请重新训练或重新安装。") from e
    for key in ("fraud", "high", "medium"):
        if not isinstance(model.thresholds.get(key), (int, float)):
            raise ModelError(f"模型清单 {directory / MANIFEST_FILE} 缺少阈值 {key}，请重新训练。")
    saved = manifest.get("resources", {})
    now = resource_fingerprints()
    changed = sorted(k for k in now if saved.get(k) != now[k])
    if changed:
        warnings.warn(
            f"模型训练时的文本处理资源与当前不同（{'、'.join(changed)}）：结果可能与训练时不一致，建议重新训练。",
            FraudwarnWarning,
            stacklevel=2,
        )
    model.manifest = manifest
    from fraudwarn.model import keycache

    keycache.attach(model.features, manifest.get("model_sha256"))  # the lookup keys, kept between runs
    return model
