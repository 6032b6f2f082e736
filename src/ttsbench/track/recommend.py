"""Recommendations drawn only from measured figures, each line citing the numbers it rests on.

``e2e_recommendations`` reads an e2e report (first audio against a target, chunk size, real time,
the dominant stage); ``claim_recommendations`` reads claim checks (what failed, and whether more
rounds could decide it). A figure that is absent yields no line: no advice without a number.
"""

from __future__ import annotations

import math

FRAME_MS = 80.0  # audio per 12.5 Hz frame


def _frames(row: dict) -> int:
    return max(1, round(row["tokens_per_second"] * row["wall_clock_ms"] / 1000))


def _first_audio(report: dict, target_ms: float) -> list[str]:
    features, lines = report["features"], []
    for row in report["results"]:
        frames = _frames(row)
        per_frame = row["wall_clock_ms"] / frames
        first = row["time_to_first_chunk_ms"]
        name = row["input"]
        if not features.get("streaming"):
            lines.append(
                f"{name}: first audio {first:.1f} ms without streaming "
                f"({'meets' if first <= target_ms else 'misses'} the {target_ms:g} ms target); "
                f"at {per_frame:.1f} ms per frame a streamed chunk of c frames needs about "
                f"c x {per_frame:.1f} ms plus the prefill")
            continue
        chunk = features.get("chunk_frames") or 1
        per_chunk_frame = first / chunk  # prefill and the chunk's decode spread over its frames
        best = math.floor(target_ms / per_chunk_frame)
        verdict = "meets" if first <= target_ms else "misses"
        advice = (f"chunks of up to {best} frames should meet it" if best >= 1 else
                  "no chunk size meets it: even a 1-frame chunk costs more")
        lines.append(f"{name}: first chunk {first:.1f} ms at {chunk}-frame chunks {verdict} the "
                     f"{target_ms:g} ms target; at {per_chunk_frame:.1f} ms per frame of the "
                     f"first chunk (prefill included) {advice}")
    return lines


def e2e_recommendations(report: dict, target_ms: float) -> list[str]:
    """Lines for an e2e report (see ``cli.e2e``); every number is from ``report``."""
    lines = _first_audio(report, target_ms)
    slow = [row for row in report["results"] if row["realtime_factor"] < 1.0]
    for row in slow:
        per_frame = row["wall_clock_ms"] / _frames(row)
        lines.append(f"{row['input']}: RTF {row['realtime_factor']:.2f}, below real time: a frame "
                     f"takes {per_frame:.1f} ms against {FRAME_MS:g} ms of audio; a faster device, "
                     "dtype or arch is needed for live use")
    if report["results"]:
        row = max(report["results"], key=lambda r: r["wall_clock_ms"])
        stages = row["stages"]
        name, ms = max(stages.items(), key=lambda item: item[1])
        share = ms / row["wall_clock_ms"]
        lines.append(f"{row['input']}: {name.removesuffix('_ms').replace('_', ' ')} takes "
                     f"{ms:.1f} ms of {row['wall_clock_ms']:.1f} ms ({share:.0%}); optimise it "
                     "first")
    return lines


def _value(value: float, unit: str) -> str:
    """A claim figure in its natural unit: %, ms, MB, else the benchmark's own unit."""
    if not math.isfinite(value):
        return "-inf" if value < 0 else "+inf"
    if unit == "fraction":
        return f"{value * 100:+.1f}%"
    if unit == "seconds":
        return f"{value * 1e3:+.1f} ms"
    if unit == "bytes":
        return f"{value / 2**20:+.1f} MiB"
    return f"{value:+.4g} {unit}"


def claim_recommendations(checks, verdicts: dict[str, str]) -> list[str]:
    """Lines for claim checks: per row not validated, its estimate and CI against the range, and
    whether more rounds could decide it (the CI overlaps the range) or the claim does not hold
    here (the CI lies wholly outside); for a bound, the sibling series that meet it."""
    lines = []
    for claim, verdict in verdicts.items():
        rows = [c for c in checks if c.claim == claim]
        if verdict == "NO DATA":
            reasons = sorted({reason for c in rows for reason in c.reasons})
            lines.append(f"{claim}: no data ({'; '.join(reasons)}); measure it where it runs")
            continue
        for check in rows:
            if check.verdict != "NOT VALIDATED" or not math.isfinite(check.estimate):
                continue
            unit = check.unit
            figures = (f"estimate {_value(check.estimate, unit)} (CI {_value(check.ci_low, unit)}"
                       f" .. {_value(check.ci_high, unit)}) against {check.expected}")
            if check.ci_high < check.range_low or check.ci_low > check.range_high:
                side = "below" if check.ci_high < check.range_low else "above"
                advice = f"the whole CI lies {side} the range: the claim does not hold here"
            else:
                advice = ("the CI overlaps the range: undecided, more rounds would narrow it "
                          f"(confidence in range {check.confidence:.0%})")
            lines.append(f"{claim} [{check.param_key}]: {figures}; {advice}")
            if check.alternatives:
                lines.append(f"{claim}: these measured series meet it: "
                             f"{'; '.join(check.alternatives)}")
    return lines
