"""The scalar autograd compiled to SIWs (vtpu_lib.nn): the machine equals Value bit for bit.

The oracle is the Python side of the same graph -- ``Value.backward()`` and ``sgd_step`` with
the op table's own float functions -- so every comparison is by float bits, never a tolerance:
the compiler (layout, register allocation with spills, address registers, the packer) must not
change one bit of forward, backward or update, under ``seed`` and ``realistic``, naive and packed.
"""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vtpu_lib.errors import VtpuError
from vtpu_lib.isa import float_bits
from vtpu_lib.nn import Compiled, GraphError, Value, compile_graph
from vtpu_lib.nn.value import sgd_step, topo_order
from vtpu_lib.schedule import validate

CONFIGS = ("seed", "realistic")
LR = 0.1


def bits(d: dict) -> dict:
    return {k: float_bits(v) for k, v in d.items()}


def neuron(x1=2.0, x2=-1.0, t=1.5, w1=0.5, w2=-0.25, b=0.1):
    """relu(w1*x1 + w2*x2 + b) and the loss (y - t)^2, as Values."""
    xs = Value(x1, "x1"), Value(x2, "x2"), Value(t, "t")
    ps = Value.param(w1, "w1"), Value.param(w2, "w2"), Value.param(b, "b")
    y = (ps[0] * xs[0] + ps[1] * xs[1] + ps[2]).relu()
    d = y - xs[2]
    loss = d * d
    loss.label = "loss"
    return loss, ps


def python_step(loss, params, lr=LR) -> dict:
    """What the machine must produce: loss, gradients, updated parameters (Python floats)."""
    loss.backward()
    out = {"loss": loss.data, **{f"{p.label}.grad": p.grad for p in params}}
    sgd_step(params, lr)
    return out | {p.label: p.data for p in params}


@pytest.fixture(scope="module")
def compiled_neuron() -> Compiled:
    loss, _ = neuron()
    return compile_graph(loss, updates=True, lr=LR)


# -- (a) the neuron ---------------------------------------------------------------------------------

@pytest.mark.parametrize("config", CONFIGS)
@pytest.mark.parametrize("packed", [False, True], ids=["naive", "packed"])
def test_neuron_loss_gradients_and_update_equal_value_bit_for_bit(compiled_neuron, config, packed):
    loss, params = neuron()
    want = python_step(loss, params)
    got = compiled_neuron.run(config=config, packed=packed)
    assert bits(got) == bits(want)
    assert set(got) == {"loss", "w1.grad", "w2.grad", "b.grad", "w1", "w2", "b"}


@pytest.mark.parametrize("x1", [2.0, -3.0])   # -3.0: the relu is off, every weight gradient is zero
def test_new_inputs_and_weights_run_without_recompiling(compiled_neuron, x1):
    values = dict(x1=x1, x2=0.75, t=-0.5, w1=1.25, w2=0.5, b=-0.125)
    loss, params = neuron(**values)
    want = python_step(loss, params)
    assert bits(compiled_neuron.run(values, "realistic", packed=True)) == bits(want)


def test_neuron_program_is_naive_one_op_per_siw_and_never_moves_p0(compiled_neuron):
    siws = compiled_neuron.program.siws
    assert all(len(s.ops()) == 1 for s in siws)
    assert not any(str(r) == "p0" for s in siws for o in s.ops() for r in o.writes())
    assert compiled_neuron.stats["siws"] == len(siws)
    assert compiled_neuron.stats["index"] > 0       # 10 cells > 7 address registers: some made by index


def test_layout_steps_dimension_0_from_base_and_home_is_base(compiled_neuron):
    c = compiled_neuron
    assert list(c.layout) == ["x1", "x2", "t", "w1", "w2", "b", "loss", "w1.grad", "w2.grad", "b.grad"]
    base = c.program.sentrons[0].home
    assert [cell for cell in c.layout.values()] == [base.moved(0, i) for i in range(len(c.layout))]


def test_reprs_read_as_data(compiled_neuron):
    w = Value.param(3.0, "w1")
    w.grad = -0.5
    assert repr(w) == "Value(3.0, 'w1', grad=-0.5, is_param=True)"
    assert repr(Value(3.0, "x")) == "Value(3.0, 'x')"
    assert repr(Value(1.0) + 2.0) == "Value(3.0, op='add')"
    assert repr(compiled_neuron).startswith("Compiled(name='main', inputs=('x1', 'x2', 't'), "
                                            "params=('w1', 'w2', 'b'), outputs=('loss',), grads=3, updates=3")


# -- (b) random graphs ------------------------------------------------------------------------------

OPS = ("add", "sub", "mul", "div", "exp", "max", "neg")
small = st.floats(-3.0, 3.0, allow_nan=False).map(lambda x: round(x, 3))


@st.composite
def graphs(draw):
    xs = [Value(draw(small), f"x{i}", is_param=draw(st.booleans())) for i in range(draw(st.integers(1, 4)))]
    pool = list(xs)
    for _ in range(draw(st.integers(1, 12))):
        name = draw(st.sampled_from(OPS))
        a, b = (pool[draw(st.integers(0, len(pool) - 1))] for _ in range(2))
        if name == "exp" and not abs(a.data) < 4.0:   # keep exp's inputs small
            name = "neg"
        pool.append(Value.apply(name, a) if name in ("exp", "neg") else Value.apply(name, a, b))
    return pool[-1], xs


