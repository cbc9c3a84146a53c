"""The interactive app: a Mesa SolaraViz page (``aicontagion app``; extra ``app``).

Choose a scenario, AI-productivity path, policy, seed and length in the sidebar, press *Reset*
to build it, then *Step* or play: the exposure network (the picture of
:mod:`aicontagion.viz.picture`, layout fixed from the opening network) sits beside live plots
of defaults by kind, cumulative losses by channel and the risk thermometer.

Run it with ``aicontagion app`` or ``solara run aicontagion.viz.app``. The model SolaraViz drives is
:class:`ContagionApp`, a thin Mesa model around one :class:`~aicontagion.Sim` that steps the
contagion model one month per step and records the network picture's frames; it never changes
the model's mechanics.
"""

from __future__ import annotations

import mesa
import numpy as np
import pandas as pd
import solara
from matplotlib.dates import AutoDateLocator, ConciseDateFormatter
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator
from mesa.visualization import Slider, SolaraViz
from mesa.visualization.utils import update_counter

from aicontagion.core.kinds import Kind
from aicontagion.results.plots import KIND_COLOURS, plot_losses_by_channel, plot_thermometer
from aicontagion.results.recorder import KIND_METRICS
from aicontagion.scenarios.loader import ScenarioError, available
from aicontagion.sim import Sim
from aicontagion.viz.animation import AnimationError, FrameRecorder, policies_from_name, policy_names
from aicontagion.viz.picture import NetworkAnimation, Scales

PATHS = ["disproven", "slow", "base", "fast"]


class ContagionApp(mesa.Model):
    """One run of the contagion model, one month per Mesa step, for SolaraViz.

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
        self.recorder = FrameRecorder(self.contagion, label=f"{label} / seed {seed}")
        self.recorder.snapshot()  # the opening state, month 0
        opening = self.recorder.frames()
        self.scales = Scales(
            assets=1.5 * float(opening.assets.max(initial=1e-9)),
            exposure=1.5 * float(opening.exposure.max(initial=1e-9)),
        )
        self._timeseries: tuple[int, pd.DataFrame] | None = None
        self._picture: NetworkAnimation | None = None
        self.running = True

    def step(self) -> None:
        """Advance the contagion model by one month and record its picture."""
        if self.contagion is None or self.contagion.month + 1 >= self.months:
            self.running = False
            return
        self.contagion.step()
        self.recorder.snapshot()
        self.running = self.contagion.month + 1 < self.months

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
            self._picture = NetworkAnimation([frames], scales=self.scales, layouts=[self._layout], horizon=self.months)
        self._picture.update(frames.T - 1)
        return self._picture.fig


@solara.component
def NetworkView(model: ContagionApp):
    """The exposure network at the current month."""
    update_counter.get()
    if model.error:
        return solara.Error(f"cannot build this run: {model.error}")
    fig = model.picture()
    with solara.Column(classes=["aicontagion-network"]) as main:
        solara.FigureMatplotlib(fig, format="png", dpi=80, dependencies=[id(model), model.steps])
    return main


@solara.component
def LivePlots(model: ContagionApp):
    """Defaults by kind, cumulative losses by channel and the risk thermometer so far."""
    update_counter.get()
    if model.error:
        return solara.Text("")
    ts = model.timeseries()
    with solara.Column(classes=["aicontagion-plots"]) as main:
        solara.FigureMatplotlib(defaults_figure(model), format="png", dpi=70, dependencies=[id(model), model.steps])
        fig = Figure(figsize=(6.4, 3.0))
        ax = plot_losses_by_channel(ts, fig.add_subplot())
        _dates(ax)
        fig.tight_layout()
        solara.FigureMatplotlib(fig, format="png", dpi=70, dependencies=[id(model), model.steps, "losses"])
        fig = Figure(figsize=(13, 2.6))
        plot_thermometer(ts, fig.subplots(1, 5))
        for ax in fig.axes:
            _dates(ax)
            ax.tick_params(labelsize=6)
            ax.set_xlabel("")
        fig.tight_layout()
        solara.FigureMatplotlib(fig, format="png", dpi=60, dependencies=[id(model), model.steps, "thermometer"])
    return main


def defaults_figure(model: ContagionApp) -> Figure:
    """Institutions defaulted so far, by kind."""
    rec = model.contagion.recorder
    counts = np.stack(rec.kinds)[:, KIND_METRICS.index("defaults"), :]
    dates = pd.DatetimeIndex(rec.dates)
    fig = Figure(figsize=(6.4, 2.6))
    ax = fig.add_subplot()
    for k in np.unique(model.contagion.state.registry.kind):
        label = Kind(int(k)).label
        ax.step(dates, counts[:, k], where="post", label=label, color=KIND_COLOURS.get(label))
    ax.set_title("institutions defaulted, by kind")
    ax.set_ylim(0, max(2, int(counts.max(initial=0)) + 1))
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.legend(fontsize=6, ncol=3, loc="upper left", frameon=False)
    _dates(ax)
    fig.tight_layout()
    return fig


def _dates(ax) -> None:
    """Short date labels that do not overlap."""
    locator = AutoDateLocator()
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(ConciseDateFormatter(locator))


model_params = {
    "scenario": {"type": "Select", "value": "ai_2025", "values": available(), "label": "scenario"},
    "productivity": {"type": "Select", "value": "disproven", "values": PATHS, "label": "productivity path"},
    "policy": {"type": "Select", "value": "none", "values": policy_names(), "label": "policy"},
    "months": Slider("months", 120, 12, 300, 12),
    "seed": Slider("seed", 1, 0, 99, 1),
}

page = SolaraViz(
    ContagionApp(),
    components=[(NetworkView, 0), (LivePlots, 0)],
    model_params=model_params,
    name="aicontagion: contagion in AI-infrastructure finance",
    play_interval=150,
)
"""The page ``solara run aicontagion.viz.app`` serves."""

__all__ = ["ContagionApp", "LivePlots", "NetworkView", "defaults_figure", "model_params", "page"]
