"""Speed of the step-through (``vtpu_lib.stepper.Stepper``): µs per forward and per back step.

    .venv/bin/python bench/step_speed.py [--siws 5000] [--window 100] [--compare REV]

One sentron runs a long program (``--siws`` SIWs of the sim_speed body: all three pipes busy).
Around cycle 1,000 and around cycle 4,000 the benchmark times ``--window`` first-time forward
steps (each runs a cycle and keeps a snapshot), then as many back steps (each restores a
snapshot), then the same forward steps again (re-using the snapshots). Goal: <= 100 µs/cycle
forwards and backwards at both places. ``--compare REV`` also measures a git worktree of REV.
"""

from __future__ import annotations

import argparse
import gc
import json
import time

from sim_speed import compare_table, old_and_new, program, use_tree

GOAL_US = 100
AT = (1_000, 4_000)


def child(siws: int, window: int) -> dict:
    from vtpu_lib.asm import assemble
    from vtpu_lib.stepper import Stepper
    prog = assemble(program(siws), file="step.siw")
    t0 = time.perf_counter()
    st = Stepper(prog, "seed")
    out = {"setup_s": time.perf_counter() - t0}
    for at in AT:
        start = at - window // 2
        while st.cycle < start:
            before = st.cycle
            if st.forward() == before:
                raise SystemExit(f"the stepper stopped at cycle {before}, before {start}")
        gc.collect()
        t0 = time.perf_counter()
        for _ in range(window):
            st.forward()
        fwd = time.perf_counter() - t0
        if st.cycle != start + window:
            raise SystemExit(f"{window} forward steps from cycle {start} reached {st.cycle}")
        t0 = time.perf_counter()
        for _ in range(window):
            st.back()
        back = time.perf_counter() - t0
        if st.cycle != start:
            raise SystemExit(f"{window} back steps reached cycle {st.cycle}, not {start}")
        t0 = time.perf_counter()
        for _ in range(window):
            st.forward()
        again = time.perf_counter() - t0
        k = f"{at // 1000}k"
        out[f"forward_{k}"] = 1e6 * fwd / window
        out[f"back_{k}"] = 1e6 * back / window
        out[f"reforward_{k}"] = 1e6 * again / window
    import vtpu_lib
    out["vtpu_lib"] = vtpu_lib.__file__
    return out


def report(r: dict) -> None:
    print(f"Stepper(program, 'seed') set up in {1e3 * r['setup_s']:.1f} ms")
    for at in AT:
        k = f"{at // 1000}k"
        print(f"forward at {k}: {r[f'forward_{k}']:.1f} µs/cycle   (again over kept snapshots: "
              f"{r[f'reforward_{k}']:.1f} µs/cycle)")
        print(f"back at {k}: {r[f'back_{k}']:.1f} µs/cycle")
    worst = max(r[f"{d}_{at // 1000}k"] for d in ("forward", "back") for at in AT)
    print(f"goal <= {GOAL_US} µs/cycle forwards and backwards at 1k and 4k: "
          f"{'met' if worst <= GOAL_US else 'NOT met'} (worst {worst:.1f} µs/cycle)")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--siws", type=int, default=5_000)
    ap.add_argument("--window", type=int, default=100, help="steps timed around each place")
    ap.add_argument("--compare", metavar="REV", help="also measure a worktree of REV and print new/old")
    ap.add_argument("--child-root", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.siws < max(AT) + args.window:
        raise SystemExit(f"--siws must be at least {max(AT) + args.window} to step past cycle {max(AT)}")
    argv = ["--siws", str(args.siws), "--window", str(args.window)]
    if args.child_root:
        use_tree(args.child_root)
        print(json.dumps(child(args.siws, args.window)))
        return
    if not args.compare:
        r = child(args.siws, args.window)
        print(f"{args.siws:,}-SIW program, one sentron, seed; {args.window} steps timed around each place")
        report(r)
        return
    old, new, sha = old_and_new(__file__, args.compare, argv)
    print(f"old: {args.compare} ({sha})")
    report(old)
    print("new: working tree")
    report(new)
    compare_table([(f"{d} at {at // 1000}k (µs/cycle)", old[f"{d}_{at // 1000}k"], new[f"{d}_{at // 1000}k"], ".1f")
                   for at in AT for d in ("forward", "back")], f"old ({sha})", "new (working tree)")


if __name__ == "__main__":
    main()
