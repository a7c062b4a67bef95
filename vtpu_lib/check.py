"""Checkers for the exercises: ``check.exercise_3_1(student_fn)`` in an exercise cell.

A checker calls the learner's function, runs what it returns on the simulator and either
prints what was measured (and returns it) or raises:

* :class:`ExerciseIncomplete` -- the function still raises ``NotImplementedError``;
* :class:`ExerciseFailed` -- it runs but misses the goal; the message says by how much and
  what to look at.

The unit tests run every checker on the reference solutions in ``solutions/``.
"""

from __future__ import annotations

from .asm import assemble
from .errors import VtpuError
from .program import Program
from .sim import Machine
from .trace import Trace


class ExerciseIncomplete(VtpuError):
    """The exercise has not been attempted yet."""


class ExerciseFailed(VtpuError):
    """The answer runs but does not meet the exercise's goal."""


def _call(name: str, fn, *args):
    try:
        return fn(*args)
    except NotImplementedError:
        raise ExerciseIncomplete(
            f"exercise {name}: not done yet -- replace `raise NotImplementedError` in the cell above "
            "with your answer, run that cell, then run this one again",
            hint="the notebook's text above the exercise says what to aim for") from None
    except VtpuError as e:
        raise ExerciseFailed(f"exercise {name}: your answer raised an error:\n{e}") from None


def _program(name: str, text) -> Program:
    if not isinstance(text, str):
        raise ExerciseFailed(f"exercise {name}: expected the program as text (a str), got {type(text).__name__}")
    try:
        return assemble(text, file=f"exercise_{name}.siw")
    except VtpuError as e:
        raise ExerciseFailed(f"exercise {name}: your program does not assemble:\n{e}") from None


def _run(name: str, program: Program, config="seed", **kw) -> Trace:
    try:
        m = Machine(config, max_cycles=100_000, **kw)
        m.load(program)
        return m.run()
    except VtpuError as e:
        raise ExerciseFailed(f"exercise {name}: your program failed while running:\n{e}") from None


def _fail(name: str, message: str, hint: str | None = None):
    raise ExerciseFailed(f"exercise {name}: {message}", hint=hint)


def _ok(name: str, message: str) -> None:
    print(f"exercise {name} passed: {message}")


def _expect_r(name: str, trace: Trace, reg: str, want: float, sentron=None) -> None:
    regs = trace.info(sentron).registers if sentron is not None else trace.sentrons[0].registers
    got = regs[reg]
    if got != want:
        _fail(name, f"{reg} = {got!r} at the end, expected {want!r}")


# -- 01 the Python insight ---------------------------------------------------------------------

def exercise_1_1(make_program) -> dict:
    """Fix the slot-order trap: the optimized dot product, correct in every mode and order."""
    name = "1.1"
    prog = _program(name, _call(name, make_program))
    results = {}
    for mode, order in [("vliw", "DSC"), ("sequential", "DSC"), ("sequential", "SDC"),
                        ("sequential", "CSD"), ("sequential", "SCD")]:
        t = _run(name, prog, mode=mode, slot_order=order)
        r0 = t.sentrons[0].registers["r0"]
        results[f"{mode} {order}"] = r0
        if r0 != 140.0:
            _fail(name, f"under {mode} mode with slot order {order} r0 = {r0!r}, not 140.0",
                  hint="a slot must not overwrite a register another slot of the same SIW reads: "
                       "gather the next pair into different registers")
    c = _run(name, prog).counters()
    if c.cycles > 10:
        _fail(name, f"correct in every order, but {c.cycles} cycles; the original took 10",
              hint="keep the packing: multiply element i-1 while gathering element i")
    _ok(name, f"r0 = 140.0 in every slot order, {c.cycles} cycles, {c.useful_ops_per_cycle:.2f} useful ops/cycle")
    return {"r0": results, "cycles": c.cycles}


