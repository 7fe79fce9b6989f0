"""The result cache's store: exact round trips, damaged entries as misses, atomic concurrent
writes (real processes), the size bound, and the key's contents."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import zlib
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cnnarch.cache import codec, key, store
from cnnarch.errors import CnnarchError
from cnnarch.report import Formula


@pytest.fixture
def root(tmp_path, monkeypatch):
    monkeypatch.setenv("CNNARCH_CACHE_DIR", str(tmp_path))
    monkeypatch.delenv("CNNARCH_NO_CACHE", raising=False)
    monkeypatch.delenv("CNNARCH_CACHE_MAX_MB", raising=False)
    return tmp_path


leaves = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False),
    st.text(),
    st.fractions(),
)
values = st.recursive(
    leaves,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.lists(inner, max_size=4).map(tuple),
        st.dictionaries(st.text(max_size=3), inner, max_size=4),
        st.dictionaries(st.integers(), inner, max_size=3),
        st.builds(Formula, *[st.text()] * 3, st.integers(), st.integers(), st.none() | st.text(), st.text()),
    ),
    max_leaves=20,
)


def _same(a, b) -> bool:
    """Equal, and of the same types all the way down (1 == 1.0 == True would hide a lossy codec)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict):
        return list(a) == list(b) and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, Formula):
        return all(_same(getattr(a, f), getattr(b, f)) for f in vars(a))
    return a == b


@settings(max_examples=200, deadline=None)
@given(values)
def test_codec_reads_back_every_value_exactly(value):
    assert _same(codec.decode(json.loads(json.dumps(codec.encode(value)))), value)


def test_a_dict_that_looks_like_a_tag_is_still_a_dict():
    value = {"@": "tuple", "items": [1, 2]}
    assert codec.decode(codec.encode(value)) == value


def test_values_the_codec_cannot_hold_are_not_cached(root):
    class Opaque:
        pass

    assert store.save({"k": 1}, {"x": Opaque()}) is None
    assert store.info().entries == 0


def test_a_foreign_class_in_an_entry_is_refused_without_running_it():
    for path in ("os:system", "builtins:eval", "cnnarch.cache.store:load"):
        data = {"@": "dataclass", "class": path, "fields": {}}
        with pytest.raises(codec.Undecodable):
            codec.decode(data)


LAYER_LIST = "conv 96 k11 s4 > relu > maxpool k3 s2 > flatten > fc 10"


@pytest.mark.parametrize("model", ["alexnet", "googlenet", LAYER_LIST])
def test_a_real_report_reads_back_equal_and_renders_the_same(root, model):
    from cnnarch.api import analyze
    from cnnarch.render.summary import to_csv, to_json

    report = analyze(model, "3x227x227" if ">" in model else None, memory=True)
    store.save({"model": model}, report)
    again = store.load({"model": model})
    assert again == report
    assert to_json(again) == to_json(report) and to_csv(again) == to_csv(report)


def _entry(root: Path) -> Path:
    (found,) = root.glob(f"*{store.SUFFIX}")
    return found


