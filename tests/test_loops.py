"""Loops: distances, ResMII / RecMII / register bounds, unrolling with renaming and accumulators,
iterative modulo scheduling with modulo variable expansion -- and proofs that every transformed
loop computes what its source computes (``validate``) and leaves the same bits when run."""

from __future__ import annotations

import math
from dataclasses import replace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vtpu_lib.asm import assemble
from vtpu_lib.build import ProgramBuilder, op
from vtpu_lib.errors import ScheduleError
from vtpu_lib.kernels.library import dot, hp_add, matvec, saxpy
from vtpu_lib.machine import run
from vtpu_lib.schedule import pack, validate
from vtpu_lib.schedule.compare import differences
from vtpu_lib.schedule.loops import loop_graph, loop_lower_bound, mii, rec_mii, register_lower_bound, res_mii
from vtpu_lib.schedule.modulo import modulo_schedule, pipeline
from vtpu_lib.schedule.regions import free_registers
from vtpu_lib.schedule.unroll import unroll, unroll_program

PRESETS = ("seed", "realistic")
FEW = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


# -- generated loops: dense ops and gather / scatter / index streams over overlapping vectors ----------

R = [f"r{i}" for i in range(6)]
P = ["p0", "p1", "p2"]
DENSE = ("add", "sub", "mul", "max", "min", "fma", "mov")


@st.composite
def dense_op(draw):
    name = draw(st.sampled_from(DENSE))
    rd = draw(st.sampled_from(R))
    if name == "mov":
        return op("mov", rd, draw(st.sampled_from(R + [2.0, -0.5])))
    srcs = [draw(st.sampled_from(R)) for _ in range(3 if name == "fma" else 2)]
    return op(name, rd, *srcs)


@st.composite
def loop_op(draw):
    kind = draw(st.sampled_from(("dense", "dense", "gather", "scatter", "index")))
    if kind == "dense":
        return draw(dense_op())
    p = draw(st.sampled_from(P))
    if kind == "gather":
        return op("gather", draw(st.sampled_from(R)), p)
    if kind == "scatter":
        return op("scatter", p, draw(st.sampled_from(R)))
    return op("index", p, draw(st.sampled_from(P)), 0, draw(st.sampled_from((1, 1, 2, -1))))


@st.composite
def loop_programs(draw):
    """One sentron: a few straight-line ops, a .repeat of 1..12 over a random body, a few more.
    Pointers start 3 scrolls apart in one vector, so streams overlap and memory distances vary."""
    b = ProgramBuilder("generated")
    for i in range(20):
        b.mem(f"{490 + 3 * i}.1.1", float(i % 7 - 3))
    b.sentron("g", id=0)
    for i, r in enumerate(R):
        b.set(r, float(i % 4 + 1))
    for i, p in enumerate(P):
        b.set(p, f"{500 + 3 * i}.1.1")
    for _ in range(draw(st.integers(0, 2))):
        b.siw(draw(dense_op()))
    body = draw(st.lists(loop_op(), min_size=2, max_size=7))
    if draw(st.integers(0, 3)) == 0:     # a message to itself: pack, send, recv keep their order
        at = draw(st.integers(0, len(body)))
        body[at:at] = [op("pack", "m1", *draw(st.lists(st.sampled_from(R), min_size=1, max_size=2))),
                       op("send", "m1", 0), op("recv", draw(st.sampled_from(R)), 0)]
    with b.repeat(draw(st.integers(1, 12))):
        i = 0
        while i < len(body):
            a = body[i]
            nxt = body[i + 1] if i + 1 < len(body) else None
            if nxt is not None and nxt.spec.pipe != a.spec.pipe and set(a.writes()).isdisjoint(nxt.writes()) \
                    and draw(st.booleans()):
                b.siw(a, nxt)        # sometimes two ops share a SIW (vliw: both read first)
                i += 2
            else:
                b.siw(a)
                i += 1
    b.siw(op("scatter", "p0", draw(st.sampled_from(R))))
    return b.build()


def _same_results(source, output, mode="vliw"):
    """validate() proves it symbolically; runs under both presets show the same bits."""
    v = validate(source, output, mode)
    assert v.ok, v.problems
    for config in PRESETS:
        a, b = run(source, config, mode=mode), run(output, config, mode=mode)
        assert differences(a, b, ignore=v.scratch) == []
    return v


