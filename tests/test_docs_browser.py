"""The built site in a real headless Chromium (Debian's): the home page, the getting-started tutorial
and the HA-front how-to each draw their diagram, an SVG in the page, not the Mermaid source.
Material renders a diagram into a closed shadow root, which no page script can read; the DevTools
protocol sees it (`DOM.getDocument` with `pierce`), spoken over Chromium's debugging pipe."""

from __future__ import annotations

import functools
import http.server
import json
import os
import shutil
import subprocess
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import REPO
from tests.test_docs import build_site

PAGES = ["", "tutorial/getting-started/", "how-to/radosgw-front/"]
# Debian's Chromium (.ci/run installs it); the Chrome that GitHub's runners carry answers the same protocol.
BROWSER = next(
    (found for name in ("chromium", "chromium-browser", "google-chrome") if (found := shutil.which(name))), "chromium"
)


class DevTools:
    """Chromium driven through --remote-debugging-pipe: JSON messages, each ended by a NUL byte,
    written to its fd 3 and read from its fd 4."""

    def __init__(self, profile: Path) -> None:
        to_chrome, self._commands = os.pipe()
        self._events, from_chrome = os.pipe()

        chromium = [
            BROWSER,
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            f"--user-data-dir={profile}",
            "--remote-debugging-pipe",
            "about:blank",
        ]
        # The shell puts the pipe ends on fds 3 and 4, where Chromium expects them.
        self.process = subprocess.Popen(
            ["bash", "-c", f'exec "$0" "$@" 3<&{to_chrome} 4>&{from_chrome}', *chromium],
            pass_fds=(to_chrome, from_chrome),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        os.close(to_chrome)
        os.close(from_chrome)
        self._buffer = b""
        self._next = 0

    def call(self, method: str, params: dict[str, Any] | None = None, session: str | None = None) -> Any:
        self._next += 1
        message: dict[str, Any] = {"id": self._next, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        os.write(self._commands, json.dumps(message).encode() + b"\0")
        while True:
            reply = self._read()
            if reply.get("id") == self._next:
                assert "error" not in reply, reply
                return reply["result"]

    def _read(self) -> dict[str, Any]:
        while b"\0" not in self._buffer:
            chunk = os.read(self._events, 1 << 16)
            assert chunk, "chromium closed its debugging pipe"
            self._buffer += chunk
        message, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(message)

    def close(self) -> None:
        self.process.kill()
        self.process.wait()
        os.close(self._commands)
        os.close(self._events)


def _nodes(node: dict[str, Any], in_shadow: bool = False):
    """Every node of a pierced DOM tree, and whether it stands in a shadow root."""
    yield node, in_shadow
    for child in node.get("children", []):
        yield from _nodes(child, in_shadow)
    for root in node.get("shadowRoots", []):
        yield from _nodes(root, True)
    if "contentDocument" in node:
        yield from _nodes(node["contentDocument"], in_shadow)


def _drawn(tree: dict[str, Any]) -> tuple[int, int]:
    """(SVG elements in shadow roots holding a flowchart, Mermaid sources left undrawn)."""
    svgs = sum(
        1
        for node, shadow in _nodes(tree)
        if shadow and node.get("nodeName") == "svg" and "flowchart" in " ".join(node.get("attributes", []))
    )
    sources = sum(
        1
        for node, _ in _nodes(tree)
        if node.get("nodeName") == "PRE" and "mermaid" in " ".join(node.get("attributes", []))
    )
    return svgs, sources


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> str:
    if not (REPO / "docs" / "assets" / "javascripts" / "mermaid.min.js").is_file():
        pytest.fail("docs/assets/javascripts/mermaid.min.js is missing: run `bash tests/tools/fetch-mermaid`")
    folder = tmp_path_factory.mktemp("site")
    done = build_site(REPO, folder)
    assert done.returncode == 0, done.stderr
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(folder))
    handler.log_message = lambda *args: None  # type: ignore[method-assign]
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/"
    server.shutdown()


def test_the_diagrams_are_drawn_as_svg_in_a_real_browser(site: str, tmp_path: Path):
    browser = DevTools(tmp_path / "profile")
    try:
        for page in PAGES:
            target = browser.call("Target.createTarget", {"url": site + page})["targetId"]
            session = browser.call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
            deadline = time.monotonic() + 30
            drawn = (0, 0)
            while time.monotonic() < deadline:
                tree = browser.call("DOM.getDocument", {"depth": -1, "pierce": True}, session)["root"]
                drawn = _drawn(tree)
                if drawn[0] >= 1 and drawn[1] == 0:
                    break
                time.sleep(0.3)
            assert drawn[0] >= 1 and drawn[1] == 0, (
                f"{page or 'home'}: {drawn[0]} diagrams drawn, {drawn[1]} left as source"
            )
            browser.call("Target.closeTarget", {"targetId": target})
    finally:
        browser.close()
