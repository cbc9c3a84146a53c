"""The animation shows the financing chain: private credit's AI exposure, banks' claims on funds
and SPVs, and the order book, read from the recorder's system series each month."""

import numpy as np

from aicontagion import Sim
from aicontagion.viz.animation import record
from aicontagion.viz.captions import chain_caption
from aicontagion.viz.frames import CHAIN_SERIES


def test_the_frames_carry_the_chain_series_of_the_run_and_the_caption_quotes_them():
    frames = record("ai_2025", productivity="base", months=6, seed=1)
    run = Sim("ai_2025", productivity="base", seed=1, months=6).run()
    want = np.column_stack([run.series(x)["system"].to_numpy()[1:] for x in CHAIN_SERIES])  # row 0: the opening
    np.testing.assert_allclose(frames.chain, want)
    pc, funds, spvs, book = frames.chain[-1]
    assert funds > 0 and book > 0  # the bank lines to funds and the order book exist from the start
    text = chain_caption(frames, frames.T - 1)
    assert f"USD {pc:,.0f} bn" in text and f"{funds:,.0f} / {spvs:,.0f} bn" in text and f"USD {book:,.0f} bn" in text
