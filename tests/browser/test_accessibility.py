"""Every notebook runs cleanly in JupyterLab, and what the course puts on the page meets WCAG 2.1 AA.

Each notebook is opened in JupyterLab in headless Chromium at a 1280x800 viewport and run with
*Run All Cells*, as a student would, once for all the checks below. It must run cleanly
(LabPage.problems): every code cell executed, no error output and nothing on stderr, no "Error
displaying widget" / "model not found", no broken widget view, every ``hm-widget`` with at least
one slider or dropdown, a non-empty ``hm-readout`` and a loaded ``hm-figure``, and no error in the
browser console or from the kernel outside a cell; a screenshot of the whole notebook and one of
each hm-widget go to tests/browser/artifacts/. The course's own content is its rendered markdown
(``.jp-MarkdownOutput``) and its output areas (``.jp-OutputArea-output``: figures, printed text,
widgets). Then:

1. axe-core (vendored, tests/browser/axe.py) checks the course's content against the WCAG 2.0/2.1
   A and AA rules; any serious or critical finding fails, with its rule, element and help text.
   The rest of the page, JupyterLab's own menus, tabs and toolbars, is checked too, but only
   written to tests/browser/artifacts/accessibility_chrome_<notebook>.json: the course cannot fix it.
2. Every image in the content has a text alternative (``alt``) that is not empty and not a
   placeholder such as "Image", "Figure" or matplotlib's "<Figure size 960x480 with 2 Axes>".
3. The markdown reads in order: one h1, no heading level skipped; no link says "here" or shows a
   bare URL; every table has a header row. Every equation rendered without a TeX error, with the
   MathML that MathJax 3 hides for screen readers (``mjx-assistive-mml``) beside it.
4. Reflow (WCAG 1.4.10): a 1280x800 window zoomed to 200% gives the page 640x400 CSS pixels at a
   device pixel ratio of 2. This is emulated exactly that way, with Chromium's device-metrics
   override, and no rendered markdown may then scroll sideways (scrollWidth <= clientWidth + 1),
   unless what sticks out is a table or code, which WCAG lets keep their two-dimensional layout.
   (CSS ``zoom`` on the page is not what the browser's zoom does: media queries and
   ``window.innerWidth`` would still see 1280 pixels, so JupyterLab would lay out its panels for a
   window that no zooming student has.) A screenshot goes to artifacts/<notebook>_zoom200.png.
5. Dark theme: with "JupyterLab Dark", every figure image is opaque (its PNG has no pixel with an
   alpha below 255, sampled through a canvas), so black axis text keeps its white background;
   the content's colour contrast is checked again, and a screenshot of the whole notebook goes
   to tests/browser/artifacts/<notebook>_dark.png. The theme is set back to "JupyterLab Light"
   afterwards, since the theme is a user setting shared by every test of the session.

A notebook that does not run cleanly fails whatever else it passes: its missing outputs would
otherwise pass every check unseen. Everything measured goes to
tests/browser/artifacts/accessibility_<notebook>.json. `test_the_checks_find_known_faults` builds a
page that breaks each rule once and shows that every check reports it.
"""

import base64
import json

import pytest

import axe
from jupyterlab_driver import ARTIFACTS, notebook_names

# Never an empty parametrisation: pytest would skip it, and a missing notebooks/ must fail.
NOTEBOOKS = notebook_names() or ["<no notebook found in notebooks/>"]

COURSE = axe.COURSE  # the open notebook's rendered markdown and output areas
VIEWPORT = {"width": 1280, "height": 800}
# A 1280x800 window at 200% zoom: the page lays out in 640x400 CSS pixels, 2 device pixels each.
ZOOMED = {"width": 640, "height": 400, "deviceScaleFactor": 2, "mobile": False}
DARK, LIGHT = "JupyterLab Dark", "JupyterLab Light"
THEME_TIMEOUT = 30  # seconds for JupyterLab to load a theme's CSS

# Alt texts that say nothing: what a tool writes when nobody wrote a description.
PLACEHOLDER_ALTS = {"image", "figure", "img", "plot", "chart", "graph", "png", "output"}
PLACEHOLDER_PREFIXES = ("<figure size", "<matplotlib", "figure(", "data:image")
VAGUE_LINK_TEXTS = {"here", "click here", "this", "this link", "link", "more", "read more"}