def exercise_1_2(answer) -> dict:
    """Drop the no-op hints: predict ops/cycle and useful ops/cycle, then measure."""
    name = "1.2"
    got = _call(name, answer)
    if not (isinstance(got, tuple) and len(got) == 3):
        _fail(name, "return (program_text, predicted_ops_per_cycle, predicted_useful_ops_per_cycle)")
    text, ops_pred, useful_pred = got
    prog = _program(name, text)
    if any(siw.c is not None for s in prog.sentrons for siw in s.siws):
        _fail(name, "the program still has ops in the C slot; remove the cprefetch hints")
    t = _run(name, prog)
    _expect_r(name, t, "r0", 140.0)
    c = t.counters()
    for label, pred, real in [("ops/cycle", ops_pred, c.ops_per_cycle),
                              ("useful ops/cycle", useful_pred, c.useful_ops_per_cycle)]:
        if abs(float(pred) - real) > 0.005:
            _fail(name, f"you predicted {label} {float(pred):.2f}, the run measured {real:.2f}",
                  hint="ops/cycle = ops / cycles; count the filled slots and the SIWs")
    _ok(name, f"predicted and measured {c.ops_per_cycle:.2f} ops/cycle = {c.useful_ops_per_cycle:.2f} useful: "
              "the hints added ops, not work")
    return {"ops_per_cycle": c.ops_per_cycle, "useful_ops_per_cycle": c.useful_ops_per_cycle}


# -- 03 D-pipe ---------------------------------------------------------------------------------

PRODUCT_VALUES = (1.5, 2.0, 0.5, 4.0, 3.0, 1.0, 2.5, 2.0)  # r1..r8 in exercise 3.1


def _product_setup() -> str:
    return "".join(f".set r{i + 1} {v!r}\n" for i, v in enumerate(PRODUCT_VALUES))


def exercise_3_1(make_program) -> dict:
    """The product of r1..r8 into r0 in at most 12 cycles under `realistic`."""
    name = "3.1"
    text = _call(name, make_program)
    t = _run(name, _program(name, _product_setup() + text), "realistic")  # r1..r8 preset for the learner
    want = 1.0
    for v in PRODUCT_VALUES:
        want *= v
    _expect_r(name, t, "r0", want)
    c = t.counters()
    if c.cycles > 12:
        _fail(name, f"r0 is right, but the run takes {c.cycles} cycles under realistic; the goal is 12 "
                    f"({c.stalls['dependence']} cycles stalled on dependences)",
              hint="multiply independent pairs first, then pairs of products: a tree is only 3 multiplies deep")
    _ok(name, f"r0 = {want!r} in {c.cycles} cycles ({c.stalls['dependence']} dependence stalls)")
    return {"cycles": c.cycles, "stalls": c.stalls["dependence"]}


def exercise_3_2(make_program) -> dict:
    """The dot product of r1..r8 (pairs r1*r2, r3*r4, ...) into r0 in at most 10 cycles, realistic."""
    name = "3.2"
    from .programs import ORIGINAL_PAIRS, dot_product
    base = dot_product(ORIGINAL_PAIRS, "baseline")
    setup = "".join(line + "\n" for line in base.splitlines() if line.startswith(".set"))
    text = _call(name, make_program)
    prog = _program(name, setup + text)
    if any(siw.s is not None for s in prog.sentrons for siw in s.siws):
        _fail(name, "the values are already in r1..r8: use only the D pipe (no gathers)")
    t = _run(name, prog, "realistic")
    _expect_r(name, t, "r0", 140.0)
    c = t.counters()
    if c.cycles > 10:
        _fail(name, f"r0 = 140.0, but in {c.cycles} cycles; the goal is 10",
              hint="one accumulator makes a chain of fma latencies; use two (or more) and add them at the end")
    _ok(name, f"r0 = 140.0 in {c.cycles} cycles with {c.ops} ops (one fma chain takes 16)")
    return {"cycles": c.cycles, "ops": c.ops}


# -- 05 C-pipe ---------------------------------------------------------------------------------

def _sent_and_received(trace: Trace) -> tuple[int, int]:
    c = trace.counters()
    return c.messages_sent, c.messages_received


