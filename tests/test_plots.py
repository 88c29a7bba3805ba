"""Pictures (symrf.plots, the extra symrf[plot]): every kind renders, the same bytes every time, with titles, labels
and boxes where the analysis puts them; ``import symrf`` leaves matplotlib unloaded; errors are one-line
SymrfErrors; and docs/gallery.py renders its page."""

from __future__ import annotations

import json
import re
import runpy
import subprocess
import sys
from fractions import Fraction
from pathlib import Path
from types import SimpleNamespace

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.contour import ContourSet  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.image import AxesImage, imsave  # noqa: E402

import symrf  # noqa: E402
from symrf.errors import SymrfError  # noqa: E402
from symrf.plots import MISSING, plot, save  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent

CHAIN = "conv(3), pool(2, 2), conv(3), pool(2, 2), conv(3)"
RESIDUAL = "conv(7, 2, p=3), pool(3, 2, p=1), 2 * [residual([conv(3, p=1), conv(3, p=1)])]"
PER_AXIS = "conv((3, 5), 2), conv((3, 1), 2)"

#: (id, network, input size): a chain, several paths, values per axis, and a chain along two axes.
NETWORKS = [
    ("chain", CHAIN, None),
    ("residual", RESIDUAL, None),
    ("per-axis", PER_AXIS, None),
    ("chain-2d", CHAIN, (32, 48)),
]


def saved(figure: Figure, tmp_path: Path, name: str) -> bytes:
    path = tmp_path / name
    save(figure, path)
    return path.read_bytes()


def patch(figure: Figure, gid: str):
    found = [p for ax in figure.axes for p in ax.patches if p.get_gid() == gid]
    assert len(found) == 1, (gid, [p.get_gid() for ax in figure.axes for p in ax.patches])
    return found[0]


def main_axes(figure: Figure):
    return figure.axes[0]


# -- every kind renders, deterministically -------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["growth", "grid", "erf"])
@pytest.mark.parametrize(("name", "network", "size"), NETWORKS, ids=[n[0] for n in NETWORKS])
def test_every_kind_renders_the_same_bytes_twice(kind, name, network, size, tmp_path):
    first = plot(network, kind, input_size=size)
    second = plot(network, kind, input_size=size)
    assert isinstance(first, Figure)
    for suffix in (".png", ".svg"):
        one = saved(first, tmp_path, f"one{suffix}")
        two = saved(second, tmp_path, f"two{suffix}")
        assert one == two, f"{kind} of {name} as {suffix} differs between two renderings"
        assert saved(first, tmp_path, f"again{suffix}") == one
    assert saved(first, tmp_path, "one.png").startswith(b"\x89PNG")
    svg = saved(first, tmp_path, "one.svg").decode()
    assert "<dc:date>" not in svg and "Matplotlib v" not in svg
    assert saved(first, tmp_path, "one.pdf") == saved(second, tmp_path, "two.pdf")


@pytest.mark.parametrize("kind", ["growth", "grid", "erf"])
@pytest.mark.parametrize(("name", "network", "size"), NETWORKS, ids=[n[0] for n in NETWORKS])
def test_every_figure_has_a_title_and_labelled_axes(kind, name, network, size):
    ax = main_axes(plot(network, kind, input_size=size))
    assert ax.get_title() and ax.get_xlabel() and ax.get_ylabel()
    assert "pixel" in ax.get_xlabel() or "pixel" in ax.get_ylabel()


def test_png_pixels_and_size(tmp_path):
    figure = plot(CHAIN, "grid", input_size=24)
    save(figure, tmp_path / "grid.png")
    pixels = matplotlib.image.imread(tmp_path / "grid.png")
    width, height = figure.get_size_inches() * figure.dpi
    assert pixels.shape[:2] == (round(height), round(width))
    assert 0.05 < float(pixels[..., :3].std()) < 0.5  # something is drawn, not a blank page


def test_save_writes_pdf_and_refuses_other_formats(tmp_path):
    figure = plot(CHAIN)
    save(figure, tmp_path / "growth.pdf")
    assert (tmp_path / "growth.pdf").read_bytes().startswith(b"%PDF")
    with pytest.raises(SymrfError, match=r"use a file name ending in .png, .svg or .pdf"):
        save(figure, tmp_path / "growth.jpg")
    with pytest.raises(SymrfError, match="cannot write"):
        save(figure, tmp_path / "missing" / "folder" / "growth.png")


