"""The ``symrf`` command line: a thin layer over the library (parse options, call one function, render).

Every problem in the user's input ends as one line on stderr and exit code 2, never a traceback.
"""

from __future__ import annotations

import json
import math
import re
import shlex
import sys
from collections.abc import Callable
from enum import Enum
from functools import wraps
from typing import Annotated, Any, cast

import typer
from typer.core import TyperGroup

from . import __version__
from .analysis import Analysis
from .dispatch import analyze
from .errors import SymrfError, message_line, quoted
from .spec import parse, parse_value, read_spec

#: The worked example that ``symrf derive`` derives when no spec is given.
WORKED_EXAMPLE = "conv(3), pool(2, 2), conv(3), pool(2, 2), conv(3), conv(3), pool(2, 2)"


class Commands(TyperGroup):
    """symrf's commands; a spec given where a command is expected is answered with the command to use."""

    def resolve_command(self, ctx, args):
        name = args[0] if args else ""
        if name and name not in self.commands and not name.startswith("-") and ("(" in name or "[" in name):
            shown = '"SPEC"' if len(name) > 60 else shlex.quote(name) if re.search(r'["\\$`!]', name) else f'"{name}"'
            ctx.fail(f"{quoted(name)} is a spec, not a command; to analyse it, write symrf rf {shown}")
        return super().resolve_command(ctx, args)


app = typer.Typer(
    name="symrf",
    help="Exact, symbolic receptive fields of convolutional networks.\n\n"
    'Example: symrf rf "conv(3), pool(2, 2), conv(3)"',
    cls=Commands,
    invoke_without_command=True,  # without a command, _root prints the help and exits with 0
    add_completion=False,
    rich_markup_mode=None,  # help texts hold spec syntax such as [conv(3)], which is not markup
    pretty_exceptions_enable=False,
)


class Form(str, Enum):
    auto = "auto"
    flat = "flat"
    nested = "nested"


SpecArgument = Annotated[
    str,
    typer.Argument(
        help='A spec such as "conv(3), pool(2, 2), n * [conv(k, s)]", or a file holding one (# comments allowed).',
        show_default=False,
    ),
]
InputSize = Annotated[
    str | None,
    typer.Option("--input-size", "-n", help="Input size: an integer or a symbol such as N, or one per axis "
                 "(224x224 or 224,224; a network with one value per layer is then analysed along each axis)."),
]
FormOption = Annotated[
    Form,
    typer.Option(help="How to write symbolic values: flat sums of products, nested (Horner), or auto "
                 "(flat unless it would be large)."),
]


def fail(message: str) -> None:
    """Print ``message`` as one line on stderr and exit with code 2."""
    _replace_unencodable()
    sys.stderr.write(f"symrf: error: {message_line(message)}\n")
    raise typer.Exit(code=2)


def _replace_unencodable() -> None:
    """Let stdout and stderr write any text: characters their encoding lacks (a lone surrogate in a file name)
    are written as backslash escapes instead of ending in a UnicodeEncodeError."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if callable(reconfigure):
            try:
                reconfigure(errors="backslashreplace")
            except (ValueError, OSError, TypeError):  # a closed or unusual stream: leave it as it is
                pass


def user_errors(command: Callable) -> Callable:
    """Turn every error caused by the user's input into one line on stderr and exit code 2."""

    @wraps(command)
    def wrapper(*args, **kwargs):
        _replace_unencodable()
        try:
            return command(*args, **kwargs)
        except SymrfError as exc:
            fail(str(exc))
        except RecursionError:
            fail("the spec is nested too deeply to analyse")
        except ValueError as exc:
            if "integer string conversion" not in str(exc):
                raise
            fail("a result has more than 4,300 digits, too many to print; use fewer strided layers or symbols")
        except MemoryError:
            fail("the spec is too large to analyse in memory")

    return wrapper


#: What separates the input sizes of several axes: a comma, ``×``, or an ``x`` between two numbers (``224x224``).
_SIZE_SEPARATOR = re.compile(r"\s*(?:[,×]|(?<=[0-9])\s*[xX](?=\s*[0-9]))\s*")


def input_sizes(text: str | None) -> object:
    """An input size: one value (``224``, ``N``) or one per axis (``224x320``, ``224,320``)."""
    if text is None:
        return None
    parts = _SIZE_SEPARATOR.split(text.strip())
    try:
        sizes = tuple(parse_value(part, "size") for part in parts)
    except SymrfError:
        raise SymrfError(f"--input-size: {quoted(text)} is not a size; write 224, 224x224 or N") from None
    return sizes if len(sizes) > 1 else sizes[0]


