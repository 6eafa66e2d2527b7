"""The lecture decks (scripts/build_slides.py) open offline in a real browser and fit their slides.

Each chapter's deck is built once per run (module-scoped fixture) and opened in headless
Chromium (Debian's ``chromium``, driven by playwright; no browser download). For every
deck the test steps through all slides and fails when

- a slide's content does not fit the reveal.js slide area of 1280 x 720 CSS pixels: the
  slide ``section`` is measured in the slide's own, unscaled coordinates (its top-left
  corner relative to reveal's ``.slides`` box, divided by ``Reveal.getScale()``, plus its
  ``scrollWidth`` / ``scrollHeight``, which include overflowing descendants), and so is any
  element inside it that clips its content (``overflow`` other than ``visible`` with a
  ``scrollWidth`` / ``scrollHeight`` larger than its client box: a code line cut off
  behind a scroll bar);
- an image has not loaded (``naturalWidth == 0``);
- the page asks for anything that is not a local file or a ``data:`` URL (such requests
  are blocked, so a test run never reaches the network), or a local file is missing;
- a script raises.

Screenshots of the first three slides of each deck go to the test's ``tmp_path``. A deck
built from a notebook made to overflow checks that the detector fires.
"""

import importlib.util
import os
import shutil
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                  "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync"]
SCREENSHOTS_PER_DECK = 3
TOLERANCE_PX = 1  # sub-pixel rounding of layout boxes

if not os.access(CHROMIUM, os.X_OK):
    pytest.skip("headless Chromium is not installed (apt-get install chromium)",
                allow_module_level=True)
if shutil.which("npm") is None or shutil.which("node") is None:
    pytest.skip("node and npm are needed to install reveal.js (apt-get install nodejs npm)",
                allow_module_level=True)

sync_playwright = pytest.importorskip(
    "playwright.sync_api", reason="the playwright package is not installed (requirements.txt)"
).sync_playwright


def _load_build_module():
    spec = importlib.util.spec_from_file_location("build_slides",
                                                  ROOT / "scripts" / "build_slides.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


build_slides = _load_build_module()
CHAPTERS = [twin.stem for twin in build_slides.chapter_twins()]

# Measures the current slide; returns the extent of its content in slide pixels and every
# clipping element inside it. Runs in the page.
MEASURE_SLIDE_JS = """
(slide) => {
    const config = Reveal.getConfig();
    const scale = Reveal.getScale();
    const area = document.querySelector(".reveal .slides").getBoundingClientRect();
    const box = slide.getBoundingClientRect();
    const top = (box.top - area.top) / scale;
    const left = (box.left - area.left) / scale;
    const clipped = [];
    for (const element of slide.querySelectorAll("*")) {
        // MathJax's copy of each formula for screen readers is clipped on purpose.
        if (element.tagName === "MJX-ASSISTIVE-MML") { continue; }
        const style = getComputedStyle(element);
        const hiddenX = element.scrollWidth - element.clientWidth;
        const hiddenY = element.scrollHeight - element.clientHeight;
        if ((style.overflowX !== "visible" && hiddenX > %(tolerance)d) ||
            (style.overflowY !== "visible" && hiddenY > %(tolerance)d)) {
            clipped.push(`${element.tagName.toLowerCase()}.${element.className} hides ` +
                         `${hiddenX}x${hiddenY} px: ` +
                         JSON.stringify(element.textContent.trim().slice(0, 60)));
        }
    }
    return {
        width: config.width, height: config.height,
        top: top, left: left,
        right: left + slide.scrollWidth, bottom: top + slide.scrollHeight,
        clipped: clipped,
        heading: (slide.querySelector("h1, h2, h3") || {textContent: ""}).textContent.trim(),
        title: (slide.querySelector("h1") || {textContent: ""}).textContent.trim(),
    };
}
""" % {"tolerance": TOLERANCE_PX}

WAIT_READY_JS = """
async () => {
    while (!(window.Reveal && Reveal.isReady())) {
        await new Promise((resolve) => setTimeout(resolve, 20));
    }
    if (window.MathJax && MathJax.startup) { await MathJax.startup.promise; }
    await document.fonts.ready;
    await Promise.all(Array.from(document.images, (image) => image.decode().catch(() => null)));
    Reveal.configure({transition: "none", backgroundTransition: "none"});
    Reveal.layout();
}
"""

BROKEN_IMAGES_JS = """
() => Array.from(document.images)
    .filter((image) => !image.complete || image.naturalWidth === 0)
    .map((image) => image.getAttribute("src").slice(0, 80))
"""


def inspect_deck(context, deck, screenshot_dir=None):
    """Opens a deck, steps through every slide and reports what a lecture would trip over."""
    report = {"external_requests": [], "failed_requests": [], "page_errors": [],
              "overflowing": [], "headings": [], "titles": [], "positions": []}
    page = context.new_page()

    def route(route_request):
        url = route_request.request.url
        if url.startswith(("file:", "data:", "blob:")):
            route_request.continue_()
        else:
            report["external_requests"].append(url)
            route_request.abort()

    page.route("**/*", route)
    page.on("requestfailed", lambda request: report["failed_requests"].append(
        f"{request.url[:100]} ({request.failure})"))
    page.on("pageerror", lambda error: report["page_errors"].append(str(error)))
    page.goto(deck.as_uri())
    page.evaluate(WAIT_READY_JS)
    report["total_slides"] = page.evaluate("Reveal.getTotalSlides()")
    report["broken_images"] = page.evaluate(BROKEN_IMAGES_JS)
    for number in range(report["total_slides"]):
        page.evaluate("(n) => { const slide = Reveal.getSlides()[n];"
                      " const at = Reveal.getIndices(slide); Reveal.slide(at.h, at.v); }",
                      number)
        slide = page.evaluate_handle("Reveal.getCurrentSlide()")
        measured = page.evaluate(MEASURE_SLIDE_JS, slide)
        report["positions"].append(page.evaluate("[Reveal.getIndices().h, Reveal.getIndices().v]"))
        report["headings"].append(measured["heading"])
        report["titles"].append(measured["title"])
        past_edges = {
            "top": -measured["top"], "left": -measured["left"],
            "bottom": measured["bottom"] - measured["height"],
            "right": measured["right"] - measured["width"],
        }
        problems = [f"{edge} edge by {pixels:.0f} px" for edge, pixels in past_edges.items()
                    if pixels > TOLERANCE_PX]
        problems += measured["clipped"]
        if problems:
            report["overflowing"].append(
                f"slide {number + 1} ({measured['heading'][:50]!r}): " + "; ".join(problems))
        if screenshot_dir is not None and number < SCREENSHOTS_PER_DECK:
            page.screenshot(path=str(screenshot_dir / f"{deck.stem}-{number + 1}.png"))
    page.close()
    return report


@pytest.fixture(scope="module")
def deck_dir(tmp_path_factory):
    output_dir = tmp_path_factory.mktemp("slides")
    build_slides.build_all(output_dir)
    return output_dir


@pytest.fixture(scope="module")
def browser_context(tmp_path_factory):
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("chromium-profile")),
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_FLAGS,
            viewport={"width": build_slides.SLIDE_WIDTH, "height": build_slides.SLIDE_HEIGHT},
            service_workers="block")
        yield context
        context.close()


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_deck_fits_and_works_offline(chapter, deck_dir, browser_context, tmp_path):
    report = inspect_deck(browser_context, deck_dir / f"{chapter}.slides.html", tmp_path)
    print(f"{chapter}: {report['total_slides']} slides")
    assert report["external_requests"] == [], "the deck asks for files outside its folder"
    assert report["failed_requests"] == [], "local files the deck needs are missing"
    assert report["page_errors"] == []
    assert report["broken_images"] == []
    assert report["overflowing"] == [], "\n".join(report["overflowing"])
    assert len(list(tmp_path.glob("*.png"))) == SCREENSHOTS_PER_DECK
    # A title slide (the notebook's "# NN · Title" cell) opens the deck, and the summary
    # closes the lecture: its slide is the last one, or only the exercises follow it.
    assert report["titles"][0], f"the first slide has no title (h1): {report['headings'][0]!r}"
    section_heads = {h: heading for (h, v), heading in zip(report["positions"],
                                                           report["headings"]) if v == 0}
    last = max(section_heads)
    closing = last - 1 if "Exercises" in section_heads[last] else last
    assert "Summary" in section_heads[closing], (
        f"the lecture closes with {section_heads[closing]!r}, not a summary")


