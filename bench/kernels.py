"""The kernel benchmark: every kernel of vtpu_lib.kernels, naive vs optimized vs its bound.

    python bench/kernels.py [--json] [--config seed|realistic]

Same as ``python -m vtpu_lib bench``. Each row: naive cycles, the fastest validated optimized
form (pack, modulo pipeline, each with or without the prefetch pass), the dataflow bound, %
of it reached, useful ops per cycle per core, and the PPT hit rate of the sentrons' own
accesses -- every run from a cold PPT. Wall time is printed on stderr.
"""

import sys
import time

from vtpu_lib.cli import main

if __name__ == "__main__":
    t0 = time.perf_counter()
    status = main(["bench", *sys.argv[1:]])
    print(f"# benchmark wall time {time.perf_counter() - t0:.1f} s", file=sys.stderr)
    sys.exit(status)
