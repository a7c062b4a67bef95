"""The numpy oracle (vtpu_lib.nn.oracle) and the seeded data sets (vtpu_lib.nn.data)."""

import math

import numpy as np
import pytest

from vtpu_lib.errors import VtpuError
from vtpu_lib.nn.data import QUANTUM, DataError, Dataset, regression_1d, shards, two_moons, xor
from vtpu_lib.nn.oracle import MLP, OracleError, allreduce_mean, attention, attention_weights


def bits(a) -> bytes:
    return np.ascontiguousarray(a, dtype=np.float64).tobytes()


def perturbed_net(sizes, seed=3):
    """Random non-dyadic weights and biases: no pre-activation lands on the relu kink."""
    net = MLP(sizes, seed=seed)
    rng = np.random.default_rng(seed + 100)
    for name in net.params:
        net.params[name] = net.params[name] + rng.normal(scale=0.1, size=net.params[name].shape)
    return net


# -- gradients ------------------------------------------------------------------------------------
@pytest.mark.parametrize("sizes", [(3, 2), (3, 4, 4, 2), (1, 16, 1)])
def test_hand_gradients_match_central_finite_differences(sizes):
    rng = np.random.default_rng(1)
    X, y = rng.normal(size=(5, sizes[0])), rng.normal(size=(5, sizes[-1]))
    net = perturbed_net(sizes)
    g = net.grads(X, y)
    assert list(g) == list(net.params)
    h, worst = 1e-6, 0.0
    for name, p in net.params.items():
        for idx in np.ndindex(p.shape):
            old = p[idx]
            p[idx] = old + h
            plus = net.loss(X, y)
            p[idx] = old - h
            minus = net.loss(X, y)
            p[idx] = old
            worst = max(worst, abs((plus - minus) / (2 * h) - g[name][idx]))
    assert worst < 1e-6  # measured ~2e-10


def scalar_reference(params, X, y, lr):
    """The documented operation order, one Python float at a time: loss, grads, updated params."""
    L = len([k for k in params if k.startswith("w")])
    W = [params[f"w{i}"].tolist() for i in range(L)]
    B = [params[f"b{i}"].tolist() for i in range(L)]
    acts, zs = [X.tolist()], []
    for layer in range(L):
        z = [[B[layer][j] for j in range(len(B[layer]))] for _ in acts[-1]]
        for n, row in enumerate(acts[-1]):
            for j in range(len(B[layer])):
                for k, a in enumerate(row):
                    z[n][j] = z[n][j] + a * W[layer][k][j]
        zs.append(z)
        acts.append([[v if v > 0 else 0.0 for v in r] for r in z] if layer < L - 1 else z)
    d = [p - t for pr, tr in zip(zs[-1], y.tolist()) for p, t in zip(pr, tr)]
    s = d[0] * d[0]
    for t in d[1:]:
        s = s + t * t
    count = float(len(d))
    M = len(y[0])
    dz = [[(2.0 * d[n * M + j]) / count for j in range(M)] for n in range(len(y))]
    grads = {}
    for layer in range(L - 1, -1, -1):
        if layer < L - 1:
            dz = [[g if z > 0 else 0.0 for g, z in zip(gr, zr)] for gr, zr in zip(dz, zs[layer])]
        a = acts[layer]
        gw = [[a[0][k] * dz[0][j] for j in range(len(dz[0]))] for k in range(len(a[0]))]
        gb = list(dz[0])
        for n in range(1, len(a)):
            for j in range(len(dz[0])):
                gb[j] = gb[j] + dz[n][j]
                for k in range(len(a[0])):
                    gw[k][j] = gw[k][j] + a[n][k] * dz[n][j]
        grads[f"w{layer}"], grads[f"b{layer}"] = gw, gb
        da = [[W[layer][k][0] * dz[n][0] for k in range(len(a[0]))] for n in range(len(a))]
        for n in range(len(a)):
            for k in range(len(a[0])):
                for j in range(1, len(dz[0])):
                    da[n][k] = da[n][k] + W[layer][k][j] * dz[n][j]
        dz = da
    new = {k: np.asarray(params[k]) - lr * np.asarray(grads[k]) for k in params}
    return s / count, grads, new


