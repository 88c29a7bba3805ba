"""The closed form of a model family, stage by stage, and how it is written (text, JSON, Markdown, LaTeX).

A family is one architecture with the number of blocks in each stage left as a symbol (``n_layer1`` ...
``n_layer4`` for the torchvision ResNets; see :func:`symrf.zoo.family`). Its closed form gives, at the output of
every named stage, the receptive field ``l``, the jump ``J`` and the effective padding ``P`` as formulas in those
counts, with their values at the model's own counts. The formulas come from the analysis of the family's network;
this module only holds them, evaluates them at given counts (``xreplace``, exact integers) and writes them.

The LaTeX form is a derivation a paper can use: each stage from the one before it (``l_{\\text{layer2}} =
l_{\\text{layer1}} + 16 n_{layer2} - 8``), then its closed form.

>>> import sympy
>>> n = sympy.Symbol("n", integer=True, positive=True)
>>> form = family_form("toy", {n: 2}, [("stem", 3, 1, 1), ("body", 2 * n + 3, 1, n + 1)])
>>> form.stage("body").rf, form.stage("body").value("rf"), form.at({"n": 10})["rf"]
(2*n + 3, 7, 23)
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import sympy

from .errors import SymrfError, quoted
from .latex import fit_rows, wrap_document
from .printing import json_value, symbols_json, tex, text
from .tables import plain_table

__all__ = ["FamilyForm", "StageForm", "family_form"]

#: The quantities of a stage, with their short names in text tables and their letters in LaTeX.
QUANTITIES = (("rf", "rf", "l"), ("jump", "jump", "J"), ("effective_padding", "eff. pad", "P"))


@dataclass(frozen=True, slots=True)
class StageForm:
    """One stage of a family: its RF, jump and effective padding as formulas, and their values at the counts."""

    name: str
    rf: Any
    jump: Any
    effective_padding: Any
    values: tuple[Any, Any, Any]  # rf, jump, effective padding at the family's standard counts

    def value(self, quantity: str) -> Any:
        """``quantity`` ("rf", "jump" or "effective_padding") at the standard counts."""
        return self.values[[q for q, _, _ in QUANTITIES].index(quantity)]

    def formulas(self) -> tuple[Any, Any, Any]:
        return (self.rf, self.jump, self.effective_padding)


@dataclass(frozen=True, slots=True)
class FamilyForm:
    """The closed form of a family: its stages in order (the last is the model's final layer) and its counts."""

    model: str
    counts: tuple[tuple[sympy.Symbol, int], ...]
    stages: tuple[StageForm, ...]

    @property
    def final(self) -> StageForm:
        return self.stages[-1]

    @property
    def symbols(self) -> tuple[sympy.Symbol, ...]:
        return tuple(symbol for symbol, _ in self.counts)

    def stage(self, name: str) -> StageForm:
        """The stage ``name``; an error lists the stages."""
        for stage in self.stages:
            if stage.name == name:
                return stage
        names = [stage.name for stage in self.stages]
        close = difflib.get_close_matches(name, names, n=1)
        hint = f"; did you mean {close[0]}?" if close else ""
        raise SymrfError(f"the {self.model} family has no stage {quoted(name)}{hint} (stages: {', '.join(names)})")

    def at(self, counts: Mapping[str, int], stage: str | None = None) -> dict[str, Any]:
        """The RF, jump and effective padding of ``stage`` (default: the last) at ``counts`` (by symbol name; the
        standard count for a symbol not given)."""
        values = _assignment(self, counts)
        chosen = self.final if stage is None else self.stage(stage)
        return {quantity: _evaluate(formula, values)
                for (quantity, _, _), formula in zip(QUANTITIES, chosen.formulas())}

    # -- printers ------------------------------------------------------------------------------------------------

    def counts_text(self) -> str:
        return ", ".join(f"{symbol.name} = {value}" for symbol, value in self.counts)

    def text_table(self, stages: Iterable[StageForm] | None = None) -> str:
        """Aligned columns: each stage's formulas, then their values at the standard counts."""
        headings = ["stage", *(short for _, short, _ in QUANTITIES), *(f"{short} here" for _, short, _ in QUANTITIES)]
        rows = [[stage.name, *map(text, stage.formulas()), *map(text, stage.values)]
                for stage in (self.stages if stages is None else stages)]
        return plain_table(headings, rows, left=("stage", "rf", "jump", "eff. pad"))

    def text(self) -> str:
        """The family as plain text: the counts, then the table of stages ("here" is at the standard counts)."""
        return (f"{self.model} family, in the counts {', '.join(s.name for s in self.symbols)}\n"
                f"standard counts ({self.model}): {self.counts_text()}\n" + self.text_table())

    def stage_text(self, name: str) -> str:
        """One line: the stage's formulas, then their values at the standard counts."""
        stage = self.stage(name)
        formulas = ", ".join(f"{short} {text(value)}" for (_, short, _), value in zip(QUANTITIES, stage.formulas()))
        values = ", ".join(f"{short} {text(value)}" for (_, short, _), value in zip(QUANTITIES, stage.values))
        return f"{self.model} family, {stage.name}: {formulas}; at {self.model}'s counts: {values}"

    def stage_json(self, stage: StageForm) -> dict[str, Any]:
        found: dict[str, Any] = {"name": stage.name}
        for (quantity, _, _), formula in zip(QUANTITIES, stage.formulas()):
            found[quantity] = json_value(formula)
        found["values"] = {quantity: json_value(value) for (quantity, _, _), value in zip(QUANTITIES, stage.values)}
        return found

    def to_dict(self) -> dict[str, Any]:
        """One JSON object: the model, the counts, the final stage's formulas and values, and every stage's."""
        final = self.stage_json(self.final)
        return {"model": self.model, "counts": {symbol.name: value for symbol, value in self.counts},
                "symbols": symbols_json(self.symbols), "final_layer": self.final.name,
                **{key: final[key] for key in ("rf", "jump", "effective_padding", "values")},
                "stages": [self.stage_json(stage) for stage in self.stages]}

    def markdown(self) -> str:
        """A Markdown table of the stages (formulas in code spans), under a line with the standard counts."""
        header = "| stage | " + " | ".join(short for _, short, _ in QUANTITIES) + f" | at {self.model}'s counts |"
        lines = [f"Standard counts ({self.model}): {self.counts_text()}", "", header,
                 "|" + "---|" * (len(QUANTITIES) + 2)]
        for stage in self.stages:
            formulas = " | ".join(f"`{text(value)}`" for value in stage.formulas())
            values = " / ".join(text(value) for value in stage.values)
            lines.append(f"| {stage.name} | {formulas} | {values} |")
        return "\n".join(lines)

    def _repr_latex_(self) -> str:
        """What Jupyter shows: the derivation (:meth:`latex`)."""
        return self.latex()

    def latex(self, document: bool = False) -> str:
        """The derivation: each stage's RF, jump and effective padding from the previous stage's (the input's for
        the first), with its closed form, then the values at the standard counts; one ``align*`` environment."""
        rows = [f"&\\text{{The {_text_tex(self.model)} family, with the stage counts "
                f"${', '.join(tex(symbol) for symbol in self.symbols)}$:}}"]
        previous, before = ("1", "1", "0"), "\\text{input}"
        for stage in self.stages:
            for (_, _, letter), formula, prior in zip(QUANTITIES, stage.formulas(), previous):
                rows.append(_step(letter, stage.name, before, formula, prior))
            previous, before = stage.formulas(), f"\\text{{{_text_tex(stage.name)}}}"
        shown = ", ".join(tex(symbol) for symbol in self.symbols)
        counts = ", ".join(str(value) for _, value in self.counts)
        name = f"\\text{{{_text_tex(self.final.name)}}}"
        rows.append(f"&\\text{{At $({shown}) = ({counts})$ ({_text_tex(self.model)}):}}")
        rows.append(f"l_{{{name}}} &= {tex(self.final.values[0])}, \\quad J_{{{name}}} = {tex(self.final.values[1])}, "
                    f"\\quad P_{{{name}}} = {tex(self.final.values[2])}")
        body = "\\begin{align*}\n" + " \\\\\n".join(fit_rows(rows)) + "\n\\end{align*}"
        return wrap_document(body) if document else body


def _text_tex(name: str) -> str:
    return name.replace("\\", "\\textbackslash{}").replace("_", "\\_").replace("&", "\\&").replace("%", "\\%")


def _step(letter: str, name: str, before: str, formula: Any, prior: Any) -> str:
    """One row: ``l_{stage} = l_{before} + increment = formula`` (``J_{stage} = factor J_{before} = formula``)."""
    here = f"{letter}_{{\\text{{{_text_tex(name)}}}}}"
    there = f"{letter}_{{{before}}}"
    formula_tex = tex(formula)
    if letter == "J":
        factor = sympy.cancel(sympy.sympify(formula) / sympy.sympify(prior))
        if factor == 1:
            return f"{here} &= {there} = {formula_tex}"
        return f"{here} &= {tex(factor)} \\, {there} = {formula_tex}"
    increment = sympy.expand(sympy.sympify(formula) - sympy.sympify(prior))
    if increment == 0:
        return f"{here} &= {there} = {formula_tex}"
    sign = "-" if increment.could_extract_minus_sign() else "+"
    shown = tex(-increment if sign == "-" else increment)
    if len(sympy.Add.make_args(increment)) > 1 and sign == "-":
        shown = f"({shown})"
    return f"{here} &= {there} {sign} {shown} = {formula_tex}"


def _assignment(form: FamilyForm, counts: Mapping[str, int]) -> dict[sympy.Symbol, int]:
    by_name = {symbol.name: symbol for symbol in form.symbols}
    values = dict(form.counts)
    for name, value in counts.items():
        if name not in by_name:
            raise SymrfError(f"the {form.model} family has no count {quoted(name)}; its counts are "
                             f"{', '.join(by_name)}")
        if type(value) is not int or value < 1:
            raise SymrfError(f"{name} is a number of blocks, a positive integer, not {quoted(value)}")
        values[by_name[name]] = value
    return values


def _evaluate(formula: Any, values: Mapping[sympy.Symbol, int]) -> Any:
    if not isinstance(formula, sympy.Basic):
        return formula
    found = formula.xreplace({symbol: sympy.Integer(value) for symbol, value in values.items()})
    return int(found) if found.is_Integer else found


def family_form(model: str, counts: Mapping[sympy.Symbol, int],
                stages: Iterable[tuple[str, Any, Any, Any]]) -> FamilyForm:
    """The closed form of ``model``'s family from its stages' formulas ``(name, rf, jump, effective padding)``, with
    their values at ``counts`` (each count symbol's standard value)."""
    pairs = tuple(counts.items())
    values = dict(pairs)
    built = tuple(StageForm(name, rf, jump, padding, tuple(_evaluate(v, values) for v in (rf, jump, padding)))
                  for name, rf, jump, padding in stages)
    if not built:
        raise SymrfError(f"the {model} family has no stages")
    return FamilyForm(model, pairs, built)
