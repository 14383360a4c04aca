"""Student and teacher editions (issue 21, site/editions.py), on small notebooks written here.

A miniature notebook 04 has every kind of cell the convention knows: a markdown solution, two code
solutions with exercise ids (a multiple-choice one and a numeric one), a code solution without an
id, and a fold outside the "Try it" section that is no solution. Each solution holds a marker
(SECRET-...) so that "no solution text in the student edition" is a plain search of the file.
A miniature notebook 09 is run top to bottom in a kernel. The last tests read the real notebooks.
"""

import importlib.util
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from hmlib import exercises

ROOT = Path(__file__).resolve().parent.parent
EDITIONS = ROOT / "site" / "editions.py"
NOTEBOOKS = ROOT / "notebooks"
_spec = importlib.util.spec_from_file_location("editions", EDITIONS)
editions = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(editions)

SETUP = "from hmlib.exercises import check\nfrom hmlib.views.exercises import choice"
MARKERS = ("SECRET-MARKDOWN", "SECRET-CHOICE", "SECRET-NUMERIC", "SECRET-WORKING")


def code(source, *, tags=(), exercise=None, count=None, outputs=(), **metadata):
    cell = new_code_cell(source, execution_count=count, outputs=list(outputs))
    cell.metadata.update(metadata)
    if tags:
        cell.metadata["tags"] = list(tags)
    if exercise:
        cell.metadata["exercise"] = exercise
    return cell


def markdown(source, *, tags=()):
    cell = new_markdown_cell(source)
    if tags:
        cell.metadata["tags"] = list(tags)
    return cell


def stream(text):
    return new_output("stream", name="stdout", text=text)


def notebook(cells):
    nb = new_notebook(cells=cells)
    for index, cell in enumerate(nb.cells):
        cell.id = f"cell-{index}"  # fixed ids, so that two builds can be compared
    return nb


def miniature_04():
    """Notebook 04 in miniature; the comment beside each cell says what the student edition does with it."""
    return notebook([
        markdown("# 04 · A miniature notebook"),  # kept
        code(SETUP, count=1),  # kept, execution count cleared
        code("x = 6 * 7\nprint(x)", count=2, outputs=[stream("42\n")]),  # kept with its output
        markdown("## Try it\n\n2. Which $Q$ wins?\n3. How far below $\\log p(x)$ is $-F$, in bits?"),  # kept
        markdown("<details><summary>Solution</summary>\n\n2. The $Q$ on the lowest energy (SECRET-MARKDOWN).\n"
                 "</details>", tags=["solution"]),  # removed
        code("answer = 'b'  # SECRET-CHOICE\ncheck('04.2', answer)", tags=["solution"], exercise="04.2",
             count=3, outputs=[stream("checked 04.2 (SECRET-CHOICE)\n")]),  # a stub: choice("04.2")
        code("gap = (4.5, 0.25)  # SECRET-NUMERIC\ncheck('04.3', gap)", tags=["solution", "homework"],
             exercise="04.3", count=4, outputs=[stream("checked 04.3 (SECRET-NUMERIC)\n")],
             slideshow={"slide_type": "fragment"}, jupyter={"source_hidden": True}),  # a stub
        code("print('SECRET-WORKING')", tags=["solution"], count=5, outputs=[stream("SECRET-WORKING\n")]),  # removed
        markdown("## Summary\n\n<details><summary>More</summary>\n\nA fold that is no solution.\n</details>"),  # kept
        code("x + 1", count=6, outputs=[new_output("execute_result", data={"text/plain": "43"}, execution_count=6)]),
    ])


def write(folder, name, nb):
    folder.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, folder / name)
    return folder / name


@pytest.fixture
def built(tmp_path):
    """The miniature notebook 04 and its two editions: (source path, output folder)."""
    source = write(tmp_path / "notebooks", "04_miniature.ipynb", miniature_04())
    editions.build(tmp_path / "notebooks", tmp_path / "editions")
    return source, tmp_path / "editions"


