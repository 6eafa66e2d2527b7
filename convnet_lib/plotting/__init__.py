"""Every figure the notebooks draw, in one style; one module per kind of figure.

- `style`: `set_style`, `save_figure`, `images_dir` (where figures go).
- `results`: training curves, image grids, confusion matrices.
- `diagrams`: block diagrams of boxes and arrows (`draw_diagram`);
  `architecture_diagrams`: Inception modules and DenseNet dense blocks drawn with it.
- `complexity_charts`: accuracy against FLOPs and parameters (Bianco et al. 2018's views),
  accuracy density, latency against FLOPs, and the interactive chart.

The names below are importable from `convnet_lib.plotting` directly.
"""

from convnet_lib.plotting.complexity_charts import interactive_accuracy_chart
from convnet_lib.plotting.complexity_charts import plot_accuracy_density
from convnet_lib.plotting.complexity_charts import plot_accuracy_vs_complexity
from convnet_lib.plotting.complexity_charts import plot_latency_vs_flops
from convnet_lib.plotting.complexity_charts import show_interactive
from convnet_lib.plotting.architecture_diagrams import dense_block_diagram
from convnet_lib.plotting.architecture_diagrams import dense_connections
from convnet_lib.plotting.architecture_diagrams import inception_module_diagram
from convnet_lib.plotting.diagrams import draw_diagram
from convnet_lib.plotting.results import plot_confusion_matrix
from convnet_lib.plotting.results import plot_history
from convnet_lib.plotting.results import plot_image_grid
from convnet_lib.plotting.style import IMAGES_DIR_ENV_VAR
from convnet_lib.plotting.style import LINE_STYLES
from convnet_lib.plotting.style import MARKERS
from convnet_lib.plotting.style import images_dir
from convnet_lib.plotting.style import save_figure
from convnet_lib.plotting.style import set_style

__all__ = [
    "IMAGES_DIR_ENV_VAR",
    "LINE_STYLES",
    "MARKERS",
    "dense_block_diagram",
    "dense_connections",
    "draw_diagram",
    "inception_module_diagram",
    "images_dir",
    "interactive_accuracy_chart",
    "plot_accuracy_density",
    "plot_accuracy_vs_complexity",
    "plot_confusion_matrix",
    "plot_history",
    "plot_image_grid",
    "plot_latency_vs_flops",
    "save_figure",
    "set_style",
    "show_interactive",
]
