"""fraudwarn: classify Chinese fraud messages and write 警方提示-style warnings, offline.

>>> import fraudwarn
>>> r = fraudwarn.classify("【京东客服】您的百万保障服务即将扣费，取消请联系…")
>>> r.category, r.role, r.risk   # doctest: +SKIP
"""

from __future__ import annotations

from fraudwarn._version import __version__
from fraudwarn.categories import Category, Role, categories, get_category, get_role
from fraudwarn.errors import FraudwarnError, InputError, ModelError, UnknownCategoryError
from fraudwarn.predict import classify, classify_many, load_model
from fraudwarn.result import Classification, Evidence, TopCategory
from fraudwarn.text.indicators import Indicator, extract_indicators
from fraudwarn.text.normalize import normalize

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
