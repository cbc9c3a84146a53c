"""Command line: ``aicontagion run | compare | validate | sweep | sensitivity | animate | app``.

Bad input (a missing or unreadable scenario, YAML errors, unknown keys, kinds or counterparties,
impossible values, bad options) prints one line ``aicontagion: error: <file>: <where>: <what>``
to stderr and exits with status 2, without a traceback and without writing anything: results
are written to a temporary folder and moved into ``--out`` only when complete.
"""

from __future__ import annotations

import argparse
import math
import os
import shutil
import sys
import tempfile
from pathlib import Path

PATHS = ("fast", "base", "slow", "disproven")


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # one line, exit 2
        raise _BadInput(f"{self.prog}: {message}")


class _BadInput(Exception):
    pass


def _parser() -> argparse.ArgumentParser:
    p = _Parser(prog="aicontagion", description="Systemic contagion in AI-infrastructure finance.")
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)

    run = sub.add_parser("run", help="run one scenario under one productivity path")
    _scenario_args(run)
    run.add_argument("--productivity", default=None, help="fast | base | slow | disproven (default: the scenario's)")
    run.add_argument("--seed", type=int, default=1)
    run.add_argument(
        "--policy",
        default="none",
        help="none | implicit_guarantee | loan_guarantee | bailout | lender_of_last_resort | rescue_merger | "
        "state_company | record_2008 (the 2008 interventions, dated; bank_2008) (with their default arguments)",
    )
    run.add_argument("--out", default="results/run", help="folder for Parquet results and figures")
    run.add_argument("--no-plots", action="store_true", help="skip the PNG figures")

    cmp_ = sub.add_parser("compare", help="run several productivity paths on the same seeds")
    _scenario_args(cmp_)
    cmp_.add_argument("--productivity", nargs="+", default=list(PATHS))
    cmp_.add_argument("--seeds", type=int, default=5, help="number of seeds (0..N-1)")
    cmp_.add_argument("--processes", type=int, default=1)
    cmp_.add_argument("--out", default="results/compare")

    val = sub.add_parser("validate", help="check scenario files: schema, balance sheets, citations")
    val.add_argument("scenarios", nargs="+", help="scenario names or YAML paths")

    swp = sub.add_parser("sweep", help="run a parameter sweep (one Parquet file per run; re-running resumes)")
    swp.add_argument("spec", help="sweep spec (YAML): scenario, months, seeds, policies, design")
    swp.add_argument("--out", default=None, help="results folder (default results/sweeps/<spec name>)")
    swp.add_argument(
        "--executor",
        choices=("auto", "serial", "processes", "dask"),
        default="auto",
        help="auto (default): serial for a few runs per worker, else processes",
    )
    swp.add_argument("--scheduler-address", default=None, help="a running Dask scheduler (dask executor only)")
    swp.add_argument("--workers", type=int, default=None, help="processes or Dask workers (default: all cores)")
    swp.add_argument("--quiet", action="store_true", help="no progress bar")

    sen = sub.add_parser(
        "sensitivity", help="which assumptions drive the answer: Morris screening, then Sobol indices (SALib)"
    )
    sen.add_argument("spec", help="sensitivity spec (YAML): scenario, months, seeds, method, parameters, outcomes")
    sen.add_argument("--out", default=None, help="results folder (default results/sensitivity/<spec name>)")
    sen.add_argument(
        "--executor", choices=("serial", "processes", "dask"), default=None, help="default processes (--quick: serial)"
    )
    sen.add_argument("--workers", type=int, default=None, help="processes or Dask workers (default: all cores)")
    sen.add_argument("--quick", action="store_true", help="a smoke run: 12 months, 1 seed, tiny samples")
    sen.add_argument("--quiet", action="store_true", help="no progress bar")

    ani = sub.add_parser("animate", help="animate the exposure network, one frame per month (GIF, MP4 or HTML)")
    _scenario_args(ani)
    ani.add_argument("--compare", nargs=2, metavar=("A", "B"), help="two scenarios side by side on one clock")
    ani.add_argument("--productivity", default=None, help="fast | base | slow | disproven (default: the scenario's)")
    ani.add_argument("--policy", default="none", help="a policy name (default none)")
    ani.add_argument("--seed", type=int, default=1)
    ani.add_argument("--out", required=True, help="FILE.gif (Pillow), FILE.mp4 (extra video) or FILE.html")
    ani.add_argument("--fps", type=float, default=8.0, help="frames (months) per second")
    ani.add_argument("--dpi", type=int, default=80, help="resolution (80: 960 x 608 pixels for one system)")
    ani.add_argument("--max-nodes", type=int, default=300, help="above this many institutions, draw supernodes")

    app = sub.add_parser("app", help="the interactive browser app (a Solara page around a Mesa model; extra app)")
    app.add_argument("--host", default="localhost")
    app.add_argument("--port", type=int, default=8765)
    app.add_argument("--no-open", action="store_true", help="do not open a browser")
    return p


