"""The web app in a real browser: Debian's chromium driven by Selenium through Debian's chromedriver.

Never downloads a browser or a driver: it uses /usr/bin/chromium and /usr/bin/chromedriver (Debian
packages ``chromium`` and ``chromium-driver``) and skips, saying why, when they are missing — unless
HEALTHPLAN_REQUIRE_BROWSER=1 (CI), where a missing browser fails the test. Screenshots of the main pages
at 1440×900 and 1280×800 go to ``tmp_path/screens`` and are copied to /tmp/healthplan-screens.
The upload walk-through (规划上传与核对) uploads a seed, corrects a target beside the source text and saves.
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from pathlib import Path

import pytest
from conftest import SEEDS, seed_site

CHROMIUM = os.environ.get("HEALTHPLAN_CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("HEALTHPLAN_CHROMEDRIVER", "/usr/bin/chromedriver")
SCREENS_COPY = Path("/tmp/healthplan-screens")
PASSWORD = "browser-pass-1"
SIZES = [(1440, 900), (1280, 800)]


def _missing() -> str | None:
    for path, pkg in ((CHROMIUM, "chromium"), (CHROMEDRIVER, "chromium-driver")):
        if not os.access(path, os.X_OK):
            return f"{path} not found: install the Debian package {pkg} (apt-get install -y chromium chromium-driver)"
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed (pip install -e .[test])"
    return None


@pytest.fixture(scope="module")
def browser_ok():
    reason = _missing()
    if reason:
        if os.environ.get("HEALTHPLAN_REQUIRE_BROWSER") == "1":
            pytest.fail(reason)
        pytest.skip(reason)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(browser_ok, tmp_path_factory):
    """uvicorn on 127.0.0.1:<free port> in a thread, on a temp SQLite store with the seeds and example data."""
    import uvicorn

    from healthplan.store import Store
    from healthplan.web import create_app

    store = Store(str(tmp_path_factory.mktemp("browser") / "healthplan.db"))
    with store.session() as s:
        plans = seed_site(s, {"qc_editor": ("region_editor", "清城区")}, PASSWORD)
    port = _free_port()
    app = create_app(store, "browser-secret")
    app.state.draft_dir = tmp_path_factory.mktemp("drafts")  # uploaded plans awaiting review
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.time() + 20
    while not srv.started and time.time() < deadline:
        time.sleep(0.05)
    assert srv.started, "uvicorn did not start"
    yield f"http://127.0.0.1:{port}", store, plans
    srv.should_exit = True
    thread.join(10)
    store.close()


@pytest.fixture
def driver(server, tmp_path):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    downloads = tmp_path / "downloads"
    downloads.mkdir()
    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for arg in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage",
                "--lang=zh-CN", f"--window-size={SIZES[0][0]},{SIZES[0][1]}"):
        opts.add_argument(arg)
    opts.add_experimental_option("prefs", {"download.default_directory": str(downloads),
                                           "download.prompt_for_download": False})
    drv = webdriver.Chrome(options=opts, service=Service(executable_path=CHROMEDRIVER))
    drv.downloads = downloads
    drv.set_page_load_timeout(60)
    yield drv
    drv.quit()


def _shoot(drv, folder: Path, name: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    SCREENS_COPY.mkdir(parents=True, exist_ok=True)
    for w, h in SIZES:
        drv.set_window_size(w, h)
        time.sleep(0.3)  # let the chart resize
        path = folder / f"{name}_{w}x{h}.png"
        drv.save_screenshot(str(path))
        shutil.copy(path, SCREENS_COPY / path.name)
    drv.set_window_size(*SIZES[0])


def _improvable_row(store, plan_id: int, year: int):
    from healthplan.evaluate.plans import evaluate_plan

    with store.session() as s:
        for r in evaluate_plan(s, plan_id, year):
            e = r.evaluation
            if e.status in ("behind", "off_track") and e.target_op in (">=", "<=") and e.target_value is not None \
                    and not e.parts:
                from healthplan.store import models as m

                return s.get(m.Target, r.target_id).indicator_id, e.target_value
    raise AssertionError("no indicator behind its path")


def test_browser_walkthrough(server, driver, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    base, store, plans = server
    screens = tmp_path / "screens"
    wait = WebDriverWait(driver, 20)
    pid, year = plans["清城区"], 2024

    driver.get(f"{base}/plans/{pid}")  # not signed in → the login page
    wait.until(ec.presence_of_element_located((By.ID, "login-submit")))
    assert "/login" in driver.current_url
    _shoot(driver, screens, "01_login")
    driver.find_element(By.ID, "username").send_keys("qc_editor")
    driver.find_element(By.ID, "password").send_keys(PASSWORD)
    driver.find_element(By.ID, "login-submit").click()
    wait.until(ec.presence_of_element_located((By.ID, "indicators")))  # back to the page asked for

    driver.get(f"{base}/")
    wait.until(ec.presence_of_element_located((By.ID, "regions")))
    assert "清城区" in driver.page_source and f"/plans/{plans['天河区']}\"" not in driver.page_source
    _shoot(driver, screens, "02_regions")

    indicator_id, target_value = _improvable_row(store, pid, year)
    driver.get(f"{base}/plans/{pid}?year={year}")
    wait.until(ec.presence_of_element_located((By.ID, "example-banner")))
    _shoot(driver, screens, "03_plan")
    row = f'tr[data-indicator="{indicator_id}"]'
    before = driver.find_element(By.CSS_SELECTOR, f"{row} .badge").get_attribute("class")
    assert "st-achieved" not in before
    box = driver.find_element(By.CSS_SELECTOR, f"{row} input.value-input")
    box.clear()
    box.send_keys(f"{target_value:g}")
    driver.find_element(By.CSS_SELECTOR, f"{row} button").click()
    wait.until(ec.presence_of_element_located((By.ID, "message")))
    after = driver.find_element(By.CSS_SELECTOR, f"{row} .badge").get_attribute("class")
    assert "st-achieved" in after, after
    _shoot(driver, screens, "04_plan_after_edit")

    link = driver.find_element(By.CSS_SELECTOR, f"{row} td a")
    link.click()
    wait.until(ec.presence_of_element_located((By.CSS_SELECTOR, "#chart svg")))  # ECharts drew, from /static
    assert "qc_editor" in driver.find_element(By.ID, "history").text
    _shoot(driver, screens, "05_indicator")

    driver.get(f"{base}/plans/{pid}?year={year}")
    driver.find_element(By.ID, "report-download").click()
    deadline = time.time() + 60
    while time.time() < deadline and not list(driver.downloads.glob("*.docx")):
        time.sleep(0.2)
    files = list(driver.downloads.glob("*.docx"))
    assert files and files[0].read_bytes()[:2] == b"PK"

    driver.get(f"{base}/plans/{plans['天河区']}")  # another region's unpublished plan
    wait.until(ec.presence_of_element_located((By.ID, "error-message")))
    assert "无权访问" in driver.find_element(By.ID, "error-message").text and "403" in driver.title
    _shoot(driver, screens, "06_refused")

    driver.get(f"{base}/plans/{pid}?year={year}&lang=en")
    wait.until(ec.presence_of_element_located((By.ID, "indicators")))
    assert "Binding indicators come first" in driver.page_source
    _shoot(driver, screens, "07_plan_en")
    logs = [e for e in driver.get_log("browser") if e.get("level") == "SEVERE"
            and "status of 403" not in e.get("message", "")]  # the refusal above is expected
    assert not logs, logs  # no blocked (remote) resource, no script error


def _login(driver, base, wait, by, ec) -> None:
    driver.get(f"{base}/login")
    wait.until(ec.presence_of_element_located((by.ID, "login-submit")))
    driver.find_element(by.ID, "username").send_keys("qc_editor")
    driver.find_element(by.ID, "password").send_keys(PASSWORD)
    driver.find_element(by.ID, "login-submit").click()
    wait.until(ec.presence_of_element_located((by.ID, "regions")))


def _panes(driver) -> dict:
    """Where the review page's two panes are and whether the source pane scrolls."""
    return driver.execute_script("""
        var t = document.getElementById('tables-pane').getBoundingClientRect();
        var p = document.getElementById('source-pane'), s = p.getBoundingClientRect();
        return {t_right: t.right, s_left: s.left, t_top: t.top, s_top: s.top, bottom: Math.max(t.bottom, s.bottom),
                height: window.innerHeight, width: document.documentElement.scrollWidth, view: window.innerWidth,
                s_scroll: p.scrollHeight > p.clientHeight + 100, s_overflow: getComputedStyle(p).overflowY,
                s_height: s.height};""")