OptionalSpec = Annotated[
    str | None,
    typer.Argument(
        help='A spec such as "conv(3), pool(2, 2), n * [conv(k, s)]", a file holding one (# comments allowed), a '
        "graph file (.toml, .yaml) or an ONNX model (.onnx); none with --torch.",
        show_default=False,
    ),
]
TorchOption = Annotated[str | None, typer.Option(
    "--torch", help="A PyTorch model: module:callable (torchvision.models:resnet50) or file.py:Net, called with "
    "--torch-kwargs; read with torch.fx, never run on data.", show_default=False)]
TorchKwargs = Annotated[str | None, typer.Option(
    "--torch-kwargs", help="Keyword arguments for --torch's callable, as Python literals: 'num_classes=10'.",
    show_default=False)]
PointwiseOption = Annotated[list[str] | None, typer.Option(
    "--pointwise", help="An op type of an imported model that acts on each position alone (repeatable).",
    show_default=False)]
GlobalOption = Annotated[list[str] | None, typer.Option(
    "--global", help="An op type of an imported model that reads every position (repeatable).", show_default=False)]
UnknownOption = Annotated[bool, typer.Option(
    "--allow-unknown", help="Treat the ops of an imported model that symrf does not understand as pointwise, with a "
    "warning per type, instead of stopping.")]


def load_source(spec: str | None, input_size: str | None = None, strict: bool = False, torch: str | None = None,
                torch_kwargs: str | None = None, pointwise: list[str] | None = None, global_: list[str] | None = None,
                allow_unknown: bool = False) -> Analysis:
    """Analyse a spec, a spec or graph file, an ONNX file or a PyTorch model (``--torch``); what an import noticed is
    printed first, on stderr."""
    from .models import load_model

    sizes = input_sizes(input_size)
    loaded = load_model(spec, torch, torch_kwargs, sizes, pointwise or (), global_ or (), not allow_unknown)
    if loaded is None:
        if spec is None:
            fail("missing argument SPEC: give a spec, a file, or --torch module:callable (see symrf rf --help)")
        return load(cast(str, spec), input_size, strict)
    for warning in loaded.warnings:
        sys.stderr.write(f"symrf: warning: {message_line(warning)}\n")
    for note in loaded.notes:
        sys.stderr.write(f"symrf: note: {message_line(note)}\n")
    return analyze(loaded.network, sizes if sizes is not None else loaded.input_size, strict=strict)


def load(spec: str, input_size: str | None = None, strict: bool = False) -> Analysis:
    """Read a spec (text, a spec file, or a graph file: .toml, .yaml) and analyse it."""
    if spec.lower().endswith((".toml", ".yaml", ".yml")):
        from .graphfile import load_graph

        return analyze(load_graph(spec), input_sizes(input_size), strict=strict)
    return analyze(parse(read_spec(spec)), input_sizes(input_size), strict=strict)


def echo(text: str) -> None:
    sys.stdout.write(text if text.endswith("\n") else text + "\n")


def report(analysis: Analysis, style: str, form: str = "auto", edges: bool = False, paths: bool = False,
           title: str | None = None, copies: bool = False) -> None:
    """Print any analysis in ``style`` (text, json, latex, markdown); warnings and notes go to stderr."""
    from . import tables

    # everything is rendered before anything is printed: an error (a value too long to print) is then the only line
    text: str | None = None
    rows: tuple[list[str], list[list[str]], list[str]] | None = None
    if style == "json":
        text = json.dumps(analysis.to_dict(form, edges, paths, copies), indent=2)
    elif style == "latex":
        text = tables.latex_table(analysis, form, edges)
    elif style == "markdown":
        text = tables.markdown(analysis, form, edges, copies)
    else:
        rows = tables.text_rows(analysis, form, edges, copies)
    for warning in analysis.warnings:
        sys.stderr.write(f"symrf: warning: {message_line(warning)}\n")
    for note in analysis.notes:
        sys.stderr.write(f"symrf: note: {message_line(note)}\n")
    if rows is None:
        echo(cast(str, text))
        return
    arrivals = [f"{merge.name} <- " + "; ".join(f"{p.label}: rf {p.rf}, eff. pad {p.effective_padding}, centre "
                                                f"{p.center}" for p in merge.paths)
                for merge in analysis.merges] if paths else []
    tables.show_table(*rows, title=title)
    for line in arrivals:
        echo(line)