def overflowing_notebook():
    """A notebook whose slides 2 to 4 overflow, with a broken and a remote image on slide 5."""
    slide = {"slideshow": {"slide_type": "slide"}}
    cells = [
        nbformat.v4.new_markdown_cell("# 99 · Fits\n\nOne short line.", metadata=slide),
        nbformat.v4.new_markdown_cell(
            "## Too tall\n\n" + "\n\n".join(f"Paragraph {i}." for i in range(40)),
            metadata=slide),
        nbformat.v4.new_code_cell("x = " + " + ".join(["1"] * 120), metadata=slide),
        nbformat.v4.new_markdown_cell(
            "## Too wide\n\n<div style='width: 1500px'>a box wider than the slide</div>",
            metadata=slide),
        nbformat.v4.new_markdown_cell(
            "## Images\n\n<img src='missing.png' alt='missing'>", metadata=slide),
        # An output that loads an image from the web (the build leaves outputs alone).
        nbformat.v4.new_code_cell("show_remote_image()", outputs=[nbformat.v4.new_output(
            "display_data",
            data={"text/html": "<img src='https://example.invalid/remote.png' alt='remote'>"})]),
        nbformat.v4.new_markdown_cell("## Summary\n\nIt fits.", metadata=slide),
    ]
    return nbformat.v4.new_notebook(cells=cells)


def test_detector_flags_overflow_broken_images_and_remote_requests(deck_dir,
                                                                   browser_context):
    deck = build_slides.build_deck(overflowing_notebook(), "99_overflow", deck_dir)
    report = inspect_deck(browser_context, deck)
    assert report["total_slides"] == 6
    flagged = [line.split(" ", 2)[1] for line in report["overflowing"]]
    assert flagged == ["2", "3", "4"], report["overflowing"]
    assert "bottom edge" in report["overflowing"][0]
    assert "right edge" in report["overflowing"][1]  # the long code line
    assert "right edge" in report["overflowing"][2]  # the wide box
    assert report["external_requests"] == ["https://example.invalid/remote.png"]
    assert any("missing.png" in failure for failure in report["failed_requests"])
    assert len(report["broken_images"]) == 2
    assert report["page_errors"] == []
