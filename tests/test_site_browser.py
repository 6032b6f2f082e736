"""A real browser opens the published site: no console errors, the planted regression is listed.

Headless Chromium (Debian ``chromium`` + ``chromium-driver``, installed by
tools/install_browser.sh) driven by Selenium, against a local HTTP server on 127.0.0.1 serving a
site published from a history with a planted regression. Skips, saying why, where no browser is.
``TTSBENCH_SCREENSHOT_DIR=docs/screenshots`` also copies the dashboard's screenshot there.
"""

import functools
import http.server
import os
import shutil
import threading
import urllib.request

import pytest

from history_fixtures import write_history
from ttsbench.cli import main
from ttsbench.site import pages

REGRESSED = "bench_planted.TimeKernel.time_kernel_1"
FIXED = "bench_planted.TimeKernel.time_kernel_0"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(CHROMIUM is None or CHROMEDRIVER is None,
                       reason="needs Debian's chromium and chromium-driver: run tools/install_browser.sh"),
]


@pytest.fixture()
def site(tmp_path):
    planted = write_history(tmp_path, n_commits=50, steps={
        (REGRESSED, 20): [(35, 1.4)], (FIXED, 10): [(15, 1.12), (30, 1 / 1.12)], (FIXED, 20): [(25, 0.85)],
    }, samples=5)
    assert main(["publish", "--no-asv", "--config", str(planted.config), "--repo", str(planted.repo),
                 "--cache", str(tmp_path / "cache"), "--compare", planted.commits[30],
                 planted.commits[40]]) == 0
    return planted


@pytest.fixture()
def server(site):
    handler = functools.partial(_QuietHandler, directory=str(site.html))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=10)


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture()
def browser():
    webdriver = pytest.importorskip("selenium.webdriver")
    from selenium.common.exceptions import WebDriverException
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1400,1000"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    try:
        driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    except WebDriverException as exc:
        pytest.skip(f"chromium did not start: {str(exc).splitlines()[0]}")
    driver.set_page_load_timeout(60)
    try:
        yield driver
    finally:
        driver.quit()


def severe(driver):
    return [entry for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]


def test_dashboard_lists_the_planted_regression_without_console_errors(site, server, browser, tmp_path):
    from selenium.webdriver.common.by import By

    browser.get(f"{server}/ttsbench/index.html")
    rows = browser.find_elements(By.CSS_SELECTOR, "table.changes tr.regression")
    texts = [row.text for row in rows]
    assert any(REGRESSED in text and "size=20" in text and site.commits[35][:8] in text for text in texts)
    fixed = browser.find_element(By.ID, "fixed").find_element(By.XPATH, "following-sibling::table[1]")
    assert FIXED in fixed.text and site.commits[30][:8] in fixed.text
    assert severe(browser) == []
    browser.save_screenshot(str(tmp_path / "dashboard.png"))
    assert (tmp_path / "dashboard.png").stat().st_size > 10_000
    if os.environ.get("TTSBENCH_SCREENSHOT_DIR"):  # refresh docs/screenshots/ on request
        shutil.copy(tmp_path / "dashboard.png", os.environ["TTSBENCH_SCREENSHOT_DIR"])

    browser.find_element(By.LINK_TEXT, REGRESSED).click()
    assert browser.current_url.endswith(pages.benchmark_page(REGRESSED))
    images = browser.find_elements(By.TAG_NAME, "img")
    assert images and all(browser.execute_script("return arguments[0].naturalWidth", i) > 0 for i in images)
    assert severe(browser) == []

    browser.get(f"{server}/ttsbench/compare.html")
    assert "Comparison" in browser.title or "Comparison" in browser.page_source
    assert severe(browser) == []
    # Not pages (the browser would ask the server root for a favicon): fetched as files.
    for name in ("feed.xml", "changes.csv", "changes.json"):
        with urllib.request.urlopen(f"{server}/ttsbench/{name}", timeout=30) as answer:
            assert answer.status == 200 and site.commits[35].encode() in answer.read()
