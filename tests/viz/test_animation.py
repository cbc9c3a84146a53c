"""Network animations: recording, the picture's artists, formats, supernodes, side by side, the CLI."""

from io import BytesIO

import numpy as np
import pytest
from PIL import Image

import aicontagion as ac
from aicontagion.cli import main
from aicontagion.core.kinds import Kind, Status
from aicontagion.viz.animation import (
    AnimationError,
    Frames,
    aggregate,
    animate,
    output_format,
    policies_from_name,
    record,
    record_sim,
)
from aicontagion.viz.layout import tier_of, tiered_layout
from aicontagion.viz.picture import NetworkAnimation, carried_loss, health
from tests.conftest import MINI


@pytest.fixture(scope="module")
def mini_frames() -> Frames:
    return record(str(MINI), productivity="disproven", months=8, seed=1)


@pytest.fixture(scope="module")
def ai_frames() -> Frames:
    return record("ai_2025", productivity="disproven", months=24, seed=1)


def synthetic_frames(n: int = 420, t: int = 5, seed: int = 0) -> Frames:
    """A made-up recording of ``n`` institutions (for supernodes: no model that large is needed)."""
    rng = np.random.default_rng(seed)
    kind = rng.choice([int(k) for k in (Kind.BANK, Kind.SPV, Kind.NEOCLOUD, Kind.PENSION_LP, Kind.AI_LAB)], n)
    pairs = np.unique(rng.integers(0, n, size=(4 * n, 2)), axis=0)
    pairs = pairs[pairs[:, 0] != pairs[:, 1]]
    assets0 = rng.lognormal(3, 1, n)
    assets = assets0 * np.linspace(1.0, 0.7, t)[:, None]
    status = np.where(rng.random((t, n)) < 0.1, Status.DEFAULTED, Status.ACTIVE).astype(np.int8)
    dead = status == Status.DEFAULTED
    exposure = rng.lognormal(0, 1, len(pairs)) * np.ones((t, 1))
    return Frames(
        label="synthetic",
        names=[f"i{i}" for i in range(n)],
        kind=kind,
        dates=[f"2025-{m + 1:02d}" for m in range(t)],
        months=np.arange(1, t + 1),
        equity=assets * 0.2,
        assets=assets,
        distress=np.zeros((t, n)),
        status=status,
        equity0=assets0 * 0.2,
        assets0=assets0,
        pairs=pairs,
        exposure=exposure,
        loss=exposure * 0.05,
        losses=np.arange(t, dtype=float),
        defaults_by_kind=np.array([np.bincount(kind[d], minlength=len(Kind)) for d in dead]),
        system_assets=float(assets0.sum()),
        members=np.ones(n, dtype=np.int64),
        defaulted=dead.astype(np.int64),
    )


# ---------------------------------------------------------------- recording
def test_recording_reads_the_model_without_changing_it():
    sim = ac.Sim(str(MINI), productivity="disproven", seed=3, months=12)
    frames = record_sim(sim)
    plain = ac.Sim(str(MINI), productivity="disproven", seed=3, months=12).run()
    assert frames.T == 12 and list(frames.months) == list(range(1, 13))
    assert frames.dates[0] == "2025-01" and frames.dates[-1] == "2025-12"
    assert sim.summary["total_loss"] == pytest.approx(plain.summary["total_loss"])
    assert sim.summary["defaults"] == plain.summary["defaults"]
    assert frames.losses[-1] == pytest.approx(plain.summary["total_loss"])
    assert np.allclose(frames.equity[-1], plain.model.state.books.equity)
    assert frames.defaults_by_kind[-1].sum() == plain.summary["defaults"]


def test_frames_shapes_and_losses(ai_frames):
    f = ai_frames
    assert f.equity.shape == f.assets.shape == f.status.shape == (f.T, f.n)
    assert f.exposure.shape == f.loss.shape == (f.T, len(f.pairs))
    assert (f.exposure >= 0).all() and (f.loss >= 0).all()
    assert (f.pairs[:, 0] != f.pairs[:, 1]).all() and f.pairs.min() >= 0 and f.pairs.max() < f.n
    # the disproven path: some exposure lines carry losses, and defaulted labs lose their lines
    assert any(carried_loss(f, t).any() for t in range(f.T))
    dead = np.flatnonzero(f.status[-1] == Status.DEFAULTED)
    assert dead.size >= 1
    into_dead = np.isin(f.pairs[:, 1], dead)
    assert f.exposure[-1, into_dead].sum() < f.exposure[0, into_dead].sum()


