"""Student and teacher editions of the course from the committed notebooks (issue 21): `make editions`.

    python site/editions.py [--notebooks notebooks] [--out editions]

writes, for every `NN_*.ipynb` of the notebooks folder:

- `editions/teacher/NN_*.ipynb`: the committed notebook, byte for byte (solutions and outputs kept),
  and `editions/teacher/solutions.md`: every solution of the "Try it" sections on one page, with
  its exercise id, notebook and question number and a link to the notebook;
- `editions/student/NN_*.ipynb`: the same notebook without its solutions, ready to hand out.

The convention, one for all notebooks. Each "Try it" section is the question cell (markdown,
untagged), then the self-check cells, then the folded solutions:

- a **self-check cell** is a code cell tagged `answer` whose `metadata.exercise` (one id) or
  `metadata.exercises` (a list) names the exercises it checks; it holds the import and, per id,
  the text of `hmlib.exercises.stub(id)` (`answer = ...` then `check("04.3", answer)`, or
  `choice("04.2")`). It is the same in both editions: students get the self-checks, and with the
  `...` answers it runs in a moment, printing "No answer yet", without computing any reference;
- a cell whose `metadata.tags` holds `solution` is a solution, markdown (the folded
  `<details><summary>Solution</summary>` text, the committed notebooks' way) or code. A code solution whose
`metadata.exercise` is an exercise id such as "04.3" becomes, in the student edition, an answer
cell holding `hmlib.exercises.stub("04.3")` (`answer = ...` and `check("04.3", answer)`, or the
multiple-choice control), tagged `answer` instead of `solution`, with the same `metadata.exercise`
and no outputs; every other solution cell is removed with its outputs. (A markdown solution may
carry `metadata.exercise` too: the solutions index then shows its id.) Execution counts are
cleared (the removed cells would leave gaps); the stored outputs of the other cells are kept.

The transforms are nbconvert preprocessors on nbformat notebooks. Nothing is written when a
notebook breaks the convention; the error lists every problem found:

- a code solution or self-check cell with an exercise id that hmlib.exercises does not know, that is
  open-ended (OPEN_ENDED: no check), or of another notebook;
- an exercise id on two cells (self-checks and code solutions of all notebooks together);
- a self-check cell that does not call `check("id", ...)` or `choice("id")` for one of its ids, or
  that is also tagged `solution` (it would vanish from the student edition);
- a stub or self-check whose names (`check`, `choice`) no cell above it (or the self-check cell
  itself) imports, so the student copy would stop with a NameError;
- a folded `<details>` solution in a "Try it" section that is not tagged `solution` (a text check,
  only a safety net: the tag is what decides), or a solution cell that holds the "Try it" heading
  (the questions would go with it);
- after the build, a solution's text found in a student notebook (in a kept cell or its outputs).
"""

import argparse
import ast
import copy
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import nbformat
from nbconvert.preprocessors import Preprocessor, TagRemovePreprocessor

from hmlib.exercises import EXERCISES, OPEN_ENDED, stub

REPO = Path(__file__).resolve().parent.parent
SOLUTION = "solution"  # the tag of a solution cell, markdown or code
ANSWER = "answer"  # the tag of the stub that replaces a code solution in the student edition
NOTEBOOK_GLOB = "[0-9][0-9]_*.ipynb"
INDEX = "solutions.md"
# metadata an answer stub keeps from the solution it replaces: the slide it sits on; not e.g.
# jupyter.source_hidden, which would hide the stub from the student
KEPT_METADATA = ("slideshow",)
# what each kind of stub calls, and where the student notebook must import it from
STUB_IMPORTS = {"check": "hmlib.exercises", "choice": "hmlib.views.exercises"}

