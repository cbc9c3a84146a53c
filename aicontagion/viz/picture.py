"""The network picture of a recorded run: artists created once, their data updated every frame.

A :class:`NetworkPicture` draws one system on one axes with a layout fixed for the whole run
(:func:`~aicontagion.viz.layout.tiered_layout`: the risk chain from the final holders on the
left to the chip suppliers on the right):

* node area grows with the balance sheet (square root of total assets);
* node colour is health (:func:`health`): equity and the equity ratio (equity / assets), each
  relative to the institution's opening level, the lower of the two, red (wiped out) to green
  (as strong as at the start or stronger); an orange ring marks a distressed institution and a
  dark node with a white cross a defaulted one (a supernode's cross grows with the share of its
  members that defaulted);
* line width grows with exposure (square root), and lines that carried a loss in the month are
  drawn again on top in red;
* the title gives the date; a caption gives cumulative losses and defaults by kind, and a second
  one, on the right, the financing chain (private credit's AI exposure, banks' claims on funds
  and SPVs, the capex order book).

:class:`NetworkAnimation` puts one picture per run side by side above a timeline of losses and
defaults and a legend, and saves it frame by frame. Nothing here touches pyplot's global state.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path

import matplotlib
import numpy as np
from matplotlib.artist import Artist
from matplotlib.cm import ScalarMappable
from matplotlib.collections import LineCollection
from matplotlib.colors import Normalize
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from aicontagion.core.kinds import Kind, Status
from aicontagion.viz.captions import caption, chain_caption, plain
from aicontagion.viz.frames import Frames
from aicontagion.viz.layout import short_label, tier_headings, tier_of, tier_slots, tiered_layout
from aicontagion.viz.writers import movie_writer, output_format

HEALTH_CMAP = matplotlib.colormaps["RdYlGn"]
HEALTH_NORM = Normalize(0.0, 1.2)
NO_HEALTH = "#c5ccd6"  # no opening equity to compare with (the government)
DEFAULTED = "#2b2b2b"
DISTRESSED = "#ff7f0e"
EDGE = (0.33, 0.40, 0.50, 0.28)
LOSS = "#d7191c"
RUN_COLOURS = ("#d7191c", "#1f77b4", "#2ca02c", "#9467bd")


@dataclass
class Scales:
    """Largest node assets and pair exposure (USD bn) shown: shared by side-by-side pictures."""

    assets: float
    exposure: float

    @classmethod
    def of(cls, runs: list[Frames]) -> Scales:
        """Scales covering every frame of every run."""
        assets = max(
            [float(r.assets.max(initial=0.0)) for r in runs] + [float(r.assets0.max(initial=0.0)) for r in runs]
        )
        expo = max(float(r.exposure.max(initial=0.0)) for r in runs)
        return cls(max(assets, 1e-9), max(expo, 1e-9))


def health(frames: Frames, t: int) -> np.ndarray:
    """Health at frame ``t``: the lower of equity and equity ratio (equity / assets), each relative
    to its opening level (1 = as at the start, 0 = wiped out; NaN: no opening equity).

    The ratio shows leverage building up; equity alone shows an unlevered holder's losses (an ETF
    holder's equity ratio stays 1 while its assets fall)."""
    e, a = frames.equity[t], frames.assets[t]
    e0, a0 = frames.equity0, frames.assets0
    ok = (a0 > 0) & (e0 > 0)
    ratio = np.divide(e, a, out=np.zeros_like(a), where=a > 0) / np.divide(e0, a0, out=np.ones_like(a), where=ok)
    level = np.divide(e, e0, out=np.zeros_like(a), where=ok)
    return np.where(ok, np.maximum(np.minimum(ratio, level), 0.0), np.nan)


def node_area(assets: np.ndarray, scale: float) -> np.ndarray:
    """Marker area (points^2) for total assets (USD bn)."""
    return 14.0 + 1300.0 * np.sqrt(np.maximum(assets, 0.0) / scale)


