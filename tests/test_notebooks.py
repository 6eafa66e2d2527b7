"""The notebooks as files: one chapter template, twins in sync, stored outputs clean.

nbval (run by the same test command) executes every notebook; these tests read the stored
`.ipynb` files and their py:percent twins without running anything.
"""

import json
import re
from pathlib import Path

import pytest

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
CHAPTERS = sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))

# What must never come back into a stored output: TensorFlow's C++ start-up lines, the
# "cuInit" error of machines without a GPU, Python warnings, terminal colour codes and the
# absolute paths of the machine that ran the notebook.
NOISE = {
    "TensorFlow C++ log line": re.compile(r"^[IWEF]\d{4} \d\d:\d\d:\d\d", re.M),
    "TensorFlow start-up message": re.compile(r"cpu_feature_guard|oneDNN custom operations"
                                              r"|absl::InitializeLog|cudart_stub"),
    "cuInit error": re.compile(r"cuInit"),
    "Python warning": re.compile(r"\b\w*Warning: "),
    "ANSI colour code": re.compile(r"\x1b\["),
    "machine path": re.compile(r"(?<![\w.])/(?:work|root|home|tmp|usr/lib|opt)/"),
}


def _cells(path):
    return json.loads(path.read_text())["cells"]


def _output_texts(cell):
    for output in cell.get("outputs", []):
        if output["output_type"] == "stream":
            yield "".join(output["text"])
        elif output["output_type"] == "error":
            yield "\n".join(output["traceback"]) + output["evalue"]
        else:
            data = output.get("data", {})
            for mime in ("text/plain", "text/html", "text/markdown"):
                if mime in data:
                    yield "".join(data[mime])


def test_there_are_seven_chapters():
    assert [path.stem[:2] for path in CHAPTERS] == ["00", "01", "02", "03", "04", "05", "06"]


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda path: path.stem)
def test_stored_outputs_carry_no_log_noise(path):
    problems = []
    for index, cell in enumerate(_cells(path)):
        for text in _output_texts(cell):
            for what, pattern in NOISE.items():
                match = pattern.search(text)
                if match:
                    line = text[max(0, match.start() - 40):match.end() + 40].replace("\n", " ")
                    problems.append(f"cell {index}: {what}: ...{line!r}...")
    assert not problems, "\n".join(problems[:20])


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda path: path.stem)
def test_stored_outputs_come_from_a_full_run(path):
    text = "\n".join(t for cell in _cells(path) for t in _output_texts(cell))
    assert "run: full" in text, "the stored outputs must come from a full run (CONVNET_QUICK unset)"
    assert "run: quick" not in text
    code = [cell for cell in _cells(path) if cell["cell_type"] == "code"]
    not_run = [i for i, cell in enumerate(code) if cell.get("execution_count") is None
               and "".join(cell["source"]).strip()]
    assert not not_run, f"code cells without a stored run: {not_run}"


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda path: path.stem)
def test_twin_and_notebook_have_the_same_cells(path):
    import jupytext

    twin = jupytext.read(path.with_suffix(".py"))
    stored = jupytext.read(path)
    sources = lambda notebook: [(cell.cell_type, cell.source.strip()) for cell in notebook.cells]
    assert sources(twin) == sources(stored), (
        f"{path.name} is out of date with {path.with_suffix('.py').name}: run "
        f"`jupytext --update --to ipynb {path.with_suffix('.py').name}` and re-execute it"
    )


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda path: path.stem)
def test_chapter_template(path):
    cells = _cells(path)
    title = "".join(cells[0]["source"])
    assert cells[0]["cell_type"] == "markdown"
    assert re.match(rf"# {path.stem[:2]} · \S", title), "title must read `# NN · Title`"
    assert "colab.research.google.com" in title, "the title cell carries the Colab badge"
    first_code = next(i for i, c in enumerate(cells) if c["cell_type"] == "code")
    first_section = next(i for i, c in enumerate(cells) if c["cell_type"] == "markdown"
                         and re.search(r"^## ", "".join(c["source"]), re.M))
    assert first_code < first_section, "the setup cell comes after the title, before section 1"
    assert "convnet_lib" in "".join(cells[first_code]["source"]), "the first code cell is the setup"
    markdown = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")
    for heading in ("What you will learn", "## Summary", "## Exercises"):
        assert heading in markdown, f"missing {heading!r}"
    assert markdown.index("## Summary") < markdown.index("## Exercises")
    last_code = [c for c in cells if c["cell_type"] == "code"][-1]
    assert "elapsed" in "".join(last_code["source"]), "the last cell prints the elapsed time"
