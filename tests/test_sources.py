import codecs
import gzip

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fraudwarn.errors import InputError
from fraudwarn.sources import Source, detect_encoding

from .conftest import FIXTURES

TEXT = "您好，这里是京东客服。\n妈我到家了\n"


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (TEXT.encode("utf-8"), "utf-8"),
        (codecs.BOM_UTF8 + TEXT.encode("utf-8"), "utf-8-sig"),
        (TEXT.encode("gb18030") * 20, "gb18030"),
        (TEXT.encode("utf-16"), "utf-16"),
    ],
    ids=["utf8", "utf8-bom", "gbk", "utf16-bom"],
)
def test_encoding_detection(data, expected):
    assert detect_encoding(data) == expected


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030", "gbk", "utf-16"])
def test_every_encoding_reads_back_the_same_text(tmp_path, encoding):
    p = tmp_path / "in.txt"
    p.write_bytes(("第一条：您的快递丢失\r\n第二条：妈我到家了\n" * 30).encode(encoding))
    with Source(str(p)) as src:
        texts = [r.text for r in src]
    assert texts[:2] == ["第一条：您的快递丢失", "第二条：妈我到家了"]
    assert len(texts) == 60


def test_gzip_is_transparent(tmp_path):
    p = tmp_path / "in.txt.gz"
    p.write_bytes(gzip.compress("一\n二\n三\n".encode()))
    with Source(str(p)) as src:
        assert [r.text for r in src] == ["一", "二", "三"]


def test_nasty_txt_keeps_every_line_with_the_right_status():
    with Source(str(FIXTURES / "nasty.txt")) as src:
        recs = list(src)
    assert len(recs) == 11
    assert [r.number for r in recs] == list(range(1, 12))
    assert recs[0].text == "正常的一行：明天下午三点开会"
    assert "\x00" in recs[1].text  # NUL kept here, removed by normalisation
    assert recs[2].error and "无法解码" in recs[2].error  # invalid UTF-8
    assert recs[3].text == "你好，我是京东客服，您的订单需要退款"  # a GBK line inside UTF-8
    assert len(recs[4].text) == 900_000
    assert recs[6].text == "windows换行的一行"  # CRLF
    assert recs[8].text == "" and recs[9].text == "   "
    assert recs[10].text.startswith("最后一行没有换行符")


def test_nasty_csv_quoted_newlines_missing_cells_and_gbk():
    with Source(str(FIXTURES / "nasty.csv"), id_column="id") as src:
        recs = list(src)
    assert [r.id for r in recs] == ["1", "2", "3", "4", "-5", "6", "7", "8"]
    assert recs[1].text == "带引号的换行\n第二行也是同一条消息"
    assert recs[2].error and "缺少文本列" in recs[2].error
    assert recs[5].text == ""
    assert recs[7].text == "您的帐户异常请联系客服"


def test_nasty_jsonl_statuses():
    with Source(str(FIXTURES / "nasty.jsonl"), id_column="id") as src:
        recs = list(src)
    assert len(recs) == 8
    errors = [r.error for r in recs]
    assert errors[0] is None and recs[0].text == "妈我到家了"
    assert "JSON" in errors[1] and "JSON" in errors[2]
    assert "缺少文本字段" in errors[3]
    assert "不是字符串" in errors[4]
    assert "缺少文本字段" in errors[5]  # null
    assert recs[6].text == "" and errors[6] is None
    assert recs[7].text == "先交解冻费才能放款" and recs[7].id == "8"


def test_csv_without_a_recognisable_text_column_is_a_clear_error(tmp_path):
    p = tmp_path / "x.csv"
    p.write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(InputError, match="--text-column"), Source(str(p)) as src:
        list(src)


def test_missing_file_is_a_clear_error():
    with pytest.raises(InputError, match="找不到输入文件"):
        Source("/nonexistent/file.txt")


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.binary(max_size=40).filter(lambda b: b"\n" not in b and b"\r" not in b), min_size=1, max_size=30
    )
)
def test_arbitrary_bytes_give_one_record_per_line(tmp_path_factory, lines):
    p = tmp_path_factory.mktemp("b") / "in.txt"
    p.write_bytes(b"\n".join(lines) + b"\n")
    with Source(str(p), encoding="utf-8") as src:
        recs = list(src)
    assert len(recs) == len(lines)


SHORT_LINES = ["先交解冻费才能放款", "到家没", "明天见", "你好在吗", "刷单日结三百", "妈我到了", "好的收到",
               "晚上吃啥", "钱转你了", "老地方见", "在干嘛", "想你了", "快递到了吗", "下班了没", "帮我带个饭"]


def test_two_hundred_short_gbk_files_decode_exactly(tmp_path):
    import random

    rng = random.Random(16)
    for n in range(200):
        lines = [rng.choice(SHORT_LINES) + rng.choice(["", "！", "。。", "~", "?"]) for _ in range(rng.randint(1, 5))]
        p = tmp_path / f"{n}.txt"
        p.write_bytes(("\n".join(lines) + "\n").encode("gbk"))
        with Source(str(p)) as src:
            got = [r.text for r in src]
        assert got == lines, (src.encoding, lines)


def test_short_file_with_a_nul_is_not_taken_for_utf16(tmp_path):
    p = tmp_path / "x.txt"
    p.write_bytes(b"ab\x00c\n\x00d")
    with Source(str(p)) as src:
        assert not src.encoding.startswith("utf-16")
        assert len(list(src)) == 2


def test_utf16_without_bom_is_accepted_when_the_nul_pattern_is_unambiguous(tmp_path):
    p = tmp_path / "x.txt"
    p.write_bytes("hello world, this is ascii text\nsecond line here\n".encode("utf-16-le"))
    with Source(str(p)) as src:
        assert src.encoding == "utf-16-le"
        assert [r.text for r in src] == ["hello world, this is ascii text", "second line here"]


def test_jsonl_text_field_is_detected_like_csv_headers(tmp_path):
    import json

    p = tmp_path / "x.jsonl"
    p.write_text("".join(json.dumps({"content": f"消息{i}"}, ensure_ascii=False) + "\n" for i in range(15)), "utf-8")
    with Source(str(p)) as src:
        recs = list(src)
        assert src.text_field == "content"
    assert [r.text for r in recs] == [f"消息{i}" for i in range(15)]
    assert all(r.error is None for r in recs)


@pytest.mark.parametrize("after", [3, 40])
def test_an_unterminated_quote_does_not_swallow_the_following_rows(tmp_path, after):
    p = tmp_path / "x.csv"
    p.write_text("id,text\n1,\"引号没有闭合\n" + "".join(f"{i},正常{i}\n" for i in range(2, 2 + after)), "utf-8")
    with Source(str(p)) as src:
        recs = list(src)
    assert len(recs) == 1 + after
    assert recs[0].text is None and "引号没有闭合" in recs[0].error
    assert [r.text for r in recs[1:]] == [f"正常{i}" for i in range(2, 2 + after)]


def test_a_legitimate_multiline_field_stays_one_record(tmp_path):
    p = tmp_path / "x.csv"
    p.write_text('id,text\n1,"第一行\n第二行\n第三行"\n2,下一条\n', "utf-8")
    with Source(str(p)) as src:
        assert [r.text for r in src] == ["第一行\n第二行\n第三行", "下一条"]