def test_student_edition_has_stubs_in_place_of_solutions_and_keeps_every_other_cell(built):
    source, out = built
    student = nbformat.read(out / "student" / source.name, as_version=4)
    nbformat.validate(student)
    expected = ["# 04 · A miniature notebook", SETUP, "x = 6 * 7\nprint(x)",
                "## Try it\n\n2. Which $Q$ wins?\n3. How far below $\\log p(x)$ is $-F$, in bits?",
                exercises.stub("04.2"), exercises.stub("04.3"),
                "## Summary\n\n<details><summary>More</summary>\n\nA fold that is no solution.\n</details>", "x + 1"]
    assert [cell.source for cell in student.cells] == expected
    choice_stub, numeric_stub = student.cells[4], student.cells[5]
    assert choice_stub.source == 'choice("04.2")'
    assert numeric_stub.source.splitlines()[-2:] == ["answer = ...", 'check("04.3", answer)']
    assert choice_stub.metadata == {"tags": ["answer"], "exercise": "04.2"}
    # the slide it sits on stays; the hidden source of the teacher's solution does not hide the stub
    assert numeric_stub.metadata == {"tags": ["answer", "homework"], "exercise": "04.3",
                                     "slideshow": {"slide_type": "fragment"}}
    assert choice_stub.outputs == [] and numeric_stub.outputs == []
    assert [cell.execution_count for cell in student.cells if cell.cell_type == "code"] == [None] * 5
    assert student.cells[2].outputs == [stream("42\n")]
    assert student.cells[7].outputs == [new_output("execute_result", data={"text/plain": "43"}, execution_count=None)]
    assert [cell.id for cell in student.cells] == [f"cell-{i}" for i in (0, 1, 2, 3, 5, 6, 8, 9)]


def test_student_edition_holds_no_solution_text(built):
    source, out = built
    student_file = (out / "student" / source.name).read_text()
    assert all(marker in source.read_text() for marker in MARKERS)
    assert [marker for marker in MARKERS if marker in student_file] == []
    assert "<summary>Solution" not in student_file


def test_teacher_edition_is_the_committed_notebook_byte_for_byte(built):
    source, out = built
    assert (out / "teacher" / source.name).read_bytes() == source.read_bytes()


def test_solutions_index_lists_every_solution_with_its_notebook(built):
    source, out = built
    index = (out / "teacher" / "solutions.md").read_text()
    rows = [line for line in index.splitlines() if line.startswith("| ") and "04_miniature.ipynb" in line]
    link = "[04 · A miniature notebook](04_miniature.ipynb)"
    assert rows == [f"| – | {link} | – | markdown |", f"| 04.2 | {link} | 2 | code |",
                    f"| 04.3 | {link} | 3 | code |", f"| – | {link} | – | code |"]
    assert "### 04.2 (question 2)" in index and "### 04.3 (question 3)" in index
    assert all(marker in index for marker in MARKERS)
    assert "gap = (4.5, 0.25)  # SECRET-NUMERIC\ncheck('04.3', gap)" in index  # the code, as code
    assert "checked 04.3 (SECRET-NUMERIC)" in index  # and its stored output
    assert "<details>" not in index and "<summary>" not in index  # unfolded
    assert "A fold that is no solution" not in index


def test_a_second_build_gives_the_same_files(built, tmp_path):
    source, out = built
    first = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    editions.build(source.parent, out)
    assert {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()} == first


def test_a_stale_student_copy_of_a_renamed_notebook_is_removed(built):
    source, out = built
    stale = out / "student" / "04_old_name.ipynb"
    stale.write_text("{}")
    editions.build(source.parent, out)
    assert not stale.exists()


# ---------------------------------------------------------------------- refusals
def _unknown_id(nb):
    nb.cells[6].metadata["exercise"] = "04.9"


def _open_ended_id(nb):
    nb.cells[6].metadata["exercise"] = "07.2"


def _other_notebooks_id(nb):
    nb.cells[6].metadata["exercise"] = "05.3"


def _same_id_twice(nb):
    nb.cells[5].metadata["exercise"] = "04.3"


def _untagged_fold(nb):
    nb.cells[4].metadata["tags"] = []


def _fold_below_a_heading_in_mid_cell(nb):  # as in notebook 10: text, then the heading, then a fold
    fold = "<details><summary>Solution</summary>\n</details>"
    nb.cells[3].source = f"Some closing text.\n\n{nb.cells[3].source}\n\n{fold}"


def _questions_inside_the_solution(nb):
    nb.cells[3].metadata["tags"] = ["solution"]
    nb.cells[3].source += "\n\n" + nb.cells[4].source