@settings(max_examples=40, deadline=None)
@given(graphs())
def test_random_graphs_forward_and_gradients_equal_value_bit_for_bit(graph):
    out, xs = graph
    out.label = "out"
    reached = [x for x in xs if x in set(topo_order([out]))]
    c = compile_graph(out, wrt=reached)
    out.backward()
    want = bits({"out": out.data, **{f"{x.label}.grad": x.grad for x in reached}})
    for config, packed in (("seed", False), ("realistic", True)):
        got = c.run(config=config, packed=packed)
        assert bits({k: got[k] for k in want}) == want, (config, packed, c.program)


def test_tanh_is_built_from_table_ops_and_compiles_exactly():
    for x in (-800.0, -2.0, -1e-3, 0.0, 0.5, 3.0, 800.0):
        assert abs(Value(x).tanh().data - math.tanh(x)) < 4e-16
    x = Value.param(0.3, "x")
    y = x.tanh()
    assert {n.op for n in topo_order([y]) if n.op} == {"add", "exp", "div", "sub"}
    c = compile_graph(y, updates=True, lr=LR)
    want = python_step(y, [x])
    got = c.run(config="realistic", packed=True)
    assert bits({"x.grad": got["x.grad"], "x": got["x"]}) == bits({"x.grad": want["x.grad"], "x": want["x"]})


# -- (c) spills ----------------------------------------------------------------------------------------

def mirrored(n=20):
    """sum_i a_i * a_(n-1-i), a_i = exp(w_i * x_i): a_0 .. a_(n-1) are all live at once."""
    xs = [Value(0.05 * (i + 1), f"x{i}") for i in range(n)]
    ws = [Value.param(1.0 - 0.03 * i, f"w{i}") for i in range(n)]
    a = [(w * x).exp() for w, x in zip(ws, xs)]
    out = a[0] * a[-1]
    for i in range(1, n):
        out = out + a[i] * a[n - 1 - i]
    out.label = "loss"
    return out, ws


def test_more_than_16_live_values_spill_and_still_match_bit_for_bit():
    loss, ws = mirrored()
    c = compile_graph(loss, updates=True, lr=LR)
    assert c.stats["spills"] > 0 and c.stats["reloads"] > 0 and c.scratch
    want = python_step(loss, ws)
    for config in CONFIGS:
        for packed in (False, True):
            assert bits(c.run(config=config, packed=packed)) == bits(want), (config, packed)


def test_a_graph_that_fits_in_16_registers_does_not_spill(compiled_neuron):
    assert compiled_neuron.stats["spills"] == 0 and not compiled_neuron.scratch


# -- (d) packing ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("config", CONFIGS)
@pytest.mark.parametrize("graph", ["neuron", "mirrored"])
def test_packed_program_validates_and_is_never_slower(config, graph):
    loss, _ = neuron() if graph == "neuron" else mirrored(18)
    c = compile_graph(loss, updates=True, lr=LR)
    packed = c.packed(config)
    assert validate(c.program, packed).ok
    naive_cycles = c.trace(config=config).counters().cycles
    packed_cycles = c.trace(config=config, packed=True).counters().cycles
    assert packed_cycles <= naive_cycles
    assert len(packed.siws) <= len(c.program.siws)
    assert c.packed(config) is packed        # packed once per config


# -- (e) errors ----------------------------------------------------------------------------------------

def test_a_non_value_output_is_a_vtpu_error():
    with pytest.raises(VtpuError, match="expected a Value"):
        compile_graph([Value(1.0, "x"), 3.0])
    with pytest.raises(GraphError, match="at least one output"):
        compile_graph([])


def test_a_cycle_in_the_graph_is_a_vtpu_error():
    a = Value(1.0, "a")
    b = a * 2.0
    c = b + 1.0
    a.parents, a.op = (c,), "neg"    # only by editing a node's parents can a cycle appear
    with pytest.raises(GraphError, match="cycle"):
        compile_graph(c)
    with pytest.raises(GraphError, match="cycle"):
        c.backward()


def test_compile_errors_name_the_problem():
    x, y = Value(1.0, "x"), Value(2.0, "x")
    with pytest.raises(GraphError, match="two different leaves are labelled 'x'"):
        compile_graph(x * y)
    w = Value.param(1.0, "w")
    with pytest.raises(GraphError, match="learning rate"):
        compile_graph(w * w, updates=True)
    with pytest.raises(GraphError, match="not a parameter"):
        compile_graph(w * x, updates=[x], lr=LR)
    with pytest.raises(GraphError, match="not a labelled leaf"):
        compile_graph(w * x, wrt=[Value(3.0, "z")])
    out = w * x
    out.label = "x"
    with pytest.raises(GraphError, match="share the cell 'x'"):
        compile_graph(out)


def test_value_errors_name_the_problem():
    with pytest.raises(GraphError, match="must be a number"):
        Value("3")
    with pytest.raises(GraphError, match="needs a label"):
        Value.param(1.0, "")
    with pytest.raises(GraphError, match="whole powers"):
        Value(2.0) ** 0.5
    with pytest.raises(GraphError, match="cannot use"):
        Value(2.0) + "1"
    with pytest.raises(GraphError, match="takes 2 operand"):
        Value.apply("add", Value(1.0))
    with pytest.raises(GraphError, match="not a dense op"):
        Value.apply("gather", Value(1.0))


def test_run_rejects_unknown_labels_and_non_numbers(compiled_neuron):
    with pytest.raises(GraphError, match="'loss' is not an input or parameter"):
        compiled_neuron.run({"loss": 1.0})
    with pytest.raises(GraphError, match="must be a number"):
        compiled_neuron.run({"x1": "2"})
