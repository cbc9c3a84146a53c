"""Validation: classic published results reproduced with the project's own code (docs/validation.md).

* :mod:`~aicontagion.validation.networks`: the clearing worked examples (Eisenberg-Noe,
  Rogers-Veraart, DebtRank) and the Gai-Kapadia (2010) contagion window;
* :mod:`~aicontagion.validation.eba`: Cont-Schaanning fire sales on the EBA 2018 banks, as in the
  open INET Oxford model.

Everything here is a pure function of its arguments (and a seed); nothing touches the monthly model.
"""

from aicontagion.validation.eba import *  # noqa: F403
from aicontagion.validation.eba import __all__ as _eba_all
from aicontagion.validation.networks import classic_examples, er_exposures, gk_point, gk_simulate, gk_summary, gk_window

__all__ = [*_eba_all, "classic_examples", "er_exposures", "gk_point", "gk_simulate", "gk_summary", "gk_window"]