_TRY_IT = re.compile(r"^(#{1,6})\s+Try it\b", re.IGNORECASE)
_HEADING = re.compile(r"^(#{1,6})\s")
_FENCE = re.compile(r"^\s*(```|~~~)")
_DETAILS = re.compile(r"<details\b", re.IGNORECASE)
_FOLD = re.compile(r"<details\b[^>]*>\s*(<summary\b[^>]*>.*?</summary>)?|</details\s*>", re.IGNORECASE | re.DOTALL)


class EditionError(Exception):
    """The notebooks break the editions' convention; the message lists every problem found."""


def tags(cell):
    return cell.get("metadata", {}).get("tags", [])


def is_solution(cell):
    return SOLUTION in tags(cell)


def exercise_id(cell):
    return cell.get("metadata", {}).get("exercise")


def stubbed(cell):
    """Whether the student edition shows a stub in place of this cell: a code solution with an id."""
    return is_solution(cell) and cell.cell_type == "code" and exercise_id(cell) is not None


def is_self_check(cell):
    """Whether the cell is a self-check: a code cell tagged `answer`, kept in both editions."""
    return ANSWER in tags(cell) and cell.cell_type == "code"


def self_check_ids(cell):
    """The exercise ids a self-check cell names: `metadata.exercises` (a list) and/or
    `metadata.exercise` (one id), in that order; [] for any other cell."""
    if not is_self_check(cell):
        return []
    metadata = cell.get("metadata", {})
    listed = metadata.get("exercises", [])
    ids = list(listed) if isinstance(listed, (list, tuple)) else [listed]
    if "exercise" in metadata:
        ids.append(metadata["exercise"])
    return ids


def _calls(ident):
    """The text a cell must hold to check `ident`: `check("id", ` or `choice("id")` (either quote)."""
    return re.compile(rf"""\b(check\(\s*["']{re.escape(ident)}["']\s*,|choice\(\s*["']{re.escape(ident)}["']\s*\))""")


# ---------------------------------------------------------------------- the student edition
class AnswerStubPreprocessor(Preprocessor):
    """Replace each code solution that names an exercise (`metadata.exercise`) by an answer cell
    holding `hmlib.exercises.stub(id)`: tagged `answer` instead of `solution`, same exercise id,
    no outputs. Other cells pass through; TagRemovePreprocessor removes the remaining solutions."""

    def preprocess_cell(self, cell, resources, index):
        if not stubbed(cell):
            return cell, resources
        ident = exercise_id(cell)
        answer = nbformat.v4.new_code_cell(stub(ident))
        answer.metadata = {key: copy.deepcopy(cell.metadata[key]) for key in KEPT_METADATA if key in cell.metadata}
        answer.metadata["tags"] = [ANSWER if t == SOLUTION else t for t in tags(cell)]
        answer.metadata["exercise"] = ident
        if "id" in cell:
            answer.id = cell.id  # a stable id: two builds give the same file
        else:
            del answer["id"]  # nbformat < 4.5 has no cell ids
        return answer, resources


class ClearExecutionCountsPreprocessor(Preprocessor):
    """Clear the execution counts of code cells and of their results, keeping the outputs: with the
    solutions gone they would count 1, 2, 5, 6 and tell that something was removed."""

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type == "code":
            cell.execution_count = None
            for output in cell.outputs:
                if "execution_count" in output:
                    output.execution_count = None
        return cell, resources


def student_edition(nb):
    """The student copy of the notebook `nb` (which is left unchanged): stubs in place of the code
    solutions that name an exercise, every other solution cell removed, execution counts cleared.
    Checks nothing; `notebook_problems` does."""
    student = copy.deepcopy(nb)
    steps = (AnswerStubPreprocessor(), TagRemovePreprocessor(remove_cell_tags={SOLUTION}),
             ClearExecutionCountsPreprocessor())
    for step in steps:
        student, _ = step.preprocess(student, {})
    return student


