"""The ASGI application: the JSON API under ``/api/v1/`` and the four workbench pages.

The model is loaded once, when the app is built; every request calls the library
(:func:`fraudwarn.predict.classify_many`, :func:`fraudwarn.notices.render.render`,
:func:`fraudwarn.batch.run.run_batch` through :mod:`fraudwarn.web.jobs`).
Pages are Jinja2 templates with autoescaping on: message text, issuer, file names and
errors are always escaped.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib import resources
from typing import Annotated, Any, Literal
from urllib.parse import urlencode

from fastapi import FastAPI, File, Form, Query, Request, UploadFile
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from jinja2 import Environment, PackageLoader, select_autoescape
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException

from fraudwarn._version import __version__
from fraudwarn.categories import categories, fraud_categories, roles
from fraudwarn.errors import FraudwarnError, InputError, ModelError
from fraudwarn.notices.render import CHANNELS as WARN_CHANNELS
from fraudwarn.notices.render import RenderedWarning
from fraudwarn.web import review as rv
from fraudwarn.web import views
from fraudwarn.web.guard import Guard
from fraudwarn.web.jobs import Job, JobManager, UploadTooLarge, too_large
from fraudwarn.web.settings import Settings

API = "/api/v1"
_NONE: list[str] = []  # an empty default for repeated query parameters (never mutated)
CHANNEL_NAMES = {"sms": "短信", "notice": "社区公告", "wechat": "微信群", "html": "A4 海报"}
STATUS_NAMES = {"queued": "排队中", "running": "检测中", "done": "已完成", "failed": "失败"}
POSTER_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'self'"
_DEFAULT_DETAIL = {400: "请求有误。", 401: "需要访问令牌。", 403: "拒绝访问。", 404: "没有这个页面或接口。",
                   405: "不支持这种请求方法。", 409: "任务尚未完成。", 413: "请求太大。", 422: "请求内容无法处理。",
                   500: "服务器内部错误。", 503: "服务暂不可用。"}


class Context:
    """What the routes share: settings, the one model, the batch jobs, the page templates."""

    def __init__(self, settings: Settings) -> None:
        from fraudwarn.predict import load_model

        self.settings = settings
        self.model = load_model(settings.model_dir)  # once per process; fails fast on a bad model
        self.jobs = JobManager(model_dir=settings.model_dir, ttl_seconds=settings.upload_ttl_seconds,
                               work_dir=settings.work_dir, model=self.model)
        self.env = Environment(loader=PackageLoader("fraudwarn.web", "templates"),
                               autoescape=select_autoescape(default=True, default_for_string=True))
        self.env.globals.update(channel_names=CHANNEL_NAMES, status_names=STATUS_NAMES, version=__version__,
                                fraud_categories=fraud_categories(), categories=categories(), roles=roles(),
                                review_channels=rv.CHANNEL_NAMES)

    def page(self, name: str, status: int = 200, **ctx: Any) -> HTMLResponse:
        return HTMLResponse(self.env.get_template(name).render(**ctx), status_code=status)


# -- request and response bodies -------------------------------------------------------------
class ClassifyRequest(BaseModel):
    texts: list[str] = Field(description="要检测的消息，每项一条（最多 max_texts 条）")
    explain: bool = Field(True, description="是否给出判定依据（evidence）")
    threshold: float | None = Field(None, ge=0, le=1, description="诈骗判定阈值；默认用模型清单中的阈值")


class ClassifyResponse(BaseModel):
    results: list[dict[str, Any]] = Field(description="每条消息一项，字段与 fraudwarn classify --json 相同")


class WarnRequest(BaseModel):
    types: list[str] = Field(default_factory=list, description="诈骗类型（中文名、英文 id 或别名）；多个即汇总提示")
    job: str | None = Field(None, description="改用这个批量任务的统计写“近期高发”汇总提示")
    top: int = Field(4, ge=1, le=10, description="job 汇总时列出的类型数")
    channel: Literal["sms", "notice", "wechat", "html"] = "notice"
    issuer: str | None = Field(None, max_length=200)
    region: str | None = Field(None, max_length=200)
    date: dt.date | None = None
    seed: int | None = None


class WarnResponse(BaseModel):
    channel: str
    text: str
    categories: list[str]
    seed: int
    notes: list[str]


# -- shared by the API and the pages ---------------------------------------------------------
def _classify(ctx: Context, texts: list[str], *, explain: bool = True, threshold: float | None = None) -> list[Any]:
    from fraudwarn.predict import classify_many

    limit = ctx.settings.max_texts
    if len(texts) > limit:
        raise InputError(f"一次最多检测 {limit} 条消息，收到 {len(texts)} 条：请分批提交，或使用批量检测上传文件。")
    if not texts:
        raise InputError("没有要检测的消息：请至少提供一条。")
    return classify_many(texts, model=ctx.model, explain=explain, threshold=threshold)


def _job(ctx: Context, jid: str) -> Job:
    job = ctx.jobs.get(jid)
    if job is None:
        raise HTTPException(404, "没有这个批量任务，或它的文件已按保留时间删除。")
    return job


def _done(ctx: Context, jid: str) -> Job:
    job = _job(ctx, jid)
    if job.status != "done":
        raise HTTPException(409, f"任务{STATUS_NAMES[job.status]}，结果尚不可下载。" + (job.error or ""))
    return job


def _warning(ctx: Context, types: list[str], job: str | None, *, channel: str, issuer: str | None,
             region: str | None, date: dt.date | None, seed: int | None, top: int = 4) -> RenderedWarning:
    from fraudwarn.categories import get_category
    from fraudwarn.notices.render import rank_summary, render

    if channel not in WARN_CHANNELS:
        raise InputError(f"不支持的渠道“{channel}”，可用：{'、'.join(WARN_CHANNELS)}。")
    if job:
        summary = _done(ctx, job).summary or {}
        cats = rank_summary(summary, top=top)
        if not cats:
            raise InputError("这个批量任务中没有诈骗类记录，无需生成汇总预警。")
    else:
        cats = [get_category(t) for t in types if t.strip()]
        if not cats:
            raise InputError("请至少选择一种诈骗类型。")
    return render(cats, channel=channel, issuer=issuer, region=region, date=date, seed=seed)


def _accept_upload(ctx: Context, upload: UploadFile, text_column: str | None, keep_text: bool) -> Job:
    """Store the upload in the job's private folder (counting bytes against the limit) and queue it."""
    limit = ctx.settings.upload_limit_bytes
    job = ctx.jobs.new_job(upload.filename or "upload.txt", text_column=text_column, keep_text=keep_text)
    size = 0
    try:
        with open(job.input_path, "wb") as out:
            while chunk := upload.file.read(1 << 20):
                size += len(chunk)
                if size > limit:
                    raise too_large(limit)
                out.write(chunk)
        if size == 0:
            raise InputError("上传的文件是空的。")
    except BaseException:
        ctx.jobs.discard(job)
        raise
    ctx.jobs.start(job)
    return job


