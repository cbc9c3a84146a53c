"""The interactive app: a Solara page around a Mesa model (``aicontagion app``; extra ``app``).

Choose a scenario, AI-productivity path, policy, seed and length in the sidebar (slider values
are shown), press *Reset* to build it, then *Step* (as many months per click as the sidebar says)
or play. The exposure network (the picture of :mod:`aicontagion.viz.picture`, layout fixed from
the opening network) fills the width of the page, above live plots of defaults by kind, losses by
channel and the risk thermometer, all on date axes spanning the run. *Download* gives the run so
far as Parquet (series, events, summary, each with its provenance) in one zip.

Stepping runs in one worker thread per browser session: a click on *Step* adds months to a queue
(never lost while the app is busy), and play steps for up to :data:`RENDER_EVERY` seconds between
two renders of the figures, so a render costs once per tick, not once per month (ai_2025: about
70 months a second stepped, one render of the picture and the plots a second or so).

Run it with ``aicontagion app`` or ``solara run aicontagion.viz.app``. The model the page drives is
:class:`ContagionApp`, a thin Mesa model around one :class:`~aicontagion.Sim` that steps the
contagion model one month per step and records the network picture's frames; it never changes
the model's mechanics.
"""

from __future__ import annotations

import base64
import io
import os
import sys
import tempfile
import threading
import time
import traceback
import zipfile
from pathlib import Path

import mesa
import numpy as np
import pandas as pd
import solara
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator
from mesa.visualization import Slider

from aicontagion.core.kinds import Kind
from aicontagion.results.plots import KIND_COLOURS, plot_losses_by_channel, plot_thermometer
from aicontagion.results.recorder import KIND_METRICS
from aicontagion.results.style import date_axis, legend_outside
from aicontagion.scenarios.loader import ScenarioError, available
from aicontagion.sim import Sim
from aicontagion.viz.animation import AnimationError, FrameRecorder, policies_from_name, policy_names
from aicontagion.viz.picture import NetworkAnimation, Scales

PATHS = ["disproven", "slow", "base", "fast"]
TITLE = "aicontagion"
"""The browser tab's title."""
RENDER_EVERY = 1.0
"""Seconds of stepping between two renders of the figures while playing or working off clicks
(at least as long as the last render took, so at least half the time goes to stepping)."""
DEBUG = bool(os.environ.get("AICONTAGION_APP_DEBUG"))
"""Print each tick's stepping and render time to stderr (``AICONTAGION_APP_DEBUG=1``)."""
SIDE_LEGEND = {"left": 0.1, "right": 0.74, "bottom": 0.12, "top": 0.9}


