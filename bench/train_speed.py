"""Training on the vTPU: simulated cycles per SGD step and wall-clock steps/s, 1 and 8 sentrons.

    python bench/train_speed.py [--steps N]

The MLP (2, 4, 1) on XOR with a batch of 8 (one sentron) and data-parallel over 8 sentrons (one
row each, a tree all-reduce of the gradients by messages); useful ops/cycle against the bound of
one step's program. Figures and ratios only: no timed assertions anywhere.
"""

import argparse
import time

from vtpu_lib.nn import data
from vtpu_lib.nn.parallel import train_data_parallel
from vtpu_lib.nn.train import compile_step, mlp_graph, train_on_vtpu
from vtpu_lib.schedule import program_bounds


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=200)
    args = ap.parse_args()
    X, y = data.xor(8, seed=0)
    sizes = (2, 4, 1)
    t0 = time.perf_counter()
    one = train_on_vtpu(sizes, X, y, args.steps, 0.2)
    t1 = time.perf_counter()
    step = compile_step(mlp_graph(sizes, X, y), 0.2).packed("seed")
    bound = program_bounds(step, "seed").bound_cycles
    print(f"1 sentron : {one.cycles[-1]} cycles/step, {args.steps / (t1 - t0):.1f} steps/s wall, "
          f"{one.useful_ops_per_cycle[-1]:.2f} useful ops/cycle, bound {bound} cycles "
          f"({100 * bound / one.cycles[-1]:.0f} % of it); loss {one.losses[0]:.4g} -> {one.losses[-1]:.4g} "
          f"({100 * one.loss_fraction:.2f} %), oracle bit-identical: {one.bit_identical}")
    steps8 = max(1, args.steps // 10)
    t2 = time.perf_counter()
    eight = train_data_parallel(sizes, X, y, steps8, 0.2, 8)
    t3 = time.perf_counter()
    print(f"8 sentrons: {eight.cycles[-1]} cycles/step ({eight.compute_cycles[-1]} computing), "
          f"{steps8 / (t3 - t2):.1f} steps/s wall over {steps8} steps, speedup {one.cycles[-1] / eight.cycles[-1]:.2f}x "
          f"(ideal 8x), recv-wait {100 * eight.recv_wait_share:.1f} % of sentron-cycles; oracle max |diff| "
          f"{eight.max_abs_diff_vs_oracle:.3g}")


if __name__ == "__main__":
    main()
