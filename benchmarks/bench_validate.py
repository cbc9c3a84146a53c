"""Validation of a scenario with many contracts: linear time (issue 11: 400,000 contracts in seconds).

    python benchmarks/bench_validate.py [--contracts 400000] [--file]

Builds ``tests/data/mini.yaml`` plus N extra loans (distinct ids) as a raw mapping and times the
schema validation (strict types, references, duplicate ids, guarantees, ownership) and the
build of the system arrays, at N/4, N/2 and N, and fits ``time ~ N^b`` (``b`` near 1: linear;
the old duplicate-id check was quadratic). With ``--file`` it also writes the scenario as YAML
(about 47 MB at 400,000 contracts) and times ``aicontagion validate`` on it end to end, which
adds the YAML parse (libyaml) and the node-graph checks (depth, aliases, duplicate keys), and
on the same scenario written as JSON (which YAML reads too; it takes the loader's fast path).
"""

from __future__ import annotations

import argparse
import copy
import json
import math
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

from aicontagion.scenarios.build import build_system
from aicontagion.scenarios.loader import load_scenario, validate

MINI = Path(__file__).resolve().parents[1] / "tests" / "data" / "mini.yaml"


def scenario(n: int) -> dict:
    raw = copy.deepcopy(yaml.safe_load(MINI.read_text()))
    raw["contracts"] += [
        {
            "id": f"extra_{k}",
            "type": "loan",
            "lender": "bank",
            "borrower": "fund",
            "principal": 0.0001,
            "rate": 0.05,
            "maturity": "2030-01",
        }
        for k in range(n)
    ]
    return raw


def timed(fn) -> float:
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--contracts", type=int, default=400_000)
    ap.add_argument("--file", action="store_true", help="also time `aicontagion validate` on a YAML file")
    args = ap.parse_args()
    sizes = [args.contracts // 4, args.contracts // 2, args.contracts]
    print("| extra contracts | schema validation | build arrays |\n|---|---|---|")
    times = []
    for n in sizes:
        raw = scenario(n)
        t = time.perf_counter()
        spec = validate(raw, "bench.yaml")
        tv = time.perf_counter() - t
        t = time.perf_counter()
        build_system(spec, "bench.yaml")
        tb = time.perf_counter() - t
        times.append(tv)
        print(f"| {n:,} | {tv:.2f} s | {tb:.2f} s |")
    b = math.log(times[-1] / times[0]) / math.log(sizes[-1] / sizes[0])
    print(f"\nschema validation ~ N^{b:.2f}")
    if args.file:
        raw = scenario(args.contracts)
        with tempfile.TemporaryDirectory() as tmp:
            yaml_path, json_path = Path(tmp) / "big.yaml", Path(tmp) / "big.json"
            yaml_path.write_text(
                MINI.read_text()
                + "".join(
                    f"  - {{id: extra_{k}, type: loan, lender: bank, borrower: fund, principal: 0.0001, rate: 0.05, "
                    f'maturity: "2030-01"}}  # assumed\n'
                    for k in range(args.contracts)
                )
            )
            json_path.write_text(json.dumps(raw))
            for path in (yaml_path, json_path):
                t = time.perf_counter()
                spec = load_scenario(path)
                loaded = time.perf_counter() - t
                build_system(spec)
                built = time.perf_counter() - t
                size = path.stat().st_size / 2**20
                print(
                    f"\n{path.suffix[1:].upper()} file {size:.0f} MB: read, parse and validate {loaded:.1f} s; "
                    f"with the build {built:.1f} s"
                )
            cli = [sys.executable, "-m", "aicontagion.cli", "validate", str(yaml_path)]
            t = time.perf_counter()
            done = subprocess.run(cli, check=False, capture_output=True, text=True)
            print(
                f"`aicontagion validate big.yaml` (also citations): {time.perf_counter() - t:.1f} s, "
                f"exit {done.returncode}: {done.stdout.strip()[-70:]}"
            )


if __name__ == "__main__":
    main()
