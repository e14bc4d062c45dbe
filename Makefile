# regime — two commands do everything on a fresh Debian or Ubuntu machine:
#   make run    build the release binary and run a study
#   make test   install what is missing, build, and run every test
SWIFT ?= swift
RELEASE := .build/release/regime

.PHONY: deps build release test run data clean bench studies docs

deps:
	@scripts/deps.sh

build: deps
	$(SWIFT) build

release: deps
	$(SWIFT) build -c release --product regime

# The HDF5 copy of the shipped CSV, written by regime's own writer.
data: data/diabetes.h5
data/diabetes.h5: data/diabetes.csv | release
	$(RELEASE) convert data/diabetes.csv --target y -o $@

# The tests run beside a real single-node Slurm cluster that the script starts
# and stops (the Slurm tests need it).
test: deps
	$(SWIFT) build --build-tests
	scripts/test-with-slurm.sh $(SWIFT) test

# The default study: the kernel-to-rich transition by gradient flow (about ten seconds here),
# its summary, and its report.
run: release
	$(RELEASE) run pipelines/kernel-rich.yaml
	$(RELEASE) show results/kernel-rich.h5
	$(RELEASE) report results/kernel-rich.h5 -o results/kernel-rich.html
	@echo
	@echo "results: results/kernel-rich.h5"
	@echo "report:  results/kernel-rich.html"

# Every study into results/, one file per pipeline; a second make studies runs nothing.
STUDIES := $(patsubst pipelines/%.yaml,%,$(wildcard pipelines/*.yaml))
studies: $(STUDIES:%=results/%.h5)
results/%.h5: pipelines/%.yaml $(wildcard data/*.csv) | release
	$(RELEASE) run $<

# The README's session, plot and pipeline reference, from the code and a real run.
docs: release
	scripts/docs.sh

clean:
	rm -rf .build .regime results data/diabetes.h5

# Benchmarks (issue 9): regime side by side with a researcher's own NumPy,
# scikit-learn and JAX scripts (bench/peers/) on six workloads, whole processes,
# alternating, 3 repetitions, with the bare dgemm rate (regime-bench) measured in
# the same run; writes bench/RESULTS.md (about 4 minutes on 2 cores).
# BENCH_ARGS passes options to bench/run.py, e.g. BENCH_ARGS=--quick for a
# one-minute smoke run or BENCH_ARGS="--only w1,es".
BENCH_ARGS ?=
bench: deps release
	$(SWIFT) build -c release --product regime-bench
	test -x .venv/bin/python || python3 -m venv .venv
	.venv/bin/pip install --quiet --disable-pip-version-check -r bench/requirements.txt
	.venv/bin/python bench/run.py $(BENCH_ARGS)

# BEGIN fuzz
# Coverage-guided fuzzing of the input front ends (YAML pipelines, CSV, HDF5
# data, results files) with libFuzzer: scripts/fuzz.sh builds into .build-fuzz
# and runs each fuzzer FUZZ_SECONDS, one at a time, under nice; it exits nonzero
# and names the saved inputs when any crashes. fuzz-short is the CI run.
.PHONY: fuzz fuzz-short
FUZZ_SECONDS ?= 300
fuzz: deps
	SWIFT=$(SWIFT) FUZZ_SECONDS=$(FUZZ_SECONDS) scripts/fuzz.sh

fuzz-short: deps
	SWIFT=$(SWIFT) FUZZ_SECONDS=20 scripts/fuzz.sh
# END fuzz

# BEGIN sanitize
# The whole test suite under AddressSanitizer, then ThreadSanitizer: scripts/sanitize.sh
# builds each into its own scratch path (.build-asan, .build-tsan; never .build) under
# nice, runs swift test with the instrumented regime pinned for the tests, prints a
# summary, and exits nonzero when a test fails or a sanitizer reports anything.
.PHONY: sanitize
sanitize: deps
	SWIFT=$(SWIFT) scripts/sanitize.sh
# END sanitize
