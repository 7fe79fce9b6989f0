"""Any model, not only the catalogue: a user's file, torchvision:NAME, timm:NAME."""

from __future__ import annotations

import sys
import textwrap

import pytest
import torch
import torchvision

from cnnarch import analyze
from cnnarch.errors import CnnarchError
from tests.conftest import numel, on_meta, run

USER_FILE = '''
import torch
from torch import nn


class Net(nn.Module):
    def __init__(self, num_classes=10, width=8):
        super().__init__()
        self.conv = nn.Conv2d(3, width, 3, padding=1)
        self.fc = nn.Linear(width, num_classes)

    def forward(self, x):
        return self.fc(self.conv(x).relu().mean((2, 3)))


class Broken(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3)

    def forward(self, x):
        return reshape_wrongly(self.conv(x))


def reshape_wrongly(y):
    return y.view(3, -1, 7)


class Positives(nn.Module):
    """Keeps the positive values: how many there are depends on the data."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3)

    def forward(self, x):
        y = self.conv(x).flatten()
        return y[torch.nonzero(y > 0).flatten()]


def small(num_classes=5):
    return Net(num_classes=num_classes, width=4)
'''


@pytest.fixture
def user_file(tmp_path):
    path = tmp_path / "my_net.py"
    path.write_text(USER_FILE)
    return path


def test_file_class_with_kwargs(user_file):
    report = analyze(f"{user_file}:Net", (3, 32, 32), num_classes=7, width=6)
    assert report.output_shape == [1, 7]
    assert report.totals.params == (3 * 9 * 6 + 6) + (6 * 7 + 7)
    code, out, err = run(
        "summary", f"{user_file}:Net", "--input", "3x32x32", "--kwargs", '{"num_classes": 7}', "-f", "json"
    )
    assert code == 0, err
    assert '"output_shape": [\n    1,\n    7\n  ]' in out


def test_file_factory_function(user_file):
    report = analyze(f"{user_file}:small", (3, 16, 16))
    assert report.output_shape == [1, 5]


def test_forward_error_shows_the_users_frames_only(user_file):
    code, out, err = run("summary", f"{user_file}:Broken", "--input", "3x32x32")
    assert code == 2 and out == ""
    assert "Traceback (your code)" in err
    assert 'my_net.py", line' in err and "reshape_wrongly" in err and "y.view(3, -1, 7)" in err
    assert "cnnarch/" not in err and "torch/nn" not in err
    assert err.strip().splitlines()[-1].startswith("error: my_net:Broken cannot run on input 3x32x32")


def test_import_error_shows_the_users_frames(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text(
        textwrap.dedent("""
        SETTINGS = {}
        depth = SETTINGS["depth"]
    """)
    )
    code, _, err = run("summary", f"{bad}:Net", "--input", "3x32x32")
    assert code == 2
    assert 'bad.py", line 3' in err and "KeyError: 'depth'" in err and "Traceback (your code)" in err


def test_missing_name_lists_what_the_file_defines(user_file):
    with pytest.raises(CnnarchError, match="has no 'Nett'") as info:
        analyze(f"{user_file}:Nett", (3, 8, 8))
    assert "Net" in info.value.hint and "small" in info.value.hint


def test_missing_input_size_is_a_clear_error(user_file):
    code, _, err = run("summary", f"{user_file}:Net")
    assert code == 2 and "has no default input size" in err


def test_data_dependent_shapes_fall_back_to_a_real_cpu_forward(user_file):
    report = analyze(f"{user_file}:Positives", (3, 12, 12))
    assert any("cannot run on the meta device" in note for note in report.notes)
    # the CPU run kept some positive values: a real count, between none and all
    assert 0 < report.output_shape[0] <= 4 * 10 * 10
    code, _, err = run("summary", f"{user_file}:Positives", "--input", "3x12x12", "-f", "csv")
    assert code == 0 and "note:" in err


def test_torchvision_models_by_name():
    report = analyze("torchvision:resnet18")
    model = on_meta(torchvision.models.resnet18)
    assert report.totals.params == numel(model)
    assert report.input_shape == [1, 3, 224, 224]
    assert analyze("torchvision:inception_v3").input_shape == [1, 3, 299, 299]
    with pytest.raises(CnnarchError, match="did you mean 'torchvision:resnet18'"):
        analyze("torchvision:resnt18")


def test_timm_models_by_name():
    timm = pytest.importorskip("timm")
    report = analyze("timm:resnet18")
    with torch.device("meta"):
        model = timm.create_model("resnet18", pretrained=False)
    assert report.totals.params == numel(model)


def test_a_missing_extra_names_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "timm", None)  # what an uninstalled package looks like to import
    code, _, err = run("summary", "timm:resnet18")
    assert code == 2
    assert "timm is not installed" in err and "pip install 'cnnarch[timm]'" in err


