"""Render the gallery of symrf's pictures and write its page.

    python docs/gallery.py [OUTDIR]

renders every picture of :data:`PICTURES` into OUTDIR (``docs/gallery/`` by default) as PNG, by running the
``symrf plot`` command the page shows for it in that folder, and writes the page that shows them next to the folder,
as ``OUTDIR.md`` (``docs/gallery.md`` by default), with each picture's caption and command. It needs matplotlib
(``pip install 'symrf[plot]'``). The output is the same bytes every time, so the rendered files can be kept under
version control and rebuilt to check them: tests/test_generated_docs.py renders them again and compares.
"""

from __future__ import annotations

import shlex
import sys
from contextlib import chdir
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from matplotlib import image as images
from typer.testing import CliRunner

from symrf.cli import app

#: Where the gallery goes by default.
DEFAULT = Path(__file__).resolve().parent / "gallery"

#: The worked example of the README and of ``symrf derive``.
WORKED = "conv(3), pool(2, 2), conv(3), pool(2, 2), conv(3), conv(3), pool(2, 2)"
#: The stem and first stages of ResNet-18: residual blocks, one of them with a strided 1x1 shortcut.
RESNET = ("conv(7, 2, p=3), pool(3, 2, p=1), residual([conv(3, p=1), conv(3, p=1)]), "
          "residual([conv(3, p=1), conv(3, p=1)]), parallel([conv(3, 2, p=1), conv(3, p=1)], [conv(1, 2)]), "
          "residual([conv(3, p=1), conv(3, p=1)])")
#: A network with kernels and strides that differ per axis (height first).
PER_AXIS = "conv((3, 5), 2), conv((3, 1), 2)"
#: The picture drawn under a grid (made by :func:`photo`).
PHOTO = "photo.png"


@dataclass(frozen=True)
class Picture:
    """One picture of the gallery: what ``symrf plot`` draws, its file name and caption."""

    name: str  # the file name, without .png
    heading: str
    caption: str
    spec: str
    kind: str
    options: dict[str, object] = field(default_factory=dict)

    def arguments(self) -> list[str]:
        """The arguments of ``symrf`` that make the picture (run in the gallery's folder)."""
        words = ["plot", self.spec, "--kind", self.kind]
        for option, value in self.options.items():
            shown = "x".join(map(str, value)) if isinstance(value, tuple) else str(value)
            words += [f"--{option.replace('_', '-')}", shown]
        return [*words, "-o", f"{self.name}.png"]

    def command(self) -> str:
        """The command that makes the picture, as the page shows it."""
        words = ["symrf", *self.arguments()]
        return " ".join(f'"{word}"' if word == self.spec or "," in word else shlex.quote(word) for word in words)


PICTURES = (
    Picture("growth-chain", "How a chain's field grows",
            "The RF, the jump and the width of the effective receptive field (the narrowest interval that holds 95 % "
            "of the weight of the exact response to uniform weights) after each layer of the worked example. The RF "
            "grows by (k - 1) times the jump at each layer; the ERF grows more slowly.",
            WORKED, "growth"),
    Picture("growth-resnet", "Several paths: largest and smallest field",
            "The stem and first stages of ResNet-18, its layers and merges in topological order (the strided 1x1 "
            "shortcut conv8 comes after the path it skips, hence the dip). Through every shortcut the smallest "
            "field (the shortest path) stays behind the largest one; the vertical axis is logarithmic because the "
            "values spread over more than a factor of 32.",
            RESNET, "growth"),
    Picture("growth-sweep", "A symbolic repeat: RF against n",
            "A block repeated n times, drawn from its closed form n*(k - 1) + 1 for a few kernel sizes (--sweep "
            "gives the values of the symbols; the repetition count goes on the horizontal axis).",
            "n * [conv(k)]", "growth", {"sweep": "n=1..12,k=3,5,7"}),
    Picture("growth-sweep-strided", "Strided repeats grow exponentially",
            "With a stride in the block the RF about doubles at every repetition, and the vertical axis turns "
            "logarithmic.",
            "n * [conv(3), pool(2, 2)]", "growth", {"sweep": "n=1..8"}),
    Picture("grid-chain", "Fields on the input",
            "The fields of the first, middle and last output features of pool2 in the worked example, at an input "
            "size chosen to show a few features: each field is a box of RF pixels, neighbours are a jump apart, "
            "and the marks on the input strip are the centres.",
            WORKED, "grid", {"layer": "pool2"}),
    Picture("grid-resnet", "Padding and the shortest path",
            "The same view for the ResNet stem at 64 pixels: the first feature's field reaches into the padding "
            "(hatched), and the dotted box inside each field is the smallest field, through every shortcut.",
            RESNET, "grid", {"input_size": 64}),
    Picture("grid-per-axis", "Two axes",
            "A network whose kernels differ per axis, drawn in two dimensions: the fields are 7 rows by 5 "
            "columns, 4 pixels apart both ways.",
            PER_AXIS, "grid", {"input_size": (16, 20)}),
    Picture("grid-image", "Fields over a picture",
            "With --image the input is a picture (its size is the input size unless --input-size is given); here "
            "the worked example's last layer on a 56 x 72 picture.",
            WORKED, "grid", {"image": PHOTO}),
    Picture("erf-chain", "The effective receptive field of a chain",
            "The exact response of the output's centre feature to uniform weights, pixel by pixel: most of the "
            "weight sits in the middle of the theoretical RF (dotted), and the bars give the narrowest intervals "
            "that hold 68 % and 95 % of it.",
            WORKED, "erf", {"input_size": 64}),
    Picture("erf-2d", "The effective receptive field in two dimensions",
            "The same on two axes: a heat map of the response with the theoretical RF box and the contours that "
            "enclose 68 % and 95 % of the weight.",
            WORKED, "erf", {"input_size": (64, 64)}),
    Picture("erf-resnet", "Residual blocks concentrate the weight",
            "The stem and first stages of ResNet-18 on a 96 x 96 input: the shortcuts carry much of the weight, "
            "so the effective field is small beside the theoretical one.",
            RESNET, "erf", {"input_size": (96, 96)}),
)

