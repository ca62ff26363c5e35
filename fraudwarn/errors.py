"""One exception hierarchy for fraudwarn.

Every error carries a stable code (``FW1xx`` input, ``FW2xx`` model, ``FW3xx`` data)
and a message in Chinese that says what to do next. The CLI prints ``code: message``
and exits with ``exit_code``; library callers catch :class:`FraudwarnError`.
"""

from __future__ import annotations

#: Exit codes the CLI documents in ``--help``; scripts may rely on them.
EXIT_OK = 0
EXIT_ERROR = 1  # bad input data or a failed job
EXIT_USAGE = 2  # wrong options or arguments (click's own convention)
EXIT_MODEL = 3  # missing, corrupt or incompatible model
EXIT_TOO_MANY_ERRORS = 4  # batch: output written, but more records failed than --max-errors allows


class FraudwarnError(Exception):
    """Base class: a user-facing failure with a stable code and a Chinese message."""

    code = "FW100"
    exit_code = EXIT_ERROR

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"


class InputError(FraudwarnError):
    """The text or file given cannot be processed (empty, too large, undecodable)."""

    code = "FW101"


class UnknownCategoryError(FraudwarnError):
    """A category or role name that is neither an id, a name nor an alias."""

    code = "FW102"
    exit_code = EXIT_USAGE


class ModelError(FraudwarnError):
    """The model file is missing, truncated, tampered with or incompatible."""

    code = "FW201"
    exit_code = EXIT_MODEL


class DataError(FraudwarnError):
    """A corpus or labelled file is malformed."""

    code = "FW301"


class DependencyError(FraudwarnError):
    """An optional dependency a feature needs is not installed (pyarrow for Parquet, pyspark)."""

    code = "FW104"


class FraudwarnWarning(UserWarning):
    """Something the user should know that does not stop the work (printed by the CLI)."""
