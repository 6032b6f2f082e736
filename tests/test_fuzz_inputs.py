"""Property (issue 10): no mutation of the inputs makes a command crash or cry wolf.

Valid result files, benchmarks.json, machine.json and claims files are mutated, bytes or fields,
and ``compare``, ``history``, ``publish --no-asv`` and ``claims`` run in-process on them. Always:
no exception escapes, the exit code is 0, 1 or 2, and no traceback is printed. On results
without a regression, compare, history and publish never exit 1. Mutations never write a
plausible number (bytes of numbers are left alone; fields get nonsense), so a regression can
only come from the unmutated rows.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import tempfile
import tomllib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from probes import BASE, HEAD, MACHINE, OTHER, make_results, result_path

from ttsbench.cli import main

NUMERIC = set(b"0123456789.eE+-")
SAFE_BYTES = st.integers(0, 255).filter(lambda b: b not in NUMERIC)
NONSENSE = st.sampled_from([
    None, "abc", "", -1, 0, -0.0, math.inf, -math.inf, math.nan, 1e308, -1e-3, True, [], {},
    [1, 2], [[1]], {"a": 1}, "1e-3", [None], ["x", "y"],
])


def _files(root: Path) -> dict[str, Path]:
    results = root / "results"
    return {
        "base": result_path(results, BASE), "head": result_path(results, HEAD),
        "other": result_path(results, OTHER), "benchmarks": results / "benchmarks.json",
        "machine": results / MACHINE / "machine.json", "claims": root / "claims.toml",
    }


@st.composite
def byte_mutation(draw):
    """Delete, replace or insert one non-numeric byte, or truncate: (kind, file, position, byte)."""
    return ("bytes", draw(st.sampled_from(sorted(_files(Path("."))))),
            draw(st.sampled_from(["delete", "replace", "insert", "truncate"])),
            draw(st.floats(0, 1)), draw(SAFE_BYTES))


@st.composite
def field_mutation(draw):
    """Replace or delete the node at a random path of a JSON/TOML file: (kind, file, steps, value)."""
    return ("field", draw(st.sampled_from(sorted(_files(Path("."))))),
            draw(st.lists(st.integers(0, 50), min_size=1, max_size=6)),
            draw(st.one_of(st.just("<delete>"), NONSENSE)))


def _apply_bytes(path: Path, how: str, where: float, byte: int) -> None:
    data = bytearray(path.read_bytes())
    safe = [i for i, b in enumerate(data) if b not in NUMERIC]
    if how == "truncate":
        del data[int(where * len(data)):]
    elif safe:
        i = safe[min(int(where * len(safe)), len(safe) - 1)]
        if how == "delete":
            del data[i]
        elif how == "replace":
            data[i] = byte
        else:
            data.insert(i, byte)
    path.write_bytes(bytes(data))


def _apply_field(path: Path, steps: list[int], value) -> None:
    claims = path.suffix == ".toml"
    try:
        tree = tomllib.loads(path.read_text()) if claims else json.loads(path.read_text())
    except (ValueError, tomllib.TOMLDecodeError):
        return  # an earlier byte mutation broke the file already
    node, key = None, None
    child = tree
    for step in steps:
        if isinstance(child, dict) and child:
            node, key = child, sorted(child)[step % len(child)]
        elif isinstance(child, list) and child:
            node, key = child, step % len(child)
        else:
            break
        child = node[key]
    if node is None:
        return
    if value == "<delete>":
        del node[key]
    else:
        node[key] = value
    path.write_text(_toml(tree) if claims else json.dumps(tree))


def _toml_value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and not math.isfinite(value):
        return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value if v is not None) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{json.dumps(k)} = {_toml_value(v)}" for k, v in value.items() if v is not None) + "}"
    return json.dumps(str(value))


def _toml(tree: dict) -> str:
    """The claims file's shape back as TOML (scalars, then [[claim]] tables); None is dropped."""
    lines = [f"{json.dumps(k)} = {_toml_value(v)}" for k, v in tree.items()
             if k != "claim" and v is not None]
    claims = tree.get("claim")
    if isinstance(claims, list) and all(isinstance(t, dict) for t in claims):
        for table in claims:
            lines += ["", "[[claim]]"] + [f"{json.dumps(k)} = {_toml_value(v)}"
                                          for k, v in table.items() if v is not None]
    elif claims is not None:
        lines.append(f"claim = {_toml_value(claims)}")
    return "\n".join(lines) + "\n"


def _argv(command: str, root: Path, html: Path) -> list[str]:
    results = str(root / "results")
    cache = ["--cache", str(root / "cache"), "--repo", str(root)]
    return {
        "compare": ["compare", BASE, HEAD, "--results", results, "--fail-on", "low", "--format", "json"],
        "history": ["history", "--results", results, "--format", "json", *cache],
        "publish": ["publish", "--no-asv", "--results", results, "--html-dir", str(html),
                    "--config", str(root / "absent.json"), *cache],
        "claims": ["claims", str(root / "claims.toml"), BASE, HEAD, "--results", results],
    }[command]


@pytest.fixture(scope="module")
def pristine(tmp_path_factory):
    """The two unmutated trees, with and without a planted regression, and a reusable html dir."""
    base = tmp_path_factory.mktemp("fuzz")
    trees = {planted: make_results(base / f"regression-{planted}", regression=planted).parent
             for planted in (True, False)}
    return trees, base / "html"


def _check(pristine, capsys, command: str, planted: bool, mutations) -> None:
    trees, html = pristine
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch) / "tree"
        shutil.copytree(trees[planted], root)
        files = _files(root)
        for mutation in mutations:
            if mutation[0] == "bytes":
                _apply_bytes(files[mutation[1]], *mutation[2:])
            else:
                _apply_field(files[mutation[1]], *mutation[2:])
        code = main(_argv(command, root, html))
    _, err = capsys.readouterr()
    event(f"{command} exit {code}, {'with' if planted else 'no'} regression")
    assert code in (0, 1, 2), (code, err)
    assert "Traceback" not in err and "internal error" not in err, err
    if command != "claims" and not planted:
        assert code != 1, (mutations, err)


MUTATIONS = st.lists(st.one_of(byte_mutation(), field_mutation()), min_size=1, max_size=3)
# 168 examples, about 30 s on the shared 2-core box; TTSBENCH_FUZZ_SCALE=10 for a deeper search.
SCALE = float(os.environ.get("TTSBENCH_FUZZ_SCALE", "1"))
EXAMPLES = {"compare": 80, "history": 40, "publish": 8, "claims": 40}


@pytest.mark.parametrize("command", sorted(EXAMPLES))
def test_no_mutation_crashes_or_cries_wolf(pristine, capsys, command):
    @settings(max_examples=max(1, int(EXAMPLES[command] * SCALE)), deadline=None, database=None,
              derandomize=SCALE == 1,
              suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
    @given(planted=st.booleans(), mutations=MUTATIONS)
    def check(planted, mutations):
        _check(pristine, capsys, command, planted, mutations)

    check()
