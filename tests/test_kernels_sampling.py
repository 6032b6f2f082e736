"""Sampling filters and the composed sampler against an independent numpy reference."""

import numpy as np
import pytest
import scipy.stats
import torch

from ttsbench.engine.kernels import sampling
from ttsbench.engine.kernels.sampling import SamplingOptions

DEVICES = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])
SPECIAL = 1024


# ---- numpy reference, written from the definitions (not from the torch code) ------------------

def ref_repetition_penalty(logits, previous, penalty):
    out = logits.copy()
    for row, tokens in enumerate(previous):
        for token in set(tokens.tolist()):
            score = logits[row, token]
            out[row, token] = score * penalty if score < 0 else score / penalty
    return out


def ref_top_k(logits, k):
    out = logits.copy()
    for row in out:
        if k < row.size:
            kth = np.sort(row)[::-1][k - 1]
            row[row < kth] = -np.inf
    return out


def ref_softmax(logits):
    shifted = np.exp(logits - logits.max(axis=1, keepdims=True))
    return shifted / shifted.sum(axis=1, keepdims=True)


def ref_top_p(logits, p):
    """Keep the most probable ids while the mass of strictly more probable ids is below p < 1."""
    out = logits.copy()
    if p == 1:
        return out
    probs = ref_softmax(logits)
    for row in range(out.shape[0]):
        order = np.argsort(-probs[row], kind="stable")
        mass_before = np.concatenate([[0.0], np.cumsum(probs[row, order])[:-1]])
        drop = order[mass_before >= p]
        out[row, drop] = -np.inf
    return out


def ref_probs(logits, opts, previous, step):
    scores = logits.astype(np.float64)
    if previous is not None and opts.repetition_penalty != 1:
        scores = ref_repetition_penalty(scores, previous, opts.repetition_penalty)
    if opts.eos_token_id is not None and step < opts.min_new_tokens:
        scores[:, opts.eos_token_id] = -np.inf
    if opts.suppress_tokens:
        vocab = scores.shape[1]
        banned = [i for i in range(vocab - SPECIAL, vocab) if i != opts.eos_token_id]
        scores[:, banned] = -np.inf
    scores = scores / opts.temperature
    if opts.top_k is not None:
        scores = ref_top_k(scores, opts.top_k)
    if opts.top_p is not None:
        scores = ref_top_p(scores, opts.top_p)
    return ref_softmax(scores)


def random_logits(batch, vocab, seed):
    return np.random.default_rng(seed).normal(0, 3, size=(batch, vocab)).astype(np.float32)


# ---- filters one by one --------------------------------------------------------------------

@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("seed", range(5))
def test_repetition_penalty_matches_reference(device, seed):
    logits = random_logits(3, 500, seed)
    previous = np.random.default_rng(seed + 100).integers(0, 500, size=(3, 40))
    got = sampling.apply_repetition_penalty(torch.tensor(logits, device=device),
                                            torch.tensor(previous, device=device), 1.3)
    np.testing.assert_allclose(got.cpu().numpy(), ref_repetition_penalty(logits, previous, 1.3),
                               rtol=1e-6)


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("k", [1, 7, 50, 499, 500, 900])
def test_top_k_keeps_the_reference_set(device, k):
    logits = random_logits(4, 500, k)
    got = sampling.top_k_filter(torch.tensor(logits, device=device), k).cpu().numpy()
    np.testing.assert_array_equal(got, ref_top_k(logits, k))


def test_top_k_keeps_ties_with_the_kth():
    logits = torch.tensor([[3.0, 1.0, 2.0, 2.0, 0.0]])
    kept = torch.isfinite(sampling.top_k_filter(logits, 2))
    assert kept.tolist() == [[True, False, True, True, False]]


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("p", [0.05, 0.5, 0.9, 0.95, 1.0])
@pytest.mark.parametrize("seed", range(3))
def test_top_p_keeps_the_reference_set(device, p, seed):
    logits = random_logits(4, 800, seed)
    got = sampling.top_p_filter(torch.tensor(logits, device=device), p).cpu().numpy()
    np.testing.assert_array_equal(np.isfinite(got), np.isfinite(ref_top_p(logits, p)))
    np.testing.assert_array_equal(got[np.isfinite(got)], logits[np.isfinite(got)])


