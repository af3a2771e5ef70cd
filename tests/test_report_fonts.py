"""Issue 21 (class 8): reports of runs whose segment and vendor ids are Chinese, Japanese or Korean.

DejaVu Sans has no CJK glyphs: matplotlib drew empty boxes and warned once a
glyph (86 warnings for one report). The house style now falls back, glyph by
glyph, to an installed CJK font (.ci/run installs Debian's fonts-wqy-microhei);
without one the boxes stay but one MissingGlyphWarning names their script.
"""

from __future__ import annotations

import io
import re
import warnings

import matplotlib as mpl
import numpy as np
import pytest
from chipsim_testing import SCENARIOS, SEED
from PIL import Image

from sim.experiments.explain.measure import ExplainOptions
from sim.interfaces.runner import RunOptions, execute
from sim.report import style
from sim.report.build import build_report
from sim.report.data import load
from sim.report.render import figure_png
from sim.report.writer import write_report

# Vendor and segment ids of the baseline, renamed into Han, kana and Hangul.
RENAMES = {
    "huawei": "华为",
    "cambricon": "寒武纪",
    "others": "その他",
    "state_funded": "国有",
    "private": "민간",
}
NO_CJK_FONT = (
    "no CJK font installed: none of "
    + ", ".join(style.FALLBACK_FONTS)
    + " (Debian: apt-get install fonts-wqy-microhei, as .ci/run does)"
)
GLYPH = "missing from font"


def has_cjk_font() -> bool:
    return len(style.font_families()) > 1


def write_cjk_scenario(folder):
    """Copy the baseline and its priors into ``folder`` with the ids in RENAMES.

    Bare TOML keys are ASCII, so a renamed key is quoted (``vendors."华为".products``);
    ids in strings (``segments = ["private"]``) are replaced in place.
    """
    for name in ("priors.toml", "baseline.toml"):
        text = (SCENARIOS / name).read_text(encoding="utf-8")
        for old, new in RENAMES.items():
            text = text.replace(f'"{old}"', f'"{new}"')
            text = re.sub(rf'(?<![\w"]){old}(?![\w"])', f'"{new}"', text)
        (folder / name).write_text(text, encoding="utf-8")
    return folder / "baseline.toml"


@pytest.fixture(scope="module")
def cjk_run(tmp_path_factory):
    """A small run (60 replications, two levels) of the baseline with CJK ids."""
    folder = tmp_path_factory.mktemp("cjk")
    scenario = write_cjk_scenario(folder)
    out = folder / "run"
    execute(
        scenario,
        RunOptions(
            replications=60,
            seed=SEED,
            levels=["announced", "0.5"],
            out_dir=out,
            explain=ExplainOptions(replications=20),
        ),
    )
    return out


@pytest.fixture(scope="module")
def cjk_doc(cjk_run):
    return build_report(load(cjk_run))


def block(doc, key):
    (found,) = [b for b in doc.figures() if b.key == key]
    return found


def test_the_scenario_really_has_cjk_ids(cjk_run):
    manifest = (cjk_run / "manifest.json").read_text(encoding="utf-8")
    for new in RENAMES.values():
        assert new in manifest or new.encode("unicode_escape").decode() in manifest


def test_font_families_start_with_dejavu_and_list_only_fonts_matplotlib_finds():
    from matplotlib import font_manager

    families = style.font_families()
    assert families[0] == "DejaVu Sans"
    for name in families:  # none is a guess that findfont would replace (and warn about)
        path = font_manager.findfont(name, fallback_to_default=False)
        assert name in {f.name for f in font_manager.fontManager.ttflist if f.fname == path}


def test_house_style_sets_the_fallback_inside_the_block_only():
    before = list(mpl.rcParams["font.family"])
    with style.house_style():
        assert mpl.rcParams["font.family"] == list(style.font_families())
    assert list(mpl.rcParams["font.family"]) == before


