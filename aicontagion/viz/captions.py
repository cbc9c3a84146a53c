"""Captions of the network picture: losses and defaults by kind, and the financing chain, at a frame
(USD bn, cumulative from the start)."""

from __future__ import annotations

from aicontagion.core.kinds import Kind
from aicontagion.viz.frames import Frames

KIND_NAMES = {  # singular, plural
    Kind.TECH_GIANT: ("tech giant", "tech giants"),
    Kind.AI_LAB: ("AI lab", "AI labs"),
    Kind.CHIP_SUPPLIER: ("chip supplier", "chip suppliers"),
    Kind.NEOCLOUD: ("neocloud", "neoclouds"),
    Kind.SPV: ("SPV", "SPVs"),
    Kind.PRIVATE_CREDIT_FUND: ("credit fund", "credit funds"),
    Kind.BANK: ("bank", "banks"),
    Kind.PENSION_LP: ("pension/insurer/ETF holder", "pensions/insurers/ETF holders"),
    Kind.GOVERNMENT: ("government", "governments"),
}


def kind_name(kind: Kind, count: int = 1) -> str:
    """How captions name ``count`` institutions of ``kind`` (``"1 SPV"``, ``"3 AI labs"``)."""
    one, many = KIND_NAMES.get(kind, (kind.label.replace("_", " "), kind.label.replace("_", " ") + "s"))
    return one if count == 1 else many


def plain(text: str) -> str:
    """``text`` shown as written: a ``$`` in an institution or scenario name does not start
    matplotlib mathtext (``$\\frac{$`` would fail to draw)."""
    return text.replace("$", r"\$")


def chain_caption(frames: Frames, t: int) -> str:
    """The financing chain at frame ``t``, two lines (empty when the frames have no chain)."""
    if frames.chain is None or frames.chain.shape[0] <= t:
        return ""
    pc, funds, spvs, book = frames.chain[t]
    return (
        f"private credit in AI: USD {pc:,.0f} bn; banks in funds / SPVs: {funds:,.0f} / {spvs:,.0f} bn\n"
        f"capex order book: USD {book:,.0f} bn"
    )


def caption(frames: Frames, t: int) -> str:
    """Cumulative losses and defaults by kind at frame ``t``, two lines."""
    loss = frames.losses[t]
    share = loss / frames.system_assets if frames.system_assets > 0 else float("nan")
    counts = frames.defaults_by_kind[t]
    parts = [f"{int(c)} {kind_name(Kind(k), int(c))}" for k, c in enumerate(counts) if c]
    return (
        f"losses at final bearers: USD {loss:,.0f} bn ({share:.1%} of system assets)\n"
        f"defaults: {', '.join(parts) if parts else 'none'}"
    )
