"""The shipped model scores as it did when the reference was made (fd32d3b, before the speed-ups).

Refactors and performance work must not change a prediction: batch and single-text paths are
compared to stored scores to 1e-9. See ``fixtures/make_reference_scores.py``.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

REF = Path(__file__).parent / "fixtures" / "reference_scores.npz"


@pytest.fixture(scope="module")
def reference():
    with np.load(REF) as a:
        return {k: a[k] for k in a.files}


def test_reference_was_made_with_the_shipped_model(shipped_model, reference):
    made_with = reference["model_sha256"].tobytes().decode()
    assert made_with == shipped_model.manifest["model_sha256"], (
        "the shipped model was retrained: regenerate tests/model/fixtures/reference_scores.npz "
        "with make_reference_scores.py from the commit that trained it"
    )


def test_batch_scores_equal_the_reference(shipped_model, reference):
    texts = json.loads(reference["texts"].tobytes().decode("utf-8"))
    v = shipped_model.score(texts)
    assert np.abs(v.category - reference["category"]).max() <= 1e-9
    assert np.abs(v.role - reference["role"]).max() <= 1e-9
    assert np.abs(v.fraud - reference["fraud"]).max() <= 1e-9


def test_single_text_scores_equal_the_reference(shipped_model, reference):
    texts = json.loads(reference["texts"].tobytes().decode("utf-8"))[: len(reference["single_fraud"])]
    fraud = np.array([shipped_model.score([t]).fraud[0] for t in texts])
    cat = np.vstack([shipped_model.score([t]).category for t in texts])
    assert np.abs(fraud - reference["single_fraud"]).max() <= 1e-9
    assert np.abs(cat - reference["single_category"]).max() <= 1e-9
