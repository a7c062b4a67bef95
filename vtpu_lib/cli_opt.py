"""``python -m vtpu_lib pack`` and ``bench``: the scheduler and the kernel benchmark from the shell.

``pack FILE`` prints the optimized program (valid input for ``run``) on stdout and what it measured
on stderr; ``--json`` prints one object instead. It always checks that the optimized program leaves
exactly the registers and memory the original leaves (run both) and says so; if they differ it
exits with status 1.
"""

from __future__ import annotations

import json
import sys

from .asm import disassemble
from .config import PRESETS
from .errors import ConfigError, VtpuInternalError
from .machine import run
from .schedule import pack, program_bounds, validate
from .schedule.compare import differences


def optimize(program, config="seed", *, unroll: int = 1, modulo: bool = False, prefetch: bool = False,
             rotate: bool = False, mode: str = "vliw"):
    """The transformations ``pack`` applies, in order: prefetch (a prefetch pointer ahead of each
    stream, or rotating pointers), unroll, then modulo or list scheduling."""
    steps = []
    if rotate:
        from .schedule.rotate import rotate_prefetch
        program, _ = rotate_prefetch(program, config)
        steps.append("rotate")
    elif prefetch:
        from .schedule.prefetch import prefetch_pass
        program, _ = prefetch_pass(program, config)
        steps.append("prefetch")
    if unroll > 1:
        from .schedule.unroll import unroll_program
        program = unroll_program(program, unroll, config, mode=mode)
        steps.append(f"unroll {unroll}")
    if modulo:
        from .schedule.modulo import pipeline
        program = pipeline(program, config, mode=mode)
        steps.append("modulo")
    else:
        program = pack(program, config, mode=mode)
        steps.append("pack")
    return program, " + ".join(steps)


def pack_report(program, config="seed", *, unroll: int = 1, modulo: bool = False, prefetch: bool = False,
                rotate: bool = False, mode: str = "vliw", cold: bool = False) -> dict:
    """Optimize ``program`` and measure both forms: the object ``pack --json`` prints."""
    out, method = optimize(program, config, unroll=unroll, modulo=modulo, prefetch=prefetch, rotate=rotate,
                           mode=mode)
    verdict = validate(program, out, mode=mode)
    from .kernels.bench import sentron_hit_rate
    before, after = (run(p, config, mode=mode, cold=cold) for p in (program, out))
    diffs = differences(before, after, ignore=verdict.scratch)
    bounds = program_bounds(program, config, mode, dataflow=True, cold=cold)
    c = after.counters()
    cycles = c.cycles
    return {"method": method, "config": PRESETS[config].name if isinstance(config, str) else config.name,
            "naive_cycles": before.counters().cycles, "packed_cycles": cycles,
            "bound_cycles": bounds.bound_cycles, "limited_by": bounds.limited_by,
            "pct_of_bound": 100.0 * bounds.bound_cycles / cycles if cycles else 100.0,
            # the source's useful ops are the work: ops a transformation adds (prefetches) are overhead
            "useful_ops_per_cycle": before.counters().useful_ops / (cycles * bounds.cores) if cycles else 0.0,
            "naive_useful_ops_per_cycle": before.counters().useful_ops_per_cycle / bounds.cores,
            "ppt_hit_rate": sentron_hit_rate(after), "naive_ppt_hit_rate": sentron_hit_rate(before),
            "siws": {"naive": verdict.source_siws, "packed": verdict.output_siws},
            "valid": verdict.ok, "problems": list(verdict.problems), "scratch": list(verdict.scratch),
            "identical": not diffs, "differences": diffs[:20], "cold": cold, "program": disassemble(out)}


def cmd_pack(args) -> int:
    from .cli import _read_program
    program = _read_program(args.file)
    if args.unroll < 1:
        raise ConfigError(f"--unroll {args.unroll}: the factor must be 1 or more", hint="e.g. --unroll 4")
    rep = pack_report(program, args.config, unroll=args.unroll, modulo=args.modulo, prefetch=args.prefetch,
                      rotate=args.rotate, mode=args.mode, cold=args.cold)
    if args.json:
        print(json.dumps(rep, indent=2))
    else:
        print(rep["program"], end="")
        warm = "a cold PPT" if args.cold else "the PPT as `run` leaves it"
        print(f"# {rep['method']} under {rep['config']} (from {warm}): {rep['naive_cycles']} -> "
              f"{rep['packed_cycles']} cycles, bound {rep['bound_cycles']} ({rep['pct_of_bound']:.1f} % of it, "
              f"set by {rep['limited_by']}); {rep['useful_ops_per_cycle']:.2f} useful ops/cycle; "
              f"PPT hits {100 * rep['ppt_hit_rate']:.1f} %", file=sys.stderr)
        if rep["valid"] and rep["identical"]:
            print("# valid: the packed program leaves exactly the registers and memory the original leaves"
                  + (f" (scratch registers: {', '.join(rep['scratch'])})" if rep["scratch"] else ""), file=sys.stderr)
    if not rep["valid"] or not rep["identical"]:
        for line in rep["problems"] + rep["differences"]:
            print(f"error: {line}", file=sys.stderr)
        if rep["valid"]:   # proved equal but ran differently: a bug in vtpu_lib, not the learner's
            raise VtpuInternalError("the validator passed a program whose run differs: " + "; ".join(rep["differences"]))
        return 1
    return 0


def cmd_bench(args) -> int:
    from .cli_info import microvtpu_rows, microvtpu_text
    from .kernels.bench import kernel_table, table_text
    micro = microvtpu_rows()
    rows = kernel_table(configs=args.config or ("seed", "realistic"))
    if args.json:
        print(json.dumps({"microvtpu": micro, "kernels": [r.as_dict() for r in rows]}, indent=2))
    else:
        print(microvtpu_text(micro) + "\n\nkernels, naive vs optimized vs the bound (cold PPT):")
        print(table_text(rows))
    return 0


def add_parsers(sub) -> None:
    p = sub.add_parser("pack", help="pack (schedule) a program into SIWs; prints the packed program")
    p.add_argument("file", metavar="FILE", help="a .siw file or an example name")
    p.add_argument("--config", choices=sorted(PRESETS), default="seed")
    p.add_argument("--mode", choices=["vliw", "sequential"], default="vliw")
    p.add_argument("--unroll", type=int, default=1, metavar="K", help="unroll every innermost .repeat by K")
    p.add_argument("--modulo", action="store_true", help="software-pipeline the loops (modulo scheduling)")
    p.add_argument("--prefetch", action="store_true", help="insert prefetches ahead of streaming gathers")
    p.add_argument("--rotate", action="store_true",
                   help="prefetch through rotating pointers (no extra S op; instead of --prefetch)")
    p.add_argument("--cold", action="store_true", help="measure from an empty PPT (as the benchmark does)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(fn=cmd_pack)
    b = sub.add_parser("bench", help="the kernel benchmark: naive vs optimized vs the bound")
    b.add_argument("--config", choices=sorted(PRESETS), action="append", help="a preset (default: both)")
    b.add_argument("--json", action="store_true", help='print {"kernels": [...]}')
    b.set_defaults(fn=cmd_bench)


__all__ = ["optimize", "pack_report", "cmd_pack", "cmd_bench", "add_parsers"]
