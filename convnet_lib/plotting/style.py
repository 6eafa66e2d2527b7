"""The project's figure style and where figures are saved.

`set_style` gives every figure one look that also reads in black and white (lines differ by
marker and dash as well as colour); `save_figure` writes a PNG into the repository's
`images/` folder (a temporary folder in quick runs, so the stored full-run figures stay).
"""

import os
import tempfile
from pathlib import Path

import matplotlib

from convnet_lib.runtime import quick_mode

IMAGES_DIR_ENV_VAR = "CONVNET_IMAGES_DIR"
LINE_STYLES = ("-", "--", ":", "-.")
MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*")


def set_style():
    """Applies the project's matplotlib style (call once at the top of a notebook)."""
    matplotlib.rcParams.update(
        {
            "figure.dpi": 100,
            "savefig.dpi": 120,
            "savefig.bbox": "tight",
            "axes.grid": True,
            "grid.alpha": 0.3,
            "axes.spines.top": False,
            "axes.spines.right": False,
            "axes.titlesize": 12,
            "axes.labelsize": 11,
            "legend.frameon": False,
            "image.cmap": "viridis",
            "lines.linewidth": 1.8,
            "lines.markersize": 5,
        }
    )


def images_dir():
    """Where figures are saved: $CONVNET_IMAGES_DIR, else the repository's images/ folder.

    When the package is used from a checkout the repository is the package's parent; when
    it was pip-installed (Colab) figures go to ./images under the working directory. Quick
    runs save into a temporary folder instead, so that they never overwrite the figures of
    the full run that the repository stores.
    """
    if os.environ.get(IMAGES_DIR_ENV_VAR):
        return Path(os.environ[IMAGES_DIR_ENV_VAR]).expanduser()
    if quick_mode():
        return Path(tempfile.gettempdir()) / "convnet_lib_quick_images"
    repository = Path(__file__).resolve().parents[2]
    if (repository / "notebooks").is_dir():
        return repository / "images"
    return Path.cwd() / "images"


def save_figure(fig, name):
    """Saves `fig` as images/<name>.png and returns the path."""
    if not isinstance(name, str) or not name or "/" in name or "\\" in name:
        raise ValueError(
            f"`name` must be a plain file name without folders. Received: name={name!r}"
        )
    directory = images_dir()
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / (name if name.endswith(".png") else name + ".png")
    fig.savefig(path, metadata={"Software": None})
    return path
