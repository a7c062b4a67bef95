"""Multi-sentron scenarios for the C-pipe notebooks (05, 06): program builders and runners.

The four C-pipe demos of the original vTPU are here, done with real messages, plus a ring
"fleet" (neighbour exchange) and a tree all-reduce over many sentrons. Programs are built as
data (:class:`~vtpu_lib.build.ProgramBuilder`), except the Alice/Bob program, which the
notebooks print and edit: it is text. Runners return measured data; nothing here draws.
"""

from __future__ import annotations

from collections import Counter

from ..build import ProgramBuilder, op
from ..coord import Coord
from ..errors import ConfigError
from ..machine import Machine
from ..program import Program

__all__ = ["fleet_home", "send_recv_42", "barrier_of", "broadcast", "ROUTING_SENDERS", "routing_distances",
           "temperature_routing", "temperature_choices", "ring_exchange", "tree_allreduce",
           "original_routing_choice", "ALICE_BOB_MESSAGES", "smt_pair", "alice_bob_host_copy"]


def fleet_home(i: int, width: int = 12) -> Coord:
    """Home of sentron ``i`` in a fleet: scrolls 1..width of consecutive sections, so ring
    neighbours are one scroll apart (hamming 1), or two at the end of a section."""
    return Coord.parse(f"{i % width + 1}.{i // width % 2000 + 1}.1")


# -- the original's four C-pipe demos, with real messages -------------------------------------

def send_recv_42() -> Program:
    """s0 packs 42 into a message and sends it; s1 receives it into r3."""
    b = ProgramBuilder("send_recv_42.siw")
    b.sentron("s0", id=0, home="1.1.1").set("r1", 42)
    b.siw(op("pack", "m0", "r1"))
    b.siw(op("send", "m0", "s1"))
    b.sentron("s1", id=1, home="2.1.1")
    b.siw(op("recv", "r3", "s0"))
    return b.build()


def barrier_of(n: int = 4) -> Program:
    """``n`` sentrons doing 0, 1, 2... cycles of work before ``bar 0, n``; all leave together."""
    b = ProgramBuilder("barrier.siw")
    for i in range(n):
        b.sentron(f"s{i}", id=i, home=fleet_home(i)).set("r1", 1)
        with b.repeat(i):
            b.siw(op("add", "r1", "r1", "r1"))
        b.siw(op("bar", 0, n))
        b.siw(op("mov", "r2", "r1"))
    return b.build()


def broadcast(value: float = 100.0, receivers: int = 4, radius: int = 1) -> Program:
    """Sentron 0 beacons ``value`` to every sentron within ``radius`` hops of its home."""
    b = ProgramBuilder("broadcast.siw")
    b.sentron("s0", id=0, home="1.1.1").set("r1", value)
    b.siw(op("pack", "m0", "r1"))
    b.siw(op("beacon", "m0", radius))
    for i in range(1, receivers + 1):
        b.sentron(f"s{i}", id=i, home=f"{i + 1}.1.1")
        b.siw(op("recv", "r2", "s0"))
    return b.build()


ROUTING_SENDERS = (("exact", "1.1.1", 100.0), ("near", "1.1.1/2.1.1", 200.0), ("far", "2.2.2/2.2.1", 300.0))


def routing_distances() -> dict[float, int]:
    """Hamming distance from each routing sender's home to the receiver's (1.1.1), by value."""
    from ..coord import hamming
    return {value: hamming(Coord.parse(home), Coord.parse("1.1.1")) for _, home, value in ROUTING_SENDERS}


def temperature_routing(temperature: float) -> Program:
    """Three senders at hamming 0, 1 and 5 from the receiver send 100, 200, 300; the receiver
    sets its temperature and takes one message with ``recv r1, any``."""
    b = ProgramBuilder("routing.siw")
    for i, (name, home, value) in enumerate(ROUTING_SENDERS):
        b.sentron(name, id=i, home=home).set("r1", value)
        b.siw(op("pack", "m0", "r1"))
        b.siw(op("send", "m0", "rx"))
    b.sentron("rx", id=3, home="1.1.1")
    b.siw(op("temp", temperature))
    b.siw().siw()                       # two empty SIWs: every message has arrived before the recv
    b.siw(op("recv", "r1", "any"))
    return b.build()


def temperature_choices(temperature: float, runs: int = 1000, seed: int = 0) -> dict[float, int]:
    """How often each value is taken over ``runs`` runs with seeds seed, seed+1, ..."""
    program = temperature_routing(temperature)
    counts: Counter = Counter()
    for k in range(runs):
        m = Machine("seed", seed=seed + k)
        m.load(program)
        counts[m.run().info("rx").registers["r1"]] += 1
    return {value: counts.get(value, 0) for _, _, value in ROUTING_SENDERS}


# -- fleets -------------------------------------------------------------------------------------

def ring_exchange(n: int) -> Program:
    """Sentron i sends its value i+1 to sentron i+1 (mod n), receives its left neighbour's
    value and adds it: afterwards r3 = (i+1) + left neighbour's value."""
    b = ProgramBuilder("ring.siw")
    for i in range(n):
        b.sentron(f"s{i}", id=i, home=fleet_home(i)).set("r1", i + 1)
        b.siw(op("pack", "m0", "r1"))
        b.siw(op("send", "m0", f"s{(i + 1) % n}"))
        b.siw(op("recv", "r2", f"s{(i - 1) % n}"))
        b.siw(op("add", "r3", "r1", "r2"))
    return b.build()


