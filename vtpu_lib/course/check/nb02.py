"""Checkers for the exercises of notebook 02 (architecture)."""

from __future__ import annotations

import random as _random

from ...asm import assemble
from ...coord import DIM_NAMES as _DIM_NAMES
from ...coord import Coord as _Coord
from ...coord import hamming as _hamming
from ...coord import highest_differing_dim as _highest_dim
from ...coord import tier as _tier
from ...errors import VtpuError
from ...isa import EventKind
from ...machine import Machine
from ...machine.state import flat as _flat
from ...stepper import Stepper as _Stepper
from ._base import (
    CheckPassed,
    ExerciseFailed,
    _call,
    _fail,
    _join,
    _judge,
    _ok,
    _program,
)

__all__ = ["SCROLLS_2_1", "VALUES_2_1", "PROGRAM_2_2", "REGISTER_2_2", "exercise_2_1", "exercise_2_2", "exercise_2_3"]

SCROLLS_2_1 = tuple(_Coord.parse(f"{k}.1.1") for k in (1, 2, 3, 4))  # scrolls 1..4 of section 1
VALUES_2_1 = ((3.0, 7.0, 2.0, 30.0), (11.0, 5.0, 13.0, 17.0))        # two fillings: no hard-coding

PROGRAM_2_2 = """\
.mem 1.1.1 2
.mem 2.1.1 5
.set p0 1.1.1
-                  | gather r1, p0            | -
-                  | index p1, p0, scroll, #1 | -
-                  | gather r2, p1            | -
mul r3, r1, r2     | -                        | -
fma r4, r3, r2, r1 | -                        | -
add r5, r4, r4     | -                        | -
"""
REGISTER_2_2 = "r4"


def exercise_2_1(make_program) -> CheckPassed:
    """Address arithmetic: walk p0 over scrolls 1..4 with `index`, gather and sum into r0."""
    name = "2.1"
    prog = _program(name, _call(name, make_program))
    if len(prog.sentrons) != 1:
        _fail(name, f"the program has {len(prog.sentrons)} sentrons; write one (no .sentron lines needed)")
    if prog.preload:
        _fail(name, f"leave out the .mem lines ({len(prog.preload)} found): the checker fills scrolls "
                    "1..4 itself, with different values on each run, so the program must really gather them")
    code = prog.sentrons[0]
    others = [str(reg) for reg, _ in code.init if str(reg) != "p0"]
    if others:
        _fail(name, f"only p0 may be given a value with .set; you also set {', '.join(others)}",
              hint="set p0 to the first scroll, then move it with 'index p0, p0, scroll, #1'")
    n_index = sum(1 for siw in code.siws if siw.s is not None and siw.s.op == "index")
    if n_index == 0:
        _fail(name, "the program has no index op: the exercise is to compute the addresses with it",
              hint="'index pD, pS, scroll, #1' puts pS moved one scroll further into pD")
    want_cells = ", ".join(c.short() for c in SCROLLS_2_1)
    result = {}
    for values in VALUES_2_1:
        try:
            m = Machine("seed", max_cycles=100_000)
            for coord, value in zip(SCROLLS_2_1, values):
                m.memory.write(coord, value)  # straight into memory: the PPT starts cold
            m.load(prog)
            t = m.run()
        except VtpuError as e:
            raise ExerciseFailed(f"exercise {name}: your program failed while running:\n{e}") from None
        gathered = [e.info.coord for e in t.events(EventKind.PPT) if e.info.op == "gather" and e.sentron >= 0]
        got, want = t.sentrons[0].registers["r0"], sum(values)
        where = ", ".join(c.short() for c in gathered) or "nothing"
        if got != want:
            if sorted(set(gathered)) != sorted(SCROLLS_2_1):
                _fail(name, f"r0 = {got!r}, expected {want!r} (the sum of the values at {want_cells}); "
                            f"your gathers read {where}",
                      hint="the scroll is dimension 0, the first written number: 'index p0, p0, scroll, #1' "
                           "turns 1.1.1 into 2.1.1")
            _fail(name, f"r0 = {got!r}, expected {want!r}; your gathers read the right cells ({where}), "
                        "so look at how the values are added into r0")
        result = result or {"r0": got, "gathered": [c.short() for c in gathered], "index_ops": n_index,
                            "cycles": t.counters().cycles}
    return _ok(name, f"r0 = {result['r0']} from {', '.join(result['gathered'])} with {n_index} index op(s) "
                     f"and one .set, {result['cycles']} cycles (seed); a second filling of memory summed right too",
               result)