# Markdown and output elements of the open notebook: images, headings, links, tables, equations.
_CONTENT = """() => {
  const panel = window.__hmPanel;
  const cells = panel.content.widgets;
  const cellOf = (el) => cells.findIndex((c) => c.node.contains(el));
  const text = (el) => el.textContent.replace(/\\u00b6/g, '').replace(/\\s+/g, ' ').trim();
  const markdown = Array.from(panel.node.querySelectorAll('.jp-MarkdownOutput'));
  const outputs = Array.from(panel.node.querySelectorAll('.jp-OutputArea-output'));
  const inMarkdown = (sel) => markdown.flatMap((m) => Array.from(m.querySelectorAll(sel)));
  const inContent = (sel) => inMarkdown(sel).concat(
    outputs.flatMap((o) => Array.from(o.querySelectorAll(sel))));
  return {
    markdownCount: markdown.length,
    outputCount: outputs.length,
    images: inContent('img').map((img) => ({
      cell: cellOf(img), alt: img.getAttribute('alt'), className: img.className,
      src: (img.getAttribute('src') || '').slice(0, 40), width: img.naturalWidth})),
    headings: inMarkdown('h1, h2, h3, h4, h5, h6').map((h) => ({
      cell: cellOf(h), level: Number(h.tagName[1]), text: text(h).slice(0, 100)})),
    links: inMarkdown('a[href]:not(.jp-InternalAnchorLink)').map((a) => ({
      cell: cellOf(a), text: text(a), href: a.getAttribute('href')})),
    tables: inContent('table').map((t) => ({
      cell: cellOf(t), headers: t.querySelectorAll('th').length,
      firstRowHeaders: t.rows.length ? t.rows[0].querySelectorAll('th').length : 0,
      firstRow: t.rows.length ? text(t.rows[0]).slice(0, 80) : ''})),
    math: inMarkdown('mjx-container').map((m) => {
      const mml = m.querySelector('mjx-assistive-mml math');
      return {
        cell: cellOf(m), display: m.getAttribute('display') === 'true',
        error: !!m.querySelector('mjx-merror'),
        errorText: m.querySelector('mjx-merror') ? text(m.querySelector('mjx-merror')) : '',
        mathml: !!mml, hiddenVisual: !!m.querySelector('mjx-math[aria-hidden="true"]'),
        spoken: mml ? text(mml).slice(0, 80) : '', source: (mml ? mml.outerHTML : '').slice(0, 300)};
    }),
  };
}"""

# Per visible rendered markdown cell: its scroll and client width, and the outermost elements that
# stick out to the right of it, each marked as excepted (inside a table or code) or not.
_REFLOW = """() => {
  const panel = window.__hmPanel;
  const cells = panel.content.widgets;
  return Array.from(panel.node.querySelectorAll('.jp-MarkdownOutput'))
    .filter((m) => m.offsetParent !== null)
    .map((m) => {
      const box = m.getBoundingClientRect();
      const limit = box.left + m.clientLeft + m.clientWidth + 1;
      const out = [];
      for (const child of m.querySelectorAll('*')) {
        const r = child.getBoundingClientRect();
        if (r.width === 0 || r.right <= limit) continue;
        const equation = child.closest('mjx-container');  // an equation sticks out as a whole
        const el = equation && m.contains(equation) ? equation : child;
        const known = out.find((o) => o.el.contains(el));
        if (known) { known.right = Math.max(known.right, r.right); continue; }
        out.push({el: el, right: r.right});
      }
      return {
        cell: cells.findIndex((c) => c.node.contains(m)),
        scroll: m.scrollWidth, client: m.clientWidth,
        equations: Array.from(m.querySelectorAll('mjx-container[display="true"] > mjx-math'))
          .map((e) => Math.round(e.getBoundingClientRect().width)),
        culprits: out.map((o) => {
          const excepted = o.el.closest('table, pre, code');
          return {
            tag: o.el.tagName.toLowerCase(),
            excepted: !!excepted && m.contains(excepted),
            math: !!o.el.closest('mjx-container'),
            overflow: Math.round(o.right - limit),
            text: o.el.textContent.replace(/\\s+/g, ' ').trim().slice(0, 80)};
        }),
      };
    });
}"""

