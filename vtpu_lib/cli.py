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
import re
import sys

from . import programs
from .asm import MAX_SOURCE_BYTES, assemble, disassemble
from .asm_lines import TextError, parse_register, parse_value
from .config import PRESETS
from .errors import AsmError, ConfigError, VtpuError
from .machine import DEFAULT_MAX_CYCLES, MAX_CYCLES_LIMIT, Machine
from .memory import MAX_FILE_BYTES, check_regular_file, read_regular_file
from .perfetto import check_path

_WHOLE = re.compile(r"-?[0-9]{1,40}")  # ASCII: int() would also take '١', '1_0' and ' 5 '


def _read_program(arg: str):
    """A path, or the name of a shipped example (``alice``, ``microvtpu_naive``...)."""
    if not os.path.exists(arg) and arg in programs.names():
        return assemble(programs.source(arg), file=f"{arg}.siw")
    try:
        text = read_regular_file(arg, MAX_SOURCE_BYTES).decode("utf-8")
    except OSError as e:
        raise ConfigError(f"cannot read program {arg!r}: {e.strerror or e}",
                          hint=f"give a path, or one of the examples: {', '.join(programs.names())}") from None
    except UnicodeDecodeError as e:
        raise ConfigError(f"cannot read program {arg!r}: not UTF-8 text (byte {e.start}: {e.reason})",
                          hint="save the file as UTF-8") from None
    return assemble(text, file=arg)


def _check_memory_paths(args) -> None:
    """Command-line mistakes in --load-memory / --save-memory fail before the run, with exit 2."""
    if args.load_memory:
        try:
            check_regular_file(args.load_memory, MAX_FILE_BYTES)  # what Memory.load will read
        except OSError as e:
            raise ConfigError(f"--load-memory {args.load_memory!r}: cannot read: {e.strerror or e}",
                              hint="give the path of a .phext file written by --save-memory") from None
    if args.save_memory:
        path = args.save_memory
        folder = os.path.dirname(os.path.abspath(path))
        if os.path.isdir(path):
            raise ConfigError(f"--save-memory {path!r} is a folder; give a file name",
                              hint=f"e.g. --save-memory {os.path.join(path, 'memory.phext')}")
        if not os.path.isdir(folder):
            raise ConfigError(f"--save-memory {path!r}: the folder {folder!r} does not exist")
    if args.perfetto:
        try:
            check_path(args.perfetto)
        except VtpuError as e:
            raise ConfigError(f"--perfetto {e.message}", hint=e.hint) from None


def _parse_set(item: str) -> tuple[str | None, str, object]:
    """``r0=42``, ``bob.p0=4.1.1``, ``m0=1;2`` -> (sentron or None, register, value), checked
    here, before any machine sees it: values as ``.set`` reads them."""
    key, eq, text = item.partition("=")
    who, _, name = key.strip().rpartition(".")
    if not eq or not name:
        raise ConfigError(f"--set {item!r}: expected [SENTRON.]REG=VALUE", hint="e.g. --set bob.r0=42")
    try:
        reg = parse_register(name, "rpm")
        value = parse_value(text.strip(), reg.file)
    except TextError as e:
        raise ConfigError(f"--set {item!r}: {e.message}", hint=e.hint or "e.g. --set r0=42, --set p0=4.1.1, "
                          "--set m0=1;2;3;4") from None
    return who or None, str(reg), value


def _parse_sets(items: list[str]) -> dict[str | None, dict]:
    """{sentron or None: {register: value}}."""
    out: dict[str | None, dict] = {}
    for item in items:
        who, reg, value = _parse_set(item)
        out.setdefault(who, {})[reg] = value
    return out


def _whole(text: str) -> int:
    if not _WHOLE.fullmatch(text):
        raise argparse.ArgumentTypeError(f"{text[:30]!r} is not a whole number")
    return int(text)