def test_channels_last_blocks_keep_their_receptive_field():
    """timm's ConvNeXt runs its MLP on [N, H, W, C] (permute, view, addmm, view): a
    position-wise layer, so the field grows only through the 7x7 depthwise convolutions."""
    pytest.importorskip("timm")
    report = analyze("timm:convnext_tiny", depth=1)
    stages = report.layer("stages")
    # stem 4x4/4; per stage 3, 3, 9, 3 blocks of 7x7 at jumps 4, 8, 16, 32; 2x2/2 downsamplings
    expected = 4 + 3 * 6 * 4 + 4 + 3 * 6 * 8 + 8 + 9 * 6 * 16 + 16 + 3 * 6 * 32
    assert stages.receptive_field == [expected, expected]
    assert stages.effective_stride == [32, 32]


TWO_INPUTS = """
from torch import nn


class ImageAndTokens(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3, padding=1)
        self.embed = nn.Embedding(100, 8)
        self.fc = nn.Linear(8, 4)

    def forward(self, image, tokens):
        return self.fc(self.conv(image).mean((2, 3)) + self.embed(tokens).mean(1))
"""


def test_a_model_with_two_inputs(tmp_path):
    path = tmp_path / "two.py"
    path.write_text(TWO_INPUTS)
    report = analyze(f"{path}:ImageAndTokens", ["3x32x32", "16:int64"], batch=2)
    assert report.input_shapes == [[2, 3, 32, 32], [2, 16]]
    assert report.output_shape == [2, 4]
    assert report.layer("embed").output_shape == [2, 16, 8]
    code, out, _ = run("summary", f"{path}:ImageAndTokens", "--input", "3x32x32", "--input", "16:int64")
    assert code == 0 and "Input [1, 3, 32, 32] + [1, 16]" in out
    code, _, err = run("summary", f"{path}:ImageAndTokens", "--input", "3x32x32")
    assert code == 2 and "missing 1 required positional argument" in err and "its own --input" in err
    code, _, err = run("summary", f"{path}:ImageAndTokens", "--input", "3x32x32", "--input", "16:int65")
    assert code == 2 and "unknown input type 'int65'" in err


ATTRIBUTE_FILE = """
import torch
from torch import nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3)
        self.offset = torch.ones(8, 1, 1)  # a plain tensor attribute, not a buffer

    def forward(self, x):
        return self.conv(x) + self.offset


net = Net()  # an instance the file keeps: cnnarch must copy it
"""


def test_a_file_instance_and_the_same_object_are_copied_alike(tmp_path):
    """A model instance from a file and the same object handed to the API are copied by one rule:
    every tensor (parameters, buffers and plain tensor attributes) becomes a meta twin, so no
    data is copied and the user's object keeps its own tensors; the counts are PyTorch's.
    The file route kept a plain tensor attribute as a real CPU copy."""
    from cnnarch.api import resolve
    from tests.conftest import flop_counter_macs

    path = tmp_path / "attr_net.py"
    path.write_text(ATTRIBUTE_FILE)
    from_file = resolve(f"{path}:net")
    namespace: dict = {}
    exec(compile(ATTRIBUTE_FILE, str(path), "exec"), namespace)
    user = namespace["net"]
    from_object = resolve(user)
    for source in (from_file, from_object):
        copied = source.module
        tensors = [*copied.parameters(), *copied.buffers(), copied.offset]
        assert all(t.device.type == "meta" for t in tensors)
        assert copied.offset.shape == (8, 1, 1)
    assert user.offset.device.type == "cpu" and bool((user.offset == 1).all())
    macs = flop_counter_macs(user.conv, (1, 3, 16, 16))
    assert analyze(f"{path}:net", (3, 16, 16)).totals.macs == analyze(user, (3, 16, 16)).totals.macs == macs
