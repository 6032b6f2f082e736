"""The batch scheduler: a request alone is the Synthesizer's stream to float rounding; in a batch,
with joins, leaves and cancellations at frame boundaries, each request keeps its own audio
(to float rounding); its sampling and cache pieces match their one-request counterparts."""

import dataclasses

import pytest
import torch

from ttsbench.engine.batch_sampling import draw_rows, first_codes
from ttsbench.engine.batching import BatchScheduler, StreamRequest
from ttsbench.engine.kernels.sampling import SamplingOptions, sample
from ttsbench.engine.kv_cache import DynamicKVCache
from ttsbench.engine.slot_cache import SlotKVCache
from ttsbench.engine.synthesizer import Synthesizer

TEXT = "Hello, everyone. This is a test."
BATCH_ATOL = 1e-4  # audio of a request inside a batch vs alone: float rounding only
SOLO_ATOL = 1e-5  # a request alone vs synthesize_streaming: the shortened convolution input


@pytest.fixture(scope="module")
def synth():
    return Synthesizer("tiny", "cpu", "float32", 3)


def run_all(scheduler, until=None):
    """Step until idle (or until ``until(step)``); chunks per key, in order."""
    out, steps = {}, 0
    while not scheduler.idle and not (until and until(steps)):
        for chunk in scheduler.step():
            out.setdefault(chunk.key, []).append(chunk)
        steps += 1
        assert steps < 500
    return out


def solo(synth, request):
    scheduler = BatchScheduler(synth, 4)
    scheduler.submit("solo", request)
    return torch.cat([c.audio for c in run_all(scheduler)["solo"]])


@pytest.mark.parametrize("fixed_length,sampling", [
    (False, None),
    (True, SamplingOptions(do_sample=False)),
])
def test_a_request_alone_streams_what_the_synthesizer_streams(synth, fixed_length, sampling):
    expected = list(synth.synthesize_streaming(TEXT, 12, 25, max_frames=40, sampling=sampling,
                                               fixed_length=fixed_length))
    scheduler = BatchScheduler(synth, 4)
    scheduler.submit("a", StreamRequest(TEXT, seed=3, max_frames=40, sampling=sampling,
                                        fixed_length=fixed_length))
    chunks = run_all(scheduler)["a"]
    assert len(chunks) == len(expected) > 1
    assert [got.audio.shape for got in chunks] == [want.shape for want in expected]
    assert all(torch.allclose(got.audio, want, rtol=0, atol=SOLO_ATOL)
               for got, want in zip(chunks, expected))
    assert [c.last for c in chunks] == [False] * (len(chunks) - 1) + [True]


def test_requests_joining_leaving_and_cancelled_mid_batch_keep_their_own_audio(synth):
    requests = {key: StreamRequest(TEXT, seed=seed, max_frames=frames, fixed_length=True)
                for key, seed, frames in (("a", 1, 30), ("b", 2, 18), ("c", 4, 26))}
    scheduler = BatchScheduler(synth, 2)
    scheduler.submit("a", requests["a"])
    scheduler.submit("gone", StreamRequest(TEXT, seed=9, max_frames=40, fixed_length=True))
    scheduler.submit("c", requests["c"])  # waits: the batch holds two
    out = run_all(scheduler, until=lambda step: step == 5)
    assert [s.key for s in scheduler.active] == ["a", "gone"] and len(scheduler.waiting) == 1
    scheduler.cancel("gone")
    scheduler.submit("b", requests["b"])
    out2 = run_all(scheduler, until=lambda step: step == 1)
    assert [s.key for s in scheduler.active] == ["a", "c"]  # cancelled slot went to "c"
    assert scheduler.cache.occupied == 2
    for key, chunks in run_all(scheduler).items():
        out2.setdefault(key, []).extend(chunks)
    assert "gone" not in out2
    for key, request in requests.items():
        chunks = out.get(key, []) + out2[key]
        audio = torch.cat([c.audio for c in chunks])
        assert audio.numel() == request.max_frames * 1920 and chunks[-1].last
        assert torch.allclose(audio, solo(synth, request), atol=BATCH_ATOL, rtol=0)
    assert scheduler.idle and scheduler.cache.occupied == 0


