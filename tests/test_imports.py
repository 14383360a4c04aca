"""The shape of the package (issue 12, section 6): the maths never imports a view, matplotlib or
ipywidgets; ``import hmlib`` loads neither; the views import each other without a circle."""

import ast
import subprocess
import sys
from pathlib import Path

import pytest

HMLIB = Path(__file__).resolve().parent.parent / "hmlib"
VIEWS = HMLIB / "views"
MATHS_MODULES = sorted(p.stem for p in HMLIB.glob("*.py") if p.stem != "__init__")
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
                       if is_under(name, "hmlib.views") or any(is_under(name, lib) for lib in VIEW_LIBRARIES))
    assert not forbidden, f"hmlib.{module} imports {forbidden}"


def test_the_import_check_sees_every_form_of_import(tmp_path):
    source = tmp_path / "m.py"
    source.write_text("import matplotlib.pyplot as plt\nfrom hmlib import views\nfrom .views import imaging\n"
                      "from . import data\nif True:\n    from ipywidgets import IntSlider\n")
    imported = imported_modules(source, "hmlib")
    assert {"matplotlib.pyplot", "hmlib.views", "hmlib.views.imaging", "hmlib.data", "ipywidgets"} <= imported


def test_import_hmlib_loads_neither_matplotlib_nor_ipywidgets():
    code = ("import importlib, sys, hmlib\n"
            f"for module in {MATHS_MODULES!r}:\n    importlib.import_module('hmlib.' + module)\n"
            f"print(sorted({{m.split('.')[0] for m in sys.modules}} & {set(VIEW_LIBRARIES)!r}))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


PUBLIC_MATHS_MODULES = [name for name in MATHS_MODULES if not name.startswith("_")]


def test_import_hmlib_reaches_every_maths_module():
    """``import hmlib`` alone, in a fresh interpreter, makes ``hmlib.<module>`` an attribute for every
    public module in hmlib/*.py, and ``hmlib.__all__`` names each of them."""
    code = ("import hmlib\n"
            f"print(sorted(m for m in {PUBLIC_MATHS_MODULES!r} if not hasattr(hmlib, m)))\n"
            f"print(sorted(m for m in {PUBLIC_MATHS_MODULES!r} if m not in hmlib.__all__))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    unreachable, unlisted = result.stdout.splitlines()
    assert unreachable == "[]", f"import hmlib does not reach {unreachable}"
    assert unlisted == "[]", f"hmlib.__all__ lacks {unlisted}"


def test_the_public_maths_modules_include_the_late_ones():
    """The enumeration above sees the modules that ``import hmlib`` once missed."""
    assert {"iwae", "rws", "shifter", "baselines"} <= set(PUBLIC_MATHS_MODULES)


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


def test_import_hmlib_leaves_scipy_stats_and_scikit_learn_for_later():
    """The two heaviest imports wait until a function needs them (a paired test, the digits): every
    notebook imports hmlib, and in the browser-only site each import is seconds of loading."""
    code = "import sys, hmlib\nprint(sorted(m for m in ('scipy.stats', 'sklearn') if m in sys.modules))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"
