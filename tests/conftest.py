from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"
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
    e = {**os.environ, "NO_COLOR": "1", **(env or {})}
    return subprocess.run(
        [*fraudwarn_cmd(), *args], input=input, capture_output=True, cwd=cwd, env=e, timeout=300
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
