"""The shipped model must load after a non-editable install, from any working directory.

skops' lesson: test the installed artefact, not only the source tree.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.slow
def test_non_editable_install_loads_the_shipped_model(tmp_path):
    if not (ROOT / "models" / "manifest.json").is_file():
        pytest.fail("no shipped model in models/: run fraudwarn train")
    target = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(target), str(ROOT)],
        check=True,
        capture_output=True,
    )
    assert (target / "fraudwarn" / "shipped" / "model.npz").is_file()
    code = (
        "import fraudwarn, json;"
        "from fraudwarn.model.artifact import default_model_dir;"
        "r = fraudwarn.classify('【12381】您好，您可能正遭遇刷单诈骗，凡是要求垫付的兼职都是诈骗，请拨打96110');"
        "print(json.dumps({'file': fraudwarn.__file__, 'dir': str(default_model_dir()), 'cat': r.category}))"
    )
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {**os.environ, "PYTHONPATH": str(target)}
    p = subprocess.run([sys.executable, "-c", code], cwd=elsewhere, env=env, capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    out = json.loads(p.stdout)
    assert out["file"].startswith(str(target))
    assert out["dir"].startswith(str(target))
    assert out["cat"]

    # Training commands after a non-editable install: the corpus comes from the working directory,
    # and nothing is ever written into the installed package.
    cli = [sys.executable, "-c", "from fraudwarn.cli import main; main()"]
    p = subprocess.run([*cli, "corpus", "check"], cwd=elsewhere, env=env, capture_output=True, text=True)
    assert p.returncode != 0 and "--data" in p.stderr and "Traceback" not in p.stderr
    p = subprocess.run([*cli, "train", "--data", str(ROOT / "data" / "corpus"), "--folds", "0"],
                       cwd=elsewhere, env=env, capture_output=True, text=True)
    assert p.returncode != 0 and "--out" in p.stderr and "Traceback" not in p.stderr
    p = subprocess.run([*cli, "corpus", "check", "--json"], cwd=ROOT, env=env, capture_output=True, text=True)
    assert "Traceback" not in p.stderr and json.loads(p.stdout)["records"] > 0


def test_source_checkout_finds_models_folder():
    from fraudwarn.model.artifact import default_model_dir

    d = default_model_dir()
    assert (d / "manifest.json").is_file(), f"shipped model missing at {d}"


def test_shipped_model_was_trained_on_the_committed_corpus():
    """The manifest's training-data hash must match data/corpus: retrain after editing the corpus."""
    import json

    from fraudwarn.training.corpus import data_sha256

    manifest = json.loads((ROOT / "models" / "manifest.json").read_text("utf-8"))
    assert manifest["data_sha256"] == data_sha256(ROOT / "data" / "corpus")