def _no_import_of_check(nb):
    nb.cells[1].source = "from hmlib.views.exercises import choice"


def _import_only_in_a_solution(nb):  # the student edition would lose the import with the solution
    nb.cells[1].source = "import numpy as np"
    nb.cells[4] = code(SETUP, tags=["solution"])


def _solution_text_in_a_kept_output(nb):
    nb.cells[2].outputs = [stream(nb.cells[7].source + "\n")]


REFUSALS = [
    (_unknown_id, r"04_miniature\.ipynb, cell 6: the solution's metadata\.exercise names '04\.9', not an exercise"),
    (_open_ended_id, r"cell 6: the solution's metadata\.exercise names '07\.2', an open-ended item"),
    (_other_notebooks_id, r"cell 6: the solution's metadata\.exercise names '05\.3', an exercise of notebook 05"),
    (_same_id_twice, r"cell 6: exercise 04\.3 is already checked in 04_miniature\.ipynb, cell 5"),
    (_untagged_fold, r"cell 4: a <details> solution in the \"Try it\" section is not tagged 'solution'"),
    (_fold_below_a_heading_in_mid_cell, r"cell 3: a <details> solution in the \"Try it\" section is not tagged"),
    (_questions_inside_the_solution, r"cell 3: the solution cell holds the \"Try it\" heading"),
    (_no_import_of_check, r"cell 6: the check of 04\.3 calls check\(\), but neither it nor a cell above it .*"
                          r"`from hmlib\.exercises import check`"),
    (_import_only_in_a_solution, r"cell 5: the check of 04\.2 calls choice\(\), but neither it nor a cell above"),
    (_solution_text_in_a_kept_output, r"the text of a solution of 04_miniature\.ipynb is in the student's "
                                      r"04_miniature\.ipynb"),
]


@pytest.mark.parametrize("change, message", REFUSALS, ids=[change.__name__.strip("_") for change, _ in REFUSALS])
def test_a_notebook_that_breaks_the_convention_is_refused_and_nothing_is_written(tmp_path, change, message):
    nb = miniature_04()
    change(nb)
    write(tmp_path / "notebooks", "04_miniature.ipynb", nb)
    with pytest.raises(editions.EditionError, match=message):
        editions.build(tmp_path / "notebooks", tmp_path / "editions")
    assert not (tmp_path / "editions").exists()


def test_an_id_on_code_solutions_of_two_notebooks_is_refused(tmp_path):
    write(tmp_path / "notebooks", "04_miniature.ipynb", miniature_04())
    write(tmp_path / "notebooks", "04_another.ipynb", miniature_04())
    with pytest.raises(editions.EditionError) as refusal:
        editions.build(tmp_path / "notebooks", tmp_path / "editions")
    assert str(refusal.value).splitlines()[1:] == [
        f"  04_miniature.ipynb, cell {cell}: exercise {ident} is already checked in "
        f"04_another.ipynb, cell {cell}; each id belongs to one self-check or code solution"
        for cell, ident in ((5, "04.2"), (6, "04.3"))]


def test_the_try_it_section_ends_at_the_next_heading_of_its_level_and_skips_code_fences():
    fold = "<details><summary>Solution</summary>\n\nx\n</details>"
    nb = notebook([
        markdown(f"## Section 1\n\n{fold}"),  # 0: before the section
        markdown(f"```python\n# Try it\n```\n\n{fold}"),  # 1: a comment in a code fence is no heading
        markdown("## Try it\n\n1. A question."),  # 2
        markdown(fold),  # 3: flagged
        markdown(f"### A harder one\n\n{fold}"),  # 4: a subsection is still in the section: flagged
        markdown(fold, tags=["solution"]),  # 5: tagged
        markdown(f"## Summary\n\n{fold}"),  # 6: after the section
        markdown(f"# Appendix: Try it again\n\n{fold}"),  # 7: "Try it again" is not the heading
    ])
    assert editions.untagged_folds(nb) == [3, 4]