INTRO = """# Gallery

<!-- made by docs/gallery.py: python docs/gallery.py rewrites this page and the pictures in docs/gallery/ -->

`symrf plot` draws receptive fields (it needs matplotlib: `pip install 'symrf[plot]'`), and `symrf.plot(...)`
returns the same pictures as matplotlib figures, which Jupyter shows inline (`symrf.plots.save(figure, path)` writes
one as PNG, SVG or PDF). There are three kinds:

- `--kind growth`: the RF, the jump and the effective receptive field's width after each layer, or, for a symbolic
  network, the RF against a symbol over a `--sweep`;
- `--kind grid`: one layer's fields on the input (or on a picture, `--image`), with the padding they reach into;
- `--kind erf`: the effective receptive field of a layer's centre feature, with the theoretical RF and the regions
  that hold 68 % and 95 % of its weight.

Every length is in input pixels, numbered from 0, height first. Each picture below is made by the command under it.
"""


def photo(path: Path) -> None:
    """A synthetic 56 x 72 picture: soft rings on a shaded background (a stand-in for a photograph)."""
    rows, columns = np.mgrid[0:56, 0:72].astype(np.float64)
    radius = np.hypot(rows - 26.0, columns - 40.0)
    grey = 0.55 + 0.25 * np.cos(radius / 3.2) * np.exp(-radius / 30.0) + 0.15 * (columns / 72.0 - 0.5)
    picture = np.stack([grey, grey * 0.92 + 0.05, grey * 0.8 + 0.12], axis=-1).clip(0, 1)
    images.imsave(path, picture, metadata={"Software": None})


def render(outdir: Path) -> Path:
    """Render every picture into ``outdir`` and write the page next to it; return the page's path."""
    outdir.mkdir(parents=True, exist_ok=True)
    photo(outdir / PHOTO)
    sections = [INTRO]
    runner = CliRunner()
    for picture in PICTURES:
        with chdir(outdir):  # each picture is made by the very command the page shows
            result = runner.invoke(app, picture.arguments())
        if result.exit_code != 0:
            raise RuntimeError(f"{picture.command()} failed: {result.output}")
        sections.append(f"## {picture.heading}\n\n![{picture.heading}]({outdir.name}/{picture.name}.png)\n\n"
                        f"{picture.caption}\n\n```sh\n{picture.command()}\n```\n")
    page = outdir.parent / f"{outdir.name}.md"
    page.write_text("\n".join(sections), encoding="utf-8")
    return page


def main(argv: list[str] | None = None) -> int:
    arguments = sys.argv[1:] if argv is None else argv
    if len(arguments) > 1 or any(argument.startswith("-") for argument in arguments):
        sys.stderr.write("usage: python docs/gallery.py [OUTDIR]\n")
        return 2
    page = render(Path(arguments[0]) if arguments else DEFAULT)
    sys.stdout.write(f"wrote {page} and {len(PICTURES)} pictures\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