def test_health_scale(ai_frames):
    h = health(ai_frames, ai_frames.T - 1)
    dead = ai_frames.status[-1] == Status.DEFAULTED
    assert np.all(h[dead] <= 0.01)
    gov = ai_frames.kind == Kind.GOVERNMENT
    assert np.isnan(h[gov]).all()  # no opening equity to compare with
    assert np.nanmax(h) > 0.5


def test_policy_lookup():
    assert policies_from_name("none") == []
    with pytest.raises(AnimationError, match="unknown policy 'no_such_policy'"):
        policies_from_name("no_such_policy")


def test_output_format():
    assert output_format("a/b.GIF") == ".gif" and output_format("x.htm") == ".html"
    with pytest.raises(AnimationError, match="unknown animation format"):
        output_format("x.avi")


# ---------------------------------------------------------------- layout and picture
def test_layout_reads_the_risk_chain_left_to_right(ai_frames):
    pos = tiered_layout(ai_frames.kind, ai_frames.pairs, ai_frames.exposure.max(axis=0), ai_frames.assets0)
    tiers = tier_of(ai_frames.kind)
    for a, b in zip(range(4), range(1, 5), strict=True):
        assert pos[tiers == a, 0].max() < pos[tiers == b, 0].min()
    assert (pos[:, 1] >= 0).all() and (pos[:, 1] <= 1).all()
    for t in range(5):  # nodes of a column do not sit on each other
        ys = np.sort(pos[tiers == t, 1])
        assert (np.diff(ys) > 0.03).all()


def test_crowded_tier_splits_into_sub_columns():
    f = synthetic_frames(n=120)
    pos = tiered_layout(f.kind, f.pairs, f.exposure[0], f.assets0)
    banks = f.kind == Kind.BANK
    assert len(np.unique(np.round(pos[banks, 0], 6))) > 1


def test_artists_are_updated_not_recreated(mini_frames):
    movie = NetworkAnimation([mini_frames])
    movie.prepare(dpi=50)
    before = movie.artists()
    nodes, title = movie.pictures[0].nodes, movie.pictures[0].title
    texts, sizes = [], []
    for t in range(mini_frames.T):
        movie.update(t)
        movie.fig.savefig(BytesIO(), format="rgba", dpi=50)
        after = movie.artists()
        assert len(after) == len(before)
        assert [id(a) for a in after] == [id(a) for a in before]
        texts.append(title.get_text())
        sizes.append(nodes.get_sizes().copy())
    assert len(set(texts)) == mini_frames.T  # the date changes every frame
    assert any(not np.allclose(sizes[0], s) for s in sizes[1:])  # balance sheets move
    assert movie.pictures[0].nodes is nodes


def test_frame_png(tmp_path, mini_frames):
    movie = NetworkAnimation([mini_frames])
    out = movie.save_frame(3, tmp_path / "frame.png", dpi=40)
    with Image.open(out) as im:
        assert im.size == (480, 304)


# ---------------------------------------------------------------- formats
@pytest.mark.parametrize("suffix", [".gif", ".mp4", ".html"])
def test_each_format_renders(tmp_path, mini_frames, suffix):
    frames = aggregate(mini_frames)  # unchanged: small
    out = animate(frames, tmp_path / f"net{suffix}", fps=4, dpi=40)
    assert out.is_file() and out.stat().st_size > 1000
    assert [p.name for p in tmp_path.iterdir()] == [out.name]  # no temporary file left
    data = out.read_bytes()
    if suffix == ".gif":
        with Image.open(out) as im:
            assert im.n_frames == mini_frames.T and im.size == (480, 304)
    elif suffix == ".mp4":
        assert data[4:8] == b"ftyp"
    else:
        text = data.decode()
        assert text.count("data:image/png;base64") == mini_frames.T and "Animation" in text


# ---------------------------------------------------------------- supernodes
def test_aggregation_reduces_large_systems():
    f = synthetic_frames(n=420)
    g = aggregate(f, max_nodes=300)
    assert g.n < 30 and g.aggregated
    assert g.members.sum() == f.n
    assert np.allclose(g.assets.sum(axis=1), f.assets.sum(axis=1))
    assert np.allclose(g.equity0.sum(), f.equity0.sum())
    assert (g.pairs[:, 0] != g.pairs[:, 1]).all()
    assert g.exposure.sum() <= f.exposure.sum() + 1e-9
    assert (g.defaulted.sum(axis=1) == (f.status == Status.DEFAULTED).sum(axis=1)).all()
    assert set(np.unique(g.kind)) == set(np.unique(f.kind))
    kinds = aggregate(f, max_nodes=300, method="kind")
    assert kinds.n == len(np.unique(f.kind))
    assert aggregate(f, max_nodes=1000) is f


