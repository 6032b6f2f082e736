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
        fixed = max(0.0, first - chunk * per_frame)
        best = math.floor((target_ms - fixed) / per_frame) if per_frame > 0 else 0
        verdict = "meets" if first <= target_ms else "misses"
        advice = (f"by a linear estimate chunks of up to {best} frames would meet it" if best >= 1 else
                  f"no chunk size meets it: the part before the chunk's frames is {fixed:.1f} ms")
        lines.append(f"{name}: first chunk {first:.1f} ms at {chunk}-frame chunks {verdict} the "
                     f"{target_ms:g} ms target; at {per_frame:.1f} ms per frame {advice}")
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


def claim_recommendations(checks, verdicts: dict[str, str]) -> list[str]:
    """Lines for claim checks: per claim not validated, the estimate against the range and why;
    a significant-looking result whose interval straddles a bound is flagged for more rounds."""
    lines = []
    for claim, verdict in verdicts.items():
        rows = [c for c in checks if c.claim == claim]
        if verdict == "NO DATA":
            reasons = sorted({reason for c in rows for reason in c.reasons})
            lines.append(f"{claim}: no data ({'; '.join(reasons)}); measure it where it can run")
            continue
        for check in rows:
            if check.verdict != "NOT VALIDATED" or not math.isfinite(check.estimate):
                continue
            inside = check.range_low <= check.estimate <= check.range_high
            where = "inside" if inside else "outside"
            scale = 100 if check.unit == "fraction" else 1
            lines.append(
                f"{claim} [{check.param_key}]: estimate {check.estimate * scale:+.3g} "
                f"(CI {check.ci_low * scale:+.3g} .. {check.ci_high * scale:+.3g}) is {where} "
                f"the range {check.range_low * scale:+.3g} .. {check.range_high * scale:+.3g}"
                f"{' (%)' if scale == 100 else ' ' + check.unit}; "
                + ("more rounds may narrow the CI into the range" if inside else
                   f"confidence in range {check.confidence:.0%}: the claim does not hold here"))
    return lines
