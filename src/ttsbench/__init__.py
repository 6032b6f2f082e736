"""ttsbench: asv-based performance-regression tracking for a TTS inference stack."""

__version__ = "0.1.0"
