"""A real headless Chromium driven over the Chrome DevTools Protocol (a websocket, aiohttp's
client), for the explorer's tests: navigate, wait for the DOM, click and type with real input
events, resize to phone width, take screenshots. Page errors are collected, not ignored."""

from __future__ import annotations

import asyncio
import base64
import itertools
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any

import aiohttp
import orjson

from tests.tools.pipeline import stop_process

__all__ = ["Browser", "chromium_path"]


def chromium_path() -> str:
    """The Debian ``chromium`` binary (``make tools`` installs it)."""
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        raise RuntimeError("chromium is not installed: run `make tools` "
                           "(apt-get install -y chromium)")
    return path


class Browser:
    """One headless Chromium with one page. Synchronous methods over a private event loop."""

    def __init__(self, profile_dir: Path) -> None:
        self._loop = asyncio.new_event_loop()
        self._ids = itertools.count(1)
        self._pending: dict[int, asyncio.Future[Any]] = {}
        self.errors: list[str] = []
        self._profile = profile_dir
        self._log = (profile_dir.parent / "chromium.log").open("w")
        self._proc = subprocess.Popen(
            [chromium_path(), "--headless=new", "--no-sandbox", "--disable-gpu",
             "--disable-extensions", "--no-first-run", "--no-default-browser-check",
             "--disable-background-networking", "--disable-component-update",
             "--remote-debugging-port=0", f"--user-data-dir={profile_dir}",
             "--window-size=1280,900", "about:blank"],
            stdout=subprocess.DEVNULL, stderr=self._log)
        try:
            browser_ws = self._devtools_url()
            self._run(self._connect(browser_ws))
        except BaseException:
            self.close()
            raise

    # -- plumbing ---------------------------------------------------------------------------
    def _devtools_url(self, timeout: float = 30) -> str:
        """Chromium writes its port and browser path to DevToolsActivePort once listening."""
        port_file = self._profile / "DevToolsActivePort"
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and self._proc.poll() is None:
            lines = port_file.read_text().split() if port_file.exists() else []
            if len(lines) == 2:
                return f"ws://127.0.0.1:{lines[0]}{lines[1]}"
            time.sleep(0.05)
        log = Path(self._log.name).read_text()[-2000:]
        raise RuntimeError(f"chromium did not start (exit {self._proc.poll()}): {log}")

    def _run(self, coro: Any, timeout: float = 30) -> Any:
        return self._loop.run_until_complete(asyncio.wait_for(coro, timeout))

    async def _connect(self, browser_ws: str) -> None:
        http_base = browser_ws.split("/devtools/")[0].replace("ws://", "http://")
        self._session = aiohttp.ClientSession()
        async with self._session.get(f"{http_base}/json/list") as resp:
            targets = await resp.json()
        page_ws = next(t["webSocketDebuggerUrl"] for t in targets if t["type"] == "page")
        self._ws = await self._session.ws_connect(page_ws, max_msg_size=0)
        self._reader = self._loop.create_task(self._read())
        for domain in ("Page", "Runtime"):
            await self._send(f"{domain}.enable")

    async def _read(self) -> None:
        async for msg in self._ws:
            if msg.type != aiohttp.WSMsgType.TEXT:
                continue
            data = orjson.loads(msg.data)
            future = self._pending.pop(data.get("id", -1), None)
            if future is not None and not future.done():
                future.set_result(data)
            elif data.get("method") == "Runtime.exceptionThrown":
                details = data["params"]["exceptionDetails"]
                self.errors.append(str(details.get("exception", {}).get("description")
                                       or details.get("text")))
            elif data.get("method") == "Runtime.consoleAPICalled" and \
                    data["params"].get("type") == "error":
                self.errors.append(" ".join(str(a.get("value", a.get("description")))
                                            for a in data["params"].get("args", [])))

    async def _send(self, method: str, **params: Any) -> Any:
        ident = next(self._ids)
        future: asyncio.Future[Any] = self._loop.create_future()
        self._pending[ident] = future
        await self._ws.send_str(orjson.dumps({"id": ident, "method": method,
                                              "params": params}).decode())
        reply = await future
        if "error" in reply:
            raise RuntimeError(f"{method}: {reply['error']}")
        return reply.get("result", {})

    def send(self, method: str, **params: Any) -> Any:
        return self._run(self._send(method, **params))

    # -- what the tests use -----------------------------------------------------------------
    def eval(self, expression: str) -> Any:
        """Evaluate JavaScript in the page (promises awaited); return its JSON value."""
        result = self.send("Runtime.evaluate", expression=expression, returnByValue=True,
                           awaitPromise=True)
        if "exceptionDetails" in result:
            raise RuntimeError(f"{expression}: {result['exceptionDetails']}")
        return result["result"].get("value")

    def wait_for(self, expression: str, timeout: float = 15) -> None:
        """Poll until the expression is truthy (in JavaScript's sense: an element is)."""
        deadline = time.monotonic() + timeout
        while True:
            if self.eval(f"!!({expression})"):
                return
            if time.monotonic() > deadline:
                body = self.eval("document.querySelector('main')?.innerHTML.slice(0, 3000)")
                raise AssertionError(f"timed out waiting for {expression!r}; page: {body!r}; "
                                     f"errors: {self.errors}")
            time.sleep(0.1)

    def goto(self, url: str) -> None:
        self.send("Page.navigate", url=url)

    def wait_route(self, route: str, timeout: float = 15) -> None:
        """Wait until the explorer has rendered the page for this hash route and for the
        hash the address bar shows now: after `location.hash = ...` the old page keeps its
        route until the browser fires `hashchange`, so the route alone can match too early."""
        self.wait_for(f"document.querySelector('main')?.dataset.route === "
                      f"{orjson.dumps(route).decode()} && "
                      f"document.querySelector('main').dataset.hash === location.hash", timeout)

    def click(self, selector: str) -> None:
        """A real mouse click in the middle of the element (scrolled into view first)."""
        box = self.eval(f"""(() => {{
            const el = document.querySelector({orjson.dumps(selector).decode()});
            if (!el) return null;
            el.scrollIntoView({{block: "center"}});
            const r = el.getClientRects()[0];
            return {{x: r.left + Math.min(r.width / 2, 20), y: r.top + r.height / 2}};
        }})()""")
        if box is None:
            raise AssertionError(f"nothing matches {selector!r}")
        for kind in ("mousePressed", "mouseReleased"):
            self.send("Input.dispatchMouseEvent", type=kind, x=box["x"], y=box["y"],
                      button="left", clickCount=1)

    def type(self, text: str) -> None:
        self.send("Input.insertText", text=text)

    def press(self, key: str, code: int, shift: bool = False) -> None:
        """A key press (``"Enter", 13`` or ``"Tab", 9``), as a keyboard user makes it."""
        modifiers = 8 if shift else 0
        text = "\r" if key == "Enter" else None
        self.send("Input.dispatchKeyEvent", type="keyDown", key=key, code=key,
                  windowsVirtualKeyCode=code, modifiers=modifiers,
                  **({"text": text} if text else {}))
        self.send("Input.dispatchKeyEvent", type="keyUp", key=key, code=key,
                  windowsVirtualKeyCode=code, modifiers=modifiers)

    def viewport(self, width: int, height: int, mobile: bool = False) -> None:
        self.send("Emulation.setDeviceMetricsOverride", width=width, height=height,
                  deviceScaleFactor=1, mobile=mobile)

    def screenshot(self, path: Path) -> Path:
        """The whole page (not just the viewport) as a PNG."""
        size = self.send("Page.getLayoutMetrics")["cssContentSize"]
        shot = self.send("Page.captureScreenshot", format="png", captureBeyondViewport=True,
                         clip={"x": 0, "y": 0, "width": size["width"],
                               "height": min(size["height"], 6000), "scale": 1})
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(base64.b64decode(shot["data"]))
        return path

    def close(self) -> None:
        try:
            if getattr(self, "_session", None) is not None:
                self._run(self._session.close(), timeout=5)
            if getattr(self, "_reader", None) is not None:
                self._reader.cancel()
                self._loop.run_until_complete(asyncio.gather(self._reader,
                                                             return_exceptions=True))
        finally:
            stop_process(self._proc)
            self._log.close()
            self._loop.close()
