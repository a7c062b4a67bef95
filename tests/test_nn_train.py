"""Training the MLP on the vTPU (vtpu_lib.nn.train) against the numpy oracle (vtpu_lib.nn.oracle).

The oracle has hand-derived gradients and shares no code with the Value autograd; the graph is
built in the oracle's documented operation order, so for batches of 2^k elements every loss and
every final weight must carry the oracle's exact float bits -- compared as bits, not to a tolerance.
"""

from __future__ import annotations

import numpy as np
import pytest

from vtpu_lib.errors import VtpuError
from vtpu_lib.nn.data import QUANTUM, two_moons, xor
from vtpu_lib.nn.oracle import MLP
from vtpu_lib.nn.train import MLPGraph, TrainError, TrainResult, mlp_graph, train_on_vtpu


def bits(a) -> np.ndarray:
    return np.asarray(a, dtype=np.float64).view(np.int64)


def assert_matches_oracle_bits(r: TrainResult, X, y, seed: int = 0) -> None:
    net = MLP(r.sizes, seed)
    losses = net.train(X, y, r.steps, r.lr)
    assert bits(r.losses).tolist() == bits(losses).tolist()
    assert list(r.params) == list(net.params)
    for name, want in net.params.items():
        assert r.params[name].shape == want.shape
        assert bits(r.params[name]).tolist() == bits(want).tolist(), name
    assert r.bit_identical and r.max_abs_diff_vs_oracle == 0.0


@pytest.mark.parametrize("sizes, n", [((2, 4, 1), 8), ((2, 8, 1), 4)])
def test_every_loss_and_final_weight_equal_the_oracle_bit_for_bit(sizes, n):
    X, y = xor(n)
    r = train_on_vtpu(sizes, X, y, steps=5, lr=0.1)
    assert_matches_oracle_bits(r, X, y)
    assert len(r.losses) == len(r.cycles) == len(r.useful_ops_per_cycle) == 5
    assert all(b < a for a, b in zip(r.losses, r.losses[1:])), r.losses   # the loss falls every step


def test_bit_identical_on_two_moons_and_another_seed():
    X, y = two_moons(16, seed=3)
    r = train_on_vtpu((2, 4, 1), X, y, steps=3, lr=0.05, seed=7)
    assert_matches_oracle_bits(r, X, y, seed=7)


def test_realistic_config_gives_the_same_bits_in_more_cycles():
    X, y = xor(4)
    seed_run = train_on_vtpu((2, 4, 1), X, y, steps=3, lr=0.1)
    real_run = train_on_vtpu((2, 4, 1), X, y, steps=3, lr=0.1, config="realistic")
    assert_matches_oracle_bits(real_run, X, y)
    assert real_run.config == "realistic" and real_run.cycles[0] > seed_run.cycles[0]


def test_a_batch_not_a_power_of_two_agrees_within_1e_9():
    # dpred = (1/12)*d + (1/12)*d on the machine vs (2*d)/12 in the oracle: a few ulps apart
    X, y = xor(12)
    r = train_on_vtpu((2, 4, 1), X, y, steps=3, lr=0.1)
    assert r.max_abs_diff_vs_oracle <= 1e-9
    assert np.allclose(r.losses, r.oracle_losses, rtol=0, atol=1e-9)


def test_sixty_steps_bring_the_loss_below_five_percent_of_its_start():
    X, y = xor(4)
    r = train_on_vtpu((2, 4, 1), X, y, steps=60, lr=0.2)
    assert r.losses[-1] <= 0.05 * r.losses[0], r.loss_fraction
    assert r.loss_fraction <= 0.05 and r.bit_identical
    assert len(set(r.cycles)) == 1          # one program, no branches: every step takes as long


def test_packed_and_naive_give_identical_losses_and_packing_saves_cycles():
    X, y = xor(4)
    naive = train_on_vtpu((2, 4, 1), X, y, steps=4, lr=0.1, packed=False)
    packed = train_on_vtpu((2, 4, 1), X, y, steps=4, lr=0.1, packed=True)
    assert bits(naive.losses).tolist() == bits(packed.losses).tolist()
    for name in naive.params:
        assert bits(naive.params[name]).tolist() == bits(packed.params[name]).tolist()
    assert packed.cycles[0] < naive.cycles[0]
    assert packed.useful_ops_per_cycle[0] > naive.useful_ops_per_cycle[0]
    assert naive.useful_ops_per_cycle[0] <= 1.0 + 1e-12   # one op per SIW