def exercise_5_1(make_program) -> dict:
    """Sentron a sends (r1, r2) = (6, 7) in ONE message; b unpacks, multiplies into r0 and
    stores it at 7.1.1."""
    name = "5.1"
    text = _call(name, make_program)
    t = _run(name, _program(name, text))
    names = {s.name for s in t.sentrons}
    if not {"a", "b"} <= names:
        _fail(name, f"the program needs sentrons named a and b, found {sorted(names)}",
              hint="start each section with '.sentron a id=0' / '.sentron b id=1'")
    a = t.info("a").registers
    if (a["r1"], a["r2"]) != (6.0, 7.0):
        _fail(name, f"a's r1, r2 should hold 6 and 7 (use .set), found {a['r1']!r}, {a['r2']!r}")
    _expect_r(name, t, "r0", 42.0, sentron="b")
    cell = t.memory.get(_coord("7.1.1"))
    if cell != 42.0:
        _fail(name, f"memory at 7.1.1 holds {cell!r}, expected 42.0", hint="b must scatter r0 to 7.1.1")
    sends = [e for e in t.events if e[2] == "send" and e[1] == t.info("a").id]
    if len(sends) != 1 or len(sends[0][4][1]) < 2:
        _fail(name, f"a should send exactly one message carrying both values; it sent {len(sends)} "
                    f"message(s) with {[len(e[4][1]) for e in sends]} lane(s)",
              hint="pack m0, r1, r2 then send m0, b")
    if not any(siw.c is not None and siw.c.op == "unpack" for siw in t.info("b").code.siws):
        _fail(name, "b should take the values out of the message with unpack")
    c = t.counters("b")
    _ok(name, f"b computed 42.0 from one 2-lane message; b waited {c.stalls['recv-wait']} cycle(s) in recv")
    return {"b_cycles": c.cycles, "recv_wait": c.stalls["recv-wait"]}


def _coord(text: str):
    from .coord import Coord
    return Coord.parse(text)


def exercise_5_2(fix_program) -> dict:
    """Fix the deadlock: a and b swap r1 values; each ends with the other's r1 in r5."""
    name = "5.2"
    text = _call(name, fix_program)
    prog = _program(name, text)
    try:
        m = Machine("seed", max_cycles=10_000)
        m.load(prog)
        t = m.run()
    except VtpuError as e:
        _fail(name, f"the exchange still does not complete:\n{e}",
              hint="if both sentrons start with recv, each waits for the other forever: let one send first")
    a, b = t.info("a").registers, t.info("b").registers
    if (a["r5"], b["r5"]) != (b["r1"], a["r1"]) or a["r1"] == b["r1"]:
        _fail(name, f"after the swap a.r5 should be b.r1 ({b['r1']!r}) and b.r5 should be a.r1 ({a['r1']!r}); "
                    f"found a.r5 = {a['r5']!r}, b.r5 = {b['r5']!r}")
    c = t.counters()
    _ok(name, f"swapped in {c.cycles} cycles with {c.messages_sent} messages, "
              f"{c.stalls['recv-wait']} cycles of recv-wait in total")
    return {"cycles": c.cycles, "recv_wait": c.stalls["recv-wait"]}


# -- 02 architecture ---------------------------------------------------------------------------

import random as _random  # noqa: E402

from .coord import DIM_NAMES as _DIM_NAMES  # noqa: E402
from .coord import Coord as _Coord  # noqa: E402
from .coord import hamming as _hamming  # noqa: E402
from .coord import highest_differing_dim as _highest_dim  # noqa: E402
from .coord import tier as _tier  # noqa: E402
from .sentron import flat as _flat  # noqa: E402
from .stepper import Stepper as _Stepper  # noqa: E402

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


def exercise_2_1(make_program) -> dict:
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
        gathered = [b[0] for _, sid, kind, a, b in t.events if kind == "ppt" and a == "gather" and sid >= 0]
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
    _ok(name, f"r0 = {result['r0']} from {', '.join(result['gathered'])} with {n_index} index op(s) "
              f"and one .set, {result['cycles']} cycles (seed); a second filling of memory summed right too")
    return result