def _scenario_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--scenario", default="ai_2025", help="scenario name or YAML path (default ai_2025)")
    p.add_argument("--months", type=int, default=None, help="months to simulate (default: the scenario's)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.add_argument(
        "--channel",
        action="append",
        default=[],
        metavar="NAME=on|off",
        help="switch a contagion channel on or off (repeatable), e.g. --channel fire_sales=off",
    )


def _channels(args) -> dict[str, bool]:
    """``--channel NAME=on|off`` options as a dict (names are checked by the Sim)."""
    out = {}
    for item in args.channel:
        name, sep, value = item.partition("=")
        if not sep or value.strip().lower() not in ("on", "off"):
            raise _BadInput(f"--channel {item!r}: expected NAME=on or NAME=off")
        out[name.strip()] = value.strip().lower() == "on"
    return out


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the exit status (0 ok, 2 bad input)."""
    from aicontagion.policies import PolicyError
    from aicontagion.scenarios.loader import ScenarioError

    try:
        args = _parser().parse_args(argv)
        _check_common(args)
        commands = {"run": _run, "compare": _compare, "validate": _validate, "sweep": _sweep}
        commands["sensitivity"] = _sensitivity
        commands |= {"animate": _animate, "app": _app}
        return commands[args.command](args)
    except (ScenarioError, PolicyError, _BadInput) as exc:
        print(f"aicontagion: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("aicontagion: interrupted", file=sys.stderr)
        return 130


def _check_common(args) -> None:
    """Options shared by several commands: the same caps as scenario files and sweep specs."""
    from aicontagion.scenarios.schema import MAX_MONTHS

    cmd = f"aicontagion {args.command}"
    months = getattr(args, "months", None)
    if months is not None and not 0 < months <= MAX_MONTHS:
        raise _BadInput(f"{cmd}: --months must be from 1 to {MAX_MONTHS} (got {months})")
    seed = getattr(args, "seed", None)
    if seed is not None and seed < 0:
        raise _BadInput(f"{cmd}: --seed must be zero or positive (got {seed})")
    for name in ("seeds", "processes", "workers"):
        value = getattr(args, name, None)
        if value is not None and value <= 0:
            raise _BadInput(f"{cmd}: --{name} must be positive (got {value})")
    if args.command in ("run", "compare", "sweep", "sensitivity") and args.out is not None:
        _check_out(args.out, cmd, folder=True)
    if args.command == "animate":
        _check_out(args.out, cmd, folder=False)


def _check_out(out: str, cmd: str, folder: bool) -> None:
    """``--out`` can be written: a folder (or a file for ``animate``) under a writable folder."""
    target = Path(out)
    if folder and target.exists() and not target.is_dir():
        raise _BadInput(f"{cmd}: --out {out} is an existing file, not a folder")
    if not folder and target.is_dir():
        raise _BadInput(f"{cmd}: --out {out} is a folder; name a file")
    parent = target if folder and target.is_dir() else target.parent
    while not parent.exists() and parent != parent.parent:  # the folders --out would create
        parent = parent.parent
    if not parent.is_dir():
        raise _BadInput(f"{cmd}: --out {out}: {parent} is not a folder")
    try:  # a real write (access() says yes to root, and no to nothing under /proc)
        fd, probe = tempfile.mkstemp(prefix=".aicontagion-probe.", dir=parent)
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise _BadInput(f"{cmd}: --out {out}: cannot write in {parent} ({exc.strerror})") from None


def _staged(out: str):
    """A temporary folder beside ``out``; its contents replace ``out``'s when the work completes."""
    target = Path(out)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        return target, Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    except OSError as exc:
        raise _BadInput(f"cannot write results to {out} ({exc.strerror})") from None


def _publish(tmp: Path, target: Path, owned: tuple[str, ...] = ()) -> None:
    """Move ``tmp``'s contents into ``target``; the files named in ``owned`` (those the command
    writes) that this run did not write are removed from ``target``, nothing else is touched."""
    target.mkdir(parents=True, exist_ok=True)
    for name in owned:
        if not (tmp / name).exists() and (target / name).is_file():
            (target / name).unlink()
    for item in tmp.iterdir():
        dest = target / item.name
        if dest.is_dir():
            shutil.rmtree(dest)
        item.replace(dest)
    tmp.rmdir()


