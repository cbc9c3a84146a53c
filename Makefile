# Two commands on a fresh machine with only python3:  make demo  /  make test
PY      ?= python3
VENV    := .venv
BIN     := $(VENV)/bin
# Two stamps: `make demo` installs only the base dependencies (a fast first run); `make test` and the
# other developer targets install the `dev` extras (pytest, the app, video, Playwright...) on top.
BASE    := $(VENV)/.installed-base
STAMP   := $(VENV)/.installed-dev
EXTRAS  ?= dev

.PHONY: demo test setup lint bench baseline clean readme animate-demo app bench-animation results

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(BASE): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $(BASE)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[$(EXTRAS)]"
	touch $(STAMP) $(BASE)

setup: $(STAMP)

demo: $(BASE)
	MPLBACKEND=Agg $(BIN)/python -m aicontagion.demo --out results/demo

test: $(STAMP)
	MPLBACKEND=Agg $(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check aicontagion tests benchmarks experiments

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_ai_2025.py

.PHONY: experiments
experiments: $(STAMP)
	@set -e; for f in experiments/*.py; do [ "$$f" = experiments/readme_tables.py ] && continue; \
		echo "== $$f"; MPLBACKEND=Agg $(BIN)/python $$f; done

# The README's GIF and, beside it, its last frame's caption (tests/viz/test_readme_gif.py checks both
# against what the code produces now).
animate-demo: $(BASE)
	MPLBACKEND=Agg $(BIN)/aicontagion animate --scenario ai_2025 --productivity disproven --months 120 --seed 1 \
		--out docs/img/disproven.gif
	MPLBACKEND=Agg $(BIN)/python -c "from aicontagion.viz.animation import record; from aicontagion.viz.captions \
		import caption; f = record('ai_2025', productivity='disproven', months=120, seed=1); \
		print(caption(f, f.T - 1))" > docs/img/disproven.caption.txt

app: $(STAMP)
	$(BIN)/aicontagion app

bench-animation: $(STAMP)
	MPLBACKEND=Agg $(BIN)/python benchmarks/bench_animation.py

baseline: $(STAMP)
	$(BIN)/python tests/regenerate_baseline.py

clean:
	rm -rf results .pytest_cache

readme: $(STAMP)
	MPLBACKEND=Agg $(BIN)/python experiments/readme_tables.py

# Everything the README and the tests quote, regenerated after a change of results (~25 minutes on
# two cores): the test baseline, the README's GIF and caption, every README block, the Hyperion
# block and figure, the stress tests and the 2008 record. The prose around the blocks is by hand.
results: $(STAMP)
	$(MAKE) baseline animate-demo readme
	MPLBACKEND=Agg $(BIN)/python experiments/hyperion.py --readme
	MPLBACKEND=Agg $(BIN)/python experiments/stress_tests.py
	MPLBACKEND=Agg $(BIN)/python experiments/record_2008.py
