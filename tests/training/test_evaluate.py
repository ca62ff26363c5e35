import json

import numpy as np

from fraudwarn.training.evaluate import (
    category_metrics,
    expected_calibration_error,
    read_labelled,
    role_metrics,
)
from tests.conftest import FIXTURES, invoke


def test_category_metrics_on_a_small_table():
    y = ["normal", "normal", "online_loan", "pig_butchering", "online_loan"]
    p = ["normal", "online_loan", "online_loan", "pig_butchering", "normal"]
    m = category_metrics(y, p, hard_negative=[True, True, False, False, False])
    assert m["accuracy"] == 0.6
    assert m["fraud_recall"] == round(2 / 3, 4)
    assert m["normal_fpr"] == 0.5
    assert m["hard_negative_fpr"] == 0.5
    assert m["per_class"]["pig_butchering"]["f1"] == 1.0


def test_role_metrics_count_warnings_taken_for_fraud():
    m = role_metrics(["attempt", "warning", "warning", "report"], ["attempt", "attempt", "warning", "report"])
    assert m["warning_as_attempt"] == 0.5
    assert m["report_as_attempt"] == 0.0


def test_ece_is_zero_when_confidence_matches_accuracy():
    conf = np.array([0.8] * 10)
    correct = np.array([1] * 8 + [0] * 2)
    assert expected_calibration_error(conf, correct) < 1e-9
    assert expected_calibration_error(np.array([0.99] * 10), correct) > 0.15


def test_read_labelled_accepts_aliases_in_csv(tmp_path):
    p = tmp_path / "l.csv"
    p.write_text("text,label,role\n先交解冻费,贷款诈骗,诈骗信息\n妈我到家了,正常,\n", encoding="utf-8")
    texts, cats, roles, _, _ = read_labelled(p)
    assert texts[0] == "先交解冻费"
    assert cats == ["online_loan", "normal"] and roles == ["attempt", ""]


def test_evaluate_cli_json(mini_model_dir):
    p = invoke("evaluate", str(FIXTURES / "mini_corpus.jsonl"), "--json", "--model", str(mini_model_dir))
    assert p.returncode == 0, p.stderr.decode()
    d = json.loads(p.stdout)
    assert {"accuracy", "macro_f1", "per_class", "fraud_recall", "normal_fpr", "confusion", "ece"} <= set(
        d["category"]
    )
    assert "warning_as_attempt" in d["role"]


def test_evaluate_needs_data_or_cv():
    p = invoke("evaluate")
    assert p.returncode == 2


def test_evaluate_reads_gbk_csv_and_lists_every_invalid_row(tmp_path):
    """Labelled files go through the batch readers: GBK decodes; all bad rows are named, or skipped."""
    from tests.conftest import invoke

    src = tmp_path / "labelled.csv"
    src.write_bytes(
        "text,label,role\r\n先交解冻费才能放款,网络贷款,诈骗信息\r\n在吗,正常,\r\n你好,不存在的类,\r\n"
        "兼职刷单日结,刷单返利,乱写\r\n".encode("gbk")
    )
    p = invoke("evaluate", str(src))
    err = p.stderr.decode()
    assert p.returncode == 1 and "有 2 行无法使用" in err and "第 3 行" in err and "第 4 行" in err
    assert "Traceback" not in err
    p = invoke("evaluate", str(src), "--skip-invalid", "--json")
    assert p.returncode == 0, p.stderr.decode()
    assert "已跳过 2 行" in p.stderr.decode()
    import json

    assert json.loads(p.stdout)["category"]["n"] == 2
