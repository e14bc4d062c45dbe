#!/usr/bin/env bash
# The whole test suite (swift test) under AddressSanitizer and under ThreadSanitizer.
#
#   scripts/sanitize.sh                  ASan, then TSan
#   scripts/sanitize.sh address|thread   one of them
#
# Each sanitizer has its own scratch path, .build-asan or .build-tsan (never
# .build): `swift build --build-tests --sanitize=…` builds regime and the test
# bundle instrumented, then `swift test --skip-build` runs every test. The tests
# start regime as a subprocess; the script checks that the scratch path's regime
# carries the sanitizer's runtime and pins it for the tests (REGIME_BINARY, read
# by Tests/TestSupport/Paths.swift), so the subprocesses are instrumented too and
# nothing falls back to .build/debug/regime. Test temporaries go under the
# scratch path (REGIME_TEST_TMP). Builds and tests run under nice, one sanitizer
# at a time.
#
# Every instrumented process — the test runner and each regime it starts — writes
# its reports to SCRATCH/sanitizer-logs/<asan|tsan>.<pid> (log_path), so a report
# from a child is seen even when the test that started it only looks at the exit
# status. A run is clean when the tests pass and no report file exists; the
# summary groups the reports by the first frame in regime's own code.
#
# Options (ASAN_OPTIONS, TSAN_OPTIONS are set here; SANITIZE_ASAN_OPTIONS and
# SANITIZE_TSAN_OPTIONS append to them):
#   ASan: halt_on_error=1, detect_stack_use_after_return=1, check_initialization_order=1,
#         detect_leaks=0. LeakSanitizer is off: it cannot see the pointers Swift keeps
#         with spare-bit tags (indirect enum payloads, weak-reference side tables), so it
#         reports objects that are still referenced — a 5-line program with a global
#         holding an `indirect enum` value "leaks" — and regime's Pipeline values are
#         such enums. SANITIZE_LEAKS=1 turns it on, for reading, not for a clean run.
#   TSan: halt_on_error=1, second_deadlock_stack=1. When the kernel's address layout
#         is one TSan refuses ("unexpected memory mapping"), the tests run under
#         `setarch -R` (no ASLR).
# Suppressions: scripts/sanitize-suppressions/{asan,lsan,tsan}.supp, when present;
# only for reports that lie inside system libraries regime does not build, each
# with its reason.
#
# Logs: SCRATCH/sanitize-build.log, SCRATCH/sanitize-test.log, SCRATCH/sanitizer-logs/ (one
# file per reporting process), SCRATCH/sanitizer-reports/ (one file per report).
# SWIFT names the swift driver. Exit status: 0 when every run is clean, 1 when a
# sanitizer reported anything or a test failed, 2 when a build failed.

set -uo pipefail

cd "$(dirname "$0")/.."
ROOT=$PWD
SWIFT=${SWIFT:-swift}
SUPPRESSIONS=$ROOT/scripts/sanitize-suppressions
ALL=(address thread)

case ${1:-} in
    -h|--help) sed -n '2,/^$/p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
esac
for sanitizer in "${@:-${ALL[@]}}"; do
    case $sanitizer in
        address|thread) ;;
        *) echo "sanitize.sh: unknown sanitizer '$sanitizer' (address or thread)" >&2; exit 2 ;;
    esac
done

now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.0f", b - a }'; }

scratch_of() { case $1 in address) echo "$ROOT/.build-asan" ;; thread) echo "$ROOT/.build-tsan" ;; esac; }
short_of() { case $1 in address) echo asan ;; thread) echo tsan ;; esac; }

# The first frame of a report in regime's own code (Sources/…, else Tests/…),
# demangled, as "function Sources/file:line"; else its first frame that is not the
# sanitizer's or libc's.
first_frame() {
    local report=$1 frame
    frame=$(grep -F "$ROOT/Sources/" "$report" | grep -E '^ +#[0-9]+ ' | head -1)
    [ -n "$frame" ] || frame=$(grep -F "$ROOT/Tests/" "$report" | grep -E '^ +#[0-9]+ ' | head -1)
    [ -n "$frame" ] || frame=$(grep -E '^ +#[0-9]+ ' "$report" \
        | grep -v -E 'compiler-rt|__sanitizer|__asan|__tsan|asan_|tsan_|libc\.so|sysdeps/' | head -1)
    frame=$(echo "$frame" | sed -E 's/^ +#[0-9]+ (0x[0-9a-f]+ in )?//; s/ \(BuildId: [0-9a-f]+\)//; s/ \([^ ]+\+0x[0-9a-f]+\)$//; s#'"$ROOT"'/##')
    echo "$frame" | "$SWIFT" demangle --simplified --compact 2>/dev/null || echo "$frame"
}

