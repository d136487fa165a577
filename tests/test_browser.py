"""A built report in Debian's headless chromium, driven over the DevTools protocol.

Checks what a reader's browser does with the file: no console error, no exception, no request
other than the file itself and its embedded ``data:`` URIs, TOC links that land on existing
anchors; screenshots of the first page and of the executive summary go to ``test-artifacts/``.

Chromium is installed with apt when missing and we are root; the test is skipped (with the
reason) only when that fails. The DevTools websocket client is tornado's, already installed as
a Jupyter dependency: no new package.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import shutil
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from helpers import write_notebook

from analysis.pipeline.execute import execute_notebook
from analysis.pipeline.render import notebook_to_html

ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--remote-debugging-port=0",
    "--window-size=1280,900",
]
_TOC_CHECK = """
Array.from(document.querySelectorAll('nav.toc a')).map(a => {
  const id = decodeURIComponent(a.getAttribute('href').slice(1));
  return [a.getAttribute('href'), document.getElementById(id) !== null];
})
"""


def chromium_binary() -> str:
    """Path of chromium, installing Debian's package first when it is missing and we are root."""
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found:
        return found
    if os.geteuid() != 0:
        pytest.skip("chromium is not installed and installing it needs root (apt-get)")
    for command in (["apt-get", "update"], ["apt-get", "install", "-y", "chromium"]):
        done = subprocess.run(command, capture_output=True, text=True, timeout=600)
        if done.returncode != 0:
            reason = done.stderr.strip()[-300:]
            pytest.skip(f"chromium could not be installed: {' '.join(command)}: {reason}")
    found = shutil.which("chromium")
    if not found:
        pytest.skip("apt-get installed chromium but no chromium binary is on PATH")
    return found


class DevTools:
    """Just enough of the DevTools protocol: commands with replies, and every event kept."""

    def __init__(self, socket: Any) -> None:
        self.socket = socket
        self.events: list[dict[str, Any]] = []
        self._next_id = 0

    async def send(self, method: str, **params: Any) -> dict[str, Any]:
        self._next_id += 1
        wanted = self._next_id
        command = {"id": wanted, "method": method, "params": params}
        await self.socket.write_message(json.dumps(command))
        while True:
            message = json.loads(await self._read())
            if message.get("id") == wanted:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message.get("result", {})
            self.events.append(message)

    async def wait_for(self, method: str, timeout: float = 15) -> None:
        deadline = time.monotonic() + timeout
        while not any(event.get("method") == method for event in self.events):
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"no {method} within {timeout} s")
            self.events.append(json.loads(await asyncio.wait_for(self._read(), remaining)))

    async def _read(self) -> str:
        message = await self.socket.read_message()
        if message is None:
            raise ConnectionError("DevTools connection closed")
        return message


def _devtools_port(profile: Path, process: subprocess.Popen, timeout: float = 15) -> int:
    marker = profile / "DevToolsActivePort"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if marker.exists() and marker.read_text().strip():
            return int(marker.read_text().splitlines()[0])
        if process.poll() is not None:
            raise RuntimeError(f"chromium exited with {process.returncode}")
        time.sleep(0.05)
    raise TimeoutError("chromium did not open its DevTools port")


async def _inspect(ws_url: str, page: Path, shots: dict[str, str | None]) -> dict[str, Any]:
    from tornado.websocket import websocket_connect

    socket = await websocket_connect(ws_url, max_message_size=64 * 1024 * 1024)
    tools = DevTools(socket)
    for domain in ("Page", "Runtime", "Log", "Network"):
        await tools.send(f"{domain}.enable")
    await tools.send(
        "Emulation.setDeviceMetricsOverride", width=1280, height=900, deviceScaleFactor=1,
        mobile=False,
    )
    await tools.send("Page.navigate", url=page.resolve().as_uri())
    await tools.wait_for("Page.loadEventFired")
    toc = await tools.send("Runtime.evaluate", expression=_TOC_CHECK, returnByValue=True)
    saved = {}
    for name, selector in shots.items():
        if selector:
            await tools.send(
                "Runtime.evaluate",
                expression=f"document.querySelector({json.dumps(selector)}).scrollIntoView()",
            )
        else:
            await tools.send("Runtime.evaluate", expression="window.scrollTo(0, 0)")
        shot = await tools.send("Page.captureScreenshot", format="png")
        path = ARTIFACTS / f"{name}.png"
        path.write_bytes(base64.b64decode(shot["data"]))
        saved[name] = path
    socket.close()
    return {"events": tools.events, "toc": toc["result"]["value"], "screenshots": saved}


