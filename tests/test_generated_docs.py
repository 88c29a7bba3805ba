"""The generated pages are current: docs/cli-reference.md (docs/gen_cli.py) against the typer app and every command's
``--help``, docs/zoo.md (docs/gen_zoo.py) against the zoo and ``symrf zoo --json``, and docs/gallery.md with its
pictures (docs/gallery.py), rendered again into a temporary folder."""

from __future__ import annotations

import dataclasses
import importlib.util
import json
import re
import sys
from pathlib import Path
from types import ModuleType

import pytest
import typer
from typer.testing import CliRunner

from symrf import zoo
from symrf.cli import app

DOCS = Path(__file__).resolve().parent.parent / "docs"
#: The matplotlib that rendered docs/gallery/*.png: with it, docs/gallery.py makes the same bytes again (with another
#: version the test compares sizes and pixels). Update it when the pictures are rendered again with another version.
RENDERED_WITH = "3.11.2"
#: A wide terminal, so that --help does not depend on the reader's window.
TERMINAL = {"COLUMNS": "100", "NO_COLOR": "1"}


def script(name: str) -> ModuleType:
    """A script of docs/, imported as a module (so that a test can replace what it reads)."""
    spec = importlib.util.spec_from_file_location(f"docs_{name}", DOCS / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def stale(page: str, writer: str) -> str:
    return f"docs/{page} is not what docs/{writer} writes now; run python docs/{writer} and commit what it writes"


def run(*arguments: str) -> str:
    result = CliRunner().invoke(app, list(arguments), env=TERMINAL)
    assert result.exit_code == 0, result.output
    return result.output


# -- the command-line reference -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def gen_cli() -> ModuleType:
    return script("gen_cli")


def sections(page: str) -> dict[str, str]:
    """The page's sections by heading: "symrf", "symrf rf", ..."""
    parts = re.split(r"^## (.+)$", page, flags=re.MULTILINE)
    return dict(zip(parts[1::2], parts[2::2]))


def help_commands() -> list[str]:
    """The commands that ``symrf --help`` lists."""
    listing = run("--help").split("Commands:", 1)[1]
    return re.findall(r"^  (\S+)  ", listing, flags=re.MULTILINE)


def help_entries(output: str, heading: str) -> dict[str, str]:
    """The options (or arguments) that one section of a --help output lists, each with its text (on one line)."""
    if f"\n{heading}:\n" not in output:
        return {}
    body = output.split(f"\n{heading}:\n", 1)[1].split("\n\n", 1)[0]
    entries: dict[str, str] = {}
    names: list[str] = []
    for line in body.splitlines():
        match = re.match(r"^  (\S.*?)(?:\s{2,}(.*)|$)", line)
        if match:  # "-n, --input-size <str>  Input size: ...", "--json  One JSON object", "spec  A spec ..."
            names = [word.split(" ")[0] for word in match[1].split(", ")]
            entries.update({name: match[2] or "" for name in names})
        else:  # a continuation line of the last entry's text
            entries.update({name: f"{entries[name]} {line.strip()}" for name in names})
    return entries


def test_the_cli_reference_is_current(gen_cli):
    assert (DOCS / "cli-reference.md").read_text(encoding="utf-8") == gen_cli.page(), \
        stale("cli-reference.md", "gen_cli.py")


def test_every_command_of_help_has_its_section_with_every_option(gen_cli):
    page = (DOCS / "cli-reference.md").read_text(encoding="utf-8")
    found = sections(page)
    commands = help_commands()
    assert set(commands) >= {"rf", "derive", "solve", "design", "erf", "plot", "zoo", "input"}
    assert list(found) == ["symrf", *(f"symrf {command}" for command in commands)]
    for command in ["", *commands]:
        output = run(*([command] if command else []), "--help")
        section = found[f"symrf {command}".strip()]
        usage = re.search(r"^Usage: (.+)$", output, flags=re.MULTILINE)[1]
        assert f"```text\n{usage}\n```" in section, command
        options, arguments = help_entries(output, "Options"), help_entries(output, "Arguments")
        assert "--help" in options and (command in ("", "zoo") or "spec" in arguments or "--target" in options)
        rows = [line for line in section.splitlines() if line.startswith("| `")]
        for name, described in {**options, **arguments}.items():
            row = next((row for row in rows if f"`{name}`" in row.split(" | ")[0]), None)
            assert row is not None, f"{name} of symrf {command} is not on docs/cli-reference.md"
            default = re.search(r"\[default: ([^\]]+)\]$", described)
            if default:  # every default that --help shows is in its option's row
                assert f"| {default[1]} |" in row, (command, name, default[1])
            assert " ".join(described.split()[:4]) in row.replace("&#95;", "_"), (command, name)
        for line in gen_cli.paragraphs(typer.main.get_command(app).commands[command].help)[0] if command else []:
            assert gen_cli.text(line) in section, command


def test_a_new_option_makes_the_reference_stale(gen_cli, monkeypatch):
    page = gen_cli.page()
    other = typer.Typer(name="symrf", rich_markup_mode=None, add_completion=False)

    @other.command("rf")
    def rf(depth: int = typer.Option(3, "--depth", help="How *deep* to look: [1, 9].")) -> None:
        """Receptive fields.

        Example: symrf rf --depth 4
        """

    @other.command("zoo")
    def zoo_command() -> None:
        """The zoo."""

    monkeypatch.setattr(gen_cli, "app", other)
    changed = gen_cli.page()
    assert changed != page
    rows = sections(changed)
    assert list(rows) == ["symrf", "symrf rf", "symrf zoo"]
    assert "| `--depth` | `int` | 3 | How &#42;deep&#42; to look: &#91;1, 9&#93;. |" in rows["symrf rf"]
    assert "```sh\nsymrf rf --depth 4\n```" in rows["symrf rf"]


def test_help_text_is_shown_as_typed(gen_cli):
    # spec syntax is neither emphasis nor a link nor math, and a pipe does not split a table cell
    assert gen_cli.text("n * [conv(3)], 10**100, $x$ | a\\b") == \
        "n &#42; &#91;conv(3)&#93;, 10&#42;&#42;100, &#36;x&#36; &#124; a&#92;b"
    page = (DOCS / "cli-reference.md").read_text(encoding="utf-8")
    for line in page.splitlines():
        if line.startswith("| `"):
            assert line.count(" | ") == line.count("|") - 2, line  # no stray cell separator


# -- the zoo ------------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def gen_zoo() -> ModuleType:
    return script("gen_zoo")


def zoo_rows(page: str) -> dict[str, list[str]]:
    """The cells of the page's table of every model, by model."""
    rows = {}
    for line in page.split("## Every model", 1)[1].split("## End-points", 1)[0].splitlines():
        match = re.match(r"^\| \[(\w+)\]\(#endpoints-\1\) \| (.*) \|$", line)
        if match:
            rows[match[1]] = match[2].split(" | ")
    return rows


def shown(value: object) -> str:
    """A JSON value as the table shows it: one value for a square model."""
    if isinstance(value, list):
        return str(value[0]) if len(set(value)) == 1 else "×".join(map(str, value))
    return str(value)


def test_the_zoo_page_is_current(gen_zoo):
    assert (DOCS / "zoo.md").read_text(encoding="utf-8") == gen_zoo.page(), stale("zoo.md", "gen_zoo.py")


def test_the_zoo_page_holds_every_model_with_the_values_of_symrf_zoo(gen_zoo):
    page = (DOCS / "zoo.md").read_text(encoding="utf-8")
    rows = zoo_rows(page)
    assert list(rows) == list(zoo.names()) and len(rows) >= 70
    for entry in json.loads(run("zoo", "--json")):
        name = entry["model"]
        size, final, rf, jump, padding, aligned, check, source = rows[name]
        assert (size, final, jump, padding) == (shown(entry["input_size"]), entry["final_layer"],
                                                shown(entry["jump"]), shown(entry["effective_padding"])), name
        local = entry.get("rf_is") == "rf_local"
        assert rf == shown(entry["rf"]) + "*" * local, name
        assert aligned == "yes" and entry["aligned"] is True
        assert entry["source"].startswith(source) and source, name
        model = zoo.get(name)
        expected = (["published ✓"] if model.published else []) + (
            [f"measured ✓ ({len(model.measured)})"] if model.measured else [])
        assert check == (", ".join(expected) or "—"), name
        # its end-points, each a row of its section, the measured ones checked
        block = page.split(f'<details id="endpoints-{name}">', 1)[1].split("</details>", 1)[0]
        points = re.findall(r"<tr><td>([^<]+)</td><td>([^<]+)</td>", block)
        assert [layer for layer, _ in points] == list(gen_zoo.endpoints(name)) and points[-1][0] == final, name
        assert points[-1][1] == rf, name  # the final layer's row gives the model's value
        assert block.count("measured ✓") == len(model.measured), name
    # after a squeeze-and-excitation gate the local paths read 67 pixels (tests/test_zoo_torchvision.py)
    assert "<tr><td>features.3</td><td>67*</td><td>8</td>" in page.split('id="endpoints-efficientnet_b0"')[1]


def test_the_zoo_page_gives_every_family_its_closed_form():
    page = (DOCS / "zoo.md").read_text(encoding="utf-8")
    families = page.split("## Families", 1)[1]
    assert re.findall(r"^### (\w+)$", families, flags=re.MULTILINE) == list(zoo.families())
    assert "| layer4 | `8*(n_layer1 + 2*n_layer2 + 4*n_layer3 + 8*n_layer4) - 45` | `32` |" in \
        families.split("### resnet50", 1)[1].split("###", 1)[0]
    for name in zoo.families():
        assert run("zoo", name, "--symbolic", "--markdown").strip() in families, name
        assert f'<a href="#family-{name}">' in page and f'<a id="family-{name}"></a>' in page


def test_a_value_that_disagrees_is_shown(gen_zoo, monkeypatch):
    real = zoo.get

    def tampered(name: str):
        model = real(name)
        if name == "vgg_16":
            return dataclasses.replace(model, published={**model.published, "rf": 213})
        if name == "googlenet":
            first = {**model.measured[0], "jump": 3}
            return dataclasses.replace(model, measured=(first, *model.measured[1:]))
        return model

    monkeypatch.setattr(zoo, "get", tampered)
    assert gen_zoo.checked("vgg_16") == "published ✗ (213/32/90)"
    assert gen_zoo.checked("googlenet") == "measured ✗ (1 of 7 differ)"
    assert gen_zoo.checked("resnet_v1_50") == "published ✓" and gen_zoo.checked("resnet50") == "—"


# -- the gallery --------------------------------------------------------------------------------------------------


def test_the_gallery_is_rendered_again_as_committed(tmp_path):
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    from matplotlib import image as images

    gallery = script("gallery")
    assert gallery.main([str(tmp_path / "gallery")]) == 0
    page = (tmp_path / "gallery.md").read_text(encoding="utf-8")
    assert page == (DOCS / "gallery.md").read_text(encoding="utf-8"), stale("gallery.md", "gallery.py")
    listed = re.findall(r"!\[[^\]]*\]\(gallery/([^)]+\.png)\)", page)
    assert len(listed) == len(gallery.PICTURES) >= 9
    made = {path.name for path in (tmp_path / "gallery").iterdir()}
    committed = {path.name for path in (DOCS / "gallery").iterdir()}
    assert set(listed) <= made == committed == {*listed, gallery.PHOTO}
    exact = matplotlib.__version__ == RENDERED_WITH
    for name in sorted(made):
        new, old = tmp_path / "gallery" / name, DOCS / "gallery" / name
        if new.read_bytes() == old.read_bytes():
            continue
        assert not exact, f"{stale(f'gallery/{name}', 'gallery.py')} (matplotlib {RENDERED_WITH})"
        # another matplotlib may draw text a little differently: the same size, nearly the same pixels
        fresh, kept = images.imread(new), images.imread(old)
        assert fresh.shape == kept.shape, f"{stale(f'gallery/{name}', 'gallery.py')}: {fresh.shape} != {kept.shape}"
        assert abs(fresh - kept).mean() < 0.01, stale(f"gallery/{name}", "gallery.py")
