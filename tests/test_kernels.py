"""Benchmark kernels: the machine agrees with the independently computed results, the naive forms
are naive, the balanced kernels are balanced, and a broken kernel fails its check."""

import dataclasses

import numpy as np
import pytest

from vtpu_lib.errors import ConfigError, VtpuError
from vtpu_lib.kernels import BALANCED_MIX, KERNELS, Kernel, all_kernels, kernel
from vtpu_lib.machine import Machine, run
from vtpu_lib.program import Program, SentronCode

NAMES = list(KERNELS)
BALANCED = {"halo_stencil", "pipeline"}

# Per-sentron op counts by pipe (vtpu_lib.bounds.bounds) at the default sizes, and the mix bound.
COUNTS = {
    "dot": {"dot": (64, 257, 0)},
    "saxpy": {"saxpy": (64, 320, 0)},
    "hp_add": {"hp_add": (64, 192, 0)},
    "matvec": {"matvec": (72, 280, 0)},
    "stencil": {"stencil": (320, 260, 0)},
    "tree_reduce": {"s0": (11, 17, 3), "s1": (8, 16, 2), "s2": (9, 16, 3), "s3": (8, 16, 2),
                    "s4": (10, 16, 4), "s5": (8, 16, 2), "s6": (9, 16, 3), "s7": (8, 16, 2)},
    "attention_pair": {"alice": (2, 4, 2), "bob": (1, 1, 1)},
    "halo_stencil": {f"s{k}": (64, 81, 80) for k in range(4)},
    "pipeline": {"producer": (128, 128, 128), "consumer": (128, 192, 192)},
}

# Distinct (body, count) of each sentron's loop regions, as written with ProgramBuilder.repeat.
LOOPS = {
    "dot": {"dot": {(5, 64)}},
    "saxpy": {"saxpy": {(6, 64)}},
    "hp_add": {"hp_add": {(4, 64)}},
    "matvec": {"matvec": {(44, 8), (5, 8)}},   # rows around the inner dot product
    "stencil": {"stencil": {(9, 64)}},
    "tree_reduce": {f"s{k}": {(3, 8)} for k in range(8)},
    "attention_pair": {"alice": set(), "bob": set()},
    "halo_stencil": {f"s{k}": {(14, 16)} for k in range(4)},
    "pipeline": {"producer": {(6, 64)}, "consumer": {(8, 64)}},
}


@pytest.fixture(scope="module")
def kernels() -> dict:
    return {k.name: k for k in all_kernels()}


def _without(program: Program, sentron: str, pc: int) -> Program:
    """The program with one SIW of one sentron dropped (its loop regions no longer hold)."""
    def drop(code: SentronCode) -> SentronCode:
        if code.name != sentron:
            return code
        siws = code.siws[:pc] + code.siws[pc + 1:]
        lines = tuple(code.lines)[:pc] + tuple(code.lines)[pc + 1:]
        extra = {"loops": ()} if hasattr(code, "loops") else {}
        return dataclasses.replace(code, siws=siws, lines=lines, **extra)
    return dataclasses.replace(program, sentrons=tuple(drop(c) for c in program.sentrons))


def test_registry_names_every_kernel_and_builds_it_by_name(kernels):
    assert NAMES == ["dot", "saxpy", "hp_add", "matvec", "stencil", "tree_reduce", "attention_pair",
                     "halo_stencil", "pipeline"]
    assert list(kernels) == NAMES
    assert all(isinstance(k, Kernel) and k.title and k.description.count(". ") >= 1 for k in kernels.values())
    assert kernel("dot").program == kernels["dot"].program   # seeded: the same inputs every time
    assert kernel("dot", seed=99).program != kernels["dot"].program


@pytest.mark.parametrize("preset", ["seed", "realistic"])
@pytest.mark.parametrize("name", NAMES)
def test_machine_leaves_exactly_the_expected_results(kernels, name, preset):
    k = kernels[name]
    trace = run(k.program, preset, mode="vliw")
    assert k.check(trace) == []
    assert set(k.outputs) == set(k.expected) and len(k.outputs) >= 1
    counters = trace.counters()
    assert counters.ops == counters.useful_ops == sum(c.op_count() for c in k.program.sentrons)


