"""``python -m vtpu_lib``: run, disassemble and list SIW programs from the shell.

Exit status: 0 success, 2 a program or command line that is wrong (assembler error, bad
option), 1 a run that failed (run limit, deadlock, fault), with a readable message and no
traceback.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys

from . import programs
from .asm import assemble, disassemble
from .config import PRESETS
from .errors import AsmError, ConfigError, VtpuError
from .sim import DEFAULT_MAX_CYCLES, Machine


def _read_program(arg: str):
    """A path, or the name of a shipped example (``alice``, ``microvtpu_naive``...)."""
    if not os.path.exists(arg) and arg in programs.names():
        return assemble(programs.source(arg), file=f"{arg}.siw")
    try:
        with open(arg, encoding="utf-8") as f:
            text = f.read()
    except (OSError, UnicodeDecodeError) as e:
        raise AsmError(f"cannot read program: {e.strerror if isinstance(e, OSError) else e}", file=arg,
                       hint=f"give a path, or one of the examples: {', '.join(programs.names())}") from None
    return assemble(text, file=arg)


def _parse_sets(items: list[str]) -> dict[str | None, dict]:
    """``--set r0=42`` or ``--set bob.r0=42`` -> {sentron or None: {reg: value}}."""
    out: dict[str | None, dict] = {}
    for item in items:
        key, eq, value = item.partition("=")
        who, _, reg = key.rpartition(".")
        if not eq or not reg:
            raise ConfigError(f"--set {item!r}: expected [SENTRON.]REG=VALUE, e.g. --set bob.r0=42")
        try:
            out.setdefault(who or None, {})[reg] = float(value) if reg.startswith("r") else value
        except ValueError:
            raise ConfigError(f"--set {item!r}: {value!r} is not a number") from None
    return out


def _json_safe(x):
    if isinstance(x, float) and not math.isfinite(x):
        return repr(x)  # JSON has no inf/nan: "inf", "-inf", "nan"
    if isinstance(x, dict):
        return {k: _json_safe(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_json_safe(v) for v in x]
    return x


def cmd_run(args) -> int:
    progs = [_read_program(f) for f in args.files]
    sets = _parse_sets(args.set or [])
    m = Machine(args.config, mode=args.mode, slot_order=args.slot_order, seed=args.seed,
                max_cycles=args.max_cycles)
    if args.load_memory:
        m.load_memory(args.load_memory)
    for p in progs:
        m.load(p, start=False)
    for s in list(m.sentrons.values()):
        for name, value in {**sets.get(None, {}), **sets.get(s.name, {})}.items():
            m.set_register(s.id, name, value)  # before the sentron starts
    unknown = set(sets) - {None} - set(m.names)
    if unknown:
        raise ConfigError(f"--set names unknown sentron(s) {sorted(unknown)}", hint=f"sentrons: {sorted(m.names)}")
    for s in list(m.sentrons.values()):
        m.start(s.id)
    trace = m.run()
    if args.save_memory:
        m.save_memory(args.save_memory)
    if args.json:
        out = trace.to_json_dict()
        if args.trace:
            out["timeline"] = trace.timeline().splitlines()
        print(json.dumps(_json_safe(out), indent=2))
        return 0
    if args.trace:
        print(trace.timeline())
        print()
    for s in trace.sentrons:
        regs = {k: v for k, v in s.registers.items() if k.startswith("r") and v != 0.0}
        print(f"sentron {s.label} home {s.home}: " + (", ".join(f"{k}={v!r}" for k, v in regs.items()) or "all r = 0"))
        if len(trace.sentrons) > 1:
            print("  " + trace.counters(s.id).summary().replace("\n", "\n  "))
    print(("total: " if len(trace.sentrons) > 1 else "") + trace.counters().summary())
    written = trace.memory
    print(f"memory ({len(written)} cells): " + ", ".join(f"{c} = {v!r}" for c, v in list(written.items())[:12])
          + (" ..." if len(written) > 12 else ""))
    return 0


def cmd_disasm(args) -> int:
    print(disassemble(_read_program(args.file)), end="")
    return 0


def cmd_examples(args) -> int:
    for name in programs.names():
        first = programs.source(name).splitlines()[0].lstrip("# ")
        print(f"{name:<22} {first}")
    return 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m vtpu_lib", description="Run vTPU SIW programs.")
    sub = ap.add_subparsers(dest="command", required=True)
    r = sub.add_parser("run", help="assemble and run one or more programs on one machine")
    r.add_argument("files", nargs="+", metavar="FILE", help="a .siw file or an example name (see 'examples')")
    r.add_argument("--mode", choices=["vliw", "sequential"], default="vliw")
    r.add_argument("--slot-order", default="DSC", help="sequential mode only: slot order, e.g. SDC")
    r.add_argument("--config", choices=sorted(PRESETS), default="seed")
    r.add_argument("--trace", action="store_true", help="print one line per cycle: ops or stall reason")
    r.add_argument("--json", action="store_true", help="print one JSON object")
    r.add_argument("--max-cycles", type=int, default=DEFAULT_MAX_CYCLES)
    r.add_argument("--seed", type=int, default=0, help="seed of the machine's RNG (temperature)")
    r.add_argument("--set", action="append", metavar="[SENTRON.]REG=VALUE", help="set a register before the run")
    r.add_argument("--save-memory", metavar="PATH", help="save memory to a .phext file after the run")
    r.add_argument("--load-memory", metavar="PATH", help="load memory from a .phext file before the run")
    r.set_defaults(fn=cmd_run)
    d = sub.add_parser("disasm", help="print a program in canonical form")
    d.add_argument("file", metavar="FILE")
    d.set_defaults(fn=cmd_disasm)
    e = sub.add_parser("examples", help="list the shipped example programs")
    e.set_defaults(fn=cmd_examples)
    args = ap.parse_args(argv)
    try:
        return args.fn(args)
    except (AsmError, ConfigError) as e:
        print(f"error: {e}" if not isinstance(e, AsmError) else str(e), file=sys.stderr)
        return 2
    except VtpuError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    except BrokenPipeError:  # `... | head` closed the pipe: not an error of ours
        return 0
