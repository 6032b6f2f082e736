"""The Synthesizer on the tiny preset (CPU): shapes, determinism, streaming, EOS, spans, errors."""

import pytest
import torch
from torch.profiler import ProfilerActivity, profile

from ttsbench.engine.config import SAMPLES_PER_FRAME
from ttsbench.engine.kernels.sampling import SamplingOptions
from ttsbench.engine.synthesizer import Synthesizer
from ttsbench.engine.timing import SynthesisTiming

TEXT = "Hello world."


@pytest.fixture(scope="module")
def synth():
    return Synthesizer("tiny", "cpu", "float32", 0)


@pytest.fixture(scope="module")
def whole40(synth):
    return synth.synthesize(TEXT, 40, fixed_length=True)


def test_synthesize_returns_audio_codes_and_timing(synth):
    result = synth.synthesize(TEXT, 10, fixed_length=True)
    assert result.sample_rate == 24_000
    assert result.audio.dtype == torch.float32 and result.audio.device.type == "cpu"
    assert result.audio.shape == (10 * SAMPLES_PER_FRAME,)
    assert result.codes.dtype == torch.int64 and result.codes.shape == (1, 16, 10)
    assert int(result.codes.min()) >= 0 and int(result.codes.max()) < 256
    assert result.audio.abs().max() <= 1.0 and result.audio.std() > 0.01
    timing = result.timing
    assert isinstance(timing, SynthesisTiming) and timing.frames == 10
    stages = (timing.prefill_ms, timing.talker_decode_ms, timing.code_predictor_ms,
              timing.decoder_ms)
    assert all(ms > 0 for ms in stages)
    assert timing.total_ms >= sum(stages)
    assert timing.time_to_first_audio_ms == timing.total_ms


def test_same_seed_same_output_different_seed_different_output(synth):
    first = synth.synthesize(TEXT, 6, fixed_length=True)
    again = synth.synthesize(TEXT, 6, fixed_length=True)
    fresh = Synthesizer("tiny", "cpu", "float32", 0).synthesize(TEXT, 6, fixed_length=True)
    other = Synthesizer("tiny", "cpu", "float32", 1).synthesize(TEXT, 6, fixed_length=True)
    assert torch.equal(first.codes, again.codes) and torch.equal(first.audio, again.audio)
    assert torch.equal(first.codes, fresh.codes) and torch.equal(first.audio, fresh.audio)
    assert not torch.equal(first.codes, other.codes)


def test_default_frame_count_follows_the_text_length(synth):
    result = synth.synthesize("x" * 30, fixed_length=True)  # 30 characters at 15/s = 2 s
    assert result.codes.shape[-1] == 25


def _streaming_error(synth, whole, left_context):
    chunks = list(synth.synthesize_streaming(TEXT, 12, left_context, max_frames=40,
                                             fixed_length=True))
    joined = torch.cat(chunks)
    assert [c.shape[0] for c in chunks] == [12 * SAMPLES_PER_FRAME] * 3 + [4 * SAMPLES_PER_FRAME]
    difference = joined - whole.audio
    relative_rms = difference.pow(2).mean().sqrt() / whole.audio.pow(2).mean().sqrt()
    return difference.abs().max().item(), relative_rms.item()


def test_streaming_with_full_left_context_equals_whole_decoding(synth, whole40):
    max_abs, _ = _streaming_error(synth, whole40, left_context=40)
    assert max_abs < 1e-5


def test_streaming_with_default_left_context_is_within_stated_tolerance(synth, whole40):
    max_abs, relative_rms = _streaming_error(synth, whole40, left_context=25)
    assert relative_rms < 1e-3 and max_abs < 1e-2


def test_streaming_without_left_context_is_measurably_different(synth, whole40):
    _, relative_rms = _streaming_error(synth, whole40, left_context=0)
    assert relative_rms > 1e-2  # the tolerance test above would catch a context that is ignored


def test_streaming_timing_marks_the_first_chunk(synth):
    stream = synth.synthesize_streaming(TEXT, 4, max_frames=12, fixed_length=True)
    chunks = list(stream)
    timing = synth.last_timing
    assert len(chunks) == 3 and timing.frames == 12
    assert 0 < timing.time_to_first_audio_ms < timing.total_ms


def test_eos_stops_generation_unless_fixed_length():
    synth = Synthesizer("tiny", "cpu", "float32", 0)
    eos = synth.config.talker.codec_eos_id
    with torch.no_grad():
        synth.model.talker.codec_head.weight[eos] *= 1000.0  # EOS now dominates every step
    stopped = synth.synthesize(TEXT, 20)
    assert stopped.codes.shape[-1] == SamplingOptions().min_new_tokens
    assert stopped.audio.shape == (2 * SAMPLES_PER_FRAME,)
    assert synth.synthesize(TEXT, 20, fixed_length=True).codes.shape[-1] == 20