def exercise_2_2(predict) -> dict:
    """Predict, then measure: when does REGISTER_2_2 become readable, and how many cycles in all?"""
    name = "2.2"
    got = _call(name, predict)
    if not (isinstance(got, tuple) and len(got) == 2 and all(isinstance(x, int) for x in got)):
        _fail(name, f"return two whole numbers (cycle_{REGISTER_2_2}_readable, total_cycles), got {got!r}")
    ready_pred, cycles_pred = got
    stepper = _Stepper(assemble(PROGRAM_2_2, file="exercise_2_2.siw"), "realistic")
    reg = _flat(next(r for siw in stepper.machine.sentron(0).code.siws for op in siw.ops()
                     for r in op.writes() if str(r) == REGISTER_2_2))
    ready = issued = None
    while not stepper.done:  # step cycle by cycle; the write shows as a new ready cycle on the scoreboard
        before, was = stepper.cycle, stepper.machine.sentron(0).ready[reg]
        if stepper.forward() == before:
            break
        now = stepper.machine.sentron(0).ready[reg]
        if ready is None and now != was:
            ready, issued = now, before
    t = stepper.machine.trace()
    c = t.counters()
    latency = ready - issued
    if ready_pred != ready:
        _fail(name, f"you predicted {REGISTER_2_2} readable at cycle {ready_pred}; the run measured {ready}: "
                    f"the op writing it issued in cycle {issued} and its result takes {latency} cycles",
              hint="a result is readable at issue cycle + latency; an op issues only once its sources "
                   "are readable (every stall pushes it later)")
    if cycles_pred != c.cycles:
        stalls = sum(c.stalls.values())
        _fail(name, f"you predicted {cycles_pred} cycles in all; the run took {c.cycles} ({c.siws} SIWs "
                    f"issued, {stalls} stall cycles, and the last result lands in cycle {c.cycles})",
              hint="a sentron's cycles run from its first issue until its last result is readable")
    _ok(name, f"{REGISTER_2_2} readable at cycle {ready} (issued in cycle {issued}, latency {latency}); "
              f"{c.cycles} cycles in all, {sum(c.stalls.values())} of them stalls")
    return {"ready": ready, "issued": issued, "cycles": c.cycles, "stalls": dict(c.stalls)}


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


def exercise_2_3(locality) -> dict:
    """locality(home, c) -> (hamming distance, tier), written from the rules, checked against the library."""
    name = "2.3"
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
    _ok(name, f"{len(pairs)} coordinate pairs agree with vt.hamming and vt.tier "
              f"({', '.join(f'{k} {v}' for k, v in tiers.items())})")
    return {"pairs": len(pairs), "tiers": tiers}


# -- 04 S-pipe ----------------------------------------------------------------------------------

from . import ppt_study as _ppt_study  # noqa: E402  (imported here: this block is appended)
from .config import REALISTIC as _REALISTIC_04  # noqa: E402

EXERCISE_4_1_SCROLLS = (1, 3, 5, 1, 3, 5, 2, 4, 2, 4, 1, 2)   # gathers of n.1.1, in this order
EXERCISE_4_1_GEOMETRY = {"sets": 2, "ways": 2}
EXERCISE_4_2_BUDGET = {"entries": 8, "page_scrolls": 64, "hit_rate": 0.90}
EXERCISE_4_3_N = 32                                            # elements the stream loop sums


def _run_cold_04(name: str, program, cells, config, **geometry) -> Trace:
    try:
        return _ppt_study.run_cold(program, cells, config, **geometry)
    except VtpuError as e:
        raise ExerciseFailed(f"exercise {name}: the run failed:\n{e}") from None


def exercise_4_1(predict) -> dict:
    """Predict the hit rate and the 3C miss split of a gather pattern on a 2-set x 2-way PPT."""
    name = "4.1"
    got = _call(name, predict)
    keys = ("hit_rate", "compulsory", "capacity", "conflict")
    if not isinstance(got, dict) or set(got) != set(keys):
        _fail(name, f"return a dict with exactly the keys {keys}, got {got!r}")
    outcomes = _ppt_study.classify(_ppt_study.scrolls(*EXERCISE_4_1_SCROLLS), **EXERCISE_4_1_GEOMETRY)
    n, hits = len(outcomes), outcomes.count("hit")
    measured = {"hit_rate": hits / n, **{k: outcomes.count(k) for k in keys[1:]}}
    try:
        rate = float(got["hit_rate"])
    except (TypeError, ValueError):
        _fail(name, f"hit_rate should be a number between 0 and 1, got {got['hit_rate']!r}")
    if abs(rate - measured["hit_rate"]) > 0.005:
        _fail(name, f"you predicted a hit rate of {rate:.3f}, the PPT measured {measured['hit_rate']:.3f} "
                    f"({hits} hits in {n} gathers)",
              hint="walk the pattern one gather at a time: the set is the scroll mod 2 (odd scrolls share "
                   "one set), and each set keeps only its 2 most recently used pages")
    wrong = [k for k in keys[1:] if got[k] != measured[k]]
    if wrong:
        hint = ("compulsory = the first touch of a page: count the distinct scrolls" if "compulsory" in wrong
                else "a re-miss is capacity if a fully associative LRU PPT of the same 4 entries would also "
                     "have missed (4 other pages touched since the last use), conflict if it would have hit")
        _fail(name, "right hit rate, wrong miss split: " +
              ", ".join(f"you said {got[k]!r} {k}, the PPT counted {measured[k]}" for k in wrong), hint=hint)
    _ok(name, f"hit rate {measured['hit_rate']:.3f} ({hits}/{n}); misses: {measured['compulsory']} compulsory, "
              f"{measured['capacity']} capacity, {measured['conflict']} conflict")
    return measured


