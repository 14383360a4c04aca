"""Run axe-core, Deque's accessibility engine, in a Playwright page and return what it found.

axe-core is vendored in tests/browser/vendor/axe-core/ (version, licence and why in the README
there), so the tests need no network and no npm. `verified_script` checks the file against the
SHA-256 that Deque publishes for the version before anything runs it; `inject` loads it into the
page with ``add_script_tag(path=...)``; `run` calls ``axe.run`` with the WCAG 2.1 A and AA rules
only and returns the violations, each with its rule id, impact, help text and the CSS selector of
every element it concerns.
"""

import base64
import hashlib
from pathlib import Path

AXE_VERSION = "4.14.1"
AXE_FILE = Path(__file__).resolve().parent / "vendor" / "axe-core" / "axe.min.js"
# SHA-256 of axe.min.js 4.14.1 as Deque publishes it in the package's sri-history.json.
AXE_SHA256 = "KTSJmUUM3yhJqOcLeRL8LahahJ2jnA0NU5T1HUqe2Vw="

# The success criteria of WCAG 2.0 and 2.1 at levels A and AA (axe's tags for them).
WCAG_21_AA = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa")
BLOCKING = ("serious", "critical")  # impacts that fail a test; minor and moderate are reported
# The course's own content in the open notebook, in JupyterLab and in the browser-only site alike:
# its rendered markdown and its output areas (figures, printed text, widgets). The rest of the page
# is JupyterLab's own chrome, which the course cannot fix.
PANEL = ".jp-NotebookPanel:not(.lm-mod-hidden)"
COURSE = [f"{PANEL} .jp-MarkdownOutput", f"{PANEL} .jp-OutputArea-output"]
# Number of typeset equations in the open notebook (window.__hmPanel, set by the drivers).
_MATH_COUNT = "() => window.__hmPanel.node.querySelectorAll('mjx-container').length"

_RUN = """async ([context, tags, rules]) => {
  const options = {resultTypes: ['violations']};
  options.runOnly = rules ? {type: 'rule', values: rules} : {type: 'tag', values: tags};
  const results = await window.axe.run(context, options);
  return results.violations.map((v) => ({
    id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl, tags: v.tags,
    nodes: v.nodes.map((n) => ({
      target: n.target.map(String).join(' '),
      html: n.html.slice(0, 300),
      summary: (n.failureSummary || '').slice(0, 500),
    })),
  }));
}"""


def verified_script():
    """Path of the vendored axe.min.js, after checking its SHA-256 against AXE_SHA256."""
    if not AXE_FILE.is_file():
        raise AssertionError(f"{AXE_FILE} is missing; see {AXE_FILE.parent / 'README.md'}")
    digest = base64.b64encode(hashlib.sha256(AXE_FILE.read_bytes()).digest()).decode()
    if digest != AXE_SHA256:
        raise AssertionError(f"{AXE_FILE} has SHA-256 {digest}, not axe-core {AXE_VERSION}'s "
                             f"{AXE_SHA256}: the vendored file was changed; see "
                             f"{AXE_FILE.parent / 'README.md'}")
    return AXE_FILE


def inject(page, script):
    """Load axe-core from the file `script` into `page` (once) and check its version."""
    if page.evaluate("() => !!window.axe"):
        return
    page.add_script_tag(path=str(script))
    version = page.evaluate("() => window.axe && window.axe.version")
    if version != AXE_VERSION:
        raise AssertionError(f"axe-core in the page reports version {version!r}, "
                             f"expected {AXE_VERSION}")


def run(page, context, tags=WCAG_21_AA, rules=None):
    """Violations axe finds in `context` (axe's context object: {'include': [...], 'exclude': [...]})
    under the rules tagged `tags`, or under the rule ids `rules` when given."""
    return page.evaluate(_RUN, [context, list(tags), list(rules) if rules else None])


def blocking(violations):
    """The violations whose impact is serious or critical."""
    return [v for v in violations if v["impact"] in BLOCKING]


def describe(violations, limit=8):
    """One line per violation and element: 'rule (impact): help | target', at most `limit`
    elements per rule."""
    lines = []
    for v in violations:
        for node in v["nodes"][:limit]:
            lines.append(f"{v['id']} ({v['impact']}): {v['help']} | {node['target']}")
        if len(v["nodes"]) > limit:
            lines.append(f"{v['id']}: ... and {len(v['nodes']) - limit} more elements")
    return lines


def wait_for_math(page):
    """Wait until MathJax has typeset the open notebook: the number of equations stays the same
    for a second (at most a minute)."""
    last = -1
    for _ in range(60):
        count = page.evaluate(_MATH_COUNT)
        if count == last:
            return
        last = count
        page.wait_for_timeout(1000)