# The kind of a report ("AddressSanitizer: heap-use-after-free",
# "ThreadSanitizer: data race"), from its first line that says.
kind() {
    grep -m1 -oE '(ERROR|WARNING): (AddressSanitizer|LeakSanitizer|ThreadSanitizer|UndefinedBehaviorSanitizer): [A-Za-z -]+' "$1" \
        | sed -E 's/^(ERROR|WARNING): //; s/ on (unknown )?address.*//; s/ +$//'
}

# Splits a log file into one file per report (a process that does not halt on
# error writes several): DIR/<name>.<n>.
split_reports() {
    local file=$1 dir=$2
    awk -v out="$dir/$(basename "$file")" '
        /^(==[0-9]+==)?(ERROR|WARNING): [A-Za-z]+Sanitizer/ { n++ }
        { print > (out "." (n ? n : 1)) }
    ' "$file"
}

declare -A RESULT=()

run() {
    local sanitizer=$1 scratch short logs build_log test_log started build_seconds test_seconds status
    scratch=$(scratch_of "$sanitizer")
    short=$(short_of "$sanitizer")
    logs=$scratch/sanitizer-logs
    build_log=$scratch/sanitize-build.log
    test_log=$scratch/sanitize-test.log
    mkdir -p "$scratch"

    echo "sanitize.sh: $sanitizer: building into ${scratch#$ROOT/} (log: ${build_log#$ROOT/})"
    started=$(now)
    nice -n 19 "$SWIFT" build --build-tests --scratch-path "$scratch" --sanitize="$sanitizer" >"$build_log" 2>&1
    status=$?
    build_seconds=$(since "$started")
    if [ "$status" -ne 0 ]; then
        # gold warns about every sanitizer symbol it cannot export: noise.
        grep -v 'ld.gold: warning: Cannot export local symbol' "$build_log" | tail -40 >&2
        echo "sanitize.sh: $sanitizer: the build failed after ${build_seconds}s (log: ${build_log#$ROOT/})" >&2
        RESULT[$sanitizer]="build FAILED after ${build_seconds}s"
        return 2
    fi
    echo "sanitize.sh: $sanitizer: built in ${build_seconds}s"

    # The regime the tests will start: this build's, instrumented, or nothing runs.
    local regime=$scratch/debug/regime
    # (grep -c, not -q: under pipefail an early exit would fail the pipeline.)
    if [ "$(nm "$regime" 2>/dev/null | grep -c " __${short}_init$")" = 0 ]; then
        echo "sanitize.sh: $sanitizer: $regime has no __${short}_init: not built with -sanitize=$sanitizer" >&2
        RESULT[$sanitizer]="build not instrumented"
        return 2
    fi

    # Options. log_path: one report file per reporting process, children included.
    rm -rf "$logs"
    mkdir -p "$logs"
    local options supp wrapper=()
    if [ "$sanitizer" = address ]; then
        options="halt_on_error=1:abort_on_error=0:detect_stack_use_after_return=1:check_initialization_order=1"
        if [ -n "${SANITIZE_LEAKS:-}" ]; then options+=":detect_leaks=1"; else options+=":detect_leaks=0"; fi
        supp=$SUPPRESSIONS/asan.supp
        [ -f "$supp" ] && options+=":suppressions=$supp"
        export ASAN_OPTIONS="$options:log_path=$logs/asan${SANITIZE_ASAN_OPTIONS:+:$SANITIZE_ASAN_OPTIONS}"
        if [ -n "${SANITIZE_LEAKS:-}" ] && [ -f "$SUPPRESSIONS/lsan.supp" ]; then
            export LSAN_OPTIONS="suppressions=$SUPPRESSIONS/lsan.supp"
        fi
        unset TSAN_OPTIONS
    else
        options="halt_on_error=1:second_deadlock_stack=1"
        supp=$SUPPRESSIONS/tsan.supp
        [ -f "$supp" ] && options+=":suppressions=$supp"
        export TSAN_OPTIONS="$options:log_path=$logs/tsan${SANITIZE_TSAN_OPTIONS:+:$SANITIZE_TSAN_OPTIONS}"
        unset ASAN_OPTIONS LSAN_OPTIONS
        # Some kernels map memory where TSan cannot shadow it; without ASLR it can.
        local probe
        probe=$(TSAN_OPTIONS="halt_on_error=1" "$regime" --version 2>&1)
        if [ $? -ne 0 ] || [[ $probe == *'unexpected memory mapping'* ]]; then
            if probe=$(TSAN_OPTIONS="halt_on_error=1" setarch "$(uname -m)" -R "$regime" --version 2>&1); then
                echo "sanitize.sh: thread: TSan needs ASLR off here; the tests run under setarch -R"
                wrapper=(setarch "$(uname -m)" -R)
            else
                echo "sanitize.sh: thread: the instrumented regime does not start, even under setarch -R:" >&2
                echo "$probe" | head -5 >&2
                RESULT[$sanitizer]="instrumented regime does not start"
                return 2
            fi
        fi
    fi
    export REGIME_BINARY=$regime
    export REGIME_TEST_TMP=$scratch/test-tmp

    echo "sanitize.sh: $sanitizer: testing (log: ${test_log#$ROOT/})"
    echo "sanitize.sh: $sanitizer: ${short^^}_OPTIONS=$([ "$sanitizer" = address ] && echo "$ASAN_OPTIONS" || echo "$TSAN_OPTIONS")"
    started=$(now)
    nice -n 19 "${wrapper[@]}" "$SWIFT" test --skip-build --scratch-path "$scratch" --sanitize="$sanitizer" >"$test_log" 2>&1
    status=$?
    test_seconds=$(since "$started")
    unset REGIME_BINARY REGIME_TEST_TMP

    # Tests that failed, and the runner's last word.
    local failed verdict
    failed=$(grep -E '^✘ Test "' "$test_log" | grep -E ' failed after ' | sed -E 's/^✘ Test "(.*)" (with [0-9]+ test cases? )?failed after .*/\1/' | sort -u)
    verdict=$(grep -E '^(✔|✘) Test run with ' "$test_log" | tail -1 | sed -E 's/^(✔|✘) //')
    [ -n "$verdict" ] || verdict=$(tail -1 "$test_log")
    echo "sanitize.sh: $sanitizer: swift test exited $status after ${test_seconds}s: $verdict"
    if [ -n "$failed" ]; then
        echo "sanitize.sh: $sanitizer: failed tests:" >&2
        echo "$failed" | sed 's/^/    /' >&2
    fi

    # A tmpfs a killed test left mounted under this run's temporaries.
    local mounts
    mounts=$(awk -v prefix="$scratch/test-tmp/" 'index($2, prefix) == 1 { print $2 }' /proc/mounts)
    if [ -n "$mounts" ]; then
        echo "sanitize.sh: $sanitizer: tests left mounts under ${scratch#$ROOT/}/test-tmp; unmounting:" >&2
        echo "$mounts" | sed 's/^/    /' >&2
        echo "$mounts" | while read -r mount; do umount -l "$mount"; done
    fi

    # Reports, one per file after splitting, grouped by kind and first regime frame.
    local files count=0 processes=0 split=$scratch/sanitizer-reports
    files=$(find "$logs" -type f -size +0 | sort)
    rm -rf "$split"
    mkdir -p "$split"
    local file
    for file in $files; do
        processes=$((processes + 1))
        split_reports "$file" "$split"
    done
    declare -A groups=() example=()
    local report key
    for report in $(find "$split" -type f | sort); do
        count=$((count + 1))
        key="$(kind "$report") | $(first_frame "$report")"
        [ "${key%% | *}" != "" ] || key="unrecognized report${key}"
        groups[$key]=$(( ${groups[$key]:-0} + 1 ))
        [ -n "${example[$key]:-}" ] || example[$key]=$report
    done
    if [ "$count" -gt 0 ]; then
        echo "sanitize.sh: $sanitizer: $count report(s) from $processes process(es), by first regime frame:" >&2
        for key in "${!groups[@]}"; do
            echo "  ${groups[$key]}× ${key%% | *} at ${key#* | }" >&2
            echo "      e.g. ${example[$key]#$ROOT/}" >&2
        done
    fi

    local state=clean
    if [ "$count" -gt 0 ] || [ "$status" -ne 0 ]; then state="NOT CLEAN"; fi
    RESULT[$sanitizer]="$state — build ${build_seconds}s, tests ${test_seconds}s; swift test exit $status ($verdict); $count sanitizer report(s)"
    [ "$state" = clean ]
}

overall=0
for sanitizer in "${@:-${ALL[@]}}"; do
    run "$sanitizer"
    status=$?
    if [ "$status" -gt "$overall" ]; then overall=$status; fi
done

echo
echo "sanitize.sh: summary"
for sanitizer in "${@:-${ALL[@]}}"; do
    echo "  $sanitizer: ${RESULT[$sanitizer]:-not run}"
done
if [ "$overall" -ne 0 ]; then
    echo "sanitize.sh: not clean (reports in .build-asan/sanitizer-logs/, .build-tsan/sanitizer-logs/)" >&2
else
    echo "sanitize.sh: clean"
fi
exit "$overall"
