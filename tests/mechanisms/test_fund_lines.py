"""Bank lines to private-credit funds: a marked-down portfolio breaches the LTV covenant; the fund
sells loans and repays, or, with too little left to sell, defaults on the line (a bank loss)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import yaml

from aicontagion.core.books import Channel
from aicontagion.core.kinds import Status
from aicontagion.model import ContagionModel
from aicontagion.network.contracts import ContractType
from tests.mechanisms.conftest import MINI, contract, row


def _fund_model(tmp_path: Path, loans: float, drawn: float, fall: float, other: float) -> ContagionModel:
    """The mini system with a fund holding ``loans`` of private loans whose price falls by
    ``fall`` in month 2 (mark-to-market), a covenant-0.5 line drawn ``drawn`` from the bank."""
    raw = yaml.safe_load(Path(MINI).read_text())
    raw["markets"]["private_loans"].update(appraisal=1.0, shocks=[{"at": "2025-02", "fall": fall}])
    for inst in raw["institutions"]:
        if inst["id"] == "fund":
            inst.update(cash=0.5, other_assets=other, holdings={"private_loans": loans})
    raw["contracts"] = [k for k in raw["contracts"] if k["id"] not in ("spv_equity_fund", "neo_loan")]
    raw["contracts"].append(
        {"id": "spv_equity_other", "type": "equity", "holder": "giant", "issuer": "spv", "share": 0.8}
    )
    for k in raw["contracts"]:
        if k["id"] == "fund_line":
            k.update(principal=drawn, limit=drawn, seniority="secured")
    path = tmp_path / "fund.yaml"
    path.write_text(yaml.safe_dump(raw))
    return ContagionModel(str(path), productivity="base", seed=1, check_invariants=True)


def test_a_marked_down_fund_sells_loans_and_repays_its_line(tmp_path):
    m = _fund_model(tmp_path, loans=30.0, drawn=14.0, fall=0.2, other=0.0)
    s = m.state
    fund, line = row(s, "fund"), contract(s, "fund_line")
    m.step()
    assert s.contracts.principal[line] == 14.0  # LTV 14 / 30.5 = 0.46: within 0.5
    held = s.books.holdings[fund, s.markets.index["private_loans"]]
    m.step()  # loans marked to 0.8: LTV 14 / 24.5 = 0.57 > 0.5
    assert s.contracts.principal[line] < 14.0  # repaid from the sale
    assert s.books.holdings[fund, s.markets.index["private_loans"]] < held  # loans sold
    assert s.lifecycle.status[fund] == Status.ACTIVE
    s.snapshot.assets = s.books.assets(s.contracts, s.markets.marked_price)
    ltv = s.books.liabilities(s.contracts)[fund] / s.snapshot.assets[fund]
    assert ltv <= 0.5 * 1.01  # cured
    assert not [e for e in s.events.rows if e["event"] == "default" and e["institution"] == "fund"]


def test_a_breach_the_fund_cannot_cure_is_a_default_and_a_bank_loss(tmp_path):
    m = _fund_model(tmp_path, loans=30.0, drawn=14.0, fall=0.7, other=0.0)
    s = m.state
    fund, bank = row(s, "fund"), row(s, "bank")
    m.step()
    m.step()  # loans marked to 0.3: 9 of assets against 14 of line
    assert s.lifecycle.status[fund] == Status.DEFAULTED
    why = [e["cause"] for e in s.events.rows if e["event"] == "default" and e["institution"] == "fund"]
    assert why and why[0].startswith(("covenant breach not cured", "equity below zero", "could not pay"))
    assert s.books.pnl[bank, Channel.COUNTERPARTY] < 0.0  # the line is not repaid in full


def test_ai_2025_bank_lines_to_funds_are_at_the_calibrated_size():
    m = ContagionModel("ai_2025", productivity="base", seed=1)
    s, c = m.state, m.state.contracts
    lines = c.rows_of(ContractType.CREDIT_LINE)
    funds = np.isin(c.obligor[lines], [row(s, f) for f in ("blue_owl", "blackstone", "apollo")])
    lines = lines[funds & (c.creditor[lines] >= 0)]
    assert np.isclose(c.principal[lines].sum(), 95.0, atol=0.05)  # CAL bank lending to private debt funds
    assert np.isclose(c.limit[lines].sum(), 300.0, atol=0.1)  # CAL bank commitments to PE / private-credit funds
    assert np.isfinite(c.covenant[lines]).sum() == lines.size // 2  # NAV loans carry the LTV covenant


def test_a_solvent_fund_with_too_little_to_sell_defaults_on_its_line(tmp_path):
    """Equity still positive, but the loans it can sell do not restore the LTV: the lenders
    accelerate and the fund defaults (the covenant's own default, not insolvency)."""
    m = _fund_model(tmp_path, loans=20.0, drawn=14.0, fall=0.7, other=13.5)  # 6 to sell, 13.5 not
    s = m.state
    fund = row(s, "fund")
    m.step()
    m.step()
    why = [e["cause"] for e in s.events.rows if e["event"] == "default" and e["institution"] == "fund"]
    assert s.lifecycle.status[fund] == Status.DEFAULTED
    assert why == ["covenant breach not cured"]
    # the secured line is recovered from the 13.5 the fund could not sell: the bank loses nothing
    assert s.books.pnl[row(s, "bank"), Channel.COUNTERPARTY] > -1e-9