def _cycles(program, config="seed", mode="vliw") -> int:
    return run(program, config, mode=mode).counters().cycles


def _loop_bound(program, config) -> int:
    code = program.sentrons[0]
    return loop_lower_bound(loop_graph(code, code.loops[0], config))


# -- loop graphs and bounds --------------------------------------------------------------------------

def test_dot_product_recurrence_is_the_fma_accumulator():
    code = dot(n=16).program.sentrons[0]
    g = loop_graph(code, code.loops[0], "realistic")
    fma = next(o.index for o in g.ops if o.instr.op == "fma")
    assert any(d.src == fma == d.dst and d.kind == "true" and d.distance == 1 and d.delay == 4 for d in g.deps)
    ii, rec = rec_mii(g)
    assert (ii, rec.ops, rec.delay, rec.distance, rec.bound) == (4, (fma,), 4, 1, 4)
    assert res_mii(g) == 4 and mii(g) == 4                 # 4 S ops: gather, gather, index, index
    assert rec_mii(loop_graph(code, code.loops[0], "seed"))[0] == 1


def test_memory_distances_are_exact():
    """x[k+2] = x[k] (+1): iteration k's scatter is read back by iteration k+2's gather."""
    text = """.sentron a
.set p0 1.1.1
.set p1 3.1.1
.repeat 8
- | gather r0, p0 | -
add r1, r0, r2 | - | -
- | scatter p1, r1 | -
- | index p0, p0, 0, 1 | -
- | index p1, p1, 0, 1 | -
.end
"""
    code = assemble(text).sentrons[0]
    for config, want in (("seed", 2), ("realistic", 2)):
        g = loop_graph(code, code.loops[0], config)
        mem = [d for d in g.deps if d.kind == "memory-true"]
        assert [(d.src, d.dst, d.distance) for d in mem] == [(2, 0, 2)]
        ii, rec = rec_mii(g)
        assert rec.distance == 2 and ii == want == math.ceil(rec.delay / 2)   # (1+1+1)/2, (2+1+1)/2


def test_hennessy_patterson_loop_in_vtpu_terms():
    """x[i] = x[i] + s: gather, add, scatter alone have mix bound 3/2 = 1.5 (2 S ops, 1 D op); the
    address step is a fourth, S, op on the vTPU, so the loop is S-bound at 3 cycles and 4/3 ops/cycle."""
    k = hp_add(n=64)
    code = k.program.sentrons[0]
    g = loop_graph(code, code.loops[0], "seed")
    three = [o for o in g.ops if o.instr.op != "index"]
    assert len(three) / max(sum(o.pipe == p for o in three) for p in "DSC") == 1.5
    assert len(g.ops) / res_mii(g) == pytest.approx(4 / 3)
    for config in PRESETS:
        ms = modulo_schedule(code, code.loops[0], config)
        assert ms.ii == res_mii(g) == 3 and ms.rec_mii == 1        # the pointer step is the recurrence
        out = pipeline(k.program, config)
        assert 3 * 64 <= _cycles(out, config) <= ms.predicted_cycles() <= 3 * 63 + ms.length + 1
        assert _cycles(k.program, config) >= 4 * 64                  # the naive loop needs 4 or more
    assert _cycles(pipeline(k.program, "seed")) == 3 * 64            # one element every 3 cycles
    ms = modulo_schedule(code, code.loops[0], "realistic")
    # the textbook's software-pipelined structure: the kernel stores iteration i while it loads i+1
    stages = {ms.stage(o.index) for o in g.ops}
    assert ms.stages == 2 and stages == {0, 1}
    assert ms.stage(next(o.index for o in g.ops if o.instr.op == "gather")) == 0
    assert ms.stage(next(o.index for o in g.ops if o.instr.op == "scatter")) == 1


@pytest.mark.parametrize("make", [dot, saxpy, hp_add])
def test_modulo_time_is_n_plus_stages_minus_one_times_ii_under_seed(make):
    """T(n) = (n + SC - 1)*II, measured: the pipelined loop alone, n iterations, under seed. (For
    odd n hp_add's pointer, in 2 registers, ends in the other one: one more S op moves it home,
    and every S slot is taken, so it costs a cycle.)"""
    for n in (1, 2, 5, 8, 13):
        k = make(n=n)
        code = k.program.sentrons[0]
        ms = modulo_schedule(code, code.loops[0], "seed")
        siws, lines, loops = ms.loop_siws()
        alone = replace(k.program, sentrons=(replace(code, siws=tuple(siws), lines=tuple(lines), loops=tuple(loops)),))
        measured = _cycles(alone.check())
        assert measured == ms.predicted_cycles() == ms.textbook_cycles() + (make is hp_add and n % 2 == 1)


