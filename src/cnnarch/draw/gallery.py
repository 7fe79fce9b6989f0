"""The documentation's pictures, one per family of the lectures (docs/pictures.md): drawn from
the catalogue's own models at every docs build (``docs/hooks.py``), so they cannot go stale."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Picture:
    file: str
    title: str
    model: str
    """A catalogue name; ``part`` picks one of its modules."""
    command: str
    """The ``cnnarch draw`` command that draws the same picture."""
    part: str | None = None
    input: tuple[int, ...] | None = None
    """The part's input (C, H, W)."""
    depth: int | None = None
    labels: tuple[str, ...] = ("shape",)
    color: str | None = None
    options: dict[str, Any] = field(default_factory=dict)


PICTURES = (
    Picture(
        "alexnet.svg",
        "AlexNet",
        "alexnet",
        "cnnarch draw alexnet --label shape,params --color macs -o alexnet.svg",
        labels=("shape", "params"),
        color="macs",
    ),
    Picture(
        "vgg16.svg",
        "VGG-16",
        "vgg16",
        "cnnarch draw vgg16 --label shape,rf -o vgg16.svg",
        labels=("shape", "rf"),
    ),
    Picture(
        "inception-module.svg",
        "An inception module (GoogLeNet's 3a)",
        "googlenet",
        "cnnarch draw googlenet --depth 2 -o googlenet.svg",
        part="inception3a",
        input=(192, 28, 28),
        labels=("shape", "params"),
    ),
    Picture(
        "resnet-block.svg",
        "A ResNet bottleneck block with a projection shortcut (ResNet-50's layer2.0)",
        "resnet50",
        "cnnarch draw resnet50 --depth 2 -o resnet50.svg",
        part="layer2.0",
        input=(256, 56, 56),
        labels=("shape", "params"),
    ),
    Picture(
        "unet.svg",
        "U-Net, block by block",
        "unet",
        "cnnarch draw unet --depth 1 --color memory -o unet.svg",
        depth=1,
        color="memory",
    ),
)


def draw(picture: Picture) -> str:
    """The picture's SVG, laid out by Graphviz."""
    from cnnarch.catalogue import build, get_spec
    from cnnarch.draw import diagram
    from cnnarch.draw.dot import to_dot
    from cnnarch.draw.engine import layout

    model: Any = picture.model
    if picture.part is not None:
        import torch

        with torch.device("meta"):
            whole = build(get_spec(picture.model))
        model = whole.get_submodule(picture.part).eval()
    drawing = diagram(model, picture.input, depth=picture.depth, **picture.options)
    if picture.part is not None:
        drawing.model = f"{picture.model}.{picture.part}"
    return layout(to_dot(drawing, picture.labels, picture.color), "svg").decode()


def drawn(picture: Picture) -> str:
    """``draw(picture)``, or where Graphviz is missing a small SVG that says so (the docs still
    build; the page says what to install)."""
    from cnnarch.draw.engine import EngineMissing

    try:
        return draw(picture)
    except EngineMissing as missing:
        from html import escape

        text = escape(str(missing))
        return (
            '<svg xmlns="http://www.w3.org/2000/svg" width="720" height="40">'
            f'<text x="4" y="24" font-size="12">{text}</text></svg>'
        )


def markdown(folder: str = "pictures") -> str:
    """The pictures page's body: each picture with the command that draws it."""
    parts = []
    for picture in PICTURES:
        text = f"## {picture.title}\n\n```bash\n{picture.command}\n```\n\n"
        if picture.part is not None:
            shape = "x".join(map(str, picture.input or ()))
            text += (
                f"draws the whole network; the picture is its `{picture.part}` module alone, at input "
                f"{shape}, drawn the same way through the Python API: "
                f"`cnnarch.draw.diagram(module, {picture.input})`.\n\n"
            )
        parts.append(text + f"![{picture.title}]({folder}/{picture.file})\n")
    return "\n".join(parts)