@app.command("rf")
@user_errors
def rf_command(
    spec: OptionalSpec = None,
    input_size: InputSize = None,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object: totals and a list of layers.")] = False,
    as_latex: Annotated[bool, typer.Option("--latex", help="A LaTeX tabular.")] = False,
    as_markdown: Annotated[bool, typer.Option("--markdown", help="A Markdown table.")] = False,
    form: FormOption = Form.auto,
    edges: Annotated[bool, typer.Option("--edges", help="Measure centres from pixel edges (the 'start = 0.5' "
                                        "convention of some tools): centre + 1/2.")] = False,
    subs: Annotated[str | None, typer.Option("--subs", help="Give symbols values first, e.g. k=3,s=2.")] = None,
    sweep: Annotated[str | None, typer.Option(
        "--sweep", help='Evaluate the RF over a grid, e.g. "n=1..12,k=3,5,7" (one row per point).')] = None,
    paths: Annotated[bool, typer.Option("--paths", help="With parallel paths: what arrives on each input of "
                                        "every merge.")] = False,
    strict: Annotated[bool, typer.Option("--strict", help="A misaligned merge is an error, not a warning.")] = False,
    copies: Annotated[bool, typer.Option("--copies", help="After a block repeated an integer number of times (one "
                                         "row: it is never unrolled), the rows of its first and last copy.")] = False,
    layer: Annotated[str | None, typer.Option("--layer", help="Only this layer, merge or container, by name "
                                              "(layer3.1.conv2, layer3) or 1-based row index (3).",
                                              show_default=False)] = None,
    torch: TorchOption = None,
    torch_kwargs: TorchKwargs = None,
    pointwise: PointwiseOption = None,
    global_: GlobalOption = None,
    allow_unknown: UnknownOption = False,
) -> None:
    """Receptive field, jump, effective padding, start and centre of every layer and of the network.

    A spec with a block repeated a symbolic number of times (n * [...]) gives closed forms. PyTorch models
    (--torch) and ONNX files are imported with their module paths as layer names.

    Example: symrf rf "conv(3), pool(2, 2), conv(3)" --input-size 32 --json

    Example: symrf rf --torch torchvision.models:resnet50 --input-size 224 --layer layer3
    """
    if sum((as_json, as_latex, as_markdown)) > 1:
        fail("choose at most one of --json, --latex and --markdown")
    if subs is None:
        analysis = load_source(spec, input_size, strict, torch, torch_kwargs, pointwise, global_, allow_unknown)
    elif spec is None:
        fail("--subs works on a spec; an imported model has no symbols")
    else:  # values first, so that an input size applies to the substituted network
        from .closed_forms import parse_assignments, substitute_values

        network = substitute_values(parse(read_spec(spec)), parse_assignments(subs))
        analysis = analyze(network, input_sizes(input_size), strict=strict)
    style = "json" if as_json else "latex" if as_latex else "markdown" if as_markdown else "text"
    if sweep is not None:
        from .closed_forms import parse_grid, sweep_report
        from .closed_forms import sweep as sweep_over

        if as_latex:
            fail("--sweep prints text, --json or --markdown")
        from .closed_forms import MAX_PRINTED_SWEEP_ROWS

        grid = parse_grid(sweep)
        points = math.prod(len(values) for values in grid.values())
        if points > MAX_PRINTED_SWEEP_ROWS:
            fail(f"the sweep has {points:,} points, more than the {MAX_PRINTED_SWEEP_ROWS:,} rows symrf prints "
                 f"(MAX_PRINTED_SWEEP_ROWS); use smaller ranges, or symrf.sweep in Python for up to a million points")
        if analysis.axis_count > 1 or analysis.merges or analysis.phases is not None:
            fail("--sweep works on chains and repeated blocks; this network has several paths, axes or up-sampling")
        swept = sweep_report(sweep_over(analysis, grid), style)
        echo(json.dumps(swept, indent=2) if as_json else str(swept))
        return
    if layer is not None:
        show_layer(analysis, layer, as_json)
        return
    report(analysis, style, form.value, edges, paths, copies=copies)


def show_layer(analysis: Analysis, layer: str, as_json: bool, title: str | None = None) -> None:
    """One row of an analysis: a JSON object, or one line of its quantities."""
    from . import tables

    key: int | str = int(layer) if layer.strip().isdigit() else layer
    found = tables.layer_json(analysis, key)
    for note in analysis.notes:
        sys.stderr.write(f"symrf: note: {message_line(note)}\n")
    if as_json:
        echo(json.dumps(found, indent=2))
        return
    shown = ", ".join(f"{key} {json.dumps(value)}" for key, value in found.items()
                      if key in ("rf", "rf_local", "rf_min", "jump", "effective_padding", "start", "center", "size"))
    echo(f"{title + ' ' if title else ''}{found['name'] if isinstance(key, int) else layer}: {shown}")