def inspect_page(page: Path, shots: dict[str, str | None]) -> dict[str, Any]:
    """Open ``page`` in headless chromium; events, TOC check and screenshots (name -> selector,
    None for the top of the page)."""
    binary = chromium_binary()
    ARTIFACTS.mkdir(exist_ok=True)
    # chromium helpers may still write to the profile for a moment after it exits
    with tempfile.TemporaryDirectory(prefix="bpo-chromium-", ignore_cleanup_errors=True) as profile:
        process = subprocess.Popen(
            [binary, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "about:blank"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            port = _devtools_port(Path(profile), process)
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=5) as reply:
                targets = json.load(reply)
            ws_url = next(t["webSocketDebuggerUrl"] for t in targets if t["type"] == "page")
            return asyncio.run(asyncio.wait_for(_inspect(ws_url, page, shots), 25))
        finally:
            process.terminate()
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                process.kill()


def problems(events: list[dict[str, Any]]) -> list[str]:
    """Console errors, uncaught exceptions and log errors among DevTools events."""
    found = []
    for event in events:
        method, params = event.get("method"), event.get("params", {})
        if method == "Runtime.exceptionThrown":
            found.append(f"exception: {params['exceptionDetails'].get('text')}")
        elif method == "Runtime.consoleAPICalled" and params.get("type") in {"error", "assert"}:
            found.append(f"console.{params['type']}: {params.get('args')}")
        elif method == "Log.entryAdded" and params["entry"].get("level") == "error":
            found.append(f"log: {params['entry'].get('text')}")
    return found


def requests(events: list[dict[str, Any]]) -> list[str]:
    """Every URL the page asked for."""
    return [
        event["params"]["request"]["url"]
        for event in events
        if event.get("method") == "Network.requestWillBeSent"
    ]


@pytest.fixture(scope="module")
def opened(tmp_path_factory):
    root = tmp_path_factory.mktemp("browser")
    notebook = write_notebook(
        root / "report.ipynb",
        "year = 2024",
        [
            "md:## Market size\n\nText with a [citation](https://example.org/cited).\n\n### Detail",
            "from analysis.views import report_kit as rk\n"
            "rk.record('size', 245.3, unit='USD bn', label='Global BPO market')\n"
            "rk.record('sources', 12, label='sources in the consensus')\n"
            "rk.say('The market is **USD {x} bn** in {year:d}.', x=245.3, year=year)",
            "import matplotlib.pyplot as plt\n"
            "fig, ax = plt.subplots(figsize=(4, 2)); ax.plot([1, 3, 2]); plt.show()",
            "md:## Outlook",
        ],
    )
    result = execute_notebook(notebook, root / "out" / "report.ipynb", {"year": 2025})
    logo = ARTIFACTS.parent / "config" / "logos" / "example-client.svg"
    html_path = notebook_to_html(
        result.output,
        root / "site" / "report.html",
        title="BPO market size",
        meta={
            "client_name": "<script>alert(1)</script>",
            "run_id": "20250101-000000-0001",
            "accent": "#0b6e4f",
            "logo": "data:image/svg+xml;base64," + base64.b64encode(logo.read_bytes()).decode(),
            "figures": result.figures,
            "data_quality": {"status": "passed", "datasets": {"sources": 3}, "warnings": ["W1"]},
        },
    )
    started = time.perf_counter()
    seen = inspect_page(
        html_path, {"browser-first-page": None, "browser-executive-summary": ".exec-summary"}
    )
    seen["elapsed_s"] = time.perf_counter() - started
    return seen


def test_report_loads_without_console_errors(opened):
    assert problems(opened["events"]) == []
    assert any(e.get("method") == "Page.loadEventFired" for e in opened["events"])


def test_report_makes_no_network_request(opened):
    urls = requests(opened["events"])
    assert urls and urls[0].startswith("file://")
    assert [url for url in urls if not url.startswith(("file://", "data:"))] == []


def test_toc_links_resolve_to_existing_anchors(opened):
    toc = opened["toc"]
    # the executive summary, two notebook h2s and one h3, and the two appendices
    assert len(toc) == 6
    assert all(resolves for _, resolves in toc), toc


def test_screenshots_are_saved_as_artifacts(opened):
    for path in opened["screenshots"].values():
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert path.stat().st_size > 5_000  # a rendered page, not a blank image
    assert opened["elapsed_s"] < 30
