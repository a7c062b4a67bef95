"""One attention head on the vTPU (vtpu_lib.nn.attention) against the numpy oracle."""

import math

import numpy as np
import pytest

from vtpu_lib.errors import VtpuError
from vtpu_lib.nn.attention import AttentionError, attention_program
from vtpu_lib.nn.oracle import attention
from vtpu_lib.schedule import validate

SHARES = ("memory", "messages")
CONFIGS = ("seed", "realistic")


def dyadic(seed, n, d, dv=None):
    """Seeded Q, K, V with entries k/8 in -2..2: exact in float64 and in a phext cell."""
    rng = np.random.default_rng(seed)
    return tuple(rng.integers(-16, 17, size=(n, cols)) / 8.0 for cols in (d, d, dv or d))


@pytest.fixture(scope="module")
def programs():
    Q, K, V = dyadic(0, 8, 4)
    return {share: attention_program(Q, K, V, share=share) for share in SHARES}


@pytest.mark.parametrize("config", CONFIGS)
@pytest.mark.parametrize("share", SHARES)
def test_eight_tokens_head_four_is_bit_identical_to_the_oracle(programs, share, config):
    ap = programs[share]
    r = ap.run(config)
    want = attention(*(np.array(m) for m in ap.inputs))
    assert r.output.shape == (8, 4)
    assert r.max_abs_err_vs_numpy <= 1e-12
    assert r.bit_identical and r.output.tobytes() == want.tobytes()   # same op order -> same bits


@pytest.mark.parametrize("config", CONFIGS)
@pytest.mark.parametrize("share", SHARES)
def test_packed_program_is_valid_faster_and_gives_the_same_output(programs, share, config):
    ap = programs[share]
    naive, packed = ap.run(config), ap.run(config, packed=True)
    assert validate(ap.program, ap.packed(config)).ok
    assert packed.output.tobytes() == naive.output.tobytes()
    assert packed.cycles < naive.cycles
    assert packed.messages == naive.messages


@pytest.mark.parametrize("config", CONFIGS)
@pytest.mark.parametrize("share", SHARES)
def test_no_run_beats_the_dataflow_bound(programs, share, config):
    for packed in (False, True):
        r = programs[share].run(config, packed=packed)
        assert r.bound_cycles <= r.cycles and 0 < r.pct_of_bound <= 100
        assert 0 < r.useful_ops_per_cycle <= 3 and 0 <= r.ppt_hit_rate <= 1


def test_message_mode_sends_n_times_n_minus_1_deliveries_per_message(programs):
    assert programs["messages"].run().messages == 8 * 7 * 2 == programs["messages"].expected_messages
    assert programs["memory"].run().messages == 0
    ap = attention_program(*dyadic(3, 3, 5, 6), share="messages")   # 2 + 2 messages of <= 4 lanes
    r = ap.run("realistic")
    assert r.messages == ap.expected_messages == 3 * 2 * (2 + 2)
    assert r.bit_identical


def test_every_recv_names_its_sender(programs):
    recvs = [i for s in programs["messages"].program.sentrons for siw in s.siws for i in siw.ops()
             if i.op == "recv"]
    assert len(recvs) == 8 * 7 * 2
    assert all(i.args[1] != "any" for i in recvs)


@pytest.mark.parametrize("share", SHARES)
def test_head_size_not_a_power_of_four_still_matches_bit_for_bit(share):
    # sqrt(3) is inexact: dividing by it (the oracle's order), not multiplying by 1/sqrt(3)
    r = attention_program(*dyadic(5, 5, 3, 2), share=share).run("realistic", packed=True)
    assert r.bit_identical and r.output.shape == (5, 2)


@pytest.mark.parametrize("share", SHARES)
def test_one_token_alice_bob_gives_v_exactly(share):
    # the original's q*k*v = 3*7*2 = 42 is the score 21 times v unnormalized; softmax of one score is 1
    r = attention_program([[3.0]], [[7.0]], [[2.0]], share=share).run()
    assert r.output.tolist() == [[2.0]] and r.messages == 0
    r = attention_program([[3.0, -1.0]], [[7.0, 0.5]], [[2.0, 4.0, -8.0]], share=share).run()
    assert r.output.tolist() == [[2.0, 4.0, -8.0]]


@pytest.mark.parametrize("Q, K, V, share, words", [
    (np.ones(4), np.ones((1, 4)), np.ones((1, 4)), "memory", "shape"),
    (np.ones((8, 4)), np.ones((8, 3)), np.ones((8, 4)), "memory", "do not fit"),
    (np.ones((8, 4)), np.ones((8, 4)), np.ones((7, 4)), "memory", "do not fit"),
    (np.ones((0, 4)), np.ones((0, 4)), np.ones((0, 4)), "memory", "shape"),
    (np.ones((12, 4)), np.ones((12, 4)), np.ones((12, 4)), "messages", "registers"),
    (np.ones((2, 2)), np.ones((2, 2)), np.ones((2, 1100)), "memory", "scroll"),
    (np.full((2, 2), math.nan), np.ones((2, 2)), np.ones((2, 2)), "memory", "finite"),
    (np.ones((2, 2)), np.ones((2, 2)), np.ones((2, 2)), "shared", "share"),
])
def test_bad_inputs_raise_a_vtpu_error_with_a_hint(Q, K, V, share, words):
    with pytest.raises(AttentionError, match=words) as e:
        attention_program(Q, K, V, share=share)
    assert isinstance(e.value, VtpuError) and e.value.hint


def test_reprs_read_as_data(programs):
    assert repr(programs["messages"]) == ("AttentionProgram(messages: n=8 tokens, d=4, dv=4; 8 sentrons, "
                                          "1816 SIWs, 96 cells preloaded, 112 messages)")
    text = repr(programs["memory"].run())
    assert text.startswith("AttentionResult(memory, seed: output (8, 4)") and "bit-identical" in text
    assert programs["memory"].run().as_dict()["cycles"] == programs["memory"].run().cycles
