"""The engine suite: golden programs with their expected values inline, run against an engine.

Every engine of the simulator (the reference interpreter today, a fast engine later) must pass
the same suite, unchanged (PyMTL3's pattern)::

    class TestReference(EngineSuite):          # tests/test_engine_reference.py
        pass                                   # run_program defaults to vtpu_lib.run

    class TestFast(EngineSuite):
        def run_program(self, program, config, **kw):
            return fast_engine.run(program, config, **kw)

A golden program is a SIW text file in ``tests/golden/``. Comment lines say how to run it and
what must come out; every value was worked out by hand from the semantics (docs/decisions.md,
the op table), and the file's comments show the working::

    # config realistic                 preset, optionally with overrides: realistic ppt_sets=2 mul=5
    # mode sequential                  vliw (default) or sequential
    # slot-order SDC                   sequential mode's slot order (default DSC)
    # max-cycles 3                     the run limit
    # program microvtpu_optimized      run a shipped program (vtpu_lib.programs) instead of SIW lines here
    # expect r0 = 140                  a register of the (single) sentron: r as float, p as coordinate,
    # expect alice.r3 = 42             m as (lane, lane, ...); a sentron's register by name
    # expect mem 4.1.1 = 42            a memory cell after the run
    # expect cycles = 10               a whole-machine counter (Counters attribute) ...
    # expect bob.stalls.recv-wait = 7  ... or one sentron's; dotted: stalls.R, ppt.F, ops_by_pipe.P,
    #                                  useful_by_pipe.P, nops_by_pipe.P
    # expect error DeadlockError "deadlock"   the run raises this vtpu_lib.errors class (message part optional)
    # expect error.cycle = 0           ... naming this cycle

Floats compare with nan equal to nan and -0.0 different from 0.0; other values exactly, except
expected non-integral counters (ops_per_cycle...), which compare to 1e-12 relative.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest

import vtpu_lib as vt
from vtpu_lib import errors as vt_errors
from vtpu_lib.config import get_config
from vtpu_lib.coord import Coord

GOLDEN_DIR = Path(__file__).parent / "golden"
GOLDEN_FILES = sorted(GOLDEN_DIR.glob("*.siw"))

_EXPECT = re.compile(r"(?:^|\s)#\s+expect\s+(.*?)\s*$")
_SETTING = re.compile(r"^\s*#\s+(config|mode|slot-order|max-cycles|program)\s+(.+?)\s*$")
_REGISTER = re.compile(r"^[rpm]\d{1,2}$")
_COUNTER_FIELDS = {"cycles", "siws", "ops", "useful_ops", "messages_sent", "messages_received",
                   "ops_per_cycle", "useful_ops_per_cycle", "utilization"}
_COUNTER_DICTS = {"stalls", "ops_by_pipe", "useful_by_pipe", "nops_by_pipe"}


@dataclass(frozen=True)
class Expect:
    """One ``# expect`` line: ``what`` is 'register', 'mem', 'counter' or 'error-cycle'."""
    line: int
    text: str
    what: str
    sentron: str | None
    key: str           # register name, coordinate text or dotted counter name
    value: object


@dataclass(frozen=True)
class Golden:
    path: Path
    text: str                       # the program text that is assembled
    config: object = "seed"         # a preset name or a MachineConfig (with overrides)
    mode: str = "vliw"
    slot_order: str = "DSC"
    max_cycles: int | None = None
    error: str | None = None        # expected vtpu_lib.errors class name
    error_text: str | None = None   # ... and a part of its message
    expects: tuple[Expect, ...] = field(default=())

    def run_kw(self) -> dict:
        kw = {"mode": self.mode, "slot_order": self.slot_order}
        if self.max_cycles is not None:
            kw["max_cycles"] = self.max_cycles
        return kw


class GoldenFormatError(Exception):
    """A golden file that says something the parser does not understand."""


