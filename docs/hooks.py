"""mkdocs hook: pages generated at build time from cnnarch's own registries.

A page asks for a generated block with a line ``<!-- generated: NAME -->``; the hook replaces it
with ``GENERATORS[NAME]()``. The tables therefore come from the code on every build and cannot go
stale, and an unknown NAME fails the build (strict or not). To add a generated block: write a
function returning Markdown and add it to ``GENERATORS``.

``CNNARCH_DOCS_COUNTS=0`` leaves cnnarch's own counts out of the catalogue table: building every
entry to count it takes about a minute, and the docs test only needs the page to build.
"""

from __future__ import annotations

import ast
import contextlib
import io
import os
import re
from collections.abc import Callable
from pathlib import Path
from pkgutil import resolve_name

from mkdocs.exceptions import PluginError

MARKER = re.compile(r"^<!-- generated: ([\w-]+) -->$", flags=re.MULTILINE)


def catalogue_table() -> str:
    """``cnnarch list --computed --format markdown``: every entry, its published figures and notes."""
    from cnnarch.catalogue import all_specs
    from cnnarch.render.catalogue import to_markdown

    specs = all_specs()
    computed = None
    if os.environ.get("CNNARCH_DOCS_COUNTS", "1") != "0":
        from cnnarch.catalogue.computed import compute

        computed = {spec.name: compute(spec) for spec in specs}
    return to_markdown(specs, computed)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def conventions_table() -> str:
    """One row per ``--convention``: the call it reproduces and what it counts."""
    from cnnarch.analysis.conventions import CONVENTIONS

    lines = ["| `--convention` | Column | Reproduces | Counts |", "|---|---|---|---|"]
    for c in CONVENTIONS.values():
        lines.append(f"| `{c.name}` | {_cell(c.label)} | `{_cell(c.tool)}` | {_cell(c.summary)} |")
    return "\n".join(lines) + "\n"


def conventions_rules() -> str:
    """Each convention's rule table as the code holds it, and what it does not reproduce."""
    from cnnarch.analysis.conventions import CONVENTIONS

    parts = []
    for c in CONVENTIONS.values():
        lines = [f"### `{c.name}`", "", f"Reproduces `{_cell(c.tool)}`.", ""]
        lines += ["| On | Names | Adds | To | Only inside |", "|---|---|---|---|---|"]
        for rule in c.rules:
            names = " ".join(f"`{n}`" for n in rule.names)
            adds = f"{rule.factor} x {rule.measure}"
            inside = f"`{rule.inside}`" if rule.inside else ""
            lines.append(f"| {rule.on} | {_cell(names)} | {_cell(adds)} | {rule.category} | {inside} |")
        if c.notes:
            lines += ["", "Not reproduced:", ""] + [f"- {note}" for note in c.notes]
        parts.append("\n".join(lines))
    return "\n\n".join(parts) + "\n"


def ops_table() -> str:
    """One row per op record (``cnnarch.ops``): what it covers and which rules it has."""
    from cnnarch.ops import FAMILIES

    lines = ["| Record | Category | ATen ops | Receptive field | Has | What |", "|---|---|---|---|---|---|"]
    for f in FAMILIES.values():
        fields = ("window", "macs", "bias", "mac_terms", "check", "refine")
        has = ", ".join(name for name in fields if getattr(f, name) is not None)
        if f.meta:
            has += (", " if has else "") + "shape shortcut"
        packets = " ".join(f"`{p.removeprefix('aten.')}`" for p in f.packets)
        lines.append(
            f"| `{f.name}` | {f.category} | {packets} | {f.receptive_field} | {has} | {_cell(f.summary)} |"
        )
    return "\n".join(lines) + "\n"


def layer_list_grammar() -> str:
    """The layer-list language's grammar, as the parser states it."""
    from cnnarch.dsl.parser import GRAMMAR

    return f"```text\n{GRAMMAR}```\n"


def _option(option) -> str:
    written = f"{option.name}N" if option.compact else f"{option.name}="
    required = ", required" if option.required else ""
    return f"`{written}` {option.help}{required}"


def layer_list_vocabulary() -> str:
    """One row per layer keyword of the layer-list language (``cnnarch.dsl.layers.LAYERS``)."""
    from cnnarch.dsl.layers import LAYERS

    lines = ["| Layer (aliases) | Value | Options | What |", "|---|---|---|---|"]
    for layer in LAYERS:
        name = f"`{layer.keyword}`" + (
            f" ({', '.join(f'`{a}`' for a in layer.aliases)})" if layer.aliases else ""
        )
        value = ""
        if layer.positional:
            value = layer.positional.help + (", required" if layer.positional.required else "")
        options = [_option(o) for o in layer.options] + [f"`{flag}`" for flag in layer.flags]
        lines.append(f"| {name} | {_cell(value)} | {_cell('; '.join(options))} | {_cell(layer.help)} |")
    return "\n".join(lines) + "\n"


