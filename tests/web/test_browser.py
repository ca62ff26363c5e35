"""A real browser (Debian's chromium + chromium-driver, driven by selenium) against ``fraudwarn serve``.

The browser is required: when it is missing the test fails and says how to install it
(``.ci/run`` installs it with apt-get). Set ``FRAUDWARN_SCREENSHOTS=docs`` to refresh the
README's screenshots (``docs/web-*.png``).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from selenium import webdriver
from selenium.common.exceptions import TimeoutException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import Select, WebDriverWait

from tests.web.conftest import FRAUD, NORMAL, UNSURE

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``fraudwarn serve`` in its own process, as a user starts it."""
    port = _free_port()
    home = tmp_path_factory.mktemp("serve")  # the working directory: the review file lands here
    proc = subprocess.Popen(
        [sys.executable, "-m", "fraudwarn", "serve", "--port", str(port),
         "--review-file", "fraudwarn-review/reviewed.jsonl"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=home,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(600):  # wait until it answers (model loading), or report why it did not
            if proc.poll() is not None:
                raise AssertionError("fraudwarn serve exited: " + (proc.stdout.read() if proc.stdout else ""))
            try:
                with urllib.request.urlopen(url + "/api/v1/health", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                time.sleep(0.1)
        else:
            raise AssertionError("fraudwarn serve did not start")
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=30)


@pytest.fixture(scope="module")
def browser() -> Iterator[webdriver.Chrome]:
    if not (os.path.exists(CHROMIUM) and os.path.exists(CHROMEDRIVER)):
        pytest.fail("未找到浏览器：请先安装 Debian 的 chromium 和 chromium-driver "
                    "（apt-get install -y chromium chromium-driver；.ci/run 会自动安装）。")
    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                "--window-size=1200,1500", "--lang=zh-CN", "--disable-background-networking"):
        opts.add_argument(arg)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=opts)
    driver.implicitly_wait(0)
    try:
        yield driver
    finally:
        driver.quit()


def _shot(driver: webdriver.Chrome, name: str, tmp: Path) -> None:
    """A full-page screenshot: into docs/ when asked, else beside the test's temporary files."""
    target = ROOT / "docs" if os.environ.get("FRAUDWARN_SCREENSHOTS") == "docs" else tmp
    height = driver.execute_script("return document.documentElement.scrollHeight")
    driver.set_window_size(1200, min(max(900, int(height) + 40), 2600))
    driver.save_screenshot(str(target / f"web-{name}.png"))
    driver.set_window_size(1200, 1500)


def _wait(driver: webdriver.Chrome, css: str, seconds: float = 60) -> Any:
    """The element once it is there; on a timeout, the page the browser shows instead."""
    try:
        return WebDriverWait(driver, seconds).until(ec.presence_of_element_located((By.CSS_SELECTOR, css)))
    except TimeoutException:
        raise AssertionError(f"{css} not found on {driver.current_url}:\n"
                             + driver.find_element(By.TAG_NAME, "body").text[:2000]) from None


def _click_and_load(driver: webdriver.Chrome, element: Any) -> None:
    """Click something that loads a new page, and wait until the old page is gone."""
    old = driver.find_element(By.TAG_NAME, "html")
    element.click()
    WebDriverWait(driver, 60).until(ec.staleness_of(old))


def test_detect_warn_batch_review_in_a_browser(server: str, browser: webdriver.Chrome, tmp_path: Path) -> None:
    b = browser
    # 检测: paste two messages, one per line, submit, read the verdicts
    b.get(server + "/")
    box = b.find_element(By.ID, "texts")
    box.send_keys(FRAUD + "\n" + NORMAL)
    if not b.find_element(By.ID, "one_per_line").is_selected():
        b.find_element(By.ID, "one_per_line").click()
    _click_and_load(b, b.find_element(By.ID, "submit"))
    _wait(b, "#result-2")
    first = b.find_element(By.ID, "result-1")
    assert first.find_element(By.CSS_SELECTOR, ".category").text == "冒充电商物流客服"
    assert first.find_element(By.CSS_SELECTOR, ".risk").text == "高"
    assert first.find_element(By.CSS_SELECTOR, ".role").text == "诈骗信息"
    assert "要求下载会议软件或共享屏幕" in first.find_element(By.CSS_SELECTOR, ".red-flags").text
    assert first.find_elements(By.CSS_SELECTOR, ".message mark.ev")
    assert b.find_element(By.ID, "result-2").find_element(By.CSS_SELECTOR, ".category").text == "正常"
    assert b.find_element(By.ID, "message-1").text == FRAUD
    _shot(b, "detect", tmp_path)

    # 预警: the result's poster link, then the A4 poster inside the page
    _click_and_load(b, first.find_element(By.LINK_TEXT, "A4 海报"))
    _wait(b, "#poster")
    b.find_element(By.ID, "issuer").send_keys("城南派出所")
    _click_and_load(b, b.find_element(By.ID, "render"))
    frame = _wait(b, "#poster")
    b.switch_to.frame(frame)
    assert "谨防冒充客服诈骗" in _wait(b, "h1").text or "谨防" in b.find_element(By.TAG_NAME, "h1").text
    assert "城南派出所" in b.find_element(By.TAG_NAME, "footer").text
    b.switch_to.default_content()
    _shot(b, "warn", tmp_path)
    Select(b.find_element(By.ID, "channel")).select_by_value("sms")
    _click_and_load(b, b.find_element(By.ID, "render"))
    sms = _wait(b, "#warning").text
    assert len(sms) <= 70 and "城南派出所" in sms

    # 批量: upload a file, watch it finish, read the summary, chart and notice
    dump = tmp_path / "week.txt"
    dump.write_text("\n".join([FRAUD, NORMAL, UNSURE, "你的校园贷账户未注销，将影响征信，请联系客服处理",
                               "这里是市公安局，你的身份证涉嫌洗钱，请把资金转入安全账户配合调查", "晚上一起吃饭吗"]),
                    encoding="gb18030")
    b.get(server + "/batch")
    b.find_element(By.ID, "file").send_keys(str(dump))
    _click_and_load(b, b.find_element(By.ID, "upload"))
    _wait(b, "#summary", 120)
    assert int(b.find_element(By.ID, "fraud-count").text) >= 2
    assert len(b.find_elements(By.CSS_SELECTOR, "#chart rect")) >= 3
    assert "反诈" in b.find_element(By.ID, "notice").text or b.find_element(By.ID, "notice").text
    _shot(b, "batch", tmp_path)

    # 复核: the rows marked review, one at a time; correct the first
    _click_and_load(b, b.find_element(By.ID, "review-link"))
    _wait(b, "#review-card")
    assert b.find_element(By.ID, "review-text").text
    _shot(b, "review", tmp_path)
    Select(b.find_element(By.ID, "label")).select_by_visible_text("刷单返利")
    Select(b.find_element(By.ID, "role")).select_by_visible_text("诈骗信息")
    _click_and_load(b, b.find_element(By.ID, "correct"))
    saved = _wait(b, "#saved")
    assert "保存更正" in saved.text
    assert b.find_element(By.ID, "reviewed-count").text == "1"