# -- growth ----------------------------------------------------------------------------------------------------------


def lines(figure: Figure) -> dict[str, object]:
    return {line.get_gid(): line for line in main_axes(figure).get_lines() if line.get_gid()}


def test_growth_draws_rf_and_jump_per_layer():
    analysis = symrf.analyze(CHAIN)
    found = lines(plot(CHAIN))
    assert list(found["growth-rf-0"].get_ydata()) == [1, *(row.rf for row in analysis.rows)]
    assert list(found["growth-jump-0"].get_ydata()) == [1, *(row.jump for row in analysis.rows)]
    ax = main_axes(plot(CHAIN))
    assert [t.get_text() for t in ax.get_xticklabels()] == ["input", *analysis.names]
    assert ax.get_yscale() == "linear"  # 1 to 18: a linear axis reads better


def test_growth_of_several_paths_shows_the_smallest_rf_on_a_log_scale():
    analysis = symrf.analyze(RESIDUAL)
    figure = plot(RESIDUAL)
    found = lines(figure)
    assert list(found["growth-smallest-0"].get_ydata()) == [1, *(row.rf_min for row in analysis.rows)]
    assert main_axes(figure).get_yscale() == "log"  # 1 to 43: more than a factor of 32


def test_growth_per_axis_draws_each_axis_and_stops_at_a_layer():
    found = lines(plot(PER_AXIS))
    assert list(found["growth-rf-0"].get_ydata()) == [1, 3, 7]
    assert list(found["growth-rf-1"].get_ydata()) == [1, 5, 5]
    assert "growth-jump-1" not in found  # the same jump along both axes: one curve
    shorter = lines(plot(CHAIN, layer="conv2"))
    assert list(shorter["growth-rf-0"].get_ydata()) == [1, 3, 4, 8]


def test_growth_draws_the_erf_width():
    from symrf import erf

    found = lines(plot(CHAIN))
    widths = found["growth-erf-0"].get_ydata()
    for index in range(1, len(symrf.analyze(CHAIN)) + 1):
        first, last = erf(CHAIN, layer=index).interval95
        assert widths[index] == last - first + 1


def test_growth_of_a_symbolic_repeat_sweeps_its_symbols():
    figure = plot("n * [conv(k)]", sweep="n=1..12,k=3,5,7")
    ax = main_axes(figure)
    assert ax.get_xlabel().startswith("n") and "RF" in ax.get_ylabel() and "n" in ax.get_title()
    curves = [line for line in ax.get_lines() if (line.get_gid() or "").startswith("sweep-")]
    assert [line.get_label() for line in curves] == ["k=3", "k=5", "k=7"]
    for line, k in zip(curves, (3, 5, 7)):
        assert list(line.get_xdata()) == list(range(1, 13))
        assert list(line.get_ydata()) == [n * (k - 1) + 1 for n in range(1, 13)]
    same = plot("n * [conv(k)]", sweep={"n": range(1, 13), "k": [3, 5, 7]})
    assert [list(line.get_ydata()) for line in main_axes(same).get_lines()] == [list(c.get_ydata()) for c in curves]


def test_sweeps_of_strided_repeats_and_of_several_paths():
    ax = main_axes(plot("n * [conv(3), pool(2, 2)]", sweep="n=1..8"))
    assert ax.get_yscale() == "log"
    assert list(ax.get_lines()[0].get_ydata()) == [symrf.analyze("n * [conv(3), pool(2, 2)]").subs(n=n).rf
                                                    for n in range(1, 9)]
    ax = main_axes(plot("parallel([conv(k)], [conv(m)])", sweep="k=1..6,m=3"))
    assert list(ax.get_lines()[0].get_ydata()) == [3, 3, 3, 4, 5, 6]


