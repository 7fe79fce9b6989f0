"""GoogLeNet against Table 1 of its paper (recomputed from the table's own channel columns), its
auxiliary classifiers, and the receptive fields of Inception v2 (BN-Inception) and v3 against
google-research/receptive_field's table for the TF-slim networks."""

from __future__ import annotations

from functools import cache

import pytest
import torchvision

from cnnarch import analyze
from cnnarch.api import resolve
from cnnarch.catalogue import get_spec
from tests.conftest import load_reference, numel, on_meta

# Szegedy et al. 2015, Table 1: #1x1, #3x3 reduce, #3x3, #5x5 reduce, #5x5, pool proj; grid size
TABLE1 = {
    "3a": (64, 96, 128, 16, 32, 32, 28),
    "3b": (128, 128, 192, 32, 96, 64, 28),
    "4a": (192, 96, 208, 16, 48, 64, 14),
    "4b": (160, 112, 224, 24, 64, 64, 14),
    "4c": (128, 128, 256, 24, 64, 64, 14),
    "4d": (112, 144, 288, 32, 64, 64, 14),
    "4e": (256, 160, 320, 32, 128, 128, 14),
    "5a": (256, 160, 320, 32, 128, 128, 7),
    "5b": (384, 192, 384, 48, 128, 128, 7),
}
K = 1024  # Table 1's "K": conv2's 64·64 + 9·64·192 = 114,688 weights print as 112K, fc's 1,024,000 as 1000K
DISAGREEING = {"conv1", "4c", "4d", "5a", "5b"}


def table1_recomputed() -> dict[str, tuple[int, int, str]]:
    """Weights (no biases), multiply-adds and output size of each row, from the table's columns."""
    rows = {
        "conv1": (7 * 7 * 3 * 64, 7 * 7 * 3 * 64 * 112 * 112, "112x112x64"),
        "conv2": (64 * 64 + 9 * 64 * 192, (64 * 64 + 9 * 64 * 192) * 56 * 56, "56x56x192"),
    }
    cin = 192
    for name, (c1, c3r, c3, c5r, c5, proj, grid) in TABLE1.items():
        weights = cin * (c1 + c3r + c5r + proj) + 9 * c3r * c3 + 25 * c5r * c5
        cout = c1 + c3 + c5 + proj
        rows[name] = (weights, weights * grid * grid, f"{grid}x{grid}x{cout}")
        cin = cout
    rows["linear"] = (1024 * 1000, 1024 * 1000, "1x1x1000")
    return rows


MODULES = {"conv1": ["conv1"], "conv2": ["conv2_reduce", "conv2"], "linear": ["fc"]}


def agrees(recomputed: int, printed: str) -> bool:
    """Equal at the printed precision ("1M" for 1,024,000) or within 1% (the table's rounding)."""
    value = recomputed / (K if printed.endswith("K") else 1e6)
    number = float(printed[:-1])
    decimals = len(printed[:-1].partition(".")[2])
    return round(value, decimals) == number or abs(value / number - 1) <= 0.01


def test_googlenet_table_1_rows():
    printed_rows = load_reference("papers.json")["googlenet"]["rows"]
    report = analyze("googlenet", depth=1)
    module = resolve("googlenet").module
    rows = {layer.name: layer for layer in report.layers}
    notes = get_spec("googlenet").notes
    disagreeing = set()
    for name, (weights, ops, size) in table1_recomputed().items():
        modules = MODULES.get(name, [f"inception{name}"])
        measured = sum(
            p.numel()
            for path, p in module.named_parameters()
            if path.endswith("weight") and path.split(".")[0] in modules
        )
        assert measured == weights, name
        assert sum(rows[m].macs for m in modules) == ops, name
        shape = rows[modules[-1]].output_shape
        h, w, c = (shape[2], shape[3], shape[1]) if len(shape) == 4 else (1, 1, shape[1])
        assert f"{h}x{w}x{c}" == size == printed_rows[name][-3], name
        printed_params, printed_ops = printed_rows[name][-2:]
        if not (agrees(weights, printed_params) and agrees(ops, printed_ops)):
            disagreeing.add(name)
            assert f"{name} printed {printed_params}" in notes, name
    assert disagreeing == DISAGREEING


