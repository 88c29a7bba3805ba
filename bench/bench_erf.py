"""Benchmark of the exact effective receptive field (issue: symrf.erf). Prints its figures; asserts nothing.

    python bench/bench_erf.py            # every figure
    python bench/bench_erf.py --quick    # fewer repeats, for a smoke test

1. The exact 1-D response of a chain of 50 layers with an RF of about 10^4 (``symrf.erf``: the analysis, the walk
   with integer numerators, the moments and intervals, the Fractions). Target: under 1 s.
2. The exact 2-D map of the zoo's resnet50 at 224x224 (its last layer, layer4): ``symrf.erf(...).map()``, the whole
   call. Target: under 5 s. In the same run, a float64 NumPy propagation of the same size written by hand (the same
   backward walk over the same steps, with ``np.add`` at shifted slices), and the ratio of the exact walk to it
   (target: at most 3x); the ratio of the whole call (analysis, exact walk and Fractions) is printed too. Then the
   exact walk followed by ``ERF.map_array()`` (the map as float64, read from the packed numerators without
   Fractions) against the same NumPy walk (target: at most 3x), and the whole call ``symrf.erf(...).map_array()``.
"""

from __future__ import annotations

import sys
from fractions import Fraction

import numpy as np
from timing import best_of

from symrf import conv, erf, zoo
from symrf.effective import _propagate

#: The chain of the first figure: 50 layers, RF 1 + 50 * 200 = 10,001.
CHAIN = [conv(201)] * 50


def chain(repeats: int) -> None:
    found = erf(CHAIN)
    assert found.rf == 10_001 and sum(found.response[1]) == 1
    seconds = best_of(repeats, lambda: erf(CHAIN).response, pause_gc=True)
    print(f"1-D response of 50 layers, RF {found.rf:,}: {seconds * 1e3:.0f} ms (target < 1000 ms)")


def numpy_walk(kinds, inputs, steps, target) -> tuple[np.ndarray, tuple[int, ...]]:  # noqa: ANN001 - the ERF's steps
    """The backward walk of :mod:`symrf.erf` in float64: each node's map as an array from its first feature, a layer
    adding its input's map at ``k`` shifted, strided slices, a merge sending ``1/m`` to each input. Conv and pool
    steps only (resnet50 has nothing else)."""
    axes = range(len(steps))
    arriving: dict[int, list[tuple[np.ndarray, tuple[int, ...]]]] = {target: [(np.ones((1,) * len(steps)),
                                                                               (0,) * len(steps))]}
    for node in range(target, -1, -1):
        parts = arriving.pop(node, None)
        if not parts:
            continue
        first = tuple(min(start[a] for _, start in parts) for a in axes)
        last = tuple(max(start[a] + array.shape[a] - 1 for array, start in parts) for a in axes)
        total = np.zeros([b - a + 1 for a, b in zip(first, last)])
        for array, start in parts:
            place = tuple(slice(start[a] - first[a], start[a] - first[a] + array.shape[a]) for a in axes)
            np.add(total[place], array, out=total[place])
        if node == 0:
            return total, first
        if kinds[node] == "merge":
            share = total / len(inputs[node])
            for source in inputs[node]:
                arriving.setdefault(source, []).append((share, first))
            continue
        array, start = total, list(first)
        for a in axes:
            step = steps[a][node]
            if not step.down:
                raise NotImplementedError("the NumPy walk of this benchmark knows conv and pool steps")
            length = array.shape[a]
            span = (length - 1) * step.stride + 1
            shape = list(array.shape)
            shape[a] = span + (step.kernel - 1) * step.dilation
            out = np.zeros(shape)
            for tap in range(step.kernel):
                at = tap * step.dilation
                place = tuple(slice(at, at + span, step.stride) if b == a else slice(None) for b in axes)
                np.add(out[place], array, out=out[place])
            array = out / step.kernel
            start[a] = start[a] * step.stride - step.padding
        arriving.setdefault(inputs[node][0], []).append((array, tuple(start)))
    raise AssertionError("the walk ends at the input")


def resnet50(repeats: int) -> None:
    model = zoo.get("resnet50")
    found = erf(model, (224, 224))
    first_row, first_col, rows = found.map()
    kinds, inputs, steps, target = found._program  # the steps the exact walk takes, for the NumPy walk
    floats, first = numpy_walk(kinds, inputs, steps, target)
    exact = np.array([[float(value) for value in row] for row in rows])
    assert first == (first_row, first_col) and floats.shape == exact.shape
    assert float(np.abs(floats - exact).max()) < 1e-12 and sum(map(sum, rows)) == Fraction(1)
    walk = best_of(repeats, lambda: _propagate(kinds, inputs, steps, target), pause_gc=True)
    packed = _propagate(kinds, inputs, steps, target)
    decode = best_of(repeats, packed.rows, pause_gc=True)
    whole = best_of(repeats, lambda: erf(model, (224, 224)).map(), pause_gc=True)
    row, col, values = found.map_array()
    assert (row, col) == first and values.shape == floats.shape and np.allclose(values, exact, rtol=1e-12, atol=0)

    def walk_and_array() -> object:
        found.__dict__.pop("_packed", None)  # the cached walk: walk again
        return found.map_array()

    as_array = best_of(repeats, walk_and_array, pause_gc=True)
    whole_array = best_of(repeats, lambda: erf(model, (224, 224)).map_array(), pause_gc=True)
    baseline = best_of(repeats, lambda: numpy_walk(kinds, inputs, steps, target), pause_gc=True)
    size = f"{len(rows)}x{len(rows[0])}"
    print(f"resnet50 2-D map ({size} exact Fractions): symrf.erf(...).map() {whole * 1e3:.0f} ms (target < 5000 ms)")
    print(f"resnet50 2-D map: exact walk {walk * 1e3:.1f} ms (numerators packed in integers; {decode * 1e3:.1f} ms "
          f"more to read them out as Python ints), float64 NumPy walk {baseline * 1e3:.1f} ms: ratio "
          f"{walk / baseline:.1f} (target <= 3); with the read-out {(walk + decode) / baseline:.1f}; whole call "
          f"(analysis, walks, Fractions) / NumPy {whole / baseline:.1f}")
    print(f"resnet50 2-D map as float64: exact walk + map_array() {as_array * 1e3:.1f} ms, ratio to the NumPy walk "
          f"{as_array / baseline:.1f} (target <= 3); whole call symrf.erf(...).map_array() {whole_array * 1e3:.0f} ms, "
          f"/ NumPy {whole_array / baseline:.1f}")


def main() -> None:
    quick = "--quick" in sys.argv
    chain(2 if quick else 5)
    resnet50(2 if quick else 5)


if __name__ == "__main__":
    main()
