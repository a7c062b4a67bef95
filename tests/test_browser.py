"""The series in a real JupyterLab, driven by headless Debian chromium through Playwright.

Opens ``notebooks/03_d_pipe.ipynb`` (a temporary copy), runs all cells, moves the latency
explorer's ``mul`` slider and checks the counters and the plot change, then types programs into
the program editor and checks its output (including the assembler's "did you mean" error).

Needs Debian's ``chromium`` (``apt-get install chromium``; ``.ci/run`` installs it) and the
``playwright`` package (pinned in requirements.txt). Never run ``playwright install``. Without
them the test skips locally and fails when ``CI`` is set. Screenshots and the server log go to
``tests/browser-artifacts/``. ``VTPU_BROWSER_NOTEBOOK=/path/nb.ipynb`` points the test at another
notebook explicitly (for developing the test); by default it must be the series' notebook.

The steps follow shared/design/tooling.md: the kernel is started and answered
through REST and its websocket *before* the page opens, which removes the "Select Kernel" dialog
and first-websocket races seen on a fresh server.
"""

from __future__ import annotations

import json
import os
import pathlib
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "notebooks" / "03_d_pipe.ipynb"
ARTIFACTS = ROOT / "tests" / "browser-artifacts"
CHROMIUM = pathlib.Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--no-first-run"]
PANEL = ".jp-NotebookPanel:not(.lm-mod-hidden)"

THREE_SIWS = """\
.set r1 2
add r2, r1, r1 | - | -
mul r3, r2, r2 | - | -
add r0, r3, r1 | - | -"""
TYPO = "ad r1, r1, r1 | - | -"
TYPO_MESSAGE = "unknown op 'ad' (did you mean 'add'?)"


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def _unavailable(why: str):
    if _in_ci():
        pytest.fail(f"{why}. CI must run the browser test: .ci/run installs Debian's chromium and "
                    "requirements.txt pins playwright.", pytrace=False)
    pytest.skip(why)