def parse_value(text: str, register: str | None = None):
    """'140', '-0.0', 'nan', 'inf' -> float; for p registers a coordinate; for m a tuple."""
    text = text.strip()
    if register is not None and register[0] == "p":
        return Coord.parse(text)
    if register is not None and register[0] == "m":
        inner = text.strip("()").strip()
        return tuple(float(x) for x in inner.split(",") if x.strip()) if inner else ()
    return float(text)


def parse_golden(text: str, path: Path | str = "<golden>") -> Golden:
    path = Path(path)
    settings: dict[str, str] = {}
    expects: list[Expect] = []
    error = error_text = None
    code_lines = 0  # SIW and directive lines
    for lineno, line in enumerate(text.splitlines(), 1):
        where = f"{path.name}:{lineno}"
        m = _SETTING.match(line)
        if m:
            if m.group(1) in settings:
                raise GoldenFormatError(f"{where}: '{m.group(1)}' given twice")
            settings[m.group(1)] = m.group(2)
            continue
        content = line.strip()
        if content and not content.startswith("#"):
            code_lines += 1
        m = _EXPECT.search(line)
        if not m:
            continue
        body = m.group(1)
        e = re.fullmatch(r'error\s+([A-Za-z]+)(?:\s+"([^"]*)")?', body)
        if e:
            if error is not None:
                raise GoldenFormatError(f"{where}: a second 'expect error'")
            if not isinstance(getattr(vt_errors, e.group(1), None), type):
                raise GoldenFormatError(f"{where}: {e.group(1)!r} is not a class in vtpu_lib.errors")
            error, error_text = e.group(1), e.group(2)
            continue
        key, eq, value = body.partition("=")
        if not eq:
            raise GoldenFormatError(f"{where}: expected 'expect KEY = VALUE', got {body!r}")
        key, value = key.strip(), value.strip()
        try:
            expects.append(_expectation(lineno, body, key, value))
        except (ValueError, vt.CoordError) as exc:
            raise GoldenFormatError(f"{where}: {exc}") from None
    if "program" in settings:
        if code_lines:
            raise GoldenFormatError(f"{path.name}: '# program' runs a shipped program; it cannot have code lines too")
        from vtpu_lib import programs
        text = programs.source(settings["program"])
    config = _config(settings.get("config", "seed"), path)
    g = Golden(path=path, text=text, config=config, mode=settings.get("mode", "vliw"),
               slot_order=settings.get("slot-order", "DSC"),
               max_cycles=int(settings["max-cycles"]) if "max-cycles" in settings else None,
               error=error, error_text=error_text, expects=tuple(expects))
    if error is None and not expects:
        raise GoldenFormatError(f"{path.name}: no '# expect' line")
    if error is not None and any(x.what != "error-cycle" for x in expects):
        raise GoldenFormatError(f"{path.name}: a program expected to fail can only expect error.cycle")
    if error is None and any(x.what == "error-cycle" for x in expects):
        raise GoldenFormatError(f"{path.name}: error.cycle without 'expect error'")
    return g


def _config(text: str, path: Path):
    name, *overrides = text.split()
    if not overrides:
        return name
    changes = {}
    for item in overrides:
        k, eq, v = item.partition("=")
        if not eq or not v.lstrip("-").isdigit():
            raise GoldenFormatError(f"{path.name}: config override {item!r} is not KEY=whole number")
        changes[k] = int(v)
    return get_config(name).replace(**changes)


def _expectation(lineno: int, body: str, key: str, value: str) -> Expect:
    if key == "error.cycle":
        return Expect(lineno, body, "error-cycle", None, key, int(value))
    if key.startswith("mem "):
        coord = key[4:].strip()
        return Expect(lineno, body, "mem", None, str(Coord.parse(coord)), parse_value(value))
    sentron, rest = None, key
    head, dot, tail = key.partition(".")
    if dot and head not in _COUNTER_DICTS and head != "ppt":
        sentron, rest = head, tail
    if _REGISTER.match(rest):
        return Expect(lineno, body, "register", sentron, rest, parse_value(value, rest))
    top = rest.split(".")[0]
    if rest in _COUNTER_FIELDS or (top in _COUNTER_DICTS | {"ppt"} and rest.count(".") == 1):
        return Expect(lineno, body, "counter", sentron, rest, parse_value(value))
    raise ValueError(f"unknown expectation key {key!r} (registers r0/p0/m0, 'mem COORD', counters "
                     f"{sorted(_COUNTER_FIELDS)}, or {sorted(_COUNTER_DICTS | {'ppt'})}.NAME)")