def dormant(frames: Frames, t: int) -> np.ndarray:
    """Nodes with no assets at the start, none in frame ``t`` and no exposure line in it (a
    build-out vehicle that has not opened yet; never the government), ``(n,)``."""
    touched = np.zeros(frames.n, dtype=bool)
    touched[frames.pairs[frames.exposure[t] > 0].ravel()] = True
    return (frames.assets0 <= 0) & (frames.assets[t] <= 0) & ~touched & (frames.kind != int(Kind.GOVERNMENT))


def line_width(exposure: np.ndarray, scale: float) -> np.ndarray:
    """Line width (points) for an exposure (USD bn); zero when there is none."""
    return np.where(exposure > 0, 0.35 + 5.0 * np.sqrt(np.maximum(exposure, 0.0) / scale), 0.0)


def _curves(pos: np.ndarray, pairs: np.ndarray, aspect: float = 2.4, points: int = 16) -> np.ndarray:
    """Quadratic Bezier curves ``(E, points, 2)`` from creditor to obligor, bent to their left.

    Bends are computed with y stretched by ``aspect`` (the picture's height per unit of y over
    its width per unit of x), so they look alike in every direction; lines within one tier bend
    further to clear the nodes between their ends.
    """
    if len(pairs) == 0:
        return np.zeros((0, points, 2))
    scale = np.array([1.0, aspect])
    p0, p2 = pos[pairs[:, 0]] * scale, pos[pairs[:, 1]] * scale
    d = p2 - p0
    normal = np.column_stack([-d[:, 1], d[:, 0]])
    same_tier = np.abs(d[:, 0]) < 0.65  # within one column (or its sub-columns)
    bend = np.where(same_tier, 0.22, 0.1)[:, None]
    p1 = (p0 + p2) / 2 + bend * normal
    s = np.linspace(0.0, 1.0, points)[None, :, None]
    curve = (1 - s) ** 2 * p0[:, None] + 2 * (1 - s) * s * p1[:, None] + s**2 * p2[:, None]
    return curve / scale


