"""The transformer block forward on the vTPU (vtpu_lib.nn.block) against its numpy reference."""

import math

import numpy as np
import pytest

from vtpu_lib.errors import VtpuError
from vtpu_lib.nn.block import BlockError, block_forward_on_vtpu, block_numpy, block_program
from vtpu_lib.nn.oracle import attention

N, D, F = 4, 4, 8


def _args(seed=0, n=N, d=D, f=F):
    rng = np.random.default_rng(seed)
    r = lambda *s: np.round(rng.uniform(-1, 1, size=s) * 64) / 64
    return (r(n, d), r(d, d), r(d, d), r(d, d), r(d, f), r(f), r(f, d), r(d))


@pytest.fixture(scope="module")
def results():
    a = _args()
    return {(cfg, p): block_forward_on_vtpu(*a, config=cfg, packed=p)
            for cfg in ("seed", "realistic") for p in (False, True)}


@pytest.mark.parametrize("cfg", ["seed", "realistic"])
@pytest.mark.parametrize("packed", [False, True])
def test_bit_identical_with_numpy(results, cfg, packed):
    r = results[(cfg, packed)]
    want = block_numpy(*_args())
    assert r.output.shape == (N, D)
    assert r.output.tobytes() == want.tobytes()
    assert r.bit_identical and r.max_abs_err_vs_numpy == 0.0


@pytest.mark.parametrize("cfg", ["seed", "realistic"])
def test_naive_and_packed_identical_and_packing_helps(results, cfg):
    naive, packed = results[(cfg, False)], results[(cfg, True)]
    assert naive.output.tobytes() == packed.output.tobytes()
    assert naive.useful_ops == packed.useful_ops
    assert packed.cycles < naive.cycles
    assert max(packed.siws_per_sentron) < min(naive.siws_per_sentron)


def test_measurements_and_budget(results):
    r = results[("seed", True)]
    n, d, f = N, D, F
    proj = d * (2 * d - 1) * (1 + 2 * n)                  # q_i, and k_j, v_j for every j
    attn = n * (2 * d - 1) + n + (n - 1) + 2 * n + (n - 1) + n + d * (2 * n - 1) + d
    mlp = f * 2 * d + f + d * 2 * f + d
    assert dict(r.op_budget) == {"projections": proj, "attention": attn, "mlp": mlp}
    assert r.cores == n and len(r.siws_per_sentron) == n
    assert r.dense_ops >= n * (proj + attn + mlp)
    assert r.useful_ops > r.dense_ops
    assert r.useful_ops_per_cycle == r.useful_ops / (r.cycles * r.cores)
    assert "BlockResult(" in repr(r) and "op_budget_per_sentron=" in repr(r)
    assert r.as_dict()["cycles"] == r.cycles


def test_numpy_reference_is_a_transformer_block():
    X, Wq, Wk, Wv, W1, b1, W2, b2 = _args(seed=3)
    h = X + attention(X @ Wq, X @ Wk, X @ Wv)
    want = h + np.maximum(h @ W1 + b1, 0.0) @ W2 + b2
    np.testing.assert_allclose(block_numpy(X, Wq, Wk, Wv, W1, b1, W2, b2), want, atol=1e-12)


def test_one_token_and_other_sizes():
    a = _args(seed=5, n=1, d=2, f=3)
    r = block_forward_on_vtpu(*a, config="seed", packed=True)
    assert r.bit_identical
    X, _, _, Wv = a[:4]
    h = X + X @ Wv                                        # softmax of one score is 1
    np.testing.assert_allclose(r.output, h + np.maximum(h @ a[4] + a[5], 0.0) @ a[6] + a[7], atol=1e-12)


def test_program_shape():
    bp = block_program(*_args())
    assert [s.name for s in bp.program.sentrons] == [f"s{i}" for i in range(N)]
    cells = [c for row in bp.output_cells() for c in row]
    assert len(set(cells)) == N * D
    assert "BlockProgram(" in repr(bp)


@pytest.mark.parametrize("which, shape", [(0, (4,)), (1, (4, 3)), (2, (3, 4)), (3, (4, 5)),
                                          (4, (3, 8)), (5, (7,)), (6, (8, 3)), (7, (5,))])
def test_bad_shapes(which, shape):
    a = list(_args())
    a[which] = np.zeros(shape)
    with pytest.raises(VtpuError) as e:
        block_forward_on_vtpu(*a)
    assert isinstance(e.value, BlockError) and e.value.hint


def test_bad_values_and_sizes():
    a = list(_args())
    a[0] = a[0].copy()
    a[0][1, 2] = math.nan
    with pytest.raises(BlockError):
        block_numpy(*a)
    with pytest.raises(BlockError):
        block_program(*_args(n=9))
