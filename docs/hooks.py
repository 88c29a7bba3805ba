"""MkDocs hooks of the documentation site (``hooks:`` in mkdocs.yml).

- The example notebook, ``examples/tour.ipynb``, becomes the page ``tour/`` (mkdocs-jupyter executes and renders it).
- MathJax 2 is copied into the built site from the ``jupyter-server-mathjax`` package, so formulas render offline.
- Pages never load a script or style sheet from the network: nbconvert's template asks for MathJax and mermaid from a
  CDN; those tags are removed (the site's own MathJax typesets the notebook's formulas too).
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from mkdocs.plugins import event_priority
from mkdocs.structure.files import File, Files

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK = ROOT / "examples" / "tour.ipynb"
#: What the site needs from MathJax 2: the loader, the combined configuration (TeX input and HTML-CSS output in one
#: file), the extensions, the output's pieces loaded on demand and its STIX-Web fonts, and the English strings. The
#: package ships no other fonts and no SVG or CommonHTML output; its SVG glyphs and other languages are left out.
MATHJAX_PARTS = ("MathJax.js", "LICENSE", "config", "extensions", "jax/input", "jax/element", "jax/output/HTML-CSS",
                 "fonts/HTML-CSS/STIX-Web/woff", "localization/en")
MATHJAX_TARGET = "assets/mathjax"
#: A script or style sheet tag that loads from the network.
EXTERNAL = re.compile(
    r"<script\b[^>]*\bsrc=[\"']?(?:https?:)?//[^>]*>\s*</script>"  # a script from elsewhere
    r"|<link\b[^>]*\bhref=[\"']?(?:https?:)?//[^>]*>"  # a style sheet (or font) from elsewhere
    r"|<script\b[^>]*\btype=[\"']module[\"'][^>]*>(?:(?!</script>).)*?https?://(?:(?!</script>).)*?</script>",
    re.IGNORECASE | re.DOTALL,  # the last: nbconvert's mermaid loader, which imports mermaid from a CDN
)
#: nbconvert's inline MathJax configuration: the site's own configuration applies instead.
NBCONVERT_MATHJAX = re.compile(r"<!-- Load mathjax -->.*?<!-- End of mathjax configuration -->", re.DOTALL)


def mathjax_source() -> Path:
    try:
        import jupyter_server_mathjax
    except ImportError as error:  # pragma: no cover - the docs extra installs it
        raise SystemExit("jupyter-server-mathjax is not installed: pip install -e '.[docs]'") from error
    return Path(jupyter_server_mathjax.__file__).parent / "static"


@event_priority(100)  # before mkdocs-jupyter's on_files, which turns notebooks into pages
def on_files(files: Files, config) -> Files:
    files.append(File("tour.ipynb", src_dir=str(NOTEBOOK.parent), dest_dir=config["site_dir"],
                      use_directory_urls=config["use_directory_urls"]))
    return files


def on_post_page(output: str, page, config) -> str:
    output = NBCONVERT_MATHJAX.sub("", output)
    return EXTERNAL.sub("", output)


def on_post_build(config) -> None:
    source = mathjax_source()
    target = Path(config["site_dir"]) / MATHJAX_TARGET
    for part in MATHJAX_PARTS:
        if (source / part).is_dir():
            shutil.copytree(source / part, target / part, dirs_exist_ok=True)
        else:
            target.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source / part, target / part)