class PlotKind(str, Enum):
    growth = "growth"
    grid = "grid"
    erf = "erf"


@app.command("erf")
@user_errors
def erf_command(
    spec: OptionalSpec = None,
    input_size: InputSize = None,
    layer: Annotated[str | None, typer.Option("--layer", help="The ERF of this layer's feature 0 (by name or "
                                              "1-based index) instead of the output's.", show_default=False)] = None,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object: mean, variance, interval68, interval95, "
                                          "ratio95 and, for numeric networks, the exact response.")] = False,
    as_latex: Annotated[bool, typer.Option("--latex", help="The derivation of the variance in LaTeX.")] = False,
    document: Annotated[bool, typer.Option("--document", help="With --latex: a standalone document.")] = False,
    as_markdown: Annotated[bool, typer.Option("--markdown", help="A Markdown table.")] = False,
    torch: TorchOption = None,
    torch_kwargs: TorchKwargs = None,
    measure: Annotated[bool, typer.Option("--measure", help="With --torch: also measure the ERF (mean absolute input "
                                          "gradient of the centre unit over random inputs).")] = False,
    weights: Annotated[str | None, typer.Option("--weights", help="With --measure: a state dict to load (read with "
                                                "torch.load(weights_only=True)).", show_default=False)] = None,
    batch: Annotated[int, typer.Option("--batch", help="With --measure: random inputs averaged over.")] = 16,
) -> None:
    """The effective receptive field with uniform weights (every tap of a kernel weighs the same, max pooling read as
    average pooling): the exact impulse response of feature 0, its mean (the centre), variance, and the narrowest
    intervals holding 68 % and 95 % of it; closed forms for symbolic networks.

    Example: symrf erf "conv(3), pool(2, 2), conv(3)" --json

    Example: symrf erf --torch my_model.py:Net --input-size 64 --measure --layer layer2
    """
    from .dispatch import erf

    if sum((as_json, as_latex, as_markdown)) > 1:
        fail("choose at most one of --json, --latex and --markdown")
    if (measure or weights is not None) and torch is None:
        fail("--measure and --weights go with --torch")
    key: int | str | None = int(layer) if layer is not None and layer.isdigit() else layer
    analysis = load_source(spec, input_size, False, torch, torch_kwargs)
    result = erf(analysis, layer=key)
    for note in result.notes:
        sys.stderr.write(f"symrf: note: {message_line(note)}\n")
    measured = None
    if measure:
        from .measured import measured_erf
        from .models import keyword_arguments, torch_model

        sizes = input_sizes(input_size)
        if sizes is None:
            fail("--measure needs --input-size (the size of the random inputs)")
        model = torch_model(cast(str, torch), keyword_arguments(torch_kwargs))
        measured = measured_erf(model, sizes, layer=layer if isinstance(key, str) else None, batch=batch,
                                weights=weights)
    if as_json:
        data = result.to_dict()
        if measured is not None:
            data["measured"] = measured.to_dict()
        echo(json.dumps(data, indent=2))
    elif as_latex or document:
        echo(result.latex(document=document))
    elif as_markdown:
        echo(result.markdown())
    else:
        from . import tables

        lines = [line.strip().strip("|").split("|") for line in result.markdown().splitlines() if line.strip()]
        cells = [[cell.strip() for cell in line] for line in lines]
        tables.show_table(cells[0], cells[2:], left=("quantity",))
        if measured is not None:
            echo(f"measured (mean |input gradient| of unit {measured.unit}): 95 % in {measured.interval95}")


