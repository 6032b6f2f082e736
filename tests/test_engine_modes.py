"""Generation modes, variants' prompts and the unified/separate engines on the tiny presets."""

from pathlib import Path

import pytest
import torch

from ttsbench.engine.audio import read_wav, write_wav
from ttsbench.engine.reference import FIXTURE_SECONDS, fixture_path, seeded_clip
from ttsbench.engine.synthesizer import FrameGenerator, Synthesizer

TEXT = "The quick brown fox."
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
CLIP_3S = fixture_path(FIXTURES, 3)


@pytest.fixture(scope="module")
def base():
    return Synthesizer(variant="tiny-base")


def test_fixture_clips_are_the_seeded_clips_at_24_khz():
    for seconds in FIXTURE_SECONDS:
        audio, rate = read_wav(fixture_path(FIXTURES, seconds))
        assert rate == 24_000 and audio.numel() == seconds * 24_000
        expected = (seeded_clip(seconds).clamp(-1, 1) * 32767).round() / 32767
        torch.testing.assert_close(audio, expected, rtol=0, atol=1e-6)


@pytest.mark.parametrize("kwargs", [{}, {"batch_size": 2}])
def test_separate_engines_give_the_unified_outputs_for_the_same_seed(kwargs):
    unified = Synthesizer("tiny", arch="unified").synthesize(TEXT, 6, fixed_length=True, **kwargs)
    separate = Synthesizer("tiny", arch="separate").synthesize(TEXT, 6, fixed_length=True,
                                                               **kwargs)
    assert torch.equal(unified.codes, separate.codes)
    assert torch.equal(unified.audio, separate.audio)


def test_separate_engines_hand_tensors_through_the_host(monkeypatch):
    moves = []
    original = torch.Tensor.to

    def spy(self, *args, **kwargs):
        moves.append(args[0] if args else kwargs.get("device"))
        return original(self, *args, **kwargs)

    synth = Synthesizer("tiny", arch="separate")
    monkeypatch.setattr(torch.Tensor, "to", spy)
    synth.synthesize(TEXT, 3, fixed_length=True)
    monkeypatch.undo()
    assert moves.count("cpu") >= 3 * 3  # hidden, first code and residual codes, every frame


def test_text_mode_of_the_base_variant_is_the_preset_pipeline():
    plain = Synthesizer("tiny").synthesize(TEXT, 4, fixed_length=True)
    variant = Synthesizer(variant="tiny-base").synthesize(TEXT, 4, fixed_length=True,
                                                          mode="text")
    assert torch.equal(plain.codes, variant.codes)


def test_voice_clone_depends_on_the_reference_and_adds_a_speaker_position(base):
    tone = 0.3 * torch.sin(2 * torch.pi * 440.0 * torch.arange(72_000) / 24_000)
    one = base.synthesize(TEXT, 4, fixed_length=True, mode="voice-clone", reference=CLIP_3S)
    two = base.synthesize(TEXT, 4, fixed_length=True, mode="voice-clone", reference=tone)
    assert not torch.equal(one.codes, two.codes)
    again = base.synthesize(TEXT, 4, fixed_length=True, mode="voice-clone", reference=CLIP_3S)
    assert torch.equal(one.codes, again.codes)
    frames = FrameGenerator(base, lambda: base.conditioner.embeds(_request(reference=CLIP_3S), 1),
                            2, None, True)
    assert frames.context is None
    assert frames.state.position == 1 + len(TEXT) + 1  # speaker, text, speech start


def test_in_context_voice_clone_puts_the_clip_codes_before_the_new_frames(base):
    frames = FrameGenerator(
        base, lambda: base.conditioner.embeds(_request(reference=CLIP_3S, reference_text="Hi."),
                                              1), 2, None, True)
    # 3 s of reference at 12.5 Hz = 38 context frames; prompt = speaker + 3 + 20 text + start
    assert frames.context.shape == (1, 16, 38)
    assert frames.state.position == 1 + len("Hi.") + len(TEXT) + 1 + 38
    result = base.synthesize(TEXT, 4, fixed_length=True, mode="voice-clone", reference=CLIP_3S,
                             reference_text="Hi.")
    assert result.codes.shape == (1, 16, 4) and result.audio.numel() == 4 * 1920


