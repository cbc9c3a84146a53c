"""Validation on networks: the Gai-Kapadia (2010) contagion window and the clearing worked examples.

Re-exported by :mod:`aicontagion.validation.eba` (see docs/validation.md for the comparison with the
published results).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.optimize import brentq
from scipy.stats import poisson

from aicontagion.network.clearing import debtrank, eisenberg_noe, rogers_veraart, threshold_cascade

# ============================================================================ Gai & Kapadia (2010)

GK_CONTAGION_SHARE = 0.05  # GK: a contagion event is a cascade in which more than 5% of banks default


def er_exposures(n: int, z: float, rng: np.random.Generator, interbank_share: float = 0.2) -> sp.csr_array:
    """Directed Erdos-Renyi lending network with the GK balance sheet (all banks' assets = 1).

    Each ordered pair ``(i, j)``, ``i != j``, is a loan from i to j with probability
    ``z / (n - 1)`` (``z`` = average number of borrowers = of lenders). A bank's interbank assets
    (``interbank_share`` of its assets) are split evenly over its borrowers:
    ``A[i, j] = interbank_share / (number of borrowers of i)``, exposures in the convention of
    :func:`~aicontagion.network.clearing.threshold_cascade`.
    """
    pairs = n * (n - 1)
    m = rng.binomial(pairs, min(z / (n - 1), 1.0))
    idx = rng.choice(pairs, size=m, replace=False)
    lender, borrower = np.divmod(idx, n - 1)
    borrower = borrower + (borrower >= lender)  # skip the diagonal
    k = np.bincount(lender, minlength=n)
    return sp.csr_array((interbank_share / k[lender], (lender, borrower)), shape=(n, n))


def gk_simulate(
    z_values,
    trials: int = 100,
    n: int = 1000,
    capital: float = 0.04,
    interbank_share: float = 0.2,
    seed: int = 0,
    first_index: int = 0,
) -> pd.DataFrame:
    """Monte Carlo of the GK benchmark: one random initial default per fresh network.

    Each trial draws a network (:func:`er_exposures`) and a random initial default and runs
    :func:`~aicontagion.network.clearing.threshold_cascade` with zero recovery twice on it:
    ``ties="solvent"`` (the project's rule, losses strictly above capital) and
    ``ties="default"`` (a bank whose loss exactly equals its capital also fails; GK's solvency
    condition requires strictly positive net worth). Seeded, so runs are reproducible and both
    conventions see the same networks: grid point ``i`` (counted from ``first_index``) draws from
    the seed ``[seed, i]``, so a grid split into parts (:func:`gk_point`) gives the same trials.

    Returns:
        One row per (z, trial, ties): ``z, trial, ties, defaults, share``.
    """
    rows = []
    capital_ties = capital * (1 - 1e-9)  # zero equity counts as failure
    for zi, z in enumerate(np.atleast_1d(np.asarray(z_values, dtype=float)), start=first_index):
        rng = np.random.default_rng([seed, zi])
        for t in range(trials):
            A = er_exposures(n, z, rng, interbank_share)
            first = int(rng.integers(n))
            for ties, cap in (("solvent", capital), ("default", capital_ties)):
                d = int(threshold_cascade(A, np.full(n, cap), [first]).defaulted.sum())
                rows.append((z, t, ties, d, d / n))
    return pd.DataFrame(rows, columns=["z", "trial", "ties", "defaults", "share"])


def gk_point(task: tuple[float, int, int, int, int]) -> pd.DataFrame:
    """:func:`gk_simulate` at one grid point ``(z, index, trials, n, seed)``: a picklable task for
    the executors (the trials equal those of the whole grid at that index)."""
    z, index, trials, n, seed = task
    return gk_simulate([z], trials=trials, n=n, seed=seed, first_index=index)


def gk_summary(trials: pd.DataFrame) -> pd.DataFrame:
    """Probability of contagion (share of trials with more than 5% defaulting) and its extent
    (mean share defaulting in those trials), per ``z`` and ``ties``."""

    def agg(g: pd.DataFrame) -> pd.Series:
        hit = g["share"] > GK_CONTAGION_SHARE
        return pd.Series(
            {
                "trials": len(g),
                "p_contagion": hit.mean(),
                "extent": g.loc[hit, "share"].mean() if hit.any() else np.nan,
                "mean_share": g["share"].mean(),
            }
        )

    rows = [dict(z=z, ties=ties, **agg(g)) for (z, ties), g in trials.groupby(["z", "ties"], sort=True)]
    return pd.DataFrame(rows)


def gk_window(capital: float = 0.04, interbank_share: float = 0.2, ties: str = "solvent") -> tuple[float, float]:
    """The analytic contagion window ``(z_low, z_high)`` of GK's generating-function condition.

    A bank with ``j`` borrowers (GK's in-degree: its incoming links are its interbank assets)
    loses ``interbank_share / j`` of its assets when one borrower defaults with zero recovery; it
    is *vulnerable* if that loss exceeds its capital (``ties="default"``: or equals it). Contagion
    from a single default can spread when ``sum_jk j k v_j p_jk / z > 1``; with independent
    Poisson(z) in- and out-degrees (directed Erdos-Renyi) this is
    ``sum_j j v_j p_j(z) = z * P[Poisson(z) <= J - 1] > 1``, ``J`` the largest vulnerable ``j``.
    Returns ``(nan, nan)`` if no bank is vulnerable or the condition never holds.
    """
    if ties not in ("solvent", "default"):
        raise ValueError("ties must be 'solvent' or 'default'")
    j = np.arange(1, 10_000)
    loss = interbank_share / j
    vulnerable = loss >= capital if ties == "default" else loss > capital
    if ties == "default":  # ties decided exactly for ratios of small integers
        vulnerable |= np.isclose(loss, capital, rtol=1e-12, atol=0.0)
    J = int(j[vulnerable].max()) if vulnerable.any() else 0
    if J == 0:
        return (np.nan, np.nan)

    def f(z: float) -> float:
        return z * poisson.cdf(J - 1, z) - 1.0

    grid = np.linspace(1e-6, 50, 5001)
    vals = grid * poisson.cdf(J - 1, grid) - 1.0
    above = np.flatnonzero(vals > 0)
    if above.size == 0:
        return (np.nan, np.nan)
    lo_i, hi_i = above[0], above[-1]
    z_lo = brentq(f, grid[lo_i - 1], grid[lo_i])
    z_hi = brentq(f, grid[hi_i], grid[hi_i + 1])
    return (float(z_lo), float(z_hi))


# ============================================================================ clearing worked examples


def classic_examples() -> pd.DataFrame:
    """Published worked examples recomputed with the project's clearing primitives.

    * Eisenberg-Noe and Rogers-Veraart (alpha 0.5, beta 0.7): the three-bank example of the R
      package ``systemicrisk`` (Gandy & Veraart), ``default_clearing`` help page, example output
      ``clearingvec``.
    * DebtRank (Battiston et al. 2012, Sci. Rep. 2:541): the three-bank example of the R package
      ``NetworkRiskMeasures`` (Cinelli & Silva), README output.

    Returns:
        One row per published number: ``model, example, quantity, published, computed, abs_error``.
    """
    rows = []
    L = np.full((3, 3), 0.5)
    np.fill_diagonal(L, 0.0)
    ea, el = np.array([0.5, 0.625, 0.75]), np.array([1.5, 0.5, 0.5])
    gv, rv_name = "systemicrisk 3 banks", "systemicrisk 3 banks, a=0.5 b=0.7"
    en = eisenberg_noe(L, ea, el).total_payments
    for i, pub in enumerate([1.473214, 1.419643, 1.5]):
        rows.append(("Eisenberg-Noe", gv, f"clearing payment, bank {i + 1}", pub, en[i]))
    rv = rogers_veraart(L, ea, 0.5, 0.7, el).total_payments
    for i, pub in enumerate([0.5020200, 0.5147049, 0.5653806]):
        rows.append(("Rogers-Veraart", rv_name, f"clearing payment, bank {i + 1}", pub, rv[i]))
    A = np.array([[0, 1, 0], [10, 0, 3], [3, 2, 0]], dtype=float)
    E, w = np.array([2.0, 5.0, 2.0]), np.array([10.0, 100.0, 30.0])
    nrm = "NetworkRiskMeasures 3 banks"
    stress = debtrank(A, E, [0.1, 0.1, 0.1], w).system_stress
    rows.append(("DebtRank", nrm, "additional stress, 10% shock to all", 0.1607, stress))
    for name, node, pub in (("a", 0, 0.9285714), ("b", 1, 0.25), ("c", 2, 0.6642857)):
        stress = debtrank(A, E, np.eye(3)[node], w).system_stress
        rows.append(("DebtRank", nrm, f"additional stress, default of {name}", pub, stress))
    frame = pd.DataFrame(rows, columns=["model", "example", "quantity", "published", "computed"])
    frame["abs_error"] = (frame["computed"] - frame["published"]).abs()
    return frame
