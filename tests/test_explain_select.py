"""``explain --layers``: the names a student types (conv1, fc6, pool5) find the model's real
layers (checked against the module's own order of nn.Conv2d / nn.Linear / nn.MaxPool2d), an
unknown name lists the real ones nearest first, and one layer's answer carries no totals."""

from __future__ import annotations

import pytest
from torch import nn

from cnnarch.api import resolve
from cnnarch.errors import CnnarchError
from cnnarch.explain import explain_model
from cnnarch.explain.select import select
from tests.conftest import run


def _names_of(model: str, kind: type) -> list[str]:
    module = resolve(model).module
    return [name for name, m in module.named_modules() if isinstance(m, kind)]


def test_lecture_names_find_the_models_layers():
    convs, dense, pools = (_names_of("vgg16", k) for k in (nn.Conv2d, nn.Linear, nn.MaxPool2d))
    e = explain_model("vgg16", layers="conv1,conv13,fc6,fc8,pool5")
    assert [x.name for x in e.layers] == [convs[0], convs[12], pools[4], dense[0], dense[2]]


def test_caffe_pool5_of_alexnet_is_the_pool_after_conv5():
    types = ["Conv2d", "ReLU", "MaxPool2d", "Conv2d", "MaxPool2d", "Conv2d", "Conv2d", "Conv2d", "MaxPool2d"]
    names = [f"features.{i}" for i in range(len(types))]
    assert select(names, "pool5", types) == [8]
    assert select(names, "pool2,conv3", types) == [4, 5]


def test_an_unknown_layer_lists_the_real_names_nearest_first():
    with pytest.raises(CnnarchError) as caught:
        explain_model("vgg16", layers="features.O")
    hint = caught.value.hint
    assert "did you mean 'features.0'?" in hint and "its layers, nearest first: features.0" in hint
    with pytest.raises(CnnarchError) as caught:
        explain_model("vgg16", layers="conv14")
    assert "this model has 13 convolutions" in caught.value.hint
    assert "conv14" not in caught.value.hint.split("(")[0]


def test_one_layer_gets_its_answer_without_whole_network_totals():
    assert explain_model("alexnet", layers="conv2").totals == []
    picked = [s.question for s in explain_model("alexnet", layers="conv1,conv2").totals]
    assert picked == ["Parameters of the selected layers?", "MACs of the selected layers?"]
    verbose = explain_model("alexnet", layers="conv2", verbose=True).totals
    module = resolve("alexnet").module
    total = next(s for s in verbose if s.question == "Total parameters?")
    assert total.value == sum(p.numel() for p in module.parameters())


def test_cli_verbose_adds_the_totals():
    code, out, err = run("explain", "alexnet", "--layers", "conv2")
    assert code == 0, err
    assert "Totals" not in out
    code, out, _ = run("explain", "alexnet", "--layers", "conv2", "--verbose")
    assert code == 0 and "Total parameters?" in out
