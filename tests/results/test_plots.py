"""The figure style: units on every axis, scenario and seed in the title, one palette, concise date
ticks, legends outside the data, SPV issuer defaults marked, losses named for what they are."""

import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import pytest
from matplotlib.colors import to_hex

import aicontagion as ac
from aicontagion.results import style
from aicontagion.results.plots import plot_paths, spv_defaults
from tests.conftest import MINI

DISTRESS = {"institutions.lab.opex": 60.0, "institutions.lab.cash": 5.0}


@pytest.fixture(scope="module")
def sims():
    return {p: ac.Sim(MINI, productivity=p, seed=4, months=48, **DISTRESS).run() for p in ("fast", "disproven")}


def _legend_outside(ax):
    leg = ax.get_legend()
    if leg is None:
        return True
    fig = ax.figure
    fig.canvas.draw()
    box, frame = leg.get_window_extent(), ax.get_window_extent()
    return box.x0 >= frame.x1 - 1 or box.y0 >= frame.y1 - 1 or box.x1 <= frame.x0 + 1


@pytest.mark.parametrize("what", ["overview", "thermometer", "losses", "defaults", "prices"])
def test_every_axis_is_labelled_and_the_run_is_named(sims, what):
    sim = sims["disproven"]
    fig = sim.plot(what)
    assert "mini" in fig.get_suptitle() and "seed 4" in fig.get_suptitle() and "disproven" in fig.get_suptitle()
    cap = fig.get_supxlabel()
    assert "seed 4" in cap and sim.provenance["scenario_hash"] in cap and sim.provenance["code_version"] in cap
    for ax in fig.axes:
        assert ax.get_ylabel(), (what, ax.get_title())
        assert ax.get_xlabel(), (what, ax.get_title())
        assert _legend_outside(ax), (what, ax.get_title())
        if ax.get_xlabel().startswith("date"):
            assert isinstance(ax.xaxis.get_major_formatter(), mdates.ConciseDateFormatter)
    plt.close(fig)


def test_one_colour_per_kind_across_figures(sims):
    fig = sims["disproven"].plot("overview")
    equity_ax, holder_ax = fig.axes[1], fig.axes[5]
    for line in equity_ax.get_lines():
        if line.get_label() in style.KIND_COLOURS:
            assert to_hex(line.get_color()) == style.KIND_COLOURS[line.get_label()]
    names = [t.get_text().replace(" ", "_") for t in holder_ax.get_xticklabels()]
    for bar, name in zip(holder_ax.patches, names, strict=True):
        assert to_hex(bar.get_facecolor()) == style.PALETTE[name]
    plt.close(fig)


def test_losses_are_named_marked_to_market(sims):
    fig = plot_paths(sims)
    titles = " ".join(ax.get_title() for ax in fig.axes)
    assert "marked to market" in titles and "cumulative losses" not in titles
    assert "marked to market" in fig.get_supxlabel()
    plt.close(fig)


@pytest.fixture(scope="module")
def ai_paths():  # ai_2025's disproven path loses an SPV issuer (hyperion) in month 174 of seed 7
    return {p: ac.Sim("ai_2025", productivity=p, seed=7, months=180).run() for p in ("fast", "disproven")}


def test_paths_use_the_path_colours_and_mark_spv_defaults(ai_paths):
    sims = ai_paths
    fig = plot_paths(sims)
    revenue = fig.axes[0]
    by_label = {line.get_label(): to_hex(line.get_color()) for line in revenue.get_lines()}
    assert by_label["fast"] == style.PATH_COLOURS["fast"] and by_label["disproven"] == style.PATH_COLOURS["disproven"]
    price_ax = fig.axes[3]
    n_spv = sum(len(spv_defaults(s.events)) for s in sims.values())
    marks = [c for c in price_ax.collections if c.get_label() == "SPV issuer defaults" or len(c.get_offsets()) == 1]
    assert n_spv >= 1 and len(marks) == n_spv
    assert "issuer defaults" in price_ax.get_title()
    plt.close(fig)


def test_style_helpers():
    assert style.seeds_text(1) == "seed 1"
    assert style.seeds_text([3, 1]) == "seeds 1, 3"
    assert style.seeds_text(range(10)) == "10 seeds (0-9)"
    assert style.axis_label("ai_revenue") == "AI end revenue (USD bn / year)"
    assert style.unit("price_gpu") == "index, 1 = start" and style.unit("loss_market") == "USD bn, to date"
    assert (
        style.colour("bank") == style.PALETTE["bank"]
        and style.colour("fire_sale") == style.CHANNEL_COLOURS["fire_sale"]
    )
    assert style.colour("slow") == style.PATH_COLOURS["slow"]
    assert style.setup_colours(["a", "base", "b"]) == {
        "a": style.CYCLE[0],
        "base": style.PATH_COLOURS["base"],
        "b": style.CYCLE[1],
    }


def test_defaults_axis_spans_the_run_even_without_defaults():
    sim = ac.Sim(MINI, productivity="fast", seed=1, months=24).run()
    assert (sim.events["event"] == "default").sum() == 0
    fig = sim.plot("defaults")
    lo, hi = (mdates.num2date(x).replace(tzinfo=None) for x in fig.axes[0].get_xlim())
    dates = sim.timeseries["date"]
    assert lo == dates.min() and hi == dates.max()  # not 1970
    plt.close(fig)


def test_holder_bars_leave_out_what_rounds_to_zero(sims):
    fig = sims["disproven"].plot("losses")
    ax = fig.axes[0]
    assert all(abs(b.get_height()) >= 0.05 for b in ax.patches)
    plt.close(fig)