# ---------------------------------------------------------------------- checks
def untagged_folds(nb):
    """Indices of the markdown cells that hold a `<details>` fold inside a "Try it" section but are
    not tagged `solution`. The section runs from a "Try it" heading (which may sit in the middle of
    a cell) to the next heading of the same or a higher level; lines in code fences are skipped."""
    found = []
    section_level = None  # the level of the open "Try it" heading, or None outside the section
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "markdown":
            continue
        in_fence = False
        section_text = []
        for line in cell.source.splitlines():
            if _FENCE.match(line):
                in_fence = not in_fence
            elif not in_fence and (heading := _HEADING.match(line)):
                level = len(heading.group(1))
                if _TRY_IT.match(line):
                    section_level = level
                elif section_level is not None and level <= section_level:
                    section_level = None
            if section_level is not None:
                section_text.append(line)
        if _DETAILS.search("\n".join(section_text)) and not is_solution(cell):
            found.append(index)
    return found


def _imported_names(cells):
    """{name: module} for every `from module import name` in the code cells (magics skipped)."""
    names = {}
    for cell in cells:
        if cell.cell_type != "code":
            continue
        code = "\n".join(line for line in cell.source.splitlines() if not line.lstrip().startswith(("%", "!")))
        try:
            tree = ast.parse(code)
        except SyntaxError:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module:
                for alias in node.names:
                    names[alias.asname or alias.name] = node.module
                    if alias.name == "*":
                        names.update({n: node.module for n, m in STUB_IMPORTS.items() if m == node.module})
    return names


def notebook_problems(path, nb):
    """What in the notebook at `path` breaks the convention, one sentence each (empty: nothing)."""
    name = path.name
    number = name[:2]
    problems = []
    for index in untagged_folds(nb):
        problems.append(f"{name}, cell {index}: a <details> solution in the \"Try it\" section is not tagged "
                        f"'{SOLUTION}' (add the tag to its cell, or the student edition would show it)")
    for index, cell in enumerate(nb.cells):
        if is_solution(cell) and cell.cell_type == "markdown" and any(map(_TRY_IT.match, cell.source.splitlines())):
            problems.append(f"{name}, cell {index}: the solution cell holds the \"Try it\" heading, which the "
                            f"student edition would lose with it; put the questions and the solution in two cells")
        if is_self_check(cell):
            if is_solution(cell):
                problems.append(f"{name}, cell {index}: a self-check cell (tagged '{ANSWER}') is also tagged "
                                f"'{SOLUTION}', so the student edition would lose it; keep one of the two tags")
            idents = self_check_ids(cell)
            if not idents:
                problems.append(f"{name}, cell {index}: a self-check cell (tagged '{ANSWER}') names no exercise; "
                                f"expected metadata.exercise = '{number}.k' or metadata.exercises = ['{number}.k', ...]")
            where, imported_from = "the self-check's metadata", nb.cells[:index + 1]
        elif stubbed(cell):
            idents, where, imported_from = [exercise_id(cell)], "the solution's metadata.exercise", nb.cells[:index]
        else:
            continue
        for ident in idents:
            if not isinstance(ident, str) or ident not in EXERCISES:
                open_ended = isinstance(ident, str) and ident in OPEN_ENDED
                known = "an open-ended item without a check" if open_ended else "not an exercise of hmlib.exercises"
                problems.append(f"{name}, cell {index}: {where} names {ident!r}, {known}; expected an id such as "
                                f"'{number}.1' of hmlib.exercises.EXERCISES")
                continue
            if not ident.startswith(f"{number}."):
                problems.append(f"{name}, cell {index}: {where} names {ident!r}, an exercise of notebook "
                                f"{ident[:2]}; expected one of notebook {number} ('{number}.k')")
            code = stub(ident) if stubbed(cell) else cell.source
            if is_self_check(cell) and not _calls(ident).search(cell.source):
                problems.append(f"{name}, cell {index}: the self-check names {ident} but does not call "
                                f"check(\"{ident}\", ...) or choice(\"{ident}\"); expected hmlib.exercises.stub"
                                f"(\"{ident}\") in it")
            imported = _imported_names(c for c in imported_from if not is_solution(c))
            for called, module in STUB_IMPORTS.items():
                if re.search(rf"\b{called}\(", code) and imported.get(called) != module:
                    problems.append(f"{name}, cell {index}: the check of {ident} calls {called}(), but neither "
                                    f"it nor a cell above it (solutions aside) runs `from {module} import {called}`")
    return problems