def _run(args) -> int:
    from aicontagion.policies import from_name
    from aicontagion.results.report import format_summary
    from aicontagion.scenarios.build import build_system
    from aicontagion.sim import Sim, output_files

    sim = Sim(
        args.scenario,
        productivity=args.productivity,
        seed=args.seed,
        months=args.months,
        policies=from_name(args.policy),
        channels=_channels(args),
    )
    build_system(sim.spec)  # a system that cannot be built stops here, before anything is written
    target, tmp = _staged(args.out)
    try:
        sim.run(progress=not args.quiet)
        sim.save(tmp, figures=not args.no_plots)
        _publish(tmp, target, owned=output_files(figures=True))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(format_summary(sim.summary, title=f"{sim.spec.name} / {sim.pars['productivity']} / seed {args.seed}"))
    print(f"\nresults written to {target}/")
    return 0


def _compare(args) -> int:
    from aicontagion.results.report import format_comparison
    from aicontagion.runs.multisim import FILES, compare
    from aicontagion.scenarios.build import build_system
    from aicontagion.sim import Sim

    for p in args.productivity:  # fail fast on a bad path name or scenario, before any run
        build_system(Sim(args.scenario, productivity=p, months=args.months, channels=_channels(args)).spec)
    common = {"scenario": args.scenario, "months": args.months, "channels": _channels(args)}
    setups = {p: common | {"productivity": p} for p in args.productivity}
    target, tmp = _staged(args.out)
    try:
        runs = compare(setups, seeds=range(args.seeds), processes=args.processes, progress=not args.quiet)
        table = runs.summaries
        table.to_parquet(tmp / "compare.parquet", index=False)
        runs.save(tmp)  # series, quantiles over seeds, bands.png
        _publish(tmp, target, owned=("compare.parquet", *FILES))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(format_comparison(table))
    print(f"\nresults written to {target}/")
    return 0


def _validate(args) -> int:
    from aicontagion.scenarios.build import build_system
    from aicontagion.scenarios.citations import check_file
    from aicontagion.scenarios.loader import (
        check_range_ends,
        load_scenario,
        read_scenario_raw,
        resolve,
        validation_errors,
    )

    bad = 0
    for name in args.scenarios:
        path = resolve(name)
        errors = validation_errors(read_scenario_raw(path)[0], path.name)
        if errors:  # every schema error of the file, one line each
            for err in errors:
                print(f"aicontagion: error: {err}", file=sys.stderr)
            bad += len(errors)
            continue
        spec = load_scenario(name)
        build_system(spec, Path(str(resolve(name))).name)
        check_range_ends(spec)
        problems = check_file(resolve(name))
        for p in problems:
            print(f"{resolve(name).name}: {p}")
        bad += len(problems)
        print(
            f"{resolve(name).name}: {'ok' if not problems else f'{len(problems)} uncited numbers'} "
            f"({len(spec.institutions)} institutions, {len(spec.contracts)} contracts, "
            f"{len(spec.ranges)} ranged parameters)"
        )
        for r in spec.ranges:
            print(f"  {r.path}: {r.describe()}")
    return 2 if bad else 0


def _sweep(args) -> int:
    from aicontagion.runs.executors import check_scheduler
    from aicontagion.runs.sweep import load_sweep, run_sweep

    if args.scheduler_address and args.executor != "dask":
        raise _BadInput("aicontagion sweep: --scheduler-address needs --executor dask")
    if args.scheduler_address:
        try:  # before the spec and the folder: a wrong address writes nothing
            check_scheduler(args.scheduler_address)
        except ValueError as exc:
            raise _BadInput(f"aicontagion sweep: --scheduler-address: {exc}") from None
    spec, _ = load_sweep(args.spec)  # a bad spec stops here: one line, exit 2, nothing written
    out = args.out or f"results/sweeps/{spec.name}"
    _check_out(out, "aicontagion sweep", folder=True)
    try:
        result = run_sweep(spec, out, args.executor, args.scheduler_address, args.workers, progress=not args.quiet)
    except KeyboardInterrupt:
        print(
            "aicontagion: sweep interrupted; finished runs are saved: run the same command to resume", file=sys.stderr
        )
        return 130
    print(result)
    for e in result.errors[:5]:
        print(f"  failed {e['run_id']}: {e['error']}")
    if result.failed > 5:
        print(f"  ... {result.failed - 5} more (see the status and error columns)")
    return 1 if result.failed else 0