def test_aggregation_of_a_real_run(ai_frames, tmp_path):
    g = aggregate(ai_frames, max_nodes=10, method="kind")
    assert g.n == len(np.unique(ai_frames.kind)) < ai_frames.n
    assert np.allclose(g.assets.sum(axis=1), ai_frames.assets.sum(axis=1))
    assert g.status[-1][g.kind == Kind.AI_LAB][0] in (Status.DISTRESSED, Status.DEFAULTED)
    out = animate(ai_frames, tmp_path / "agg.gif", dpi=30, max_nodes=10)
    with Image.open(out) as im:
        assert im.n_frames == ai_frames.T


# ---------------------------------------------------------------- side by side
def test_side_by_side_on_one_clock(tmp_path, ai_frames, mini_frames):
    movie = NetworkAnimation([ai_frames, mini_frames])
    assert movie.n_frames == max(ai_frames.T, mini_frames.T) and len(movie.pictures) == 2
    movie.update(ai_frames.T - 1)  # the shorter run stays on its last month
    assert mini_frames.dates[-1] in movie.pictures[1].title.get_text()
    assert ai_frames.dates[-1] in movie.pictures[0].title.get_text()
    assert movie.clock.get_text() == f"month {ai_frames.T} of each system"
    out = animate([ai_frames, mini_frames], tmp_path / "both.gif", dpi=30)
    with Image.open(out) as im:
        assert im.n_frames == ai_frames.T and im.size[0] > im.size[1] * 1.8


def test_cli_compare(tmp_path, capsys):
    out = tmp_path / "cmp.gif"
    code = main(["animate", "--compare", "ai_2025", str(MINI), "--months", "5", "--out", str(out), "--dpi", "30"])
    stdout, err = capsys.readouterr()
    assert code == 0, err
    assert "animation written" in stdout and "ai_2025" in stdout and "mini" in stdout
    with Image.open(out) as im:
        assert im.n_frames == 5


def test_cli_single(tmp_path, capsys):
    out = tmp_path / "sub" / "one.html"
    args = ["animate", "--scenario", str(MINI), "--productivity", "slow", "--months", "3", "--seed", "2"]
    code = main(args + ["--out", str(out), "--dpi", "30", "--quiet"])
    assert code == 0, capsys.readouterr().err
    assert out.is_file()


@pytest.mark.parametrize(
    "args, expected",
    [
        (["--scenario", str(MINI), "--out", "{out}/a.avi"], "unknown animation format"),
        (["--scenario", str(MINI), "--out", "{out}/a"], "unknown animation format"),
        (["--scenario", str(MINI), "--policy", "nonsense", "--out", "{out}/a.gif"], "unknown policy 'nonsense'"),
        (["--scenario", "{out}/missing.yaml", "--out", "{out}/a.gif"], "missing.yaml"),
        (["--scenario", str(MINI), "--productivity", "boom", "--out", "{out}/a.gif"], "boom"),
        (["--compare", "ai_2025", "{out}/missing.yaml", "--out", "{out}/a.gif"], "missing.yaml"),
        (["--compare", "ai_2025", "--out", "{out}/a.gif"], "--compare"),
        (["--scenario", str(MINI), "--months", "0", "--out", "{out}/a.gif"], "--months"),
        (["--scenario", str(MINI), "--fps", "0", "--out", "{out}/a.gif"], "--fps"),
        (["--scenario", str(MINI), "--dpi", "-5", "--out", "{out}/a.gif"], "--dpi"),
        (["--scenario", str(MINI)], "--out"),
    ],
)
def test_cli_bad_input(tmp_path, capsys, args, expected):
    out_dir = tmp_path / "out"
    argv = ["animate", "--quiet"] + [a.replace("{out}", str(out_dir)) for a in args]
    code = main(argv)
    stdout, err = capsys.readouterr()
    lines = [x for x in err.splitlines() if x.strip()]
    assert code == 2
    assert len(lines) == 1 and lines[0].startswith("aicontagion: error: ") and expected in lines[0]
    assert "Traceback" not in err
    assert not out_dir.exists()
