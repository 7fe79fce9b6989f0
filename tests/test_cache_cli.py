"""The result cache from the command line: a warm run prints the cold run's bytes without
importing torch; --no-cache, damaged entries and ``cnnarch cache info|clear``."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT, run

PROBE = (
    "import runpy, sys; report = sys.argv.pop(1); sys.argv = ['cnnarch', *sys.argv[1:]]\n"
    "try: runpy.run_module('cnnarch', run_name='__main__')\n"
    "finally: open(report, 'w').write('yes' if 'torch' in sys.modules else 'no')"
)


def cnnarch(cache: Path, *args: str) -> tuple[int, bytes, bytes, bool]:
    """A fresh process: (exit code, stdout, stderr, whether it imported torch)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CNNARCH_")}
    env.update(CNNARCH_CACHE_DIR=str(cache), NO_COLOR="1", COLUMNS="160")
    report = cache.parent / "imported-torch"
    done = subprocess.run(
        [sys.executable, "-c", PROBE, str(report), *args], cwd=ROOT, env=env, capture_output=True, timeout=600
    )
    return done.returncode, done.stdout, done.stderr, report.read_text() == "yes"


def entries(cache: Path) -> list[Path]:
    return sorted(cache.glob("*.entry"))


COMMANDS = [
    ["summary", "alexnet", "--memory", "--format", "json"],
    ["summary", "resnet18", "--convention", "fvcore"],
    ["explain", "googlenet", "--layers", "inception3a"],
    ["compare", "alexnet", "vgg11", "resnet18", "--format", "markdown"],
    ["explain", "conv 96 k11 s4 > relu > maxpool k3 s2", "--input", "3x227x227"],
]


@pytest.mark.parametrize("args", COMMANDS, ids=lambda a: " ".join(a[:2]))
def test_a_warm_run_prints_the_cold_runs_bytes_without_torch(tmp_path, args):
    cache = tmp_path / "cache"
    cold = cnnarch(cache, *args)
    assert cold[0] == 0, cold[2].decode()
    assert cold[3], "the cold run traced the model"
    assert entries(cache), "the cold run stored its result"
    warm = cnnarch(cache, *args)
    assert warm[:3] == cold[:3]
    assert not warm[3], "the warm run imported torch"


def test_no_cache_neither_reads_nor_writes(tmp_path):
    cache = tmp_path / "cache"
    args = ["summary", "alexnet", "--format", "csv"]
    fresh = cnnarch(cache, *args, "--no-cache")
    assert fresh[0] == 0 and fresh[3]
    assert entries(cache) == []
    stored = cnnarch(cache, *args)
    (entry,) = entries(cache)
    stamp = entry.stat().st_mtime_ns
    again = cnnarch(cache, *args, "--no-cache")
    assert again[3], "--no-cache traced the model again"
    assert again[:3] == stored[:3] == fresh[:3]
    assert entry.stat().st_mtime_ns == stamp


def test_damaged_entries_are_recomputed_and_rewritten(tmp_path):
    cache = tmp_path / "cache"
    args = ["compare", "alexnet", "vgg11", "--format", "json"]
    cold = cnnarch(cache, *args)
    for i, entry in enumerate(entries(cache)):
        blob = entry.read_bytes()
        entry.write_bytes(blob[: len(blob) // 2] if i % 2 else b"\x00garbage")
    damaged = cnnarch(cache, *args)
    assert damaged[:3] == cold[:3]
    assert damaged[3], "a damaged entry was not a miss"
    warm = cnnarch(cache, *args)
    assert warm[:3] == cold[:3] and not warm[3], "the damaged entries were not rewritten"


def test_a_python_file_model_is_never_cached(tmp_path):
    cache = tmp_path / "cache"
    model = tmp_path / "net.py"
    model.write_text("import torch\n\nclass Net(torch.nn.Sequential):\n    def __init__(self):\n"
                     "        super().__init__(torch.nn.Conv2d(3, 8, 3), torch.nn.ReLU())\n")  # fmt: skip
    done = cnnarch(cache, "summary", f"{model}:Net", "--input", "3x32x32")
    assert done[0] == 0, done[2].decode()
    assert entries(cache) == []


def test_a_user_error_is_not_cached(tmp_path):
    cache = tmp_path / "cache"
    code, _, err, _ = cnnarch(cache, "summary", "alexnet", "--dtype", "fp13")
    assert code == 2 and b"fp13" in err
    assert entries(cache) == []


@pytest.fixture
def cache_on(tmp_path, monkeypatch):
    monkeypatch.delenv("CNNARCH_NO_CACHE", raising=False)
    monkeypatch.setenv("CNNARCH_CACHE_DIR", str(tmp_path))
    return tmp_path


def test_cache_info_and_clear(cache_on):
    code, out, _ = run("summary", "lenet5", "--format", "json")
    assert code == 0
    code, out, _ = run("cache", "info", "--format", "json")
    info = json.loads(out)
    size = sum(p.stat().st_size for p in entries(cache_on))
    assert code == 0 and info["entries"] == 1 and info["bytes"] == size > 0
    assert info["directory"] == str(cache_on) and info["enabled"]
    code, out, _ = run("cache", "info")
    assert code == 0 and str(cache_on) in out and "entries:   1" in out
    code, out, _ = run("cache", "clear")
    assert code == 0 and out.startswith("removed 1 entry")
    assert entries(cache_on) == []


def test_cache_info_follows_xdg_cache_home(tmp_path, monkeypatch):
    monkeypatch.delenv("CNNARCH_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    _, out, _ = run("cache", "info", "--format", "json")
    if sys.platform.startswith("linux"):
        assert json.loads(out)["directory"] == str(tmp_path / "cnnarch" / "results")


def test_flops_reads_its_own_counts_from_the_cache_and_runs_the_tools(tmp_path):
    cache = tmp_path / "cache"
    args = ["flops", "alexnet", "--vs", "fvcore,thop", "--format", "json"]
    cold = cnnarch(cache, *args)
    assert cold[0] == 0, cold[2].decode()
    warm = cnnarch(cache, *args)
    first, again = json.loads(cold[1]), json.loads(warm[1])
    assert again["cnnarch_seconds"] == first["cnnarch_seconds"], "cnnarch traced again"
    for tool in (*first["tools"], *again["tools"]):
        assert tool["status"] == "ok" and tool.pop("seconds") > 0  # the tools ran, both times
    # the one difference: the warm run says its own counts (and their time) came from the cache
    assert (first.pop("cnnarch_cached"), again.pop("cnnarch_cached")) == (False, True)
    assert again == first
    assert len(entries(cache)) == 1
