"""Global sensitivity analysis of the assumptions: Morris screening, then Sobol indices, with SALib.

The numbers of a scenario that carry a range (:mod:`aicontagion.scenarios.ranges`) are the
inputs. A small strict YAML spec says what to analyse::

    name: ai_2025_disproven
    scenario: ai_2025                 # a shipped name or a YAML path (its ranges are the inputs)
    months: 120
    seeds: 1                          # every sample point runs on each seed; outcomes are averaged
    productivity: disproven           # a path name (default: the scenario's)
    policies: []                      # e.g. [{name: implicit_guarantee}]: adds the fiscal_cost outcome
    method: sobol                     # morris: screening only; sobol: Morris, then Sobol over the top
    parameters: all                   # or a list of ranged parameters by dotted path
    outcomes: [total_loss, crisis]    # default: every headline outcome (OUTCOMES)
    morris: {trajectories: 8, levels: 4, seed: 0}
    sobol: {N: 32, top: 4, seed: 0}   # N: base sample (a power of 2); top: parameters kept
    resamples: 200                    # bootstrap resamples of the confidence intervals
    conf_level: 0.95

The samples come from SALib (``SALib.sample.morris``, ``SALib.sample.sobol``) and the indices
from ``SALib.analyze.morris`` and ``SALib.analyze.sobol`` (first-order ``S1`` and total ``ST``
with bootstrap intervals; no second-order terms). Each sample becomes a sweep
(:func:`aicontagion.runs.sweep.run_sweep`, the sample rows as the design's explicit
``points``) in ``OUT/runs_morris`` and ``OUT/runs_sobol``, so an analysis runs on every
executor, and a re-run (or a killed run started again) skips the runs already done. The Sobol
stage keeps the ``top`` parameters by Morris ``mu*`` (each outcome's ``mu*`` divided by its
largest, the maximum over outcomes); with ``top`` at least the number of parameters Morris is
skipped. Written to ``OUT``: ``indices.parquet`` (one row per outcome, parameter and method:
``mu_star, mu_star_conf, sigma`` for Morris, ``S1, S1_conf, ST, ST_conf`` for Sobol),
``points.parquet`` (every sample point with its outcomes, averaged over seeds),
``sensitivity.json`` and one figure per outcome (``figures/<outcome>.png``).
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from SALib.analyze import morris as morris_analyze
from SALib.analyze import sobol as sobol_analyze
from SALib.sample import morris as morris_sample
from SALib.sample import sobol as sobol_sample

from aicontagion.results.plots import plot_indices
from aicontagion.results.provenance import write_parquet
from aicontagion.runs.plan import plan
from aicontagion.runs.records import code_version, write_json
from aicontagion.runs.sensitivity_spec import (
    INDEX_COLUMNS,
    OUTCOMES,
    QUICK,
    SensitivityError,
    SensitivitySpec,
    load_spec,
)
from aicontagion.runs.spec import Design, SweepSpec
from aicontagion.runs.sweep import load_sweep, run_sweep
from aicontagion.scenarios.loader import ScenarioError, check_range_ends, load_scenario
from aicontagion.scenarios.ranges import SALIB_DISTS, ParamRange


def inputs(spec: SensitivitySpec, label: str = "sensitivity spec") -> list[ParamRange]:
    """The ranged parameters the analysis varies (all the scenario's, or those the spec lists)."""
    try:
        scenario = load_scenario(spec.scenario)
        check_range_ends(scenario)
    except ScenarioError as exc:
        raise SensitivityError(label, "scenario", str(exc)) from None
    ranges = {r.path: r for r in scenario.ranges}
    if not ranges:
        raise SensitivityError(label, "scenario", f"{scenario.source} gives no ranges ({{value: .., range: [..]}})")
    if spec.parameters == "all":
        return list(ranges.values())
    for p in spec.parameters:
        if p not in ranges:
            raise SensitivityError(
                label, "parameters", f"{p!r} has no range in {scenario.source} (ranged: {', '.join(ranges)})"
            )
    return [ranges[p] for p in spec.parameters]


def problem(params: list[ParamRange]) -> dict:
    """SALib's problem definition of ``params``."""
    return {
        "num_vars": len(params),
        "names": [p.path for p in params],
        "bounds": [p.salib_bounds() for p in params],
        "dists": [SALIB_DISTS[p.dist] for p in params],
    }


def sweep_spec(spec: SensitivitySpec, params: list[ParamRange], X: np.ndarray, stage: str) -> SweepSpec:
    """The sweep that runs the sample ``X`` (one row per point, one column per parameter)."""
    points = [
        {p.path: int(round(float(v))) if p.integer else float(v) for p, v in zip(params, row, strict=True)}
        for row in np.asarray(X)
    ]
    return SweepSpec(
        name=f"{spec.name or 'sensitivity'}-{stage}",
        scenario=spec.scenario,
        months=spec.months,
        seeds=spec.seeds,
        productivity=spec.productivity,
        policies=spec.policies,
        design=Design(points=points),
    )


# ---------------------------------------------------------------- running a stage
@dataclass
class Stage:
    """One sample run as a sweep: its parameters, sample, outcomes per point, and indices."""

    method: str
    params: list[ParamRange]
    X: np.ndarray
    Y: pd.DataFrame  # one row per sample point, one column per outcome (averaged over seeds)
    indices: pd.DataFrame
    runs: int
    ran: int
    seconds: float


def outcomes_per_point(sweep: SweepSpec, folder: Path, outcomes: list[str], label: str) -> pd.DataFrame:
    """The outcomes of every design point of ``sweep`` (rows in design order), averaged over seeds."""
    runs = plan(sweep, folder)
    seeds = len(sweep.seed_list)
    # a sample may repeat a point (Morris trajectories can cross): its runs share one record
    wanted = pd.DataFrame({"run_id": [r.run_id for r in runs], "point": [n // seeds for n in range(len(runs))]})
    table = pd.read_parquet(folder)
    table = table[table["run_id"].isin(set(wanted["run_id"]))]
    ok = table[table["status"] == "ok"].drop_duplicates("run_id")
    missing = wanted["run_id"].nunique() - len(ok)
    if missing:
        bad = table[table["status"] != "ok"]
        first = f" (first error: {bad['error'].iloc[0]})" if len(bad) else ""
        raise SensitivityError(
            label,
            folder.name,
            f"{missing} of {wanted['run_id'].nunique()} runs have no result{first}; run again to retry",
        )
    values = pd.DataFrame({o: OUTCOMES[o][1](ok).to_numpy() for o in outcomes}, index=ok["run_id"].to_numpy())
    frame = values.loc[wanted["run_id"]].reset_index(drop=True)
    frame["point"] = wanted["point"].to_numpy()
    return frame.groupby("point").mean().sort_index()


def run_stage(
    spec: SensitivitySpec,
    params: list[ParamRange],
    method: str,
    out: Path,
    executor: str,
    workers: int | None,
    progress: bool,
    label: str,
) -> Stage:
    """Sample ``params`` for ``method``, run the sample as a sweep in ``out/runs_<method>``, analyse."""
    prob = problem(params)
    if method == "morris":
        X = morris_sample.sample(prob, spec.morris.trajectories, num_levels=spec.morris.levels, seed=spec.morris.seed)
    else:
        X = sobol_sample.sample(prob, spec.sobol.N, calc_second_order=False, scramble=True, seed=spec.sobol.seed)
    sweep = sweep_spec(spec, params, X, method)
    folder = out / f"runs_{method}"
    load_sweep(sweep)  # every value checked before the first run
    res = run_sweep(sweep, folder, executor=executor, workers=workers, progress=progress)
    Y = outcomes_per_point(sweep, folder, spec.outcome_names, label)
    rows = [_indices(method, prob, X, Y[o].to_numpy(), o, spec) for o in spec.outcome_names]
    indices = pd.concat(rows, ignore_index=True)
    return Stage(method, params, X, Y, indices, res.total, res.ran, res.seconds)


def _indices(method: str, prob: dict, X: np.ndarray, y: np.ndarray, outcome: str, spec: SensitivitySpec):
    """One outcome's indices as tidy rows (:data:`INDEX_COLUMNS`). A constant outcome has Morris
    effects of zero and no Sobol indices (NaN): it has no variance to share out."""
    names = prob["names"]
    out = pd.DataFrame({"outcome": outcome, "parameter": names, "method": method})
    for c in INDEX_COLUMNS[3:]:
        out[c] = np.nan
    constant = bool(np.ptp(y) == 0)
    with warnings.catch_warnings():  # SALib's own numerical warnings do not stop an analysis
        warnings.simplefilter("ignore", RuntimeWarning)
        warnings.simplefilter("ignore", UserWarning)  # "constant values" of some resamples
        if method == "morris":
            if constant:
                out[["mu_star", "mu_star_conf", "sigma"]] = 0.0
            else:
                r = morris_analyze.analyze(
                    prob,
                    X,
                    y,
                    num_resamples=spec.resamples,
                    conf_level=spec.conf_level,
                    num_levels=spec.morris.levels,
                    seed=np.random.default_rng(spec.morris.seed),
                )
                out["mu_star"], out["mu_star_conf"], out["sigma"] = r["mu_star"], r["mu_star_conf"], r["sigma"]
        elif not constant:
            r = sobol_analyze.analyze(
                prob, y, calc_second_order=False, num_resamples=spec.resamples, conf_level=spec.conf_level,
                seed=np.random.default_rng(spec.sobol.seed),  # SALib seeds nothing for seed=0
            )  # fmt: skip
            for c in ("S1", "S1_conf", "ST", "ST_conf"):
                out[c] = np.asarray(r[c], dtype=float)
    return out[INDEX_COLUMNS]


def screen(indices: pd.DataFrame, top: int) -> list[str]:
    """The ``top`` parameters by Morris ``mu*``: each outcome's ``mu*`` over its largest, the
    maximum over outcomes (ties in file order)."""
    m = indices[indices["method"] == "morris"]
    wide = m.pivot_table(index="parameter", columns="outcome", values="mu_star", sort=False)
    peak = wide.max(axis=0)
    scaled = wide.loc[:, peak > 0] / peak[peak > 0]
    score = scaled.max(axis=1) if scaled.shape[1] else pd.Series(0.0, index=wide.index)
    order = list(dict.fromkeys(m["parameter"]))
    ranked = sorted(order, key=lambda p: (-float(score.get(p, 0.0)), order.index(p)))
    return ranked[:top]


# ---------------------------------------------------------------- the front door
@dataclass
class SensitivityResult:
    """What an analysis did and found; ``indices`` is the tidy table written to ``indices.parquet``."""

    out: Path
    spec: SensitivitySpec
    parameters: list[str]
    sobol_parameters: list[str]
    indices: pd.DataFrame
    runs: int
    ran: int
    seconds: float
    stages: list[Stage] = field(default_factory=list)

    def top(self, n: int = 5) -> pd.DataFrame:
        """Per outcome, its ``n`` most influential parameters: by Sobol ``ST`` when the Sobol stage
        ran (its parameters only), else by Morris ``mu*``."""
        rows = []
        for _, g in self.indices.groupby("outcome", sort=False):
            s = g[(g["method"] == "sobol") & g["ST"].notna()]
            g = s.sort_values("ST", ascending=False) if len(s) else g[g["method"] == "morris"]
            if not len(s):
                g = g.sort_values("mu_star", ascending=False)
            rows.append(g.head(n))
        return pd.concat(rows, ignore_index=True) if rows else self.indices.head(0)

    def __str__(self) -> str:
        return (
            f"{len(self.parameters)} ranged parameters, {self.runs} runs ({self.ran} run now) in "
            f"{self.seconds:.1f} s; results in {self.out}/"
        )


def run_sensitivity(
    spec: str | Path | Mapping | SensitivitySpec,
    out: str | Path,
    executor: str = "processes",
    workers: int | None = None,
    progress: bool = True,
    quick: bool = False,
    figures: bool = True,
) -> SensitivityResult:
    """Run a sensitivity analysis (the Python twin of ``aicontagion sensitivity SPEC --out DIR``).

    Args:
        spec: a YAML path, a mapping or a :class:`SensitivitySpec`.
        out: the results folder (the runs of each stage are sweeps in ``runs_morris/`` and
            ``runs_sobol/``; running again skips the finished runs).
        executor, workers: as for :func:`aicontagion.runs.sweep.run_sweep`.
        quick: cut the spec down to a smoke run (:data:`QUICK`).
        figures: write ``figures/<outcome>.png``.
    """
    t0 = time.perf_counter()
    parsed, label = load_spec(spec)
    if quick:
        parsed = parsed.quick()
    params = inputs(parsed, label)
    out = Path(out)
    stages: list[Stage] = []
    chosen = params
    if parsed.method == "morris" or parsed.sobol.top < len(params):
        stages.append(run_stage(parsed, params, "morris", out, executor, workers, progress, label))
        if parsed.method == "sobol":
            keep = set(screen(stages[0].indices, parsed.sobol.top))
            chosen = [p for p in params if p.path in keep]
    if parsed.method == "sobol":
        stages.append(run_stage(parsed, chosen, "sobol", out, executor, workers, progress, label))
    indices = pd.concat([s.indices for s in stages], ignore_index=True)
    result = SensitivityResult(
        out,
        parsed,
        [p.path for p in params],
        [p.path for p in chosen] if parsed.method == "sobol" else [],
        indices,
        sum(s.runs for s in stages),
        sum(s.ran for s in stages),
        time.perf_counter() - t0,
        stages,
    )
    _write(result, figures)
    return result


def _write(result: SensitivityResult, figures: bool) -> None:
    out, spec = result.out, result.spec
    prov = {
        "code_version": code_version(),
        "scenario": spec.scenario,
        "months": spec.months,
        "seeds": spec.seeds,
        "productivity": spec.productivity,
        "method": spec.method,
    }
    write_parquet(result.indices, out / "indices.parquet", prov)
    points = []
    for s in result.stages:
        frame = pd.DataFrame(s.X, columns=[p.path for p in s.params]).add_prefix("param.")
        frame.insert(0, "point", range(len(frame)))
        frame.insert(0, "method", s.method)
        points.append(pd.concat([frame, s.Y.reset_index(drop=True)], axis=1))
    write_parquet(pd.concat(points, ignore_index=True), out / "points.parquet", prov)
    write_json(
        out / "sensitivity.json",
        {
            "spec": spec.model_dump(mode="json"),
            "parameters": result.parameters,
            "sobol_parameters": result.sobol_parameters,
            "runs": {s.method: s.runs for s in result.stages},
            "seconds": result.seconds,
            "code_version": code_version(),
        },
    )
    if figures:
        (out / "figures").mkdir(parents=True, exist_ok=True)
        for outcome in spec.outcome_names:
            fig = plot_indices(
                result.indices, outcome, OUTCOMES[outcome][0], what=_what(spec), conf_level=spec.conf_level
            )
            fig.savefig(out / "figures" / f"{outcome}.png", dpi=100)
            plt.close(fig)


def _what(spec: SensitivitySpec) -> str:
    seeds = spec.seeds if isinstance(spec.seeds, int) else len(spec.seeds)
    path = spec.productivity or "default path"
    return (
        f"{spec.scenario}, {path}, {spec.months or 'scenario'} months, {seeds} seed(s); "
        f"Morris r = {spec.morris.trajectories}, Sobol N = {spec.sobol.N}"
    )


def summary_table(result: SensitivityResult, n: int = 5) -> pd.DataFrame:
    """Per outcome its ``n`` most influential parameters, with their indices (for printing)."""
    cols = ["outcome", "parameter", "method", "mu_star", "mu_star_conf", "S1", "S1_conf", "ST", "ST_conf"]
    return result.top(n)[cols]


__all__ = [
    "INDEX_COLUMNS",
    "OUTCOMES",
    "QUICK",
    "SensitivityError",
    "SensitivityResult",
    "SensitivitySpec",
    "inputs",
    "load_spec",
    "outcomes_per_point",
    "plot_indices",
    "problem",
    "run_sensitivity",
    "screen",
    "summary_table",
    "sweep_spec",
]
