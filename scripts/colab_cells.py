"""Writes each notebook's Open-in-Colab badge and setup cell from one repository address.

The address is `Repository` under `[project.urls]` in pyproject.toml; nothing else holds it.
From it this script writes, into every notebook twin `notebooks/NN_name.py`:

- the badge in the title cell (the first markdown cell), a link that opens the notebook
  from GitHub in Colab;
- the setup cell (the first code cell), whose default clone address is the same one.

and prints the badge column of the README's notebook table. A fork changes the address in
pyproject.toml, runs this script, and regenerates the .ipynb files
(`jupytext --update --to ipynb notebooks/NN_name.py` keeps their outputs).
tests/test_colab_bootstrap.py fails when a badge or setup cell disagrees with the address.

    .venv/bin/python scripts/colab_cells.py           # rewrite the .py twins, print the table
    .venv/bin/python scripts/colab_cells.py --check   # only report disagreements (exit 1)
"""

import argparse
import re
import sys
from pathlib import Path

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10 (pytest brings tomli there)
    import tomli as tomllib

ROOT = Path(__file__).resolve().parent.parent
BRANCH = "main"
BADGE_IMAGE = "https://colab.research.google.com/assets/colab-badge.svg"
BADGE_PATTERN = re.compile(
    r"\[!\[Open In Colab\]\([^)]*\)\]\((https://colab\.research\.google\.com/[^)]*)\)"
)
SETUP_CELL_FIRST_LINE = "# Setup:"

# The setup cell, the same in every notebook. `%xmode` and `%colors` are IPython magics,
# which py:percent stores commented out. Kept short: students read it first.
SETUP_CELL = '''\
# Setup: short error messages (`%xmode Context` brings full tracebacks back), TensorFlow
# loaded without its start-up log lines, and `convnet_lib` importable. Where the project is
# not checked out (e.g. on Colab), it is cloned here and the notebook works inside the clone.
# %xmode Minimal
# %colors nocolor
import importlib.util, os, subprocess, sys
PROJECT_URL = os.environ.get("CONVNET_PROJECT_URL",
                             "{repository}")
if importlib.util.find_spec("convnet_lib") is None:
    if not os.path.isdir("../convnet_lib"):
        if not os.path.isdir("convnet-project"):
            clone = ["git", "clone", "--depth", "1", PROJECT_URL, "convnet-project"]
            try:
                subprocess.run(clone, check=True, capture_output=True,
                               env={{**os.environ, "GIT_TERMINAL_PROMPT": "0"}})
            except (OSError, subprocess.CalledProcessError):
                raise RuntimeError(f"Could not clone {{PROJECT_URL}}: check the internet "
                                   "connection and the address (a fork sets "
                                   "CONVNET_PROJECT_URL), then run this cell again.") from None
        os.chdir("convnet-project/notebooks")
    sys.path.insert(0, os.path.abspath(".."))
# TensorFlow prints a few lines while it loads, before any log level applies: load it with
# stderr muted. Level 3 also hides the later "cuInit" error of machines without a GPU.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
with open(os.devnull, "w") as devnull:
    stderr_copy = os.dup(2)
    os.dup2(devnull.fileno(), 2)
    try:
        import tensorflow
    finally:
        os.dup2(stderr_copy, 2)
        os.close(stderr_copy)
'''


def repository_url(root=ROOT):
    """The GitHub address in pyproject.toml's `[project.urls] Repository`."""
    with open(Path(root) / "pyproject.toml", "rb") as stream:
        project = tomllib.load(stream).get("project", {})
    url = project.get("urls", {}).get("Repository")
    if not url:
        raise ValueError(
            'pyproject.toml has no repository address: add `Repository = "https://github.com/'
            '<owner>/<name>"` under [project.urls].'
        )
    if not re.fullmatch(r"https://github\.com/[\w.-]+/[\w.-]+", url):
        raise ValueError(
            "pyproject.toml's [project.urls] Repository must be https://github.com/<owner>/"
            f"<name> (Colab opens notebooks from GitHub). Received: {url!r}"
        )
    return url