class NetworkPicture:
    """One recorded run drawn on ``ax``; :meth:`update` shows frame ``t`` by changing artist data.

    Args:
        ax: the axes to draw on.
        frames: the recording (already aggregated if large).
        scales: node and line scales (shared between side-by-side pictures).
        max_labels: label at most this many nodes (see :func:`labelled_nodes`).
        pos: node positions ``(n, 2)`` to reuse (None: :func:`tiered_layout` of the whole run).
    """

    def __init__(
        self, ax, frames: Frames, scales: Scales | None = None, max_labels: int = 60, pos: np.ndarray | None = None
    ):
        self.ax, self.frames = ax, frames
        self.scales = scales or Scales.of([frames])
        if pos is None:
            peak = frames.exposure.max(axis=0) if frames.T else np.zeros(len(frames.pairs))
            pos = tiered_layout(frames.kind, frames.pairs, peak, size=frames.assets0)
        self.pos = np.asarray(pos, dtype=float)
        self.order = np.argsort(-frames.assets0, kind="stable")  # big nodes first, small on top
        columns = len(tier_slots(frames.kind))
        ax.set_xlim(-0.5, columns - 0.25)
        ax.set_ylim(-0.17, 1.13)
        ax.set_axis_off()
        box = ax.get_position()
        width, height = self.ax.get_figure().get_size_inches() * (box.width, box.height)
        segments = _curves(self.pos, frames.pairs, aspect=(height / 1.3) / (width / (columns + 0.25)))
        for x, text in tier_headings(frames.kind).items():
            ax.text(x, 1.085, text, ha="center", va="center", fontsize=8, color="#555555")
        self.lines = LineCollection(segments, colors=[EDGE], linewidths=0.0, zorder=1, capstyle="round")
        self.hot = LineCollection(segments, colors=LOSS, linewidths=0.0, zorder=2, alpha=0.85, capstyle="round")
        ax.add_collection(self.lines)
        ax.add_collection(self.hot)
        xy = self.pos[self.order]
        self.nodes = ax.scatter(xy[:, 0], xy[:, 1], s=20.0, zorder=3)
        self.crosses = ax.scatter(xy[:, 0], xy[:, 1], s=0.0, marker="x", c="white", linewidths=1.3, zorder=4)
        radius = np.sqrt(node_area(frames.assets.max(axis=0, initial=0.0), self.scales.assets)) / 2
        self.labelled = labelled_nodes(frames, max_labels)
        self.labels = [
            ax.annotate(
                plain(short_label(frames.names[i])),
                self.pos[i],
                xytext=(radius[i] + 2.5, 0),
                textcoords="offset points",
                va="center",
                fontsize=6.5,
                zorder=5,
                bbox={"boxstyle": "round,pad=0.08", "fc": "white", "ec": "none", "alpha": 0.55},
            )
            for i in self.labelled
        ]
        self.title = ax.text(
            0.5, 1.015, plain(frames.label), fontsize=10.5, ha="center", va="bottom", transform=ax.transAxes
        )
        self.caption = ax.text(0.0, -0.115, "", fontsize=8.5, va="center", ha="left", transform=ax.transData)
        self.chain = ax.text(
            columns - 0.25, -0.115, "", fontsize=7.5, va="center", ha="right", color="#444444", transform=ax.transData
        )
        self.dynamic = [self.lines, self.hot, self.nodes, self.crosses, self.title, self.caption, self.chain]
        self.restyled = False  # a static artist (a label's colour) changed in the last update
        self._grey = np.zeros(len(self.labels), dtype=bool)

    def update(self, t: int) -> list:
        """Show frame ``t`` (clamped to the recording); returns the artists changed."""
        f = self.frames
        t = min(max(t, 0), f.T - 1)
        o = self.order
        status = f.status[t]
        h = health(f, t)
        face = np.where(np.isnan(h)[:, None], matplotlib.colors.to_rgba_array(NO_HEALTH), HEALTH_CMAP(HEALTH_NORM(h)))
        dead = status == Status.DEFAULTED
        face[dead] = matplotlib.colors.to_rgba(DEFAULTED)
        ring = np.where(
            (status == Status.DISTRESSED)[:, None], matplotlib.colors.to_rgba(DISTRESSED), (0.2, 0.2, 0.2, 1)
        )
        area = node_area(f.assets[t], self.scales.assets)
        area = np.where(dead, np.maximum(area, node_area(f.assets0, self.scales.assets) * 0.5), area)
        area[dormant(f, t) & ~dead] = 0.0  # a build-out vehicle appears with its first contract
        self.nodes.set_sizes(area[o])
        self.nodes.set_facecolors(face[o])
        self.nodes.set_edgecolors(ring[o])
        self.nodes.set_linewidths(np.where(status == Status.DISTRESSED, 2.4, 0.6)[o])
        share = f.defaulted[t] / np.maximum(f.members, 1)  # a supernode's cross grows with its defaults
        self.crosses.set_sizes((area * 0.3 * share)[o])
        cross = np.where(dead[:, None], matplotlib.colors.to_rgba("white"), matplotlib.colors.to_rgba(DEFAULTED))
        self.crosses.set_facecolors(cross[o])
        self.crosses.set_edgecolors(cross[o])
        self.lines.set_linewidths(line_width(f.exposure[t], self.scales.exposure))
        self.hot.set_linewidths(np.where(carried_loss(f, t), line_width(f.loss[t], self.scales.exposure) + 0.8, 0.0))
        grey = dead[self.labelled]
        self.restyled = bool((grey != self._grey).any())
        for text, g in zip(self.labels, grey, strict=True):
            text.set_color("#8a8a8a" if g else "black")
        self._grey = grey
        self.title.set_text(plain(f"{f.label}\n{f.dates[t]}  (month {f.months[t]})"))
        self.caption.set_text(plain(caption(f, t)))
        self.chain.set_text(chain_caption(f, t))
        return [self.lines, self.hot, self.nodes, self.crosses, self.title, self.caption, self.chain, *self.labels]