def test_top_p_always_keeps_the_most_probable_id():
    logits = torch.tensor([[10.0, 0.0, 0.0, 0.0]])
    assert torch.isfinite(sampling.top_p_filter(logits, 0.01)).tolist() == [[True, False, False,
                                                                              False]]


def test_temperature_divides():
    logits = torch.tensor([[2.0, -4.0]])
    assert sampling.apply_temperature(logits, 0.5).tolist() == [[4.0, -8.0]]


def test_eos_mask_only_before_min_new_tokens():
    logits = torch.zeros(2, 10)
    masked = sampling.mask_eos_before_min_tokens(logits, 7, step=1, min_new_tokens=2)
    assert torch.isinf(masked[:, 7]).all() and torch.isfinite(masked[:, :7]).all()
    assert torch.isfinite(sampling.mask_eos_before_min_tokens(logits, 7, 2, 2)).all()


def test_filters_do_not_modify_their_input():
    logits = torch.randn(2, 2000, generator=torch.Generator().manual_seed(0))
    before = logits.clone()
    sampling.apply_repetition_penalty(logits, torch.tensor([[1, 2], [3, 4]]), 2.0)
    sampling.top_k_filter(logits, 5)
    sampling.top_p_filter(logits, 0.5)
    sampling.sample(logits, SamplingOptions(eos_token_id=1999),
                    previous_tokens=torch.tensor([[1], [2]]))
    assert torch.equal(logits, before)


# ---- the composed sampler -------------------------------------------------------------------

OPTION_SETS = [
    SamplingOptions(),
    SamplingOptions(temperature=0.7, top_k=200, top_p=0.9, repetition_penalty=1.2,
                    min_new_tokens=5, eos_token_id=2150),
    SamplingOptions(temperature=1.3, top_k=None, top_p=0.95, repetition_penalty=1.0,
                    suppress_tokens=False),
    SamplingOptions(temperature=1.0, top_k=3000, top_p=None, eos_token_id=3000),
]


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("opts", OPTION_SETS, ids=range(len(OPTION_SETS)))
@pytest.mark.parametrize("step", [0, 10])
def test_composed_probabilities_match_reference(device, opts, step):
    logits = random_logits(3, 3072, step)
    previous = np.random.default_rng(step).integers(0, 3072, size=(3, 100))
    got = sampling.sampling_probs(torch.tensor(logits, device=device), opts,
                                  previous_tokens=torch.tensor(previous, device=device),
                                  step=step).cpu().numpy()
    want = ref_probs(logits, opts, previous, step)
    np.testing.assert_array_equal(got > 0, want > 0)
    np.testing.assert_allclose(got, want, atol=1e-6, rtol=1e-4)


@pytest.mark.parametrize("device", DEVICES)
def test_sample_draws_only_kept_ids_and_is_repeatable(device):
    opts = SamplingOptions(top_k=20, eos_token_id=2150)
    logits = torch.tensor(random_logits(64, 3072, 1), device=device)
    kept = sampling.sampling_probs(logits, opts) > 0

    def draw():
        generator = torch.Generator(device=device).manual_seed(123)
        return sampling.sample(logits, opts, generator=generator)

    first = draw()
    assert first.dtype == torch.int64 and first.shape == (64,) and first.device == logits.device
    assert kept[torch.arange(64, device=device), first].all()
    assert torch.equal(first, draw())


