"""fraudwarn: classify Chinese fraud messages and write 警方提示-style warnings, offline.

>>> import fraudwarn
>>> r = fraudwarn.classify("【京东客服】您的百万保障服务即将扣费，取消请联系…")
>>> r.category, r.role, r.risk   # doctest: +SKIP
"""

from __future__ import annotations

__version__ = "0.1.0"

from .categories import Category, Role, categories, get_category, get_role
from .errors import FraudwarnError, InputError, ModelError, UnknownCategoryError
from .indicators import Indicator, extract_indicators
from .normalize import normalize
from .predict import classify, classify_many, load_model
from .result import Classification, Evidence, TopCategory

__all__ = [
    "Category",
    "Classification",
    "Evidence",
    "FraudwarnError",
    "Indicator",
    "InputError",
    "ModelError",
    "Role",
    "TopCategory",
    "UnknownCategoryError",
    "__version__",
    "categories",
    "classify",
    "classify_many",
    "extract_indicators",
    "get_category",
    "get_role",
    "load_model",
    "normalize",
]