def test_the_command_line_reports_a_refusal_with_exit_status_1_and_a_build_with_0(tmp_path):
    good = write(tmp_path / "good", "04_miniature.ipynb", miniature_04())
    bad = miniature_04()
    _untagged_fold(bad)
    write(tmp_path / "bad", "04_miniature.ipynb", bad)
    refused = subprocess.run([sys.executable, EDITIONS, "--notebooks", tmp_path / "bad", "--out", tmp_path / "out"],
                             capture_output=True, text=True)
    assert refused.returncode == 1
    assert refused.stderr.startswith("editions: the notebooks in ")
    assert "04_miniature.ipynb, cell 4: a <details> solution" in refused.stderr
    done = subprocess.run([sys.executable, EDITIONS, "--notebooks", good.parent, "--out", tmp_path / "out"],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("notebooks: 1, solution cells: 4, answer stubs: 2, self-check cells: 0; written: ")
    assert sorted(p.name for p in (tmp_path / "out").rglob("*.*")) == ["04_miniature.ipynb", "04_miniature.ipynb",
                                                                      "solutions.md"]


# ---------------------------------------------------------------------- self-check cells
CHECK_IMPORT = "from hmlib.exercises import check"
CHOICE_IMPORT = "from hmlib.views.exercises import choice"


def with_self_checks():
    """Notebook 04 in miniature as the committed notebooks are: the questions, one self-check cell
    per item (tag `answer`, kept in both editions), then the folded solution (removed)."""
    return notebook([
        markdown("# 04 · A miniature notebook"),
        markdown("## Try it\n\n2. Which $Q$ wins?\n3. How far below $\\log p(x)$ is $-F$, in bits?"),
        code(f"{CHOICE_IMPORT}\nchoice(\"04.2\")", tags=["answer"], exercise="04.2",
             slideshow={"slide_type": "subslide"}),
        code(f"{CHECK_IMPORT}\nanswer_3 = ...\ncheck(\"04.3\", answer_3)", tags=["answer"], exercises=["04.3"]),
        markdown("<details><summary>Solution</summary>\n\n3. About 5.9 and 0.34 bits (SECRET-FOLD).\n</details>",
                 tags=["solution"]),
    ])


def test_self_check_cells_are_the_same_in_both_editions_and_the_fold_goes(tmp_path):
    source = write(tmp_path / "notebooks", "04_miniature.ipynb", with_self_checks())
    built = editions.build(tmp_path / "notebooks", tmp_path / "editions")
    assert (built.solutions, built.stubs, built.self_checks) == (1, 0, 2)
    teacher = nbformat.read(source, as_version=4)
    student = nbformat.read(tmp_path / "editions" / "student" / source.name, as_version=4)
    assert [cell.id for cell in student.cells] == [f"cell-{i}" for i in range(4)]
    for kept, original in zip(student.cells[2:], teacher.cells[2:4]):
        assert (kept.source, kept.metadata) == (original.source, original.metadata)
    assert "SECRET-FOLD" not in (tmp_path / "editions" / "student" / source.name).read_text()
    index = (tmp_path / "editions" / "teacher" / "solutions.md").read_text()
    assert "Self-checks (in both editions): 04.2, 04.3." in index and "SECRET-FOLD" in index


def _check_of_an_unknown_id(nb):
    nb.cells[3].metadata["exercises"] = ["04.9"]


def _check_of_an_open_ended_id(nb):
    nb.cells[2].metadata["exercise"] = "07.2"


def _check_of_another_notebook(nb):
    nb.cells[3].metadata["exercises"] = ["05.3"]


def _check_that_does_not_call_its_id(nb):
    nb.cells[3].source = f"{CHECK_IMPORT}\nanswer_3 = ...\ncheck(\"04.2\", answer_3)"


def _check_without_its_import(nb):
    nb.cells[3].source = "answer_3 = ...\ncheck(\"04.3\", answer_3)"


def _check_tagged_solution_too(nb):
    nb.cells[2].metadata["tags"] = ["answer", "solution"]


def _check_naming_no_exercise(nb):
    del nb.cells[3].metadata["exercises"]


def _two_checks_of_one_id(nb):
    nb.cells.insert(4, code(f"{CHECK_IMPORT}\ncheck(\"04.3\", ...)", tags=["answer"], exercise="04.3"))


SELF_CHECK_REFUSALS = [
    (_check_of_an_unknown_id, r"cell 3: the self-check's metadata names '04\.9', not an exercise"),
    (_check_of_an_open_ended_id, r"cell 2: the self-check's metadata names '07\.2', an open-ended item"),
    (_check_of_another_notebook, r"cell 3: the self-check's metadata names '05\.3', an exercise of notebook 05"),
    (_check_that_does_not_call_its_id, r"cell 3: the self-check names 04\.3 but does not call check\(\"04\.3\""),
    (_check_without_its_import, r"cell 3: the check of 04\.3 calls check\(\), but neither it nor a cell above"),
    (_check_tagged_solution_too, r"cell 2: a self-check cell \(tagged 'answer'\) is also tagged 'solution'"),
    (_check_naming_no_exercise, r"cell 3: a self-check cell \(tagged 'answer'\) names no exercise"),
    (_two_checks_of_one_id, r"cell 4: exercise 04\.3 is already checked in 04_miniature\.ipynb, cell 3"),
]


@pytest.mark.parametrize("change, message", SELF_CHECK_REFUSALS,
                         ids=[change.__name__.strip("_") for change, _ in SELF_CHECK_REFUSALS])
def test_a_self_check_that_breaks_the_convention_is_refused(tmp_path, change, message):
    nb = with_self_checks()
    editions.build(*[write(tmp_path / "ok", "04_miniature.ipynb", nb).parent, tmp_path / "ok-out"])  # fine as it is
    change(nb)
    write(tmp_path / "notebooks", "04_miniature.ipynb", nb)
    with pytest.raises(editions.EditionError, match=message):
        editions.build(tmp_path / "notebooks", tmp_path / "editions")
    assert not (tmp_path / "editions").exists()


# ---------------------------------------------------------------------- the student notebook runs
def test_the_student_notebook_runs_top_to_bottom_without_running_any_reference_computation(tmp_path):
    """The stubs run as they are: ``answer = ...`` gets "No answer yet" and no check computes its
    reference (09.1's is a training run of 200,000 examples); the choice control is built."""
    teacher = notebook([
        markdown("# 09 · A miniature notebook"),
        code(SETUP),
        markdown("## Try it\n\n1. What KL do you get?\n2. Does the positivity constraint matter?"),
        code("answer = 0.3\ncheck('09.1', answer)", tags=["solution"], exercise="09.1"),
        code("choice('09.2')", tags=["solution"], exercise="09.2"),
        code(f"{CHOICE_IMPORT}\nchoice(\"09.3\")", tags=["answer"], exercise="09.3"),
        code("from hmlib import exercises\n"
             "sizes = [f.cache_info().currsize for f in vars(exercises).values() if hasattr(f, 'cache_info')]\n"
             "print(len(sizes), sum(sizes))"),
    ])
    write(tmp_path / "notebooks", "09_miniature.ipynb", teacher)
    editions.build(tmp_path / "notebooks", tmp_path / "editions")
    student = nbformat.read(tmp_path / "editions" / "student" / "09_miniature.ipynb", as_version=4)
    assert [cell.metadata.get("exercise") for cell in student.cells] == [None, None, None, "09.1", "09.2", "09.3", None]

    NotebookClient(student, timeout=120, kernel_name="python3",
                   resources={"metadata": {"path": str(tmp_path)}}).execute()  # raises on any error

    printed = ["".join(o.get("text", "") for o in cell.outputs) for cell in student.cells if cell.cell_type == "code"]
    assert printed[1] == "✗ 09.1: No answer yet: replace ... with your answer, then run the cell again.\n"
    assert any("application/vnd.jupyter.widget-view+json" in o.get("data", {}) for o in student.cells[4].outputs)
    assert any("application/vnd.jupyter.widget-view+json" in o.get("data", {}) for o in student.cells[5].outputs)
    caches, filled = map(int, printed[4].split())
    assert caches >= 10 and filled == 0  # hmlib.exercises has its cached references, none computed


# ---------------------------------------------------------------------- the real notebooks
REAL = sorted(NOTEBOOKS.glob(editions.NOTEBOOK_GLOB))
SOLUTION_FOLD = re.compile(r"<details>\s*<summary>\s*Solutions?\b")


def _strings(value):
    """Every string in a JSON value (the whole file: sources, outputs, metadata)."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def _flat(text):
    return " ".join(text.split())


def test_no_solution_text_of_the_real_notebooks_is_in_any_student_file(tmp_path):
    """Every solution-tagged cell's text (whitespace aside) against every student file, as written;
    the tests below say that every fold is tagged."""
    assert len(REAL) == 12
    solutions = [_flat(cell.source) for path in REAL for cell in nbformat.read(path, as_version=4).cells
                 if "solution" in cell.metadata.get("tags", []) and cell.source.strip()]
    texts = []
    for path in REAL:
        nbformat.write(editions.student_edition(nbformat.read(path, as_version=4)), tmp_path / path.name)
        content = nbformat.read(tmp_path / path.name, as_version=4)  # multi-line strings joined, as a reader sees them
        texts.append((path.name, _flat(" ".join(_strings(content)))))
    leaks = [(name, solution[:80]) for name, text in texts for solution in solutions if solution in text]
    assert leaks == []


def test_the_safety_net_flags_exactly_the_untagged_solution_folds_of_the_real_notebooks():
    """site/editions.py finds the folds of each "Try it" section by its headings; every fold of the
    real notebooks is a solution, so it must flag exactly the untagged cells holding one."""
    for path in REAL:
        nb = nbformat.read(path, as_version=4)
        untagged = [index for index, cell in enumerate(nb.cells) if cell.cell_type == "markdown"
                    and SOLUTION_FOLD.search(cell.source) and "solution" not in cell.metadata.get("tags", [])]
        assert editions.untagged_folds(nb) == untagged, path.name


def test_every_solution_fold_of_the_real_notebooks_is_tagged_solution():
    untagged = [(path.name, index) for path in REAL
                for index, cell in enumerate(nbformat.read(path, as_version=4).cells)
                if SOLUTION_FOLD.search(cell.source) and "solution" not in cell.metadata.get("tags", [])]
    assert untagged == []


def test_every_checkable_exercise_has_exactly_one_self_check_in_the_notebooks_and_no_open_ended_one_has():
    checked = [(ident, path.name) for path in REAL for cell in nbformat.read(path, as_version=4).cells
               for ident in editions.checked_ids(cell)]
    ids = [ident for ident, _ in checked]
    assert sorted(ids) == sorted(exercises.EXERCISES)  # each checkable id once, nothing else
    assert not set(ids) & set(exercises.OPEN_ENDED)
    assert all(name.startswith(ident[:2] + "_") for ident, name in checked)


def test_each_self_check_of_the_real_notebooks_holds_the_stub_of_its_id_and_the_import_it_needs():
    """The student sees exactly what hmlib.exercises.stub prints (the kind of answer, ``...``, the
    check), preceded by the import, so each cell runs on its own."""
    cells = [cell for path in REAL for cell in nbformat.read(path, as_version=4).cells
             if "answer" in cell.metadata.get("tags", [])]
    assert len(cells) > 0
    for cell in cells:
        assert cell.cell_type == "code" and "solution" not in cell.metadata["tags"]
        for ident in editions.self_check_ids(cell):
            body = exercises.stub(ident)
            imported = CHOICE_IMPORT if body.startswith("choice(") else CHECK_IMPORT
            assert body in cell.source and imported in cell.source.splitlines(), ident


def test_the_real_notebooks_make_both_editions(tmp_path):
    built = editions.build(NOTEBOOKS, tmp_path)
    assert (built.notebooks, built.stubs, built.self_checks) == (12, 0, len(exercises.EXERCISES))
    assert built.solutions >= 12  # at least one folded solution per notebook


@pytest.mark.parametrize("path", sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb")), ids=lambda p: p.name[:2])
def test_the_student_edition_runs_the_same_code_as_the_tested_notebook(path):
    """Every solution of the course is text (a markdown fold), so the student edition runs exactly
    the code cells that nbval runs in the committed notebook: it runs top to bottom as they do."""
    nb = nbformat.read(path, as_version=4)
    solutions = [cell for cell in nb.cells if editions.is_solution(cell)]
    assert solutions, f"{path.name} has no solution cell"
    assert all(cell.cell_type == "markdown" for cell in solutions)
    student = editions.student_edition(nb)
    assert [c.source for c in student.cells if c.cell_type == "code"] == \
           [c.source for c in nb.cells if c.cell_type == "code"]
    assert len(student.cells) == len(nb.cells) - len(solutions)
