from __future__ import annotations

import contextlib
import gc
import os
import shutil
import subprocess
import sys
import tempfile
import traceback
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"
# The model's lookup-key cache (fraudwarn.model.keycache) goes to a folder of this run, inherited by
# every command the tests start: tests never read or write the user's own cache.
os.environ.setdefault("FRAUDWARN_CACHE_DIR", tempfile.mkdtemp(prefix="fraudwarn-test-cache-"))
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def mini_records():
    from fraudwarn.training.corpus import read_jsonl

    return read_jsonl(FIXTURES / "mini_corpus.jsonl")


@pytest.fixture(scope="session")
def mini_model_dir(tmp_path_factory, mini_records):
    """A small model trained on the fixture corpus (seconds), saved to a temp folder."""
    from fraudwarn.model.artifact import save
    from fraudwarn.training.fit import train

    model = train(
        [r.text for r in mini_records],
        [r.label for r in mini_records],
        [r.role for r in mini_records],
        groups=[r.group for r in mini_records],
        folds=0,
    )
    d = tmp_path_factory.mktemp("mini_model")
    save(model, d)
    return d


@pytest.fixture(scope="session")
def mini_model(mini_model_dir):
    from fraudwarn.model.artifact import load

    return load(mini_model_dir)


@pytest.fixture()
def model_copy(tmp_path, mini_model_dir):
    d = tmp_path / "model"
    shutil.copytree(mini_model_dir, d)
    return d


def fraudwarn_cmd() -> list[str]:
    """The installed console script (tests the packaging), else python -m fraudwarn."""
    exe = shutil.which("fraudwarn", path=str(Path(sys.executable).parent)) or shutil.which("fraudwarn")
    return [exe] if exe else [sys.executable, "-m", "fraudwarn"]


def run_cli(*args: str, input: bytes | None = None, cwd: Path | None = None, env: dict | None = None):
    """The installed console script in a child process: for what needs a real process (signals,
    resume after a kill, packaging, Spark's own JVM) and the end-to-end tests in tests/cli/test_console_script.py.
    Everything else uses :func:`invoke`, which is the same command in-process and much faster."""
    e = {**os.environ, "NO_COLOR": "1", **(env or {})}
    return subprocess.run(
        [*fraudwarn_cmd(), *args], input=input, capture_output=True, cwd=cwd, env=e, timeout=300
    )


@contextlib.contextmanager
def _cwd(path: Path | str | None):
    if path is None:
        yield
        return
    before = os.getcwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(before)


def invoke(
    *args: str, input: bytes | None = None, cwd: Path | str | None = None, env: dict | None = None
) -> subprocess.CompletedProcess:
    """``fraudwarn ARGS`` in this process through click's CliRunner; the same result shape as :func:`run_cli`.

    ``returncode`` is the exit code (``_Group.main`` always ends in ``sys.exit``, which CliRunner
    catches), ``stdout`` and ``stderr`` are bytes kept apart (click 8.2+). ``input`` is standard
    input (empty when None), ``cwd`` is changed into and back, ``env`` overrides variables for
    the call only. An exception that escapes the command (a crash, not an exit code) fails the
    test with its traceback, so it can never pass for an ordinary ``exit 1``.
    """
    from click.testing import CliRunner

    from fraudwarn.cli.main import main

    runner = CliRunner(env={"NO_COLOR": "1", **(env or {})})
    try:
        with _cwd(cwd):
            result = runner.invoke(main, list(args), input=input, catch_exceptions=True)
    finally:
        gc.unfreeze()  # batch with workers freezes the heap it forks from; give pytest's back
    exc = result.exception
    if exc is not None and not isinstance(exc, SystemExit):
        tb = "".join(traceback.format_exception(*result.exc_info)) if result.exc_info else repr(exc)
        pytest.fail(
            f"fraudwarn {' '.join(args)} raised instead of exiting:\n{tb}\n"
            f"stderr:\n{result.stderr_bytes.decode('utf-8', 'replace')}",
            pytrace=False,
        )
    return subprocess.CompletedProcess(
        ["fraudwarn", *args], result.exit_code, result.stdout_bytes, result.stderr_bytes
    )


#: Fields every classify result carries (the foundation issue's --json contract).
RESULT_FIELDS = {
    "category",
    "category_id",
    "probability",
    "role",
    "role_id",
    "is_fraud",
    "risk",
    "top",
    "evidence",
    "indicators",
}


@pytest.fixture(scope="session")
def shipped_model():
    from fraudwarn.predict import load_model

    return load_model()


@pytest.fixture(scope="session")
def corpus_texts():
    from fraudwarn.training.corpus import load_corpus

    return [r.text for r in load_corpus()]