def tree_allreduce(n: int) -> Program:
    """All-reduce (sum) over a binary tree: each sentron adds its children's partial sums and
    sends the result to its parent; the root's total comes back down the tree. Afterwards every
    sentron holds n(n+1)/2 in r1. 2(n-1) messages; depth 2*log2(n) message latencies."""
    b = ProgramBuilder("allreduce.siw")
    for i in range(n):
        kids = [k for k in (2 * i + 1, 2 * i + 2) if k < n]
        b.sentron(f"s{i}", id=i, home=fleet_home(i)).set("r1", i + 1)
        for k in kids:
            b.siw(op("recv", "r2", f"s{k}"))
            b.siw(op("add", "r1", "r1", "r2"))
        if i:
            parent = f"s{(i - 1) // 2}"
            b.siw(op("pack", "m0", "r1")).siw(op("send", "m0", parent)).siw(op("recv", "r1", parent))
        if kids:
            b.siw(op("pack", "m1", "r1"))
            for k in kids:
                b.siw(op("send", "m1", f"s{k}"))
    return b.build()


def original_routing_choice(temperature: float) -> float:
    """What the original vTPU's fuzzy routing returned: it scored every message by
    exp(-distance / T), *sorted* by score and took the first -- always the nearest, whatever T."""
    import math
    from ..coord import hamming
    receiver = Coord.parse("1.1.1")
    scored = sorted(((math.exp(-hamming(Coord.parse(home), receiver) / temperature), value)
                     for _, home, value in ROUTING_SENDERS), reverse=True)
    return scored[0][1]


# -- Alice and Bob with a real message ---------------------------------------------------------

ALICE_BOB_MESSAGES = """\
# Alice computes q*k*v = 42 and SENDS it; Bob RECEIVES it and writes 42 + 42 = 84.
.mem 1.1.1 3    # q
.mem 2.1.1 7    # k
.mem 3.1.1 2    # v
.sentron alice id=0 home=1.1.1
.set p0 1.1.1
.set p1 2.1.1
.set p2 3.1.1
.set p3 4.1.1
-              | gather r0, p0  | -
-              | gather r1, p1  | -
mul r3, r0, r1 | gather r2, p2  | -
mul r4, r3, r2 | -              | -
-              | scatter p3, r4 | pack m0, r4
-              | -              | send m0, bob
.sentron bob id=1 home=2.1.1
.set p0 5.1.1
-              | -              | recv r0, alice
add r1, r0, r0 | -              | -
-              | scatter p0, r1 | -
"""


# -- SMT: two threads on one core, or one core each ---------------------------------------------

def _smt_work(kind: str, k: int) -> tuple:
    """SIW k of a thread's independent work: registers cycle so that no SIW waits for the last."""
    dense = op("add", f"r{k % 8}", f"r{k % 8}", "r15")
    sparse = op("index", f"p{k % 4}", f"p{k % 4}", 0, 1 if (k // 4) % 2 == 0 else -1)
    return {"dense": (dense,), "sparse": (sparse,), "mixed": (dense, sparse)}[kind]


def smt_pair(first: str = "dense", second: str = "sparse", n: int = 16, same_core: bool = True) -> Program:
    """Two sentrons with ``n`` SIWs of independent work each, as threads of one core
    (sharing its D, S and C pipes) or on two cores. ``dense`` work uses only the D pipe,
    ``sparse`` only the S pipe, ``mixed`` both."""
    b = ProgramBuilder("smt.siw")
    for i, kind in enumerate((first, second)):
        if kind not in ("dense", "sparse", "mixed"):
            raise ConfigError(f"thread {i} has work kind {kind!r}", hint="kinds: 'dense', 'sparse', 'mixed'")
        b.sentron(f"t{i}", id=i, core=0 if same_core else i, thread=i if same_core else 0).set("r15", 1)
        for k in range(n):
            b.siw(*_smt_work(kind, k))
    return b.build()


def alice_bob_host_copy(config="seed", alice_repeats: int = 1):
    """The original's Alice/Bob run exactly: the host seeds memory through the PPT (``.mem``),
    Alice runs (her SIWs ``alice_repeats`` times), host code copies her 42 from 4.1.1 into Bob's
    r0, Bob runs, and the host reads his 84 from 5.1.1. Returns the :class:`Machine` after the run;
    ``machine.trace()`` has every event (11 PPT translations for one repeat)."""
    import dataclasses

    from .. import programs
    if isinstance(alice_repeats, bool) or not isinstance(alice_repeats, int) or alice_repeats < 1:
        raise ConfigError(f"alice_repeats = {alice_repeats!r}: Alice must run her SIWs a whole number >= 1 "
                          "of times", hint="alice_repeats=1 is the original run")
    alice = programs.load("alice")
    code = alice.sentrons[0]
    code = dataclasses.replace(code, siws=code.siws * alice_repeats, lines=code.lines * alice_repeats)
    m = Machine(config)
    m.load(dataclasses.replace(alice, sentrons=(code,)))
    m.load(programs.load("bob"), start=False)
    m.run()
    m.set_register("bob", "r0", m.host_read("4.1.1"))   # the host's gather of 42
    m.start("bob")
    m.run()
    m.host_read("5.1.1")                                 # the host's final gather of 84
    return m