def test_sequential_mode_gives_the_same_results(kernels):
    for k in kernels.values():   # one op per SIW: slot order cannot matter
        assert k.check(run(k.program, "seed", mode="sequential")) == [], k.name


def test_check_takes_a_machine_its_memory_or_a_dict(kernels):
    k = kernels["saxpy"]
    m = Machine("realistic")
    m.load(k.program)
    m.run()
    assert k.check(m) == [] and k.check(m.memory) == [] and k.check(m.memory.cells()) == []
    with pytest.raises(VtpuError, match="check\\(\\) takes a Trace"):
        k.check(42)


def test_check_reports_one_line_per_wrong_cell(kernels):
    k = kernels["hp_add"]
    cells = dict(k.expected)
    first, second = k.outputs[:2]
    cells[first] = cells[first] + 1.0
    del cells[second]
    wrong = k.check(cells)
    assert len(wrong) == 2
    assert wrong[0].startswith(f"hp_add: {first.short()} holds ") and "expected" in wrong[0]
    assert wrong[1].endswith("(never written)")
    assert k.check({**k.expected, first: -0.0 if k.expected[first] == 0.0 else k.expected[first]}) == []


def test_check_compares_bits_not_values():
    k = kernel("attention_pair")
    cells = dict(k.expected)
    assert k.check(cells) == []
    bad = dataclasses.replace(k, expected={c: -0.0 for c in k.outputs})
    assert len(bad.check({c: 0.0 for c in k.outputs})) == 2   # +0.0 == -0.0, but not the same bits


def test_attention_pair_expects_the_model_docs_42_and_84(kernels):
    k = kernels["attention_pair"]
    assert [k.expected[c] for c in k.outputs] == [42.0, 84.0]
    assert [c.short() for c in k.outputs] == ["4.1.1", "5.1.1"]


def test_expected_values_match_numpy_on_the_programs_own_preload(kernels):
    dot = kernels["dot"]
    mem = dict(dot.program.preload)
    x = np.array([v for c, v in mem.items() if c[1] == 1])
    y = np.array([v for c, v in mem.items() if c[1] == 2])
    assert len(x) == len(y) == 64 and dot.expected[dot.outputs[0]] == float(x @ y)
    mv = kernels["matvec"]
    mem = dict(mv.program.preload)
    a = np.array([v for c, v in mem.items() if c[1] == 1]).reshape(8, 8)
    xv = np.array([v for c, v in mem.items() if c[1] == 2])
    assert [mv.expected[c] for c in mv.outputs] == list(a @ xv)


def test_naive_form_has_at_most_one_op_per_siw(kernels):
    for k in kernels.values():
        for code in k.program.sentrons:
            assert all(len(siw.ops()) <= 1 for siw in code.siws), (k.name, code.name)


def test_loops_stay_loop_regions(kernels):
    if not hasattr(SentronCode, "loops"):
        pytest.skip("SentronCode.loops (loop regions of .repeat blocks) is not in this checkout yet")
    for name, want in LOOPS.items():
        got = {code.name: {(l.body, l.count) for l in code.loops} for code in kernels[name].program.sentrons}
        assert got == want, name


def test_messages_name_their_senders(kernels):
    for k in kernels.values():
        for code in k.program.sentrons:
            srcs = [siw.c.args[1] for siw in code.siws if siw.c is not None and siw.c.op == "recv"]
            assert "any" not in srcs, (k.name, code.name)


@pytest.mark.parametrize("name", NAMES)
def test_per_sentron_op_counts_by_pipe_and_mix_bound(kernels, name):
    k = kernels[name]
    got = {s: (b.ops_by_pipe["D"], b.ops_by_pipe["S"], b.ops_by_pipe["C"]) for s, b in k.bounds().items()}
    assert got == COUNTS[name]
    for s, (d, sp, c) in COUNTS[name].items():
        assert k.mix()[s] == pytest.approx((d + sp + c) / max(d, sp, c))


def test_balanced_kernels_reach_mix_2_5_on_every_sentron_and_the_others_do_not(kernels):
    for k in kernels.values():
        assert k.balanced == (k.name in BALANCED), k.name
        if k.balanced:
            assert min(k.mix().values()) >= BALANCED_MIX, k.name
    assert kernels["hp_add"].mix() == {"hp_add": pytest.approx(4 / 3)}   # gather, add, scatter, index