def exercise_2_2(predict, reveal: bool = False) -> CheckPassed:
    """Predict, then measure: when does REGISTER_2_2 become readable, and how many cycles in all?
    ``reveal=True`` shows the measurement even when the prediction is wrong."""
    name = "2.2"
    got = _call(name, predict)
    if not (isinstance(got, tuple) and len(got) == 2
            and all(isinstance(x, int) and not isinstance(x, bool) for x in got)):
        _fail(name, f"return two whole numbers (cycle_{REGISTER_2_2}_readable, total_cycles), got {got!r}")
    ready_pred, cycles_pred = got
    stepper = _Stepper(assemble(PROGRAM_2_2, file="exercise_2_2.siw"), "realistic")
    reg = _flat(next(r for siw in stepper.machine.sentron(0).code.siws for op in siw.ops()
                     for r in op.writes() if str(r) == REGISTER_2_2))
    ready = issued = None
    while not stepper.done:  # step cycle by cycle; the write shows as a new ready cycle on the scoreboard
        before, was = stepper.cycle, stepper.machine.sentron(0).board.ready[reg]
        if stepper.forward() == before:
            break
        now = stepper.machine.sentron(0).board.ready[reg]
        if ready is None and now != was:
            ready, issued = now, before
    t = stepper.machine.trace()
    c = t.counters()
    latency = ready - issued
    _judge(name, [
        (f"prediction for {REGISTER_2_2}", ready_pred, ready, ready_pred == ready,
         "a result is readable at its op's issue cycle + latency, and an op issues only once its "
         "sources are readable: every stall before it pushes it later"),
        ("total cycle count", cycles_pred, c.cycles, cycles_pred == c.cycles,
         "a sentron's cycles run from its first issue until its last result is readable"),
    ], reveal, answer=predict)
    return _ok(name, f"{REGISTER_2_2} readable at cycle {ready} (issued in cycle {issued}, latency {latency}); "
                     f"{c.cycles} cycles in all, {sum(c.stalls.values())} of them stalls",
               {"ready": ready, "issued": issued, "cycles": c.cycles, "stalls": dict(c.stalls)})


def _pairs_2_3() -> list[tuple]:
    """Coordinate pairs for exercise 2.3: one dimension at a time, several at once, then random."""
    home = _Coord.parse("1.1.1")
    pairs = [(home, home)] + [(home, home.moved(d, 1)) for d in range(len(_DIM_NAMES))]
    pairs += [(home, _Coord.parse("9.1.1")), (home, _Coord.parse("2.1.1/1.1.1/1.1.1.2.1")),
              (home, _Coord.parse("5.5.5/1.2.1")), (_Coord.parse("3.1.4/1.5.9"), _Coord.parse("3.1.4/1.5.9/2.1.1.1.1"))]
    rng = _random.Random(23)
    for _ in range(40):
        a = _Coord(rng.randint(1, 9) for _ in range(len(_DIM_NAMES)))
        dims = rng.sample(range(len(_DIM_NAMES)), rng.randint(1, 4))
        b = _Coord(v + rng.randint(1, 5) if d in dims else v for d, v in enumerate(a))
        pairs.append((a, b))
    return pairs


_LIBRARY_ANSWERS = ("hamming", "tier", "highest_differing_dim")


