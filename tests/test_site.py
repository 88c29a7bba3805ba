"""The documentation site builds strictly and holds what it promises.

``mkdocs build --strict`` (mkdocs.yml: every warning, broken link or anchor is an error) runs once per session into a
temporary directory; the tests then read the built HTML: every page of the nav, no script or style sheet from the
network, MathJax in the site and loaded by the pages with formulas, the notebook with its outputs, internal links
that resolve, and an API reference that documents every name of ``symrf.__all__``.
"""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

import pytest
import yaml

import symrf

ROOT = Path(__file__).resolve().parent.parent
#: The build executes the notebook and renders the API reference: about 20 s on a quiet machine.
BUILD_TIMEOUT = 900
MATHJAX = "assets/mathjax/MathJax.js"


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if importlib.util.find_spec("mkdocs") is None:
        pytest.fail("mkdocs is not installed: install the test extra (pip install -e '.[test]')", pytrace=False)
    target = tmp_path_factory.mktemp("site")
    environment = dict(os.environ, NO_MKDOCS_2_WARNING="1",
                       PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))
    result = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(target)],
                            cwd=ROOT, env=environment, capture_output=True, text=True, timeout=BUILD_TIMEOUT)
    assert result.returncode == 0, f"mkdocs build --strict failed:\n{result.stdout}\n{result.stderr}"
    return target


def nav_sources(nav: object) -> list[str]:
    """The source files the nav lists, in order."""
    if isinstance(nav, str):
        return [nav]
    if isinstance(nav, list):
        return [source for item in nav for source in nav_sources(item)]
    if isinstance(nav, dict):
        return [source for value in nav.values() for source in nav_sources(value)]
    return []


def built_page(source: str) -> str:
    """Where a page's HTML lands with directory URLs: ``cli.md`` -> ``cli/index.html``."""
    stem = source.rsplit(".", 1)[0]
    if stem == "index" or stem.endswith("/index"):
        return stem + ".html"
    return stem + "/index.html"


def pages(site: Path) -> list[Path]:
    return sorted(site.rglob("*.html"))


def page_url(site: Path, page: Path) -> str:
    return "/" + page.relative_to(site).as_posix()