def checked_ids(cell):
    """The exercise ids whose check the student sees in this cell: a self-check's ids, or the id of
    a code solution that becomes a stub."""
    return [exercise_id(cell)] if stubbed(cell) else self_check_ids(cell)


def duplicate_problems(notebooks):
    """An exercise id on two cells (self-checks and code solutions), across all `notebooks` ({path: nb})."""
    seen = {}
    problems = []
    for path, nb in notebooks.items():
        for index, cell in enumerate(nb.cells):
            for ident in checked_ids(cell):
                if not isinstance(ident, str):
                    continue
                place = f"{path.name}, cell {index}"
                if ident in seen:
                    problems.append(f"{place}: exercise {ident} is already checked in {seen[ident]}; each id "
                                    f"belongs to one self-check or code solution")
                else:
                    seen[ident] = place
    return problems


def _flat(text):
    return " ".join(text.split())


def visible_text(nb):
    """Everything a reader of `nb` can see as text, whitespace collapsed: cell sources, streams and
    the text/* outputs (text/plain, text/html, text/markdown...; images are not text)."""
    parts = []
    for cell in nb.cells:
        parts.append(cell.source)
        for output in cell.get("outputs", []):
            parts.append(output.get("text", ""))
            parts += [value for mime, value in output.get("data", {}).items() if mime.startswith("text/")]
    return _flat("\n".join(parts))


# ---------------------------------------------------------------------- the solutions index
def title(path, nb):
    """The notebook's first level-1 heading, or its file name."""
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("# "):
                    return line[2:].strip()
    return path.stem


def question(ident):
    """The question an id names: "04.3" -> "3", "05.1a" -> "1a"."""
    return ident.split(".", 1)[1] if isinstance(ident, str) and "." in ident else "–"


def _fenced(text, language=""):
    fence = "`" * max(3, 1 + max((len(run) for run in re.findall(r"`+", text)), default=0))
    return f"{fence}{language}\n{text.rstrip()}\n{fence}"


def _text_outputs(cell):
    """The stream and text/plain outputs of a code cell, joined (figures and HTML left out)."""
    texts = []
    for output in cell.get("outputs", []):
        if output.output_type == "stream":
            texts.append("".join(output.text))
        elif "text/plain" in output.get("data", {}):
            texts.append("".join(output.data["text/plain"]))
    return "".join(t if t.endswith("\n") else t + "\n" for t in texts)


def solutions_index(notebooks):
    """The teacher's page (markdown): a table of every solution, then each solution under its
    notebook's heading, unfolded, code solutions with their stored text output."""
    rows, sections, with_solutions = [], [], 0
    for path, nb in notebooks.items():
        solutions = [cell for cell in nb.cells if is_solution(cell)]
        if not solutions:
            continue
        with_solutions += 1
        link = f"[{title(path, nb)}]({path.name})"
        sections.append(f"## {link}")
        checked = [ident for cell in nb.cells for ident in self_check_ids(cell)]
        if checked:
            sections.append("Self-checks (in both editions): " + ", ".join(checked) + ".")
        for number, cell in enumerate(solutions, start=1):
            ident = exercise_id(cell)
            if ident:
                label = f"{ident} (question {question(ident)})"
            else:
                label = f"Solution {number} of notebook {path.name[:2]}"
            rows.append(f"| {ident or '–'} | {link} | {question(ident)} | {cell.cell_type} |")
            if cell.cell_type == "markdown":
                body = _FOLD.sub("", cell.source).strip()  # unfolded
            else:
                body = _fenced(cell.source, "python")
            sections.append(f"### {label}\n\n{body}")
            output = _text_outputs(cell) if cell.cell_type == "code" else ""
            if output.strip():
                sections.append(f"Output stored in the teacher's notebook:\n\n{_fenced(output)}")
    header = ("# Solutions of the \"Try it\" exercises\n\n"
              "The teacher edition's solutions, in the order of the notebooks, written by `make editions` "
              "from the cells tagged `solution`; edit the notebooks, not this page. The student edition "
              "has an answer cell that checks itself (`check(id, answer)`) in place of each code "
              "solution with an id, and none of the text below.\n\n"
              f"{len(rows)} solutions in {with_solutions} notebooks.\n\n"
              "| Exercise | Notebook | Question | Solution cell |\n|---|---|---|---|\n")
    return header + "\n".join(rows) + "\n\n" + "\n\n".join(sections) + "\n"


