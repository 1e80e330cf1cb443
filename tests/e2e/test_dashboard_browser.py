"""The dashboard in a real browser (headless Chromium driven by Selenium) against `make run`'s
server: a creator signs in, switches to French, mints a link, the link is tapped from TikTok and
the click shows in the chart; a month is closed (under a shifted clock); the brand marks the
creator's line paid, and the creator's statement shows it paid.

The screenshots for the README are taken here: `make screenshots` writes them to
docs/screenshots/ (`AFFILINK_SCREENSHOTS`); otherwise they go to the test's temporary folder."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import requests

from tests.e2e.local_api import ROOT, running_local_api

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
INSTALL = "sudo apt-get install -y chromium chromium-driver"
TIKTOK = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
          "Mobile/15E148 musical_ly_32.5.0 JsSdk/2.0 NetType/WIFI Channel/App Store ByteLocale/fr Region/FR "
          "BytedanceWebview/d8a21c6")
STATS_LAG_SECONDS = 60

# The close of the month under way, run as if its month had ended (the server's clock is the real one).
CLOSE_UNDER_A_SHIFTED_CLOCK = """
import sys
from datetime import datetime
from chalicelib.base import clock
from chalicelib.money import close
moment = datetime.fromisoformat(sys.argv[2])
clock.set_clock(lambda: moment)
result = close.close_month(sys.argv[1])
print(result.status)
"""


@pytest.fixture(scope="module")
def server():
    with running_local_api() as info:
        yield info


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    if not (os.path.exists(CHROMIUM) and os.path.exists(CHROMEDRIVER)):
        pytest.fail(f"Chromium and its driver are missing (make test installs them as root): {INSTALL}")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    os.environ.setdefault("SE_OFFLINE", "true")  # Selenium Manager must not try to download a driver
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--disable-background-networking", "--disable-component-update", "--disable-sync",
                     "--no-first-run", "--window-size=430,1100", "--lang=en-US",
                     f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}"):
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(30)
    yield driver
    driver.quit()


@pytest.fixture(scope="module")
def screenshots(tmp_path_factory) -> Path:
    folder = os.environ.get("AFFILINK_SCREENSHOTS")
    path = (ROOT / folder) if folder else tmp_path_factory.mktemp("screenshots")
    path.mkdir(parents=True, exist_ok=True)
    return path


def admin(server, method: str, path: str, body: dict) -> dict:
    response = requests.request(method, server["base"] + path, json=body, timeout=10,
                                headers={"Authorization": f"Bearer {server['admin_key']}"})
    assert response.status_code in (200, 201), response.text
    return response.json()


def follow(driver, element) -> None:
    """Click `element` and wait until the page it leads to has replaced this one."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.expected_conditions import staleness_of
    from selenium.webdriver.support.ui import WebDriverWait

    page = driver.find_element(By.TAG_NAME, "html")
    element.click()
    WebDriverWait(driver, 15).until(staleness_of(page))
    WebDriverWait(driver, 15).until(lambda d: d.execute_script("return document.readyState") == "complete")


def shows(driver, text: str, seconds: float = 10) -> bool:
    """The page shows `text` (waiting for a navigation the last click started)."""
    from selenium.webdriver.support.ui import WebDriverWait

    try:
        WebDriverWait(driver, seconds).until(lambda d: text in d.page_source)
    except Exception:
        return False
    return True


def sign_in(driver, server, key: str) -> None:
    from selenium.webdriver.common.by import By

    driver.get(server["base"] + "/app/login")
    driver.find_element(By.ID, "api_key").send_keys(key)
    follow(driver, driver.find_element(By.CSS_SELECTOR, "main form[action$='/login'] button[type=submit]"))
    assert driver.current_url == server["base"] + "/app", driver.page_source[:2000]


def sign_out(driver) -> None:
    from selenium.webdriver.common.by import By

    follow(driver, driver.find_element(By.CSS_SELECTOR, "form[action$='/logout'] button"))
    assert driver.current_url.endswith("/app/login")