def _target_notebook() -> pathlib.Path:
    override = os.environ.get("VTPU_BROWSER_NOTEBOOK")
    nb = pathlib.Path(override) if override else NOTEBOOK
    if not nb.is_file():
        pytest.fail(f"{nb} does not exist: the browser test drives its LatencyExplorer and "
                    "ProgramEditor cells", pytrace=False)
    return nb


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Lab:
    """A JupyterLab server of our own: port, token, settings and a temporary notebook folder."""

    def __init__(self, tmp: pathlib.Path, notebook: pathlib.Path):
        self.tmp = tmp
        self.port = _free_port()
        self.token = secrets.token_hex(24)
        self.url = f"http://127.0.0.1:{self.port}"
        self.root = tmp / "notebooks"
        shutil.copytree(ROOT / "notebooks", self.root,
                        ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
        # The target's stored outputs are dropped in the copy: a saved widget view (stored widget
        # state) would otherwise look just like a live one until Run All replaces it.
        nb = json.loads(notebook.read_text())
        nb.get("metadata", {}).pop("widgets", None)
        for cell in nb["cells"]:
            if cell["cell_type"] == "code":
                cell["outputs"], cell["execution_count"] = [], None
        self.nb_name = NOTEBOOK.name
        (self.root / self.nb_name).write_text(json.dumps(nb))
        self.log_path = tmp / "jupyter-server.log"
        self.proc: subprocess.Popen | None = None
        self._log = None

    # -- REST ------------------------------------------------------------------------------
    def api(self, method: str, path: str, body=None, timeout: float = 10):
        req = urllib.request.Request(self.url + path, method=method,
                                     data=None if body is None else json.dumps(body).encode(),
                                     headers={"Authorization": f"token {self.token}",
                                              "Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=timeout) as r:
            data = r.read()
        return json.loads(data) if data else None

    def log_tail(self, n: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-n:])
        except OSError:
            return "(no server log)"

    # -- life cycle --------------------------------------------------------------------------
    def start(self, timeout: float = 30):
        env = dict(os.environ)
        for var, sub in [("JUPYTERLAB_SETTINGS_DIR", "lab-settings"), ("JUPYTERLAB_WORKSPACES_DIR", "lab-workspaces"),
                         ("JUPYTER_CONFIG_DIR", "config"), ("JUPYTER_RUNTIME_DIR", "runtime"),
                         ("IPYTHONDIR", "ipython")]:
            (self.tmp / sub).mkdir()
            env[var] = str(self.tmp / sub)
        env["JUPYTER_PLATFORM_DIRS"] = "1"
        notification = self.tmp / "lab-settings" / "@jupyterlab" / "apputils-extension"
        notification.mkdir(parents=True)
        (notification / "notification.jupyterlab-settings").write_text(
            json.dumps({"fetchNews": "false", "checkForUpdates": False}))
        cmd = [sys.executable, "-m", "jupyterlab", "--no-browser",
               "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={self.port}", "--ServerApp.port_retries=0",
               f"--IdentityProvider.token={self.token}", f"--ServerApp.root_dir={self.root}",
               "--LabApp.news_url=None", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"]
        if os.geteuid() == 0:
            cmd.append("--allow-root")
        self._log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(cmd, cwd=self.tmp, env=env, stdin=subprocess.DEVNULL,
                                     stdout=self._log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"jupyter lab exited with {self.proc.returncode}:\n{self.log_tail()}")
            try:
                self.api("GET", "/api/status", timeout=2)
                return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                if time.monotonic() > deadline:
                    raise RuntimeError(f"jupyter lab did not answer in {timeout} s:\n{self.log_tail()}")
                time.sleep(0.2)

    def stop(self):
        if self.proc is None:
            return
        kernel_pids = []
        try:
            import psutil  # a dependency of ipykernel; used only to make sure no kernel outlives us
            kernel_pids = [p.pid for p in psutil.Process(self.proc.pid).children(recursive=True)]
        except Exception:
            pass
        try:
            if self.proc.poll() is None:
                try:
                    self.api("POST", "/api/shutdown", timeout=5)  # shuts the kernels down, then itself
                except Exception:
                    self.proc.send_signal(signal.SIGTERM)
                try:
                    self.proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    self.proc.kill()
                    self.proc.wait(timeout=5)
        finally:
            for pid in kernel_pids:
                try:
                    os.kill(pid, signal.SIGKILL)
                except (ProcessLookupError, PermissionError):
                    pass
            self._log.close()
            ARTIFACTS.mkdir(exist_ok=True)
            shutil.copyfile(self.log_path, ARTIFACTS / "jupyter-server.log")

    # -- the race-free start of the notebook's kernel ----------------------------------------
    def start_kernel(self, timeout: float = 30) -> str:
        import websocket  # websocket-client, installed with jupyter_server

        session = self.api("POST", "/api/sessions", {"path": self.nb_name, "name": self.nb_name,
                                                     "type": "notebook", "kernel": {"name": "python3"}})
        kernel_id = session["kernel"]["id"]
        ws = websocket.create_connection(
            f"ws://127.0.0.1:{self.port}/api/kernels/{kernel_id}/channels?session_id={uuid.uuid4().hex}",
            header=[f"Authorization: token {self.token}"], timeout=timeout)
        try:
            msg_id = uuid.uuid4().hex
            ws.send(json.dumps({
                "header": {"msg_id": msg_id, "msg_type": "kernel_info_request", "username": "test",
                           "session": uuid.uuid4().hex, "date": "", "version": "5.3"},
                "parent_header": {}, "metadata": {}, "content": {}, "channel": "shell", "buffers": []}))
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline:
                msg = json.loads(ws.recv())
                if (msg.get("channel") == "iopub" and msg["header"]["msg_type"] == "status"
                        and msg["parent_header"].get("msg_id") == msg_id
                        and msg["content"]["execution_state"] == "idle"):
                    return kernel_id
            raise TimeoutError(f"kernel {kernel_id} did not answer kernel_info in {timeout} s")
        finally:
            ws.close()

    def wait_kernel_connected(self, kernel_id: str, timeout: float = 30):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            k = self.api("GET", f"/api/kernels/{kernel_id}")
            if k["connections"] >= 1 and k["execution_state"] == "idle":
                return
            time.sleep(0.2)
        raise TimeoutError(f"the page did not connect to kernel {kernel_id} in {timeout} s: {k}")


@pytest.fixture
def lab(tmp_path):
    notebook = _target_notebook()
    if not CHROMIUM.exists():
        _unavailable(f"{CHROMIUM} is missing (apt-get install chromium)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        _unavailable("the playwright package is missing (pip install -r requirements.txt)")
    server = Lab(tmp_path, notebook)
    try:
        server.start()
        yield server
    finally:
        server.stop()


def _counters(text: str) -> tuple[int, int]:
    m = re.search(r"cycles (\d+)\s+SIWs (\d+)", text or "")
    assert m, f"no 'cycles N  SIWs M' line in the output:\n{text}"
    return int(m.group(1)), int(m.group(2))


def _wait_for(what: str, probe, timeout: float = 20.0, interval: float = 0.1):
    """Poll ``probe()`` until it returns something true; fail with ``what`` and the last value."""
    deadline, last = time.monotonic() + timeout, None
    while time.monotonic() < deadline:
        try:
            last = probe()
            if last:
                return last
        except AssertionError as e:
            last = e
        time.sleep(interval)
    pytest.fail(f"timed out after {timeout} s waiting for {what}; last seen: {last!r}", pytrace=False)


@pytest.mark.browser
def test_latency_explorer_and_program_editor_in_jupyterlab(lab):
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    kernel_id = lab.start_kernel()
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.set_default_timeout(20_000)
            try:
                _drive(page, lab, kernel_id)
            except BaseException:
                page.screenshot(path=str(ARTIFACTS / "failure.png"))
                raise
        finally:
            browser.close()


def _run_all(page, panel):
    prompts = panel.locator(".jp-CodeCell .jp-InputPrompt")

    def states():
        return [t.strip() for t in prompts.all_text_contents()]

    for attempt in range(2):
        page.get_by_role("menuitem", name="Run", exact=True).click()
        page.locator(".lm-Menu-content .lm-Menu-item:visible", has_text=re.compile(r"^Run All Cells")).click()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and not any(re.search(r"\[[\d*]+\]", s) for s in states()):
            time.sleep(0.1)
        if any(re.search(r"\[[\d*]+\]", s) for s in states()):
            break
    else:
        pytest.fail(f"Run > Run All Cells started nothing (twice); prompts: {states()}", pytrace=False)
    _wait_for("Run All to finish (no [*] prompt left)",
              lambda: (lambda s: all(re.fullmatch(r"\[\d+\]:", x) for x in s) and s)(states()),
              timeout=60)


def _drive(page, lab, kernel_id):
    page.goto(f"{lab.url}/lab/tree/{lab.nb_name}?reset&token={lab.token}")
    panel = page.locator(PANEL)
    panel.locator(".jp-Cell").first.wait_for()
    lab.wait_kernel_connected(kernel_id)
    _run_all(page, panel)

    # -- the latency explorer: move 'mul', the counters and the plot follow ------------------
    explorer = panel.locator(".vtpu-explorer").first
    explorer.wait_for()
    out = explorer.locator(".vtpu-output")
    img = out.locator("img").first
    _wait_for("the explorer's counters and plot", lambda: "ops/cycle" in (out.text_content() or "") and img.count())
    text0, src0 = out.text_content(), img.get_attribute("src")
    cycles0, siws0 = _counters(text0)
    assert re.search(r"ops/cycle \d+\.\d\d", text0), text0
    explorer.scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / "1-run-all.png"))

    slider = explorer.locator(".widget-slider").first
    assert slider.locator(".widget-label").first.text_content().strip() == "mul"
    readout = slider.locator(".widget-readout")
    mul0 = int(readout.text_content())
    slider.locator(".noUi-handle").first.focus()
    for _ in range(3):
        page.keyboard.press("ArrowRight")
    _wait_for(f"the mul readout to show {mul0 + 3}", lambda: readout.text_content().strip() == str(mul0 + 3))

    def moved():
        text, src = out.text_content(), img.get_attribute("src")
        cycles, siws = _counters(text)
        return cycles > cycles0 and siws == siws0 and src and src != src0 and (text, src)

    _wait_for(f"cycles to grow past {cycles0} and the plot to change after mul {mul0} -> {mul0 + 3}", moved)
    # Each key press re-runs the program; let the last run land before reading and moving on.
    seen = []

    def settled():
        seen.append((lab.api("GET", f"/api/kernels/{kernel_id}")["execution_state"],
                     out.text_content(), img.get_attribute("src")))
        return len(seen) >= 4 and seen[-1][0] == "idle" and len(set(seen[-4:])) == 1

    _wait_for("the explorer to settle after the last key press", settled, interval=0.25)
    assert moved(), f"after settling, counters or plot are back to the start:\n{out.text_content()}"
    explorer.scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / "2-mul-moved.png"))

    # -- the program editor: another program, then a typo -----------------------------------
    editor = panel.locator(".vtpu-editor").first
    editor.scroll_into_view_if_needed()
    eout = editor.locator(".vtpu-output")
    _wait_for("the editor's first run", lambda: "cycles" in (eout.text_content() or ""))
    etext0 = eout.text_content()
    area, run = editor.locator("textarea").first, editor.get_by_role("button", name="Run")

    area.fill(THREE_SIWS)
    run.click()
    _wait_for("the editor to show the 3-SIW program's counters",
              lambda: _counters(eout.text_content())[1] == 3 and "r0=18" in eout.text_content())
    assert eout.text_content() != etext0
    editor.scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / "3-editor-3-siws.png"))

    area.fill(TYPO)
    run.click()
    _wait_for("the editor to show the assembler's typo error", lambda: TYPO_MESSAGE in eout.text_content())
    assert "cycles" not in eout.text_content()
    page.screenshot(path=str(ARTIFACTS / "4-editor-typo.png"))