@app.command("plot")
@user_errors
def plot_command(
    spec: OptionalSpec = None,
    kind: Annotated[PlotKind, typer.Option("--kind", help="growth: RF, jump and ERF width per layer; grid: the "
                                           "fields of a few features of one layer over the input; erf: the ERF heat "
                                           "map with the RF box and the 68 % / 95 % contours.")] = PlotKind.growth,
    output: Annotated[str, typer.Option("--output", "-o", help="The file to write: .png, .svg or .pdf.",
                                        show_default=False)] = "",
    input_size: InputSize = None,
    layer: Annotated[str | None, typer.Option("--layer", help="The layer to draw (grid, erf), by name or 1-based "
                                              "index; default: the output.", show_default=False)] = None,
    image: Annotated[str | None, typer.Option("--image", help="grid: a PNG to draw under the fields.",
                                              show_default=False)] = None,
    sweep: Annotated[str | None, typer.Option("--sweep", help='growth of a symbolic network: the RF over a grid, e.g. '
                                              '"n=1..12,k=3,5,7".', show_default=False)] = None,
    torch: TorchOption = None,
    torch_kwargs: TorchKwargs = None,
) -> None:
    """Pictures: the growth of the RF, the fixed-size view of a layer's fields, the ERF heat map (needs the plot
    extra: pip install 'symrf[plot]').

    Example: symrf plot "conv(3), pool(2, 2), conv(3), pool(2, 2)" --kind grid --input-size 16 -o grid.png
    """
    if not output:
        fail("give the file to write with -o, as in -o growth.png (.png, .svg or .pdf)")
    try:
        from .plots import plot, save
    except ModuleNotFoundError as exc:
        if exc.name and exc.name.split(".")[0] == "matplotlib":
            fail("matplotlib is not installed: pip install 'symrf[plot]'")
        raise
    analysis = load_source(spec, input_size, False, torch, torch_kwargs)
    key: int | str | None = int(layer) if layer is not None and layer.isdigit() else layer
    figure = plot(analysis, kind.value, input_size=analysis.input_size, layer=key, image=image, sweep=sweep)
    save(figure, output)
    echo(f"wrote {output}")


@app.command("derive")
@user_errors
def derive_command(
    spec: Annotated[
        str | None,
        typer.Argument(help="A spec or a file holding one; without it, the worked example "
                       f'"{WORKED_EXAMPLE}".', show_default=False),
    ] = None,
    document: Annotated[bool, typer.Option("--document", help="A standalone LaTeX document (pdflatex).")] = False,
    jump: Annotated[bool, typer.Option("--jump", help="Also derive the jump (effective stride).")] = False,
    center: Annotated[bool, typer.Option("--center", help="Also derive the effective padding and centre.")] = False,
    form: FormOption = Form.auto,
    input_size: InputSize = None,
    torch: TorchOption = None,
    torch_kwargs: TorchKwargs = None,
    pointwise: PointwiseOption = None,
    global_: GlobalOption = None,
    allow_unknown: UnknownOption = False,
    zoo_model: Annotated[str | None, typer.Option("--zoo", help="A model of the zoo (symrf zoo lists them) instead "
                                                  "of a spec.", show_default=False)] = None,
    symbolic: Annotated[bool, typer.Option("--symbolic", help="With --zoo: the model's family, each stage's count of "
                                           "blocks a symbol (n_layer1 ... n_layer4 for the ResNets).")] = False,
) -> None:
    """The step-by-step LaTeX derivation of the receptive field, for every network: chains, repeated blocks
    (closed forms), branches (each merge as the maximum and minimum over its paths, with the alignment check),
    values per axis (one derivation per axis), 'same' padding (give --input-size), up-sampling (phases), and
    imported models (--torch, .onnx) with their layers' names.

    Example: symrf derive "conv(k_1, s_1), conv(k_2, s_2)" --jump --document > rf.tex

    Example: symrf derive --zoo resnet50 --symbolic --jump --center > resnet_family.tex
    """
    if symbolic and zoo_model is None:
        fail("--symbolic goes with --zoo: symrf derive --zoo resnet50 --symbolic")
    if zoo_model is not None:
        from . import zoo

        if spec is not None or torch is not None:
            fail("give a spec, --torch or --zoo, not several")
        if symbolic and input_size is not None:
            fail("--symbolic derives closed forms, which hold at every input size: leave out --input-size")
        analysis = zoo.family(zoo_model).analysis() if symbolic else zoo.analysis(zoo_model, input_sizes(input_size))
        echo(analysis.latex(jump=jump, center=center, document=document, form=form.value))
        return
    if spec is None and torch is None:
        spec = WORKED_EXAMPLE
    analysis = load_source(spec, input_size, False, torch, torch_kwargs, pointwise, global_, allow_unknown)
    echo(analysis.latex(jump=jump, center=center, document=document, form=form.value))


