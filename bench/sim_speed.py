"""Speed of the simulator core: SIWs/s and ops/s on a long program, event log on and off.

    .venv/bin/python bench/sim_speed.py [--siws 60000] [--repeat 3] [--compare REV]

Prints the best of ``--repeat`` runs for each setting (only ``Machine.run`` is timed; each run
starts from a snapshot taken after loading; loading, i.e. decoding the SIWs, is reported
separately). ``--compare REV`` runs the same benchmark, in
fresh subprocesses, on a git worktree of REV (e.g. ``HEAD`` or ``209de50``: the old core) and on
this working tree, and prints both figures and the ratio new/old. Goals on the 2-core CI
machines: >= 300,000 SIWs/s with the event log on, and >= 1.0x the old core. Rates fall with
program length (the old core: ~280k SIWs/s at 60k SIWs, ~200k at 120k), so compare figures
only at the same ``--siws``; the machines are shared, so repeat a run before trusting a ratio.

This file also holds the helpers the other benchmarks use to run themselves against another
revision (``worktree``, ``run_child``, ``use_tree``); they only touch ``git worktree`` under a
temporary directory and remove it afterwards.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
GOAL_SIWS_PER_S = 300_000
GOAL_VS_OLD = 1.0

# A 4-SIW body that keeps all three pipes busy with real work (no NOP padding), unrolled.
# p2 walks one scroll forward and back so the coordinate stays in range forever.
BODY = """\
add r1, r1, r2     | gather r3, p0         | pack m0, r1, r3
mul r4, r3, r2     | scatter p1, r4        | unpack r6, m0, 1
fma r5, r4, r2, r5 | index p2, p2, 0, #1   | pack m1, r5
max r7, r5, r6     | index p2, p2, 0, #-1  | unpack r9, m1, 0
"""


def program(siws: int) -> str:
    head = ".mem 1.1.1 1.5\n.sentron bench\n.set p0 1.1.1\n.set p1 2.1.1\n.set p2 1.1.1\n.set r2 1.0000001\n"
    return head + f".repeat {siws // 4}\n{BODY}.end\n"


# -- running against another revision ---------------------------------------------------------

def use_tree(root: str | os.PathLike) -> None:
    """Make ``import vtpu_lib`` load the package under ``root`` (call before importing it).

    The venv has an editable install of the main checkout; its finder sits on sys.meta_path
    (and may add a path hook), so it is removed rather than merely outranked."""
    root = os.fspath(Path(root).resolve())
    sys.path.insert(0, root)

    def editable(obj) -> bool:
        names = (getattr(obj, "__module__", "") or "", type(obj).__module__, getattr(obj, "__qualname__", "") or "")
        return any("__editable__" in n or "_EditableFinder" in n for n in names)

    sys.meta_path[:] = [f for f in sys.meta_path if not editable(f)]
    sys.path_hooks[:] = [h for h in sys.path_hooks if not editable(h)]
    sys.path_importer_cache.clear()
    for name in [m for m in sys.modules if m == "vtpu_lib" or m.startswith("vtpu_lib.")]:
        del sys.modules[name]
    import vtpu_lib
    where = Path(vtpu_lib.__file__).resolve()
    if Path(root) not in where.parents:
        raise SystemExit(f"benchmark child imported vtpu_lib from {where}, not from {root}")


def machine_class():
    """``Machine`` from the new core (vtpu_lib.machine) or the old one (vtpu_lib.sim)."""
    try:
        from vtpu_lib.machine import Machine
    except ImportError:
        from vtpu_lib.sim import Machine
    return Machine


@contextlib.contextmanager
def worktree(rev: str):
    """A detached git worktree of ``rev`` under a temporary directory, removed afterwards."""
    tmp = Path(tempfile.mkdtemp(prefix="vtpu-bench-"))
    path = tmp / "tree"
    subprocess.run(["git", "-C", str(REPO), "worktree", "add", "--detach", "--quiet", str(path), rev],
                   check=True)
    try:
        sha = subprocess.run(["git", "-C", str(path), "rev-parse", "--short", "HEAD"], check=True,
                             capture_output=True, text=True).stdout.strip()
        yield path, sha
    finally:
        subprocess.run(["git", "-C", str(REPO), "worktree", "remove", "--force", str(path)], check=False)
        shutil.rmtree(tmp, ignore_errors=True)


def run_child(script: str, root: str | os.PathLike, argv: list[str], timeout: float = 1800) -> dict:
    """Run ``script --child-root ROOT argv...`` in a fresh interpreter; it prints one JSON line last."""
    env = {**os.environ, "PYTHONPATH": os.fspath(root)}
    script = os.fspath(Path(script).resolve())  # the child runs in root
    out = subprocess.run([sys.executable, script, "--child-root", os.fspath(root), *argv], cwd=os.fspath(root),
                         env=env, capture_output=True, text=True, timeout=timeout)
    if out.returncode != 0:
        raise SystemExit(f"benchmark child for {root} failed ({out.returncode}):\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def old_and_new(script: str, rev: str, argv: list[str]) -> tuple[dict, dict, str]:
    """``script``'s child run on a worktree of ``rev`` and on the working tree: (old, new, old's sha)."""
    with worktree(rev) as (path, sha):
        old = run_child(script, path, argv)
    return old, run_child(script, REPO, argv), sha


def compare_table(rows: list[tuple[str, float, float, str]], old_label: str, new_label: str) -> None:
    """rows: (figure, old value, new value, format); prints old, new and new/old."""
    w = max(len(r[0]) for r in rows) + 2
    print(f"{'':<{w}}{old_label:>22}{new_label:>22}{'new/old':>10}")
    for name, old, new, fmt in rows:
        ratio = f"{new / old:.2f}x" if old else "-"
        print(f"{name:<{w}}{format(old, fmt):>22}{format(new, fmt):>22}{ratio:>10}")


# -- the measurement -------------------------------------------------------------------------

def measure(siws: int, repeat: int) -> dict:
    from vtpu_lib.asm import assemble
    Machine = machine_class()
    t0 = time.perf_counter()
    prog = assemble(program(siws), file="bench.siw")
    t_asm = time.perf_counter() - t0
    code = prog.sentrons[0]
    n_siws, n_ops = len(code.siws), code.op_count()
    out = {"siws": n_siws, "ops": n_ops, "asm_s": t_asm}
    for record in (True, False):
        # Loading (decoding) is slow next to running, so load once and restore the snapshot
        # taken after loading before each timed run (Machine.snapshot/restore: both cores).
        best_run = float("inf")
        m = Machine("seed", record=record)
        t0 = time.perf_counter()
        m.load(prog)
        t_load = time.perf_counter() - t0
        loaded = m.snapshot()
        for i in range(repeat):
            if i:
                m.restore(loaded)
            gc.collect()
            t0 = time.perf_counter()
            trace = m.run()
            best_run = min(best_run, time.perf_counter() - t0)
        if record and trace.counters().siws != n_siws:
            raise SystemExit(f"the timed run issued {trace.counters().siws} SIWs, expected {n_siws}")
        del m, trace, loaded
        gc.collect()
        key = "on" if record else "off"
        out[f"run_s_{key}"] = best_run
        out[f"siws_per_s_{key}"] = n_siws / best_run
        out[f"ops_per_s_{key}"] = n_ops / best_run
        out[f"load_siws_per_s_{key}"] = n_siws / t_load
    import vtpu_lib
    out["vtpu_lib"] = vtpu_lib.__file__
    return out


def report(r: dict) -> None:
    print(f"program: {r['siws']:,} SIWs, {r['ops']:,} ops (assembled in {r['asm_s']:.2f} s)")
    for key, label in (("on", "event log on "), ("off", "event log off")):
        print(f"{label}: {r[f'run_s_{key}']:.3f} s  {r[f'siws_per_s_{key}']:>10,.0f} SIWs/s  "
              f"{r[f'ops_per_s_{key}']:>10,.0f} ops/s   (load/decode: {r[f'load_siws_per_s_{key}']:,.0f} SIWs/s)")
    print(f"cost of the event log: {r['siws_per_s_off'] / r['siws_per_s_on']:.2f}x")
    goal_line(r["siws_per_s_on"])


def goal_line(rate: float) -> None:
    print(f"SIWs/s (event log on): {rate:,.0f}; goal >= {GOAL_SIWS_PER_S:,} SIWs/s: "
          f"{'met' if rate >= GOAL_SIWS_PER_S else 'NOT met'} ({rate / GOAL_SIWS_PER_S:.2f}x the goal)")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--siws", type=int, default=60_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--compare", metavar="REV", help="also run on a worktree of REV and print new/old")
    ap.add_argument("--child-root", help=argparse.SUPPRESS)
    args = ap.parse_args()
    argv = ["--siws", str(args.siws), "--repeat", str(args.repeat)]
    if args.child_root:
        use_tree(args.child_root)
        print(json.dumps(measure(args.siws, args.repeat)))
        return
    if not args.compare:
        report(measure(args.siws, args.repeat))
        return
    old, new, sha = old_and_new(__file__, args.compare, argv)
    print(f"old: {args.compare} ({sha}) -> {old['vtpu_lib']}\nnew: working tree -> {new['vtpu_lib']}")
    print(f"program: {new['siws']:,} SIWs, {new['ops']:,} ops; best of {args.repeat}, Machine.run only")
    compare_table([("SIWs/s (event log on)", old["siws_per_s_on"], new["siws_per_s_on"], ",.0f"),
                   ("SIWs/s (event log off)", old["siws_per_s_off"], new["siws_per_s_off"], ",.0f"),
                   ("ops/s (event log on)", old["ops_per_s_on"], new["ops_per_s_on"], ",.0f"),
                   ("load/decode SIWs/s", old["load_siws_per_s_on"], new["load_siws_per_s_on"], ",.0f")],
                  f"old ({sha})", "new (working tree)")
    goal_line(new["siws_per_s_on"])
    ratio = new["siws_per_s_on"] / old["siws_per_s_on"]
    print(f"goal >= {GOAL_VS_OLD:.1f}x the old core (event log on): {'met' if ratio >= GOAL_VS_OLD else 'NOT met'} "
          f"({ratio:.2f}x)")


if __name__ == "__main__":
    main()
