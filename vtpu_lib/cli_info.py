"""``python -m vtpu_lib demo`` and ``status``, and the microvtpu half of ``bench`` (the original's
``asi.sh bench|demo|status``, answered from the library).

* ``bench`` -- the original's three dot products (baseline CPU, naive, "optimized") as the original
  counted them next to what the machine measures (useful ops: a C-slot prefetch token that does
  nothing is no work), then the kernel benchmark.
* ``demo`` -- the plain-Python model of notebook 01 and the library side by side on the same
  vectors: same results, and where the counts part.
* ``status`` -- version, Python, numpy, the CPU and its cores, the presets, and the git commit
  when there is one (never an error outside a checkout: the original's ``set -e`` script failed).
"""

from __future__ import annotations

import os
import platform
import subprocess
import sys

from . import __version__, programs
from .config import PRESETS
from .machine import run

_VERSIONS = (("baseline", "microvtpu_baseline", "vliw"), ("naive", "microvtpu_naive", "vliw"),
             ("optimized", "microvtpu_optimized", "sequential"))   # the original ran slots in order


def microvtpu_rows(pairs=programs.ORIGINAL_PAIRS) -> list[dict]:
    """Per version: the original's count (every filled slot an op, one SIW a cycle) and the machine's."""
    from .course import micro
    model = {"baseline": micro.baseline_cpu(pairs), "naive": micro.naive(pairs), "optimized": micro.optimized(pairs)}
    rows = []
    for version, name, mode in _VERSIONS:
        result, cycles, ops = model[version]
        trace = run(programs.load(name), "seed", mode=mode)
        c = trace.counters()
        rows.append({"version": version, "program": name, "mode": mode,
                     "original": {"result": result, "cycles": cycles, "ops": ops, "ops_per_cycle": ops / cycles},
                     "measured": {"result": trace.registers["r0"], "cycles": c.cycles, "ops": c.ops,
                                  "useful_ops": c.useful_ops, "useful_ops_per_cycle": c.useful_ops_per_cycle}})
    return rows


def microvtpu_text(rows: list[dict]) -> str:
    head = f"{'version':<10} {'result':>7}  {'original: cycles ops ops/cyc':>29}  {'measured: cycles useful ops/cyc':>33}"
    out = ["microvtpu dot product of (2,3),(4,5),(6,7),(8,9), as the original counted it and as measured:", head]
    for r in rows:
        o, m = r["original"], r["measured"]
        out.append(f"{r['version']:<10} {m['result']:>7}  {o['cycles']:>19} {o['ops']:>3} {o['ops_per_cycle']:>7.2f}  "
                   f"{m['cycles']:>23} {m['useful_ops']:>6} {m['useful_ops_per_cycle']:>7.2f}")
    out.append("(the original counted its 3 C-slot prefetch tokens as ops; they do nothing, so they are no "
               "useful work)")
    return "\n".join(out)


def demo_text() -> str:
    """The plain-Python model and the library on the same vectors, side by side."""
    lines = ["the plain-Python model (vtpu_lib.course.micro, notebook 01)  |  the library's machine",
             "-" * 88]
    for r in microvtpu_rows():
        o, m = r["original"], r["measured"]
        lines.append(f"{r['version']:<10} {o['result']:>6} in {o['cycles']:>2} cycles, {o['ops']:>2} slots filled"
                     f"   |   {m['result']:>6} in {m['cycles']:>2} cycles, {m['useful_ops']:>2} useful ops "
                     f"({r['mode']})")
    lines.append("same results; the counts part where the model counts a do-nothing prefetch token as an op")
    return "\n".join(lines)


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as f:
            for line in f:
                if line.lower().startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown"


def git_head(here: str | None = None) -> str:
    """The short commit of the checkout holding ``here`` (default: this package), or why there is none."""
    here = here or os.path.dirname(os.path.abspath(__file__))
    try:
        out = subprocess.run(["git", "-C", here, "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                             timeout=5)
    except (OSError, subprocess.SubprocessError):
        return "not available (git is not installed)"
    return out.stdout.strip() if out.returncode == 0 and out.stdout.strip() else "not a git checkout"


def status_text() -> str:
    import numpy
    lines = [f"vtpu_lib {__version__}", f"Python {platform.python_version()} ({sys.executable})",
             f"numpy {numpy.__version__}", f"CPU: {cpu_model()}, {os.cpu_count() or '?'} core(s)",
             f"git commit: {git_head()}", "presets:"]
    for name, cfg in PRESETS.items():
        lat = ", ".join(f"{k} {v}" for k, v in cfg.latency_cycles.items())
        lines.append(f"  {name}: {lat}; PPT {cfg.ppt_sets} x {cfg.ppt_ways}, miss {cfg.ppt_miss_penalty_cycles}")
    return "\n".join(lines)


def cmd_demo(args) -> int:
    print(demo_text())
    return 0


def cmd_status(args) -> int:
    print(status_text())
    return 0


def add_parsers(sub) -> None:
    d = sub.add_parser("demo", help="the plain-Python model and the library side by side")
    d.set_defaults(fn=cmd_demo)
    s = sub.add_parser("status", help="version, Python, numpy, CPU, presets, git commit")
    s.set_defaults(fn=cmd_status)


__all__ = ["cpu_model", "git_head", "microvtpu_rows", "microvtpu_text", "demo_text", "status_text", "cmd_demo", "cmd_status", "add_parsers"]
