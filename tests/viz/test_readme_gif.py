"""The README's GIF is what the code produces now.

``make animate-demo`` writes ``docs/img/disproven.gif`` and, beside it, the caption of its last
frame (``docs/img/disproven.caption.txt``: losses at final bearers and defaults by kind). Here the
same run is recorded again: its last caption must equal the stored one, the GIF must have one
frame per month, and the README's sentence under the GIF must quote the stored numbers. When this
fails after a change of the model, run ``make animate-demo`` and update the README's sentence.
"""

from pathlib import Path

import pytest

from aicontagion.viz.animation import record
from aicontagion.viz.captions import caption

ROOT = Path(__file__).resolve().parents[2]
GIF = ROOT / "docs" / "img" / "disproven.gif"
CAPTION = ROOT / "docs" / "img" / "disproven.caption.txt"
MONTHS = 120  # the Makefile's animate-demo: --scenario ai_2025 --productivity disproven --months 120 --seed 1


@pytest.fixture(scope="module")
def frames():
    return record("ai_2025", productivity="disproven", months=MONTHS, seed=1)


def test_the_stored_caption_is_the_codes_last_frame(frames):
    now = caption(frames, frames.T - 1)
    assert CAPTION.read_text().strip() == now, (
        f"docs/img/disproven.gif is stale: its last frame reads\n{CAPTION.read_text().strip()}\nthe code now gives\n"
        f"{now}\nrun `make animate-demo` and update the README's sentence under the GIF"
    )


def test_the_gif_has_one_frame_per_month(frames):
    image = pytest.importorskip("PIL.Image")
    with image.open(GIF) as gif:
        assert gif.n_frames == frames.T == MONTHS


def test_the_readme_quotes_the_gifs_numbers():
    readme = (ROOT / "README.md").read_text()
    sentence = " ".join(readme.split("docs/img/disproven.gif)", 1)[1].split("\n\n", 2)[1].split())
    for line in CAPTION.read_text().strip().splitlines():
        value = line.split(": ", 1)[1]
        assert value in sentence, f"the README's sentence under the GIF does not say {value!r}:\n{sentence}"
