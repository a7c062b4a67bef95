"""Speed of the reference interpreter: SIWs/s and ops/s on a long program, event log on and off.

    .venv/bin/python bench/sim_speed.py [--siws 120000] [--repeat 3]

Prints the best of ``--repeat`` runs for each setting and the ratio between them. The goal
on the 2-core CI machines is >= 250k SIWs/s with the event log on.
"""

from __future__ import annotations

import argparse
import time

from vtpu_lib.asm import assemble
from vtpu_lib.sim import Machine

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


def measure(prog, record: bool, repeat: int) -> tuple[float, int, int]:
    best = float("inf")
    for _ in range(repeat):
        m = Machine("seed", record=record)
        m.load(prog)
        t0 = time.perf_counter()
        m.run()
        best = min(best, time.perf_counter() - t0)
    n_siws = len(prog.sentrons[0].siws)
    return best, n_siws, prog.sentrons[0].op_count()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--siws", type=int, default=120_000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    t0 = time.perf_counter()
    prog = assemble(program(args.siws), file="bench.siw")
    t_asm = time.perf_counter() - t0
    print(f"program: {len(prog.sentrons[0].siws):,} SIWs, {prog.sentrons[0].op_count():,} ops "
          f"(assembled in {t_asm:.2f} s = {len(prog.sentrons[0].siws) / t_asm:,.0f} SIWs/s)")
    rates = {}
    for record in (True, False):
        secs, siws, ops = measure(prog, record, args.repeat)
        rates[record] = siws / secs
        label = "event log on " if record else "event log off"
        print(f"{label}: {secs:.3f} s  {siws / secs:>10,.0f} SIWs/s  {ops / secs:>10,.0f} ops/s")
    print(f"cost of the event log: {rates[False] / rates[True]:.2f}x")
    goal = 250_000
    print(f"goal >= {goal:,} SIWs/s with the log on: {'met' if rates[True] >= goal else 'NOT met'} "
          f"({rates[True] / goal:.2f}x the goal)")


if __name__ == "__main__":
    main()