# -- comparing -------------------------------------------------------------------------------

def same_float(got, want: float) -> bool:
    """Equal as IEEE values, except nan == nan and -0.0 != 0.0."""
    if not isinstance(got, (int, float)):
        return False
    got = float(got)
    if math.isnan(want):
        return math.isnan(got)
    if want == 0.0:
        return got == 0.0 and math.copysign(1.0, got) == math.copysign(1.0, want)
    return got == want


def same_value(got, want) -> bool:
    if isinstance(want, float):
        return same_float(got, want)
    if isinstance(want, Coord):
        return got == want
    if isinstance(want, tuple):
        return isinstance(got, tuple) and len(got) == len(want) and all(map(same_float, got, want))
    return got == want


def _counter(counters, key: str):
    if "." not in key:
        return getattr(counters, key)
    group, name = key.split(".")
    if group == "ppt":
        return getattr(counters.ppt, name.replace("-", "_"))
    table = getattr(counters, group)
    if name not in table:
        raise KeyError(f"{group} has no {name!r}; has {sorted(map(str, table))}")
    return table[name]


def check_trace(golden: Golden, trace) -> list[str]:
    """Every unmet expectation as 'file:line: expected ..., got ...' (empty: all met)."""
    failures = []
    for x in golden.expects:
        where = f"{golden.path.name}:{x.line}: {x.text}"
        try:
            if x.what == "register":
                if x.sentron is None:
                    if len(trace.sentrons) != 1:
                        failures.append(f"{where}: the program has several sentrons; name one (alice.{x.key})")
                        continue
                    regs = trace.sentrons[0].registers
                else:
                    regs = trace.info(x.sentron).registers
                got = regs[x.key]
            elif x.what == "mem":
                got = dict(trace.memory).get(Coord.parse(x.key), "<unwritten>")
            else:
                got = _counter(trace.counters(x.sentron), x.key)
        except (KeyError, AttributeError) as exc:
            failures.append(f"{where}: cannot read it: {exc!r}")
            continue
        want = x.value
        if x.what == "counter" and isinstance(want, float) and not want.is_integer():
            ok = isinstance(got, (int, float)) and got == pytest.approx(want, rel=1e-12)
        else:
            ok = same_value(got, want)
        if not ok:
            failures.append(f"{where}: got {got!r}")
    return failures


def load_golden(path: Path) -> Golden:
    return parse_golden(path.read_text(encoding="utf-8"), path)


class EngineSuite:
    """Subclass as ``Test...`` and override :meth:`run_program` to test another engine."""

    def run_program(self, program, config, **kw):
        """Run an assembled program; return its Trace (the reference: ``vtpu_lib.run``)."""
        return vt.run(program, config, **kw)

    @pytest.mark.parametrize("path", GOLDEN_FILES, ids=[p.stem for p in GOLDEN_FILES])
    def test_golden_program(self, path):
        golden = load_golden(path)
        program = vt.assemble(golden.text, file=path.name)
        if golden.error is not None:
            cls = getattr(vt_errors, golden.error)
            with pytest.raises(cls) as info:
                self.run_program(program, golden.config, **golden.run_kw())
            if golden.error_text is not None:
                assert golden.error_text in str(info.value), f"{path.name}: message lacks {golden.error_text!r}"
            for x in golden.expects:  # only error.cycle
                assert info.value.cycle == x.value, f"{path.name}:{x.line}: error at cycle {info.value.cycle}"
            return
        trace = self.run_program(program, golden.config, **golden.run_kw())
        failures = check_trace(golden, trace)
        if failures:
            pytest.fail(f"{len(failures)} expectation(s) not met:\n" + "\n".join(failures), pytrace=False)