def _line_in_view(driver, line: int) -> bool:
    return driver.execute_script("""
        var el = document.getElementById('L' + arguments[0]), p = document.getElementById('source-pane');
        var a = el.getBoundingClientRect(), b = p.getBoundingClientRect();
        return el.classList.contains('hl') && a.top >= b.top && a.bottom <= b.bottom;""", line)


def test_browser_plan_upload(server, driver, tmp_path):
    """Upload a seed plan, find a row's source line, correct its target, check, save, see it on the plan page."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    base, store, plans = server
    screens = tmp_path / "screens"
    wait = WebDriverWait(driver, 30)
    path = next(p for p in SEEDS if p.name.startswith("000"))  # 清城区, the editor's own region

    _login(driver, base, wait, By, ec)
    driver.find_element(By.ID, "plan-upload-link").click()
    wait.until(ec.presence_of_element_located((By.ID, "plan-upload-form")))
    _shoot(driver, screens, "08_plan_upload")
    driver.find_element(By.ID, "plan-file").send_keys(str(path))
    driver.find_element(By.ID, "plan-upload-submit").click()
    wait.until(ec.presence_of_element_located((By.ID, "review-indicators")))
    _shoot(driver, screens, "09_plan_review")

    for w, h in SIZES:  # two panes side by side inside the window; the source pane scrolls on its own
        driver.set_window_size(w, h)
        time.sleep(0.2)
        p = _panes(driver)
        assert p["t_right"] <= p["s_left"] and abs(p["t_top"] - p["s_top"]) < 2, (w, h, p)
        assert p["bottom"] <= p["height"] and p["width"] <= p["view"], (w, h, p)
        assert p["s_scroll"] and p["s_overflow"] == "auto" and p["s_height"] > 350, (w, h, p)
    driver.set_window_size(*SIZES[1])

    # a row far down the document: its line link scrolls the source pane to the highlighted line
    rows = driver.find_elements(By.CSS_SELECTOR, "#review-indicators tbody tr")
    row = next(r for r in rows if r.find_element(By.CSS_SELECTOR, ".reading").text.startswith("不低于")
               and "," not in r.find_element(By.CSS_SELECTOR, "input[name$='-target']").get_attribute("value"))
    line = int(row.get_attribute("data-line"))
    assert not _line_in_view(driver, line)
    row.find_element(By.CSS_SELECTOR, "a.src-link").click()
    wait.until(lambda d: _line_in_view(d, line))
    box = row.find_element(By.CSS_SELECTOR, "input[name$='-target']")
    name = box.get_attribute("name")
    box.clear()
    box.send_keys("≥99.9")
    assert "changed" in box.get_attribute("class")
    driver.find_element(By.ID, "review-check").click()
    wait.until(ec.presence_of_element_located((By.ID, "message")))
    assert _line_in_view(driver, line)  # the reloaded page keeps the row and its source line in view
    cell = driver.find_element(By.NAME, name)
    assert cell.get_attribute("value") == "≥99.9"
    reading = cell.find_element(By.XPATH, "following-sibling::span[contains(@class, 'reading')]").text
    assert reading == "不低于99.9", reading
    _shoot(driver, screens, "10_plan_review_corrected")

    driver.find_element(By.ID, "review-save").click()
    wait.until(ec.presence_of_element_located((By.ID, "indicators")))
    assert "规划已保存入库" in driver.find_element(By.ID, "message").text
    assert "≥99.9" in driver.find_element(By.ID, "indicators").text
    assert driver.current_url.rsplit("/", 1)[-1].split("?")[0] != str(plans["清城区"])  # a new version
    _shoot(driver, screens, "11_plan_saved")
    logs = [e for e in driver.get_log("browser") if e.get("level") == "SEVERE"]
    assert not logs, logs