def _request(**kwargs):
    from ttsbench.engine.prompts import GenerationRequest

    return GenerationRequest(TEXT, mode="voice-clone", **kwargs)


def test_continue_resumes_from_codes_and_decodes_only_the_new_frames(base):
    first = base.synthesize(TEXT, 6, fixed_length=True)
    resumed = base.synthesize(TEXT, 4, fixed_length=True, mode="continue", codes=first.codes)
    assert resumed.codes.shape == (1, 16, 4) and resumed.audio.numel() == 4 * 1920
    streamed = list(base.synthesize_streaming(TEXT, 3, max_frames=4, fixed_length=True,
                                              mode="continue", codes=first.codes))
    torch.testing.assert_close(torch.cat(streamed), resumed.audio)


def test_customvoice_speaker_and_instruction_change_the_output():
    synth = Synthesizer(variant="tiny-customvoice")
    ryan = synth.synthesize(TEXT, 4, fixed_length=True, speaker="ryan").codes
    vivian = synth.synthesize(TEXT, 4, fixed_length=True, speaker="vivian").codes
    happy = synth.synthesize(TEXT, 4, fixed_length=True, speaker="ryan", instruct="Happy.").codes
    assert not torch.equal(ryan, vivian) and not torch.equal(ryan, happy)


def test_voicedesign_uses_the_description_as_instruction():
    synth = Synthesizer(variant="tiny-voicedesign")
    calm = synth.synthesize(TEXT, 4, fixed_length=True).codes
    gruff = synth.synthesize(TEXT, 4, fixed_length=True, instruct="A gruff old voice.").codes
    assert not torch.equal(calm, gruff)


def _clip_at(tmp_path, rate):
    path = tmp_path / f"clip_{rate}.wav"
    write_wav(path, seeded_clip(3.0)[: 3 * rate], rate)
    return path


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"mode": "sing"}, "mode='sing' is unknown: choose one of text, voice-clone, continue"),
    ({"mode": "voice-clone"}, "needs a reference clip"),
    ({"mode": "continue"}, "mode='continue' needs codes"),
    ({"mode": "continue", "codes": torch.zeros(16, 3, dtype=torch.long)}, r"\[1, 16, T>0\]"),
    ({"mode": "continue", "codes": torch.full((1, 16, 2), 9999)}, "values must lie"),
    ({"speaker": "ryan"}, "has no preset speakers"),
    ({"instruct": "Loud."}, "takes no instruction"),
    ({"mode": "voice-clone", "reference": torch.zeros(48_000)}, "silent"),
    ({"mode": "voice-clone", "reference": seeded_clip(0.5)}, "give at least 1 s"),
    ({"mode": "voice-clone", "reference": CLIP_3S.with_name("nope.wav")}, "not a readable WAV"),
    ({"mode": "voice-clone", "reference": FIXTURES / "short.txt"}, "not a readable WAV"),
    ({"tempo": 2}, "conditioning takes mode, reference"),
])
def test_bad_conditioning_is_one_clear_value_error(base, kwargs, message):
    with pytest.raises(ValueError, match=message):
        base.synthesize(TEXT, 2, **kwargs)


def test_a_clip_at_the_wrong_rate_is_refused(base, tmp_path):
    with pytest.raises(ValueError, match="16000 Hz; the speaker encoder needs 24000 Hz"):
        base.synthesize(TEXT, 2, mode="voice-clone", reference=_clip_at(tmp_path, 16_000))


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"variant": "tiny-customvoice", "arch": "fused"}, "arch='fused' is unknown"),
    ({"variant": "tiny-large"}, "variant='tiny-large' is unknown"),
    ({"preset": "0.6b", "variant": "tiny-base"}, "does not match"),
])
def test_bad_variant_or_arch_is_refused(kwargs, message):
    with pytest.raises(ValueError, match=message):
        Synthesizer(**kwargs)


def test_voice_clone_on_a_variant_without_speaker_encoder_names_the_choices():
    with pytest.raises(ValueError, match="choose one of text, continue or a base variant"):
        Synthesizer(variant="tiny-voicedesign").synthesize(TEXT, 2, mode="voice-clone",
                                                           reference=CLIP_3S)
