"""aicontagion: an agent-based simulator of systemic contagion in AI-infrastructure finance.

The front door::

    import aicontagion as ac
    sim = ac.Sim("ai_2025", productivity="slow", seed=1, months=240).run()
    sim.summary, sim.events, sim.timeseries
    runs = ac.compare({"base": {"productivity": "base"}, "slow": {"productivity": "slow"}}, seeds=range(20))
    runs.summaries, runs.quantiles(metrics="losses"), runs.plot("losses")
"""

from aicontagion import policies
from aicontagion.core.version import __version__
from aicontagion.runs.multisim import MultiSim, compare
from aicontagion.scenarios.loader import ScenarioError, load_scenario
from aicontagion.sim import Sim

__all__ = ["MultiSim", "ScenarioError", "Sim", "compare", "load_scenario", "policies", "__version__"]