def _cycles(text: str) -> int:
    n = _whole(text)
    if not 1 <= n <= MAX_CYCLES_LIMIT:
        raise argparse.ArgumentTypeError(f"{n} is outside 1..{MAX_CYCLES_LIMIT:,} cycles")
    return n


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
    _check_memory_paths(args)
    m = Machine(args.config, mode=args.mode, slot_order=args.slot_order, seed=args.seed,
                max_cycles=args.max_cycles)
    if args.load_memory:
        m.load_memory(args.load_memory)
    for p in progs:
        m.load(p, start=False)
    unknown = set(sets) - {None} - set(m.names)
    if unknown:
        raise ConfigError(f"--set names unknown sentron(s) {sorted(unknown)}", hint=f"sentrons: {sorted(m.names)}")
    for s in list(m.sentrons.values()):
        for name, value in {**sets.get(None, {}), **sets.get(s.name, {})}.items():
            m.set_register(s.id, name, value)  # before the sentron starts
    for s in list(m.sentrons.values()):
        m.start(s.id)
    trace = m.run()
    if args.save_memory:
        m.save_memory(args.save_memory)
    for line in _unreceived_warnings(trace):
        print(line, file=sys.stderr)
    if args.json:
        out = trace.to_json_dict()
        if args.trace:
            out["timeline"] = trace.timeline().splitlines()
        print(json.dumps(_json_safe(out), indent=2))
    else:
        _print_summary(trace, args.trace)
    if args.perfetto:
        trace.to_perfetto(args.perfetto)
        print(f"perfetto trace written to {args.perfetto}: open it at ui.perfetto.dev (Open trace file) "
              "or in chrome://tracing", file=sys.stderr if args.json else sys.stdout)
    return 0


def _print_summary(trace, timeline: bool) -> None:
    if timeline:
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


def _unreceived_warnings(trace) -> list[str]:
    """One line per message that was sent but never received (a recv missing, or a wrong name)."""
    names = {s.id: s.name for s in trace.sentrons}
    return [f"warning: message {m.seq} from {names[m.src]} to {names[m.dst]} {m.values} (sent in cycle "
            f"{m.sent_cycle}) was never received" for m in trace.unreceived_messages()]


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
    r.add_argument("--max-cycles", type=_cycles, default=DEFAULT_MAX_CYCLES,
                   help=f"run limit, 1..{MAX_CYCLES_LIMIT:,} (default {DEFAULT_MAX_CYCLES:,})")
    r.add_argument("--seed", type=_whole, default=0, help="seed of the machine's RNG (temperature)")
    r.add_argument("--set", action="append", metavar="[SENTRON.]REG=VALUE", help="set a register before the run")
    r.add_argument("--save-memory", metavar="PATH", help="save memory to a .phext file after the run")
    r.add_argument("--load-memory", metavar="PATH", help="load memory from a .phext file before the run")
    r.add_argument("--perfetto", metavar="FILE", help="write a trace for ui.perfetto.dev / chrome://tracing")
    r.set_defaults(fn=cmd_run)
    d = sub.add_parser("disasm", help="print a program in canonical form")
    d.add_argument("file", metavar="FILE")
    d.set_defaults(fn=cmd_disasm)
    e = sub.add_parser("examples", help="list the shipped example programs")
    e.set_defaults(fn=cmd_examples)
    from .cli_info import add_parsers as add_info
    from .cli_opt import add_parsers
    add_parsers(sub)
    add_info(sub)
    from .chat import add_chat_parser
    from .repl import add_repl_parser
    from .cli_nn import add_parsers as add_nn
    add_chat_parser(sub)
    add_repl_parser(sub)
    add_nn(sub)
    args = ap.parse_args(argv)
    try:
        return args.fn(args)
    except (AsmError, ConfigError) as e:
        print(str(e) if isinstance(e, AsmError) else f"error: {e}", file=sys.stderr)
        return 2
    except VtpuError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    except BrokenPipeError:  # `... | head` closed the pipe: not an error of ours
        return 0


__all__ = ["cmd_run", "cmd_disasm", "cmd_examples", "main"]
