"""The pages: what they show, that every user string is escaped, that nothing loads from elsewhere."""

from __future__ import annotations

import re
from pathlib import Path

from fastapi.testclient import TestClient

from fraudwarn.training.corpus import CHANNELS, load_corpus, read_jsonl
from fraudwarn.training.evaluate import read_labelled
from fraudwarn.web import review
from tests.web.conftest import FRAUD, NORMAL, UNSURE, UNSURE_2, make_client, wait_for_job

HOSTILE = '<img src=x onerror="alert(1)"><script>alert("x")</script>&amp;'
_ATTR = re.compile(r'\b(?:src|href|action)="([^"]*)"')


def _local_only(html: str) -> None:
    for url in _ATTR.findall(html):
        assert url.startswith(("/", "#")) or url == "", url
    assert "http://" not in html and "https://" not in html.replace("http://127.0.0.1", "")


def test_detect_page_shows_the_verdict_highlights_and_links(client: TestClient) -> None:
    page = client.get("/")
    assert page.status_code == 200 and "检测消息" in page.text
    assert "default-src 'self'" in page.headers["content-security-policy"]
    r = client.post("/", data={"texts": f"{FRAUD}\n{NORMAL}", "one_per_line": "true"})
    assert r.status_code == 200
    html = r.text
    assert html.count('class="card result') == 2
    assert '<b class="category">冒充电商物流客服</b>' in html and '<b class="risk">高</b>' in html
    assert '<mark class="ev' in html and 'class="flag">要求下载会议软件或共享屏幕</span>' in html
    assert 'title="要求下载会议软件或共享屏幕' in html  # red flag named on its highlighted span
    assert "/warn?types=fake_customer_service&amp;channel=sms" in html
    assert html.count('data-copy="summary-') == 2
    _local_only(html)
    whole = client.post("/", data={"texts": f"{FRAUD}\n{NORMAL}"})
    assert whole.text.count('class="card result') == 1  # without 每行一条 the paste is one message


def test_detect_page_errors_are_shown_on_the_page(tmp_path: Path) -> None:
    with make_client(tmp_path, max_texts=2) as c:
        r = c.post("/", data={"texts": "一\n二\n三", "one_per_line": "true"})
        assert r.status_code == 422 and "一次最多检测 2 条消息" in r.text
        r = c.post("/", data={"texts": "   "})
        assert r.status_code == 422 and "没有要检测的消息" in r.text


def test_message_text_is_escaped_everywhere(client: TestClient) -> None:
    r = client.post("/", data={"texts": HOSTILE + FRAUD})
    assert r.status_code == 200
    assert "<img src=x" not in r.text and "<script>alert" not in r.text
    assert "&lt;img src=x onerror=&#34;alert(1)&#34;&gt;&lt;script&gt;" in r.text
    assert "&amp;amp;" in r.text


def test_issuer_region_and_file_names_are_escaped(client: TestClient) -> None:
    r = client.get("/warn", params={"types": "刷单返利", "channel": "notice", "issuer": "A&B<i>派出所</i>",
                                    "region": '"><script>x()</script>'})
    assert r.status_code == 200 and "<script>x()" not in r.text and "<i>派出所" not in r.text
    assert "A&amp;B派出所" in r.text
    poster = client.get("/warn/poster", params={"types": "刷单返利", "issuer": "A&B<i>派出所</i>"})
    assert poster.status_code == 200 and "A&amp;B派出所" in poster.text and "<i>" not in poster.text
    assert poster.headers["content-security-policy"].startswith("default-src 'none'")
    up = client.post("/batch", files={"file": ('<b onmouseover=x()>x</b>.txt', f"{FRAUD}\n".encode())})
    assert up.status_code == 200  # after the redirect to the job page
    listing = client.get("/batch").text
    assert '<b onmouseover' not in listing and "&lt;b onmouseover=x()&gt;x&lt;/b&gt;.txt" in listing


def test_warn_page_channels_and_poster(client: TestClient) -> None:
    form = client.get("/warn")
    assert form.status_code == 200 and form.text.count('name="types"') == 10
    sms = client.get("/warn", params={"types": "order_brushing", "channel": "sms", "issuer": "城南派出所"})
    text = re.search(r'<pre class="warning" id="warning">(.*?)</pre>', sms.text, re.S)
    assert text and len(text.group(1).strip()) <= 70 and "城南派出所" in text.group(1)
    html = client.get("/warn", params={"types": ["order_brushing", "impersonate_authority"], "channel": "html"})
    assert '<iframe class="poster"' in html.text
    src = re.search(r'id="poster" src="([^"]+)"', html.text)
    assert src
    poster = client.get(src.group(1).replace("&amp;", "&"))
    assert poster.status_code == 200 and "<!DOCTYPE html>" in poster.text and "谨防" in poster.text
    bad = client.get("/warn", params={"types": "order_brushing", "date": "22/11/2026"})
    assert bad.status_code == 422 and "YYYY-MM-DD" in bad.text
    _local_only(form.text)