# -- grid ------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("size", [None, 20, 41])
def test_the_grid_boxes_have_the_rf_width_in_input_pixels(size):
    figure = plot(CHAIN, "grid", input_size=size, layer="pool2")
    analysis = symrf.analyze(CHAIN, size) if size else None
    row = symrf.analyze(CHAIN).layer("pool2")
    first = patch(figure, "rf-box-first")
    assert first.get_width() == row.rf == 10
    assert first.get_x() == row.start - 0.5
    last = patch(figure, "rf-box-last")
    if analysis is not None:
        count = analysis.layer("pool2").size
        assert last.get_x() == row.start + (count - 1) * row.jump - 0.5
        assert main_axes(figure).get_title() == f"fields of pool2 (RF 10, jump 4) at input size {size}"
    assert last.get_width() == row.rf
    assert not [p for p in main_axes(figure).patches if (p.get_gid() or "").startswith("rf-min-box")]


def test_the_grid_of_several_paths_shows_the_smallest_field_and_the_padding():
    figure = plot(RESIDUAL, "grid", input_size=64)
    analysis = symrf.analyze(RESIDUAL, 64)
    first = patch(figure, "rf-box-first")
    assert (first.get_x(), first.get_width()) == (analysis.input_interval(0)[0] - 0.5, analysis.rf) == (-21.5, 43)
    smallest = patch(figure, "rf-min-box-first")
    assert smallest.get_width() == analysis.rf_min == 11
    assert smallest.get_x() + smallest.get_width() / 2 == analysis.center + 0.0  # centred like the largest field
    padding = [p for p in main_axes(figure).patches if p.get_gid() == "padding"]
    assert padding and min(p.get_x() for p in padding) < -0.5


def test_the_grid_in_two_dimensions_has_boxes_of_the_rf_per_axis():
    figure = plot(PER_AXIS, "grid", input_size=(16, 20))
    analysis = symrf.analyze(PER_AXIS, (16, 20))
    first = patch(figure, "rf-box-first")
    assert (first.get_height(), first.get_width()) == analysis.rf == (7, 5)
    assert (first.get_y(), first.get_x()) == (-0.5, -0.5)
    last = patch(figure, "rf-box-last")
    sizes = analysis.size
    assert (last.get_y() + 0.5, last.get_x() + 0.5) == tuple(
        start + (count - 1) * jump for start, count, jump in zip(analysis.start, sizes, analysis.jump))
    ax = main_axes(figure)
    assert ax.yaxis_inverted() and "row" in ax.get_ylabel() and "column" in ax.get_xlabel()


def test_the_grid_chooses_a_size_that_shows_a_few_features():
    figure = plot(CHAIN, "grid")
    title = main_axes(figure).get_title()
    size = int(re.search(r"input size (\d+)", title).group(1))
    assert symrf.analyze(CHAIN, size).size >= 3
    assert len([p for p in main_axes(figure).patches if (p.get_gid() or "").startswith("rf-box")]) == 3


def test_the_grid_takes_an_analysis_a_layer_index_and_draws_features_of_a_merge():
    analysis = symrf.analyze("conv(3), residual([conv(3, p=1), conv(3, p=1)], name='block'), pool(2)", 16)
    figure = plot(analysis, "grid", layer="block")
    assert patch(figure, "rf-box-first").get_width() == 7
    assert patch(figure, "rf-min-box-first").get_width() == 3
    assert patch(plot(analysis, "grid", layer=1), "rf-box-first").get_width() == 3
    assert patch(plot(analysis, "grid", layer="1"), "rf-box-first").get_width() == 3


def test_the_grid_follows_up_sampling_phases():
    figure = plot("conv(3, 2), convt(3, 2, p=1), conv(3)", "grid", input_size=16)
    analysis = symrf.analyze("conv(3, 2), convt(3, 2, p=1), conv(3)", 16)
    phases = analysis.phases
    first = patch(figure, "rf-box-first")
    assert first.get_width() == phases[0].rf and first.get_x() == phases[0].start - 0.5


def test_a_global_pooling_is_drawn_at_a_chosen_input_size():
    figure = plot("conv(3, p=1), pool(2), global_pool()", "grid")
    size = int(re.search(r"input size (\d+)", main_axes(figure).get_title()).group(1))
    assert patch(figure, "rf-box-first").get_width() == symrf.analyze("conv(3, p=1), pool(2), global_pool()", size).rf
    growth = lines(plot("conv(3, p=1), pool(2), global_pool()", input_size=16))
    assert list(growth["growth-rf-0"].get_ydata()) == [1, 3, 4, 18]


