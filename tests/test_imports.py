"""The shape of the package (issue 12, section 6): the maths never imports a view, matplotlib or
ipywidgets; ``import hmlib`` loads neither; the views import each other without a circle; and
the old module names still give the notebooks the same objects until they switch."""

import ast
import importlib
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

HMLIB = Path(__file__).resolve().parent.parent / "hmlib"
NOTEBOOKS = HMLIB.parent / "notebooks"
VIEWS = HMLIB / "views"
# the old view modules, kept as re-exports until the notebooks switch to hmlib.views
OLD_VIEW_MODULES = {"plots", "meanfield_plots", "wakesleep_plots", "widgets", "meanfield_widgets", "figures"}
MATHS_MODULES = sorted(p.stem for p in HMLIB.glob("*.py") if p.stem != "__init__" and p.stem not in OLD_VIEW_MODULES)
VIEW_LIBRARIES = ("matplotlib", "ipywidgets", "PIL")


def imported_modules(path, package):
    """Absolute names of every module ``path`` imports (``from a import b`` gives a and a.b;
    relative imports are resolved against ``package``)."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = f"{parent}.{base}" if base else parent
            names.add(base)
            names.update(f"{base}.{alias.name}" for alias in node.names)
    return names


def is_under(name, package):
    return name == package or name.startswith(package + ".")


def test_every_module_beside_the_views_counts_as_maths():
    """A new module in hmlib/ is maths, and checked below; views belong in hmlib/views/."""
    assert {"_checks", "data", "evaluation", "exact", "imaging", "meanfield", "meanfield_fit", "model",
            "recognition_fit", "wakesleep"} <= set(MATHS_MODULES)


@pytest.mark.parametrize("module", MATHS_MODULES + ["__init__"])
def test_no_maths_module_imports_a_view_matplotlib_or_ipywidgets(module):
    imported = imported_modules(HMLIB / f"{module}.py", "hmlib")
    forbidden = sorted(name for name in imported
                       if is_under(name, "hmlib.views") or any(is_under(name, lib) for lib in VIEW_LIBRARIES)
                       or name.split(".")[-1] in OLD_VIEW_MODULES and is_under(name, "hmlib"))
    assert not forbidden, f"hmlib.{module} imports {forbidden}"


def test_the_import_check_sees_every_form_of_import(tmp_path):
    source = tmp_path / "m.py"
    source.write_text("import matplotlib.pyplot as plt\nfrom hmlib import views\nfrom .views import imaging\n"
                      "from . import plots\nif True:\n    from ipywidgets import IntSlider\n")
    imported = imported_modules(source, "hmlib")
    assert {"matplotlib.pyplot", "hmlib.views", "hmlib.views.imaging", "hmlib.plots", "ipywidgets"} <= imported


def test_import_hmlib_loads_neither_matplotlib_nor_ipywidgets():
    code = ("import importlib, sys, hmlib\n"
            f"for module in {MATHS_MODULES!r}:\n    importlib.import_module('hmlib.' + module)\n"
            f"print(sorted({{m.split('.')[0] for m in sys.modules}} & {set(VIEW_LIBRARIES)!r}))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


def view_graph():
    """{view module: the view modules it imports}, over hmlib/views/*.py."""
    modules = {f"hmlib.views.{p.stem}" if p.stem != "__init__" else "hmlib.views": p for p in VIEWS.glob("*.py")}
    return {name: {other for other in imported_modules(path, "hmlib.views") if other in modules and other != name}
            for name, path in modules.items()}


def find_cycle(graph):
    """A list of modules that import each other in a circle, or None (depth-first search)."""
    state, stack = {}, []

    def visit(node):
        state[node] = "open"
        stack.append(node)
        for other in sorted(graph[node]):
            if state.get(other) == "open":
                return stack[stack.index(other):] + [other]
            if other not in state:
                found = visit(other)
                if found:
                    return found
        stack.pop()
        state[node] = "done"
        return None

    for node in sorted(graph):
        if node not in state:
            found = visit(node)
            if found:
                return found
    return None


def test_the_views_import_each_other_without_a_circle():
    graph = view_graph()
    assert {"hmlib.views._common", "hmlib.views._controls", "hmlib.views.free_energy"} <= set(graph)
    assert find_cycle(graph) is None, " -> ".join(find_cycle(graph))


def test_a_topic_view_imports_only_the_shared_private_modules():
    for name, imported in view_graph().items():
        others = {other for other in imported if other.rsplit(".", 1)[-1] not in ("_common", "_controls")}
        assert not others or name == "hmlib.views.figures", f"{name} imports {sorted(others)}"


def test_the_cycle_check_finds_a_circle():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": set()}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b", "c"}, "b": {"c"}, "c": set()}) is None


# ---------------------------------------------------------------------------- the notebooks' names
# old name -> new import path, for every name of a view module the notebooks use
RENAMED = {
    "hmlib.plots.two_networks": "hmlib.views.networks.two_networks",
    "hmlib.plots.sample_frequencies": "hmlib.views.networks.sample_frequencies",
    "hmlib.plots.enumeration_cost": "hmlib.views.networks.enumeration_cost",
    "hmlib.plots.posterior_grid": "hmlib.views.posterior.posterior_grid",
    "hmlib.plots.identity_flat_line_plot": "hmlib.views.posterior.identity_flat_line_plot",
    "hmlib.plots.explorer_figure": "hmlib.views.free_energy.explorer_figure",
    "hmlib.widgets.free_energy_explorer": "hmlib.views.free_energy.free_energy_explorer",
    "hmlib.plots.meanfield_against_expectation": "hmlib.views.factorial.meanfield_against_expectation",
    "hmlib.plots.posterior_against_q": "hmlib.views.factorial.posterior_against_q",
    "hmlib.widgets.factorial_gap_explorer": "hmlib.views.factorial.factorial_gap_explorer",
    "hmlib.meanfield_plots.imaging_curves": "hmlib.views.imaging.imaging_curves",
    "hmlib.meanfield_plots.random_unit_comparison": "hmlib.views.imaging.random_unit_comparison",
    "hmlib.meanfield_plots.eq11_against_exact": "hmlib.views.imaging.eq11_against_exact",
    "hmlib.meanfield_widgets.imaging_explorer": "hmlib.views.imaging.imaging_explorer",
    "hmlib.meanfield_plots.free_energy_curves": "hmlib.views.shifter.free_energy_curves",
    "hmlib.meanfield_plots.shifter_weights": "hmlib.views.shifter.shifter_weights",
    "hmlib.meanfield_plots.top_means_by_direction": "hmlib.views.shifter.top_means_by_direction",
    "hmlib.wakesleep_plots.kl_landscapes": "hmlib.views.wakesleep.kl_landscapes",
    "hmlib.wakesleep_plots.live_curves": "hmlib.views.wakesleep.live_curves",
    "hmlib.wakesleep_plots.load_bars_runs": "hmlib.views.wakesleep.load_bars_runs",
    "hmlib.wakesleep_plots.RESULTS": "hmlib.views.wakesleep.RESULTS",
    "hmlib.wakesleep_plots.pattern_grid": "hmlib.views.wakesleep.pattern_grid",
    "hmlib.wakesleep_plots.kl_curves": "hmlib.views.wakesleep.kl_curves",
    "hmlib.wakesleep_plots.generative_fields": "hmlib.views.wakesleep.generative_fields",
}


def resolve(path):
    module, name = path.rsplit(".", 1)
    return getattr(importlib.import_module(module), name)


def notebook_uses():
    """Every 'module.name' of an old view module that a notebook's code uses, as 'hmlib.module.name'."""
    used = set()
    for notebook in NOTEBOOKS.glob("*.ipynb"):
        for cell in json.loads(notebook.read_text())["cells"]:
            if cell["cell_type"] != "code":
                continue
            source = "".join(cell["source"])
            imported = {m for m in OLD_VIEW_MODULES if re.search(rf"from hmlib import [^\n]*\b{m}\b", source)}
            for module in imported:
                used.update(f"hmlib.{module}.{name}" for name in re.findall(rf"\b{module}\.(\w+)", source))
            for module, names in re.findall(r"from hmlib\.(\w+) import ([^\n]+)", source):
                if module in OLD_VIEW_MODULES:
                    used.update(f"hmlib.{module}.{name.strip()}" for name in names.split(","))
    return used


def test_every_name_the_notebooks_take_from_an_old_module_has_a_new_home():
    missing = notebook_uses() - set(RENAMED)
    assert not missing, f"no new import path listed for {sorted(missing)}"


@pytest.mark.parametrize("old, new", sorted(RENAMED.items()))
def test_old_names_are_the_new_objects(old, new):
    assert resolve(old) is resolve(new)
