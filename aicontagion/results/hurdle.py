"""The seed analysis's back-of-envelope hurdle (SEED_NOTES section 3), as a pure function.

How much AI revenue does the build-out need to earn its cost of capital?

```
roi          = equity_share x equity_return + (1 - equity_share) x debt_cost   (a weighted cost of capital)
ebitda       = capex x roi                                                     (USD bn a year)
revenue      = ebitda / ebitda_margin                                          (USD bn a year)
share_of_gdp = revenue / gdp
```

With the seed's numbers (3T of capex, an ROI of 12%, a 65% EBITDA margin, US GDP of about 29T)
that is 360 of EBITDA, about 554 of revenue and about 1.9% of GDP; a 3:7 equity:debt mix at a 20%+
equity return and 6-9% debt gives an ROI of about 11-13%. ``roi`` can also be given directly.
Every argument may be a numpy array (the results broadcast), so a sweep is one call.

The scenario's hurdle (:class:`aicontagion.scenarios.schema.Hurdle`) is the same formula with the
ROI given: ``hurdle(capex, roi=roi, ebitda_margin=m).revenue == Hurdle(capex, roi, m).revenue``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

US_GDP = 29_000.0  # USD bn a year (SEED §3: US GDP about $29T)
CLOUD_REVENUE_2025 = 400.0  # USD bn a year (SEED §3: the whole cloud industry earned about $400B in 2025)
SEED_CAPEX = 3_000.0  # USD bn to 2028 (SEED §3)
SEED_EBITDA_MARGIN = 0.65  # SEED §3
SEED_EQUITY_SHARE = 0.3  # SEED §3: equity:debt = 3:7
SEED_EQUITY_RETURN = 0.2  # SEED §3: a 20%+ equity return
SEED_ROI = 0.12  # SEED §3: EBITDA / capex of about 12-13%
# derived: the debt cost at which 3:7 and a 20% equity return give the seed's 12% (8.6%, within SEED §3's 6-9%)
SEED_DEBT_COST = (SEED_ROI - SEED_EQUITY_SHARE * SEED_EQUITY_RETURN) / (1.0 - SEED_EQUITY_SHARE)


def required_roi(debt_cost: Any, equity_share: Any, equity_return: Any) -> Any:
    """EBITDA / capex needed to pay debt its cost and equity its return (a weighted cost of capital)."""
    return np.asarray(equity_share) * equity_return + (1.0 - np.asarray(equity_share)) * np.asarray(debt_cost)


@dataclass(frozen=True)
class HurdleResult:
    """The hurdle's chain of numbers (floats, or arrays for a sweep); USD bn a year unless a ratio."""

    capex: Any
    roi: Any  # EBITDA / capex
    ebitda: Any  # USD bn a year
    ebitda_margin: Any
    revenue: Any  # USD bn a year of AI revenue needed
    share_of_gdp: Any  # revenue / GDP
    cloud_industries: Any  # revenue / the 2025 cloud industry's revenue

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def hurdle(
    capex: Any = SEED_CAPEX,
    debt_cost: Any = SEED_DEBT_COST,
    equity_share: Any = SEED_EQUITY_SHARE,
    equity_return: Any = SEED_EQUITY_RETURN,
    ebitda_margin: Any = SEED_EBITDA_MARGIN,
    gdp: Any = US_GDP,
    roi: Any = None,
) -> HurdleResult:
    """The revenue AI must earn for ``capex`` to pay its cost of capital (SEED_NOTES section 3).

    Args:
        capex: USD bn invested.
        debt_cost, equity_share, equity_return: the financing mix and its prices (annual); they set
            the required ROI unless ``roi`` is given.
        ebitda_margin: EBITDA / revenue of the infrastructure's customers' AI business.
        gdp: USD bn a year.
        roi: the required EBITDA / capex directly (overrides the financing mix).

    >>> h = hurdle(roi=0.12)
    >>> round(float(h.ebitda)), round(float(h.revenue)), round(float(h.share_of_gdp), 3)
    (360, 554, 0.019)
    """
    r = required_roi(debt_cost, equity_share, equity_return) if roi is None else np.asarray(roi, dtype=float)
    ebitda = np.asarray(capex, dtype=float) * r
    revenue = ebitda / np.asarray(ebitda_margin, dtype=float)
    out = {
        "capex": capex,
        "roi": r,
        "ebitda": ebitda,
        "ebitda_margin": ebitda_margin,
        "revenue": revenue,
        "share_of_gdp": revenue / np.asarray(gdp, dtype=float),
        "cloud_industries": revenue / CLOUD_REVENUE_2025,
    }
    return HurdleResult(**{k: float(v) if np.ndim(v) == 0 else np.asarray(v) for k, v in out.items()})


__all__ = ["hurdle", "required_roi", "HurdleResult", "US_GDP", "CLOUD_REVENUE_2025"]