def exercise_4_2(choose_geometry) -> dict:
    """Choose a PPT geometry and page size within the budget that gets the three-stream loop to >= 90 %."""
    name = "4.2"
    got = _call(name, choose_geometry)
    keys = ("ppt_sets", "ppt_ways", "page_scrolls")
    if not isinstance(got, dict) or set(got) != set(keys):
        _fail(name, f"return a dict with exactly the keys {keys}, got {got!r}")
    if not all(isinstance(got[k], int) and not isinstance(got[k], bool) and got[k] >= 1 for k in keys):
        _fail(name, f"sets, ways and page_scrolls must be whole numbers >= 1, got {got!r}")
    budget = EXERCISE_4_2_BUDGET
    entries = got["ppt_sets"] * got["ppt_ways"]
    if entries > budget["entries"]:
        _fail(name, f"{got['ppt_sets']} sets x {got['ppt_ways']} ways = {entries} entries, over the budget "
                    f"of {budget['entries']}", hint="a bigger PPT costs area and power; make the pages work harder")
    if got["page_scrolls"] > budget["page_scrolls"]:
        _fail(name, f"page_scrolls = {got['page_scrolls']} is over the budget of {budget['page_scrolls']}")
    trace = _run_cold_04(name, _ppt_study.streams_program(), None, "seed", **got)
    p = trace.counters().ppt
    if p.hit_rate < budget["hit_rate"]:
        if p.capacity + p.conflict > p.compulsory:
            hint = ("most misses are pages evicting each other: with these coordinates the set is the page "
                    "number mod the number of sets, so a[i], b[i] and c[i] always land in the same set -- "
                    "that set needs a way for each stream")
        else:
            hint = ("most misses are first touches: each stream misses once per page, i.e. once every B/s "
                    "gathers for pages of B scrolls and a stride of s = 2 scrolls -- use bigger pages")
        _fail(name, f"hit rate {p.hit_rate:.1%} ({p.hits}/{p.accesses}), below {budget['hit_rate']:.0%}; misses: "
                    f"{p.compulsory} compulsory, {p.capacity} capacity, {p.conflict} conflict", hint=hint)
    sets = f"{got['ppt_sets']} set{'s' if got['ppt_sets'] != 1 else ''}"
    _ok(name, f"{sets} x {got['ppt_ways']} ways, pages of {got['page_scrolls']} scrolls: hit rate "
              f"{p.hit_rate:.1%} ({p.hits}/{p.accesses}), {p.compulsory} compulsory misses, "
              f"{p.capacity + p.conflict} evictions that cost a miss")
    return {"hit_rate": p.hit_rate, "compulsory": p.compulsory, "capacity": p.capacity, "conflict": p.conflict}


def exercise_4_3(make_program) -> dict:
    """Add prefetches to the stream loop: at most 10 % of its ppt-miss stall cycles under ``realistic``."""
    name = "4.3"
    prog = _program(name, _call(name, make_program))
    if prog.preload:
        _fail(name, "the program has .mem lines; they write through the PPT and would warm it for you",
              hint="remove them: the checker fills x[0..31] in memory itself, behind the PPT's back")
    n = EXERCISE_4_3_N
    base = _ppt_study.prefetch_study(n, [None])[0]
    trace = _run_cold_04(name, prog, _ppt_study.stream_cells(n), "realistic")
    _expect_r(name, trace, "r0", base.result)
    c = trace.counters()
    p, stalls, limit = c.ppt, c.stalls["ppt-miss"], base.ppt_miss_stalls // 10
    if p.prefetches == 0:
        _fail(name, "the program has no prefetch ops", hint="prefetch pX installs pX's page without waiting")
    if stalls > limit:
        if p.late_hits:
            fill = _REALISTIC_04.ppt_miss_penalty_cycles + _REALISTIC_04.latency_cycles["gather"]
            hint = (f"{p.late_hits} gathers found their page still on its way: a page takes {fill} cycles to "
                    "arrive and an iteration about 4, so prefetch further ahead")
        else:
            hint = (f"{p.misses} gathers still missed: the elements before your prefetch distance are never "
                    "prefetched -- prefetch them before the loop, or start the prefetch pointer closer")
        _fail(name, f"{stalls} ppt-miss stall cycles; the goal is at most {limit} (10 % of the "
                    f"{base.ppt_miss_stalls} the loop stalls without prefetches)", hint=hint)
    accuracy = p.prefetch_used / p.prefetch_installs if p.prefetch_installs else 0.0
    coverage = p.prefetch_used / (p.prefetch_used + p.misses) if p.prefetch_used + p.misses else 0.0
    _ok(name, f"ppt-miss stalls {base.ppt_miss_stalls} -> {stalls} cycles, {base.cycles} -> {c.cycles} cycles; "
              f"accuracy {accuracy:.0%}, coverage {coverage:.0%}, {p.late_hits} late")
    return {"cycles": c.cycles, "ppt_miss_stalls": stalls, "baseline_stalls": base.ppt_miss_stalls,
            "accuracy": accuracy, "coverage": coverage, "late_hits": p.late_hits}


