"""Regenerate tests/baseline.yaml. Run only when a change of results is intended: `make baseline`.

The baseline freezes fixed-seed summaries so that any unintended change in results fails the
suite; the diff of baseline.yaml in the commit shows reviewers exactly what a change did.
"""

import sys
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.baseline_cases import BASELINE, CASES, case_name, summarise_case  # noqa: E402

if __name__ == "__main__":
    data = {case_name(c): summarise_case(c) for c in CASES}
    header = "# Fixed-seed summaries, compared on every test run. Regenerate only with `make baseline`.\n"
    BASELINE.write_text(header + yaml.safe_dump(data, sort_keys=False, width=120))
    print(f"wrote {BASELINE} ({len(data)} cases)")