@app.command("solve")
@user_errors
def solve_command(
    target: Annotated[str, typer.Option("--target", "-t", help="The RF to reach: an integer (10**100 is fine) "
                                        "or a symbol such as T.", show_default=False)],
    spec: Annotated[str | None, typer.Argument(
        help='A spec such as "conv(3), pool(2, 2), n * [conv(k, s)]", a file holding one (# comments allowed), or a '
        "graph file (.toml, .yaml); none with --zoo.", show_default=False)] = None,
    unknown: Annotated[str | None, typer.Option("--for", help="The unknown (default: the repetition count; a "
                                                "spec without symbols is read as n * [SPEC]).")] = None,
    subs: Annotated[str | None, typer.Option("--subs", help="Values of the other symbols: k=3,s=2.",
                                             show_default=False)] = None,
    axis: Annotated[int | None, typer.Option("--axis", help="With values per axis: reach the target on this axis "
                                             "only (0 is the height); by default on every axis.",
                                             show_default=False)] = None,
    input_size: InputSize = None,
    zoo_model: Annotated[str | None, typer.Option(
        "--zoo", help="A zoo model's family (symrf zoo NAME --symbolic) instead of a spec: --for names the stage "
        "count to solve for; the other counts are the model's own unless --subs gives them.", show_default=False,
    )] = None,
    torch: Annotated[str | None, typer.Option(
        "--torch", help="A PyTorch model (module:callable or file.py:Net), read as its family (symbolic counts: "
        "n_layer3 is the number of blocks of layer3); --for names the count, the others are the model's own unless "
        "--subs gives them.", show_default=False)] = None,
    torch_kwargs: TorchKwargs = None,
    layer: Annotated[str | None, typer.Option(
        "--layer", help="Reach the target at this layer, block, node, stage or container (layer4) instead of the "
        "network's output: an imported model ends with global pooling, whose RF is the whole input.",
        show_default=False)] = None,
    as_json: Annotated[bool, typer.Option("--json", help='One JSON object: {"symbol", "value", "rf"}.')] = False,
    as_latex: Annotated[bool, typer.Option("--latex", help="The derivation of the answer in LaTeX.")] = False,
    document: Annotated[bool, typer.Option("--document", help="With --latex: a standalone document.")] = False,
) -> None:
    """The least value of the unknown (by default how many times to repeat the block) whose RF reaches --target:
    chains, parallel and residual blocks, graph files, values per axis and the zoo's model families.

    Example: symrf solve "conv(3), pool(2, 2)" --target 224

    Example: symrf solve --zoo resnet50 --for n_layer3 --target 1000

    Example: symrf solve --torch torchvision.models:resnet50 --layer layer4 --for n_layer3 --target 1000
    """
    from .solving import read_subs, solve

    if as_json and as_latex:
        fail("choose at most one of --json and --latex")
    from .graphfile import load_graph

    given: dict[str, object] = dict(read_subs(subs))
    defaults: dict[str, object] = {}  # the model's own counts (--zoo, --torch), for the counts --subs does not give
    if zoo_model is not None or torch is not None:
        if sum(value is not None for value in (spec, zoo_model, torch)) > 1:
            fail("give one of a spec, --zoo and --torch")
        if zoo_model is not None:
            from . import zoo

            family = zoo.family(zoo_model)
            network: Any = family.network
            counts, what = dict(family.counts), f"the {zoo_model} family"
        else:
            from .models import load_model

            loaded = cast(Any, load_model(None, torch, torch_kwargs, input_sizes(input_size), symbolic="counts"))
            for note in loaded.notes:
                sys.stderr.write(f"symrf: note: {message_line(note)}\n")
            network, counts, what = loaded.network, dict(loaded.values), f"the model {torch}"
            if not counts:
                fail(f"{what} has no container that ends with two or more identical blocks: no count to solve for")
        option = "--zoo" if zoo_model is not None else "--torch"
        if unknown is None:
            fail(f"{option} needs --for, the count to solve for: one of {', '.join(counts)}")
        if unknown not in counts:
            fail(f"--for: {what} has no count {quoted(unknown)}; its counts are {', '.join(counts)}")
        defaults = {name: value for name, value in counts.items() if name != unknown}
        given = {**defaults, **given}
    elif spec is None:
        fail("missing argument SPEC: give a spec, a file, --zoo NAME or --torch MODULE:CALLABLE (see symrf solve "
             "--help)")
    else:
        network = load_graph(spec) if spec.lower().endswith((".toml", ".yaml", ".yml")) else parse(read_spec(spec))
    if layer is not None:
        network = getattr(network, "network", network).up_to(layer)  # a graph file's GraphSpec holds its network
        present = {sym.name for sym in network.free_symbols}
        given = {name: value for name, value in given.items() if name in present or name not in defaults}
    solution = solve(network, target, unknown, subs=given or None, axis=axis, input_size=input_sizes(input_size))
    if as_json:
        echo(json.dumps(solution.to_json(), indent=2))
    elif as_latex or document:
        echo(solution.latex(document=document))
    else:
        echo(str(solution))