def test_googlenet_published_totals_are_table_1_sums():
    rows = load_reference("papers.json")["googlenet"]["rows"].values()
    published = get_spec("googlenet").published[0]
    assert round(sum(float(r[-2][:-1]) for r in rows) / 1000, 1) * 1e6 == published.params  # 6,797.7K
    assert round(sum(float(r[-1][:-1]) for r in rows) / 1000, 1) * 1e9 == published.macs  # 1,502M


def test_googlenet_aux_classifiers_follow_section_5():
    plain, aux = analyze("googlenet"), analyze("googlenet", aux_logits=True, num_classes=7)
    layers = {layer.name: layer for layer in aux.layers}
    # "an average pooling layer with 5x5 filter size and stride 3, resulting in an 4x4x512 output
    # for the (4a), and 4x4x528 for the (4d) stage"
    assert layers["aux1.pool"].output_shape == [1, 512, 4, 4]
    assert layers["aux2.pool"].output_shape == [1, 528, 4, 4]
    assert layers["aux1.fc1"].output_shape == layers["aux2.fc1"].output_shape == [1, 1024]
    assert layers["aux1.fc2"].output_shape == [1, 7] and aux.output_shape == [1, 7]
    module = resolve("googlenet", aux_logits=True, num_classes=7).module
    heads = numel(module.aux1) + numel(module.aux2)
    assert aux.totals.params - analyze("googlenet", num_classes=7).totals.params == heads
    assert aux.totals.unused_params == 0 and aux.totals.macs > plain.totals.macs


def test_googlenet_differs_from_torchvisions_as_the_notes_say():
    tv = on_meta(torchvision.models.googlenet, aux_logits=False, init_weights=False)
    theirs, ours = analyze(tv, (3, 224, 224)), analyze("googlenet")
    kernels = {layer.name: layer.window for layer in ours.layers}
    assert kernels["inception3a.branch3.1.conv"].startswith("5x5")
    assert {layer.window for layer in theirs.layers if layer.name == "inception3a.branch3.1.conv"} == {
        "3x3/1 p1"
    }
    notes = get_spec("googlenet").notes
    assert f"{numel(tv):,} parameters" in notes and f"{ours.totals.params:,}" in notes
    assert f"{theirs.totals.macs / 1e9:.2f} G" in notes and f"{ours.totals.macs / 1e9:.2f} G" in notes


@cache
def inception_v2_report():
    return analyze("inception-v2")


def block_output(report, block: str):
    """The last row inside ``block`` (an Inception block ends with its concatenation)."""
    return [layer for layer in report.layers if layer.name.startswith(block + ".")][-1]


def effective_padding(layer) -> list[float]:
    return [(r - 1) / 2 - s for r, s in zip(layer.receptive_field, layer.rf_start, strict=True)]


def test_inception_v3_receptive_field_matches_tf_slim():
    size, stride, padding = load_reference("receptive_field.json")["end_points"]["inception_v3/Mixed_7c"]
    report = analyze("inception-v3")
    last = block_output(report, "Mixed_7c")
    assert last.receptive_field == [size, size] and last.effective_stride == [stride, stride]
    assert effective_padding(last) == [padding, padding]
    # google-research/receptive_field RECEPTIVE_FIELD_TABLE.md, inception_v3 at 224: RF, stride, padding
    table = {
        "Mixed_5b": (63, 8, 18),
        "Mixed_5d": (127, 8, 50),
        "Mixed_6a": (159, 16, 58),
        "Mixed_6e": (927, 16, 442),
        "Mixed_7a": (1055, 32, 490),
        "Mixed_7b": (1183, 32, 554),
    }
    for block, (size, stride, padding) in table.items():
        layer = block_output(report, block)
        assert (layer.receptive_field[0], layer.effective_stride[0], effective_padding(layer)[0]) == (
            size,
            stride,
            padding,
        ), block