def _sensitivity(args) -> int:
    from aicontagion.runs.experiment_kit import show
    from aicontagion.runs.sensitivity import inputs, load_spec, run_sensitivity, summary_table

    spec, label = load_spec(args.spec)  # a bad spec stops here: one line, exit 2, nothing written
    inputs(spec.quick() if args.quick else spec, label)  # the scenario and its ranges, before any run
    out = args.out or f"results/sensitivity/{spec.name}{'-quick' if args.quick else ''}"
    _check_out(out, "aicontagion sensitivity", folder=True)
    try:
        executor = args.executor or ("serial" if args.quick else "processes")  # a pool costs more than a smoke run
        result = run_sensitivity(spec, out, executor, args.workers, progress=not args.quiet, quick=args.quick)
    except KeyboardInterrupt:
        print(
            "aicontagion: analysis interrupted; finished runs are saved: run the same command to resume",
            file=sys.stderr,
        )
        return 130
    show(summary_table(result, 5), "most influential assumptions per outcome (Sobol ST where run, else Morris mu*)")
    print(result)
    return 0


def _animate(args) -> int:
    from aicontagion.scenarios.build import build_system
    from aicontagion.sim import Sim
    from aicontagion.viz.animation import AnimationError, animate, output_format, policies_from_name, record_sim

    scenarios = args.compare or [args.scenario]
    try:  # every check before any work: bad input writes nothing
        output_format(args.out)
        for name, value in (("--fps", args.fps), ("--dpi", args.dpi), ("--max-nodes", args.max_nodes)):
            if not (value > 0 and math.isfinite(value)):
                raise _BadInput(f"aicontagion animate: {name} must be positive (got {value})")
        sims = [
            Sim(
                s,
                productivity=args.productivity,
                seed=args.seed,
                months=args.months,
                policies=policies_from_name(args.policy),
                channels=_channels(args),
            )
            for s in scenarios
        ]
        for sim in sims:
            build_system(sim.spec)
    except AnimationError as exc:
        raise _BadInput(f"aicontagion animate: {exc}") from None
    frames = [record_sim(sim, progress=not args.quiet, policy=args.policy) for sim in sims]
    out = animate(frames, args.out, fps=args.fps, dpi=args.dpi, max_nodes=args.max_nodes, progress=not args.quiet)
    print(f"animation written to {out} ({max(f.T for f in frames)} frames: {', '.join(f.label for f in frames)})")
    return 0


def _app(args) -> int:
    import importlib.util
    import os
    import signal
    import subprocess

    if not 0 < args.port <= 65535:
        raise _BadInput(f"aicontagion app: --port must be from 1 to 65535 (got {args.port})")
    if not args.host.strip():
        raise _BadInput("aicontagion app: --host is empty")
    if importlib.util.find_spec("solara") is None:
        raise _BadInput("aicontagion app: needs the app extra: pip install 'aicontagion[app]'")
    cmd = [sys.executable, "-m", "solara", "run", "aicontagion.viz.app", "--host", args.host, "--port", str(args.port)]
    cmd += ["--no-check-version"] + (["--no-open"] if args.no_open else [])
    env = os.environ | {"SOLARA_TELEMETRY_MIXPANEL_ENABLE": "False", "MPLBACKEND": "Agg"}
    # The server is a child process: a signal to this process is passed on to it, and (Linux) the
    # kernel sends it SIGTERM if this process dies without passing anything on (SIGKILL).
    server = subprocess.Popen(cmd, env=env, preexec_fn=_die_with_parent if sys.platform == "linux" else None)

    def forward(signum, _frame):
        if server.poll() is None:
            server.send_signal(signum)

    previous = {s: signal.signal(s, forward) for s in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)}
    try:
        while True:
            try:
                return server.wait()
            except KeyboardInterrupt:  # pragma: no cover - SIGINT is forwarded by the handler above
                continue
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
        if server.poll() is None:  # pragma: no cover - only if waiting itself failed
            server.terminate()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()


def _die_with_parent() -> None:  # pragma: no cover - runs in the child between fork and exec
    """Ask Linux to send this (child) process SIGTERM when its parent dies (prctl PR_SET_PDEATHSIG)."""
    import ctypes
    import signal

    pr_set_pdeathsig = 1
    ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM, 0, 0, 0)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())


__all__ = ["main"]