def _parse_date(value: str | None) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise InputError(f"日期“{value}”不是 YYYY-MM-DD 格式。") from None


def _status_for(e: FraudwarnError) -> int:
    return 503 if isinstance(e, ModelError) else 413 if isinstance(e, UploadTooLarge) else 422


# -- the app ---------------------------------------------------------------------------------
def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the app (and load the model); ``fraudwarn serve`` runs it on uvicorn."""
    settings = settings or Settings()
    ctx = Context(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        ctx.jobs.close()  # uploads and results never outlive the server

    app = FastAPI(title="fraudwarn 工作台 API", version=__version__, lifespan=lifespan,
                  openapi_url=f"{API}/openapi.json", docs_url=None, redoc_url=None,
                  description="离线检测诈骗信息、生成警方提示、批量检测。所有数据只在本机处理。")
    app.state.ctx = ctx

    def error(path: str, status: int, detail: str) -> Response:
        if path.startswith("/api/") or path.startswith("/static/"):
            return JSONResponse({"detail": detail}, status_code=status)
        return ctx.page("error.html", status=status, status_code=status, detail=detail)

    guard_box: dict[str, Guard] = {}

    def guard_factory(app: Any) -> Guard:
        guard_box["guard"] = Guard(app, settings, error)
        return guard_box["guard"]

    app.add_middleware(guard_factory)  # type: ignore[arg-type]
    app.state.guard = guard_box

    @app.exception_handler(FraudwarnError)
    async def _fraudwarn_error(request: Request, e: FraudwarnError) -> Response:
        resp = error(request.url.path, _status_for(e), e.message)
        if isinstance(resp, JSONResponse):
            return JSONResponse({"detail": e.message, "code": e.code}, status_code=resp.status_code)
        return resp

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, e: RequestValidationError) -> Response:
        parts = []
        for err in e.errors()[:5]:
            loc = ".".join(str(x) for x in err.get("loc", ()) if x != "body")
            parts.append(f"{loc or '请求体'}（{_REASONS.get(err.get('type', ''), err.get('type', ''))}）")
        detail = "请求格式不正确：" + "；".join(parts)
        if request.url.path.startswith("/api/"):
            return JSONResponse({"detail": detail, "errors": _plain(e.errors())}, status_code=422)
        return error(request.url.path, 422, detail)

    @app.exception_handler(HTTPException)
    async def _http(request: Request, e: HTTPException) -> Response:
        detail = e.detail if isinstance(e.detail, str) and not e.detail.isascii() else None
        return error(request.url.path, e.status_code, detail or _DEFAULT_DETAIL.get(e.status_code, "请求失败。"))

    static = resources.files("fraudwarn.web").joinpath("static")
    app.mount("/static", StaticFiles(directory=str(static)), name="static")

    # -- API ---------------------------------------------------------------------------------
    @app.get(f"{API}/health", tags=["服务"], summary="健康检查")
    def health() -> dict[str, Any]:
        g = guard_box.get("guard")
        return {"status": "ok", "version": __version__, "in_flight": g.in_flight if g else 0,
                "rejected": g.rejected if g else 0}

    @app.get(f"{API}/model", tags=["服务"], summary="模型信息")
    def model_info() -> dict[str, Any]:
        m = ctx.model.manifest
        return {
            "shipped": settings.model_dir is None,
            **{k: m.get(k) for k in ("format_version", "created", "model_sha256", "n_train", "n_features",
                                     "thresholds", "threshold_choice", "categories", "roles", "versions")},
            "limits": {"max_texts": settings.max_texts, "max_body_bytes": settings.max_body_bytes,
                       "upload_limit_bytes": settings.upload_limit_bytes,
                       "max_concurrent": settings.max_concurrent,
                       "upload_ttl_seconds": settings.upload_ttl_seconds},
        }

    @app.post(f"{API}/classify", tags=["检测"], summary="检测消息", response_model=ClassifyResponse)
    def api_classify(body: ClassifyRequest) -> dict[str, Any]:
        results = _classify(ctx, body.texts, explain=body.explain, threshold=body.threshold)
        return {"results": [r.to_dict() for r in results]}

    @app.post(f"{API}/warn", tags=["预警"], summary="生成警方提示", response_model=WarnResponse)
    def api_warn(body: WarnRequest) -> dict[str, Any]:
        w = _warning(ctx, body.types, body.job, channel=body.channel, issuer=body.issuer, region=body.region,
                     date=body.date, seed=body.seed, top=body.top)
        return {"channel": w.channel, "text": w.text, "categories": list(w.categories), "seed": w.seed,
                "notes": list(w.notes)}

    @app.post(f"{API}/jobs", tags=["批量"], summary="提交批量检测任务", status_code=202)
    def api_submit(file: Annotated[UploadFile, File(description="TXT、CSV、TSV 或 JSONL（可 gzip）")],
                   text_column: Annotated[str | None, Form(description="CSV/JSONL 的文本列名（默认自动识别）")] = None,
                   keep_text: Annotated[bool, Form(description="下载结果中保留原文")] = False) -> dict[str, Any]:
        job = _accept_upload(ctx, file, text_column, keep_text)
        return {**job.public(), "status_url": f"{API}/jobs/{job.id}"}

    @app.get(f"{API}/jobs", tags=["批量"], summary="任务列表")
    def api_jobs() -> dict[str, Any]:
        return {"jobs": [j.public() for j in ctx.jobs.list()]}

    @app.get(f"{API}/jobs/{{jid}}", tags=["批量"], summary="任务状态与汇总")
    def api_job(jid: str) -> dict[str, Any]:
        job = _job(ctx, jid)
        out = job.public()
        if job.status == "done":
            out["downloads"] = {f: f"{API}/jobs/{jid}/result?format={f}" for f in ("csv", "jsonl")}
        return out

    @app.get(f"{API}/jobs/{{jid}}/result", tags=["批量"], summary="下载检测结果")
    def api_result(jid: str, format: Literal["csv", "jsonl"] = "jsonl") -> Response:
        job = _done(ctx, jid)
        media = "text/csv; charset=utf-8" if format == "csv" else "application/x-ndjson; charset=utf-8"
        return FileResponse(job.result_path(format), media_type=media, filename=f"scored-{jid}.{format}")

    @app.get(f"{API}/jobs/{{jid}}/summary", tags=["批量"], summary="下载汇总（可用于 fraudwarn warn --from-summary）")
    def api_summary(jid: str) -> Response:
        job = _done(ctx, jid)
        return JSONResponse(job.summary, headers={"content-disposition": f'attachment; filename="summary-{jid}.json"'})

    @app.delete(f"{API}/jobs/{{jid}}", tags=["批量"], summary="立即删除任务及其文件")
    def api_delete(jid: str) -> dict[str, Any]:
        job = _job(ctx, jid)
        if job.status in ("queued", "running"):
            raise HTTPException(409, "任务仍在运行，结束后才能删除。")
        ctx.jobs.discard(job)
        return {"deleted": jid}

    # -- pages -------------------------------------------------------------------------------
    def result_view(r: Any) -> dict[str, Any]:
        return {"r": r, "segments": views.segments(r), "indicators": views.indicator_rows(r),
                "risk_class": views.RISK_CLASS.get(r.risk, ""),
                "warn_links": {ch: "/warn?" + urlencode({"types": r.category_id, "channel": ch})
                               for ch in WARN_CHANNELS} if r.category_id != "normal" else {}}

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def detect_page() -> Response:
        return ctx.page("detect.html", active="detect", raw="", one_per_line=True, results=None, error=None,
                        max_texts=settings.max_texts)

    @app.post("/", response_class=HTMLResponse, include_in_schema=False)
    def detect_submit(texts: Annotated[str, Form()] = "",
                      one_per_line: Annotated[bool, Form()] = False) -> Response:
        messages = views.split_messages(texts, one_per_line=one_per_line)
        try:
            results = _classify(ctx, messages)
        except InputError as e:
            return ctx.page("detect.html", status=422, active="detect", raw=texts, one_per_line=one_per_line,
                            results=None, error=e.message, max_texts=settings.max_texts)
        return ctx.page("detect.html", active="detect", raw=texts, one_per_line=one_per_line,
                        results=[result_view(r) for r in results], error=None, max_texts=settings.max_texts)

    @app.get("/warn", response_class=HTMLResponse, include_in_schema=False)
    def warn_page(types: Annotated[list[str], Query()] = _NONE, channel: str = "notice", issuer: str = "", region: str = "",
                  date: str = "", job: str = "", seed: str = "") -> Response:
        form = {"types": types, "channel": channel, "issuer": issuer, "region": region, "date": date, "job": job}
        w, err = None, None
        if types or job:
            try:
                w = _warning(ctx, types, job or None, channel=channel, issuer=issuer or None,
                             region=region or None, date=_parse_date(date),
                             seed=int(seed) if seed.lstrip("-").isdigit() else None)
            except (FraudwarnError, HTTPException) as e:
                err = e.message if isinstance(e, FraudwarnError) else str(e.detail)
        poster = "/warn/poster?" + urlencode([(k, v) for k, v in form.items() if k != "types" and v]
                                             + [("types", t) for t in types])
        return ctx.page("warn.html", status=422 if err else 200, active="warn", form=form, w=w, error=err,
                        poster_url=poster, today=dt.date.today().isoformat())

    @app.get("/warn/poster", response_class=HTMLResponse, include_in_schema=False)
    def warn_poster(types: Annotated[list[str], Query()] = _NONE, issuer: str = "", region: str = "", date: str = "",
                    job: str = "") -> Response:
        w = _warning(ctx, types, job or None, channel="html", issuer=issuer or None, region=region or None,
                     date=_parse_date(date), seed=None)
        # The package's A4 template carries its own inline style; nothing else may load.
        return HTMLResponse(w.text, headers={"content-security-policy": POSTER_CSP})

    @app.get("/batch", response_class=HTMLResponse, include_in_schema=False)
    def batch_page() -> Response:
        return ctx.page("batch.html", active="batch", jobs=ctx.jobs.list(), error=None,
                        limit_mb=settings.upload_limit_bytes / (1 << 20), ttl=settings.upload_ttl_seconds)

    @app.post("/batch", include_in_schema=False)
    def batch_submit(file: Annotated[UploadFile, File()], text_column: Annotated[str, Form()] = "",
                     keep_text: Annotated[bool, Form()] = False) -> Response:
        try:
            job = _accept_upload(ctx, file, text_column or None, keep_text)
        except InputError as e:
            return ctx.page("batch.html", status=_status_for(e), active="batch", jobs=ctx.jobs.list(),
                            error=e.message, limit_mb=settings.upload_limit_bytes / (1 << 20),
                            ttl=settings.upload_ttl_seconds)
        return RedirectResponse(f"/batch/{job.id}", status_code=303)

    @app.get("/batch/{jid}", response_class=HTMLResponse, include_in_schema=False)
    def job_page(jid: str) -> Response:
        job = _job(ctx, jid)
        status = job.status  # read once: the job may finish while this page renders
        chart: list[views.Bar] = []
        height, notice, notice_error = 0, None, None
        if status == "done" and job.summary:
            chart, height = views.bar_chart(job.summary.get("by_category", {}))
            try:
                notice = _warning(ctx, [], jid, channel="notice", issuer=None, region=None, date=None, seed=None)
            except FraudwarnError as e:
                notice_error = e.message
        return ctx.page("job.html", active="batch", job=job, job_status=status, chart=chart, chart_height=height, notice=notice,
                        notice_error=notice_error, ttl=settings.upload_ttl_seconds)

    @app.get("/review", response_class=HTMLResponse, include_in_schema=False)
    def review_page(job: str = "", i: int = 0, saved: str = "") -> Response:
        path = settings.review_file
        done = rv.reviewed_ids(path)
        if not job:
            jobs = [j for j in ctx.jobs.list() if j.status == "done"]
            return ctx.page("review.html", active="review", job=None, jobs=jobs, row=None, done=done,
                            review_file=str(path), error=None, saved=saved)
        j = _done(ctx, job)
        rows = j.review_rows()
        row = rows[i] if 0 <= i < len(rows) else None
        previous = done.get(rv.record_id(row["text"])) if row and row.get("text") else None
        return ctx.page("review.html", active="review", job=j, jobs=[], rows=rows, i=i, row=row,
                        previous=previous, done=done, review_file=str(path), error=None, saved=saved)

    @app.post("/review", include_in_schema=False)
    def review_submit(job: Annotated[str, Form()], i: Annotated[int, Form()], decision: Annotated[str, Form()],
                      label: Annotated[str, Form()] = "", role: Annotated[str, Form()] = "",
                      channel: Annotated[str, Form()] = "sms") -> Response:
        j = _done(ctx, job)
        rows = j.review_rows()
        if not 0 <= i < len(rows):
            raise HTTPException(404, "没有这一条待复核记录。")
        row = rows[i]
        if decision != "skip":
            if decision == "confirm":
                label, role = row["category"], row.get("role") or ""
            try:
                rec = rv.make_record(row.get("text") or "", label, role, channel, decision=decision,
                                     model_label=row["category"], model_role=row.get("role"), job=job)
            except FraudwarnError as e:
                return ctx.page("review.html", status=422, active="review", job=j, jobs=[], rows=rows, i=i,
                                row=row, previous=None, done=rv.reviewed_ids(settings.review_file),
                                review_file=str(settings.review_file), error=e.message, saved="")
            rv.save_record(settings.review_file, rec)
        return RedirectResponse("/review?" + urlencode({"job": job, "i": i + 1, "saved": decision}), status_code=303)

    @app.get("/review/file", include_in_schema=False)
    def review_file() -> Response:
        path = settings.review_file
        if not path.is_file():
            raise HTTPException(404, "还没有复核记录。")
        return FileResponse(path, media_type="application/x-ndjson; charset=utf-8", filename=path.name)

    return app


_REASONS = {
    "missing": "缺少此字段", "list_type": "应为列表", "string_type": "应为文本", "bool_parsing": "应为 true/false",
    "float_parsing": "应为数字", "int_parsing": "应为整数", "greater_than_equal": "数值太小",
    "less_than_equal": "数值太大", "json_invalid": "不是合法的 JSON", "model_attributes_type": "应为 JSON 对象",
    "literal_error": "取值不在允许范围内", "date_from_datetime_parsing": "应为 YYYY-MM-DD 日期",
    "string_too_long": "文本太长", "date_parsing": "应为 YYYY-MM-DD 日期",
}


def _plain(errors: Any) -> list[dict[str, Any]]:
    """Validation errors as JSON-safe dicts (pydantic may put exceptions in ``ctx``)."""
    return [{"loc": list(e.get("loc", ())), "type": e.get("type")} for e in errors]

