"""``cnnarch list``: wildcard, family and task filters, the four formats, its errors, and that it
imports no torch."""

from __future__ import annotations

import csv
import fnmatch
import io
import json
import re
import subprocess
import sys

import pytest

from cnnarch.catalogue import all_specs, build, get_spec, names
from tests.conftest import flop_counter_macs, numel, on_meta
from tests.conftest import run as cli


def listed(*argv: str) -> list[dict]:
    code, out, err = cli("list", *argv, "--format", "json")
    assert code == 0, err
    return json.loads(out)


def listed_names(*argv: str) -> list[str]:
    return [entry["name"] for entry in listed(*argv)]


def test_wildcard_matches_names_and_aliases():
    found = listed_names("resnet*")
    assert "resnet50" in found and "vgg16" not in found
    for entry in listed("resnet*"):
        assert any(fnmatch.fnmatch(n, "resnet*") for n in [entry["name"], *entry["aliases"]])
    assert listed_names("u-net") == ["unet"]  # an alias
    assert listed_names("inception-v1") == ["googlenet"]
    assert listed_names("*8s") == ["fcn8s"]
    assert listed_names("YOLO*") == ["yolo-v1"]  # case-insensitive


def test_a_pattern_without_wildcards_is_an_exact_name_or_else_a_prefix():
    assert listed_names("fcn") == listed_names("fcn*") == ["fcn32s", "fcn16s", "fcn8s"]
    assert listed_names("vgg16") == ["vgg16"]
    assert listed_names("fcn-8s") == ["fcn8s"]
    assert set(listed_names("vgg16*")) >= {"vgg16", "vgg16_bn"}


def test_family_and_task_filters():
    assert listed_names("--family", "FCN") == ["fcn32s", "fcn16s", "fcn8s"]
    segmentation = listed_names("--task", "segmentation")
    assert segmentation == [s.name for s in all_specs() if s.task == "segmentation"]
    assert {"fcn32s", "fcn16s", "fcn8s", "unet", "segnet"} <= set(segmentation)
    detection = listed_names("--task", "detection")
    assert detection == [s.name for s in all_specs() if s.task == "detection"]
    assert {"yolo-v1", "ssd300"} <= set(detection)
    assert listed_names("fcn*", "--family", "fcn", "--task", "segmentation") == ["fcn32s", "fcn16s", "fcn8s"]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--family", "resnt"], "unknown --family 'resnt' (did you mean 'resnet'?"),
        (["--task", "segmentaton"], "unknown --task 'segmentaton' (did you mean 'segmentation'?"),
        (["resnt*"], "no architecture matches 'resnt*' (did you mean 'resnet18'?)"),
        (["mobilnet"], "no architecture matches 'mobilnet*' (did you mean 'mobilenet-v1'?)"),
        (["foo*"], "no architecture matches 'foo*' (run 'cnnarch list' to see the catalogue)"),
        (["fcn*", "--task", "detection"], "'fcn*' matches 3, none with --task detection"),
    ],
)
def test_what_matches_nothing_is_a_user_error(argv, message):
    code, out, err = cli("list", *argv)
    assert code == 2 and out == ""
    assert message in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


def test_unknown_family_lists_the_valid_ones():
    _, _, err = cli("list", "--family", "nothing-like-it")
    for family in {s.family for s in all_specs()}:
        assert family in err


def test_json_carries_the_metadata_and_published_figures():
    (vgg16,) = listed("vgg16", "--family", "vgg", "--task", "classification")
    spec = get_spec("vgg16")
    assert vgg16["paper"] == spec.paper and vgg16["year"] == spec.year and vgg16["input"] == [3, 224, 224]
    assert vgg16["num_classes"] == 1000 and vgg16["notes"] == spec.notes
    assert vgg16["published"] == [vars(p) for p in spec.published]
    assert "computed" not in vgg16


def test_csv_has_one_row_per_entry_with_published_figures_and_their_source():
    code, out, _ = cli("list", "--format", "csv")
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [row["name"] for row in rows] == names()
    for row in rows:
        spec = get_spec(row["name"])
        for key in ("params", "macs", "top1", "top5"):
            value = spec.published_value(key)
            assert (row[f"published_{key}"] == "") == (value is None), (spec.name, key)
            if value is not None:
                assert float(row[f"published_{key}"]) == value
                assert row[f"published_{key}_source"]
        assert row["input"] == "x".join(map(str, spec.input)) and row["notes"] == spec.notes


def test_markdown_is_a_table_with_one_row_per_entry():
    code, out, _ = cli("list", "--format", "markdown")
    assert code == 0
    lines = out.strip().splitlines()
    assert lines[0].startswith("| Name | Paper |") and set(lines[1]) <= {"|", "-"}
    assert len(lines) == 2 + len(names())
    columns = lines[0].count("|")
    assert all(line.count("|") - line.count("\\|") == columns for line in lines)


def test_one_entry_is_shown_in_full():
    code, out, _ = cli("list", "segnet")
    assert code == 0
    spec = get_spec("segnet")
    flat = " ".join(out.split())
    assert f"Paper: {spec.paper}" in flat
    for published in spec.published:
        assert published.source in flat
    assert " ".join(spec.notes.split()) in " ".join(" ".join(re.split(r"\s*│\s*", flat)).split())


def test_computed_adds_cnnarchs_counts():
    (entry,) = listed("lenet5", "--computed")
    module = on_meta(build, get_spec("lenet5"))
    assert entry["computed"]["params"] == numel(module)
    assert entry["computed"]["macs"] == flop_counter_macs(module, (1, 1, 32, 32))
    assert entry["computed"]["output_shape"] == [1, 10] and entry["computed"]["error"] is None
    code, out, _ = cli("list", "alexnet", "--computed")
    assert code == 0 and "60.97M (+1.6%)" in out  # 60,965,224 against the paper's "about 60M"


def test_list_imports_no_torch():
    code = (
        "import sys\n"
        "from cnnarch.cli.app import main\n"
        "try:\n    main(['list', '--format', 'json'])\n"
        "except SystemExit as done:\n    assert done.code in (0, None)\n"
        "sys.stderr.write(str(sorted(m for m in sys.modules if m == 'torch' or m.startswith('torch.'))))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stderr.strip() == "[]"
    assert json.loads(done.stdout)
