"""The ``symrf`` command line: a thin layer over the library (parse options, call one function, render).

Every problem in the user's input ends as one line on stderr and exit code 2, never a traceback.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from enum import Enum
from functools import wraps
from typing import Annotated

import typer

from . import __version__
from .chain import ChainAnalysis, analyze
from .errors import SymrfError
from .spec import parse, parse_value, read_spec

#: The worked example that ``symrf derive`` derives when no spec is given.
WORKED_EXAMPLE = "conv(3), pool(2, 2), conv(3), pool(2, 2), conv(3), conv(3), pool(2, 2)"

app = typer.Typer(
    name="symrf",
    help="Exact, symbolic receptive fields of convolutional networks.\n\n"
    'Example: symrf rf "conv(3), pool(2, 2), conv(3)"',
    no_args_is_help=True,
    add_completion=False,
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
    typer.Option("--input-size", "-n", help="Input size along the axis: an integer or a symbol such as N."),
]
FormOption = Annotated[
    Form,
    typer.Option(help="How to write symbolic values: flat sums of products, nested (Horner), or auto "
                 "(flat unless it would be large)."),
]


def fail(message: str) -> None:
    """Print ``message`` as one line on stderr and exit with code 2."""
    sys.stderr.write(f"symrf: error: {' '.join(message.split())}\n")
    raise typer.Exit(code=2)


def user_errors(command: Callable) -> Callable:
    """Turn every error caused by the user's input into one line on stderr and exit code 2."""

    @wraps(command)
    def wrapper(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except SymrfError as exc:
            fail(str(exc))
        except RecursionError:
            fail("the spec is nested too deeply to analyse")
        except MemoryError:
            fail("the spec is too large to analyse in memory")

    return wrapper


def load(spec: str, input_size: str | None = None) -> ChainAnalysis:
    """Read a spec (text or file) and analyse it."""
    network = parse(read_spec(spec))
    size = None if input_size is None else parse_value(input_size, "size")
    return analyze(network, size)


def echo(text: str) -> None:
    sys.stdout.write(text if text.endswith("\n") else text + "\n")


@app.command("rf")
@user_errors
def rf_command(
    spec: SpecArgument,
    input_size: InputSize = None,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object: totals and a list of layers.")] = False,
    as_latex: Annotated[bool, typer.Option("--latex", help="A LaTeX tabular.")] = False,
    as_markdown: Annotated[bool, typer.Option("--markdown", help="A Markdown table.")] = False,
    form: FormOption = Form.auto,
) -> None:
    """Receptive field, jump, effective padding, start and centre of every layer and of the network.

    Example: symrf rf "conv(3), pool(2, 2), conv(3)" --input-size 32 --json
    """
    from . import tables

    if sum((as_json, as_latex, as_markdown)) > 1:
        fail("choose at most one of --json, --latex and --markdown")
    analysis = load(spec, input_size)
    if as_json:
        echo(json.dumps(tables.to_json(analysis, form.value), indent=2))
    elif as_latex:
        echo(tables.latex_table(analysis, form.value))
    elif as_markdown:
        echo(tables.markdown(analysis, form.value))
    else:
        from rich.console import Console

        Console().print(tables.rich_table(analysis, form.value))


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
) -> None:
    """The step-by-step LaTeX derivation of the receptive field.

    Example: symrf derive "conv(k_1, s_1), conv(k_2, s_2)" --jump --document > rf.tex
    """
    from .latex import derivation

    analysis = load(spec if spec is not None else WORKED_EXAMPLE)
    echo(derivation(analysis, jump=jump, center=center, document=document, form=form.value))


def _version(value: bool) -> None:
    if value:
        echo(f"symrf {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version and exit.")
    ] = False,
) -> None:
    """Exact, symbolic receptive fields of convolutional networks."""


def main() -> None:
    """Entry point of the ``symrf`` console script."""
    app(prog_name="symrf")