def test_oracle_follows_its_documented_operation_order_bit_for_bit():
    X, y = xor(8, seed=2)
    net = perturbed_net((2, 5, 3, 1), seed=4)
    loss, grads, new = scalar_reference(dict(net.params), X, y, lr=0.1)
    g = net.grads(X, y)
    assert net.last_loss == loss
    for name in net.params:
        assert bits(g[name]) == bits(grads[name]), name
    net.sgd_step(0.1)
    for name in net.params:
        assert bits(net.params[name]) == bits(new[name]), name


def test_sgd_step_needs_gradients_first():
    with pytest.raises(OracleError, match="grads"):
        MLP((2, 1)).sgd_step(0.1)


# -- training -------------------------------------------------------------------------------------
def test_training_xor_drives_the_loss_to_under_5_percent_in_200_steps():
    losses = MLP((2, 8, 1), seed=0).train(*xor(16, seed=0), steps=200, lr=0.1)
    assert len(losses) == 200
    assert losses[-1] <= 0.05 * losses[0]  # measured: 1.027 -> 0.0092 (0.9 %), below 5 % at step 25
    assert losses[-1] < losses[100] < losses[10]


def test_training_two_moons_drives_the_loss_to_under_5_percent_in_400_steps():
    losses = MLP((2, 16, 16, 1), seed=0).train(*two_moons(64, seed=0, noise=0.1), steps=400, lr=0.2)
    assert losses[-1] <= 0.05 * losses[0]  # measured: 1.683 -> 0.024 (1.4 %), below 5 % at step 211


def test_data_parallel_training_agrees_with_one_batch():
    X, y = xor(16, seed=1)
    one = MLP((2, 8, 1), seed=1)
    four = MLP((2, 8, 1), seed=1)
    a = one.train(X, y, steps=50, lr=0.1)
    b = four.train(X, y, steps=50, lr=0.1, sentrons=4)
    assert max(abs(p - q) for p, q in zip(a, b)) < 1e-12  # not bitwise: another summation order
    for name in one.params:
        np.testing.assert_allclose(four.params[name], one.params[name], rtol=0, atol=1e-12)


def test_data_parallel_training_needs_equal_shards():
    with pytest.raises(OracleError, match="evenly"):
        MLP((2, 1)).train(*xor(10), steps=1, lr=0.1, sentrons=4)


def test_allreduce_mean_sums_by_a_binary_tree():
    g = [{"w": np.array([v])} for v in (1.0, 1e16, 1.0, 1.0, 0.5)]
    tree = (((1.0 + 1e16) + (1.0 + 1.0)) + 0.5) / 5.0
    assert allreduce_mean(g)["w"][0] == tree
    assert tree != ((((1.0 + 1e16) + 1.0) + 1.0) + 0.5) / 5.0  # the order is visible


# -- model setup ------------------------------------------------------------------------------------
def test_init_is_deterministic_per_seed_and_dyadic():
    a, b, c = MLP((2, 8, 1), seed=7), MLP((2, 8, 1), seed=7), MLP((2, 8, 1), seed=8)
    assert all(bits(a.params[k]) == bits(b.params[k]) for k in a.params)
    assert bits(a.params["w0"]) != bits(c.params["w0"])
    for p in a.params.values():
        assert np.all(p / QUANTUM == np.round(p / QUANTUM))
    assert repr(a) == "MLP(sizes=(2, 8, 1), seed=7, params: w0 (2, 8), b0 (8,), w1 (8, 1), b1 (1,); 33 numbers)"


def test_from_params_rebuilds_the_same_predictions():
    X, _ = two_moons(16, seed=3)
    net = perturbed_net((2, 4, 1))
    copy = MLP.from_params(net.params)
    assert copy.sizes == (2, 4, 1) and bits(copy.forward(X)) == bits(net.forward(X))
    with pytest.raises(OracleError, match="b1"):
        MLP.from_params({k: v for k, v in net.params.items() if k != "b1"})


def test_a_wrong_input_shape_is_a_user_error():
    with pytest.raises(OracleError, match=r"\(rows, 2\)") as e:
        MLP((2, 1)).forward(np.zeros((4, 3)))
    assert isinstance(e.value, VtpuError)


# -- attention ------------------------------------------------------------------------------------
def qkv(t=8, d=4, seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(t, d)), rng.normal(size=(t, d)), rng.normal(size=(t, d))


