"""Checkers for the exercises of notebook 05 (the C-pipe)."""

from __future__ import annotations

from ...errors import VtpuError
from ...isa import EventKind
from ...machine import Machine
from ...trace import Trace
from ._base import (
    CheckPassed,
    _call,
    _expect_r,
    _fail,
    _ok,
    _override,
    _program,
    _run,
)

__all__ = ["SECOND_VALUES_5_1", "SECOND_VALUES_5_2", "exercise_5_1", "exercise_5_2"]

SECOND_VALUES_5_1 = (4.0, 2.5)    # a's r1, r2 in 5.1's second run: b must compute 10.0 from the message
SECOND_VALUES_5_2 = (3.25, -4.0)  # a's and b's r1 in 5.2's second run: each must receive the other's


def _sent_and_received(trace: Trace) -> tuple[int, int]:
    c = trace.counters()
    return c.messages_sent, c.messages_received


def exercise_5_1(make_program) -> CheckPassed:
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
    sends = [e.info for e in t.events(EventKind.SEND, sentron="a")]  # Message records
    if len(sends) != 1 or len(sends[0].values) < 2:
        _fail(name, f"a should send exactly one message carrying both values; it sent {len(sends)} "
                    f"message(s) with {[len(msg.values) for msg in sends]} lane(s)",
              hint="pack m0, r1, r2 then send m0, b")
    if not any(siw.c is not None and siw.c.op == "unpack" for siw in t.info("b").code.siws):
        _fail(name, "b should take the values out of the message with unpack")
    x, y = SECOND_VALUES_5_1
    again = _run(name, _override(_program(name, text), {"a": {"r1": x, "r2": y}}))
    got = (again.info("b").registers["r0"], again.memory.get(_coord("7.1.1")))
    if got != (x * y, x * y):
        _fail(name, f"with a's r1, r2 = {x:g}, {y:g} instead, b's r0 = {got[0]!r} and 7.1.1 holds {got[1]!r}; "
                    f"expected {x * y!r} in both",
              hint="b must multiply the two values it unpacks from a's message, not numbers of its own")
    c = t.counters("b")
    return _ok(name, f"b computed 42.0 from one 2-lane message; b waited {c.stalls['recv-wait']} cycle(s) in recv",
               {"b_cycles": c.cycles, "recv_wait": c.stalls["recv-wait"]})


def _coord(text: str):
    from ...coord import Coord
    return Coord.parse(text)


def exercise_5_2(fix_program) -> CheckPassed:
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
    x, y = SECOND_VALUES_5_2
    try:
        m = Machine("seed", max_cycles=10_000)
        m.load(_override(prog, {"a": {"r1": x}, "b": {"r1": y}}))
        again = m.run()
    except VtpuError as e:
        _fail(name, f"with other values in r1 the exchange does not complete:\n{e}")
    got = (again.info("a").registers["r5"], again.info("b").registers["r5"])
    if got != (y, x):
        _fail(name, f"with a.r1 = {x:g} and b.r1 = {y:g} instead, a.r5 = {got[0]!r} and b.r5 = {got[1]!r}; "
                    f"expected {y!r} and {x!r}",
              hint="each sentron must receive the other's r1 in a message, not set r5 itself")
    c = t.counters()
    return _ok(name, f"swapped in {c.cycles} cycles with {c.messages_sent} messages, "
                     f"{c.stalls['recv-wait']} cycles of recv-wait in total",
               {"cycles": c.cycles, "recv_wait": c.stalls["recv-wait"]})