class Tags(HTMLParser):
    """The tags of a page with their attributes, and the ids it defines."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {name: value or "" for name, value in attrs}
        self.tags.append((tag, attributes))
        if "id" in attributes:
            self.ids.add(attributes["id"])


def tags(page: Path) -> Tags:
    parser = Tags()
    parser.feed(page.read_text(encoding="utf-8"))
    return parser


def is_external(url: str) -> bool:
    """A URL on another host (``data:`` and ``mailto:`` are not fetched from one)."""
    return urlsplit(url).scheme in ("http", "https") or url.startswith("//")


def target_file(site: Path, page: Path, url: str) -> Path:
    """The file a relative URL of a page points to (``.../`` means its ``index.html``)."""
    path = unquote(urlsplit(urljoin(page_url(site, page), url)).path)
    if path.endswith("/"):
        path += "index.html"
    return site / path.lstrip("/")


def test_every_page_of_the_nav_is_built(site: Path):
    config = yaml.safe_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))
    sources = nav_sources(config["nav"])
    assert len(sources) >= 20 and "tour.ipynb" in sources and "reference/symrf.md" in sources
    missing = [source for source in sources if not (site / built_page(source)).is_file()]
    assert not missing, f"nav pages not built: {missing}"
    # every page of docs/ is in the nav (strict validation warns of omitted files; this says which)
    in_docs = {path.relative_to(ROOT / "docs").as_posix() for path in (ROOT / "docs").rglob("*.md")}
    assert in_docs <= set(sources), f"pages not in the nav: {sorted(in_docs - set(sources))}"


def test_no_script_or_style_sheet_comes_from_the_network(site: Path):
    loaded = []
    for page in pages(site):
        for tag, attributes in tags(page).tags:
            url = attributes.get("src", "") if tag in ("script", "img", "iframe") else ""
            if tag == "link" and not {"canonical", "alternate"} & set(attributes.get("rel", "").split()):
                url = attributes.get("href", "")
            if url and is_external(url):
                loaded.append(f"{page.relative_to(site)}: <{tag}> {url[:120]}")
        text = page.read_text(encoding="utf-8")
        loaded += [f"{page.relative_to(site)}: {found}" for found in
                   re.findall(r"import\(\s*[\"']https?://[^\"']+|url\(\s*[\"']?https?://[^)]+", text)]
    for sheet in site.rglob("*.css"):
        loaded += [f"{sheet.relative_to(site)}: {found}"
                   for found in re.findall(r"@import\s+(?:url\()?[\"']?https?://[^;]+", sheet.read_text("utf-8"))]
    assert not loaded, "pages load from the network:\n" + "\n".join(loaded[:20])


def test_mathjax_is_in_the_site_and_loaded_by_every_page_with_formulas(site: Path):
    config = (site / "assets/mathjax-config.js").read_text(encoding="utf-8")
    combined = re.search(r'config: \["([^"]+)"\]', config)
    assert combined, "the MathJax configuration names no combined configuration file"
    for part in (MATHJAX, "assets/mathjax-config.js", f"assets/mathjax/config/{combined.group(1)}",
                 "assets/mathjax/extensions/MathMenu.js", "assets/mathjax/jax/output/HTML-CSS/autoload/mtable.js",
                 "assets/mathjax/jax/output/HTML-CSS/fonts/STIX-Web/fontdata.js",
                 "assets/mathjax/fonts/HTML-CSS/STIX-Web/woff/STIXMathJax_Main-Regular.woff"):
        assert (site / part).is_file(), f"{part} is not in the site"
    with_math = [page for page in pages(site) if 'class="arithmatex"' in page.read_text(encoding="utf-8")]
    assert site / "families/index.html" in with_math
    for page in with_math + [site / "tour/index.html"]:
        scripts = [attributes["src"] for tag, attributes in tags(page).tags if tag == "script" and "src" in attributes]
        loaded = [target_file(site, page, src) for src in scripts]
        assert site / MATHJAX in loaded, f"{page.relative_to(site)} has formulas but does not load MathJax"
        # the configuration comes first: MathJax 2 reads window.MathJax when it loads
        assert loaded.index(site / "assets/mathjax-config.js") < loaded.index(site / MATHJAX)
    assert "arithmatex" in config and "jp-RenderedLatex" in config and '"STIX-Web"' in config


def test_the_notebook_page_shows_its_outputs(site: Path):
    text = (site / "tour/index.html").read_text(encoding="utf-8")
    assert "A tour of symrf" in text
    assert 'data-mime-type="text/html"' in text and "<table" in text  # an analysis shown as a table
    latex = re.findall(r'data-mime-type="text/latex"[^>]*>(.*?)</div>', text, flags=re.DOTALL)
    assert any(r"\displaystyle 4 n + 1" in output for output in latex), latex  # the residual stack's RF, a formula
    assert "data:image/png;base64," in text  # the picture
    assert "Traceback" not in text and "jp-OutputArea-error" not in text
    assert "Load mathjax" not in text  # nbconvert's own MathJax (from a CDN) is replaced by the site's


def test_internal_links_resolve(site: Path):
    broken = []
    checked = 0
    ids: dict[Path, set[str]] = {}
    for page in pages(site):
        for _tag, attributes in tags(page).tags:
            for name in ("href", "src"):
                url = attributes.get(name, "")
                if not url or urlsplit(url).scheme or url.startswith(("#", "//")):  # another host, data:, mailto:
                    continue
                checked += 1
                target = target_file(site, page, url)
                if not target.is_file():
                    broken.append(f"{page.relative_to(site)}: {url}")
                    continue
                fragment = urlsplit(url).fragment
                if fragment and target.suffix == ".html":
                    if target not in ids:
                        ids[target] = tags(target).ids
                    if unquote(fragment) not in ids[target]:
                        broken.append(f"{page.relative_to(site)}: {url} (no such anchor)")
    assert checked > 500
    assert not broken, "broken links:\n" + "\n".join(broken[:30])


def test_the_gallery_shows_its_pictures(site: Path):
    sources = [attributes["src"] for tag, attributes in tags(site / "gallery/index.html").tags if tag == "img"]
    assert len(sources) >= 10
    assert all(target_file(site, site / "gallery/index.html", src).is_file() for src in sources)


def test_the_api_reference_documents_every_public_name(site: Path):
    reference = {page: tags(page).ids for page in sorted((site / "reference").rglob("index.html"))}
    documented = set().union(*reference.values())
    lazy = symrf._LAZY
    expected = {name: f"symrf.{lazy[name]}.{name}" if name in lazy else f"{getattr(symrf, name).__module__}.{name}"
                for name in symrf.__all__}
    missing = sorted(name for name, anchor in expected.items() if anchor not in documented)
    assert not missing, f"public names missing from the API reference: {missing}"
    top = (site / "reference/symrf/index.html").read_text(encoding="utf-8")
    for name in ("analyze", "parse", "solve", "design", "erf", "from_torch", "from_onnx", "conv", "pool"):
        assert f'id="{expected[name]}"' in top, name
    results = (site / "reference/results/index.html").read_text(encoding="utf-8")
    for name in ("Analysis", "Row", "Solution", "Design", "ERF"):
        assert f'id="{expected[name]}"' in results, name
    errors = (site / "reference/errors/index.html").read_text(encoding="utf-8")
    assert 'id="symrf.errors.SymrfError"' in errors and 'id="symrf.errors.SpecError"' in errors
    # the docstrings' reST roles and doctests are Markdown by then
    for page in reference:
        text = page.read_text(encoding="utf-8")
        roles = re.findall(r":(?:func|class|meth|data|attr|mod|exc):", text)
        assert not roles, f"{page.relative_to(site)}: reST roles left: {roles[:5]}"
        assert "<blockquote" not in text, f"{page.relative_to(site)}: a >>> example read as a quotation"
    assert top.count('<span class="gp">&gt;&gt;&gt; </span>') >= 20  # doctests shown as highlighted sessions


def test_the_build_scripts_are_not_published(site: Path):
    assert not list(site.rglob("*.py")), "docs/*.py are build scripts, not pages"


def docstrings_module():
    spec = importlib.util.spec_from_file_location("docs_docstrings", ROOT / "docs" / "docstrings.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_docstrings_become_markdown():
    markdown = docstrings_module().markdown
    assert markdown("See :func:`analyze`, :class:`~symrf.analysis.Row` and :data:`symrf.errors.SHOWN`.") == (
        "See `analyze`, `Row` and `symrf.errors.SHOWN`.")
    assert markdown("Use it:\n\n    >>> 1 + 1\n    2\n\nDone.") == (
        "Use it:\n\n```pycon\n>>> 1 + 1\n2\n```\n\nDone.")
    assert markdown("The rule::\n\n    a = b\n\n    c = d\n\nEnd.") == (
        "The rule:\n\n```text\na = b\n\nc = d\n```\n\nEnd.")
    assert markdown("Plain ``code`` stays.") == "Plain ``code`` stays."
