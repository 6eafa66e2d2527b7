"""Builds every chapter notebook into a reveal.js lecture deck that opens offline.

Usage: ``scripts/build_slides.sh [OUTPUT_DIR]`` (default ``slides/``), which installs
reveal.js and MathJax from the npm registry (``npm ci``) and then runs this script.

For each ``notebooks/NN_*.py`` twin, the twin and its ``.ipynb`` are copied to a temporary
folder and combined there with ``jupytext --update --to ipynb`` (the stored outputs of the
full run are kept, the slide metadata of the ``.py`` twin is applied; nothing is executed
and nothing in ``notebooks/`` is written). nbconvert's SlidesExporter then renders the deck
with ``scripts/slides_template/lecture.html.j2``. The cell metadata drives the slides:
``slideshow={"slide_type": ...}`` (slide, subslide, fragment, skip, notes) and the tag
``hide-input`` (the cell's output is shown without its code, e.g. a figure drawn by a long
plotting cell). stderr outputs (library warnings) are left out of the decks, and images on
the web (the Open-in-Colab badge) are replaced by their alt text.

The output folder is self-contained: the decks, ``reveal.js/`` (its ``dist/`` folder) and
``mathjax/`` (MathJax 3's CHTML component with its fonts and TeX extensions).
"""

import argparse
import json
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import nbformat
from jupytext.cli import jupytext as jupytext_cli
from nbconvert import SlidesExporter
from traitlets.config import Config

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
TEMPLATE = ROOT / "scripts" / "slides_template" / "lecture.html.j2"
NODE_MODULES = ROOT / "node_modules"

SLIDE_WIDTH = 1280
SLIDE_HEIGHT = 720
HIDE_INPUT_TAG = "hide-input"

# What the decks load from the npm packages, relative to each package's folder.
REVEAL_FILES = ["dist", "LICENSE"]
MATHJAX_FILES = ["es5/tex-chtml.js", "es5/input/tex/extensions", "es5/output/chtml/fonts",
                 "LICENSE"]


def chapter_twins(notebooks_dir=NOTEBOOKS):
    """The chapter notebooks' py:percent twins, ``NN_name.py``, in chapter order."""
    return sorted(path for path in notebooks_dir.glob("[0-9][0-9]_*.py"))


def installed_version(package):
    """Version of an npm package in node_modules, or None when it is not installed."""
    manifest = NODE_MODULES / package / "package.json"
    if not manifest.is_file():
        return None
    return json.loads(manifest.read_text())["version"]


def locked_version(package):
    """Version of an npm package that package-lock.json pins."""
    lock = json.loads((ROOT / "package-lock.json").read_text())
    return lock["packages"][f"node_modules/{package}"]["version"]


