"""Rotating-pointer prefetch (vtpu_lib.schedule.rotate): results unchanged, prefetches k ahead with
no extra S op, pointers only scattered through prefetched in place, edges of the coordinate space."""

from hypothesis import given
from test_loops import FEW, _same_results, loop_programs

from vtpu_lib.asm import assemble
from vtpu_lib.kernels import all_kernels, kernel
from vtpu_lib.kernels.bench import run_cold
from vtpu_lib.schedule import pack, pipeline, validate
from vtpu_lib.schedule.rotate import rotate_prefetch


def s_ops(program) -> int:
    return sum(1 for c in program.sentrons for siw in c.siws if siw.s is not None)


@FEW
@given(loop_programs())
def test_rotated_loops_compute_the_same(program):
    for config in ("seed", "realistic"):
        out, _ = rotate_prefetch(program, config)
        out.check()
        _same_results(program, out)
        _same_results(program, pipeline(out, config).check())


def test_every_kernel_rotates_to_the_same_bits_and_hp_add_prefetches_k_ahead_for_free():
    for k in all_kernels():
        out, rotations = rotate_prefetch(k.program, "realistic")
        assert validate(k.program, out).ok and k.check(run_cold(out, "realistic")) == []
    hp = kernel("hp_add")
    out, (rot,) = rotate_prefetch(hp.program, "realistic")
    assert rot.k == 6 and [str(r) for r in rot.registers[0]] == ["p0", "p1", "p2", "p3", "p4", "p5"]
    assert s_ops(out) == s_ops(hp.program) + rot.k - 1     # only the pointers' first placement
    cold = run_cold(pipeline(out, "realistic"), "realistic")
    mine = cold.counters("hp_add")
    assert mine.ppt.hit_rate == 1.0 and mine.stalls["ppt-miss"] < 0.05 * mine.cycles   # some hits are late, barely


def test_a_pointer_only_scattered_through_is_prefetched_in_place():
    k = kernel("stencil")
    out, (rot,) = rotate_prefetch(k.program, "realistic", stores_only=True)
    assert rot.k == 1 and [str(p[0]) for p in rot.pointers] == ["p1"]
    assert validate(k.program, out).ok
    t = run_cold(out, "realistic")
    assert all(e.info.outcome == "hit" for e in t.events("ppt", sentron="stencil") if e.info.op == "scatter")


def test_a_stream_at_the_edge_of_its_dimension_is_not_rotated_past_it():
    text = ".set p0 2040.1.1\n.repeat 6\n- | gather r1, p0 | -\nadd r2, r2, r1 | - | -\n- | index p0, p0, 0, 1 | -\n.end\n"
    prog = assemble(text)
    out, rotations = rotate_prefetch(prog, "realistic", distance=6)
    assert all(r.k < 6 for r in rotations)      # 2040 + 6 + 6 would leave 0..2047: k shrinks
    _same_results(prog, out)
    assert pack(out, "realistic") is not None