def test_batch_page_progress_summary_chart_notice(client: TestClient) -> None:
    assert "不超过 20 MB" in client.get("/batch").text
    r = client.post("/batch", files={"file": ("week.txt", f"{FRAUD}\n{NORMAL}\n{UNSURE}\n".encode())},
                    follow_redirects=False)
    assert r.status_code == 303
    jid = r.headers["location"].rsplit("/", 1)[1]
    wait_for_job(client, jid)
    page = client.get(f"/batch/{jid}").text
    assert 'id="chart"' in page and page.count("<rect ") == 3
    assert f'href="/api/v1/jobs/{jid}/result?format=csv"' in page and 'id="notice"' in page
    assert f'href="/review?job={jid}"' in page
    _local_only(page)
    bad = client.post("/batch", files={"file": ("a.docx", b"PK")})
    assert bad.status_code == 422 and "Word" in bad.text
    assert client.get("/batch/nope").status_code == 404


def test_a_running_job_page_shows_progress_and_polls(tmp_path: Path) -> None:
    with make_client(tmp_path) as c:
        jobs = c.app.state.ctx.jobs  # type: ignore[attr-defined]
        job = jobs.new_job("queued.txt", text_column=None, keep_text=True)  # stored, not yet started
        page = c.get(f"/batch/{job.id}").text
        assert 'data-status="queued"' in page and '<progress id="progress"' in page and "排队中" in page
        assert c.get(f"/api/v1/jobs/{job.id}").json()["status"] == "queued"
        assert c.get(f"/api/v1/jobs/{job.id}/result").status_code == 409
        job.input_path.write_text(FRAUD + "\n", encoding="utf-8")
        jobs.start(job)
        assert wait_for_job(c, job.id)["status"] == "done"
        assert 'data-status="done"' in c.get(f"/batch/{job.id}").text


def test_review_writes_a_corpus_file_train_and_evaluate_read(tmp_path: Path) -> None:
    with make_client(tmp_path) as c:
        lines = [FRAUD, UNSURE, HOSTILE + UNSURE_2, NORMAL]
        r = c.post("/api/v1/jobs", files={"file": ("r.txt", "\n".join(lines).encode())})
        job = wait_for_job(c, r.json()["id"])
        n = job["review_rows"]
        assert n >= 2
        first = c.get(f"/review?job={job['id']}")
        assert first.status_code == 200 and f"第 1 / {n} 条" in first.text and "<img src=x" not in first.text
        r = c.post("/review", data={"job": job["id"], "i": 0, "decision": "correct", "label": "刷单返利",
                                    "role": "防范提示", "channel": "chat"}, follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"].endswith("i=1&saved=correct")
        r = c.post("/review", data={"job": job["id"], "i": 1, "decision": "confirm", "channel": "sms"})
        assert r.status_code == 200 and "已确认上一条" in r.text
        bad = c.post("/review", data={"job": job["id"], "i": 0, "decision": "correct", "label": "刷单返利",
                                      "role": "", "channel": "sms"})
        assert bad.status_code == 422 and "信息性质" in bad.text
        c.post("/review", data={"job": job["id"], "i": 0, "decision": "correct", "label": "正常",
                                "role": "诈骗信息", "channel": "sms"})  # 正常 takes no role: dropped
        last = c.get(f"/review?job={job['id']}&i={n}")
        assert "已全部看完" in last.text
        path = tmp_path / "review" / "reviewed.jsonl"
        assert c.get("/review/file").text == path.read_text("utf-8")
    records = read_jsonl(path)  # the reader behind `fraudwarn train --data` (load_corpus) …
    assert len(records) == 2 and load_corpus(path.parent) == records
    by_text = {r.text: r for r in records}
    assert by_text[UNSURE].label == "正常" and by_text[UNSURE].role == ""  # corrected twice: the last wins
    texts, cats, _roles, _, channels = read_labelled(path)  # … and behind `fraudwarn evaluate FILE`
    assert len(texts) == 2 and "normal" in cats and set(channels) <= set(CHANNELS)


def test_review_channels_are_the_corpus_channels() -> None:
    assert review.CHANNELS == CHANNELS
    assert set(review.CHANNEL_NAMES) == set(CHANNELS)


def test_static_assets_are_local_and_served(client: TestClient) -> None:
    css = client.get("/static/style.css")
    js = client.get("/static/app.js")
    assert css.status_code == js.status_code == 200
    for body in (css.text, js.text):
        assert "http://" not in body and "https://" not in body and "@import" not in body