def test_a_creator_and_a_brand_go_through_a_month_in_the_browser(server, browser, screenshots):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    driver = browser
    brand = admin(server, "POST", "/brands", {
        "name": "Maison Lumière", "allowed_domains": ["boutique.lumiere.example"], "hold_days": 0,
        "commission": {"type": "percent", "rate_bps": 1200}, "program": "open"})
    creator = admin(server, "POST", "/creators", {"handle": f"lea.beaute.{int(time.time())}"})

    # A creator signs in, and switches to French (remembered in a cookie)
    sign_in(driver, server, creator["api_key"])
    follow(driver, driver.find_element(By.CSS_SELECTOR, "a[hreflang=fr]"))
    assert shows(driver, "Vos 30 derniers jours"), driver.page_source[:2000]

    # She mints a link to the brand from the form
    follow(driver, driver.find_element(By.CSS_SELECTOR, "nav a[href$='/new-link']"))
    Select(driver.find_element(By.ID, "brand_id")).select_by_value(brand["brand_id"])
    driver.find_element(By.ID, "destination").send_keys("https://boutique.lumiere.example/p/serum-eclat")
    alias = f"serum-{int(time.time())}"
    driver.find_element(By.ID, "alias").send_keys(alias)
    driver.find_element(By.ID, "source").send_keys("tiktok:video:7312")
    follow(driver, driver.find_element(By.CSS_SELECTOR, "main form[action$='/links'] button[type=submit]"))
    assert driver.current_url == f"{server['base']}/app/links/{alias}"
    short_url = driver.find_element(By.CSS_SELECTOR, "input.copy").get_attribute("value")
    assert short_url == f"{server['base']}/{alias}"

    # A viewer taps it in TikTok's in-app browser
    tap = requests.get(short_url, headers={"User-Agent": TIKTOK}, allow_redirects=False, timeout=10)
    assert tap.status_code == 302
    click_id = tap.headers["Location"].split("afl_click=")[1].split("#")[0].split("&")[0]

    # And the click shows in the link's chart within the stats' lag
    deadline = time.time() + STATS_LAG_SECONDS
    while time.time() < deadline:
        driver.refresh()
        if driver.find_element(By.ID, "total-clicks").text == "1":
            break
        time.sleep(1)
    assert driver.find_element(By.ID, "total-clicks").text == "1"
    bars = [bar for bar in driver.find_elements(By.CSS_SELECTOR, "svg.chart rect")
            if float(bar.get_attribute("height")) > 0]
    assert len(bars) == 1
    assert "tiktok" in driver.page_source

    # The brand reports the sale (as its shop would), and the month is closed as if it had ended
    sale = requests.post(server["base"] + "/conversions", timeout=10, headers={
        "Authorization": f"Bearer {brand['api_key']}"}, json={
        "type": "sale", "order_id": f"CMD-{int(time.time())}", "click_id": click_id, "amount": 4590,
        "currency": "EUR"})
    assert sale.status_code == 201, sale.text
    today = datetime.now(timezone.utc)
    month = today.strftime("%Y-%m")
    first_of_next = (today.replace(day=1) + timedelta(days=32)).replace(day=1, hour=3, minute=0, second=0,
                                                                         microsecond=0)
    closed = subprocess.run(
        [sys.executable, "-c", CLOSE_UNDER_A_SHIFTED_CLOCK, month, first_of_next.isoformat()],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
        env={**{k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "AFFILINK_"))},
             "AWS_ENDPOINT_URL_DYNAMODB": server["moto"], "AWS_DEFAULT_REGION": "us-east-1",
             "AWS_ACCESS_KEY_ID": "local", "AWS_SECRET_ACCESS_KEY": "local", "AFFILINK_SECRET": "unused"},
    )
    assert closed.stdout.strip().endswith("closed"), closed.stdout + closed.stderr

    # The creator's overview, for the README
    deadline = time.time() + STATS_LAG_SECONDS
    while time.time() < deadline:
        driver.get(server["base"] + "/app")
        if driver.find_element(By.ID, "total-conversions").text == "1":
            break
        time.sleep(1)
    assert "5,51" in driver.find_element(By.ID, "total-commission").text  # 12 % of 45,90 €
    driver.save_screenshot(str(screenshots / "creator-overview.png"))
    sign_out(driver)

    # The brand signs in, opens the statement and marks the creator's line paid
    sign_in(driver, server, brand["api_key"])
    follow(driver, driver.find_element(By.CSS_SELECTOR, "a[hreflang=en]"))
    follow(driver, driver.find_element(By.CSS_SELECTOR, "nav a[href$='/statements']"))
    follow(driver, driver.find_element(By.CSS_SELECTOR, f"a[href$='/statements/{month}']"))
    assert creator["handle"] in driver.page_source
    assert "€5.51" in driver.page_source
    follow(driver, driver.find_element(By.XPATH, "//button[normalize-space()='Mark paid']"))
    assert driver.current_url == f"{server['base']}/app/statements/{month}"
    assert driver.find_element(By.CSS_SELECTOR, ".paid").text.startswith("Paid")
    driver.save_screenshot(str(screenshots / "brand-statement.png"))
    sign_out(driver)

    # And the creator's statement shows it paid
    sign_in(driver, server, creator["api_key"])
    driver.get(f"{server['base']}/app/statements/{month}")
    assert shows(driver, "Maison Lumière"), driver.page_source[:2000]
    assert driver.find_element(By.CSS_SELECTOR, ".paid").text.startswith("Paid")
