#!/usr/bin/env python3
"""The HTML report in a real browser: Debian's headless Chromium, driven by chromedriver
over the W3C WebDriver protocol (plain HTTP + JSON, so only the standard library).

Usage: html_browser.py BIN ARTIFACT_DIR

Writes `analyze mobilenet_v1 --hw orin --format html`, loads it from file://, and checks:
the page references nothing outside itself; the roofline SVG is laid out with a real size
and one point per plotted layer; a click on the T header sorts the layer table by time
(ascending, then descending on a second click) and a click on the layer header sorts by
name; and that MobileNet-v2's ONNX page (long layer names) keeps T and bound inside a 1400 px
window. Leaves ARTIFACT_DIR/html-report.png (a screenshot) and html-report.html.
Exits 77 (ctest: skipped) with a message when chromium or chromedriver is absent.
"""
import base64
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request

SKIP = 77


def fail(message):
    print("FAIL " + message)
    sys.exit(1)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class WebDriver:
    def __init__(self, port):
        self.base = "http://127.0.0.1:%d" % port
        self.session = None

    def call(self, method, path, body=None):
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.base + path, data=data, method=method,
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=60) as response:
            return json.loads(response.read().decode())["value"]

    def session_call(self, method, path, body=None):
        return self.call(method, "/session/%s%s" % (self.session, path), body)

    def script(self, source, *args):
        return self.session_call("POST", "/execute/sync", {"script": source, "args": list(args)})

    def click(self, css):
        element = self.session_call("POST", "/element", {"using": "css selector", "value": css})
        element_id = next(iter(element.values()))
        self.session_call("POST", "/element/%s/click" % element_id, {})


