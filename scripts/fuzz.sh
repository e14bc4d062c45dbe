#!/usr/bin/env bash
# Coverage-guided fuzzing of regime's input front ends with libFuzzer.
#
#   scripts/fuzz.sh [-s SECONDS] [TARGET...]   build, then fuzz each target SECONDS (default: $FUZZ_SECONDS or 60)
#   scripts/fuzz.sh build [TARGET...]          only build the fuzzers
#   scripts/fuzz.sh run TARGET INPUT...        run inputs once through a fuzzer (reproduce a crash)
#   scripts/fuzz.sh save TARGET INPUT OUT.h5   keep the HDF5 file a generated hdf5/results input describes
#
# Targets: yaml (PipelineLoader.parse + Plan), csv (Dataset.parseCSV), hdf5
# (Dataset.loadHDF5), results (Results(contentsOf:) and its renderings). Sources
# in Fuzz/, declared in Package.swift only when REGIME_FUZZ is set.
#
# Builds go to .build-fuzz (never .build), debug with -sanitize=fuzzer,address.
# Each target runs under nice, one at a time, in libFuzzer's fork mode (one
# worker) so that one crash does not end the campaign: every crashing, leaking,
# out-of-memory or hanging input is saved under .build-fuzz/artifacts/TARGET/,
# and the findings are printed grouped by the first regime frame of their stack.
# Seeds are read from Tests/Fixtures/fuzz/TARGET/ (never written); what the
# fuzzer learns accumulates in .build-fuzz/corpus/TARGET/.
#
# A finding whose stack tops out inside libhdf5 (a damaged file the library
# mishandles) is printed but fails the run only with FUZZ_STRICT=1: regime cannot
# fix those (regressions/README.md lists the ones found). FUZZ_RSS_MB (2048)
# bounds each fuzzer's memory; SWIFT names the swift driver.
#
# Exit status: 0 when no target found anything, 1 when any did, 2 when a build failed.

set -uo pipefail

cd "$(dirname "$0")/.."
ROOT=$PWD
SCRATCH=$ROOT/.build-fuzz
FIXTURES=$ROOT/Tests/Fixtures/fuzz
ALL_TARGETS=(yaml csv hdf5 results)
SECONDS_PER_TARGET=${FUZZ_SECONDS:-60}
RSS_MB=${FUZZ_RSS_MB:-2048}
SWIFT=${SWIFT:-swift}

product() {
    case $1 in
        yaml) echo FuzzYAML ;; csv) echo FuzzCSV ;; hdf5) echo FuzzHDF5 ;; results) echo FuzzResults ;;
        *) echo "fuzz.sh: unknown target '$1' (targets: ${ALL_TARGETS[*]})" >&2; exit 2 ;;
    esac
}

# libFuzzer options per target: input size and dictionary.
target_options() {
    case $1 in
        yaml) echo "-max_len=16384 -dict=$FIXTURES/yaml.dict" ;;
        csv) echo "-max_len=4096 -dict=$FIXTURES/csv.dict" ;;
        hdf5) echo "-max_len=16384" ;;
        results) echo "-max_len=131072" ;;
    esac
}

# The environment every fuzzer runs in: Swift's own backtracer off, so that a
# trap reaches libFuzzer's handler (which saves the input); temporary HDF5 files
# in the scratch directory.
export SWIFT_BACKTRACE=enable=no
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0:handle_abort=1}
export REGIME_FUZZ_TMP=$SCRATCH/tmp

build() {
    mkdir -p "$SCRATCH/logs" "$REGIME_FUZZ_TMP"
    for target in "$@"; do
        local name log
        name=$(product "$target")
        log=$SCRATCH/logs/build-$target.log
        echo "fuzz.sh: building $name"
        if ! REGIME_FUZZ=1 nice -n 19 "$SWIFT" build --scratch-path "$SCRATCH" -c debug \
                -Xswiftc -sanitize=fuzzer,address --product "$name" >"$log" 2>&1; then
            # gold warns about every ASan symbol it cannot export: noise.
            grep -v 'ld.gold: warning: Cannot export local symbol' "$log" | tail -40 >&2
            echo "fuzz.sh: building $name failed (log: $log)" >&2
            exit 2
        fi
    done
}