class ContagionApp(mesa.Model):
    """One run of the contagion model, one month per Mesa step, for the app.

    Args:
        scenario: a shipped scenario name or a YAML path.
        productivity: the AI-productivity path.
        policy: a policy name (``none``: no intervention).
        months: months until the run stops.
        seed: seed of the run (common random numbers with ``Sim(..., seed=seed)``).
    """

    def __init__(
        self,
        scenario: str = "ai_2025",
        productivity: str = "disproven",
        policy: str = "none",
        months: int = 120,
        seed: int = 1,
    ):
        super().__init__(seed=int(seed))
        self.error: str | None = None
        self.months = int(months)
        self.policy = policy
        self.contagion = None
        try:
            self.sim = Sim(
                scenario,
                productivity=productivity,
                seed=int(seed),
                months=self.months,
                policies=policies_from_name(policy),
            )
            self.contagion = self.sim.build()
        except (ScenarioError, AnimationError, ValueError) as exc:
            self.error = str(exc).splitlines()[0]
            self.running = False
            return
        label = f"{self.sim.spec.name} / {self.sim.pars['productivity']}" + (f" / {policy}" if policy != "none" else "")
        self.label = f"{label} / seed {seed}"
        self.recorder = FrameRecorder(self.contagion, label=self.label)
        self.recorder.snapshot()  # the opening state, month 0
        opening = self.recorder.frames()
        self.scales = Scales(
            assets=1.5 * float(opening.assets.max(initial=1e-9)),
            exposure=1.5 * float(opening.exposure.max(initial=1e-9)),
        )
        start = pd.Timestamp(self.contagion.recorder.dates[0])
        self.span = (start, start + pd.DateOffset(months=self.months))
        """First and last date of the run: the x axis of every plot."""
        self._timeseries: tuple[int, pd.DataFrame] | None = None
        self._picture: NetworkAnimation | None = None
        self._layout = None
        self.running = True

    def step(self) -> None:
        """Advance the contagion model by one month and record its picture."""
        if self.contagion is None or self.contagion.month + 1 >= self.months:
            self.running = False
            return
        self.contagion.step()
        self.recorder.snapshot()
        self.running = self.contagion.month + 1 < self.months

    def advance(self, months: int) -> int:
        """Step up to ``months`` months (fewer at the end of the run); returns how many ran."""
        done = 0
        while done < months and self.running:
            self.step()
            done += 1
        return done

    @property
    def date(self) -> pd.Timestamp | None:
        """The date of the month last stepped."""
        return None if self.contagion is None else pd.Timestamp(self.contagion.recorder.dates[-1])

    def timeseries(self) -> pd.DataFrame:
        """The run's tidy series so far (cached per step)."""
        if self._timeseries is None or self._timeseries[0] != self.steps:
            self._timeseries = (self.steps, self.contagion.recorder.frame())
        return self._timeseries[1]

    def picture(self) -> Figure:
        """The network picture at the latest month (layout fixed from the opening network)."""
        frames = self.recorder.frames()
        if self._picture is None:
            self._picture = NetworkAnimation([frames], scales=self.scales, horizon=self.months)
            self._layout = self._picture.pictures[0].pos
        else:
            self._picture.close()
            self._picture = NetworkAnimation([frames], scales=self.scales, layouts=[self._layout], horizon=self.months)
        self._picture.update(frames.T - 1)
        return self._picture.fig

    def plots(self) -> dict[str, Figure]:
        """The live plots so far: ``defaults``, ``losses`` and ``thermometer``, x axes the run's dates."""
        ts = self.timeseries()
        # fixed margins, not constrained layout: the plots render in a third of the time
        losses = Figure(figsize=(7.2, 3.4))
        plot_losses_by_channel(ts, losses.add_subplot())
        losses.subplots_adjust(**SIDE_LEGEND)
        thermometer = Figure(figsize=(15, 3.1))
        plot_thermometer(ts, thermometer.subplots(1, 5))
        thermometer.subplots_adjust(left=0.04, right=0.99, bottom=0.12, top=0.88, wspace=0.4)
        figs = {"defaults": defaults_figure(self), "losses": losses, "thermometer": thermometer}
        for fig in figs.values():
            for ax in fig.axes:
                date_axis(ax)
                ax.set_xlim(*self.span)
                ax.set_xlabel("")
        return figs

    def download(self) -> bytes:
        """The run so far as a zip of ``timeseries.parquet``, ``events.parquet``, ``summary.parquet``
        and ``summary.json`` (what :meth:`Sim.save` writes, provenance in each file)."""
        sim = self.sim
        sim.model = self.contagion
        sim._timeseries = sim._events = sim._summary = None  # the run has moved on since the last download
        with tempfile.TemporaryDirectory() as tmp:
            sim.save(tmp, figures=False)
            buf = io.BytesIO()
            with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
                for f in sorted(Path(tmp).iterdir()):
                    z.write(f, f.name)
        return buf.getvalue()

    def download_name(self) -> str:
        """``aicontagion_<scenario>_<path>_<policy>_seed<seed>_month<month>.zip``."""
        run = f"{self.sim.spec.name}_{self.sim.pars['productivity']}_{self.policy}"
        return f"aicontagion_{run}_seed{self.sim.seed}_month{self.steps}.zip"


def defaults_figure(model: ContagionApp) -> Figure:
    """Institutions defaulted so far, by kind."""
    rec = model.contagion.recorder
    counts = np.stack(rec.kinds)[:, KIND_METRICS.index("defaults"), :]
    dates = pd.DatetimeIndex(rec.dates)
    fig = Figure(figsize=(7.2, 3.4))
    fig.subplots_adjust(**SIDE_LEGEND)
    ax = fig.add_subplot()
    for k in np.unique(model.contagion.state.registry.kind):
        label = Kind(int(k)).label
        ax.step(dates, counts[:, k], where="post", label=label, color=KIND_COLOURS.get(label))
    ax.set_title("institutions defaulted, by kind")
    ax.set_ylabel("count, cumulative")
    ax.set_ylim(0, max(2, int(counts.max(initial=0)) + 1))
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    legend_outside(ax, title="kind")
    date_axis(ax)
    return fig