# -- 06 bonding --------------------------------------------------------------------------------

MAX_VALUES = (3.0, 11.0, 7.0, 5.0)  # r1 of sentrons s0..s3 in exercise 6.1


def exercise_6_1(make_program) -> dict:
    """Four sentrons s0..s3 (r1 preset to MAX_VALUES): every one must end with the maximum of
    the four in r2, using messages only."""
    name = "6.1"
    text = _call(name, make_program)
    prog = _program(name, text)
    names = [s.name for s in prog.sentrons]
    if names[:4] != ["s0", "s1", "s2", "s3"] or len(names) != 4:
        _fail(name, f"expected four sentrons s0, s1, s2, s3 in that order, found {names}")
    if prog.preload or any(siw.s is not None and siw.s.op in ("gather", "scatter")
                           for s in prog.sentrons for siw in s.siws):
        _fail(name, "share the values with messages only (no .mem, gather or scatter)")
    # give each sentron its value: a `.set r1` right after its `.sentron` line
    lines = []
    for line in text.splitlines():
        lines.append(line)
        words = line.split()
        if words[:1] == [".sentron"] and len(words) > 1 and words[1] in names:
            lines.append(f".set r1 {MAX_VALUES[names.index(words[1])]!r}")
    t = _run(name, _program(name, "\n".join(lines) + "\n"))
    want = max(MAX_VALUES)
    wrong = {s.name: s.registers["r2"] for s in t.sentrons if s.registers["r2"] != want}
    if wrong:
        _fail(name, f"every sentron should hold {want!r} in r2; these do not: {wrong}",
              hint="reduce with max up to one sentron, then send the result back to everyone")
    c = t.counters()
    _ok(name, f"all four hold {want!r} after {c.cycles} cycles, {c.messages_sent} messages")
    return {"cycles": c.cycles, "messages": c.messages_sent}


def exercise_6_2(choose) -> dict:
    """Choose a temperature so that the far sender (300, hamming 5) is taken in 10-20 % of
    1,000 runs; also predict the share of the nearest (100) within 5 points."""
    name = "6.2"
    got = _call(name, choose)
    if not (isinstance(got, tuple) and len(got) == 2):
        _fail(name, "return (temperature, predicted_share_of_100) with the share between 0 and 1")
    temperature, predicted = float(got[0]), float(got[1])
    from .scenarios import temperature_choices
    counts = temperature_choices(temperature, runs=1000, seed=0)
    far, near = counts[300.0] / 1000, counts[100.0] / 1000
    if not 0.10 <= far <= 0.20:
        _fail(name, f"at T = {temperature:g} the far sender was taken in {100 * far:.1f}% of runs, not 10-20%",
              hint="P(choice) is proportional to exp(-distance / T): a higher T favours far senders more")
    if abs(predicted - near) > 0.05:
        _fail(name, f"you predicted {100 * predicted:.1f}% for the nearest sender; measured {100 * near:.1f}%",
              hint="compute exp(-d/T) for d = 0, 1, 5 and normalise")
    _ok(name, f"T = {temperature:g}: far {100 * far:.1f}%, nearest {100 * near:.1f}% (you said {100 * predicted:.1f}%)")
    return {"far": far, "near": near}