# ---------------------------------------------------------------------- the build
@dataclass
class Editions:
    """What `build` wrote: the two folders and the index, and counts for its summary line."""

    student: Path
    teacher: Path
    index: Path
    notebooks: int
    solutions: int
    stubs: int
    self_checks: int  # cells tagged `answer`, in both editions


def build(source, out):
    """Write `out/student`, `out/teacher` and `out/teacher/solutions.md` from the notebooks in
    `source`; raise EditionError (writing nothing) when they break the convention."""
    source, out = Path(source), Path(out)
    paths = sorted(source.glob(NOTEBOOK_GLOB))
    if not paths:
        raise EditionError(f"no notebooks named {NOTEBOOK_GLOB} in {source}")
    notebooks = {path: nbformat.read(path, as_version=4) for path in paths}
    problems = [p for path, nb in notebooks.items() for p in notebook_problems(path, nb)]
    problems += duplicate_problems(notebooks)
    if problems:
        raise EditionError(f"the notebooks in {source} break the editions' convention (nothing written):\n  "
                           + "\n  ".join(problems))

    students = {path: student_edition(nb) for path, nb in notebooks.items()}
    solution_texts = [(path.name, _flat(cell.source)) for path, nb in notebooks.items()
                      for cell in nb.cells if is_solution(cell) and cell.source.strip()]
    visible = {path: visible_text(student) for path, student in students.items()}
    leaks = [f"the text of a solution of {origin} is in the student's {path.name}"
             for path, seen in visible.items() for origin, text in solution_texts if text in seen]
    if leaks:
        raise EditionError("solution text would reach the student edition (nothing written):\n  " + "\n  ".join(leaks))

    student_dir, teacher_dir = out / "student", out / "teacher"
    for folder in (student_dir, teacher_dir):
        shutil.rmtree(folder, ignore_errors=True)  # no stale copy of a renamed notebook survives
        folder.mkdir(parents=True)
    for path, student in students.items():
        nbformat.write(student, student_dir / path.name)
        shutil.copyfile(path, teacher_dir / path.name)
    index = teacher_dir / INDEX
    index.write_text(solutions_index(notebooks), encoding="utf-8")
    return Editions(student_dir, teacher_dir, index, len(paths), len(solution_texts),
                    sum(stubbed(cell) for nb in notebooks.values() for cell in nb.cells),
                    sum(is_self_check(cell) for nb in notebooks.values() for cell in nb.cells))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--notebooks", type=Path, default=REPO / "notebooks", help="the committed notebooks")
    parser.add_argument("--out", type=Path, default=REPO / "editions", help="where student/ and teacher/ go")
    args = parser.parse_args(argv)
    try:
        editions = build(args.notebooks, args.out)
    except EditionError as error:
        raise SystemExit(f"editions: {error}") from None
    print(f"notebooks: {editions.notebooks}, solution cells: {editions.solutions}, answer stubs: {editions.stubs}, "
          f"self-check cells: {editions.self_checks}; "
          f"written: {editions.student}, {editions.teacher}, {editions.index}")


if __name__ == "__main__":
    main()