def labelled_nodes(frames: Frames, max_labels: int = 60, crowded: int = 14, per_crowded_tier: int = 8) -> np.ndarray:
    """Nodes that get a name label: all of them in an uncrowded tier, the ``per_crowded_tier``
    largest (opening assets) in a tier of more than ``crowded`` nodes, at most ``max_labels``."""
    tiers = tier_of(frames.kind)
    chosen = []
    for t in np.unique(tiers):
        rows = np.flatnonzero(tiers == t)
        rows = rows[np.argsort(-frames.assets0[rows], kind="stable")]
        chosen.append(rows[:per_crowded_tier] if rows.size > crowded else rows)
    picked = np.concatenate(chosen) if chosen else np.zeros(0, dtype=np.int64)
    return picked[np.argsort(-frames.assets0[picked], kind="stable")][:max_labels]


def carried_loss(frames: Frames, t: int, share: float = 0.025, floor: float = 0.05, large: float = 1.0) -> np.ndarray:
    """Pairs highlighted at frame ``t``: a loss of at least ``share`` of the pair's exposure and
    ``floor`` USD bn, or of ``large`` USD bn whatever the exposure (slow revaluations stay grey)."""
    before = frames.exposure[t - 1] if t > 0 else frames.exposure[t]
    lost = frames.loss[t]
    return (lost >= large) | ((lost >= floor) & (lost >= share * np.maximum(before, frames.exposure[t])))


class Timeline:
    """Cumulative losses (solid) and defaults (dashed) of each run, drawn up to the current month."""

    def __init__(self, ax, runs: list[Frames], horizon: int | None = None):
        self.ax, self.runs = ax, runs
        self.twin = ax.twinx()
        if horizon is None:
            horizon = max(r.months[-1] for r in runs if r.T) if any(r.T for r in runs) else 1
        top = max(float(r.losses.max(initial=0.0)) for r in runs)
        deaths = max(int(r.defaults_by_kind.sum(axis=1).max(initial=0)) for r in runs)
        ax.set_xlim(0, max(horizon, 1))
        ax.set_ylim(0, max(top * 1.08, 1.0))
        self.twin.set_ylim(0, max(deaths + 1, 2))
        ax.set_xlabel("months since start", fontsize=8)
        ax.set_ylabel("losses (USD bn)", fontsize=8)
        self.twin.set_ylabel("defaults", fontsize=8)
        ax.tick_params(labelsize=7)
        self.twin.tick_params(labelsize=7)
        ax.set_title("losses at final bearers, marked to market (solid), and defaults (dashed)", fontsize=8.5)
        self.loss_lines, self.default_lines = [], []
        for i, r in enumerate(runs):
            colour = RUN_COLOURS[i % len(RUN_COLOURS)]
            name = r.label.split(" / seed")[0]
            self.loss_lines.append(ax.plot([], [], color=colour, lw=1.8, label=plain(name))[0])
            self.default_lines.append(self.twin.plot([], [], color=colour, lw=1.2, ls="--", drawstyle="steps-post")[0])
        self.cursor = ax.axvline(0, color="#777777", lw=0.8)
        ax.legend(fontsize=7, loc="upper left", frameon=False)
        self.dynamic = [*self.loss_lines, *self.default_lines, self.cursor]

    def update(self, t: int) -> list:
        """Draw each run up to frame ``t``."""
        for r, lo, de in zip(self.runs, self.loss_lines, self.default_lines, strict=True):
            k = min(t, r.T - 1) + 1
            lo.set_data(r.months[:k], r.losses[:k])
            de.set_data(r.months[:k], r.defaults_by_kind[:k].sum(axis=1))
        month = max((r.months[min(t, r.T - 1)] for r in self.runs if r.T), default=0)
        self.cursor.set_xdata([month, month])
        return [*self.loss_lines, *self.default_lines, self.cursor]