def test_damaged_entries_are_misses_and_rewritten(root):
    k = {"model": "x"}
    value = {"numbers": list(range(500))}
    runs = []

    def compute():
        runs.append(1)
        return value

    partial = {"@": "dataclass", "class": "cnnarch.report:Formula", "fields": {"axis": 1}}
    good = store.save(k, value).read_bytes()
    path = _entry(root)
    damages = {
        "garbage": b"not a cache entry",
        "empty": b"",
        "truncated": good[: len(good) // 2],
        "bit flip": good[:10] + bytes([good[10] ^ 0xFF]) + good[11:],
        "other format": zlib.compress(json.dumps({"format": 999, "key": k, "value": value}).encode()),
        "other key": zlib.compress(json.dumps({"format": store.FORMAT, "key": {}, "value": 1}).encode()),
        "not json": zlib.compress(b"{"),
        "missing fields": zlib.compress(json.dumps({"format": store.FORMAT}).encode()),
        "bad dataclass": zlib.compress(
            json.dumps({"format": store.FORMAT, "key": k, "value": partial}).encode()
        ),
    }
    for name, blob in damages.items():
        path.write_bytes(blob)
        assert store.load(k) is None, name
        runs.clear()
        assert store.cached(k, compute) == value, name
        assert runs == [1], name
        assert store.load(k) == value, f"{name}: not rewritten"


def test_an_unwritable_cache_never_fails_the_computation(tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("a file where the directory should be")
    monkeypatch.setenv("CNNARCH_CACHE_DIR", str(blocker / "cache"))
    monkeypatch.delenv("CNNARCH_NO_CACHE", raising=False)
    assert store.cached({"k": 1}, lambda: 42) == 42


def test_no_cache_and_the_off_switch_neither_read_nor_write(root, monkeypatch):
    store.save({"k": 1}, "stored")
    assert store.cached({"k": 1}, lambda: "fresh", use=False) == "fresh"
    assert store.cached({"k": 2}, lambda: "fresh", use=False) == "fresh"
    monkeypatch.setenv("CNNARCH_NO_CACHE", "1")
    assert store.cached({"k": 1}, lambda: "fresh") == "fresh"
    assert store.info().entries == 1


WRITER = textwrap.dedent(
    """
    import hashlib, os, sys
    from pathlib import Path
    from cnnarch.cache import store
    root, rounds = Path(sys.argv[1]), int(sys.argv[2])
    payload = os.urandom(400_000).hex()  # incompressible: ~400 kB an entry, so writes overlap
    value = {"payload": payload, "sha256": hashlib.sha256(payload.encode()).hexdigest()}
    for _ in range(rounds):
        assert store.save({"shared": True}, value, root) is not None
    """
)
READER = textwrap.dedent(
    """
    import hashlib, sys, time
    from pathlib import Path
    from cnnarch.cache import store
    root, deadline, reads = Path(sys.argv[1]), time.time() + float(sys.argv[2]), 0
    while time.time() < deadline:
        found = store.load({"shared": True}, root)
        if found is None:
            if reads:  # once written, an entry is always whole: old or new, never half
                sys.exit("a reader saw a half-written entry")
            continue
        if hashlib.sha256(found["payload"].encode()).hexdigest() != found["sha256"]:
            sys.exit("a reader saw a damaged entry")
        reads += 1
    print(reads)
    """
)


def test_processes_writing_the_same_entry_at_once_leave_a_valid_one(tmp_path):
    import hashlib

    env = {**os.environ, "CNNARCH_CACHE_MAX_MB": "1000"}
    writers = [
        subprocess.Popen([sys.executable, "-c", WRITER, str(tmp_path), "20"], env=env) for _ in range(3)
    ]
    reader = subprocess.Popen(
        [sys.executable, "-c", READER, str(tmp_path), "5"], env=env, stdout=subprocess.PIPE, text=True
    )
    assert [w.wait(timeout=120) for w in writers] == [0, 0, 0]
    reads, _ = reader.communicate(timeout=120)
    assert reader.returncode == 0, "a reader saw a damaged or half-written entry"
    assert int(reads) >= 1  # the reader did read while the writers wrote
    found = store.load({"shared": True}, tmp_path)
    assert hashlib.sha256(found["payload"].encode()).hexdigest() == found["sha256"]
    assert [p.name for p in tmp_path.iterdir()] == [store.entry_path({"shared": True}, tmp_path).name]


def test_the_size_bound_keeps_the_most_recently_used(root, monkeypatch):
    payload = os.urandom(30_000).hex()
    size = store.save({"probe": 1}, payload).stat().st_size
    store.clear()
    monkeypatch.setenv("CNNARCH_CACHE_MAX_MB", str(3.5 * size / 2**20))  # room for three entries
    for i in range(3):
        store.save({"i": i}, payload)
        os.utime(store.entry_path({"i": i}), ns=(i * 10**9, i * 10**9))  # distinct ages, oldest first
    assert store.load({"i": 0}) == payload  # a hit makes entry 0 the most recently used
    for i in (3, 4):
        store.save({"i": i}, payload)
    assert store.info().entries == 3 and store.info().bytes <= store.max_bytes()
    assert [store.load({"i": i}) is not None for i in range(5)] == [True, False, False, True, True]


@pytest.mark.parametrize("value", ["abc", "-5", "nan", "inf", "12MB"])
def test_a_bad_size_bound_is_one_clear_error(root, monkeypatch, value):
    """CNNARCH_CACHE_MAX_MB that is not a size in MiB (or is negative) is the user's mistake:
    one line naming the variable with a valid example, exit 2, before any work and nothing
    cached; it was silently read as 256 MiB (a negative value as a bound of nothing)."""
    from tests.conftest import run

    monkeypatch.setenv("CNNARCH_CACHE_MAX_MB", value)
    code, out, err = run("summary", "lenet5")
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1
    assert f"CNNARCH_CACHE_MAX_MB={value!r}" in err and "CNNARCH_CACHE_MAX_MB=512" in err
    assert list(root.iterdir()) == []
    with pytest.raises(CnnarchError, match="not a size in MiB"):
        store.max_bytes()


@pytest.mark.parametrize(
    "value, expected", [("", 256 * 2**20), ("0", 0), ("1.5", 3 * 2**19), (" 512 ", 2**29)]
)
def test_good_size_bounds(root, monkeypatch, value, expected):
    monkeypatch.setenv("CNNARCH_CACHE_MAX_MB", value)
    assert store.max_bytes() == expected


def test_clear_removes_every_entry(root):
    for i in range(4):
        store.save({"i": i}, i)
    (root / ".tmp-left-by-a-killed-writer.entry").write_bytes(b"x")
    assert store.info().entries == 4
    removed, freed = store.clear()
    assert removed == 4 and freed > 0
    assert list(root.iterdir()) == []


def test_the_cache_lives_under_xdg_cache_home(tmp_path, monkeypatch):
    monkeypatch.delenv("CNNARCH_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    if sys.platform.startswith("linux"):
        assert store.directory() == tmp_path / "cnnarch" / "results"


def test_the_key_holds_the_installed_versions():
    import torch

    identity = key.source_identity("resnet50")
    assert identity["versions"]["torch"] == torch.__version__
    assert identity["versions"]["python"] == "{}.{}".format(*sys.version_info[:2])
    torchvision = pytest.importorskip("torchvision")
    assert key.source_identity("torchvision:resnet18")["versions"]["torchvision"] == torchvision.__version__


def test_every_argument_is_in_the_key():
    base = {"input": None, "batch": 1, "dtype": "fp32", "memory": False, "convention": "macs"}
    first = key.result_key("Report", "alexnet", **base)
    for name, other in {"input": "3x224x224", "batch": 2, "dtype": "fp16", "memory": True,
                        "convention": "fvcore"}.items():  # fmt: skip
        assert key.result_key("Report", "alexnet", **{**base, name: other}) != first, name
    assert key.result_key("Explanation", "alexnet", **base) != first
    assert key.result_key("Report", "vgg16", **base) != first


def test_python_files_and_unknown_text_are_not_cached(tmp_path):
    model = tmp_path / "net.py"
    model.write_text("import torch\nNet = torch.nn.Identity\n")
    assert key.result_key("Report", f"{model}:Net") is None
    assert key.result_key("Report", "not-a-model-name") is None
    assert key.result_key("Report", object()) is None


def test_a_layer_list_file_is_keyed_by_its_content(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path("net.txt").write_text("conv 8 k3 > relu\n")
    first = key.result_key("Report", "net.txt")
    Path("net.txt").write_text("conv 16 k3 > relu\n")
    assert key.result_key("Report", "net.txt") != first
    assert key.result_key("Report", "conv 8 k3 > relu") is not None


def test_a_result_is_keyed_by_fractions_and_tuples_exactly():
    assert codec.decode(codec.encode((Fraction(1, 3), 2))) == (Fraction(1, 3), 2)