# Per image in the output areas: how many of its pixels are not fully opaque (alpha < 255), read
# from the PNG itself through a canvas, and the alpha of its four corners.
_OPACITY = """async () => {
  const panel = window.__hmPanel;
  const cells = panel.content.widgets;
  const images = Array.from(panel.node.querySelectorAll('.jp-OutputArea-output img'));
  const found = [];
  for (const img of images) {
    await img.decode().catch(() => null);
    const w = img.naturalWidth, h = img.naturalHeight;
    const entry = {cell: cells.findIndex((c) => c.node.contains(img)), width: w, height: h,
                   alt: (img.getAttribute('alt') || '').slice(0, 60)};
    if (!w || !h) { found.push(Object.assign(entry, {error: 'not loaded'})); continue; }
    const canvas = document.createElement('canvas');
    canvas.width = w; canvas.height = h;
    const context = canvas.getContext('2d');
    context.drawImage(img, 0, 0);
    let data;
    try { data = context.getImageData(0, 0, w, h).data; }
    catch (e) { found.push(Object.assign(entry, {error: String(e)})); continue; }
    let translucent = 0;
    for (let i = 3; i < data.length; i += 4) if (data[i] < 255) translucent += 1;
    const alpha = (x, y) => data[(y * w + x) * 4 + 3];
    found.push(Object.assign(entry, {translucent: translucent, pixels: w * h,
      corners: [alpha(0, 0), alpha(w - 1, 0), alpha(0, h - 1), alpha(w - 1, h - 1)]}));
  }
  return found;
}"""

def _set_theme(page, theme):
    """Switch JupyterLab to `theme` with its own command; wait until its CSS is in use."""
    page.evaluate("(theme) => window.jupyterapp.commands.execute('apputils:change-theme', "
                  "{theme: theme})", theme)
    page.wait_for_function("(theme) => document.body.dataset.jpThemeName === theme",
                           arg=theme, timeout=THEME_TIMEOUT * 1000)
    page.wait_for_timeout(500)


def image_problems(images):
    """Images without a useful alt: missing, empty or a placeholder."""
    found = []
    for image in images:
        alt = (image["alt"] or "").strip()
        where = f"cell {image['cell']} img.{image['className'] or '-'} ({image['width']} px)"
        if image["alt"] is None:
            found.append(f"{where} has no alt attribute")
        elif not alt:
            found.append(f"{where} has an empty alt")
        elif alt.lower().rstrip(".") in PLACEHOLDER_ALTS or alt.lower().startswith(PLACEHOLDER_PREFIXES):
            found.append(f"{where} has the placeholder alt {alt!r}")
    return found


def structure_problems(content):
    """Headings out of order, vague links, tables without a header row, equations that a screen
    reader cannot read."""
    found = []
    levels = [h["level"] for h in content["headings"]]
    ones = [h for h in content["headings"] if h["level"] == 1]
    if len(ones) != 1:
        found.append(f"{len(ones)} h1 headings, expected one: {[h['text'] for h in ones]}")
    if levels and levels[0] != 1:
        found.append(f"the first heading is h{levels[0]} ({content['headings'][0]['text']!r}), not h1")
    for before, heading in zip(content["headings"], content["headings"][1:]):
        if heading["level"] > before["level"] + 1:
            found.append(f"cell {heading['cell']}: h{heading['level']} {heading['text']!r} follows "
                         f"h{before['level']} {before['text']!r}, skipping a level")
    for link in content["links"]:
        text = link["text"].strip().lower()
        if text in VAGUE_LINK_TEXTS or not text:
            found.append(f"cell {link['cell']}: link text {link['text']!r} does not say where "
                         f"{link['href']} goes")
        elif text.startswith(("http://", "https://", "www.")):
            found.append(f"cell {link['cell']}: the link shows its bare URL {link['text']!r}")
    for table in content["tables"]:
        if not table["firstRowHeaders"]:
            found.append(f"cell {table['cell']}: table starting {table['firstRow']!r} has no "
                         "header row")
    for math in content["math"]:
        if math["error"]:
            found.append(f"cell {math['cell']}: TeX error {math['errorText']!r}")
        elif not math["mathml"]:
            found.append(f"cell {math['cell']}: equation without assistive MathML: {math['spoken']!r}")
    return found