def test_kernel_is_a_loop_region_the_disassembler_prints_as_repeat():
    k = saxpy(n=20)
    out = pipeline(k.program, "realistic").check()
    ms = modulo_schedule(k.program.sentrons[0], k.program.sentrons[0].loops[0], "realistic")
    loop = out.sentrons[0].loops[0]
    assert loop.body == ms.unroll * ms.ii and loop.count == (20 - ms.stages + 1) // ms.unroll
    text = str(out)
    assert ".repeat" in text and assemble(text) == out
    table = ms.reservation_table()
    assert len(table) == ms.ii and sorted(i for row in table for i, _, _ in row.values()) == list(range(6))


def test_register_lower_bound_is_at_most_the_registers_used():
    for make in (dot, saxpy, hp_add):
        code = make(n=32).program.sentrons[0]
        for config in PRESETS:
            ms = modulo_schedule(code, code.loops[0], config)
            used = {}
            for regs in ms.allocation.regs.values():
                used[regs[0].file] = used.get(regs[0].file, 0) + len(regs)
            for file, low in register_lower_bound(ms).items():
                assert 1 <= low <= used[file]


# -- unrolling ---------------------------------------------------------------------------------------

def test_unrolling_past_the_registers_names_the_live_values():
    b = ProgramBuilder("wide")
    b.sentron("w", id=0).set("p0", "1.1.1")
    with b.repeat(8):
        for i in range(1, 7):
            b.siw(op("gather", f"r{i}", "p0"))
        b.siw(op("index", "p0", "p0", 0, 1))
        b.siw(op("add", "r7", "r1", "r2"))
    code = b.build().sentrons[0]
    assert unroll(code, code.loops[0], 2).loops[0].body == 16       # 7 values + 7 copies fit in 16
    with pytest.raises(ScheduleError) as err:
        unroll(code, code.loops[0], 3)
    text = str(err.value)
    assert "needs 14 free r registers" in text and "only 9 are free" in text
    for i in range(1, 7):
        assert f"r{i} (`gather r{i}, p0`)" in text
    assert "r7 (`add r7, r1, r2`)" in text and "hint:" in text


def test_multiple_accumulators_reassociate_but_kernels_keep_their_bits():
    k = dot(n=64)
    for a in (2, 4):
        out = unroll_program(k.program, 4, accumulators=a).check()
        v = validate(k.program, out)
        assert not v.ok and any("r0" in p for p in v.problems)      # a different sum, symbolically
        scratch = [str(r) for f in "rpm" for r in free_registers(k.program.sentrons[0], f)]
        for config in PRESETS:
            t = run(out, config)
            assert k.check(t) == [] and differences(run(k.program, config), t, ignore=scratch) == []
    # on data that is not exactly representable the bits do change
    b = ProgramBuilder("inexact")
    for i, v in enumerate((1e16, 1.0, -1e16, 1.0)):
        b.mem(f"{i + 1}.1.1", v)
    b.sentron("s", id=0).set("p0", "1.1.1").set("r0", 0.0)
    with b.repeat(4):
        b.siw(op("gather", "r1", "p0"))
        b.siw(op("index", "p0", "p0", 0, 1))
        b.siw(op("add", "r0", "r0", "r1"))
    src = b.build()
    two = unroll_program(src, 2, accumulators=2)
    assert run(src).sentrons[0].registers["r0"] == 1.0 and run(two).sentrons[0].registers["r0"] == 2.0


@FEW
@given(loop_programs(), st.integers(1, 4))
def test_unrolled_loops_compute_the_same(program, k):
    try:
        out = unroll_program(program, k).check()
    except ScheduleError as e:               # 6 r registers in use: 10 free, k - 1 copies of each value
        assert "free r registers" in str(e) and k >= 3
        return
    _same_results(program, out)
    assert _cycles(out) == _cycles(program)                  # same SIWs, renamed: same time
    assert _cycles(pack(out, "seed")) <= _cycles(program)


# -- modulo scheduling -------------------------------------------------------------------------------