def test_inception_v3_aux_head_is_counted_but_not_run_in_eval_mode():
    published = load_reference("torchvision.json")["models"]["inception_v3"]
    tv_aux = on_meta(torchvision.models.inception_v3, init_weights=False).AuxLogits
    report = analyze("inception-v3")
    assert report.totals.params == published["num_params"]
    assert report.totals.unused_params == numel(tv_aux)
    assert report.totals.unused_modules and all(
        m.startswith("AuxLogits") for m in report.totals.unused_modules
    )
    assert round(report.totals.macs / 1e9, 3) == published["gmacs"]
    without = analyze("inception-v3", aux_logits=False)
    assert without.totals.params == published["num_params"] - numel(tv_aux) < 25e6  # "less than 25 million"
    assert without.totals.macs == report.totals.macs


# google-research/receptive_field RECEPTIVE_FIELD_TABLE.md, TF-slim inception_v2 at 224 (RF, stride,
# effective padding), with the BN-Inception block each end-point is.
TF_SLIM_V2 = {
    "3a": ("Mixed_3b", 59, 8, 22),
    "3b": ("Mixed_3c", 91, 8, 38),
    "3c": ("Mixed_4a", 123, 16, 46),
    "4a": ("Mixed_4b", 187, 16, 78),
    "4b": ("Mixed_4c", 251, 16, 110),
    "4c": ("Mixed_4d", 315, 16, 142),
    "4d": ("Mixed_4e", 379, 16, 174),
    "4e": ("Mixed_5a", 443, 32, 190),
    "5a": ("Mixed_5b", 571, 32, 254),
    "5b": ("Mixed_5c", 699, 32, 318),
}


@pytest.mark.parametrize("block", TF_SLIM_V2)
def test_inception_v2_receptive_fields_match_tf_slim_up_to_its_asymmetric_padding(block):
    endpoint, size, stride, padding = TF_SLIM_V2[block]
    if endpoint == "Mixed_5c":
        assert load_reference("receptive_field.json")["end_points"]["inception_v2/Mixed_5c"] == [
            size,
            stride,
            padding,
        ]
    layer = block_output(inception_v2_report(), f"inception{block}")
    assert layer.receptive_field == [size, size] and layer.effective_stride == [stride, stride]
    # TF 'SAME' pads (total − total // 2) after and total // 2 before: at 224, conv1 (7x7/2) pads
    # 2 before where PyTorch's padding=3 pads 3 (at jump 1), and the stride-2 3x3 convolutions of
    # 3c (jump 8) and 4e (jump 16) pad 0 before where padding=1 pads 1.
    shift = 1 * 1 + (8 if block >= "3c" else 0) + (16 if block >= "4e" else 0)
    assert effective_padding(layer) == [padding + shift, padding + shift]


def test_inception_v2_follows_figure_5_columns():
    report = inception_v2_report()
    # Ioffe & Szegedy 2015, Figure 5: output depth = #1x1 + #3x3 + double #3x3 + pool proj
    # (or the pooled input, passed through, in 3c and 4e)
    depths = {"3a": 256, "3b": 320, "3c": 576, "4a": 576, "4b": 576, "4c": 608, "4d": 608, "4e": 1056,
              "5a": 1024, "5b": 1024}  # fmt: skip
    grids = {"3": 28, "4": 14, "5": 7}
    for block, depth in depths.items():
        grid = grids[block[0]] if block not in ("3c", "4e") else grids[str(int(block[0]) + 1)]
        assert block_output(report, f"inception{block}").output_shape == [1, depth, grid, grid], block
    assert report.totals.params == numel(resolve("inception-v2").module)
    assert f"{report.totals.params:,}" in get_spec("inception-v2").notes
    assert get_spec("inception-v2").published_value("params") == 13.6e6