def test_streaming_kernels_gather_each_cell_once_and_the_others_revisit(kernels):
    for k in kernels.values():
        trace = run(k.program, "seed")
        for code in k.program.sentrons:
            cells = [e.info.coord for e in trace.events("ppt", sentron=code.name) if e.info.op == "gather"]
            if k.streaming:
                assert cells and len(cells) == len(set(cells)), (k.name, code.name)
        if k.name == "matvec":   # x is read once per row
            assert len(cells) > len(set(cells))


@pytest.mark.parametrize("name", NAMES)
def test_dropping_the_last_scatter_fails_the_check(kernels, name):
    k = kernels[name]
    where = [(code.name, pc) for code in k.program.sentrons for pc, siw in enumerate(code.siws)
             if siw.s is not None and siw.s.op == "scatter"]
    sentron, pc = where[-1]
    assert k.check(run(_without(k.program, sentron, pc), "seed")) != []


def _one_iteration(code: SentronCode) -> list[int]:
    """pcs of the prologue, the second iteration of the first loop and the code after the last
    loop. (The first iteration's accumulator reset may find the register at 0 already, and the
    last iteration's address steps are the only results a loop leaves unused.)"""
    loops = getattr(code, "loops", ())
    if not loops:
        return list(range(len(code.siws)))
    first, last = min(l.start for l in loops), max(l.end for l in loops)
    body = max(l.body for l in loops if l.start == first)
    return list(range(first)) + list(range(first + body, first + 2 * body)) + list(range(last, len(code.siws)))


def _breaks(k: Kernel, sentron: str, pc: int) -> bool:
    try:
        return bool(k.check(run(_without(k.program, sentron, pc), "seed")))
    except VtpuError:   # e.g. a send dropped: its partner's recv can never complete
        return True


@pytest.mark.parametrize("name", NAMES)
def test_every_op_counts_dropping_any_one_breaks_the_result(kernels, name):
    """No filler: each op's result reaches an output. A dropped op leaves its register's previous
    value, which can equal the right one by chance (two equal inputs), so other seeds get a say."""
    if not hasattr(SentronCode, "loops"):
        pytest.skip("SentronCode.loops is not in this checkout yet")
    k = kernels[name]
    others = [kernel(name, seed=s) for s in (101, 202)] if name != "attention_pair" else []
    for code in k.program.sentrons:
        for pc in _one_iteration(code):
            assert any(_breaks(v, code.name, pc) for v in (k, *others)), \
                f"{name}: {code.name} SIW {pc} ({code.siws[pc]}) did nothing the results need"


def test_unknown_kernel_or_parameter_is_a_vtpu_error_naming_the_choices():
    with pytest.raises(VtpuError, match="no kernel 'dott'.*did you mean 'dot'") as e:
        kernel("dott")
    assert all(name in str(e.value) for name in NAMES)
    with pytest.raises(ConfigError, match="no parameter m(.|\\n)*n=64"):
        kernel("dot", m=3)
    with pytest.raises(ConfigError, match="n = 0 must be a whole number"):
        kernel("saxpy", n=0)
    with pytest.raises(ConfigError, match="sentrons = 1"):
        kernel("halo_stencil", sentrons=1)


@pytest.mark.parametrize("name, sizes", [("dot", {"n": 7}), ("matvec", {"rows": 3, "cols": 5}),
                                         ("stencil", {"n": 9, "dim": 2}), ("tree_reduce", {"sentrons": 5, "chunk": 3}),
                                         ("halo_stencil", {"sentrons": 3, "width": 5}), ("pipeline", {"n": 5})])
def test_other_sizes_also_check(name, sizes):
    k = kernel(name, **sizes)
    for preset in ("seed", "realistic"):
        assert k.check(run(k.program, preset)) == []


def test_repr_reads_as_data(kernels):
    assert repr(kernels["pipeline"]) == ("Kernel('pipeline', 'producer/consumer pipeline, 64 elements': 2 sentron(s), "
                                         "896 ops, 64 output(s), streaming, balanced)")
