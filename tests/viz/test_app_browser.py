"""The SolaraViz app in a real headless Chromium: the page loads, Step advances, the network changes.

The app is served by ``solara run aicontagion.viz.app`` (what ``aicontagion app`` runs) on a free
local port, and Playwright drives Debian's ``chromium`` through ``executable_path`` (never a
downloaded browser). ``.ci/run`` installs chromium when it is missing; the test skips, saying
why, only when no browser is installed.
"""

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _skip(reason: str):
    print(f"\ntest_app_browser skipped: {reason}", file=sys.__stderr__)
    pytest.skip(reason)


def _chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    if Path("/usr/bin/chromium").exists():
        return "/usr/bin/chromium"
    _skip("no chromium on this machine (Debian: apt-get install chromium; .ci/run does this)")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def app_url(tmp_path_factory):
    pytest.importorskip("solara", reason="the app extra is not installed (pip install -e '.[dev]')")
    port = _free_port()
    log = tmp_path_factory.mktemp("app") / "solara.log"
    env = os.environ | {"SOLARA_TELEMETRY_MIXPANEL_ENABLE": "False", "MPLBACKEND": "Agg"}
    cmd = [sys.executable, "-m", "solara", "run", "aicontagion.viz.app", "--host", "127.0.0.1", "--port", str(port)]
    cmd += ["--no-open", "--no-check-version"]
    with open(log, "wb") as out:
        server = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, env=env, cwd=log.parent)
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                with urllib.request.urlopen(url, timeout=5) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"the app server did not start:\n{log.read_text()[-3000:]}")
            time.sleep(0.5)
        yield url
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def test_step_advances_and_the_network_changes(app_url):
    chromium = _chromium()
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed (it is in .[dev])")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, headless=True, args=CHROMIUM_FLAGS)
        try:
            page = browser.new_page(viewport={"width": 1500, "height": 1000})
            page.goto(app_url, timeout=90_000)
            page.get_by_text("Step: 0").wait_for(timeout=120_000)
            # the parameter controls are there
            for label in ("scenario", "productivity path", "policy", "seed"):
                assert page.get_by_text(label, exact=True).count() >= 1, label
            network = page.locator(".aicontagion-network img").first
            network.wait_for(timeout=60_000)
            plots = page.locator(".aicontagion-plots img")
            plots.first.wait_for(timeout=60_000)
            assert plots.count() == 3  # defaults by kind, losses, the risk thermometer
            src0, png0 = network.get_attribute("src"), network.screenshot()

            page.get_by_role("button", name="Step").click()
            page.get_by_text("Step: 1").wait_for(timeout=60_000)
            deadline = time.monotonic() + 60
            while network.get_attribute("src") == src0 and time.monotonic() < deadline:
                time.sleep(0.2)
            assert network.get_attribute("src") != src0, "the network image was not replaced"
            png1 = network.screenshot()
            assert png1 != png0, "the network picture did not change"

            page.get_by_role("button", name="Step").click()
            page.get_by_text("Step: 2").wait_for(timeout=60_000)
        finally:
            browser.close()
