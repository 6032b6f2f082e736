"""A real browser opens the published site from file:// with the network off.

Headless Chromium (Debian ``chromium`` + ``chromium-driver``, installed by
tools/install_browser.sh) driven by Selenium opens a site published from a history with a
planted regression, offline (DevTools network conditions, and no host name resolves): no console
error, no resource but file://, the graphs have data points, hovering one shows its commit, the
regression is on the dashboard, on its benchmark's graph and on its commit's page. Skips, saying
why, where no browser is. ``TTSBENCH_SCREENSHOT_DIR=docs/screenshots`` also copies the
screenshots (dashboard, benchmark page with a hover) there.
"""

import os
import shutil

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
        (REGRESSED, 10): [(45, 1.3)],  # 4 commits from the tip: tentative
    }, samples=5)
    assert main(["publish", "--no-asv", "--config", str(planted.config), "--repo", str(planted.repo),
                 "--cache", str(tmp_path / "cache"), "--compare", planted.commits[30],
                 planted.commits[40]]) == 0
    return planted


@pytest.fixture()
def browser():
    webdriver = pytest.importorskip("selenium.webdriver")
    from selenium.common.exceptions import WebDriverException
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1400,1000",
                 "--host-resolver-rules=MAP * ~NOTFOUND", "--allow-file-access-from-files"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    try:
        driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    except WebDriverException as exc:
        pytest.skip(f"chromium did not start: {str(exc).splitlines()[0]}")
    driver.set_page_load_timeout(60)
    driver.set_network_conditions(offline=True, latency=0, download_throughput=0, upload_throughput=0)
    try:
        yield driver
    finally:
        driver.quit()


def severe(driver):
    return [entry for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]


def only_files(driver):
    """Every script, stylesheet and loaded resource of the page is a local file."""
    names = driver.execute_script(
        "return performance.getEntriesByType('resource').map(e => e.name)"
        ".concat([...document.scripts].filter(s => s.src).map(s => s.src))"
        ".concat([...document.querySelectorAll('link[rel=stylesheet]')].map(l => l.href))")
    return bool(names) and all(name.startswith("file://") for name in names)


def shot(driver, tmp_path, name):
    driver.save_screenshot(str(tmp_path / name))
    assert (tmp_path / name).stat().st_size > 10_000
    if os.environ.get("TTSBENCH_SCREENSHOT_DIR"):  # refresh docs/screenshots/ on request
        shutil.copy(tmp_path / name, os.environ["TTSBENCH_SCREENSHOT_DIR"])


def test_dashboard_lists_the_planted_regression_and_filters_benchmarks(site, browser, tmp_path):
    from selenium.webdriver.common.by import By

    browser.get((site.html / "ttsbench" / "index.html").as_uri())
    rows = browser.find_elements(By.CSS_SELECTOR, "table.changes tr.regression")
    texts = [row.text for row in rows]
    assert any(REGRESSED in text and "size=20" in text and site.commits[35][:8] in text for text in texts)
    assert any("size=10" in text and site.commits[45][:8] in text and "(tentative)" in text for text in texts)
    fixed = browser.find_element(By.ID, "fixed").find_element(By.XPATH, "following-sibling::table[1]")
    assert FIXED in fixed.text and site.commits[30][:8] in fixed.text
    assert severe(browser) == [] and only_files(browser)
    shot(browser, tmp_path, "dashboard.png")
    browser.find_element(By.ID, "filter").send_keys("kernel_1")
    shown = [li.text for li in browser.find_elements(By.CSS_SELECTOR, "ul.benchmarks li") if li.is_displayed()]
    assert shown == [REGRESSED]


def test_benchmark_graph_has_points_hover_and_the_regression(site, browser, tmp_path):
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get((site.html / "ttsbench" / pages.benchmark_page(REGRESSED)).as_uri())
    graph = browser.find_element(By.CSS_SELECTOR, ".js-plotly-plot")
    traces = browser.execute_script(
        "return arguments[0].data.map(t => [t.name || '', (t.x || []).length, t.x || []])", graph)
    lines = {name: n for name, n, _ in traces if name.startswith("size=")}
    assert lines == {"size=10": 50, "size=20": 50}
    [regression] = [x for name, _, x in traces if name == "regression"]
    assert regression == [35]
    [tentative] = [x for name, _, x in traces if name == "tentative regression"]
    assert tentative == [45]  # drawn apart (hollow marker)
    index = [t[0] for t in traces].index("size=20")
    points = browser.find_elements(By.CSS_SELECTOR, ".scatterlayer .trace")[index].find_elements(
        By.CSS_SELECTOR, "path.point")
    assert len(points) == 50
    ActionChains(browser).move_to_element(points[10]).perform()
    WebDriverWait(browser, 10).until(
        lambda b: b.find_elements(By.CSS_SELECTOR, ".hoverlayer .hovertext"))
    hover = browser.find_element(By.CSS_SELECTOR, ".hoverlayer").text
    assert site.commits[10][:10] in hover and "Change 10" in hover
    latest = browser.find_element(By.CSS_SELECTOR, "table.latest").text
    assert "size=20" in latest and "regression" in latest
    assert severe(browser) == [] and only_files(browser)
    shot(browser, tmp_path, "benchmark.png")
    ActionChains(browser).click().perform()  # no origin remote: the click opens our commit page
    WebDriverWait(browser, 10).until(lambda b: "commit.html#" in b.current_url)
    assert browser.current_url.endswith("commit.html#" + site.commits[10])


def test_commit_page_shows_every_benchmark_against_the_parent(site, browser):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get((site.html / "ttsbench" / "commit.html").as_uri() + "#" + site.commits[35])
    WebDriverWait(browser, 10).until(lambda b: b.find_elements(By.CSS_SELECTOR, "#commit-table tbody tr"))
    rows = browser.find_elements(By.CSS_SELECTOR, "#commit-table tbody tr")
    assert len(rows) == 4
    assert REGRESSED in rows[0].text and "size=20" in rows[0].text and "regression" in rows[0].text
    assert "Change 35" in browser.find_element(By.ID, "commit-head").text
    assert severe(browser) == [] and only_files(browser)
    browser.get((site.html / "ttsbench" / "compare.html").as_uri())
    assert "Comparison" in browser.page_source and severe(browser) == []
