"""What the Federal Reserve and the Treasury did in 2008, as policies at their historical dates.

:func:`record_2008` composes existing policy classes (no new mechanism) into the bundle
``--policy record_2008`` runs, dated on a scenario that starts in ``scenario_start``
(bank_2008: 2007-01, so March 2008 is month 14):

* **Bear Stearns' rescue merger** (16 March 2008): :class:`~aicontagion.policies.rescues.RescueMerger`
  with the Maiden Lane loan as its budget (29; CAL 2008 benchmarks/Bear Stearns rescue).
* **Primary Dealer Credit Facility** (17 March 2008 to January 2010, closed 1 February 2010):
  :class:`~aicontagion.policies.rescues.LenderOfLastResort`
  to the primary dealers (the banks that borrow in repo), from day 17 of March, at the primary
  credit rate (penalty 25 bp over the policy rate) against collateral with a haircut (assumed).
* **Treasury's Temporary Guarantee Program for money-market funds** (19 September 2008 to
  18 September 2009): :class:`~aicontagion.policies.guarantees.ImplicitGuarantee` of the funds:
  their investors' shares are backed, so a fund's investors stop running
  (``credit.always_rolls`` of a fund: :class:`~aicontagion.agents.money_market_fund.MoneyMarketFund`).
* **Asset-Backed Commercial Paper Money Market Mutual Fund Liquidity Facility (AMLF)** (19
  September 2008 to January 2010): :class:`~aicontagion.policies.rescues.LenderOfLastResort` to the funds, at
  amortized cost (no haircut), at the primary credit rate: a fund meets its redemptions by
  borrowing against its paper instead of selling it.
* **TARP's Capital Purchase Program** (from October 2008; 250 allocated on 14 October):
  :class:`~aicontagion.policies.rescues.Bailout` of banks whose equity / assets is below a
  threshold (assumed), up to the allocation.

Every number is a row of :data:`RECORD_2008` (value, range, source). The model's month is the
policy's grain except for the PDCF's ``start_day`` (the liquidity sub-steps resolve days);
the guarantee and the AMLF act from the first day of September (their dates, the 19th, fall
after the sub-step of day 15).
"""

from __future__ import annotations

from aicontagion.policies.base import Policy, PolicyError
from aicontagion.policies.guarantees import ImplicitGuarantee
from aicontagion.policies.rescues import Bailout, LenderOfLastResort, RescueMerger

RECORD_2008: dict[str, tuple[object, object, str]] = {
    "rescue_merger_date": ("2008-03", None, "CAL 2008 benchmarks/timeline (Bear Mar 16)"),
    "rescue_merger_budget": (29.0, None, "CAL 2008 benchmarks/Bear Stearns rescue (Maiden Lane loan 28.82)"),
    "pdcf_date": ("2008-03", None, "CAL 2008 interventions/PDCF (16-17 Mar 2008)"),
    "pdcf_start_day": (17, None, "CAL 2008 interventions/PDCF (open 17 Mar 2008)"),
    "pdcf_end": ("2010-01", None, "CAL 2008 interventions/PDCF (PDCF and AMLF closed 1 Feb 2010)"),
    "pdcf_penalty": (0.0025, None, "CAL 2008 interventions/primary credit rate (25 bp)"),
    "pdcf_haircut": (0.05, (0.02, 0.15), "assumed (tri-party repo margins on PDCF collateral)"),
    "mmf_guarantee_date": ("2008-09", None, "CAL 2008 interventions/money-market guarantee (19 Sep 2008)"),
    "mmf_guarantee_end": ("2009-09", None, "CAL 2008 interventions/money-market guarantee (ended 18 Sep 2009)"),
    "amlf_date": ("2008-09", None, "CAL 2008 interventions/AMLF (19 Sep 2008)"),
    "amlf_end": ("2010-01", None, "CAL 2008 interventions/PDCF (PDCF and AMLF closed 1 Feb 2010)"),
    "amlf_haircut": (0.0, None, "CAL 2008 interventions/AMLF (lent the amortized cost)"),
    "amlf_penalty": (0.0025, None, "CAL 2008 interventions/primary credit rate (AMLF at it)"),
    "tarp_date": ("2008-10", None, "CAL 2008 interventions/TARP Capital Purchase Program (14 Oct 2008)"),
    "tarp_budget": (250.0, None, "CAL 2008 interventions/TARP Capital Purchase Program (250 of 700)"),
    "tarp_threshold": (0.04, (0.03, 0.06), "assumed (equity / assets below which a bank takes CPP capital)"),
    "tarp_target": (0.05, (0.04, 0.07), "assumed (equity / assets the injection restores; CPP: 1-3% of RWA)"),
}
"""Each number of the bundle: (value, range or None when it is a cited fact, source)."""


def _value(name: str, overrides: dict) -> object:
    return overrides.get(name, RECORD_2008[name][0])


def month_index(month: str, scenario_start: str) -> int:
    """Months from ``scenario_start`` (``YYYY-MM``) to ``month`` (``YYYY-MM``): the policy clock."""
    try:
        (y0, m0), (y1, m1) = (tuple(int(x) for x in s.split("-")) for s in (scenario_start, month))
    except ValueError:
        raise PolicyError(f"record_2008: months are YYYY-MM (got {scenario_start!r}, {month!r})") from None
    k = (y1 - y0) * 12 + (m1 - m0)
    if k < 0:
        raise PolicyError(f"record_2008: {month} is before the scenario's start {scenario_start}")
    return k


def record_2008(scenario_start: str = "2007-01", **overrides) -> list[Policy]:
    """The 2008 interventions as policies dated on a scenario starting ``scenario_start``.

    ``overrides`` replace rows of :data:`RECORD_2008` by name (e.g. ``pdcf_haircut=0.15``,
    ``tarp_budget=0`` to leave one out); an unknown name is refused.
    """
    unknown = set(overrides) - set(RECORD_2008)
    if unknown:
        raise PolicyError(f"record_2008: unknown setting(s) {', '.join(sorted(unknown))}")

    def at(name: str) -> int:
        return month_index(str(_value(name, overrides)), scenario_start)

    return [
        RescueMerger(budget=float(_value("rescue_merger_budget", overrides)), start=at("rescue_merger_date")),
        LenderOfLastResort(
            kinds=("bank",),
            repo_borrowers=True,
            haircut=float(_value("pdcf_haircut", overrides)),
            penalty=float(_value("pdcf_penalty", overrides)),
            start=at("pdcf_date"),
            end=at("pdcf_end"),
            start_day=int(_value("pdcf_start_day", overrides)),
        ),
        ImplicitGuarantee(
            kinds=("money_market_fund",),
            coverage=1.0,
            spread_compression=0.0,  # the funds borrow nothing: what the guarantee moves is their investors
            start=at("mmf_guarantee_date"),
            end=at("mmf_guarantee_end"),
        ),
        LenderOfLastResort(
            kinds=("money_market_fund",),
            haircut=float(_value("amlf_haircut", overrides)),
            penalty=float(_value("amlf_penalty", overrides)),
            start=at("amlf_date"),
            end=at("amlf_end"),
        ),
        Bailout(
            kinds=("bank",),
            threshold=float(_value("tarp_threshold", overrides)),
            target=float(_value("tarp_target", overrides)),
            budget=float(_value("tarp_budget", overrides)),
            start=at("tarp_date"),
        ),
    ]