@pytest.mark.slow
def test_cjk_report_draws_without_missing_glyph_warnings(cjk_run, tmp_path):
    if not has_cjk_font():
        pytest.skip(NO_CJK_FONT)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        html, pdf = write_report(cjk_run, "both", output=tmp_path / "report")
    messages = [str(w.message) for w in caught]
    assert not [m for m in messages if GLYPH in m]
    assert not [w for w in caught if issubclass(w.category, style.MissingGlyphWarning)]
    assert "华为" in html.read_text(encoding="utf-8")
    embedded = pdf.read_bytes().lower()  # the PDF embeds the fallback font it drew with
    assert any(
        name.replace(" ", "").lower().encode() in embedded for name in style.font_families()[1:]
    )


def render_label(text: str, families: list[str]) -> np.ndarray:
    """Grey pixels of ``text`` drawn alone at 40 pt in ``families``."""
    fig = style.new_figure(3, 0.8)
    fig.text(0.05, 0.3, text, fontsize=40, family=families)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=60, facecolor="white")
    return np.asarray(Image.open(buffer).convert("L"), dtype=int)


@pytest.mark.parametrize(
    "first, second", [("华", "为"), ("そ", "の"), ("민", "간")], ids=["han", "kana", "hangul"]
)
def test_fallback_draws_the_characters_not_tofu_boxes(first, second):
    """DejaVu alone draws every CJK character as the same box; the fallback draws glyphs."""
    with style.house_style(), warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*" + GLYPH, category=UserWarning)
        tofu = [render_label(c, ["DejaVu Sans"]) for c in (first, second)]
        assert np.array_equal(*tofu)  # the .notdef box, whatever the character
        if not has_cjk_font():
            pytest.skip(NO_CJK_FONT)
        drawn = [render_label(c, list(style.font_families())) for c in (first, second)]
    assert not np.array_equal(*drawn)  # two characters, two shapes
    for glyph, box in zip(drawn, tofu, strict=True):
        assert (glyph < 128).sum() > 20  # ink on the page
        assert not np.array_equal(glyph, box)


def label_pixels(doc, key: str, label: str) -> np.ndarray:
    """Grey pixels of the text ``label`` in the report figure ``key``, drawn in the house style."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.text import Text

    with style.house_style():
        fig = block(doc, key).make(compact=False)
        canvas = FigureCanvasAgg(fig)
        canvas.draw()
        text = fig.findobj(
            lambda a: isinstance(a, Text) and a.get_visible() and a.get_text() == label
        )[0]
        box = text.get_window_extent(canvas.get_renderer())
    image = np.asarray(canvas.buffer_rgba())[..., :3].mean(axis=2)
    top = image.shape[0]
    return image[int(top - box.y1) : int(np.ceil(top - box.y0)), int(box.x0) : int(np.ceil(box.x1))]


@pytest.mark.parametrize(
    "key, label",
    [
        ("compliance", "国有"),
        ("timeline", "H200: approved 500k (민간)"),
        ("supply", "华为"),
        ("supply", "その他"),
    ],
    ids=["segment-han", "segment-hangul", "vendor-han", "vendor-kana"],
)
def test_report_labels_are_drawn_not_boxed(cjk_doc, monkeypatch, key, label):
    """Where a report figure draws a CJK id, its pixels differ from DejaVu's boxes."""
    if not has_cjk_font():
        pytest.skip(NO_CJK_FONT)
    drawn = label_pixels(cjk_doc, key, label)
    monkeypatch.setattr(style, "font_families", lambda: ("DejaVu Sans",))
    monkeypatch.setattr(style, "_SUMMARISED", set())
    with pytest.warns(style.MissingGlyphWarning):
        boxed = label_pixels(cjk_doc, key, label)
    assert (drawn < 128).sum() > 20  # ink where the label is
    assert drawn.shape != boxed.shape or not np.array_equal(drawn, boxed)