def test_batch_decodes_independent_rows(synth):
    result = synth.synthesize(TEXT, 5, fixed_length=True, batch_size=3)
    assert result.codes.shape == (3, 16, 5)
    assert result.audio.shape == (3, 5 * SAMPLES_PER_FRAME)
    assert not torch.equal(result.codes[0], result.codes[1])


def test_greedy_sampling_is_used_for_both_stages(synth):
    greedy = SamplingOptions(do_sample=False)
    first = synth.synthesize(TEXT, 4, sampling=greedy, fixed_length=True)
    other_seed = Synthesizer("tiny", "cpu", "float32", 0)
    other_seed.generator.manual_seed(123)
    assert torch.equal(first.codes, other_seed.synthesize(TEXT, 4, sampling=greedy,
                                                          fixed_length=True).codes)


def test_stage_methods(synth):
    ids = synth.prompt_ids(32)
    assert ids.shape == (1, 32) and torch.equal(ids, synth.prompt_ids(32))
    assert int(ids.max()) < 256
    state = synth.prefill(ids.expand(2, -1))
    assert state.position == 33 and state.logits.shape == (2, 1280)
    logits = synth.talker_step(state)
    assert logits.shape == (2, 1280) and state.position == 34
    first = torch.tensor([5, 7])
    residual = synth.predict_residual_codes(state.hidden, first)
    assert residual.shape == (2, 15) and int(residual.max()) < 256
    codes = torch.randint(0, 256, (2, 16, 3))
    assert synth.decode(codes).shape == (2, 3 * SAMPLES_PER_FRAME)


def test_profiler_sees_every_stage_span(synth):
    with profile(activities=[ProfilerActivity.CPU]) as prof:
        list(synth.synthesize_streaming(TEXT, 2, max_frames=3, fixed_length=True))
    names = {event.name for event in prof.events()}
    for span in ("prefill", "generate_frames", "talker_step", "code_predictor", "sampling",
                 "decode"):
        assert span in names


@pytest.mark.parametrize("backend, kernel", [
    ("math", "aten::_scaled_dot_product_attention_math"),
    ("flash", "aten::_scaled_dot_product_flash_attention_for_cpu"),
])
def test_the_pinned_sdpa_backend_is_the_one_that_runs(backend, kernel):
    synth = Synthesizer("tiny", "cpu", "float32", 0, sdpa_backend=backend)
    with profile(activities=[ProfilerActivity.CPU]) as prof:
        synth.synthesize(TEXT, 1, fixed_length=True)
    names = {event.name for event in prof.events()}
    assert kernel in names
    other = {"math": "aten::_scaled_dot_product_flash_attention_for_cpu",
             "flash": "aten::_scaled_dot_product_attention_math"}[backend]
    assert other not in names


def test_other_dtypes_and_the_math_backend_run():
    for dtype in ("bfloat16", "float16"):
        result = Synthesizer("tiny", "cpu", dtype, 0, sdpa_backend="math").synthesize(
            TEXT, 2, fixed_length=True)
        assert result.audio.dtype == torch.float32 and torch.isfinite(result.audio).all()


@pytest.mark.parametrize("kwargs, message", [
    ({"preset": "huge"}, "unknown preset"),
    ({"dtype": "int8"}, "dtype"),
    ({"device": "tpu"}, "device"),
    ({"seed": -1}, "seed"),
    ({"cuda_graphs": True}, "cuda_graphs"),
    ({"sdpa_backend": "fastest"}, "sdpa_backend"),
    ({"sdpa_backend": "efficient"}, "no CPU kernel"),
])
def test_bad_constructor_arguments_raise_value_error(kwargs, message):
    with pytest.raises(ValueError, match=message):
        Synthesizer(**kwargs)


@pytest.mark.parametrize("call, message", [
    (lambda s: s.synthesize(""), "empty"),
    (lambda s: s.synthesize(TEXT, 0), "max_frames"),
    (lambda s: s.synthesize(TEXT, 2, batch_size=0), "batch_size"),
    (lambda s: s.synthesize(TEXT, 2, sampling="greedy"), "sampling"),
    (lambda s: s.synthesize_streaming(TEXT, 0), "chunk_frames"),
    (lambda s: s.synthesize_streaming(TEXT, 4, left_context=-1), "left_context"),
    (lambda s: s.prompt_ids(0), "length"),
    (lambda s: s.prefill(torch.zeros(3, dtype=torch.long)), "input_ids"),
    (lambda s: s.synthesize("x", 5000), "exceed"),
])
def test_bad_call_arguments_raise_value_error(synth, call, message):
    with pytest.raises(ValueError, match=message):
        call(synth)