def reflow_problems(reflow):
    """Rendered markdown that scrolls sideways at 200% zoom because of something other than a
    table or code."""
    found = []
    for cell in reflow:
        if cell["scroll"] <= cell["client"] + 1:
            continue
        blamed = [c for c in cell["culprits"] if not c["excepted"]]
        if blamed or not cell["culprits"]:
            what = "; ".join(f"{'equation' if c['math'] else c['tag']} {c['text']!r} by "
                             f"{c['overflow']} px" for c in blamed) or "nothing found"
            found.append(f"cell {cell['cell']}: markdown {cell['scroll']} px wide in "
                         f"{cell['client']} px ({what})")
    return found


def opacity_problems(opacity):
    """Figure images with pixels a dark theme would show through."""
    found = []
    for image in opacity:
        where = f"cell {image['cell']} image {image['width']}x{image['height']} ({image['alt']!r})"
        if "error" in image:
            found.append(f"{where}: could not be read ({image['error']})")
        elif image["translucent"]:
            found.append(f"{where}: {image['translucent']} of {image['pixels']} pixels are not "
                         f"opaque (corner alphas {image['corners']})")
    return found


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebook_runs_cleanly_and_meets_wcag_21_aa(lab, axe_script, name):
    assert name.endswith(".ipynb"), name
    stem = name.removesuffix(".ipynb")
    page = lab.page
    page.set_viewport_size(VIEWPORT)
    lab.open_notebook(name)
    if page.evaluate("() => document.body.dataset.jpThemeName") != LIGHT:
        _set_theme(page, LIGHT)  # a previous test that stopped half-way may have left it dark
    lab.run_all()
    axe.wait_for_math(page)
    record = {"notebook": name, "axe_version": axe.AXE_VERSION, "viewport": VIEWPORT,
              "run_problems": lab.problems()}
    failures = [f"did not run cleanly: {p}" for p in record["run_problems"]]
    record["screenshot"] = str(lab.screenshot(stem))
    lab.screenshot_widgets(stem)

    axe.inject(page, axe_script)
    content = page.evaluate(_CONTENT)
    assert content["markdownCount"] > 0, f"{name}: no rendered markdown found; nothing was checked"
    course = axe.run(page, {"include": COURSE})
    chrome = axe.run(page, {"exclude": COURSE})
    record.update(course=course, content=content)
    failures += [f"axe: {line}" for line in axe.describe(axe.blocking(course))]
    failures += [f"alt: {p}" for p in image_problems(content["images"])]
    failures += [f"structure: {p}" for p in structure_problems(content)]

    cdp = page.context.new_cdp_session(page)
    cdp.send("Emulation.setDeviceMetricsOverride", ZOOMED)
    try:
        page.wait_for_function("(w) => window.innerWidth === w", arg=ZOOMED["width"])
        page.wait_for_timeout(1500)  # JupyterLab re-lays out its panels on resize
        record["reflow"] = page.evaluate(_REFLOW)
        # through the same CDP session: Playwright's own screenshot would restore its viewport
        shot = cdp.send("Page.captureScreenshot", {"format": "png"})
        (ARTIFACTS / f"{stem}_zoom200.png").write_bytes(base64.b64decode(shot["data"]))
    finally:
        cdp.send("Emulation.clearDeviceMetricsOverride")
        page.set_viewport_size(VIEWPORT)
        cdp.detach()
    failures += [f"reflow at 200%: {p}" for p in reflow_problems(record["reflow"])]

    try:
        _set_theme(page, DARK)
        record["dark_opacity"] = page.evaluate(_OPACITY)
        record["dark_contrast"] = axe.run(page, {"include": COURSE}, rules=["color-contrast"])
        lab.screenshot(f"{stem}_dark")
    finally:
        _set_theme(page, LIGHT)
    failures += [f"dark theme: {p}" for p in opacity_problems(record["dark_opacity"])]
    failures += [f"dark theme axe: {line}"
                 for line in axe.describe(axe.blocking(record["dark_contrast"]))]

    (ARTIFACTS / f"accessibility_{stem}.json").write_text(json.dumps(record, indent=1))
    (ARTIFACTS / f"accessibility_chrome_{stem}.json").write_text(json.dumps(
        {"notebook": name, "axe_version": axe.AXE_VERSION, "violations": chrome}, indent=1))
    assert not failures, f"{name} in JupyterLab:\n  " + "\n  ".join(failures)


