"""``python -m vtpu_lib train``: the capstone's MLP trained by SGD on the vTPU, checked against numpy.

    python -m vtpu_lib train [--data xor|two_moons|regression] [--hidden H] [--rows N] [--steps S]
                             [--lr LR] [--config seed|realistic] [--seed K] [--json] [--save FILE.safetensors]

Every step (forward, backward, update) runs on the machine; the numpy oracle (hand-derived
gradients) trains the same net on the same data, and the report says how far apart they are
(0.0 when the batch has 2^k values: then the bits agree). A terminal shows a tqdm progress bar;
``--json`` prints one object and no bar. ``--save`` writes the trained weights with safetensors.
"""

from __future__ import annotations

import json
import sys

from .config import PRESETS
from .errors import ConfigError

_DATA = ("xor", "two_moons", "regression")


def _dataset(name: str, rows: int, seed: int):
    from .nn import data
    make = {"xor": data.xor, "two_moons": data.two_moons, "regression": data.regression_1d}[name]
    return make(rows, seed=seed)


def train_report(data: str = "xor", hidden: int = 4, rows: int = 8, steps: int = 20, lr: float = 0.2,
                 config="seed", seed: int = 0, progress=None, sentrons: int = 1) -> dict:
    """Train on the vTPU and report what ``train --json`` prints (``sentrons`` > 1: data-parallel)."""
    from .nn.train import train_on_vtpu
    X, y = _dataset(data, rows, seed)
    sizes = (X.shape[1], hidden, y.shape[1])
    if sentrons > 1:
        return _parallel_report(data, sizes, X, y, steps, lr, config, seed, sentrons)
    res = train_on_vtpu(sizes, X, y, steps, lr, seed=seed, config=config, progress=progress)
    return {"model": "mlp", "data": data, "sizes": list(sizes), "rows": rows, "steps": steps, "lr": lr,
            "config": res.config, "losses": list(res.losses), "loss_fraction": res.loss_fraction,
            "max_abs_diff_vs_numpy": res.max_abs_diff_vs_oracle, "bit_identical": res.bit_identical,
            "cycles": list(res.cycles), "useful_ops_per_cycle": list(res.useful_ops_per_cycle),
            "params": {k: v.tolist() for k, v in res.params.items()}, "_result": res}


def _parallel_report(data, sizes, X, y, steps, lr, config, seed, k) -> dict:
    from .nn.parallel import train_data_parallel
    res = train_data_parallel(sizes, X, y, steps, lr, k, seed=seed, config=config)
    return {"model": "mlp", "data": data, "sizes": list(sizes), "rows": len(X), "steps": steps, "lr": lr,
            "sentrons": k, "config": res.config, "losses": list(res.losses),
            "loss_fraction": res.losses[-1] / res.losses[0] if res.losses[0] else 0.0,
            "max_abs_diff_vs_numpy": res.max_abs_diff_vs_oracle, "loss_diff_vs_numpy": res.loss_diff_vs_oracle,
            "bit_identical": res.max_abs_diff_vs_oracle == 0.0, "sentrons_agree": res.sentrons_agree,
            "cycles": list(res.cycles), "compute_cycles": list(res.compute_cycles),
            "recv_wait_share": res.recv_wait_share, "messages": list(res.messages),
            "useful_ops_per_cycle": None, "params": {k: v.tolist() for k, v in res.params.items()}, "_result": res}


def cmd_train(args) -> int:
    if args.steps < 1 or args.rows < 2 or args.hidden < 1 or not args.lr > 0:
        raise ConfigError("train needs --steps >= 1, --rows >= 2, --hidden >= 1 and --lr > 0",
                          hint="e.g. train --steps 60 --lr 0.2")
    progress = None
    if not args.json and sys.stderr.isatty():
        from tqdm import tqdm
        progress = lambda r: tqdm(r, desc="training on the vTPU", unit="step")   # noqa: E731
    if args.sentrons not in (1, 2, 4, 8):
        raise ConfigError(f"--sentrons {args.sentrons}: data-parallel training uses 1, 2, 4 or 8 sentrons",
                          hint="a binary tree all-reduces the gradients")
    rep = train_report(args.data, args.hidden, args.rows, args.steps, args.lr, args.config, args.seed, progress,
                       args.sentrons)
    res = rep.pop("_result")
    if args.save:
        from .nn.weights import save_weights
        save_weights(dict(res.params), args.save)
    if args.json:
        print(json.dumps(rep, indent=2))
        return 0
    print(f"MLP {tuple(rep['sizes'])} on {args.data} ({args.rows} rows), {args.steps} SGD steps at lr {args.lr}, "
          f"preset {rep['config']}: every step's forward, backward and update ran on the vTPU")
    print(f"loss {rep['losses'][0]:.6g} -> {rep['losses'][-1]:.6g} ({100 * rep['loss_fraction']:.2f} % of the start)")
    same = "bit-identical" if rep["bit_identical"] else f"max |difference| {rep['max_abs_diff_vs_numpy']:.3g}"
    what = "final weights vs its data-parallel run" if args.sentrons > 1 else "losses and weights"
    print(f"numpy oracle (hand-derived gradients), {what}: {same}")
    if args.sentrons > 1:
        print(f"{args.sentrons} sentrons, each on its shard, gradients all-reduced by messages: "
              f"{rep['cycles'][-1]} cycles per step ({rep['compute_cycles'][-1]} computing), "
              f"recv-wait {100 * rep['recv_wait_share']:.1f} % of sentron-cycles")
    else:
        print(f"{rep['cycles'][-1]} cycles per step, {rep['useful_ops_per_cycle'][-1]:.2f} useful ops/cycle")
    if args.save:
        print(f"weights saved to {args.save}")
    return 0


