#!/usr/bin/env bash
# horde's fuzz targets (engine/fuzz), built and run with stable Rust: no cargo-fuzz, no nightly.
# The targets are built as cargo-fuzz builds them (sanitizer-coverage instrumentation for
# libFuzzer, debug assertions, overflow checks, `--cfg fuzzing`) but without a sanitizer, into
# target/fuzz so that normal builds are left alone.
#
#   engine/fuzz/run.sh build                     build every target (a warning fails the build)
#   engine/fuzz/run.sh lint                      rustfmt and clippy on the fuzz crate
#   engine/fuzz/run.sh smoke [SECONDS]           each target SECONDS (default 5) on its seed corpus;
#                                                fails on the first crash, hang or leak of memory
#   engine/fuzz/run.sh long TARGET RUNS [ARGS]   one long run (nice 19) of RUNS executions; prints
#                                                the execution count, speed and coverage at the end
#   engine/fuzz/run.sh run TARGET [ARGS]         the target with its corpus, dictionary and limits,
#                                                plus any libFuzzer ARGS (e.g. a crash file to replay)
#
# Targets: response threshold template plan cookies redirect. New inputs go to
# target/fuzz/corpus/TARGET (the seed corpus in engine/fuzz/corpus/TARGET is only read); crashes
# go to target/fuzz/artifacts/TARGET/. Add a crash input to the seed corpus once it is fixed.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
OUT=${HORDE_FUZZ_DIR:-$ROOT/target/fuzz}
HOST=$(rustc -vV | sed -n 's/^host: //p')
BIN=$OUT/$HOST/release
TARGETS=(response threshold template plan cookies redirect)
export CARGO_TARGET_DIR=$OUT

build() {
    # The flags of cargo-fuzz (`cargo fuzz build -s none`). `--target` keeps them off build
    # scripts and proc macros.
    RUSTFLAGS="--cfg fuzzing -Cpasses=sancov-module -Cllvm-args=-sanitizer-coverage-level=4 \
-Cllvm-args=-sanitizer-coverage-inline-8bit-counters -Cllvm-args=-sanitizer-coverage-pc-table \
-Cllvm-args=-sanitizer-coverage-trace-compares -Cdebug-assertions -Coverflow-checks -Dwarnings" \
        cargo build --release --manifest-path "$HERE/Cargo.toml" --target "$HOST" --bins
}

# libFuzzer options for TARGET: its dictionary and longest input.
options() {
    local dict max_len=4096
    case $1 in
        response) dict=http.dict max_len=2048 ;;
        cookies | redirect) dict=http.dict ;;
        threshold) dict=threshold.dict ;;
        template) dict=template.dict ;;
        plan) dict=plan.dict max_len=16384 ;;
        *) echo "unknown target $1; targets: ${TARGETS[*]}" >&2 && exit 2 ;;
    esac
    echo "-dict=$HERE/dict/$dict -max_len=$max_len -timeout=${HORDE_FUZZ_TIMEOUT:-10} -rss_limit_mb=2048"
}

# Runs TARGET on a scratch corpus (new inputs) and its seed corpus, with more libFuzzer ARGS.
run() {
    local target=$1
    shift
    mkdir -p "$OUT/corpus/$target" "$OUT/artifacts/$target"
    # shellcheck disable=SC2046 # options are words
    "$BIN/$target" $(options "$target") -artifact_prefix="$OUT/artifacts/$target/" \
        -print_final_stats=1 "$@" "$OUT/corpus/$target" "$HERE/corpus/$target"
}

case ${1:-} in
    build) build ;;
    lint)
        cargo fmt --manifest-path "$HERE/Cargo.toml" --all --check
        CARGO_TARGET_DIR=$OUT/lint cargo clippy --manifest-path "$HERE/Cargo.toml" \
            --all-targets -- -D warnings
        ;;
    smoke)
        seconds=${2:-5}
        for target in "${TARGETS[@]}"; do
            echo "== fuzz $target for ${seconds}s"
            run "$target" -max_total_time="$seconds" 2>"$OUT/smoke-$target.log" || {
                tail -n 40 "$OUT/smoke-$target.log"
                echo "fuzz target $target failed; its input is in $OUT/artifacts/$target/" >&2
                exit 1
            }
            grep -E '^(Done|stat::number_of_executed_units|#[0-9]+ +(INITED|DONE))' \
                "$OUT/smoke-$target.log" || true
        done
        ;;
    long)
        [ $# -ge 3 ] || { echo "usage: $0 long TARGET RUNS [ARGS]" >&2 && exit 2; }
        target=$2 runs=$3
        shift 3
        start=$(date +%s)
        status=0
        nice -n 19 "$0" run "$target" -runs="$runs" "$@" || status=$?
        echo "wall time: $(($(date +%s) - start)) s"
        exit "$status"
        ;;
    run)
        [ $# -ge 2 ] || { echo "usage: $0 run TARGET [ARGS]" >&2 && exit 2; }
        shift
        run "$@"
        ;;
    *)
        sed -n '2,18p' "${BASH_SOURCE[0]}"
        exit 2
        ;;
esac
