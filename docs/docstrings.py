"""A griffe extension (mkdocstrings' ``extensions:`` in mkdocs.yml) that turns symrf's reST-ish docstrings into the
Markdown the API reference renders:

- roles, ``:func:`name```, ``:class:`~symrf.x.Name```, become code: `name`, `Name` (a ``~`` keeps the last part);
- doctest examples (paragraphs of ``>>>`` lines and their output) become ``pycon`` code blocks;
- literal blocks introduced by a paragraph ending in ``::`` become code blocks (the ``::`` becomes ``:``).

Double backticks (````code````) are already Markdown code spans.
"""

from __future__ import annotations

import re
import textwrap
from typing import Any

import griffe

ROLE = re.compile(r":(?:py:)?(?:func|class|meth|data|attr|mod|exc|obj|const|ref):`~?([^`]+)`")


def _role(found: re.Match[str]) -> str:
    target = found.group(1)
    shown = target.rsplit(".", 1)[-1] if found.group(0).split("`")[1].startswith("~") else target
    return f"`{shown}`"


def markdown(text: str) -> str:
    """A docstring in Markdown (tests/test_site.py checks the code blocks).

    >>> markdown("See :func:`analyze` and :class:`~symrf.analysis.Row`.")
    'See `analyze` and `Row`.'
    """
    lines = ROLE.sub(_role, text).splitlines()
    out: list[str] = []
    index = 0
    while index < len(lines):
        line = lines[index]
        if line.lstrip().startswith(">>>"):
            block = []
            while index < len(lines) and lines[index].strip():
                block.append(lines[index])
                index += 1
            out += ["```pycon", *textwrap.dedent("\n".join(block)).splitlines(), "```"]
            continue
        if line.rstrip().endswith("::") and index + 1 < len(lines) and not lines[index + 1].strip():
            indent = len(line) - len(line.lstrip())
            literal: list[str] = []
            following = index + 2
            while following < len(lines) and (not lines[following].strip()
                                              or len(lines[following]) - len(lines[following].lstrip()) > indent):
                literal.append(lines[following])
                following += 1
            while literal and not literal[-1].strip():
                literal.pop()
            if literal:
                stripped = line.rstrip()[:-2].rstrip()
                out += [stripped + ":" if stripped else "", "", "```text",
                        *textwrap.dedent("\n".join(literal)).splitlines(), "```", ""]
                index = following
                continue
        out.append(line)
        index += 1
    return "\n".join(out)


class ReSTRoles(griffe.Extension):
    """Rewrites every docstring as it is loaded."""

    def on_instance(self, *, obj: griffe.Object, **kwargs: Any) -> None:
        if obj.docstring is not None:
            obj.docstring.value = markdown(obj.docstring.value)