def test_seeds_make_requests_differ_and_repeat(synth):
    one = StreamRequest(TEXT, seed=1, max_frames=8, fixed_length=True)
    assert torch.equal(solo(synth, one), solo(synth, one))
    assert not torch.equal(solo(synth, one), solo(synth, dataclasses.replace(one, seed=2)))


def test_draw_rows_draws_what_multinomial_draws_from_each_generator():
    probs = torch.rand(5, 300).pow(4).softmax(dim=1)
    probs[:, ::3] = 0
    probs = probs / probs.sum(dim=1, keepdim=True)
    seeds = [7, 8, 9, 10, 11]
    got = [draw_rows(probs, [torch.Generator().manual_seed(s) for s in seeds])
           for _ in range(1)][0]
    for row, seed in enumerate(seeds):
        want = torch.multinomial(probs[row:row + 1], 1,
                                 generator=torch.Generator().manual_seed(seed))
        assert int(got[row]) == int(want)


@dataclasses.dataclass
class Row:
    options: SamplingOptions
    generator: torch.Generator
    seen: torch.Tensor
    count: int


def test_first_codes_of_a_batch_equal_sample_row_by_row():
    vocab, eos = 1280, 358
    logits = torch.randn(4, vocab) * 4
    logits[:, eos] = 50.0  # EOS would win wherever it is not masked
    options = SamplingOptions(eos_token_id=eos, min_new_tokens=2, repetition_penalty=1.5)
    histories = [torch.tensor([[]], dtype=torch.long), torch.tensor([[5, 9]]),
                 torch.tensor([[3]]), torch.tensor([[int(logits[3].argmax()), 1, 2, 1]])]
    rows = []
    for seed, history in enumerate(histories):
        seen = torch.zeros(1, vocab, dtype=torch.bool)
        seen[0, history[0]] = True
        rows.append(Row(options, torch.Generator().manual_seed(seed), seen, history.shape[1]))
    got = first_codes(logits, rows)
    for seed, history in enumerate(histories):
        want = sample(logits[seed:seed + 1], options, previous_tokens=history,
                      step=history.shape[1], generator=torch.Generator().manual_seed(seed))
        assert int(got[seed]) == int(want)
    assert got[0] != eos and got[2] != eos and got[1] == eos  # masked before 2 frames only


def test_slot_cache_moves_the_last_slot_into_a_released_one_and_masks_short_rows():
    cache = SlotKVCache(1, 2, 4, dtype=torch.float32, device=torch.device("cpu"), slots=1,
                        length=2)
    for length in (3, 5, 4):
        prefix = DynamicKVCache(1)
        prefix.update(0, torch.full((1, 2, length, 4), float(length)),
                      torch.full((1, 2, length, 4), -float(length)))
        cache.add(prefix)
    assert cache.lengths == [3, 5, 4] and cache.keys[0].shape[:3] == (4, 2, 8)
    cache.release(0)
    assert cache.lengths == [4, 5] and float(cache.keys[0][0, 0, 3, 0]) == 4.0
    cache.begin_step(2)
    mask = cache.attention_mask()
    assert mask.shape == (2, 1, 1, 6)
    assert mask[0, 0, 0].tolist() == [True] * 5 + [False]
    keys, _ = cache.update(0, torch.ones(2, 2, 1, 4), torch.ones(2, 2, 1, 4))
    assert keys.shape == (2, 2, 6, 4) and float(keys[0, 0, 4, 0]) == 1.0
    assert cache.lengths == [5, 6]


def test_check_rejects_what_the_model_cannot_hold(synth):
    scheduler = BatchScheduler(synth, 2)
    with pytest.raises(ValueError, match="talker positions"):
        scheduler.check(StreamRequest("x" * 1500))
    with pytest.raises(ValueError, match="chunk_frames"):
        scheduler.check(StreamRequest(TEXT, chunk_frames=0))
    with pytest.raises(ValueError, match="empty"):
        scheduler.check(StreamRequest(""))
    with pytest.raises(ValueError, match="max_batch"):
        BatchScheduler(synth, 0)