def tick_labels(fig: Figure) -> list[str]:
    """The x tick labels of a drawn figure's axes, in order (dates on every plot of the app)."""
    return [t.get_text() for ax in fig.axes for t in ax.get_xticklabels() if t.get_text()]


def png(fig: Figure, dpi: int) -> tuple[str, str]:
    """``fig`` as a ``data:`` URI of a PNG, and the text of its x tick labels (for the image's alt)."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode(), " ".join(tick_labels(fig))


class Runner:
    """Steps one :class:`ContagionApp` in a worker thread: clicks queue months, play steps until paused."""

    def __init__(self, model: ContagionApp):
        self.model = model
        self.pending = 0
        self.playing = False
        self.lock = threading.Lock()
        self.wake = threading.Event()
        self.rate = 0.0
        """Months per second of the last tick (stepping and rendering)."""
        self.render_seconds = 1.0
        """How long the last render of the figures took."""

    def request(self, months: int) -> None:
        """Queue ``months`` more months (a click on Step)."""
        with self.lock:
            self.pending += int(months)
        self.wake.set()

    def busy(self) -> bool:
        return self.model.running and (self.playing or self.pending > 0)

    def work(self, budget: float | None = None) -> int:
        """Step queued months (or, playing, any) for up to ``budget`` seconds (default: the longer
        of :data:`RENDER_EVERY` and the last render); returns how many ran."""
        budget = max(RENDER_EVERY, self.render_seconds) if budget is None else budget
        deadline = time.perf_counter() + budget
        done = 0
        while self.model.running and time.perf_counter() < deadline:
            with self.lock:
                if self.pending > 0:
                    self.pending -= 1
                elif not self.playing:
                    break
            done += self.model.advance(1)
        if not self.model.running:
            with self.lock:
                self.pending, self.playing = 0, False
        return done


@solara.component
def Figures(model: ContagionApp, tick: int):
    """The network picture above the live plots (re-rendered when ``tick`` changes)."""

    def render():
        if model.error:
            return {}
        figs = {"network": model.picture()} | model.plots()
        out = {name: png(fig, dpi=80 if name == "network" else 72) for name, fig in figs.items()}
        return out

    images = solara.use_memo(render, dependencies=[id(model), tick])
    if model.error:
        return solara.Error(f"cannot build this run: {model.error}")
    with solara.Column(style={"width": "100%"}) as main:
        with solara.Div(classes=["aicontagion-network"], style={"width": "100%"}):
            src, alt = images["network"]
            solara.HTML(
                tag="img",
                attributes={"src": src, "alt": f"exposure network, month {model.steps}"},
                style="width: 100%; max-width: 1400px; height: auto;",
            )
        with solara.Div(classes=["aicontagion-plots"], style={"width": "100%"}):
            with solara.Row(style={"flex-wrap": "wrap"}):
                for name in ("defaults", "losses"):
                    src, alt = images[name]
                    solara.HTML(
                        tag="img",
                        attributes={"src": src, "alt": f"{name}; x axis: {alt}", "data-name": name},
                        style="width: 49%; min-width: 480px; height: auto;",
                    )
            src, alt = images["thermometer"]
            solara.HTML(
                tag="img",
                attributes={"src": src, "alt": f"thermometer; x axis: {alt}", "data-name": "thermometer"},
                style="width: 100%; height: auto;",
            )
    return main


DEFAULTS = {"scenario": "ai_2025", "productivity": "disproven", "policy": "none", "months": 120, "seed": 1}


@solara.component
def Page():
    """The app: parameters and controls in the sidebar, the network and the plots in the main area."""
    params = solara.use_reactive(dict(DEFAULTS))
    model = solara.use_reactive(solara.use_memo(lambda: ContagionApp(**DEFAULTS), []))
    runner = solara.use_memo(lambda: Runner(model.value), [model.value])
    tick = solara.use_reactive(0)
    playing = solara.use_reactive(False)
    per_click = solara.use_reactive(1)
    queued = solara.use_reactive(0)
    error = solara.use_reactive(None)

    def worker(cancel: threading.Event):
        while not cancel.is_set():
            if not runner.busy():
                runner.wake.wait(0.1)
                runner.wake.clear()
                continue
            try:
                t0 = time.perf_counter()
                done = runner.work()
                t1 = time.perf_counter()
                tick.value += 1  # renders the figures (in this thread): once per tick, not per month
                runner.render_seconds = time.perf_counter() - t1
                runner.rate = done / max(time.perf_counter() - t0, 1e-9)
                if DEBUG:
                    print(
                        f"app tick: {done} months in {t1 - t0:.2f} s, render {runner.render_seconds:.2f} s",
                        file=sys.stderr,
                    )
            except Exception as exc:  # shown in the page; the worker keeps serving the session
                traceback.print_exc()
                runner.playing, runner.pending = False, 0
                error.value = f"error while stepping: {exc}"
            queued.value = runner.pending
            if playing.value != runner.playing:
                playing.value = runner.playing

    solara.use_thread(worker, dependencies=[runner], intrusive_cancel=False)

    def reset():
        error.value = None
        runner.playing = False
        playing.value = False
        model.value = ContagionApp(**params.value)
        tick.value += 1

    def play_pause():
        runner.playing = not runner.playing
        playing.value = runner.playing
        runner.wake.set()

    def step():
        runner.request(per_click.value)
        queued.value = runner.pending

    m = model.value
    solara.Title(TITLE)
    with solara.AppBar():
        solara.AppBarTitle(f"{TITLE}: contagion in AI-infrastructure finance")
    with solara.Sidebar():
        with solara.Card("Controls"):
            with solara.Row(justify="space-between"):
                solara.Button(label="Reset", color="primary", on_click=reset)
                solara.Button(
                    label="❚❚ Pause" if playing.value else "▶ Play",
                    color="primary",
                    on_click=play_pause,
                    disabled=not m.running,
                )
                solara.Button(label="Step", color="primary", on_click=step, disabled=not m.running)
            solara.SliderInt(f"months per Step: {per_click.value}", value=per_click, min=1, max=24)
        with solara.Card("Run"):
            solara.Select(
                "scenario",
                value=params.value["scenario"],
                values=available(),
                on_value=lambda v: params.set(params.value | {"scenario": v}),
            )
            solara.Select(
                "productivity path",
                value=params.value["productivity"],
                values=PATHS,
                on_value=lambda v: params.set(params.value | {"productivity": v}),
            )
            solara.Select(
                "policy",
                value=params.value["policy"],
                values=policy_names(),
                on_value=lambda v: params.set(params.value | {"policy": v}),
            )
            for name in ("months", "seed"):
                s = model_params[name]
                solara.SliderInt(
                    f"{name}: {params.value[name]}",  # the value shown beside the name, not only while dragging
                    value=params.value[name],
                    min=s.min,
                    max=s.max,
                    step=s.step,
                    on_value=lambda v, name=name: params.set(params.value | {name: v}),
                )
            solara.Text("press Reset to build the run with these values")
        with solara.Card("Information"), solara.Column(gap="4px"):
            date = f" ({m.date:%Y-%m})" if m.date is not None else ""
            solara.Text(f"month {m.steps} of {m.months}{date}", classes=["aicontagion-month"])
            solara.Text(f"queued: {queued.value} months" + (f", {runner.rate:.0f} months/s" if runner.rate else ""))
            if not m.error:
                solara.Text(m.label)
        if not m.error:
            with solara.Card("Download"):
                solara.FileDownload(
                    m.download,
                    filename=m.download_name(),
                    label="run so far (Parquet, zip)",
                    mime_type="application/zip",
                )
    Figures(m, tick.value)


model_params = {
    "scenario": {"type": "Select", "value": "ai_2025", "values": available(), "label": "scenario"},
    "productivity": {"type": "Select", "value": "disproven", "values": PATHS, "label": "productivity path"},
    "policy": {"type": "Select", "value": "none", "values": policy_names(), "label": "policy"},
    "months": Slider("months", 120, 12, 300, 12),
    "seed": Slider("seed", 1, 0, 99, 1),
}
"""The run's parameters and their ranges (as Mesa's SolaraViz takes them)."""

page = Page
"""The page ``solara run aicontagion.viz.app`` serves."""

__all__ = ["ContagionApp", "Figures", "Page", "Runner", "defaults_figure", "model_params", "page", "png", "tick_labels"]