def draw_legend(fig, rect) -> None:
    """Colour bar for health and keys for status, lines and sizes, in ``rect`` of ``fig``."""
    cax = fig.add_axes([rect[0] + 0.02, rect[1] + rect[3] * 0.80, rect[2] * 0.8, rect[3] * 0.09])
    bar = fig.colorbar(ScalarMappable(HEALTH_NORM, HEALTH_CMAP), cax=cax, orientation="horizontal")
    bar.set_ticks([0, 0.5, 1.0])
    bar.set_ticklabels(["wiped out", "half", "as at start"])
    bar.ax.tick_params(labelsize=7)
    cax.set_title("health: equity and equity ratio vs. opening (the lower)", fontsize=8)
    lax = fig.add_axes([rect[0], rect[1], rect[2], rect[3] * 0.62])
    lax.set_axis_off()
    grey = HEALTH_CMAP(HEALTH_NORM(1.0))
    handles = [
        Line2D([], [], ls="", marker="o", ms=8, mfc=grey, mec=DISTRESSED, mew=2.2, label="distressed"),
        Line2D([], [], ls="", marker="o", ms=8, mfc=DEFAULTED, mec="black", label="defaulted (x)"),
        Line2D([], [], color=EDGE, lw=3, label="exposure (width)"),
        Line2D([], [], color=LOSS, lw=3, label="carried a loss this month"),
        Line2D([], [], ls="", marker="o", ms=5, mfc="white", mec="#333333", label="area ~ assets"),
    ]
    lax.legend(handles=handles, loc="center", fontsize=7.5, ncol=2, frameon=False, handlelength=1.8)