def test_graph_gradients_equal_the_oracle_grads_for_a_deep_multi_output_net():
    # (3, 4, 3, 2): two relu layers and 2 outputs per row exercise da's order over outputs j
    rng = np.random.default_rng(5)
    X = np.round(rng.uniform(-1, 1, size=(4, 3)) / QUANTUM) * QUANTUM
    y = np.round(rng.uniform(-1, 1, size=(4, 2)) / QUANTUM) * QUANTUM
    net = MLP((3, 4, 3, 2), seed=2)
    g = mlp_graph((3, 4, 3, 2), X, y, seed=2)
    g.loss.backward()
    want = net.grads(X, y)
    assert bits(g.loss.data).tolist() == bits(net.last_loss).tolist()
    got = g.arrays({p.label: p.grad for p in g.params})
    for name in want:
        assert bits(got[name]).tolist() == bits(want[name]).tolist(), name


def test_mlp_graph_labels_its_leaves_and_round_trips_params():
    X, y = xor(4)
    g = mlp_graph((2, 4, 1), X, y)
    assert isinstance(g, MLPGraph) and g.loss.label == "loss"
    assert [p.label for p in g.params[:3]] == ["w0[0,0]", "w0[0,1]", "w0[0,2]"]
    assert dict(g.shapes) == {"w0": (2, 4), "b0": (4,), "w1": (4, 1), "b1": (1,)}
    params = MLP((2, 4, 1), 0).params
    back = g.arrays(g.values(params))
    assert all(np.array_equal(back[k], params[k]) for k in params)
    assert repr(g).startswith("MLPGraph(sizes=(2, 4, 1), loss=")


def test_progress_wraps_the_step_range():
    seen = []

    def progress(steps):
        seen.append(steps)
        return steps

    X, y = xor(4)
    r = train_on_vtpu((2, 4, 1), X, y, steps=2, lr=0.1, progress=progress)
    assert seen == [range(2)] and len(r.losses) == 2


def test_result_is_frozen_and_its_repr_reads_as_data():
    X, y = xor(4)
    r = train_on_vtpu((2, 4, 1), X, y, steps=2, lr=0.1)
    text = repr(r)
    assert text.startswith("TrainResult(sizes=(2, 4, 1), steps=2, lr=0.1, config='seed', packed=True, losses=(")
    assert "cycles_per_step=" in text and "max_abs_diff_vs_oracle=0.0" in text and "bit_identical=True" in text
    with pytest.raises(AttributeError):
        r.steps = 3
    with pytest.raises(TypeError):
        r.params["w0"] = None


@pytest.mark.parametrize("sizes, X, y, what", [
    ((2, 4, 1), np.zeros((4, 3)), np.zeros((4, 1)), "X has shape"),
    ((2, 4, 1), np.zeros((4, 2)), np.zeros((3, 1)), "y has shape"),
    ((2, 4, 1), np.zeros((4, 2)), np.zeros(4), "y has shape"),
    ((2, 4, 2), np.zeros((4, 2)), np.zeros((4, 1)), "y has shape"),
    ((2,), np.zeros((4, 2)), np.zeros((4, 1)), "sizes"),
    ((2, 0, 1), np.zeros((4, 2)), np.zeros((4, 1)), "sizes"),
    ("ab", np.zeros((4, 2)), np.zeros((4, 1)), "sizes"),
])
def test_mismatched_shapes_are_vtpu_errors_with_a_hint(sizes, X, y, what):
    with pytest.raises(TrainError, match=what) as info:
        train_on_vtpu(sizes, X, y, steps=1, lr=0.1)
    assert isinstance(info.value, VtpuError) and info.value.hint


@pytest.mark.parametrize("steps, lr", [(0, 0.1), (2.5, 0.1), (True, 0.1), (2, 0), (2, "0.1"), (2, -1.0)])
def test_bad_steps_or_learning_rate_are_vtpu_errors(steps, lr):
    X, y = xor(4)
    with pytest.raises(VtpuError, match="steps|lr"):
        train_on_vtpu((2, 4, 1), X, y, steps=steps, lr=lr)


def test_params_of_the_wrong_shape_are_vtpu_errors():
    X, y = xor(4)
    params = dict(MLP((2, 4, 1), 0).params, w1=np.zeros((1, 4)))
    with pytest.raises(TrainError, match="'w1' has shape"):
        mlp_graph((2, 4, 1), X, y, params=params)
