"""Memory of a run: bytes per sentron-cycle (program, decoded SIWs and event log together).

    .venv/bin/python bench/sim_memory.py [--sentrons 10] [--cycles 100000] [--compare REV]

Each size runs in a fresh interpreter, which reports its peak resident memory
(``resource.getrusage(RUSAGE_SELF).ru_maxrss``) after assembling, loading and running
``--sentrons`` sentrons of straight-line code (``.repeat N`` of one D-slot op, one SIW per
cycle under ``seed``) with the event log on and the trace kept. The small run (1,000 cycles)
is subtracted from the big one, so the interpreter, the imports and fixed costs cancel:

    bytes per sentron-cycle = (peak(big) - peak(small)) / (sentrons x (big - small) cycles)

Goal: <= 40 bytes per sentron-cycle. ``--compare REV`` also measures a git worktree of REV.
"""

from __future__ import annotations

import argparse
import json
import resource
import time

from sim_speed import REPO, compare_table, machine_class, run_child, use_tree, worktree

GOAL_BYTES = 40
SMALL_CYCLES = 1_000


def program(sentrons: int, cycles: int) -> str:
    # add r1, r1, r2 depends on itself: one SIW per cycle under seed (latency 1), cycles = N
    parts = []
    for i in range(sentrons):
        parts.append(f".sentron s{i} id={i}\n.set r2 1\n.repeat {cycles}\nadd r1, r1, r2 | - | -\n.end\n")
    return "".join(parts)


def child(sentrons: int, cycles: int) -> dict:
    from vtpu_lib.asm import assemble
    Machine = machine_class()
    t0 = time.perf_counter()
    prog = assemble(program(sentrons, cycles), file="memory.siw")
    t_asm = time.perf_counter() - t0
    m = Machine("seed")
    t0 = time.perf_counter()
    m.load(prog)
    t_load = time.perf_counter() - t0
    t0 = time.perf_counter()
    trace = m.run()
    t_run = time.perf_counter() - t0
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    c = trace.counters()
    for s in trace.sentrons:  # the program must have done what it says, or the figure means nothing
        if s.registers["r1"] != float(cycles):
            raise SystemExit(f"sentron {s.name}: r1 = {s.registers['r1']}, expected {cycles}")
    import vtpu_lib
    return {"peak_kib": peak_kib, "cycles": c.cycles, "siws": c.siws, "asm_s": t_asm, "load_s": t_load,
            "run_s": t_run, "vtpu_lib": vtpu_lib.__file__}


def measure(script: str, root, sentrons: int, cycles: int) -> dict:
    small = run_child(script, root, ["--sentrons", str(sentrons), "--cycles", str(SMALL_CYCLES)])
    big = run_child(script, root, ["--sentrons", str(sentrons), "--cycles", str(cycles)])
    per = (big["peak_kib"] - small["peak_kib"]) * 1024 / (sentrons * (cycles - SMALL_CYCLES))
    return {"small": small, "big": big, "bytes": per}


def report(r: dict, sentrons: int) -> None:
    big = r["big"]
    print(f"{sentrons} sentrons x {big['cycles']:,} cycles ({big['siws']:,} SIWs) with {r['small']['cycles']:,} "
          f"cycles subtracted; vtpu_lib from {big['vtpu_lib']}")
    print(f"peak memory of the big run: {big['peak_kib'] / 1024:.1f} MiB "
          f"(small run: {r['small']['peak_kib'] / 1024:.1f} MiB)")
    print(f"time of the big run: assemble {big['asm_s']:.2f} s, load {big['load_s']:.2f} s, run {big['run_s']:.2f} s")
    print(f"bytes per sentron-cycle: {r['bytes']:.1f}")
    print(f"goal <= {GOAL_BYTES} bytes per sentron-cycle: {'met' if r['bytes'] <= GOAL_BYTES else 'NOT met'}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sentrons", type=int, default=10)
    ap.add_argument("--cycles", type=int, default=100_000)
    ap.add_argument("--compare", metavar="REV", help="also measure a worktree of REV and print new/old")
    ap.add_argument("--child-root", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child_root:
        use_tree(args.child_root)
        print(json.dumps(child(args.sentrons, args.cycles)))
        return
    if args.cycles <= SMALL_CYCLES:
        raise SystemExit(f"--cycles must be more than the {SMALL_CYCLES:,} cycles subtracted")
    if args.compare:
        with worktree(args.compare) as (path, sha):
            old = measure(__file__, path, args.sentrons, args.cycles)
        print(f"old: {args.compare} ({sha})")
        report(old, args.sentrons)
        print("new: working tree")
    new = measure(__file__, REPO, args.sentrons, args.cycles)
    report(new, args.sentrons)
    if args.compare:
        compare_table([("bytes per sentron-cycle", old["bytes"], new["bytes"], ".1f"),
                       ("peak MiB (big run)", old["big"]["peak_kib"] / 1024, new["big"]["peak_kib"] / 1024, ".1f"),
                       ("run s (big run)", old["big"]["run_s"], new["big"]["run_s"], ".2f"),
                       ("load s (big run)", old["big"]["load_s"], new["big"]["load_s"], ".2f")],
                      f"old ({sha})", "new (working tree)")


if __name__ == "__main__":
    main()