def test_the_grid_draws_an_image_under_the_fields(tmp_path):
    picture = np.linspace(0, 1, 24 * 30 * 3).reshape(24, 30, 3)
    imsave(tmp_path / "photo.png", picture)
    figure = plot(CHAIN, "grid", image=tmp_path / "photo.png")
    ax = main_axes(figure)
    shown = [artist for artist in ax.get_images() if isinstance(artist, AxesImage)]
    assert len(shown) == 1 and shown[0].get_array().shape[:2] == (24, 30)
    assert tuple(shown[0].get_extent()) == (-0.5, 29.5, 23.5, -0.5)
    assert ax.get_title().endswith("at input size 24×30")
    assert patch(figure, "rf-box-first").get_width() == 18
    resized = plot(CHAIN, "grid", image=str(tmp_path / "photo.png"), input_size=(48, 60))
    assert tuple(main_axes(resized).get_images()[0].get_extent()) == (-0.5, 59.5, 47.5, -0.5)
    assert main_axes(plot(CHAIN, "grid", image=picture[..., 0])).get_title().endswith("24×30")


# -- erf ------------------------------------------------------------------------------------------------------------


def contours(figure: Figure) -> list[ContourSet]:
    return [c for c in main_axes(figure).collections if isinstance(c, ContourSet)]


@pytest.mark.parametrize(("network", "size"), [(PER_AXIS, (24, 24)), (CHAIN, (32, 48)), (RESIDUAL, (48, 48))])
def test_the_erf_of_two_axes_has_its_contours_and_the_rf_box(network, size):
    figure = plot(network, "erf", input_size=size)
    found = contours(figure)
    assert len(found) == 1 and found[0].get_gid() == "erf-contours" and 1 <= len(found[0].levels) <= 2
    assert all(len(path.vertices) for path in found[0].get_paths())
    box = patch(figure, "rf-box")
    analysis = symrf.analyze(network, size)
    assert (box.get_height(), box.get_width()) == analysis.rf
    assert [image.get_gid() for image in main_axes(figure).get_images()] == ["erf-map"]
    assert figure.axes[1].get_ylabel() == "share of the weight"  # the colour bar