@pytest.mark.slow
def test_without_a_cjk_font_one_warning_names_the_script(cjk_doc, monkeypatch):
    """The README's Quick start without fonts-wqy-microhei: boxes, and one warning line."""
    monkeypatch.setattr(style, "font_families", lambda: ("DejaVu Sans",))
    monkeypatch.setattr(style, "_SUMMARISED", set())
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        # vendors (Han, kana), a segment (Han), then segments in Hangul too
        for key in ("supply", "compliance", "timeline"):
            figure_png(block(cjk_doc, key))
    assert not [w for w in caught if GLYPH in str(w.message)]
    summaries = [w for w in caught if issubclass(w.category, style.MissingGlyphWarning)]
    assert len(summaries) == 1
    text = str(summaries[0].message)
    assert "CJK (" in text and "Han" in text and "fonts-wqy-microhei" in text
    assert "DejaVu Sans" in text


def test_other_warnings_pass_through_unchanged():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with style.house_style():
            warnings.warn("something else", RuntimeWarning, stacklevel=1)
    assert [(w.category, str(w.message)) for w in caught] == [(RuntimeWarning, "something else")]
    assert caught[0].filename == __file__


def test_scripts_are_named_from_unicode():
    assert [style.script(c) for c in "华そカ민ㄅAक"] == [
        "Han",
        "Kana",
        "Kana",
        "Hangul",
        "Bopomofo",
        "Latin",
        "Devanagari",
    ]
    # characters of no script (arrows, math signs) share one group, not one per name
    assert [style.script(c) for c in "→≤€"] == ["symbols"] * 3


def test_the_ci_installs_the_font():
    ci = (SCENARIOS.parent / ".ci" / "run").read_text(encoding="utf-8")
    assert style.FONT_PACKAGE in ci


# Issue 20: the smallest text a figure draws, found by walking its text artists.


def hand_made_figure():
    """A figure whose every kind of text has a known size; the smallest, 6.5 pt, is a bar label."""
    fig = style.new_figure(4, 3)
    ax = fig.add_subplot()
    bars = ax.bar([0, 1], [1, 2], label="bars")
    ax.set_title("Title", fontsize=12)
    ax.set_xlabel("x", fontsize=11)
    ax.tick_params(labelsize=10.5)
    ax.legend(fontsize=9).set_title("Legend", prop={"size": 8.5})
    ax.annotate("note", (0, 1), fontsize=7.5)
    ax.bar_label(bars, fontsize=6.5)
    ax.text(0.5, 0.5, "hidden", fontsize=3, visible=False)
    ax.text(0.5, 0.5, "   ", fontsize=2)  # draws nothing
    fig.suptitle("Figure title", fontsize=13)
    return fig


def test_min_font_size_finds_the_smallest_drawn_text():
    fig = hand_made_figure()
    assert style.min_font_size(fig) == 6.5
    small = style.small_texts(fig, floor=9)
    assert sorted(size for size, _ in small) == [6.5, 6.5, 7.5, 8.5]
    assert {text for _, text in small} >= {"note", "Legend"}


def test_min_font_size_sees_tick_labels_and_ignores_legend_only_axes():
    fig = style.new_figure(4, 3)
    ax = fig.add_subplot()
    ax.plot([0, 1], [0, 1])
    ax.tick_params(axis="y", labelsize=5)
    assert style.min_font_size(fig) == 5
    off = fig.add_subplot(2, 1, 2)
    off.set_axis_off()  # its (default-size) tick labels are never drawn
    off.tick_params(labelsize=1)
    assert style.min_font_size(fig) == 5


@pytest.mark.slow
@pytest.mark.parametrize("compact", [False, True], ids=["wide", "compact"])
def test_every_report_figure_is_at_least_min_font_pt(cjk_doc, compact):
    """Every figure of a report, in both layouts: no text below MIN_FONT_PT (10 pt)."""
    for figure in cjk_doc.figures():
        with style.house_style():
            fig = figure.make(compact=compact)
            assert style.small_texts(fig) == [], figure.key
