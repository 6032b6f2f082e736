"""CUDA paths: CUDA-graph talker decoding against eager decoding, dtypes and SDPA backends.

Skipped without a GPU.
"""

import pytest
import torch

from ttsbench.engine.kernels.sampling import SamplingOptions
from ttsbench.engine.synthesizer import Synthesizer

pytestmark = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")

TEXT = "Hello world."


def _talker_logits(synth, steps):
    state = synth.prefill(synth.prompt_ids(20).expand(2, -1), max_new_frames=steps)
    logits = [state.logits.float().cpu()]
    for _ in range(steps):
        logits.append(synth.talker_step(state).float().cpu())
    return torch.stack(logits)


def test_graphed_talker_steps_match_eager_steps():
    eager = Synthesizer("tiny", "cuda", "float32", 0)
    graphed = Synthesizer("tiny", "cuda", "float32", 0, cuda_graphs=True)
    torch.testing.assert_close(_talker_logits(graphed, 5), _talker_logits(eager, 5),
                               atol=1e-3, rtol=1e-3)


@pytest.mark.parametrize("cuda_graphs", [False, True])
@pytest.mark.parametrize("dtype", ["bfloat16", "float16"])
def test_synthesize_and_stream_on_cuda(dtype, cuda_graphs):
    synth = Synthesizer("tiny", "cuda", dtype, 0, cuda_graphs=cuda_graphs)
    result = synth.synthesize(TEXT, 8, fixed_length=True, batch_size=2)
    assert result.codes.shape == (2, 16, 8) and torch.isfinite(result.audio).all()
    assert result.timing.talker_decode_ms > 0 and result.timing.decoder_ms > 0
    chunks = list(synth.synthesize_streaming(TEXT, 4, max_frames=8, fixed_length=True))
    assert len(chunks) == 2 and all(c.device.type == "cpu" for c in chunks)


@pytest.mark.parametrize("backend", ["math", "efficient", "flash", "cudnn"])
def test_pinned_sdpa_backends_run_eager_decoding(backend):
    synth = Synthesizer("tiny", "cuda", "bfloat16", 0, sdpa_backend=backend)
    try:
        result = synth.synthesize(TEXT, 3, fixed_length=True)
    except RuntimeError as error:  # a backend this GPU or build does not offer
        pytest.skip(f"{backend}: {error}")
    assert result.codes.shape == (1, 16, 3)


def test_graphed_code_predictor_matches_eager_greedy_and_is_reproducible_when_sampling():
    greedy = SamplingOptions(do_sample=False)
    eager = Synthesizer("tiny", "cuda", "float32", 0)
    graphed = Synthesizer("tiny", "cuda", "float32", 0, cuda_graphs=True)
    expected = eager.synthesize(TEXT, 6, sampling=greedy, fixed_length=True).codes
    assert torch.equal(graphed.synthesize(TEXT, 6, sampling=greedy, fixed_length=True).codes,
                       expected)
    first = graphed.synthesize(TEXT, 6, fixed_length=True).codes
    assert torch.equal(graphed.synthesize(TEXT, 6, fixed_length=True).codes, first)
    fresh = Synthesizer("tiny", "cuda", "float32", 0, cuda_graphs=True)
    assert torch.equal(fresh.synthesize(TEXT, 6, fixed_length=True).codes, first)


@pytest.mark.parametrize("cuda_graphs", [False, True])
def test_separate_engines_match_unified_on_cuda(cuda_graphs):
    runs = [Synthesizer("tiny", "cuda", "float32", 0, cuda_graphs=cuda_graphs, arch=arch)
            .synthesize(TEXT, 6, fixed_length=True) for arch in ("unified", "separate")]
    assert torch.equal(runs[0].codes, runs[1].codes)


@pytest.mark.parametrize("mode", ["voice-clone", "continue"])
def test_modes_run_in_bf16_with_cuda_graphs(mode):
    from ttsbench.engine.reference import seeded_clip

    synth = Synthesizer(variant="tiny-base", device="cuda", dtype="bfloat16", cuda_graphs=True)
    previous = synth.synthesize(TEXT, 4, fixed_length=True).codes
    inputs = ({"reference": seeded_clip(3.0), "reference_text": "Hi."} if mode == "voice-clone"
              else {"codes": previous})
    result = synth.synthesize(TEXT, 4, fixed_length=True, mode=mode, **inputs)
    assert result.codes.shape == (1, 16, 4) and torch.isfinite(result.audio).all()


@pytest.mark.parametrize("backend", ["math", "efficient", "flash", "cudnn"])
def test_every_sdpa_backend_runs_or_names_its_limit(backend):
    try:
        result = Synthesizer("tiny", "cuda", "bfloat16", 0, sdpa_backend=backend).synthesize(
            TEXT, 3, fixed_length=True)
    except RuntimeError as exc:  # a backend this GPU/dtype lacks says so
        pytest.skip(f"{backend}: {exc}")
    assert torch.isfinite(result.audio).all()