class Cost(str, Enum):
    layers = "layers"
    kernel_area = "kernel-area"


@app.command("design")
@user_errors
def design_command(
    spec: SpecArgument,
    target: Annotated[str, typer.Option("--target", "-t", help="The RF to reach on every axis.",
                                        show_default=False)],
    ranges: Annotated[str | None, typer.Option(
        "--range", help="Ranges of the symbols, such as n1=1..20,k=3..7 (k=5 fixes k). Default: from 1 to the least "
        "value at which the symbol alone reaches the target (no cheaper assignment lies above it); symbols in "
        "paddings or inside parallel paths, and every symbol with --aligned, need a range.")] = None,
    minimize: Annotated[Cost, typer.Option("--minimize", help="The cost: the number of layers of the unrolled "
                                           "network, or the sum of the layers' kernel areas.")] = Cost.layers,
    axes: Annotated[int | None, typer.Option("--axes", help="With --minimize kernel-area: how many spatial axes a "
                                             "layer written with one value spans (1: conv(3) costs 3; 2, an "
                                             "image: 9). Default 1, or the network's own count of values per axis.",
                                             show_default=False)] = None,
    max_jump: Annotated[int | None, typer.Option("--max-jump", help="The largest jump allowed on every axis.")] = None,
    input_size: Annotated[int | None, typer.Option("--input-size", "-n", help="An input size: every output must "
                                                   "be non-empty, merged paths of equal sizes.")] = None,
    min_output: Annotated[int | None, typer.Option("--min-output", help="With --input-size: the least output "
                                                   "size on every axis.")] = None,
    aligned: Annotated[bool, typer.Option("--aligned", help="Every merge must be aligned.")] = False,
    pareto: Annotated[bool, typer.Option("--pareto", help="Also the Pareto front of cost against RF (it "
                                         "enumerates the feasible assignments: small ranges only).")] = False,
    as_json: Annotated[bool, typer.Option("--json", help='One JSON object: {"solutions": [{"values", "rf", '
                                          '"jump", "cost"}, ...], "count"} (and "pareto").')] = False,
    as_markdown: Annotated[bool, typer.Option("--markdown", help="Markdown tables (the optimal assignments, the "
                                              "Pareto front).")] = False,
) -> None:
    """The cheapest assignments of the spec's symbols within their ranges whose RF reaches --target, under the
    jump, output-size and alignment constraints, found exactly by a monotone branch and bound (see docs/design.md).

    Example: symrf design "conv(3), n * [conv(3)], pool(2, 2), m * [conv(3)]" --target 20 --range n=1..10,m=1..10
    """
    from .searching import design

    result = design(parse(read_spec(spec)), target, ranges, minimize=minimize.value, max_jump=max_jump,
                    input_size=input_size, min_output=min_output, aligned=aligned, pareto=pareto, axes=axes)
    if as_json and as_markdown:
        fail("choose at most one of --json and --markdown")
    echo(json.dumps(result.to_json(), indent=2) if as_json else result.markdown() if as_markdown else str(result))


@app.command("input")
@user_errors
def input_command(
    spec: SpecArgument,
    input_size: Annotated[int | None, typer.Option(
        "--input-size", "-n", help="An input size to check: which layer first sees all of it, which are empty.",
    )] = None,
    output_size: Annotated[int, typer.Option(
        "--output-size", help="The output size the last layer must have at least (for the smallest input).")] = 1,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object.")] = False,
) -> None:
    """Input-size questions: the smallest input for which every layer has an output and, with --input-size, the
    first layer whose RF covers the whole input and the layers whose output would be empty.

    Example: symrf input "conv(3), pool(2, 2), conv(3), pool(2, 2)" --input-size 8
    """
    from .input_size import input_size_report, minimal_input_size

    network = parse(read_spec(spec))
    smallest = minimal_input_size(network, output_size)
    report = None if input_size is None else input_size_report(network, input_size)
    if as_json:
        data: dict = {"minimal_input_size": smallest, "output_size": output_size}
        if report is not None:
            data.update(report.to_json())
        echo(json.dumps(data, indent=2))
        return
    if report is not None:
        echo(str(report))
    echo(f"smallest input size with an output of at least {output_size} in every layer: {smallest}")


