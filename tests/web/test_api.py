"""The JSON API: fields as ``classify --json``, limits, errors in Chinese, jobs, warnings."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner
from fastapi.testclient import TestClient

import fraudwarn
from fraudwarn.batch.run import run_batch
from fraudwarn.cli.main import main
from tests.web.conftest import FRAUD, NORMAL, UNSURE, make_client, wait_for_job


def test_classify_answers_the_fields_of_classify_json(client: TestClient) -> None:
    r = client.post("/api/v1/classify", json={"texts": [FRAUD, NORMAL]})
    assert r.status_code == 200
    results = r.json()["results"]
    cli = CliRunner().invoke(main, ["classify", "--json", FRAUD, NORMAL])
    assert cli.exit_code == 0, cli.output
    expected = [json.loads(line) for line in cli.output.splitlines() if line.strip()]
    assert results == expected
    assert results[0]["category"] == "冒充电商物流客服" and results[0]["risk"] == "高"
    assert results[1]["category"] == "正常" and results[1]["is_fraud"] is False
    assert set(results[0]) == set(fraudwarn.classify(FRAUD).to_dict())


def test_classify_threshold_and_explain_options(client: TestClient) -> None:
    r = client.post("/api/v1/classify", json={"texts": [UNSURE], "explain": False, "threshold": 0.05})
    assert r.status_code == 200
    (res,) = r.json()["results"]
    assert res["evidence"] == [] and res["is_fraud"] is True


def test_list_length_limit_is_422_in_chinese(tmp_path: Path) -> None:
    with make_client(tmp_path, max_texts=3) as c:
        r = c.post("/api/v1/classify", json={"texts": [NORMAL] * 4})
        assert r.status_code == 422
        assert "一次最多检测 3 条消息" in r.json()["detail"]
        assert c.post("/api/v1/classify", json={"texts": [NORMAL] * 3}).status_code == 200


def test_body_size_limit_is_413(tmp_path: Path) -> None:
    with make_client(tmp_path, max_body_bytes=2000) as c:
        r = c.post("/api/v1/classify", json={"texts": ["很长的消息" * 300]})
        assert r.status_code == 413
        assert "请求太大" in r.json()["detail"]

        def chunks():  # no Content-Length: the limit is counted while the body streams in
            yield b'{"texts": ["'
            for _ in range(100):
                yield "很长的消息".encode() * 10
            yield b'"]}'

        r = c.post("/api/v1/classify", content=chunks(), headers={"content-type": "application/json"})
        assert r.status_code == 413


def test_malformed_requests_are_422_with_chinese_detail(client: TestClient) -> None:
    cases = [
        ({"texts": "一条"}, "texts"),
        ({"texts": [1, 2]}, "texts"),
        ({}, "texts"),
        ({"texts": [FRAUD], "threshold": 2}, "threshold"),
    ]
    for body, field in cases:
        r = client.post("/api/v1/classify", json=body)
        assert r.status_code == 422, body
        assert r.json()["detail"].startswith("请求格式不正确") and field in r.json()["detail"]
    r = client.post("/api/v1/classify", content=b"{not json", headers={"content-type": "application/json"})
    assert r.status_code == 422
    r = client.post("/api/v1/classify", json={"texts": [FRAUD, "  "]})
    assert r.status_code == 422 and r.json() == {"detail": "第 2 条输入为空：请提供要检测的消息文本。", "code": "FW101"}
    r = client.post("/api/v1/classify", json={"texts": []})
    assert r.status_code == 422 and "没有要检测的消息" in r.json()["detail"]
    assert client.get("/api/v1/nothing").json() == {"detail": "没有这个页面或接口。"}
    assert client.get("/api/v1/classify").status_code == 405


def test_health_model_info_and_openapi(client: TestClient) -> None:
    h = client.get("/api/v1/health").json()
    assert h["status"] == "ok" and h["version"] == fraudwarn.__version__
    m = client.get("/api/v1/model").json()
    assert m["shipped"] is True and m["model_sha256"] == fraudwarn.load_model().manifest["model_sha256"]
    assert m["limits"]["max_texts"] == 100
    doc = client.get("/api/v1/openapi.json").json()
    for path in ("/api/v1/classify", "/api/v1/warn", "/api/v1/jobs", "/api/v1/jobs/{jid}",
                 "/api/v1/jobs/{jid}/result", "/api/v1/health", "/api/v1/model"):
        assert path in doc["paths"], path
    assert client.get("/docs").status_code == 404  # Swagger UI would load scripts from a CDN


def test_the_model_is_loaded_once_per_app(client: TestClient) -> None:
    ctx = client.app.state.ctx  # type: ignore[attr-defined]
    assert ctx.model is fraudwarn.load_model()
    client.post("/api/v1/classify", json={"texts": [FRAUD]})
    assert ctx.model is fraudwarn.load_model()


def test_warn_per_type_channel_and_aggregate(client: TestClient) -> None:
    r = client.post("/api/v1/warn", json={"types": ["刷单返利"], "channel": "sms", "issuer": "城南派出所",
                                          "date": "2026-11-22"})
    assert r.status_code == 200
    w = r.json()
    assert w["channel"] == "sms" and len(w["text"].strip()) <= 70 and "城南派出所" in w["text"]
    import datetime as dt

    from fraudwarn.notices.render import render

    assert w["text"] == render(["刷单返利"], channel="sms", issuer="城南派出所", date=dt.date(2026, 11, 22)).text
    r = client.post("/api/v1/warn", json={"types": ["order_brushing", "冒充公检法"], "channel": "notice"})
    assert r.status_code == 200 and len(r.json()["categories"]) == 2
    r = client.post("/api/v1/warn", json={"types": ["不存在的类型"]})
    assert r.status_code == 422 and "未知的诈骗类型" in r.json()["detail"]
    r = client.post("/api/v1/warn", json={"types": ["正常"]})
    assert r.status_code == 422 and "不是诈骗类型" in r.json()["detail"]
    assert client.post("/api/v1/warn", json={"types": ["刷单返利"], "channel": "fax"}).status_code == 422


def test_batch_job_submit_status_download(client: TestClient, tmp_path: Path) -> None:
    rows = [("a1", FRAUD), ("a2", NORMAL), ("a3", UNSURE), ("a4", "")]
    csv_text = "编号,短信内容\n" + "".join(f"{i},{t}\n" for i, t in rows)
    r = client.post("/api/v1/jobs", files={"file": ("dump.csv", csv_text.encode("gb18030"))},
                    data={"text_column": "短信内容", "keep_text": "true"})
    assert r.status_code == 202, r.text
    job = wait_for_job(client, r.json()["id"])
    assert job["status"] == "done", job
    s = job["summary"]
    assert s["rows_in"] == 4 and s["empty"] == 1 and s["encoding"] == "gb18030" and s["input"] == "dump.csv"
    assert "output" not in s  # no server-side paths in what the client sees
    got = [json.loads(line) for line in client.get(job["downloads"]["jsonl"]).text.splitlines()]
    src = tmp_path / "dump.csv"
    src.write_bytes(csv_text.encode("gb18030"))
    run_batch(str(src), str(tmp_path / "cli.jsonl"), text_column="短信内容", jobs=1)
    cli = [json.loads(line) for line in (tmp_path / "cli.jsonl").read_text("utf-8").splitlines()]
    assert [{k: v for k, v in g.items() if k != "text"} for g in got] == cli
    assert [g["text"] for g in got] == [t for _, t in rows]
    csv_out = client.get(job["downloads"]["csv"])
    assert csv_out.headers["content-type"].startswith("text/csv")
    assert csv_out.text.lstrip("\ufeff").splitlines()[0].startswith("id,category,")
    summary = client.get(f"/api/v1/jobs/{job['id']}/summary").json()
    assert summary["by_category_role"] == s["by_category_role"]
    notice = client.post("/api/v1/warn", json={"job": job["id"], "channel": "notice"}).json()
    assert notice["categories"]  # the aggregate 近期高发 notice from this batch
    assert client.delete(f"/api/v1/jobs/{job['id']}").status_code == 200
    assert client.get(f"/api/v1/jobs/{job['id']}").status_code == 404


def test_batch_job_errors(tmp_path: Path) -> None:
    with make_client(tmp_path, upload_limit_bytes=1000) as c:
        r = c.post("/api/v1/jobs", files={"file": ("big.txt", ("一" * 2000).encode())})
        assert r.status_code == 413 and "超过" in r.json()["detail"]
        r = c.post("/api/v1/jobs", files={"file": ("big.txt", ("一" * 400000).encode())})
        assert r.status_code == 413
        r = c.post("/api/v1/jobs", files={"file": ("sheet.xlsx", b"PK\x03\x04")})
        assert r.status_code == 422 and "Excel" in r.json()["detail"]
        r = c.post("/api/v1/jobs", files={"file": ("empty.txt", b"")})
        assert r.status_code == 422 and "空" in r.json()["detail"]
        r = c.post("/api/v1/jobs", files={"file": ("x.csv", b"a,b\n1,2\n")}, data={"text_column": "内容"})
        job = wait_for_job(c, r.json()["id"])
        assert job["status"] == "failed" and "内容" in job["error"]
        assert c.get(f"/api/v1/jobs/{job['id']}/result").status_code == 409
        assert c.get("/api/v1/jobs/nope").status_code == 404
        assert list((tmp_path / "work").iterdir()) == [(tmp_path / "work" / job["id"])]  # refused uploads: gone


def test_uploads_are_deleted_after_scoring_and_after_the_ttl(tmp_path: Path) -> None:
    with make_client(tmp_path, upload_ttl_seconds=600) as c:
        r = c.post("/api/v1/jobs", files={"file": ("a.txt", f"{FRAUD}\n{NORMAL}\n".encode())})
        job = wait_for_job(c, r.json()["id"])
        d = tmp_path / "work" / job["id"]
        assert not any(p.name.startswith("input") for p in d.iterdir())  # the upload itself goes once scored
        jobs = c.app.state.ctx.jobs  # type: ignore[attr-defined]
        assert jobs.sweep(now=jobs.get(job["id"]).finished + 599) == 0 and d.is_dir()
        assert jobs.sweep(now=jobs.get(job["id"]).finished + 600) == 1 and not d.exists()
        assert c.get(f"/api/v1/jobs/{job['id']}").status_code == 404
        r = c.post("/api/v1/jobs", files={"file": ("b.txt", f"{FRAUD}\n".encode())})
        wait_for_job(c, r.json()["id"])
    assert not list((tmp_path / "work").iterdir())  # stopping the server deletes everything


def test_token_is_required_when_set(tmp_path: Path) -> None:
    with make_client(tmp_path, token="s3cret") as c:
        body = {"texts": [FRAUD]}
        r = c.post("/api/v1/classify", json=body)
        assert r.status_code == 401 and "令牌" in r.json()["detail"] and r.headers["www-authenticate"] == "Bearer"
        assert c.post("/api/v1/classify", json=body, headers={"Authorization": "Bearer wrong"}).status_code == 401
        assert c.post("/api/v1/classify", json=body, headers={"Authorization": "Bearer s3cret"}).status_code == 200
        assert c.get("/api/v1/health").status_code == 200  # liveness needs no token
        assert c.get("/").status_code == 401
        r = c.get("/warn?token=s3cret&channel=sms", follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"] == "/warn?channel=sms"
        assert "httponly" in r.headers["set-cookie"].lower() and "samesite=strict" in r.headers["set-cookie"].lower()
        assert c.get("/").status_code == 200  # the cookie from the redirect
        assert c.get("/api/v1/model").status_code == 200


def test_forged_host_and_cross_site_posts_are_refused(client: TestClient) -> None:
    r = client.get("/api/v1/health", headers={"host": "evil.example"})
    assert r.status_code == 403 and "本机" in r.json()["detail"]
    assert client.get("/api/v1/health", headers={"host": "localhost:8000"}).status_code == 200
    r = client.post("/api/v1/classify", json={"texts": [FRAUD]}, headers={"origin": "http://evil.example"})
    assert r.status_code == 403 and "跨站" in r.json()["detail"]
    r = client.post("/", data={"texts": FRAUD}, headers={"origin": "http://127.0.0.1:8000"})
    assert r.status_code == 200


def test_overload_answers_503_not_a_queue(tmp_path: Path) -> None:
    with make_client(tmp_path, max_concurrent=2) as c:
        c.get("/api/v1/health")
        guard = c.app.state.guard["guard"]  # type: ignore[attr-defined]
        guard.in_flight = 2  # two requests being served
        r = c.post("/api/v1/classify", json={"texts": [FRAUD]})
        assert r.status_code == 503 and r.headers["retry-after"] == "1" and "繁忙" in r.json()["detail"]
        assert c.get("/static/style.css").status_code == 200  # assets are not counted
        guard.in_flight = 0
        assert c.post("/api/v1/classify", json={"texts": [FRAUD]}).status_code == 200
        assert c.get("/api/v1/health").json()["rejected"] == 1


def test_cli_refuses_public_bind_without_token_and_needs_no_web_deps_for_help() -> None:
    r = CliRunner().invoke(main, ["serve", "--host", "0.0.0.0"])
    assert r.exit_code == 2 and "--token" in r.output
    code = "import sys, fraudwarn.cli.main; print(sorted(m for m in sys.modules if m.split('.')[0] in ('fastapi', 'uvicorn', 'starlette')))"
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert p.returncode == 0 and p.stdout.strip() == "[]", p.stderr


def test_batch_jobs_use_the_servers_model_not_a_fresh_load(tmp_path: Path) -> None:
    """With --model DIR, a batch job scores with the model the server loaded at start, not a new copy."""
    import fraudwarn.batch.run as batch_run
    from fraudwarn.model.artifact import default_model_dir

    with make_client(tmp_path, model_dir=Path(default_model_dir())) as c:
        ctx = c.app.state.ctx  # type: ignore[attr-defined]
        assert ctx.model is not fraudwarn.load_model()  # --model DIR: the server's own load
        r = c.post("/api/v1/jobs", files={"file": ("d.txt", f"{FRAUD}\n{NORMAL}\n".encode())})
        assert r.status_code == 202, r.text
        assert wait_for_job(c, r.json()["id"])["status"] == "done"
        assert batch_run._MODEL is ctx.model