binary() { echo "$SCRATCH/debug/$(product "$1")"; }

# The top frame of a crash's stack below libFuzzer's and the sanitizers' own.
top_frame() {
    grep -E '^ +#[0-9]+ ' "$1" | grep -v -E 'libFuzzer|fuzzer::|__sanitizer|sanitizer_common|/asan/|asan_|libc\.so|sysdeps/| in (__)?mem(cpy|move)[_ ]|_assertionFailure|swift_reportError|reportFatalError' \
        | head -1 | sed -E 's/^ +#[0-9]+ 0x[0-9a-f]+ in //; s/^ +#[0-9]+ 0x[0-9a-f]+ +//; s/ \(BuildId: [0-9a-f]+\)//'
}

# The first frame of a crash's stack that is regime's own code (Sources/…), or
# the first frame at all, as "function file:line".
first_frame() {
    local log=$1 frame
    frame=$(grep -E '^ +#[0-9]+ .* in .*/Sources/' "$log" | grep -v '/Fuzz/' | head -1)
    [ -n "$frame" ] || frame=$(grep -E '^ +#[0-9]+ ' "$log" | grep -v -E 'libFuzzer|fuzzer::|__sanitizer|asan_|libc\.so|compiler-rt' | head -1)
    echo "$frame" | sed -E 's/^ +#[0-9]+ 0x[0-9a-f]+ in //; s#'"$ROOT"'/##' | "$SWIFT" demangle --simplified --compact 2>/dev/null \
        || echo "$frame"
}

