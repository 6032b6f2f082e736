"""Per-frame kernels of the TTS pipeline, in torch; each runs on the device of its input tensor.

Modules: ``sampling`` (logits filters, the composed sampler, greedy), ``suppression`` (the cached
special-token mask), ``codes`` (frames -> codebook-major tensor), ``mel`` (two log/power mel
configurations), ``resample`` (polyphase windowed-sinc), ``delay_pattern`` (RVQ delay build/revert).
Bad input raises ``ValueError`` naming the parameter and its value; nothing is clamped.
"""
