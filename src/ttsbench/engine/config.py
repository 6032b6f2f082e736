"""Model configurations of the Qwen3-TTS-style 12 Hz pipeline and its presets.

The figures of the ``0.6b`` and ``1.7b`` presets follow the public Qwen3-TTS-12Hz configs
(talker, code predictor, and the 12 Hz speech-tokenizer decoder). ``tiny`` keeps the same topology
at a few million parameters so the whole pipeline runs on a CPU in CI.

``PUBLIC_PARAMETER_COUNTS`` holds the published sizes of the talker checkpoints (talker + code
predictor + text embedding/projection); the codec decoder ships as a separate checkpoint
(Qwen3-TTS-Tokenizer-12Hz) and is therefore counted separately (see ``engine.weights``).
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields

SAMPLE_RATE = 24_000
FRAME_RATE_HZ = 12.5
SAMPLES_PER_FRAME = 1920
NUM_CODE_GROUPS = 16


@dataclass(frozen=True)
class DecoderStackConfig:
    """A stack of Qwen3 decoder layers: what ``layers.decoder_layers`` and the RoPE tables read.

    The talker, the code predictor and the delayed-pattern LM are such stacks; RoPE base and norm
    epsilon are keyword-only so each model's own fields keep their positional order.
    """

    hidden_size: int
    num_layers: int
    num_heads: int
    num_kv_heads: int
    head_dim: int
    intermediate_size: int
    rope_theta: float = field(default=1_000_000.0, kw_only=True)
    rms_norm_eps: float = field(default=1e-6, kw_only=True)


def stack_of(config: DecoderStackConfig) -> dict[str, int | float]:
    """The decoder-stack fields of ``config`` as keywords, to build another model of its size."""
    return {f.name: getattr(config, f.name) for f in fields(DecoderStackConfig)}


@dataclass(frozen=True)
class TalkerConfig(DecoderStackConfig):
    """The Qwen3 decoder that predicts the first (semantic) codebook of each 12.5 Hz frame.

    The codec vocabulary is the ``codebook_size`` code ids followed by 1024 control ids (pad,
    BOS, EOS, ...); the sampler suppresses the control ids except EOS.
    """

    codec_vocab_size: int = 3072
    text_vocab_size: int = 151_936
    text_hidden_size: int = 2048
    num_code_groups: int = NUM_CODE_GROUPS
    mrope_section: tuple[int, int, int] = (24, 20, 20)
    max_positions: int = 32_768
    codebook_size: int = 2048
    codec_pad_id: int = 2148
    codec_bos_id: int = 2149
    codec_eos_id: int = 2150


@dataclass(frozen=True)
class CodePredictorConfig(DecoderStackConfig):
    """The small decoder that predicts the 15 residual codebooks of a frame, one after another."""

    vocab_size: int = 2048
    num_residual_groups: int = NUM_CODE_GROUPS - 1


@dataclass(frozen=True)
class Decoder12HzConfig:
    """The codec decoder: RVQ dequantisation, a sliding-window transformer, causal upsampling."""

    num_quantizers: int = NUM_CODE_GROUPS
    num_semantic_quantizers: int = 1
    codebook_size: int = 2048
    codebook_dim: int = 512
    latent_dim: int = 1024
    hidden_size: int = 512
    num_layers: int = 8
    num_heads: int = 16
    head_dim: int = 64
    intermediate_size: int = 1024
    sliding_window: int = 72
    rope_theta: float = 10_000.0
    rms_norm_eps: float = 1e-5
    layer_scale: float = 0.01
    latent_upsample_rates: tuple[int, ...] = (2, 2)
    decoder_dim: int = 1536
    upsample_rates: tuple[int, ...] = (8, 5, 4, 3)

    @property
    def samples_per_frame(self) -> int:
        """Output samples per 12.5 Hz frame (the product of every upsampling stride)."""
        total = 1
        for rate in (*self.latent_upsample_rates, *self.upsample_rates):
            total *= rate
        return total


@dataclass(frozen=True)
class ModelConfig:
    """One preset: the three networks of the pipeline."""

    name: str
    talker: TalkerConfig
    code_predictor: CodePredictorConfig
    decoder: Decoder12HzConfig = field(default_factory=Decoder12HzConfig)


_TINY = ModelConfig(
    name="tiny",
    talker=TalkerConfig(
        hidden_size=96, num_layers=4, num_heads=4, num_kv_heads=2, head_dim=32,
        intermediate_size=256, codec_vocab_size=1280, text_vocab_size=320, text_hidden_size=128,
        mrope_section=(6, 5, 5), codebook_size=256, codec_pad_id=356, codec_bos_id=357,
        codec_eos_id=358, max_positions=2048,
    ),
    code_predictor=CodePredictorConfig(
        hidden_size=96, num_layers=2, num_heads=4, num_kv_heads=2, head_dim=32,
        intermediate_size=256, vocab_size=256,
    ),
    decoder=Decoder12HzConfig(
        codebook_size=256, codebook_dim=32, latent_dim=64, hidden_size=32, num_layers=2,
        num_heads=2, head_dim=16, intermediate_size=64, decoder_dim=64,
    ),
)

# The 0.6B and 1.7B share one code predictor; the 1.7B's wider talker adds its input projection.
_CODE_PREDICTOR = CodePredictorConfig(
    hidden_size=1024, num_layers=5, num_heads=16, num_kv_heads=8, head_dim=128,
    intermediate_size=3072,
)


def _published(name: str, hidden_size: int, intermediate_size: int) -> ModelConfig:
    """A published size: 28 talker layers of 16 heads (8 KV) of 128, the shared code predictor."""
    talker = TalkerConfig(
        hidden_size=hidden_size, num_layers=28, num_heads=16, num_kv_heads=8, head_dim=128,
        intermediate_size=intermediate_size,
    )
    return ModelConfig(name=name, talker=talker, code_predictor=_CODE_PREDICTOR)


PRESETS: dict[str, ModelConfig] = {cfg.name: cfg for cfg in (
    _TINY, _published("0.6b", 1024, 3072), _published("1.7b", 2048, 6144),
)}

# Published sizes of the Qwen3-TTS-12Hz talker checkpoints (talker + code predictor).
PUBLIC_PARAMETER_COUNTS: dict[str, int] = {"0.6b": 906_000_000, "1.7b": 1_917_000_000}


def get_preset(name: str) -> ModelConfig:
    """The preset called ``name``; ValueError naming the valid choices otherwise."""
    try:
        return PRESETS[name]
    except KeyError:
        raise ValueError(
            f"unknown preset {name!r}: choose one of {', '.join(PRESETS)}"
        ) from None
