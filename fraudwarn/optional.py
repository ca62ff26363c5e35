"""Optional dependencies (pyarrow, pyspark): imported when a feature needs them, named if missing."""

from __future__ import annotations

import importlib
from types import ModuleType

from fraudwarn.errors import DependencyError


def require(module: str, extra: str, purpose: str) -> ModuleType:
    """Import ``module`` or raise DependencyError telling which extra to install."""
    try:
        return importlib.import_module(module)
    except ImportError as e:
        top = module.split(".")[0]
        raise DependencyError(
            f"{purpose}需要安装 {top}：请运行 pip install \"fraudwarn[{extra}]\"（或 pip install {top}）。"
        ) from e
