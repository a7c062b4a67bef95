"""Data-parallel SGD on k sentrons (vtpu_lib.nn.parallel) against the numpy oracle."""

import numpy as np
import pytest

from vtpu_lib.nn.data import xor
from vtpu_lib.nn.oracle import MLP
from vtpu_lib.nn.parallel import ParallelError, build_step, data_parallel_step_program, train_data_parallel

SIZES = (2, 4, 1)
X, Y = xor(8)


@pytest.fixture(scope="module")
def runs():
    return {k: train_data_parallel(SIZES, X, Y, 2, 0.1, k) for k in (1, 2, 4)}


@pytest.mark.parametrize("k", [2, 4])
def test_final_weights_match_oracle(runs, k):
    r = runs[k]
    net = MLP(SIZES, 0)
    net.train(X, Y, 2, 0.1, sentrons=k)
    assert r.max_abs_diff_vs_oracle <= 1e-9
    for name, ref in net.params.items():
        assert np.max(np.abs(r.params[name] - ref)) <= 1e-9
    assert not np.array_equal(r.params["w0"], MLP(SIZES, 0).params["w0"])   # training moved them
    assert r.loss_diff_vs_oracle <= 1e-12


@pytest.mark.parametrize("k", [2, 4])
def test_every_sentron_ends_with_the_same_parameters(runs, k):
    assert runs[k].sentrons_agree
    assert runs[k].messages[0] == 2 * (k - 1) * 5      # 17 gradients + the loss = 5 messages per edge


def test_two_sentrons_beat_one(runs):
    assert runs[2].cycles[0] < runs[1].cycles[0]
    assert runs[1].recv_wait == (0, 0) and runs[1].messages == (0, 0)


def test_program_shape():
    prog = data_parallel_step_program(SIZES, X, Y, 4, MLP(SIZES).params, 0.1)
    assert [s.name for s in prog.sentrons] == ["w0", "w1", "w2", "w3"]
    assert len({s.home for s in prog.sentrons}) == 4
    step = build_step(SIZES, X, Y, 4, MLP(SIZES).params, 0.1)
    cells = [set(c.layout.values()) for c in step.compiled]
    assert all(not (a & b) for i, a in enumerate(cells) for b in cells[i + 1:])   # distinct memory


@pytest.mark.parametrize("k", [3, 16, 0])
def test_bad_sentron_count(k):
    with pytest.raises(ParallelError):
        data_parallel_step_program(SIZES, X, Y, k, MLP(SIZES).params, 0.1)