def ensure_node_packages():
    """Runs ``npm ci`` unless node_modules already holds the locked reveal.js and MathJax."""
    packages = ("reveal.js", "mathjax")
    if all(installed_version(name) == locked_version(name) for name in packages):
        return
    if shutil.which("npm") is None:
        raise RuntimeError("npm is needed to install reveal.js and MathJax (apt-get install npm)")
    subprocess.run(["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=ROOT,
                   check=True)


def copy_assets(output_dir):
    """Copies reveal.js and MathJax next to the decks (output_dir/reveal.js, output_dir/mathjax)."""
    for package, target, files in (("reveal.js", "reveal.js", REVEAL_FILES),
                                   ("mathjax", "mathjax", MATHJAX_FILES)):
        for relative in files:
            source = NODE_MODULES / package / relative
            # MathJax's es5/ prefix is dropped: output_dir/mathjax/tex-chtml.js.
            destination = output_dir / target / relative.removeprefix("es5/")
            destination.parent.mkdir(parents=True, exist_ok=True)
            if source.is_dir():
                shutil.copytree(source, destination, dirs_exist_ok=True)
            else:
                shutil.copy2(source, destination)


def notebook_with_slide_metadata(twin, work_dir):
    """The stored notebook with the twin's current cells and metadata, from temporary copies."""
    stored = twin.with_suffix(".ipynb")
    shutil.copy2(twin, work_dir / twin.name)
    shutil.copy2(stored, work_dir / stored.name)
    # In-process `jupytext --update --to ipynb` (a subprocess would import jupytext anew).
    jupytext_cli(["--quiet", "--update", "--to", "ipynb", str(work_dir / twin.name)])
    return nbformat.read(work_dir / stored.name, as_version=4)


# A Markdown image whose file is on the web: ![alt](http...) or <img ... src="http..." ...>.
REMOTE_MARKDOWN_IMAGE = re.compile(r"!\[([^\]]*)\]\((?:https?:)?//[^)]*\)")
REMOTE_HTML_IMAGE = re.compile(r"<img\b[^>]*\bsrc=[\"'](?:https?:)?//[^>]*>", re.IGNORECASE)


def offline_cells(notebook):
    """Makes a notebook's cells fit for an offline deck.

    stderr streams (library warnings) are dropped; other outputs are kept. Images on the
    web (e.g. the Open-in-Colab badge) become their alt text, so a link around the badge
    stays a link: a deck never loads anything from the network.
    """
    for cell in notebook.cells:
        if cell.cell_type == "code":
            cell.outputs = [output for output in cell.outputs
                            if not (output.output_type == "stream" and output.name == "stderr")]
        elif cell.cell_type == "markdown":
            source = REMOTE_MARKDOWN_IMAGE.sub(lambda match: match.group(1), cell.source)
            cell.source = REMOTE_HTML_IMAGE.sub("", source)
    return notebook


def slides_exporter():
    """nbconvert's SlidesExporter set up for offline lecture decks."""
    config = Config()
    config.SlidesExporter.template_file = str(TEMPLATE)
    config.SlidesExporter.reveal_url_prefix = "reveal.js"
    config.SlidesExporter.reveal_theme = "white"
    config.SlidesExporter.reveal_transition = "slide"
    config.SlidesExporter.reveal_width = str(SLIDE_WIDTH)
    config.SlidesExporter.reveal_height = str(SLIDE_HEIGHT)
    config.SlidesExporter.mathjax_url = "mathjax/tex-chtml.js"
    config.SlidesExporter.exclude_input_prompt = True
    config.SlidesExporter.exclude_output_prompt = True
    config.TagRemovePreprocessor.enabled = True
    config.TagRemovePreprocessor.remove_input_tags = {HIDE_INPUT_TAG}
    return SlidesExporter(config=config)


def build_deck(notebook, name, output_dir, exporter=None):
    """Writes output_dir/<name>.slides.html from a notebook node and returns its path."""
    exporter = exporter or slides_exporter()
    body, _ = exporter.from_notebook_node(offline_cells(notebook), resources={"metadata": {"name": name}})
    path = output_dir / f"{name}.slides.html"
    path.write_text(body, encoding="utf-8")
    return path


def build_all(output_dir, twins=None):
    """Builds one deck per chapter into output_dir (with its assets) and returns their paths."""
    output_dir = Path(output_dir)
    output_dir.mkdir(parents=True, exist_ok=True)
    ensure_node_packages()
    copy_assets(output_dir)
    exporter = slides_exporter()
    decks = []
    with tempfile.TemporaryDirectory(prefix="slides-") as work:
        for twin in twins or chapter_twins():
            notebook = notebook_with_slide_metadata(twin, Path(work))
            decks.append(build_deck(notebook, twin.stem, output_dir, exporter))
    return decks


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("output_dir", nargs="?", default=str(ROOT / "slides"),
                        help="folder for the decks and their assets (default: slides/)")
    arguments = parser.parse_args(argv)
    for deck in build_all(arguments.output_dir):
        print(deck.relative_to(ROOT) if deck.is_relative_to(ROOT) else deck)


if __name__ == "__main__":
    main()