def main():
    if len(sys.argv) != 3:
        print("usage: html_browser.py BIN ARTIFACT_DIR", file=sys.stderr)
        return 2
    binary, artifacts = sys.argv[1], os.path.abspath(sys.argv[2])
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    chromedriver = shutil.which("chromedriver")
    if not chromium or not chromedriver:
        print("SKIP: needs Debian's chromium and chromium-driver (bash scripts/dev.sh test installs them)")
        return SKIP
    os.makedirs(artifacts, exist_ok=True)
    page = os.path.join(artifacts, "html-report.html")
    subprocess.run([binary, "analyze", "mobilenet_v1", "--hw", "orin", "--format", "html", "-o", page], check=True)
    report = json.loads(subprocess.run([binary, "analyze", "mobilenet_v1", "--hw", "orin", "--format", "json"],
                                       check=True, capture_output=True, text=True).stdout)
    html = open(page, encoding="utf-8").read()
    # Self-contained: no src/href attributes, no url() other than the SVG's own #fragments.
    external = re.findall(r'(?:src|href)\s*=|url\((?!#)', html)
    if external:
        fail("the page references outside resources: %s" % external[:3])
    plotted = [layer for layer in report["layers"]
               if layer["flops"] > 0 and layer["bytes"]["total"] > 0 and layer["time"]["total"] > 0]

    port = free_port()
    driver_process = subprocess.Popen([chromedriver, "--port=%d" % port], stdout=subprocess.DEVNULL,
                                      stderr=subprocess.DEVNULL)
    driver = WebDriver(port)
    try:
        for _ in range(100):
            try:
                if driver.call("GET", "/status").get("ready"):
                    break
            except OSError:
                pass
            time.sleep(0.1)
        else:
            fail("chromedriver did not start")
        options = {"binary": chromium,
                   "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                            "--window-size=1400,1100", "--user-data-dir=" + os.path.join(artifacts, "chromium-profile")]}
        created = driver.call("POST", "/session", {"capabilities": {"alwaysMatch": {
            "browserName": "chrome", "goog:chromeOptions": options}}})
        driver.session = created["sessionId"]
        driver.session_call("POST", "/url", {"url": "file://" + page})

        svg = driver.script("""
            var svg = document.querySelector('#roofline svg');
            if (!svg) return null;
            var box = svg.getBoundingClientRect();
            return {width: box.width, height: box.height, points: svg.querySelectorAll('path.point').length,
                    roofs: svg.querySelectorAll('line.roof').length};""")
        if not svg:
            fail("no roofline SVG on the page")
        if svg["width"] < 400 or svg["height"] < 250:
            fail("the roofline SVG is laid out at %sx%s px" % (svg["width"], svg["height"]))
        if svg["points"] != len(plotted):
            fail("the SVG shows %d points, the JSON report has %d plottable layers" % (svg["points"], len(plotted)))

        column_values = """
            var column = arguments[0];
            return Array.prototype.map.call(document.querySelectorAll('#layer-table tbody tr'), function (row) {
              var cell = row.cells[column];
              var sort = cell.getAttribute('data-sort');
              return sort === null ? cell.textContent : parseFloat(sort);
            });"""
        before = driver.script(column_values, 0)
        if before != sorted(before) or len(before) != len(report["layers"]):
            fail("the table does not start in layer order with every layer")
        time_column = 12  # "T" (human_parts.hpp kLayerColumns)
        driver.click("#layer-table thead th:nth-child(%d)" % (time_column + 1))
        ascending = driver.script(column_values, time_column)
        expected = sorted(layer["time"]["total"] for layer in report["layers"])
        if ascending != sorted(ascending) or [round(v, 15) for v in ascending] != [round(v, 15) for v in expected]:
            fail("one click on T did not sort by time, ascending: %s…" % ascending[:5])
        driver.click("#layer-table thead th:nth-child(%d)" % (time_column + 1))
        descending = driver.script(column_values, time_column)
        if descending != sorted(ascending, reverse=True):
            fail("a second click on T did not reverse the order")
        if driver.script("return document.querySelector('#layer-table thead th:nth-child(13)')"
                         ".getAttribute('aria-sort')") != "descending":
            fail("the T header does not show its sort direction")
        driver.click("#layer-table thead th:nth-child(2)")
        names = driver.script(column_values, 1)
        by_locale = driver.script("var n = arguments[0].slice(); n.sort(function (a, b) { return a.localeCompare(b); });"
                                  " return n;", names)
        if names != by_locale:
            fail("a click on 'layer' did not sort by name")

        # Long ONNX layer names wrap: at 1400 px the T and bound columns of MobileNet-v2's table
        # (names up to ~90 characters) are on the page, not past its right edge.
        wide = os.path.join(artifacts, "html-report-onnx.html")
        onnx = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures", "onnx", "mobilenet_v2.onnx")
        subprocess.run([binary, "analyze", onnx, "--hw", "orin", "--format", "html", "-o", wide], check=True)
        driver.session_call("POST", "/url", {"url": "file://" + wide})
        edges = driver.script("""
            var heads = document.querySelectorAll('#layer-table thead th');
            return {bound: heads[heads.length - 1].getBoundingClientRect().right,
                    time: heads[12].getBoundingClientRect().right, width: window.innerWidth};""")
        if edges["bound"] > edges["width"] or edges["time"] > edges["width"]:
            fail("at %d px the T and bound columns end at %d and %d px: off the page"
                 % (edges["width"], edges["time"], edges["bound"]))
        driver.session_call("POST", "/url", {"url": "file://" + page})

        driver.script("window.scrollTo(0, 0);")
        png = base64.b64decode(driver.session_call("GET", "/screenshot"))
        if png[:8] != b"\x89PNG\r\n\x1a\n":
            fail("the screenshot is not a PNG")
        with open(os.path.join(artifacts, "html-report.png"), "wb") as out:
            out.write(png)
        driver.session_call("DELETE", "")
    finally:
        driver_process.terminate()
        driver_process.wait(timeout=10)
    print("html report: SVG %dx%d px with %d points, table sorts by T and by name; MobileNet-v2's bound column "
          "ends at %d of %d px; screenshot %s" % (svg["width"], svg["height"], svg["points"], edges["bound"],
                                                  edges["width"], os.path.join(artifacts, "html-report.png")))
    return 0


if __name__ == "__main__":
    sys.exit(main())