def test_sample_frequencies_follow_the_probabilities():
    opts = SamplingOptions(temperature=0.8, top_k=6, top_p=0.97, repetition_penalty=1.0,
                           suppress_tokens=False)
    row = np.array([[2.0, 1.5, 1.0, 0.2, -0.5, -1.0, -3.0, 0.0]], dtype=np.float32)
    draws = 20000
    tokens = sampling.sample(torch.tensor(row).repeat(draws, 1), opts,
                             generator=torch.Generator().manual_seed(7))
    want = ref_probs(row, opts, None, 0)[0]
    counts = np.bincount(tokens.numpy(), minlength=row.shape[1])
    assert counts[want == 0].sum() == 0
    kept = want > 0
    result = scipy.stats.chisquare(counts[kept], want[kept] * draws)
    assert result.pvalue > 1e-3


@pytest.mark.parametrize("device", DEVICES)
def test_greedy_is_argmax_after_the_processors(device):
    opts = SamplingOptions(do_sample=False, eos_token_id=3000, min_new_tokens=3)
    logits = torch.tensor(random_logits(4, 3072, 3), device=device)
    logits[:, 3000] = 100.0  # EOS wins once it is allowed
    logits[0, 3050] = 200.0  # a suppressed special id never wins
    assert (sampling.sample(logits, opts, step=0) != 3000).all()
    assert (sampling.sample(logits, opts, step=3) == 3000).all()
    want = ref_probs(logits.cpu().numpy(), SamplingOptions(
        temperature=1.0, top_k=None, top_p=None, eos_token_id=3000, min_new_tokens=3), None, 0)
    assert sampling.sample(logits, opts, step=0).cpu().tolist() == want.argmax(axis=1).tolist()


def test_half_precision_logits_are_processed_in_float32():
    logits = torch.tensor(random_logits(2, 3072, 4)).to(torch.bfloat16)
    probs = sampling.sampling_probs(logits, SamplingOptions())
    assert probs.dtype == torch.float32
    torch.testing.assert_close(probs.sum(dim=1), torch.ones(2))


# ---- bad input ------------------------------------------------------------------------------

@pytest.mark.parametrize("field, value", [
    ("top_k", 0), ("top_k", -3), ("top_k", 2.5), ("top_p", 0.0), ("top_p", 1.01),
    ("top_p", float("nan")), ("temperature", 0.0), ("temperature", -1.0),
    ("temperature", float("inf")), ("repetition_penalty", 0.0), ("repetition_penalty", -2.0),
    ("min_new_tokens", -1), ("eos_token_id", -5), ("do_sample", "yes"),
])
def test_options_reject_bad_values_naming_them(field, value):
    with pytest.raises(ValueError, match=field):
        SamplingOptions(**{field: value})


@pytest.mark.parametrize("call, name", [
    (lambda x: sampling.top_k_filter(x, 0), "top_k"),
    (lambda x: sampling.top_p_filter(x, 1.5), "top_p"),
    (lambda x: sampling.apply_temperature(x, 0), "temperature"),
    (lambda x: sampling.apply_repetition_penalty(x, torch.tensor([[1], [1]]), 0.0),
     "repetition_penalty"),
    (lambda x: sampling.apply_repetition_penalty(x, torch.tensor([[1], [5000]]), 1.1),
     "previous_tokens"),
    (lambda x: sampling.apply_repetition_penalty(x, torch.tensor([[1]]), 1.1), "previous_tokens"),
    (lambda x: sampling.apply_repetition_penalty(x, torch.tensor([[1.0], [2.0]]), 1.1),
     "previous_tokens"),
    (lambda x: sampling.sample(x[0], SamplingOptions()), "logits"),
    (lambda x: sampling.sample(x.long(), SamplingOptions()), "logits"),
    (lambda x: sampling.sample(x[:, :1000], SamplingOptions()), "logits"),
    (lambda x: sampling.sample(x, SamplingOptions(eos_token_id=4000, min_new_tokens=1)),
     "eos_token_id"),
    (lambda x: sampling.sample(x, SamplingOptions(), step=-1), "step"),
    (lambda x: sampling.sample(x, {"top_k": 5}), "options"),
])
def test_bad_input_raises_value_error_naming_the_parameter(call, name):
    with pytest.raises(ValueError, match=name):
        call(torch.zeros(2, 3072))