def _help(*argv: str) -> str:
    """``cnnarch ARGV --help`` as a terminal 100 columns wide shows it (in this process: fast)."""
    from cnnarch.cli.app import main

    out = io.StringIO()
    saved = os.environ.get("COLUMNS")
    os.environ["COLUMNS"] = "100"  # typer's help console reads the width when it is made
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
            main([*argv, "--help"])
    except SystemExit as done:
        if done.code not in (0, None):
            raise PluginError(f"cnnarch {' '.join(argv)} --help failed: {out.getvalue().strip()}") from None
    finally:
        if saved is None:
            del os.environ["COLUMNS"]
        else:
            os.environ["COLUMNS"] = saved
    text = "\n".join(line.rstrip() for line in out.getvalue().strip("\n").splitlines())
    usage = re.compile(rf"^( *Usage: ).*?(?= {re.escape(' '.join(argv))}\b)", flags=re.MULTILINE)
    return usage.sub(r"\1cnnarch", text)  # click names the running program: "python -m mkdocs", "pytest"


def cli_reference() -> str:
    """Every command's ``--help`` (and every subcommand's), from the commands themselves."""
    import typer

    from cnnarch.cli.app import COMMANDS

    parts = []
    for name, (target, _) in COMMANDS.items():
        parts.append(f"## `cnnarch {name}`\n\n```text\n{_help(name)}\n```")
        command = resolve_name(target)
        if isinstance(command, typer.Typer):
            for sub in command.registered_commands:
                sub_name = sub.name or sub.callback.__name__.replace("_", "-")
                parts.append(f"### `cnnarch {name} {sub_name}`\n\n```text\n{_help(name, sub_name)}\n```")
    return "\n\n".join(parts) + "\n"


def pictures() -> str:
    """docs/pictures.md: one drawing per family, each with the command that draws it."""
    from cnnarch.draw.gallery import markdown

    return markdown()


def on_files(files, config):
    """The pictures page's drawings, laid out by Graphviz from the catalogue on every build
    (``cnnarch.draw.gallery``); they exist only in the built site."""
    from mkdocs.structure.files import File

    from cnnarch.draw.gallery import PICTURES, drawn

    for picture in PICTURES:
        files.append(File.generated(config, f"pictures/{picture.file}", content=drawn(picture)))
    return files


def _summary_of(path: Path) -> str:
    """The first paragraph of a module's docstring, on one line."""
    text = ast.get_docstring(ast.parse(path.read_text())) or ""
    return " ".join(text.split("\n\n")[0].split())


def package_map() -> str:
    """Where things are: every package and top-level module of ``src/cnnarch``, as its docstring
    says, with the modules inside (read from the files, so a new package shows at once)."""
    root = Path(__file__).resolve().parents[1] / "src" / "cnnarch"
    lines = ["| Where | What | Modules |", "|---|---|---|"]
    for path in sorted(root.iterdir()):
        if path.is_dir() and any(path.glob("*.py")):
            modules = ", ".join(f"`{m.name}`" for m in sorted(path.glob("*.py")) if m.name != "__init__.py")
            init = path / "__init__.py"
            what = _summary_of(init) if init.exists() else ""
            lines.append(f"| `{path.relative_to(root.parents[1])}/` | {_cell(what)} | {modules} |")
        elif path.suffix == ".py" and path.name != "__init__.py":
            lines.append(f"| `{path.relative_to(root.parents[1])}` | {_cell(_summary_of(path))} | |")
    return "\n".join(lines) + "\n"


GENERATORS: dict[str, Callable[[], str]] = {
    "catalogue-table": catalogue_table,
    "conventions-table": conventions_table,
    "conventions-rules": conventions_rules,
    "layer-list-grammar": layer_list_grammar,
    "layer-list-vocabulary": layer_list_vocabulary,
    "cli-reference": cli_reference,
    "package-map": package_map,
    "ops-table": ops_table,
    "pictures": pictures,
}


def on_page_markdown(markdown: str, page, config, files) -> str:
    def generate(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in GENERATORS:
            known = ", ".join(GENERATORS)
            raise PluginError(f"{page.file.src_uri}: unknown generated block {name!r} (known: {known})")
        return GENERATORS[name]().strip()

    return MARKER.sub(generate, markdown)
