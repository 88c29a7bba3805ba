"""Where the command line finds a network: a spec, a spec or graph file, an ONNX file, or a PyTorch model named as
``module:callable`` (``torchvision.models:resnet50``) or ``path/to/file.py:Net``, built with keyword arguments read
as Python literals (never evaluated).

>>> keyword_arguments("num_classes=10, weights=None, widths=(64, 128)")
{'num_classes': 10, 'weights': None, 'widths': (64, 128)}
"""

from __future__ import annotations

import ast
import importlib
import importlib.util
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import SymrfError, quoted

__all__ = ["Loaded", "import_sizes", "keyword_arguments", "load_model", "torch_model"]

#: What to install for each optional importer.
EXTRAS = {"torch": "pip install 'symrf[torch]'", "onnx": "pip install 'symrf[onnx]'"}


@dataclass(frozen=True, slots=True)
class Loaded:
    """A network ready for :func:`symrf.analyze`, with what its import noticed (notes and warnings)."""

    network: Any
    notes: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    input_size: tuple[int, ...] | None = None  # the size the model declares (an ONNX file's input shape)
    values: tuple[tuple[str, int], ...] = ()  # a symbolic import's symbols at the model itself


def keyword_arguments(text: str | None) -> dict[str, Any]:
    """``name=value, ...`` with every value a Python literal (numbers, strings, None, True, tuples, lists, dicts)."""
    if text is None or not text.strip():
        return {}
    try:
        call = ast.parse(f"f({text})", mode="eval").body
    except SyntaxError:
        raise SymrfError(f"--torch-kwargs: {quoted(text)} is not a list of name=value") from None
    if not isinstance(call, ast.Call) or call.args or any(k.arg is None for k in call.keywords):
        raise SymrfError(f"--torch-kwargs: {quoted(text)} is not a list of name=value (write num_classes=10)")
    found: dict[str, Any] = {}
    for keyword in call.keywords:
        try:
            found[str(keyword.arg)] = ast.literal_eval(keyword.value)
        except (ValueError, SyntaxError, TypeError):
            shown = ast.get_source_segment(f"f({text})", keyword.value) or "?"
            raise SymrfError(f"--torch-kwargs: the value of {keyword.arg} ({quoted(shown)}) is not a Python literal "
                             "(numbers, strings, None, True/False, tuples, lists, dicts)") from None
    return found


def _module(reference: str) -> Any:
    """The module of ``reference``'s part before the colon: a dotted module name or a ``.py`` file."""
    if reference.endswith(".py") or "/" in reference or "\\" in reference:
        path = Path(reference)
        if not path.is_file():
            raise SymrfError(f"--torch: no file {quoted(reference)}")
        name = f"symrf_user_model_{abs(hash(str(path.resolve())))}"
        spec = importlib.util.spec_from_file_location(name, path)
        if spec is None or spec.loader is None:
            raise SymrfError(f"--torch: cannot load {quoted(reference)} as Python")
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        sys.path.insert(0, str(path.resolve().parent))  # the file's own imports of its neighbours
        try:
            spec.loader.exec_module(module)
        finally:
            sys.path.remove(str(path.resolve().parent))
        return module
    try:
        return importlib.import_module(reference)
    except ModuleNotFoundError as exc:
        raise SymrfError(f"--torch: no module {quoted(exc.name or reference)} (is it installed?)") from None


def torch_model(reference: str, kwargs: dict[str, Any]) -> Any:
    """The model that ``module:callable`` (or ``file.py:callable``) returns when called with ``kwargs``."""
    where, colon, attribute = reference.rpartition(":")
    if not colon or not where or not attribute:
        raise SymrfError(f"--torch: {quoted(reference)} is not module:callable (as in torchvision.models:resnet50 or "
                         "my_model.py:Net)")
    try:
        import torch
    except ModuleNotFoundError:
        raise SymrfError(f"PyTorch is not installed: {EXTRAS['torch']}") from None
    module = _module(where)
    target: Any = module
    for part in attribute.split("."):
        if not hasattr(target, part):
            raise SymrfError(f"--torch: {quoted(where)} has no {quoted(attribute)}")
        target = getattr(target, part)
    if isinstance(target, torch.nn.Module):
        if kwargs:
            raise SymrfError(f"--torch: {quoted(attribute)} is a model already; it takes no --torch-kwargs")
        return target
    if not callable(target):
        raise SymrfError(f"--torch: {quoted(attribute)} is not callable")
    model = target(**kwargs)
    if not isinstance(model, torch.nn.Module):
        raise SymrfError(f"--torch: {quoted(reference)} returned a {type(model).__name__}, not a torch.nn.Module")
    return model


def import_sizes(input_size: object) -> int | tuple[int | None, ...] | None:
    """The input size an importer takes: integers only (a symbolic size is left to the analysis)."""
    if isinstance(input_size, tuple):
        return input_size if all(type(size) is int for size in input_size) else None
    return input_size if type(input_size) is int else None


def load_model(spec: str | None, torch: str | None, torch_kwargs: str | None, input_size: object,
               pointwise: Sequence[str] = (), global_: Sequence[str] = (), strict: bool = True,
               symbolic: str | None = None) -> Loaded | None:
    """An imported model (``--torch``, or an ``.onnx`` file given as the spec), or None for a spec or graph file;
    ``symbolic`` ("counts", "kernels") asks a PyTorch model for its family (:mod:`symrf.families`)."""
    if torch is not None:
        if spec is not None:
            raise SymrfError("give a spec or --torch, not both")
        try:
            from .torch_import import import_torch
        except ModuleNotFoundError as exc:
            if exc.name == "torch":
                raise SymrfError(f"PyTorch is not installed: {EXTRAS['torch']}") from None
            raise
        model = torch_model(torch, keyword_arguments(torch_kwargs))
        imported = import_torch(model, import_sizes(input_size), strict=strict, pointwise=tuple(pointwise),
                                global_=tuple(global_), symbolic=symbolic)
        return Loaded(imported.graph, tuple(imported.notes), tuple(imported.warnings), values=imported.values)
    if torch_kwargs is not None:
        raise SymrfError("--torch-kwargs goes with --torch")
    if spec is not None and spec.lower().endswith(".onnx"):
        try:
            from .onnx_import import import_onnx
        except ModuleNotFoundError as exc:
            if exc.name == "onnx":
                raise SymrfError(f"onnx is not installed: {EXTRAS['onnx']}") from None
            raise
        imported = import_onnx(spec, import_sizes(input_size), strict=strict, pointwise=tuple(pointwise),
                               global_=tuple(global_))
        return Loaded(imported.graph, tuple(imported.notes), tuple(imported.warnings), imported.input_size)
    if pointwise or global_:
        raise SymrfError("--pointwise and --global go with --torch or an .onnx file")
    return None
