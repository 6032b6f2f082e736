"""Model variants: published sizes on the meta device, speaker tables, what each variant takes."""

import pytest
import torch

from ttsbench.engine.config import PUBLIC_PARAMETER_COUNTS
from ttsbench.engine.speaker_encoder import SpeakerEncoder
from ttsbench.engine.variants import PUBLISHED_SPEAKER_IDS, VARIANTS, get_variant
from ttsbench.engine.weights import count_parameters, count_variant_parameters

PUBLISHED = ["0.6b-base", "1.7b-base", "1.7b-customvoice", "1.7b-voicedesign"]


def test_the_four_published_variants_and_tiny_versions_exist():
    for name in PUBLISHED:
        assert name in VARIANTS
    for kind in ("base", "customvoice", "voicedesign"):
        assert f"tiny-{kind}" in VARIANTS


@pytest.mark.parametrize("name", PUBLISHED)
def test_variant_checkpoints_are_within_3_percent_of_the_published_size(name):
    counts = count_variant_parameters(name)
    public = PUBLIC_PARAMETER_COUNTS[get_variant(name).preset]
    assert abs(counts["checkpoint"] - public) / public < 0.03
    assert counts["total"] == counts["checkpoint"] + counts["decoder"]


def test_only_base_variants_carry_a_speaker_encoder_of_the_published_width():
    assert count_variant_parameters("1.7b-customvoice")["speaker_encoder"] == 0
    assert count_variant_parameters("1.7b-voicedesign")["speaker_encoder"] == 0
    small, large = (count_variant_parameters(n)["speaker_encoder"] for n in ("0.6b-base",
                                                                            "1.7b-base"))
    # Same ECAPA-TDNN trunk; only the final 3072 -> enc_dim projection grows (1024 -> 2048).
    assert large - small == 3072 * 1024 + 1024
    assert 5_000_000 < small < 15_000_000
    base = count_parameters("1.7b")["checkpoint"]
    assert count_variant_parameters("1.7b-base")["checkpoint"] == base + large


def test_speaker_encoder_counts_on_meta_allocate_nothing():
    with torch.device("meta"):
        encoder = SpeakerEncoder(VARIANTS["1.7b-base"].speaker_encoder)
    assert {p.device.type for p in encoder.parameters()} == {"meta"}
    assert encoder.fc.out_channels == 2048


def test_customvoice_speakers_are_the_published_table():
    variant = VARIANTS["1.7b-customvoice"]
    assert dict(variant.speakers) == PUBLISHED_SPEAKER_IDS
    assert variant.speaker_id("ryan") == 3061
    tiny = VARIANTS["tiny-customvoice"]
    assert [name for name, _ in tiny.speakers] == list(PUBLISHED_SPEAKER_IDS)
    assert all(codec_id < 1280 for _, codec_id in tiny.speakers)


@pytest.mark.parametrize(("name", "modes"), [
    ("1.7b-base", ("text", "voice-clone", "continue")),
    ("1.7b-customvoice", ("text", "continue")),
    ("1.7b-voicedesign", ("text", "continue")),
])
def test_modes_per_variant(name, modes):
    assert VARIANTS[name].modes == modes


@pytest.mark.parametrize(("call", "message"), [
    (lambda: get_variant("2b-base"), "variant='2b-base' is unknown: choose one of"),
    (lambda: VARIANTS["1.7b-customvoice"].speaker_id("bob"), "speaker='bob' is unknown"),
    (lambda: VARIANTS["1.7b-base"].speaker_id("ryan"), "no preset speakers"),
])
def test_unknown_names_list_the_choices(call, message):
    with pytest.raises(ValueError, match=message):
        call()
