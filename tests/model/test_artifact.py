import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fraudwarn.errors import ModelError
from fraudwarn.model.artifact import FORMAT_VERSION, MANIFEST_FILE, MODEL_FILE, load, save


def test_manifest_records_versions_hashes_and_labels(mini_model_dir):
    man = json.loads((mini_model_dir / MANIFEST_FILE).read_text("utf-8"))
    assert man["format_version"] == FORMAT_VERSION
    assert {"fraudwarn", "scikit-learn", "rjieba"} <= set(man["versions"])
    assert len(man["model_sha256"]) == 64
    assert [c["name"] for c in man["categories"]][-1] == "正常"
    assert {r["id"] for r in man["roles"]} == {"attempt", "report", "warning"}


def test_probabilities_are_distributions(mini_model):
    v = mini_model.score(["你好，这是一条测试消息", "先交解冻费才能放款"])
    assert np.allclose(v.category.sum(1), 1) and np.allclose(v.role.sum(1), 1)
    assert ((v.fraud >= 0) & (v.fraud <= 1)).all()


def test_manifest_fingerprints_the_normalisation_resources(mini_model_dir):
    res = json.loads((mini_model_dir / MANIFEST_FILE).read_text("utf-8"))["resources"]
    assert {"normalizer_version", "deobfuscation.json", "userdict.txt", "redflags.json"} <= set(res)


def test_changed_resources_warn_when_loading(model_copy):
    from fraudwarn.errors import FraudwarnWarning

    man = _manifest(model_copy)
    man["resources"]["userdict.txt"] = "0" * 64
    _write_manifest(model_copy, man)
    with pytest.warns(FraudwarnWarning, match="userdict.txt"):
        load(model_copy)


def test_the_model_file_holds_no_pickled_objects(mini_model_dir):
    # format 3 is plain arrays: numpy refuses object arrays without allow_pickle
    with np.load(mini_model_dir / MODEL_FILE, allow_pickle=False) as a:
        for k in a.files:
            assert a[k].dtype != object, k
    raw = (mini_model_dir / MODEL_FILE).read_bytes()
    assert b"fraudwarn." not in raw and b"cfraudwarn" not in raw


def test_format_2_models_are_refused_with_a_clear_message():
    from pathlib import Path

    old = Path(__file__).parent / "fixtures" / "format2"
    with pytest.raises(ModelError, match="格式版本 2"):
        load(old)


def test_training_is_deterministic(mini_records, mini_model):
    from fraudwarn.training.fit import train

    again = train(
        [r.text for r in mini_records],
        [r.label for r in mini_records],
        [r.role for r in mini_records],
        folds=0,
    )
    texts = ["您的快递丢失，我们双倍赔偿", "妈我到家了"]
    assert np.array_equal(mini_model.score(texts).category, again.score(texts).category)


@settings(max_examples=25, deadline=None)
@given(st.lists(st.text(min_size=1, max_size=60), min_size=1, max_size=4))
def test_save_load_round_trip_gives_identical_predictions(mini_model, tmp_path_factory, texts):
    d = tmp_path_factory.mktemp("rt")
    save(mini_model, d)
    loaded = load(d)
    a, b = mini_model.score(texts), loaded.score(texts)
    assert np.array_equal(a.category, b.category) and np.array_equal(a.role, b.role)
    assert np.array_equal(a.fraud, b.fraud) and a.risk == b.risk


def _flip_byte(path):
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))


def _manifest(d):
    return json.loads((d / MANIFEST_FILE).read_text("utf-8"))


def _write_manifest(d, man):
    (d / MANIFEST_FILE).write_text(json.dumps(man), "utf-8")


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda d: (d / MODEL_FILE).unlink(), "找不到模型文件"),
        (lambda d: (d / MANIFEST_FILE).unlink(), "找不到模型清单"),
        (lambda d: (d / MODEL_FILE).write_bytes((d / MODEL_FILE).read_bytes()[:500]), "校验值与清单不符"),
        (lambda d: _flip_byte(d / MODEL_FILE), "校验值与清单不符"),
        (lambda d: (d / MANIFEST_FILE).write_text("{not json", "utf-8"), "已损坏"),
        (lambda d: _write_manifest(d, {**_manifest(d), "format_version": 99}), "不兼容"),
        (lambda d: _write_manifest(d, {**_manifest(d), "thresholds": {}}), "缺少阈值"),
    ],
    ids=[
        "missing-model",
        "missing-manifest",
        "truncated",
        "tampered",
        "bad-manifest",
        "format",
        "thresholds",
    ],
)
def test_corrupt_models_are_refused_with_a_chinese_message(model_copy, damage, message):
    damage(model_copy)
    with pytest.raises(ModelError, match=message):
        load(model_copy)


def test_a_valid_npz_that_is_not_a_model_is_refused(model_copy):
    import hashlib

    with open(model_copy / MODEL_FILE, "wb") as f:
        np.savez(f, something=np.zeros(3))
    man = _manifest(model_copy)
    man["model_sha256"] = hashlib.sha256((model_copy / MODEL_FILE).read_bytes()).hexdigest()
    _write_manifest(model_copy, man)
    with pytest.raises(ModelError, match="无法加载"):
        load(model_copy)
