"""The lookup-key cache: a hit gives the same rows as keys built afresh; a bad file is rebuilt; no folder is fine."""

from __future__ import annotations

import numpy as np
import pytest

from fraudwarn.model import keycache
from fraudwarn.model.artifact import load
from fraudwarn.model.classifier import prepare

TEXTS = ["您好，我是京东客服，您的订单异常需要退款", "妈我到家了", "加微信 wxid_abc123 刷单日结 500元", "", "ab" * 50]


def _rows(model):  # type: ignore[no-untyped-def]
    p = prepare(TEXTS)
    return model.features.transform(p.norm, [[h.flag.id for h in f] for f in p.flags])


@pytest.fixture()
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("FRAUDWARN_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache"


def _same(a, b) -> None:  # type: ignore[no-untyped-def]
    assert np.array_equal(a.indptr, b.indptr) and np.array_equal(a.indices, b.indices)
    assert np.array_equal(a.data, b.data)


def test_second_load_hits_the_cache_and_scores_the_same(cache, mini_model_dir):
    first = load(mini_model_dir)
    sha = first.manifest["model_sha256"]
    assert keycache.cache_path(sha).is_file()  # written by the first load
    second = load(mini_model_dir)
    assert second.features._derived is not None  # keys came from the file
    fresh = load(mini_model_dir)
    fresh.features._derived = None
    fresh.features.__dict__.pop("word_keys", None)
    fresh.features._sorted_char = None
    _same(_rows(second), _rows(fresh))
    assert np.abs(second.score(TEXTS).fraud - fresh.score(TEXTS).fraud).max() == 0


@pytest.mark.parametrize("damage", ["truncate", "flip", "garbage"])
def test_a_damaged_cache_file_is_rebuilt(cache, mini_model_dir, damage):
    sha = load(mini_model_dir).manifest["model_sha256"]
    path = keycache.cache_path(sha)
    data = path.read_bytes()
    if damage == "truncate":
        path.write_bytes(data[: len(data) // 2])
    elif damage == "flip":
        b = bytearray(data)
        b[len(b) // 2] ^= 0xFF  # inside the key arrays: the checksum no longer matches
        path.write_bytes(bytes(b))
    else:
        path.write_bytes(b"not an npz")
    model = load(mini_model_dir)
    assert model.features._derived is None  # not taken from the damaged file
    assert keycache.attach(model.features, sha)  # rewritten whole: the next load hits again
    reference = load(mini_model_dir)
    reference.features._derived = None
    reference.features.__dict__.pop("word_keys", None)
    reference.features._sorted_char = None
    _same(_rows(model), _rows(reference))


def test_an_unwritable_cache_folder_is_not_an_error(tmp_path, monkeypatch, mini_model_dir):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    monkeypatch.setenv("FRAUDWARN_CACHE_DIR", str(blocker / "cache"))  # a folder under a file: mkdir fails
    model = load(mini_model_dir)
    assert model.score(TEXTS).fraud.shape == (len(TEXTS),)
    assert not (blocker / "cache").exists()