def _library_answers_used(fn) -> list[str]:
    """Names of the library functions that answer 2.3 which ``fn`` refers to, read from its
    bytecode: a global or closure variable bound to one of them, or such an attribute (``vt.tier``)
    while a vtpu_lib module is in reach. A name that only appears as a local or an unbound
    global (the stub's ``return distance, tier``) does not count."""
    import dis
    import inspect
    import types

    from ... import coord as _coord_module
    answers = {getattr(_coord_module, n): n for n in _LIBRARY_ANSWERS}
    fn = inspect.unwrap(fn)
    code, env = getattr(fn, "__code__", None), getattr(fn, "__globals__", {})
    if code is None:
        return []
    reach = list(env.values()) + [c.cell_contents for c in fn.__closure__ or () if _filled(c)]
    library_module = any(isinstance(v, types.ModuleType) and v.__name__.startswith("vtpu_lib") for v in reach)
    used, stack = set(), [code]
    while stack:
        co = stack.pop()
        stack += [k for k in co.co_consts if isinstance(k, types.CodeType)]
        for ins in dis.get_instructions(co):
            if ins.opname in ("LOAD_GLOBAL", "LOAD_NAME") and _hashable(env.get(ins.argval)) \
                    and env.get(ins.argval) in answers:
                used.add(answers[env[ins.argval]])
            elif ins.opname in ("LOAD_ATTR", "LOAD_METHOD") and ins.argval in _LIBRARY_ANSWERS and library_module:
                used.add(ins.argval)
    used |= {answers[v] for v in reach[len(env):] if _hashable(v) and v in answers}
    return sorted(used)


def _filled(cell) -> bool:
    try:
        cell.cell_contents
    except ValueError:
        return False
    return True


def _hashable(x) -> bool:
    try:
        hash(x)
    except TypeError:
        return False
    return True


def exercise_2_3(locality) -> CheckPassed:
    """locality(home, c) -> (hamming distance, tier), written from the rules, checked against the library."""
    name = "2.3"
    used = _library_answers_used(locality)
    if used:
        _fail(name, f"your function calls the library's {_join(used)}: the exercise is to compute the "
                    "distance and the tier yourself, from the rules above",
              hint="compare the two coordinates dimension by dimension: home[d] != c[d]")
    counts: dict[str, int] = {}
    pairs = _pairs_2_3()
    for home, c in pairs:
        got = _call(name, locality, home, c)
        if not (isinstance(got, tuple) and len(got) == 2):
            _fail(name, f"locality({home.short()}, {c.short()}) returned {got!r}; return a pair "
                        "(hamming distance, tier) such as (1, 'L1')")
        ham, tier_got = got
        differing = [_DIM_NAMES[d] for d in range(len(_DIM_NAMES)) if home[d] != c[d]]
        if ham != _hamming(home, c):
            _fail(name, f"for home {home} and {c} you returned hamming distance {ham!r}; they differ in "
                        f"{_hamming(home, c)} dimension(s): {', '.join(differing) or 'none'}",
                  hint="hamming = how many dimensions differ, whatever the size of each difference")
        want = _tier(home, c)
        if tier_got != want:
            top = _highest_dim(home, c)
            why = "they are the same cell" if top < 0 else \
                f"the highest differing dimension is {top} ({_DIM_NAMES[top]})"
            _fail(name, f"for home {home} and {c} you returned tier {tier_got!r}, expected {want!r}: {why}",
                  hint="the tier depends on the OUTERMOST dimension that differs: 0-2 L1, 3-4 L2, "
                       "5-7 L3, 8-9 DRAM, 10 remote; dimension 0 is the first written number")
        counts[want] = counts.get(want, 0) + 1
    tiers = {t: counts[t] for t in ("L1", "L2", "L3", "DRAM", "remote") if t in counts}
    return _ok(name, f"{len(pairs)} coordinate pairs agree with vt.hamming and vt.tier "
                     f"({', '.join(f'{k} {v}' for k, v in tiers.items())})",
               {"pairs": len(pairs), "tiers": tiers})