def test_the_erf_map_is_the_exact_response_of_the_centre_feature():
    from symrf import erf

    figure = plot(PER_AXIS, "erf", input_size=(24, 24))
    analysis = symrf.analyze(PER_AXIS, (24, 24))
    exact = erf(PER_AXIS, (24, 24))
    first_row, first_col, rows = exact.map()
    drawn = main_axes(figure).get_images()[0].get_array()[1:-1, 1:-1]
    total = sum(map(sum, rows))
    assert np.allclose(drawn, np.array([[float(w / total) for w in row] for row in rows]))
    centre = tuple((size - 1) // 2 for size in analysis.size)
    box = patch(figure, "rf-box")
    assert (box.get_y() + 0.5, box.get_x() + 0.5) == tuple(
        start + c * jump for start, c, jump in zip(analysis.start, centre, analysis.jump))
    assert f"feature {centre}" in main_axes(figure).get_title()


def test_the_erf_of_one_axis_shows_its_weights_and_intervals():
    from symrf import erf

    figure = plot(CHAIN, "erf", input_size=32)
    ax = main_axes(figure)
    found = lines(figure)
    assert {"erf-68", "erf-95", "erf-mean"} <= set(found)
    exact = erf(CHAIN, 32)
    low, high = found["erf-95"].get_xdata()
    first, last = exact.interval95
    analysis = symrf.analyze(CHAIN, 32)
    shift = (analysis.size - 1) // 2 * analysis.jump
    assert (low + 0.5, high - 0.5) == (first + shift, last + shift)
    assert patch(figure, "rf-box").get_width() == analysis.rf
    assert ax.get_ylabel() == "share of the weight" and ax.get_xlabel() == "input pixel"


def test_a_measured_map_is_drawn_with_the_box_of_the_feature_it_measures():
    rows, columns = np.mgrid[0:32, 0:48]
    gaussian = np.exp(-((rows - 16.5) ** 2 + (columns - 24.5) ** 2) / 30)
    figure = plot(CHAIN, "erf", erf=(0, 0, gaussian))
    assert len(contours(figure)) == 1
    box = patch(figure, "rf-box")
    assert (box.get_width(), box.get_height()) == (18, 18)
    assert (box.get_y() + 0.5, box.get_x() + 0.5) == (8, 16)  # feature (2, 4): centres 16.5, 24.5
    assert "measured" in main_axes(figure).get_title()

    class Measured:  # what symrf.measured_erf returns: a map over the input, its unit and theoretical box
        map = gaussian / gaussian.sum()
        first = (0, 0)
        unit = (3, 5)
        theoretical_box = ((12, 29), (20, 37))
        layer = "conv3"

    box = patch(plot(CHAIN, "erf", erf=Measured()), "rf-box")
    assert (box.get_y() + 0.5, box.get_x() + 0.5, box.get_height(), box.get_width()) == (12, 20, 18, 18)

    class OneAxis:
        map = np.exp(-((np.arange(40) - 20.0) ** 2) / 30)
        first = (0,)

    figure = plot(CHAIN, "erf", erf=OneAxis())
    assert {"erf-68", "erf-95"} <= set(lines(figure)) and patch(figure, "rf-box").get_width() == 18


def test_the_measured_erf_of_a_torch_model_is_drawn():
    import torch  # the test extra installs it
    model = torch.nn.Sequential(torch.nn.Conv2d(1, 4, 3), torch.nn.MaxPool2d(2), torch.nn.Conv2d(4, 4, 3))
    measured = symrf.measured_erf(model, (20, 20), channels=1)
    figure = plot(symrf.from_torch(model, (20, 20)), "erf", erf=measured)
    box = patch(figure, "rf-box")
    (top, bottom), (left, right) = measured.theoretical_box
    assert (box.get_y() + 0.5, box.get_x() + 0.5, box.get_height(), box.get_width()) == (top, left, bottom - top + 1,
                                                                                          right - left + 1)


# -- Jupyter ---------------------------------------------------------------------------------------------------------


def test_a_figure_shows_itself_as_png():
    figure = plot(CHAIN)
    assert isinstance(figure, Figure)
    png = figure._repr_png_()
    assert png.startswith(b"\x89PNG") and png == plot(CHAIN)._repr_png_()


def test_jupyter_shows_the_figure_inline_once_with_or_without_pyplot():
    import nbformat
    from nbclient import NotebookClient

    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell(f"import symrf\nsymrf.plot({CHAIN!r})"),
                      nbformat.v4.new_code_cell(f"import matplotlib.pyplot\nsymrf.plot({CHAIN!r}, 'grid')")]
    NotebookClient(notebook, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(ROOT)}}).execute()
    for cell in notebook.cells:
        images = [output for output in cell.outputs if "image/png" in output.get("data", {})]
        assert len(images) == 1, cell.outputs


# -- the package and its errors -------------------------------------------------------------------------------------