@FEW
@given(loop_programs())
def test_pipelined_loops_compute_the_same_and_are_never_slower(program):
    for config in PRESETS:
        out = pipeline(program, config).check()
        _same_results(program, out)
        if config == "seed":
            assert _cycles(out) <= _cycles(program)


@FEW
@given(loop_programs())
def test_no_run_beats_the_loop_bound(program):
    """max(n*ResMII, floor((n-1)/d)*D + 1) for the recurrence (D, d) setting RecMII: no version of
    the loop -- naive, packed, unrolled, pipelined -- finishes sooner."""
    for config in PRESETS:
        bound = _loop_bound(program, config)
        versions = (program, pack(program, config), pipeline(program, config), unroll_program(program, 2))
        assert all(_cycles(p, config) >= bound for p in versions)


@FEW
@given(loop_programs())
def test_modulo_schedule_respects_its_bounds_and_prediction(program):
    code = program.sentrons[0]
    ms = modulo_schedule(code, code.loops[0], "seed")
    assert ms.ii >= ms.mii >= max(ms.res_mii, ms.rec_mii)
    out = replace(program, sentrons=(ms.code(),)).check()
    _same_results(program, out)
    siws, lines, loops = ms.loop_siws()
    alone = replace(program, sentrons=(replace(code, siws=tuple(siws), lines=tuple(lines), loops=tuple(loops)),))
    assert _cycles(alone) <= ms.predicted_cycles()


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(loop_programs())
def test_sequential_mode_loops_pipeline_and_unroll_correctly(program):
    for out in (pipeline(program, "realistic", mode="sequential"),
                unroll_program(program, 2, mode="sequential")):
        _same_results(program, out.check(), mode="sequential")


def test_when_registers_run_out_the_schedule_keeps_anti_dependences():
    """hp_add under realistic wants 3 registers for its pointer; with every p register taken the
    scheduler keeps the register anti and output dependences instead of renaming."""
    from vtpu_lib.coord import Coord
    from vtpu_lib.isa import Reg
    k = hp_add(n=24)
    code = k.program.sentrons[0]
    full = replace(code, init=code.init + tuple((Reg("p", i), Coord.parse(f"{900 + i}.1.1")) for i in range(1, 8)))
    program = replace(k.program, sentrons=(full,))
    roomy = modulo_schedule(code, code.loops[0], "realistic")
    tight = modulo_schedule(full, full.loops[0], "realistic")
    assert roomy.renamed and roomy.unroll == 3 and not tight.renamed and tight.unroll == 1
    assert tight.ii >= rec_mii(tight.graph, renamed=False)[0] >= roomy.ii
    out = replace(program, sentrons=(tight.code(),)).check()
    _same_results(program, out)
    assert k.check(run(out, "realistic")) == []


@pytest.mark.parametrize("name", ["dot", "saxpy", "hp_add", "matvec", "stencil", "tree_reduce", "halo_stencil",
                                  "pipeline"])
def test_every_kernel_pipelines_to_the_same_bits_and_never_beats_its_loop_bound(name):
    from vtpu_lib.kernels import KERNELS
    k = KERNELS[name]()
    for config in PRESETS:
        out = pipeline(k.program, config).check()
        _same_results(k.program, out)
        t = run(out, config)
        assert k.check(t) == []
        from vtpu_lib.schedule.sharing import sharing
        with sharing(k.program):    # the bound knows which cells are private, as the scheduler did
            for code in k.program.sentrons:
                for loop in code.innermost_loops():
                    mine = next(s for s in t.sentrons if s.name == code.name)
                    assert mine.retire_cycle - mine.start_cycle >= loop_lower_bound(loop_graph(code, loop, config))


def test_unrolled_remainders_and_outer_loops_pipeline_correctly():
    for program in (unroll_program(dot(n=23).program, 3), unroll_program(hp_add(n=10).program, 4)):
        assert [l.count for l in program.sentrons[0].loops] in ([7, 2], [2, 2])
        for config in PRESETS:
            _same_results(program, pipeline(program, config).check())
    outer = unroll_program(matvec().program, 2).check()      # the row loop stays a region around them
    assert [(l.body, l.count) for l in outer.sentrons[0].loops][:2] == [(44, 8), (10, 4)]
    _same_results(matvec().program, outer)
    _same_results(outer, pipeline(outer, "realistic").check())