def test_attention_rows_sum_to_one_and_match_the_direct_formula():
    Q, K, V = qkv()
    p = attention_weights(Q, K)
    np.testing.assert_allclose(p.sum(axis=1), 1.0, rtol=0, atol=1e-15)
    s = Q @ K.T / np.sqrt(4)
    direct = np.exp(s) / np.exp(s).sum(axis=1, keepdims=True)
    np.testing.assert_allclose(p, direct, rtol=0, atol=1e-14)
    np.testing.assert_allclose(attention(Q, K, V), direct @ V, rtol=0, atol=1e-14)


def test_attention_follows_its_documented_order_bit_for_bit():
    Q, K, V = qkv(t=9, d=5, seed=1)
    out = []
    for q in Q.tolist():
        scores = []
        for k in K.tolist():
            acc = q[0] * k[0]
            for a, b in zip(q[1:], k[1:]):
                acc = acc + a * b
            scores.append(acc / math.sqrt(5))
        m = max(scores)
        e = [math.exp(s - m) for s in scores]
        z = e[0]
        for v in e[1:]:
            z = z + v
        p = [v / z for v in e]
        row = [p[0] * v for v in V[0].tolist()]
        for pj, vj in zip(p[1:], V[1:].tolist()):
            row = [r + pj * v for r, v in zip(row, vj)]
        out.append(row)
    assert bits(attention(Q, K, V)) == bits(out)


def test_attention_is_safe_for_large_scores_and_one_token_returns_v():
    Q, K, V = qkv()
    big = attention(Q * 1e3, K * 1e3, V)  # exp without the max subtracted would overflow
    assert np.all(np.isfinite(big))
    assert bits(attention([[2.0]], [[3.0]], [[7.0]])) == bits([[7.0]])  # softmax of one score is 1
    with pytest.raises(OracleError, match="V has shape"):
        attention(Q, K, V[:3])


# -- data sets ------------------------------------------------------------------------------------
@pytest.mark.parametrize("make", [lambda s: two_moons(32, s, 0.1), lambda s: xor(16, s),
                                  lambda s: regression_1d(24, s)])
def test_data_sets_are_deterministic_per_seed_and_dyadic(make):
    a, b, c = make(5), make(5), make(6)
    assert bits(a.X) == bits(b.X) and bits(a.y) == bits(b.y)
    assert bits(a.X) != bits(c.X)
    for arr in a:
        assert arr.dtype == np.float64 and arr.ndim == 2
        assert np.all(arr * 64 == np.round(arr * 64))
    assert a.y.shape == (len(a.X), 1)


def test_data_sets_say_what_they_are():
    assert repr(xor(8, seed=1)) == "Dataset(xor(n=8, seed=1): X (8, 2), y (8, 1), labels [-1.0, 1.0])"
    assert set(two_moons(20).y.ravel()) == {-1.0, 1.0}
    X, y = regression_1d(16, seed=0)
    assert np.all(np.diff(X[:, 0]) >= 0) and np.max(np.abs(y - np.sin(np.pi * X) / 2)) <= QUANTUM / 2


def test_xor_labels_follow_the_signs():
    X, y = xor(40, seed=3)
    assert np.array_equal(y[:, 0], np.where(X[:, 0] * X[:, 1] > 0, 1.0, -1.0))


def test_shards_cut_the_batch_in_row_order():
    X, y = xor(10, seed=0)
    parts = shards(X, y, 3)
    assert [len(p.X) for p in parts] == [4, 3, 3]
    assert all(isinstance(p, Dataset) for p in parts)
    assert bits(np.concatenate([p.X for p in parts])) == bits(X)
    assert bits(np.concatenate([p.y for p in parts])) == bits(y)
    assert repr(parts[1]).startswith("Dataset(shard(i=1, k=3, rows=(4, 6)): X (3, 2)")


@pytest.mark.parametrize("k", [0, 11, 2.0, True])
def test_shards_refuse_a_count_the_batch_cannot_give(k):
    with pytest.raises(DataError, match="shards"):
        shards(*xor(10), k)


def test_bad_sizes_are_user_errors():
    with pytest.raises(DataError, match="n = 0"):
        xor(0)
    with pytest.raises(DataError, match="noise"):
        two_moons(8, noise=-1.0)
