"""Every catalogue entry that names an identical torchvision builder is that network: the same
parameters, the same rows with the same output shapes, parameters and MACs, and torchvision's own
published figures (``tests/data/torchvision.json``: ``num_params`` and ``_ops`` in GMACs)."""

from __future__ import annotations

import pytest
import torchvision

from cnnarch import analyze
from cnnarch.catalogue.registry import all_specs
from tests.conftest import load_reference, numel, on_meta

SPECS = [spec for spec in all_specs() if spec.torchvision]


def test_the_catalogue_has_torchvision_twins():
    assert {"resnet50", "densenet121", "mobilenet-v2", "shufflenet-v2"} <= {spec.name for spec in SPECS}


@pytest.mark.filterwarnings("ignore:The default weight initialization:FutureWarning")  # inception_v3
@pytest.mark.parametrize("spec", SPECS, ids=[spec.name for spec in SPECS])
def test_entry_is_the_torchvision_network(spec):
    published = load_reference("torchvision.json")["models"][spec.torchvision]
    tv = on_meta(getattr(torchvision.models, spec.torchvision))
    ours, theirs = analyze(spec.name), analyze(tv, spec.input)

    assert ours.totals.params == theirs.totals.params == numel(tv) == published["num_params"]
    assert [(layer.output_shape, layer.params, layer.macs) for layer in ours.layers] == [
        (layer.output_shape, layer.params, layer.macs) for layer in theirs.layers
    ]
    assert ours.totals.macs == theirs.totals.macs
    assert round(ours.totals.macs / 1e9, 3) == published["gmacs"]