def colab_url(repository, notebook):
    """The address that opens notebooks/<notebook>.ipynb of `repository` in Colab."""
    owner_and_name = repository.removeprefix("https://github.com/")
    return (f"https://colab.research.google.com/github/{owner_and_name}/blob/{BRANCH}/"
            f"notebooks/{notebook}.ipynb")


def badge(repository, notebook):
    return f"[![Open In Colab]({BADGE_IMAGE})]({colab_url(repository, notebook)})"


def setup_cell(repository):
    """The setup cell's source, as the .ipynb holds it (magics uncommented)."""
    text = SETUP_CELL.format(repository=repository)
    return re.sub(r"^# (%\w+)", r"\1", text, flags=re.MULTILINE).rstrip("\n")


def notebook_twins(root=ROOT):
    return sorted((Path(root) / "notebooks").glob("[0-9][0-9]_*.py"))


def _cells(text):
    """Splits a py:percent text into (start, end) line ranges of its cells, header included."""
    lines = text.split("\n")
    starts = [i for i, line in enumerate(lines) if line.startswith("# %%")]
    return lines, list(zip(starts, starts[1:] + [len(lines)]))


def _body_end(lines, start, end):
    """The end of a cell's content: the blank lines before the next cell are not part of it."""
    while end > start + 1 and not lines[end - 1].strip():
        end -= 1
    return end


def rewrite_twin(text, notebook, repository):
    """Returns `text` (a py:percent notebook) with its badge and setup cell brought up to date."""
    lines, cells = _cells(text)
    markdown = [c for c in cells if lines[c[0]].startswith("# %% [markdown]")]
    code = [c for c in cells if not lines[c[0]].startswith("# %% [markdown]")]
    if not markdown or not code or markdown[0][0] > code[0][0]:
        raise ValueError(f"{notebook}: the title cell (markdown) must come before the setup cell")
    (title_start, title_end), (setup_start, setup_end) = markdown[0], code[0]
    setup_end = _body_end(lines, setup_start, setup_end)
    if not lines[setup_start + 1].startswith(SETUP_CELL_FIRST_LINE):
        raise ValueError(
            f"{notebook}: the first code cell must be the setup cell, starting with "
            f"{SETUP_CELL_FIRST_LINE!r}; found {lines[setup_start + 1]!r}"
        )
    new_setup = SETUP_CELL.format(repository=repository).rstrip("\n").split("\n")
    lines[setup_start + 1 : setup_end] = new_setup
    title = lines[title_start:title_end]
    badge_line = f"# {badge(repository, notebook)}"
    found = [i for i, line in enumerate(title) if BADGE_PATTERN.search(line)]
    if found:
        title[found[0]] = badge_line
    else:
        title[2:2] = ["#", badge_line]  # after the header and the "# # NN · Title" line
    lines[title_start:title_end] = title
    return "\n".join(lines)


def readme_rows(repository, root=ROOT):
    """The README table: one row per notebook with its Colab badge."""
    rows = ["| notebook | open in Colab |", "|---|---|"]
    for twin in notebook_twins(root):
        name = twin.stem
        rows.append(f"| [`{name}`](notebooks/{name}.ipynb) | {badge(repository, name)} |")
    return "\n".join(rows)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--check", action="store_true", help="only report, change nothing")
    arguments = parser.parse_args(argv)
    try:
        repository = repository_url()
    except ValueError as error:
        parser.exit(2, f"{error}\n")
    stale = []
    for twin in notebook_twins():
        text = twin.read_text(encoding="utf-8")
        updated = rewrite_twin(text, twin.stem, repository)
        if updated != text:
            stale.append(twin.relative_to(ROOT))
            if not arguments.check:
                twin.write_text(updated, encoding="utf-8")
    verb = "disagree with" if arguments.check else "updated to"
    for path in stale:
        print(f"{path}: badge or setup cell {verb} {repository}")
    if not arguments.check:
        print("\nREADME table:\n")
        print(readme_rows(repository))
    return 1 if arguments.check and stale else 0


if __name__ == "__main__":
    sys.exit(main())
