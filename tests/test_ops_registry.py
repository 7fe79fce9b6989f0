"""The op records (``cnnarch.ops``): one record per family, read by every analysis; an op
without one is reported by name, never counted as zero; adding an op is one record."""

from __future__ import annotations

import math
import subprocess
import sys
import typing

import pytest
import torch
from torch import nn

from cnnarch import analyze, ops
from cnnarch.analysis import conventions
from cnnarch.analysis.breakdown import breakdown
from cnnarch.analysis.layers import build_rows
from cnnarch.analysis.receptive_field import _RULES
from cnnarch.api import resolve, trace_source
from cnnarch.catalogue import names
from cnnarch.ops.aten import SHORTCUTS
from cnnarch.ops.record import aten


def test_importing_the_records_does_not_import_torch():
    code = "import sys, cnnarch.ops, cnnarch.ops.window, cnnarch.ops.receptive; print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_every_packet_has_one_record_and_every_rule_exists():
    seen: dict[str, str] = {}
    for family in ops.FAMILIES.values():
        assert family.packets and family.summary
        assert family.category in typing.get_args(ops.Category)
        assert family.receptive_field in typing.get_args(ops.RFRule)
        for packet in family.packets:
            assert packet.startswith("aten.") and packet not in seen, (packet, family.name)
            seen[packet] = family.name
    handled_in_place = {"merge", "window", "view_if_same_shape"}
    assert set(typing.get_args(ops.RFRule)) == handled_in_place | set(_RULES)
    assert all(f.window is not None for f in ops.FAMILIES.values() if f.receptive_field == "window")


def test_every_shortcut_belongs_to_a_record_of_its_packet():
    """A shortcut for an op no record covers would trace an op every analysis calls unknown:
    add its packet to the record whose ``meta`` holds the shortcut."""
    for family in ops.FAMILIES.values():
        for overload in family.meta:
            packet = "aten." + overload.rpartition(".")[0]
            assert ops.BY_PACKET.get(packet) is family, f"{family.name}.meta has {overload}, not its op"
    assert len(SHORTCUTS) == sum(len(f.meta) for f in ops.FAMILIES.values())


def test_every_op_a_convention_names_has_a_record():
    for convention in conventions.CONVENTIONS.values():
        for rule in convention.rules:
            if rule.on == "op":
                missing = [n for n in rule.names if n not in ops.BY_PACKET]
                assert not missing, (convention.name, missing)


def test_cnnarch_counts_every_record_with_macs():
    counted = {n for rule in conventions.MACS.rules for n in rule.names}
    assert counted == {p for f in ops.FAMILIES.values() if f.macs is not None for p in f.packets}


@pytest.mark.parametrize("name", names())
def test_every_op_the_tracer_sees_has_a_record_or_is_reported(name):
    """On the whole catalogue: an op is either known to a record or listed as unknown (by the
    breakdown and the report), so nothing is silently counted as zero."""
    trace = trace_source(resolve(name), None, 1)
    rows, _ = build_rows(trace)
    work = breakdown(trace, rows)
    for op in trace.ops:
        if ops.family_of(op) is None:
            assert work.unknown[op.packet] > 0, op.packet


class CumulativeSum(nn.Module):
    """``torch.cumsum`` has no record in cnnarch."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3)

    def forward(self, x):
        return torch.cumsum(self.conv(x), dim=1)


def test_an_op_without_a_record_is_reported_by_name():
    report = analyze(CumulativeSum(), (3, 8, 8))
    assert report.totals.unknown_ops == {"aten.cumsum": 1}
    assert report.layers[-1].unknown_ops == ["aten.cumsum"]
    assert report.layers[-1].rf_approximate  # no rule: the receptive field is a guess, and says so


def test_adding_an_op_is_one_record():
    """What a contributor writes to support ``cumsum``: one ``OpFamily`` in the module of its
    kind (here registered for the test only). Every analysis then reads it."""
    record = ops.OpFamily(
        name="cumulative_sum",
        category="elementwise",
        packets=aten("cumsum"),
        summary="a running sum along one dimension",
        receptive_field="softmax",  # like softmax, each output depends on its whole dimension
    )
    with ops.registered(record):
        report = analyze(CumulativeSum(), (3, 8, 8))
        last = report.layers[-1]
        assert report.totals.unknown_ops == {} and last.unknown_ops == []
        assert last.breakdown == {"elementwise": 4 * 6 * 6}  # output elements, as every add/mul
        assert not last.rf_approximate and last.receptive_field == [3, 3]  # channels mix, not H, W
    assert "aten.cumsum" not in ops.BY_PACKET


def test_every_record_with_a_window_names_it_and_each_worded_packet_is_its_own():
    for family in ops.FAMILIES.values():
        if family.window is not None:
            assert family.titles.get("*"), family.name
        short = {ops.short_name(p).removesuffix("_") for p in family.packets}
        assert set(family.titles) | set(family.symbols) <= short | {"*"}, family.name


SIGNS = {
    "+": torch.add,
    "−": torch.sub,
    "·": torch.mul,
    "/": torch.div,
    "max": torch.maximum,
    "min": torch.minimum,
}
"""What each sign a worked answer writes between two inputs computes, in PyTorch's public API."""


@pytest.mark.parametrize(
    "packet", [p for f in ops.FAMILIES.values() for p in f.packets if ops.merge_wording(p)[1] is not None]
)
def test_a_merge_sign_computes_what_the_aten_op_computes(packet):
    a, b = torch.tensor([3.0, -2.0, 5.0]), torch.tensor([2.0, 4.0, -1.0])
    _, sign = ops.merge_wording(packet)
    expected = SIGNS[sign](a, b)
    got = getattr(torch.ops.aten, ops.short_name(packet))(a.clone(), b)
    assert torch.equal(got, expected), (packet, sign)


@pytest.mark.parametrize(
    ("module", "title"),
    [
        (nn.Conv2d(3, 4, 3), "Conv"),
        (nn.ConvTranspose2d(3, 4, 3), "Transposed conv"),
        (nn.MaxPool2d(2), "Max pool"),
        (nn.AvgPool2d(2), "Average pool"),
        (nn.AdaptiveMaxPool2d(1), "Max pool"),
        (nn.AdaptiveAvgPool2d(1), "Average pool"),
    ],
)
def test_the_traced_op_of_a_module_is_titled_after_it(module, title):
    trace = trace_source(resolve(nn.Sequential(module)), "3x8x8")
    titles = {ops.title(op) for op in trace.ops} - {None}
    assert titles == {title}


@pytest.mark.parametrize(
    ("module", "size"),
    [
        (nn.Conv2d(4, 8, (3, 2), groups=2), "4x9x9"),
        (nn.ConvTranspose2d(4, 6, 3, stride=2, groups=2), "4x5x5"),
        (nn.Conv1d(3, 5, 3, bias=False), "3x20"),
        (nn.ConvTranspose3d(2, 4, 2), "2x4x4x4"),
    ],
)
def test_a_convolutions_parameter_terms_multiply_to_its_tensors_sizes(module, size):
    trace = trace_source(resolve(nn.Sequential(module)), size)
    (op,) = [op for op in trace.ops if ops.param_terms(op, trace, trace.tensor(op.args["weight"]))]
    own = {"weight": module.weight, "bias": module.bias}
    for name, parameter in own.items():
        ref = op.args.get(name)
        if parameter is None:
            assert ref is None
            continue
        terms = ops.param_terms(op, trace, trace.tensor(ref))
        assert terms is not None and math.prod(factor for _, factor in terms) == parameter.numel()
        assert terms[-1][0] in ("K", "(K/g)"), terms
