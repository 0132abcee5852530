"""A real headless Chromium driven over the DevTools protocol (no Selenium or Playwright: the
``websockets`` client already in the lock is enough): open a page, type into a form, click,
wait for text, read the page, take a screenshot."""

from __future__ import annotations

import base64
import contextlib
import itertools
import json
import os
import re
import signal
import subprocess
import tempfile
import time
from pathlib import Path

from websockets.sync.client import connect

from patentflow.report.browser import find_chromium, headless_command


class Browser:
    """One Chromium with one tab; a context manager that always kills the browser."""

    def __init__(self, width: int = 1440, height: int = 1000, timezone: str = "Asia/Shanghai"):
        self.binary = find_chromium()
        if self.binary is None:
            raise RuntimeError("no Chromium on PATH")
        self._profile = tempfile.TemporaryDirectory(prefix="patentflow-e2e-chromium-")
        command = [*headless_command(self.binary, Path(self._profile.name)),
                   "--remote-debugging-port=0", f"--window-size={width},{height}",
                   "about:blank"]
        # The Airflow UI shows times in the browser's zone: a Jinan user's is Asia/Shanghai.
        self._process = subprocess.Popen(command, stdout=subprocess.DEVNULL,
                                         stderr=subprocess.PIPE, text=True,
                                         env={"TZ": timezone, "PATH": "/usr/bin:/bin"},
                                         start_new_session=True)
        self._ids = itertools.count(1)
        self._stack = contextlib.ExitStack()
        self._socket = self._stack.enter_context(
            connect(self._page_socket(), max_size=64 * 1024 * 1024))
        self.call("Page.enable")
        self.call("Runtime.enable")

    def _page_socket(self) -> str:
        deadline = time.monotonic() + 60
        assert self._process.stderr is not None
        while time.monotonic() < deadline:
            line = self._process.stderr.readline()
            match = re.search(r"DevTools listening on (ws://[^/]+)", line)
            if match:
                port = match.group(1).rsplit(":", 1)[1]
                break
        else:
            raise RuntimeError("Chromium did not open its DevTools port")
        import urllib.request

        with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=10) as answer:
            pages = [t for t in json.load(answer) if t.get("type") == "page"]
        return pages[0]["webSocketDebuggerUrl"]

    def call(self, method: str, **params) -> dict:
        ident = next(self._ids)
        self._socket.send(json.dumps({"id": ident, "method": method, "params": params}))
        while True:
            message = json.loads(self._socket.recv(timeout=120))
            if message.get("id") == ident:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message.get("result", {})

    def evaluate(self, expression: str):
        result = self.call("Runtime.evaluate", expression=expression, awaitPromise=True,
                           returnByValue=True)
        return result.get("result", {}).get("value")

    def open(self, url: str) -> None:
        self.call("Page.navigate", url=url)

    def text(self) -> str:
        return self.evaluate("document.body ? document.body.innerText : ''") or ""

    def wait_for(self, predicate, what: str, timeout: float = 120.0) -> str:
        """Wait until ``predicate(page text)`` holds; return the text."""
        deadline = time.monotonic() + timeout
        text = ""
        while time.monotonic() < deadline:
            text = self.text()
            if predicate(text):
                return text
            time.sleep(0.5)
        raise AssertionError(f"page never showed {what}; it shows:\n{text[:3000]}")

    def fill(self, selector: str, value: str) -> None:
        """Type into a React-controlled input (set through the native setter, then 'input')."""
        self.evaluate(f"""(() => {{
            const field = document.querySelector({json.dumps(selector)});
            const setter = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype,
                                                           'value').set;
            setter.call(field, {json.dumps(value)});
            field.dispatchEvent(new Event('input', {{bubbles: true}}));
        }})()""")

    def click(self, selector: str) -> None:
        self.evaluate(f"document.querySelector({json.dumps(selector)}).click()")

    def click_text(self, text: str) -> bool:
        """Click the innermost visible element whose own text is ``text``."""
        return bool(self.evaluate(f"""(() => {{
            const wanted = {json.dumps(text)};
            const all = [...document.querySelectorAll('a, button, [role=tab], span, p, div')];
            const hit = all.filter(e => e.innerText && e.innerText.trim() === wanted).pop();
            if (!hit) return false;
            hit.click();
            return true;
        }})()"""))

    def screenshot(self, path: Path) -> Path:
        data = self.call("Page.captureScreenshot", format="png", captureBeyondViewport=False)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(base64.b64decode(data["data"]))
        return path

    def close(self) -> None:
        try:
            self._stack.close()
        finally:
            # Chromium's helper processes (renderer, GPU, crash handler) outlive the main one
            # and keep writing into the profile: end the whole group before removing it.
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self._process.pid, signal.SIGKILL)
            self._process.wait(timeout=30)
            _wait_for_group_exit(self._process.pid)
            self._profile.cleanup()

    def __enter__(self) -> Browser:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _wait_for_group_exit(group: int, timeout: float = 10.0) -> None:
    """Until no process of the group is left (signal 0 probes without delivering)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.killpg(group, 0)
        except ProcessLookupError:
            return
        time.sleep(0.05)
