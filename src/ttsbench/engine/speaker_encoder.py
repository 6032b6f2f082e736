"""An ECAPA-TDNN speaker encoder (as in Qwen3-TTS's Base models): mel frames -> speaker embedding.

Layout (``SpeakerEncoderConfig``): a TDNN block, three SE-Res2Net blocks with growing dilation,
multi-layer feature aggregation of their outputs, attentive statistics pooling (weighted mean
and standard deviation over time, attention conditioned on the global statistics) and a 1x1
projection to ``enc_dim`` (the talker width, so the embedding enters the prompt directly).
Convolutions pad "same" with reflection. Weights are seeded random like the rest of the engine.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from ttsbench.engine.variants import SpeakerEncoderConfig


class TDNNBlock(nn.Module):
    """Conv1d ("same" length, reflect padding) + ReLU."""

    def __init__(self, channels_in: int, channels_out: int, kernel: int, dilation: int) -> None:
        super().__init__()
        self.pad = dilation * (kernel - 1) // 2
        self.conv = nn.Conv1d(channels_in, channels_out, kernel, dilation=dilation)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.pad:
            x = F.pad(x, (self.pad, self.pad), mode="reflect")
        return F.relu(self.conv(x))


class SERes2NetBlock(nn.Module):
    """1x1 TDNN, Res2Net (``scale`` channel groups, each conv fed the previous group's output),
    1x1 TDNN, squeeze-excitation, residual."""

    def __init__(self, channels: int, kernel: int, dilation: int, scale: int, se: int) -> None:
        super().__init__()
        width = channels // scale
        self.scale = scale
        self.tdnn1 = TDNNBlock(channels, channels, 1, 1)
        self.res2net = nn.ModuleList(
            TDNNBlock(width, width, kernel, dilation) for _ in range(scale - 1)
        )
        self.tdnn2 = TDNNBlock(channels, channels, 1, 1)
        self.se_down = nn.Conv1d(channels, se, 1)
        self.se_up = nn.Conv1d(se, channels, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        groups = self.tdnn1(x).chunk(self.scale, dim=1)
        outputs = [groups[0]]
        previous = None
        for group, conv in zip(groups[1:], self.res2net):
            previous = conv(group if previous is None else group + previous)
            outputs.append(previous)
        y = self.tdnn2(torch.cat(outputs, dim=1))
        gate = torch.sigmoid(self.se_up(F.relu(self.se_down(y.mean(dim=2, keepdim=True)))))
        return x + y * gate


class AttentiveStatisticsPooling(nn.Module):
    """Attention weights over time from [frames, global mean, global std] -> weighted mean+std."""

    def __init__(self, channels: int, attention: int) -> None:
        super().__init__()
        self.tdnn = TDNNBlock(channels * 3, attention, 1, 1)
        self.conv = nn.Conv1d(attention, channels, 1)

    @staticmethod
    def _stats(x: torch.Tensor, weights: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        mean = (weights * x).sum(dim=2)
        var = (weights * (x - mean[:, :, None]).square()).sum(dim=2)
        return mean, var.clamp(min=1e-12).sqrt()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        frames = x.shape[2]
        uniform = torch.full_like(x[:, :1], 1.0 / frames)
        mean, std = self._stats(x, uniform)
        context = torch.cat((x, mean[:, :, None].expand_as(x), std[:, :, None].expand_as(x)), 1)
        weights = torch.softmax(self.conv(torch.tanh(self.tdnn(context))), dim=2)
        mean, std = self._stats(x, weights)
        return torch.cat((mean, std), dim=1)


class SpeakerEncoder(nn.Module):
    """ECAPA-TDNN: mel ``[B, mel_dim, frames]`` -> speaker embedding ``[B, enc_dim]``."""

    def __init__(self, config: SpeakerEncoderConfig) -> None:
        super().__init__()
        self.config = config
        c = config
        self.blocks = nn.ModuleList([TDNNBlock(c.mel_dim, c.channels[0], c.kernel_sizes[0],
                                               c.dilations[0])])
        for index in range(1, len(c.channels) - 1):
            self.blocks.append(SERes2NetBlock(c.channels[index], c.kernel_sizes[index],
                                              c.dilations[index], c.res2net_scale,
                                              c.se_channels))
        self.mfa = TDNNBlock(sum(c.channels[1:-1]), c.channels[-1], c.kernel_sizes[-1],
                             c.dilations[-1])
        self.asp = AttentiveStatisticsPooling(c.channels[-1], c.attention_channels)
        self.fc = nn.Conv1d(c.channels[-1] * 2, c.enc_dim, 1)

    def forward(self, mel: torch.Tensor) -> torch.Tensor:
        x = self.blocks[0](mel)
        hidden = []
        for block in self.blocks[1:]:
            x = block(x)
            hidden.append(x)
        pooled = self.asp(self.mfa(torch.cat(hidden, dim=1)))
        return self.fc(pooled[:, :, None])[:, :, 0]