class NetworkAnimation:
    """Side-by-side pictures of recorded runs on one clock, a timeline and a legend.

    Frame ``t`` shows month ``t + 1`` of every run (a run that ended stays on its last month).
    ``scales`` (default: covering all runs), ``layouts`` (node positions per run; default:
    each run's tiered layout) and ``horizon`` (months on the timeline; default: the longest
    run) can be fixed by the caller, as the app does while a run grows.

    Frames are cheap: everything that does not change from month to month (tier headings, node
    labels, the timeline's axes, the legend) is rendered once into a background image at the
    output resolution, and each frame draws only the artists whose data :meth:`update` changed
    (lines, nodes, titles, captions, the timeline's curves) on top of it. The background is
    rendered again only when a static artist changes (a label greys out when its institution
    defaults).
    """

    def __init__(
        self,
        runs: list[Frames],
        scales: Scales | None = None,
        layouts: list | None = None,
        horizon: int | None = None,
    ):
        if not runs or any(r.T == 0 for r in runs):
            raise ValueError("nothing to animate: every run needs at least one recorded month")
        self.runs = list(runs)
        self.n_frames = max(r.T for r in runs)
        k = len(runs)
        self.fig = fig = Figure(figsize=(12.0 if k == 1 else 8.2 * k, 7.6))
        scales = scales or Scales.of(self.runs)
        width = 1.0 / k
        self.pictures = [
            NetworkPicture(
                fig.add_axes([i * width + 0.005, 0.25, width - 0.01, 0.655]),
                r,
                scales,
                pos=layouts[i] if layouts else None,
            )
            for i, r in enumerate(runs)
        ]
        self.timeline = Timeline(fig.add_axes([0.06, 0.065, 0.56, 0.13]), self.runs, horizon)
        draw_legend(fig, [0.68, 0.02, 0.30, 0.2])
        self.clock = fig.text(0.5, 0.985, "", ha="center", va="top", fontsize=12, weight="bold") if k > 1 else None
        self.dynamic = [a for p in self.pictures for a in p.dynamic] + self.timeline.dynamic
        if self.clock is not None:
            self.dynamic.append(self.clock)
        ids = {id(a) for a in self.dynamic}
        leaves = [c for ax in fig.axes for c in ax.get_children()] + [
            c for c in fig.get_children() if c is not fig.patch and c not in fig.axes
        ]
        self.static = [a for a in leaves if id(a) not in ids and a.get_visible()]
        self.background = fig.add_artist(_Backdrop())
        self._dpi: float | None = None

    def update(self, t: int) -> list:
        """Show frame ``t`` of every run; returns the artists changed."""
        changed = [a for p in self.pictures for a in p.update(t)] + self.timeline.update(t)
        if self.clock is not None:
            self.clock.set_text(f"month {t + 1} of each system")
            changed.append(self.clock)
        if self._dpi is not None and any(p.restyled for p in self.pictures):
            self._render_background()
        return changed

    def prepare(self, dpi: float) -> None:
        """Render the static background at ``dpi``; later frames draw only what changes."""
        self._dpi = float(dpi)
        self.fig.set_dpi(dpi)
        self.update(0)
        self._render_background()

    def _render_background(self) -> None:
        self.fig.set_dpi(self._dpi)
        for a in self.static:
            a.set_visible(True)
        for a in self.dynamic:
            a.set_visible(False)
        self.background.set_visible(False)
        buf = BytesIO()
        self.fig.savefig(buf, format="rgba", dpi=self._dpi)
        width, height = (self.fig.get_size_inches() * self._dpi).round().astype(int)
        self.background.image = np.frombuffer(buf.getbuffer(), dtype=np.uint8).reshape(height, width, 4).copy()
        self.background.set_visible(True)
        for a in self.static:
            a.set_visible(False)
        for a in self.dynamic:
            a.set_visible(True)

    def artists(self) -> list:
        """Every artist of the figure (for checks that frames reuse them)."""
        return self.fig.findobj()

    def animation(self, fps: float = 8):
        """A matplotlib ``FuncAnimation`` over all frames."""
        from matplotlib.animation import FuncAnimation

        return FuncAnimation(
            self.fig,
            self.update,
            frames=self.n_frames,
            interval=1000.0 / fps,
            blit=False,
            repeat=False,
            cache_frame_data=False,
        )

    def save_frame(self, t: int, out: str | Path, dpi: int = 80) -> Path:
        """Write frame ``t`` as a still image (PNG...)."""
        if self._dpi != dpi:
            self.prepare(dpi)
        self.update(t)
        self.fig.savefig(out, dpi=dpi)
        return Path(out)

    def save(self, out: str | Path, fps: float = 8, dpi: int = 80, progress: bool = False) -> Path:
        """Write the animation to ``out`` (format from the suffix) through a temporary file."""
        from tqdm.auto import tqdm

        out = Path(out)
        fmt = output_format(out)
        out.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{out.stem}.", suffix=out.suffix, dir=out.parent)
        os.close(fd)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        bar = tqdm(total=self.n_frames, desc=f"rendering {out.name}", unit="frame", disable=not progress, leave=False)
        try:
            writer, rc = movie_writer(fmt, fps)
            self.prepare(dpi)
            with matplotlib.rc_context(rc):
                self.animation(fps).save(tmp, writer=writer, dpi=dpi, progress_callback=lambda i, n: bar.update(1))
            os.replace(tmp, out)
        finally:
            bar.close()
            if os.path.exists(tmp):
                os.remove(tmp)
        return out

    def close(self) -> None:
        """Release the figure's memory."""
        self.fig.clear()


class _Backdrop(Artist):
    """A pre-rendered RGBA image drawn pixel for pixel under everything else (no resampling)."""

    def __init__(self):
        super().__init__()
        self.image: np.ndarray | None = None
        self.set_zorder(-10)
        self.set_visible(False)

    def draw(self, renderer) -> None:
        if self.image is None or not self.get_visible():
            return
        if self.image.shape[:2] != (int(renderer.height), int(renderer.width)):
            return  # drawn at another resolution than the one it was rendered for
        gc = renderer.new_gc()
        renderer.draw_image(gc, 0, 0, self.image[::-1])
        gc.restore()


__all__ = ["NetworkAnimation", "NetworkPicture", "Scales", "Timeline", "caption", "chain_caption", "health", "plain"]
