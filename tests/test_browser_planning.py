"""地区比较, 资源规划 and 用户管理 in a real browser (Debian's chromium through chromedriver), reusing the
server, driver and screenshot helpers of test_browser.py. Screenshots at 1440×900 and 1280×800 go to the
same folders (``tmp_path/screens`` and /tmp/healthplan-screens), numbered 2x so they sort after its own.
"""

from __future__ import annotations

import math
import time

from test_browser import PASSWORD, SIZES, _shoot, browser_ok, driver, server  # noqa: F401 - fixtures


def _sign_in(drv, base, wait, by, ec, user: str) -> None:
    drv.delete_all_cookies()
    drv.get(f"{base}/login")
    wait.until(ec.presence_of_element_located((by.ID, "login-submit")))
    drv.find_element(by.ID, "username").send_keys(user)
    drv.find_element(by.ID, "password").send_keys(PASSWORD)
    button = drv.find_element(by.ID, "login-submit")
    button.click()
    wait.until(ec.staleness_of(button))  # the login page itself has a #nav: wait for the page after it
    wait.until(ec.presence_of_element_located((by.ID, "nav")))


def _fits(drv) -> None:
    """At each screenshot size nothing sticks out sideways (no horizontal scroll bar)."""
    for w, h in SIZES:
        drv.set_window_size(w, h)
        time.sleep(0.2)
        width, view = drv.execute_script("return [document.documentElement.scrollWidth, window.innerWidth];")
        assert width <= view, (w, width, view)
    drv.set_window_size(*SIZES[0])


def _gap(drv, by, resource: str) -> str:
    return drv.find_element(by.CSS_SELECTOR, f'#requirements tr[data-resource="{resource}"] td.gap').text.split()[0]


def test_browser_compare_resources_admin(server, driver, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    from healthplan.store import models as m
    from healthplan.web.users import add_user

    base, store, plans = server
    screens = tmp_path / "screens"
    wait = WebDriverWait(driver, 30)
    with store.session() as s:
        add_user(s, "planning_admin", PASSWORD, "administrator", None)
        tianhe_unit = s.get(m.Plan, plans["天河区"]).org_unit_id

    # 地区比较: the editor sees the published regions and its own, never 天河's draft
    _sign_in(driver, base, wait, By, ec, "qc_editor")
    assert not driver.find_elements(By.ID, "nav-admin")
    driver.find_element(By.ID, "nav-compare").click()
    wait.until(ec.presence_of_element_located((By.CSS_SELECTOR, ".cmp-chart svg")))  # ECharts drew, from /static
    driver.get(f"{base}/compare?year=2024&indicator=HR-BED")
    wait.until(ec.presence_of_element_located((By.CSS_SELECTOR, ".cmp-chart svg")))
    rows = driver.find_elements(By.CSS_SELECTOR, "table.compare-table tbody tr[data-org-unit]")
    assert len(rows) == 4 and str(tianhe_unit) not in {r.get_attribute("data-org-unit") for r in rows}
    assert all("st-" in r.get_attribute("class") for r in rows) and driver.find_element(By.ID, "national-HR-BED")
    _fits(driver)
    _shoot(driver, screens, "20_compare")
    driver.find_element(By.CSS_SELECTOR, "#cmp-domain option:nth-child(2)").click()  # a domain clears the indicator
    assert driver.find_element(By.ID, "cmp-indicator").get_attribute("value") == ""
    form = driver.find_element(By.ID, "compare-form")
    driver.find_element(By.ID, "cmp-submit").click()
    wait.until(ec.staleness_of(form))
    wait.until(ec.presence_of_element_located((By.CSS_SELECTOR, ".cmp-chart svg")))
    assert "domain=" in driver.current_url and len(driver.find_elements(By.CSS_SELECTOR, ".cmp-indicator")) >= 1

    # 资源规划: 南宫 (published) — change the beds target and the growth, see the gap follow
    driver.get(f"{base}/resources?plan={plans['南宫市']}")
    wait.until(ec.presence_of_element_located((By.CSS_SELECTOR, "#gap-chart svg")))
    assert _gap(driver, By, "床位") == "515"  # 5.9 × 396,700 ÷ 1000 → 2,341 − 1,826 实有床位
    _fits(driver)
    _shoot(driver, screens, "21_resources")
    old = driver.find_element(By.ID, "requirements")
    driver.find_element(By.ID, "rp-beds").send_keys("7")
    driver.find_element(By.ID, "rp-growth").send_keys("1")
    driver.find_element(By.ID, "rp-submit").click()
    wait.until(ec.staleness_of(old))
    wait.until(ec.presence_of_element_located((By.CSS_SELECTOR, "#gap-chart svg")))
    expected = math.ceil(7 * 396_700 * 1.01 ** 5 / 1000 - 1e-9) - 1826
    assert _gap(driver, By, "床位") == f"{expected:,}"
    assert "beds=7" in driver.find_element(By.ID, "rp-xlsx").get_attribute("href")
    driver.execute_script("document.getElementById('scenario-text').scrollIntoView();")  # the results, not the form
    _shoot(driver, screens, "22_resources_changed")

    driver.get(f"{base}/resources?plan={plans['清城区']}")  # no population in 清城's plan: the library's message
    wait.until(ec.presence_of_element_located((By.ID, "resource-error")))
    assert "没有常住人口数" in driver.find_element(By.ID, "resource-error").text
    _shoot(driver, screens, "23_resources_no_population")

    # 用户管理: an administrator creates a user and is shown the generated password once
    _sign_in(driver, base, wait, By, ec, "planning_admin")
    driver.find_element(By.ID, "nav-admin").click()
    wait.until(ec.presence_of_element_located((By.ID, "users")))
    driver.find_element(By.ID, "cu-username").send_keys("browser_viewer")
    driver.find_element(By.CSS_SELECTOR, "#cu-unit option:nth-child(3)").click()
    driver.find_element(By.ID, "cu-submit").click()
    wait.until(ec.presence_of_element_located((By.ID, "new-password")))
    assert len(driver.find_element(By.ID, "new-password").text) >= 16
    assert driver.find_elements(By.CSS_SELECTOR, 'tr[data-user="browser_viewer"]')
    _fits(driver)
    _shoot(driver, screens, "24_admin_users")

    driver.get(f"{base}/resources?plan={plans['天河区']}&lang=en")
    wait.until(ec.presence_of_element_located((By.CSS_SELECTOR, "#gap-chart svg")))
    assert "Resource planning" in driver.page_source
    _shoot(driver, screens, "25_resources_en")
    logs = [e for e in driver.get_log("browser") if e.get("level") == "SEVERE"]
    assert not logs, logs  # no blocked (remote) resource, no script error
