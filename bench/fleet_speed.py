"""Speed of the reference interpreter on a 360-sentron fleet (the original's fleet size).

    .venv/bin/python bench/fleet_speed.py [--sentrons 360] [--repeat 3]

Runs a ring neighbour exchange and a tree all-reduce under `seed` and `realistic` and prints
machine cycles per second, sentron-cycles per second (one issue or stall decision each) and
SIWs per second, best of ``--repeat`` runs.
"""

from __future__ import annotations

import argparse
import time

from vtpu_lib.course import scenarios
from vtpu_lib.machine import Machine


def measure(program, config: str, repeat: int):
    best, trace = float("inf"), None
    for _ in range(repeat):
        m = Machine(config)
        m.load(program)
        t0 = time.perf_counter()
        trace = m.run()
        best = min(best, time.perf_counter() - t0)
    return best, trace


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sentrons", type=int, default=360)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    n = args.sentrons
    print(f"{n}-sentron fleet, reference interpreter, best of {args.repeat}")
    print(f"{'workload':<20}{'preset':<11}{'cycles':>7}{'sentron-cycles':>16}{'SIWs':>7}{'seconds':>9}"
          f"{'cycles/s':>10}{'sentron-cycles/s':>18}{'SIWs/s':>10}")
    for name, program in [("neighbour exchange", scenarios.ring_exchange(n)),
                          ("tree all-reduce", scenarios.tree_allreduce(n))]:
        for config in ("seed", "realistic"):
            secs, trace = measure(program, config, args.repeat)
            c = trace.counters()
            decisions = c.siws + sum(c.stalls.values())
            print(f"{name:<20}{config:<11}{c.cycles:>7}{decisions:>16,}{c.siws:>7,}{secs:>9.3f}"
                  f"{c.cycles / secs:>10,.0f}{decisions / secs:>18,.0f}{c.siws / secs:>10,.0f}")


if __name__ == "__main__":
    main()
