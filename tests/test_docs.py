"""The documentation site builds in strict mode: a broken link, a page left out of the nav or an
unknown generated block fails it (mkdocs.yml, docs/hooks.py)."""

from __future__ import annotations

import doctest
import importlib.util
import os
import re
import subprocess
import sys

import pytest

from cnnarch.analysis.conventions import CONVENTIONS
from cnnarch.catalogue.registry import all_specs
from tests import doc_examples
from tests.conftest import ROOT

DOC_FILES = doc_examples.doc_files()


@pytest.mark.parametrize("path", DOC_FILES, ids=[str(p.relative_to(ROOT)) for p in DOC_FILES])
def test_examples_are_the_commands_real_output(path):
    """Each checked ```text block (tests/doc_examples.py says which) is what its commands print
    today; ``python -m tests.doc_examples --update`` rewrites the ones that changed."""
    for example in doc_examples.examples(path):
        assert doc_examples.rendered(example) == doc_examples.shown(example), (
            f"{example.where} is not the real output: run .venv/bin/python -m tests.doc_examples --update"
        )


def test_readme_examples_are_checked():
    """The front door's examples are the ones a reader tries first: at least summary, list,
    explain, calc and compare are run again."""
    commands = {c.argv[0] for e in doc_examples.examples(ROOT / "README.md") for c in e.commands}
    assert {"summary", "list", "explain", "calc", "compare"} <= commands


def test_docs_build_strictly(tmp_path):
    env = {**os.environ, "CNNARCH_DOCS_COUNTS": "0"}
    done = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp_path / "site")],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "site" / "index.html").exists()


def _hooks():
    spec = importlib.util.spec_from_file_location("docs_hooks", ROOT / "docs" / "hooks.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_catalogue_page_has_every_entry_and_its_notes(monkeypatch):
    """The catalogue page is generated from the entries at build time, never a committed copy."""
    monkeypatch.setenv("CNNARCH_DOCS_COUNTS", "0")
    table = _hooks().catalogue_table()
    rows = [line for line in table.splitlines() if line.startswith("| `")]
    specs = all_specs()
    assert [row.split("`")[1] for row in rows] == [spec.name for spec in specs]
    for row, spec in zip(rows, specs, strict=True):
        assert spec.notes.replace("|", "\\|").replace("\n", " ") in row, spec.name
        assert f"| {'x'.join(map(str, spec.input))} |" in row, spec.name


def test_conventions_page_names_every_convention_and_its_tool():
    table = _hooks().conventions_table()
    for convention in CONVENTIONS.values():
        assert f"| `{convention.name}` |" in table
        assert convention.tool.replace("|", "\\|") in table


def test_python_api_page_is_a_real_session():
    """docs/python-api.md's ``>>>`` session runs as written (doctest)."""
    failed, attempted = doctest.testfile(
        str(ROOT / "docs" / "python-api.md"), module_relative=False, optionflags=doctest.ELLIPSIS
    )
    assert attempted > 0 and failed == 0


def test_readme_links_point_at_files():
    """The README is read on its own (not built by mkdocs): each relative link names a file."""
    readme = (ROOT / "README.md").read_text()
    targets = re.findall(r"\]\(([^)#]+)(?:#[^)]*)?\)", readme)
    assert targets
    missing = [t for t in targets if "://" not in t and not (ROOT / t).is_file()]
    assert not missing, missing


def test_layer_list_page_is_the_parsers_grammar_and_vocabulary():
    from cnnarch.dsl.layers import LAYERS
    from cnnarch.dsl.parser import GRAMMAR

    hooks = _hooks()
    assert GRAMMAR in hooks.layer_list_grammar()
    rows = [line for line in hooks.layer_list_vocabulary().splitlines() if line.startswith("| `")]
    assert [row.split("`")[1] for row in rows] == [layer.keyword for layer in LAYERS]


def test_readme_is_a_front_door():
    """At most ~300 lines: what cnnarch is, the two commands, one example per command, links;
    everything else lives in docs/."""
    assert len((ROOT / "README.md").read_text().splitlines()) <= 300


def test_reference_page_shows_every_commands_help():
    from cnnarch.cli.app import COMMANDS

    reference = _hooks().cli_reference()
    for name in COMMANDS:
        assert f"## `cnnarch {name}`" in reference
        assert f"Usage: cnnarch {name} [OPTIONS]" in reference


def test_package_map_names_every_package_with_what_it_is():
    """Contributing's map of the code is generated; a package without a docstring would show
    there as a blank, so each says what it is."""
    rows = {
        line.split("`")[1]: line.split(" | ")[1]
        for line in _hooks().package_map().splitlines()
        if line.startswith("| `")
    }
    packages = [p for p in (ROOT / "src" / "cnnarch").iterdir() if p.is_dir() and any(p.glob("*.py"))]
    assert packages
    for package in packages:
        where = f"src/cnnarch/{package.name}/"
        assert where in rows and rows[where].strip(), where
