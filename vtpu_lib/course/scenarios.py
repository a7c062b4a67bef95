"""Multi-sentron scenarios for the C-pipe notebooks (05, 06): program builders and runners.

The four C-pipe demos of the original vTPU are here, done with real messages, plus a ring
"fleet" (neighbour exchange) and a tree all-reduce over many sentrons. Programs are built as
data (:class:`~vtpu_lib.build.ProgramBuilder`), except the Alice/Bob program, which ships as
text (``vtpu_lib/programs/attention_pair.siw``) because the notebooks print it. Also here: the
dot product of notebook 01 split over several sentrons (the running example), the latency
sweep of notebook 05 and the barrier report. Runners return measured data; nothing here draws.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from dataclasses import dataclass

from .. import programs
from ..asm import assemble
from ..build import ProgramBuilder, op
from ..coord import Coord, hamming
from ..errors import ConfigError, VtpuError
from ..isa import EventKind
from ..machine import Machine
from ..program import Program
from ..trace import Trace

__all__ = ["fleet_home", "send_recv_42", "barrier_of", "broadcast", "ROUTING_SENDERS", "routing_distances",
           "temperature_routing", "temperature_choices", "ring_exchange", "tree_allreduce",
           "original_routing_choice", "ALICE_BOB_MESSAGES", "smt_pair", "alice_bob_host_copy",
           "BarrierPass", "barrier_passes", "BOB_HOMES", "DistancePoint", "alice_bob_with_bob_at",
           "latency_vs_distance", "message_latencies", "dot_product_split", "SplitDot", "dot_product_versions",
           "MemoryFileView", "memory_file_view"]


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


def barrier_of(n: int = 4, work=None) -> Program:
    """``n`` sentrons doing ``work[i]`` adds (default 0, 1, 2...) before ``bar 0, n``; all leave together."""
    work = list(range(n)) if work is None else list(work)
    if len(work) != n:
        raise ConfigError(f"barrier_of({n}) needs one amount of work per sentron, got {len(work)}",
                          hint=f"e.g. work={list(range(n))}")
    b = ProgramBuilder("barrier.siw")
    for i in range(n):
        b.sentron(f"s{i}", id=i, home=fleet_home(i)).set("r1", 1)
        with b.repeat(work[i]):
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
    receiver = Coord.parse("1.1.1")
    scored = sorted(((math.exp(-hamming(Coord.parse(home), receiver) / temperature), value)
                     for _, home, value in ROUTING_SENDERS), reverse=True)
    return scored[0][1]


# -- Alice and Bob with a real message ---------------------------------------------------------

ALICE_BOB_MESSAGES = programs.source("attention_pair")  # the shipped bonded pair, as text


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


# -- barriers: who arrived when, who left when ---------------------------------------------------

@dataclass(frozen=True, slots=True)
class BarrierPass:
    """One sentron at its first ``bar``: the cycle it reached it, the cycles it waited there
    (``barrier-wait`` stalls) and the cycle the ``bar`` issued (the sentron passed)."""
    name: str
    arrived_cycle: int
    waited_cycles: int
    passed_cycle: int


def barrier_passes(trace: Trace) -> list[BarrierPass]:
    """For each sentron with a ``bar``, when it reached its first one and when it passed,
    read from the event log (the SIW at the bar's pc: stalls while waiting, then its issue)."""
    out = []
    for s in trace.sentrons:
        pcs = [pc for pc, siw in enumerate(s.code.siws) if siw.c is not None and siw.c.op == "bar"]
        if not pcs:
            continue
        at_bar = [e for e in trace.events((EventKind.ISSUE, EventKind.STALL), sentron=s.id) if e.pc == pcs[0]]
        passed = next(e.cycle for e in at_bar if e.kind == EventKind.ISSUE)
        waited = sum(1 for e in at_bar if e.kind == EventKind.STALL and e.info == "barrier-wait")
        out.append(BarrierPass(s.name, at_bar[0].cycle, waited, passed))
    return out


# -- message latency against distance (notebook 05) ----------------------------------------------

# Bob's homes for the sweep: 1, 2, 3, 4, 6, 9 and 11 dimensions away from Alice's 1.1.1.
BOB_HOMES = ("2.1.1", "2.2.1", "2.2.2", "2.2.2/2.1.1", "2.2.2/2.2.2", "2.2.2/2.2.2/2.2.2.1.1",
             "2.2.2/2.2.2/2.2.2.2.2")


@dataclass(frozen=True, slots=True)
class DistancePoint:
    """Alice -> Bob with Bob at ``home``: the hops between their homes, the message's latency
    (sent to arrival) and how long Bob waited in ``recv``."""
    home: str
    hops: int
    latency_cycles: int
    bob_wait_cycles: int


def alice_bob_with_bob_at(home) -> Program:
    """The shipped bonded pair (``attention_pair.siw``) with Bob's home moved to ``home``."""
    program = programs.load("attention_pair")
    sentrons = tuple(dataclasses.replace(s, home=Coord.parse(home)) if s.name == "bob" else s
                     for s in program.sentrons)
    return dataclasses.replace(program, sentrons=sentrons)


def latency_vs_distance(homes=BOB_HOMES, config="realistic") -> list[DistancePoint]:
    """Run Alice -> Bob once per home of Bob and measure the message and Bob's wait."""
    points = []
    for home in homes:
        program = alice_bob_with_bob_at(home)
        m = Machine(config)
        m.load(program)
        t = m.run()
        (msg,) = t.messages()
        alice, bob = t.info("alice"), t.info("bob")
        points.append(DistancePoint(str(home), hamming(alice.home, bob.home), msg.arrive_cycle - msg.sent_cycle,
                                    t.counters("bob").stalls["recv-wait"]))
    return points


def message_latencies(trace: Trace) -> dict[tuple[int, int], int]:
    """How many messages of a run travelled ``hops`` with latency ``latency_cycles``:
    ``{(hops, latency_cycles): count}``, sorted."""
    counts: Counter = Counter()
    for msg in trace.messages():
        counts[(hamming(trace.info(msg.src).home, trace.info(msg.dst).home), msg.arrive_cycle - msg.sent_cycle)] += 1
    return dict(sorted(counts.items()))


# -- the running example: notebook 01's dot product, across sentrons ---------------------------

def dot_product_split(parts: int, pairs=programs.ORIGINAL_PAIRS, combine: bool = True) -> Program:
    """The dot product of notebook 01 over ``parts`` sentrons s0, s1, ...: memory as in 01
    (a[i] at i+1.1.1, b[i] at i+1.2.1); each sentron computes the partial sum of its share of
    the pairs into r0 the naive way (gather, gather, mul, add per pair). Then every sentron
    but s0 packs its partial sum and sends it to s0, which receives and adds them one by one:
    s0's r0 holds the whole dot product. ``combine=False`` leaves the messages out (only the
    partial sums: the cost of the compute alone). ``parts=1`` is notebook 01's naive program
    (its pointers numbered differently, the same SIWs and cycles)."""
    n = len(pairs)
    if isinstance(parts, bool) or not isinstance(parts, int) or not 1 <= parts <= min(n, 8):
        raise ConfigError(f"parts = {parts!r}: split {n} pairs over 1..{min(n, 8)} sentrons",
                          hint="each sentron needs at least one pair (and at most 4: p0..p7 address them)")
    shares = [range(k * n // parts, (k + 1) * n // parts) for k in range(parts)]
    if max(len(share) for share in shares) > 4:
        raise ConfigError(f"{n} pairs over {parts} sentrons gives a sentron more than 4 pairs",
                          hint="p0..p7 address at most 4 pairs per sentron: use more parts")
    b = ProgramBuilder(f"dot_product_{parts}.siw")
    for i, (a_i, b_i) in enumerate(pairs):
        b.mem(f"{i + 1}.1.1", a_i).mem(f"{i + 1}.2.1", b_i)
    for k, share in enumerate(shares):
        b.sentron(f"s{k}", id=k, home=fleet_home(k))
        for j, i in enumerate(share):
            b.set(f"p{2 * j}", f"{i + 1}.1.1").set(f"p{2 * j + 1}", f"{i + 1}.2.1")
        for j, _ in enumerate(share):
            b.siw(op("gather", "r1", f"p{2 * j}")).siw(op("gather", "r2", f"p{2 * j + 1}"))
            b.siw(op("mul", "r3", "r1", "r2")).siw(op("add", "r0", "r0", "r3"))
        if not combine:
            continue
        if k:
            b.siw(op("pack", "m0", "r0")).siw(op("send", "m0", "s0"))
        else:
            for w in range(1, parts):
                b.siw(op("recv", "r4", f"s{w}")).siw(op("add", "r0", "r0", "r4"))
    return b.build()


@dataclass(frozen=True, slots=True)
class SplitDot:
    """One version of the dot product, measured: its result, its cycles, the cycles of its
    compute alone (for a split: the same program without the messages) and what the
    combining by messages added (``message_cycles``)."""
    label: str
    sentrons: int
    result: float
    cycles: int
    compute_cycles: int
    messages: int
    root_recv_wait_cycles: int

    @property
    def message_cycles(self) -> int:
        """Cycles the combining (pack, send, the wire, recv, add) adds to the compute."""
        return self.cycles - self.compute_cycles


def dot_product_versions(config="seed", parts=(2, 4), pairs=programs.ORIGINAL_PAIRS) -> list[SplitDot]:
    """Notebook 01's naive and packed single-sentron dot products, then :func:`dot_product_split`
    over each number of ``parts``, all measured under ``config``."""
    def run(program):
        m = Machine(config)
        m.load(program)
        return m.run()
    rows = []
    for label, version in (("1 sentron, naive (01)", "naive"), ("1 sentron, packed (01)", "optimized")):
        t = run(assemble(programs.dot_product(pairs, version), file=f"microvtpu_{version}.siw"))
        c = t.counters()
        rows.append(SplitDot(label, 1, t.sentrons[0].registers["r0"], c.cycles, c.cycles, 0, 0))
    for k in parts:
        t = run(dot_product_split(k, pairs))
        c = t.counters()
        rows.append(SplitDot(f"{k} sentrons, split", k, t.info("s0").registers["r0"], c.cycles,
                             run(dot_product_split(k, pairs, combine=False)).counters().cycles, c.messages_sent,
                             t.counters("s0").stalls["recv-wait"]))
    return rows


# -- what a memory file holds (notebook 06, persistence) -----------------------------------------

@dataclass(frozen=True, slots=True)
class MemoryFileView:
    """A saved memory file taken apart: its manifest line, its body with each delimiter
    character written as ``<name>``, and its scrolls as (phext coordinate, vTPU cell, text)."""
    size_bytes: int
    manifest: str
    body: str
    scrolls: tuple


def memory_file_view(path) -> MemoryFileView:
    """Read a ``.phext`` memory file (``Memory.save``) and show how phext lays it out."""
    import pathlib

    from phext.phext import Phext

    from ..coord import DIM_NAMES, from_phext_standard
    text = pathlib.Path(path).read_text(encoding="utf-8")
    if not text.startswith("vtpu-memory "):
        raise VtpuError(f"{path}: not a vTPU memory file (no manifest line)", hint="save one with Memory.save")
    breaks = {getattr(Phext, f"{name.upper()}_BREAK"): name for name in DIM_NAMES[:9]}
    manifest, _, body = text.partition("\n")
    scrolls = []
    for key, scroll in Phext().explode(text).items():
        value = scroll.split("\n")[-1]
        scrolls.append((str(key), from_phext_standard(str(key)).short(), value))
    return MemoryFileView(len(text.encode("utf-8")), manifest,
                          "".join(f"<{breaks[ch]}>" if ch in breaks else ch for ch in body), tuple(scrolls))