# -- canary: every check above finds the fault it is there to find -----------------------------

def _png(width, height, alpha_at):
    """An RGBA PNG, white, with the alpha `alpha_at(x, y)` at each pixel; written by hand (zlib
    and struct) so that the canary depends on no imaging library."""
    import struct
    import zlib
    rows = b"".join(b"\x00" + b"".join(bytes((255, 255, 255, alpha_at(x, y))) for x in range(width))
                    for y in range(height))

    def chunk(kind, data):
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))
    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)  # 8 bits, RGBA
    png = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows))
           + chunk(b"IEND", b""))
    return "data:image/png;base64," + base64.b64encode(png).decode()


def test_the_checks_find_known_faults(browser, axe_script):
    """A page built to break each rule once: the checks must report exactly those faults."""
    opaque = _png(4, 4, lambda x, y: 255)
    corner = _png(4, 4, lambda x, y: 0 if (x, y) == (3, 3) else 255)  # one transparent pixel
    page = browser.new_page(viewport=VIEWPORT)
    try:
        page.set_content(f"""<!doctype html><html lang="en"><head><title>canary</title></head><body>
          <main><div class="jp-NotebookPanel" style="width: 400px">
            <div class="jp-MarkdownOutput" style="width: 300px">
              <h1>Title</h1><h3>A skipped level</h3><h1>A second title</h1>
              <p>See <a href="https://example.org/guide">here</a> and
                 <a href="https://example.org">https://example.org</a>.</p>
              <table><tr><td>no</td><td>header</td></tr></table>
              <p><span style="display: inline-block; width: 600px">a line that cannot wrap</span></p>
              <pre style="width: 600px">code may scroll</pre>
              <mjx-container display="true"><mjx-math>x</mjx-math></mjx-container>
              <img src="{opaque}" width="4" height="4">
            </div>
            <div class="jp-OutputArea-output">
              <img src="{opaque}" alt="A white square, four pixels wide">
              <img src="{corner}" alt="Figure">
              <img src="{opaque}">
            </div>
          </div>
          <img src="{opaque}" class="chrome-icon"></main></body></html>""")
        page.evaluate("() => { window.__hmPanel = {node: document.querySelector('.jp-NotebookPanel'),"
                      " content: {widgets: []}}; }")
        axe.inject(page, axe_script)
        course = axe.run(page, {"include": COURSE})
        chrome = axe.run(page, {"exclude": COURSE})
        content = page.evaluate(_CONTENT)
        reflow = page.evaluate(_REFLOW)
        opacity = page.evaluate(_OPACITY)
    finally:
        page.close()

    missing_alt = {v["id"]: len(v["nodes"]) for v in axe.blocking(course)}
    assert missing_alt.get("image-alt") == 2, course  # one in the markdown, one in an output
    assert [len(v["nodes"]) for v in chrome if v["id"] == "image-alt"] == [1], chrome

    alt = image_problems(content["images"])
    assert len(alt) == 3, alt  # the markdown's image, "Figure" and the output without alt
    assert "no alt attribute" in alt[0] and "'Figure'" in alt[1] and "no alt attribute" in alt[2], alt

    structure = structure_problems(content)
    expected = ["2 h1 headings", "skipping a level", "'here'", "bare URL", "no header row",
                "without assistive MathML"]
    assert len(structure) == len(expected), structure
    for problem, phrase in zip(structure, expected):
        assert phrase in problem, (phrase, structure)

    (blamed,) = reflow_problems(reflow)  # the span, not the <pre>
    assert "span 'a line that cannot wrap'" in blamed, blamed

    assert [image.get("translucent") for image in opacity] == [0, 1, 0], opacity
    (translucent,) = opacity_problems(opacity)
    assert "1 of 16 pixels" in translucent and "[255, 255, 255, 0]" in translucent, translucent