def attention_report(seq: int = 8, dim: int = 4, share: str = "memory", config="seed", seed: int = 0,
                     packed: bool = True) -> dict:
    """One attention head on the vTPU (one sentron per query row) against numpy: ``attention --json``."""
    import numpy as np

    from .nn.attention import attention_program
    rng = np.random.default_rng(seed)
    Q, K, V = (rng.integers(-16, 17, size=(seq, dim)) / 8.0 for _ in range(3))   # dyadic: exact inputs
    res = attention_program(Q, K, V, share=share).run(config, packed=packed)
    return {"seq": seq, "dim": dim, "share": share, "sentrons": seq, "config": str(getattr(config, "name", config)),
            "packed": packed, **{k: v for k, v in res.as_dict().items() if k != "output"},
            "output": np.asarray(res.output).tolist()}


def cmd_attention(args) -> int:
    from .nn.attention import AttentionError
    try:
        rep = attention_report(args.seq, args.dim, args.share, args.config, args.seed, not args.naive)
    except AttentionError as e:      # a size the command line asked for: exit status 2, like a bad option
        raise ConfigError(e.message, hint=e.hint) from None
    if args.json:
        print(json.dumps(rep, indent=2, default=float))
        return 0
    print(f"one attention head, {args.seq} tokens x d={args.dim}, K and V shared through {args.share}, "
          f"{args.seq} sentrons (one per query row), preset {rep['config']}")
    print(f"max |error| vs numpy {rep['max_abs_err_vs_numpy']:.3g}; {rep['cycles']} cycles, {rep['messages']} "
          f"messages, PPT hit rate {100 * rep['ppt_hit_rate']:.1f} %, {rep['useful_ops_per_cycle']:.2f} useful "
          f"ops/cycle per core, {rep['pct_of_bound']:.1f} % of the bound")
    return 0


def add_parsers(sub) -> None:
    a = sub.add_parser("attention", help="one attention head on the vTPU, checked against numpy")
    a.add_argument("--seq", type=int, default=8, help="tokens = sentrons (one per query row)")
    a.add_argument("--dim", type=int, default=4)
    a.add_argument("--share", choices=["memory", "messages"], default="memory")
    a.add_argument("--config", choices=sorted(PRESETS), default="seed")
    a.add_argument("--seed", type=int, default=0)
    a.add_argument("--naive", action="store_true", help="run the one-op-per-SIW program, not the packed one")
    a.add_argument("--json", action="store_true")
    a.set_defaults(fn=cmd_attention)
    t = sub.add_parser("train", help="train an MLP by SGD on the vTPU, checked against numpy")
    t.add_argument("--model", choices=["mlp"], default="mlp")
    t.add_argument("--data", choices=_DATA, default="xor")
    t.add_argument("--hidden", type=int, default=4)
    t.add_argument("--rows", type=int, default=8, help="batch size (2^k rows give bit-identical results)")
    t.add_argument("--steps", type=int, default=20)
    t.add_argument("--lr", type=float, default=0.2)
    t.add_argument("--config", choices=sorted(PRESETS), default="seed")
    t.add_argument("--seed", type=int, default=0)
    t.add_argument("--sentrons", type=int, default=1, help="data-parallel over 1, 2, 4 or 8 sentrons")
    t.add_argument("--json", action="store_true")
    t.add_argument("--save", metavar="FILE.safetensors", help="save the trained weights")
    t.set_defaults(fn=cmd_train)


__all__ = ["train_report", "attention_report", "cmd_train", "cmd_attention", "add_parsers"]