def test_import_symrf_does_not_load_matplotlib_until_plot_is_used():
    code = ("import json, sys, symrf\n"
            "before = sorted(m for m in sys.modules if m.startswith(('matplotlib', 'symrf.plots')))\n"
            "figure = symrf.plot('conv(3)')\n"
            "from matplotlib.figure import Figure\n"
            "print(json.dumps([before, isinstance(figure, Figure), 'symrf.plots' in sys.modules]))\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1]) == [[], True, True]
    assert "plot" in symrf.__all__ and symrf.plot is plot


def test_without_matplotlib_plot_says_what_to_install():
    code = ("import sys\n"
            "sys.modules['matplotlib'] = None  # as if it were not installed\n"
            "import symrf\n"
            "try:\n"
            "    symrf.plot('conv(3)')\n"
            "except symrf.SymrfError as error:\n"
            "    print(error)\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == MISSING == "matplotlib is not installed: pip install 'symrf[plot]'"


@pytest.mark.parametrize(("call", "message"), [
    (lambda: plot(CHAIN, "histogram"), "unknown kind of plot 'histogram'; use growth, grid or erf"),
    (lambda: plot("n * [conv(k)]"), "the growth of a symbolic network is drawn over values of its symbols"),
    (lambda: plot("n * [conv(k)]", "erf"), "the ERF of a symbolic network cannot be drawn"),
    (lambda: plot("conv(k)", "erf", input_size=16), "the ERF of a symbolic network cannot be drawn"),
    (lambda: plot("conv(k)", "grid", input_size=16), "a grid of a symbolic network cannot be drawn"),
    (lambda: plot("conv(k)", "grid"), "a grid of a symbolic network cannot be drawn"),
    (lambda: plot(CHAIN, "grid", image="no/such/photo.png"), "image not found: no/such/photo.png"),
    (lambda: plot("conv(3), global_pool()"), "depends on the input size (a global pooling); give one"),
    (lambda: plot("conv(3, 2), upsample(10**100)", "grid"), "the start of the field of upsample1"),
    (lambda: plot("conv((3, 3, 3))", "grid"), "a grid shows one or two axes; this network has 3"),
    (lambda: plot(CHAIN, sweep="n=1..3"), "this network has no symbols to sweep"),
    (lambda: plot("n * [conv(k)]", sweep="n=1..3"), "the sweep needs values for k"),
    (lambda: plot("n * [conv(k)]", sweep="n=1..3,k=1..20"), "the sweep gives 20 curves; at most 12"),
    (lambda: plot("n * [conv(k)]", sweep="n=1..3,q=1"), "there is no symbol 'q'"),
    (lambda: plot(CHAIN, "grid", layer="conv9"), "there is no layer named 'conv9'"),
    (lambda: plot(CHAIN, "grid", sweep="n=1"), "a sweep is for growth plots"),
    (lambda: plot(CHAIN, "erf", image="photo.png"), "an image is drawn under grid plots"),
    (lambda: plot(CHAIN, "erf", erf=[1, 2, 3]), "a measured ERF is an object with map and first"),
    (lambda: plot(CHAIN, "erf", erf=(0, 0, np.zeros((4, 4)))), "the ERF map has no weight to draw"),
])
def test_errors_are_one_line_symrf_errors(call, message):
    with pytest.raises(SymrfError) as caught:
        call()
    assert message in str(caught.value) and "\n" not in str(caught.value)


def test_a_file_that_is_not_an_image_is_refused(tmp_path):
    (tmp_path / "notes.png").write_text("not a picture")
    with pytest.raises(SymrfError, match="cannot read the image"):
        plot(CHAIN, "grid", image=tmp_path / "notes.png")


def test_a_graph_file_and_a_zoo_model_plot():
    model = symrf.load_graph(ROOT / "symrf" / "zoo" / "resnet18.toml")
    figure = plot(model)
    analysis = symrf.analyze(model)
    assert list(lines(figure)["growth-rf-0"].get_ydata())[-1] == analysis.rf
    assert main_axes(figure).get_title().startswith("receptive field growth of resnet18")


def test_the_doctest_title_uses_exact_values():
    assert main_axes(plot(CHAIN, "grid", input_size=18, layer=3)).get_title() == \
        "fields of conv2 (RF 8, jump 2) at input size 18"
    assert Fraction(patch(plot("conv(2)", "grid", input_size=4), "rf-box-first").get_x()) == Fraction(-1, 2)


# -- the gallery -------------------------------------------------------------------------------------------------------


def test_the_gallery_renders_every_picture_it_lists(tmp_path):
    gallery = SimpleNamespace(**runpy.run_path(str(ROOT / "docs" / "gallery.py"), run_name="gallery"))
    assert gallery.main([str(tmp_path / "pictures")]) == 0
    page = (tmp_path / "pictures.md").read_text(encoding="utf-8")
    listed = re.findall(r"!\[[^\]]*\]\(([^)]+\.png)\)", page)
    assert len(listed) == len(gallery.PICTURES) >= 9
    for name in listed:
        assert name.startswith("pictures/") and (tmp_path / name).stat().st_size > 1000, name
    for picture in gallery.PICTURES:
        assert picture.command() in page and picture.command().startswith("symrf plot ")
        assert f"--kind {picture.kind}" in picture.command()
    assert {picture.kind for picture in gallery.PICTURES} == {"growth", "grid", "erf"}
    first = (tmp_path / listed[0]).read_bytes()
    assert gallery.main([str(tmp_path / "pictures")]) == 0
    assert (tmp_path / listed[0]).read_bytes() == first  # the same bytes again
    assert gallery.main(["--help"]) == 2