fuzz() {
    local target=$1 bin corpus artifacts log status started elapsed
    bin=$(binary "$target")
    corpus=$SCRATCH/corpus/$target
    artifacts=$SCRATCH/artifacts/$target
    log=$SCRATCH/logs/fuzz-$target.log
    mkdir -p "$corpus" "$artifacts"
    local marker=$SCRATCH/logs/.started-$target
    touch "$marker"
    echo "fuzz.sh: fuzzing $target for ${SECONDS_PER_TARGET}s (log: ${log#$ROOT/})"
    started=$(date +%s)
    # shellcheck disable=SC2046
    nice -n 19 "$bin" -fork=1 -ignore_crashes=1 -ignore_ooms=1 -ignore_timeouts=1 \
        -max_total_time="$SECONDS_PER_TARGET" -timeout=10 -rss_limit_mb="$RSS_MB" -malloc_limit_mb="$RSS_MB" \
        -detect_leaks=0 -print_final_stats=1 -artifact_prefix="$artifacts/" $(target_options "$target") \
        "$corpus" "$FIXTURES/$target" >"$log" 2>&1
    status=$?
    elapsed=$(( $(date +%s) - started ))
    local stats
    stats=$(grep -E '^#[0-9]+' "$log" | tail -1 | tr -d '\r')
    echo "fuzz.sh: $target: ${elapsed}s, exit $status; ${stats:-no progress lines}"
    # New findings of this run: crash-*, oom-*, timeout-*, leak-*.
    local findings
    findings=$(find "$artifacts" -type f -newer "$marker" -printf '%f\n' | sort)
    if [ -z "$findings" ] && [ "$status" -eq 0 ]; then
        return 0
    fi
    if [ -z "$findings" ]; then
        echo "fuzz.sh: $target: the fuzzer failed without saving an input; see $log" >&2
        return 1
    fi
    echo "fuzz.sh: $target: $(echo "$findings" | wc -l) new input(s) saved in ${artifacts#$ROOT/}/, by first regime frame:" >&2
    local file repro fatal=0
    declare -A seen=()
    for file in $findings; do
        repro=$SCRATCH/logs/repro-$target-$file.log
        local replayed=0
        timeout 60 "$bin" -timeout=10 -rss_limit_mb="$RSS_MB" -malloc_limit_mb="$RSS_MB" -detect_leaks=0 \
            "$artifacts/$file" >"$repro" 2>&1 || replayed=$?
        # An out-of-memory or timeout of the forked campaign that the input alone
        # does not cause again (replayed within the same limits, exit 0) is the
        # campaign's load on a small machine, not the input: reported, not fatal.
        case $file in
            oom-*|timeout-*)
                if [ "$replayed" -eq 0 ]; then
                    echo "  ${file%%-*}: did not reproduce when replayed alone within the same limits (the campaign's load); input kept" >&2
                    echo "      input: ${artifacts#$ROOT/}/$file (replay: ${repro#$ROOT/})" >&2
                    continue
                fi ;;
        esac
        local kind frame top key where
        kind=$(grep -m1 -oE '(Fatal error|Precondition failed|Assertion failed): .{0,90}' "$repro" | head -1)
        [ -n "$kind" ] || kind=$(grep -m1 -oE 'ERROR: (libFuzzer|AddressSanitizer): [a-z -]+' "$repro" | head -1)
        frame=$(first_frame "$repro")
        top=$(top_frame "$repro")
        # A failure inside libhdf5 itself (a damaged file it mishandles): reported,
        # but only fatal with FUZZ_STRICT=1, since regime cannot fix it.
        where=regime
        case $top in *libhdf5*) where=libhdf5 ;; esac
        key="$where | ${kind:-${file%%-*}} | ${frame:-unknown frame}"
        if [ -z "${seen[$key]:-}" ]; then
            seen[$key]=1
            if [ "$where" = libhdf5 ]; then
                echo "  ${file%%-*} inside libhdf5 (${top%% (*}): ${kind:-see log}, called from ${frame:-?}" >&2
            else
                echo "  ${file%%-*}: ${kind:-see log} at ${frame:-?}" >&2
            fi
            echo "      input: ${artifacts#$ROOT/}/$file (stack: ${repro#$ROOT/})" >&2
        fi
        if [ "$where" = regime ] || [ -n "${FUZZ_STRICT:-}" ]; then fatal=1; fi
    done
    [ "$fatal" -eq 0 ] && echo "fuzz.sh: $target: only libhdf5 findings or ones that do not reproduce (not failing; FUZZ_STRICT=1 makes libhdf5's fail)" >&2
    return "$fatal"
}

case ${1:-} in
    build)
        shift
        build "${@:-${ALL_TARGETS[@]}}"
        exit 0 ;;
    run)
        target=${2:?run needs a target}; shift 2
        build "$target"
        exec "$(binary "$target")" -timeout=10 -rss_limit_mb="$RSS_MB" -malloc_limit_mb="$RSS_MB" -detect_leaks=0 "$@" ;;
    save)
        target=${2:?save needs a target}; input=${3:?save needs an input}; output=${4:?save needs an output .h5}
        build "$target"
        REGIME_FUZZ_SAVE=$(realpath -m "$output") "$(binary "$target")" -runs=1 "$input" >/dev/null 2>&1
        [ -f "$output" ] && echo "fuzz.sh: wrote $output" || { echo "fuzz.sh: $input made no file (an HDF5 input is its own file)" >&2; exit 1; }
        exit 0 ;;
    -s)
        SECONDS_PER_TARGET=${2:?-s needs seconds}; shift 2 ;;
    -h|--help)
        sed -n '2,/^$/p' "$0" | sed 's/^# \{0,1\}//'
        exit 0 ;;
esac

targets=("${@:-${ALL_TARGETS[@]}}")
for target in "${targets[@]}"; do product "$target" >/dev/null; done
build "${targets[@]}"
failed=0
for target in "${targets[@]}"; do
    fuzz "$target" || failed=1
done
rm -f "$REGIME_FUZZ_TMP"/regime-fuzz-*
if [ "$failed" -ne 0 ]; then
    echo "fuzz.sh: findings above; reproduce one with: scripts/fuzz.sh run TARGET INPUT" >&2
    exit 1
fi
echo "fuzz.sh: no findings"
