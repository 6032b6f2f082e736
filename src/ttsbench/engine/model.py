"""The whole pipeline as one module: talker, code predictor and codec decoder of a preset."""

from __future__ import annotations

import torch
from torch import nn

from ttsbench.engine.code_predictor import CodePredictor
from ttsbench.engine.config import ModelConfig
from ttsbench.engine.decoder12hz import Decoder12Hz
from ttsbench.engine.talker import Talker


class Qwen3TTSModel(nn.Module):
    """Talker -> CodePredictor -> Decoder12Hz, built from a ``ModelConfig``."""

    def __init__(self, config: ModelConfig) -> None:
        super().__init__()
        self.config = config
        self.talker = Talker(config.talker)
        self.code_predictor = CodePredictor(config.code_predictor, config.talker.hidden_size)
        self.decoder = Decoder12Hz(config.decoder)

    def frame_embedding(self, codes: torch.Tensor) -> torch.Tensor:
        """Talker input for frames ``codes`` ``[B, 16]``: the sum of the first code's talker
        embedding and the 15 residual codes' code-predictor embeddings, ``[B, hidden]``."""
        total = self.talker.codec_embedding(codes[:, 0])
        for group, embedding in enumerate(self.code_predictor.codec_embedding):
            total = total + embedding(codes[:, group + 1])
        return total