@app.command("zoo")
@user_errors
def zoo_command(
    name: Annotated[str | None, typer.Argument(help="A model; without it, the table of every model.",
                                               show_default=False)] = None,
    as_json: Annotated[bool, typer.Option("--json", help="JSON: a list of models, or the model's analysis.")] = False,
    as_latex: Annotated[bool, typer.Option("--latex", help="A LaTeX tabular.")] = False,
    as_markdown: Annotated[bool, typer.Option("--markdown", help="A Markdown table.")] = False,
    layer: Annotated[str | None, typer.Option("--layer", help="Only this layer of the model, by name (layer3) or "
                                              "1-based row index (1 is the stem).")] = None,
    input_size: InputSize = None,
    paths: Annotated[bool, typer.Option("--paths", help="What arrives on each input of every merge.")] = False,
    symbolic: Annotated[bool, typer.Option("--symbolic", help="The model's family: RF, jump and effective padding at "
                                           "each stage as formulas in the stages' counts of blocks (n_layer1 ... "
                                           "n_layer4 for the ResNets), with their values at the model's counts; "
                                           "--latex gives the derivation stage by stage.")] = False,
) -> None:
    """Published architectures: RF, jump and effective padding at their final layer (at 224x224 unless given).

    Example: symrf zoo resnet50 --layer layer3 --json

    Example: symrf zoo resnet50 --symbolic --latex
    """
    from . import tables, zoo

    if sum((as_json, as_latex, as_markdown)) > 1:
        fail("choose at most one of --json, --latex and --markdown")
    if symbolic:
        if name is None:
            fail(f"--symbolic needs a model: symrf zoo NAME --symbolic; models with a family: "
                 f"{', '.join(zoo.families())}")
        if input_size is not None or paths:
            fail("--symbolic gives closed forms, which hold at every input size; leave out --input-size and --paths")
        form = zoo.family(name).closed_form()
        if layer is not None:
            stage = form.stage(layer)
            echo(json.dumps(form.stage_json(stage), indent=2) if as_json else form.stage_text(layer))
        elif as_json:
            echo(json.dumps(form.to_dict(), indent=2))
        else:
            echo(form.latex() if as_latex else form.markdown() if as_markdown else form.text())
        return
    size = input_sizes(input_size)
    if name is None:
        if layer is not None:
            fail("--layer needs a model: symrf zoo NAME --layer LAYER")
        rows = zoo.table(size)
        if as_json:
            echo(json.dumps(tables.zoo_json(rows), indent=2))
        elif as_latex:
            echo(tables.zoo_latex(rows))
        elif as_markdown:
            echo(tables.zoo_markdown(rows))
        else:
            tables.show_table(list(tables.ZOO_HEADINGS), tables.zoo_cells(rows), left=("model", "final layer"))
            note = tables.zoo_note(rows)
            if note:
                echo(note)
        return
    model = zoo.get(name)
    analysis = zoo.analysis(name, size)
    if layer is not None:
        show_layer(analysis, layer, as_json, name)
        return
    style = "json" if as_json else "latex" if as_latex else "markdown" if as_markdown else "text"
    if style == "text":
        shown_size = "×".join(map(str, analysis.input_size)) if isinstance(analysis.input_size, tuple) else \
            analysis.input_size
        echo(f"{model.name}: {model.description} (input {shown_size})")
        echo(f"source: {model.source}")
        if model.reports == "rf_local":
            echo("values: rf_local, the RF of the local paths (the zoo's table gives it); through its "
                 "squeeze-and-excitation gates every feature reads the whole input (rf)")
    report(analysis, style, paths=paths, title=model.name if style == "text" else None)


def _version(value: bool) -> None:
    if value:
        echo(f"symrf {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    context: typer.Context,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version and exit.")
    ] = False,
) -> None:
    """Exact, symbolic receptive fields of convolutional networks."""
    if context.invoked_subcommand is None:  # "symrf" alone: the help, as "symrf --help" prints it
        echo(context.get_help())
        raise typer.Exit()


def main() -> None:
    """Entry point of the ``symrf`` console script: errors in the command line itself are one line, too."""
    _replace_unencodable()
    try:
        code = app(prog_name="symrf", standalone_mode=False)
    except KeyboardInterrupt:
        sys.stderr.write("symrf: interrupted\n")
        sys.exit(130)
    except Exception as exc:  # click's usage errors (unknown option, missing argument, bad choice)
        format_message = getattr(exc, "format_message", None)
        if not callable(format_message):
            raise
        context = getattr(exc, "ctx", None)
        command = getattr(context, "command_path", None) or "symrf"
        message = message_line(str(format_message()))
        sys.stderr.write(f"symrf: error: {message} (see '{command} --help')\n")
        sys.exit(getattr(exc, "exit_code", 2) or 2)
    sys.exit(code if isinstance(code, int) else 0)
