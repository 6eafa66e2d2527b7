"""Colab from a badge: the badges, the setup cell, and the bootstrap simulated.

The badge in each notebook's title cell and in the README, and the clone address in each
setup cell, come from pyproject.toml's `[project.urls] Repository` (written by
scripts/colab_cells.py); these tests fail when one disagrees.

The bootstrap test simulates Colab: 00_getting_started, regenerated from its .py twin, is
put alone into an empty folder and executed with `jupyter nbconvert --execute`, in quick
mode (about 30 s), by a kernel whose Python has TensorFlow and the rest but not
`convnet_lib`, with CONVNET_PROJECT_URL pointing at a local git repository. That repository
is a snapshot of this checkout's working tree (tracked files as they are on disk, plus
untracked files that git does not ignore), so uncommitted edits are tested too.
"""

import importlib.util
import json
import os
import shutil
import site
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK = "00_getting_started"


def _load_script():
    spec = importlib.util.spec_from_file_location("colab_cells", ROOT / "scripts/colab_cells.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


colab_cells = _load_script()


@pytest.fixture(scope="module")
def repository():
    return colab_cells.repository_url()


def _ipynb_cells(path):
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    markdown = next(c for c in cells if c["cell_type"] == "markdown")
    code = next(c for c in cells if c["cell_type"] == "code")
    return "".join(markdown["source"]), "".join(code["source"])


# --- badges and setup cells agree with the configured address ---------------------------


def test_the_configured_address_is_a_github_repository(repository):
    assert repository.startswith("https://github.com/")
    url = colab_cells.colab_url(repository, NOTEBOOK)
    owner_and_name = repository.removeprefix("https://github.com/")
    assert url == (f"https://colab.research.google.com/github/{owner_and_name}/blob/main/"
                   f"notebooks/{NOTEBOOK}.ipynb")


def test_every_notebook_twin_has_the_badge_and_setup_cell_of_the_address(repository):
    twins = colab_cells.notebook_twins()
    assert len(twins) >= 7
    stale = [twin.name for twin in twins
             if colab_cells.rewrite_twin(twin.read_text(encoding="utf-8"), twin.stem,
                                         repository) != twin.read_text(encoding="utf-8")]
    assert not stale, f"run scripts/colab_cells.py: {stale} disagree with {repository}"


def test_every_stored_notebook_has_the_badge_and_setup_cell_of_the_address(repository):
    stale = []
    for twin in colab_cells.notebook_twins():
        title, setup = _ipynb_cells(twin.with_suffix(".ipynb"))
        if colab_cells.badge(repository, twin.stem) not in title:
            stale.append(f"{twin.stem}.ipynb (badge)")
        if setup.rstrip("\n") != colab_cells.setup_cell(repository):
            stale.append(f"{twin.stem}.ipynb (setup cell)")
    assert not stale, f"regenerate from the .py twins (jupytext --update --to ipynb): {stale}"


def test_the_readme_has_a_badge_of_the_address_for_every_notebook(repository):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    links = colab_cells.BADGE_PATTERN.findall(readme)
    expected = [colab_cells.colab_url(repository, t.stem) for t in colab_cells.notebook_twins()]
    assert [link for link in links if link not in expected] == [], "stale Colab links in README"
    assert [url for url in expected if url not in links] == [], "notebooks without a badge"


def test_a_badge_of_another_address_is_found_and_rewritten(repository):
    twin = ROOT / "notebooks" / f"{NOTEBOOK}.py"
    text = twin.read_text(encoding="utf-8")
    fork = "https://github.com/someone-else/a-fork"
    forked = colab_cells.rewrite_twin(text, NOTEBOOK, fork)
    assert forked != text
    assert colab_cells.colab_url(fork, NOTEBOOK) in forked
    assert f'"{fork}"' in forked and repository not in forked
    assert colab_cells.rewrite_twin(forked, NOTEBOOK, repository) == text


def test_the_setup_cell_in_ipynb_form_is_what_jupytext_writes(repository):
    jupytext = pytest.importorskip("jupytext")
    notebook = jupytext.reads((ROOT / "notebooks" / f"{NOTEBOOK}.py").read_text("utf-8"),
                              fmt="py:percent")
    setup = next(c for c in notebook.cells if c.cell_type == "code")
    assert setup.source == colab_cells.setup_cell(repository)
    assert "%xmode Minimal" in setup.source.splitlines()


# --- the bootstrap, simulated ---------------------------------------------------------


def _git(*arguments, cwd):
    return subprocess.run(["git", *arguments], cwd=cwd, check=True, capture_output=True,
                          text=True).stdout


@pytest.fixture(scope="module")
def hidden_kernel(tmp_path_factory):
    """A Jupyter kernel whose Python sees this environment's packages except `convnet_lib`.

    A fresh virtual environment with a .pth file listing this environment's site-packages:
    a directory named in a .pth file is put on sys.path, but the .pth files inside it (among
    them the one of an editable install of convnet_lib) are not run.
    """
    folder = tmp_path_factory.mktemp("hidden_kernel")
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(folder / "venv")],
                   check=True, capture_output=True)
    python = folder / "venv" / "bin" / "python"
    own_site = subprocess.run([str(python), "-c", "import site; print(site.getsitepackages()[0])"],
                              check=True, capture_output=True, text=True).stdout.strip()
    Path(own_site, "outer_environment.pth").write_text("\n".join(site.getsitepackages()) + "\n")
    probe = subprocess.run(
        [str(python), "-c", "import importlib.util as u; import ipykernel, tensorflow; "
                            "print(u.find_spec('convnet_lib'))"],
        capture_output=True, text=True, cwd=folder, env=_clean_environment(),
    )
    if probe.returncode != 0 or probe.stdout.strip() != "None":
        pytest.fail("could not make a Python without convnet_lib (is it installed in "
                    f"editable mode, as scripts/setup_env.sh does?): {probe.stdout}{probe.stderr}")
    kernel = folder / "jupyter" / "kernels" / "no-convnet-lib"
    kernel.mkdir(parents=True)
    (kernel / "kernel.json").write_text(json.dumps({
        "argv": [str(python), "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Python without convnet_lib",
        "language": "python",
    }))
    return folder / "jupyter"


def _clean_environment(**extra):
    """This process's environment without what would decide the test for the notebook: the
    setup cell itself must find the project and quiet TensorFlow."""
    hidden = ("PYTHONPATH", "CONVNET_PROJECT_URL", "JUPYTER_PATH", "TF_CPP_MIN_LOG_LEVEL")
    environment = {key: value for key, value in os.environ.items() if key not in hidden}
    environment.update(MPLBACKEND="Agg", **extra)
    return environment


@pytest.fixture(scope="module")
def project_snapshot(tmp_path_factory):
    """A git repository holding this checkout's working tree, as a Colab user would clone."""
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    try:
        listed = _git("ls-files", "-z", "--cached", "--others", "--exclude-standard", cwd=ROOT)
    except subprocess.CalledProcessError:
        pytest.skip("the project is not a git checkout")
    snapshot = tmp_path_factory.mktemp("origin")
    for name in sorted(set(listed.split("\0")) - {""}):
        source = ROOT / name
        if source.is_file():  # deleted but not yet committed files are left out
            (snapshot / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, snapshot / name)
    _git("init", "--quiet", "--initial-branch", "main", cwd=snapshot)
    _git("add", "--all", cwd=snapshot)
    _git("-c", "user.name=test", "-c", "user.email=test@example.invalid",
         "-c", "commit.gpgsign=false", "commit", "--quiet", "-m", "snapshot", cwd=snapshot)
    return snapshot


def _cells_of_00(whole):
    """00's title and setup cell; with `whole`, all of 00 and then a cell that prints where
    `convnet_lib` was imported from."""
    jupytext = pytest.importorskip("jupytext")
    notebook = jupytext.read(ROOT / "notebooks" / f"{NOTEBOOK}.py")
    if not whole:
        notebook.cells = notebook.cells[:2]
        return notebook, jupytext
    probe = jupytext.reads(
        "# %%\nimport convnet_lib\nprint('convnet_lib from', convnet_lib.__file__)\n"
        "print('working folder', os.getcwd())\n",
        fmt="py:percent",
    )
    notebook.cells = notebook.cells + probe.cells
    return notebook, jupytext


def _execute(notebook, jupytext, folder, kernel_dir, project_url, allow_errors=False):
    """Runs `notebook` alone in `folder` with `jupyter nbconvert --execute`."""
    folder.mkdir()
    path = folder / f"{NOTEBOOK}.ipynb"
    jupytext.write(notebook, path)
    command = [sys.executable, "-m", "nbconvert", "--to", "notebook", "--execute", "--inplace",
               "--ExecutePreprocessor.kernel_name=no-convnet-lib",
               "--ExecutePreprocessor.timeout=300", str(path)]
    if allow_errors:
        command.insert(-1, "--allow-errors")
    environment = _clean_environment(
        JUPYTER_PATH=str(kernel_dir), CONVNET_PROJECT_URL=project_url, CONVNET_QUICK="1",
        CONVNET_CACHE_DIR=str(folder / "cache"),
    )
    run = subprocess.run(command, cwd=folder, env=environment, capture_output=True, text=True,
                         timeout=600)
    assert run.returncode == 0, run.stderr[-3000:]
    return json.loads(path.read_text(encoding="utf-8"))["cells"]


def _outputs(cells):
    return [output for cell in cells for output in cell.get("outputs", [])]


def test_a_notebook_alone_in_an_empty_folder_clones_the_project_and_runs(
    tmp_path, hidden_kernel, project_snapshot
):
    notebook, jupytext = _cells_of_00(whole=True)
    folder = tmp_path / "content"
    cells = _execute(notebook, jupytext, folder, hidden_kernel, f"file://{project_snapshot}")
    clone = folder / "convnet-project"
    assert (clone / "convnet_lib" / "__init__.py").is_file()
    printed = "".join("".join(o.get("text", "")) for o in _outputs(cells))
    assert f"convnet_lib from {clone / 'convnet_lib' / '__init__.py'}" in printed
    assert f"working folder {clone / 'notebooks'}" in printed
    # The setup cell shows one line, from %xmode: no git output, no TensorFlow start-up lines.
    setup, imports = [c for c in cells if c["cell_type"] == "code"][:2]
    shown = [(o.get("name"), "".join(o.get("text", ""))) for o in setup["outputs"]]
    assert shown == [("stdout", "Exception reporting mode: Minimal\n")]
    # Nor does the next cell, which imports the library (and TensorFlow's devices start).
    assert not [o for o in imports["outputs"] if o.get("name") == "stderr"]


def test_an_address_that_cannot_be_cloned_gives_one_sentence(tmp_path, hidden_kernel):
    notebook, jupytext = _cells_of_00(whole=False)
    folder = tmp_path / "content"
    missing = f"file://{tmp_path / 'no-such-repository'}"
    cells = _execute(notebook, jupytext, folder, hidden_kernel, missing, allow_errors=True)
    errors = [o for o in _outputs(cells) if o["output_type"] == "error"]
    assert len(errors) == 1, _outputs(cells)
    error = errors[0]
    assert error["ename"] == "RuntimeError"
    assert error["evalue"].startswith(f"Could not clone {missing}: check the internet connection")
    assert error["evalue"].endswith("then run this cell again.")
    assert error["traceback"] == [f"RuntimeError: {error['evalue']}\n"]  # no ANSI, no paths
    everything = json.dumps(_outputs(cells))
    assert "fatal" not in everything and "\\u001b" not in everything
    assert not (folder / "convnet-project").exists()
