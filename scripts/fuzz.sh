#!/bin/sh
# Builds the coverage-guided fuzz targets in fuzz/ with libFuzzer on the
# stable toolchain and runs each for FUZZ_SECONDS (default 60), or the
# targets named as arguments. Each run starts from the committed seeds
# (fuzz/corpus/TARGET) and the crashes found before
# (fuzz/regressions/TARGET), keeps what it learns in
# target/fuzz/corpus/TARGET (outside git), stops on a panic, an abort, an
# allocation over the cap (fuzz/src/lib.rs), an input slower than
# FUZZ_TIMEOUT seconds or a process over FUZZ_RSS_MB, and then saves the
# input in target/fuzz/artifacts/TARGET/. At the end a table gives the
# executions per target; the exit status is 1 if any target failed.
#
# FUZZ_SECONDS=0 only replays the seeds and the regressions (no fuzzing).
set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
seconds=${FUZZ_SECONDS:-60}
timeout=${FUZZ_TIMEOUT:-10}
rss_mb=${FUZZ_RSS_MB:-1536}
malloc_mb=${FUZZ_MALLOC_MB:-64}

# Instrumentation that libFuzzer's coverage needs (what cargo-fuzz passes,
# minus the sanitizer, which needs nightly). --target keeps the flags off
# the build scripts, which are not linked with libFuzzer.
host=$(rustc -vV | sed -n 's/^host: //p')
export RUSTFLAGS="--cfg fuzzing -Cpasses=sancov-module \
-Cllvm-args=-sanitizer-coverage-level=4 \
-Cllvm-args=-sanitizer-coverage-inline-8bit-counters \
-Cllvm-args=-sanitizer-coverage-pc-table \
-Cllvm-args=-sanitizer-coverage-trace-compares \
-Cllvm-args=-sanitizer-coverage-stack-depth"
export CARGO_TARGET_DIR="$root/target/fuzz/build"

cd "$root/fuzz"
all_targets=$(sed -n 's/^name = "\(.*\)"$/\1/p' Cargo.toml | grep -vx mosh-rs-fuzz)
targets=${*:-$all_targets}
echo "fuzz: building $(echo "$targets" | wc -w) targets"
cargo build --release --locked --target "$host" $(for t in $targets; do printf ' --bin %s' "$t"; done)
bin_dir="$CARGO_TARGET_DIR/$host/release"

failed=""
report=""
for target in $targets; do
    seeds="$root/fuzz/corpus/$target"
    regressions="$root/fuzz/regressions/$target"
    work="$root/target/fuzz/corpus/$target"
    artifacts="$root/target/fuzz/artifacts/$target/"
    log="$root/target/fuzz/$target.log"
    mkdir -p "$seeds" "$regressions" "$work" "$artifacts"
    case $target in
        datagram|fragments) max_len=16384 ;;
        *) max_len=4096 ;;
    esac
    if [ "$seconds" = 0 ]; then
        # Each file once: the seeds and every crash found before.
        set -- $(find "$seeds" "$regressions" -type f | sort)
        mode="replay"
        if [ $# = 0 ]; then
            echo "fuzz: $target has no seeds in $seeds" >&2
            failed="$failed $target"
            continue
        fi
    else
        set -- -max_total_time="$seconds" "$work" "$seeds" "$regressions"
        mode="${seconds}s"
    fi
    printf 'fuzz: %-22s %s ... ' "$target" "$mode"
    if "$bin_dir/$target" -rss_limit_mb="$rss_mb" -malloc_limit_mb="$malloc_mb" \
        -timeout="$timeout" -max_len="$max_len" -artifact_prefix="$artifacts" \
        -print_final_stats=1 "$@" >"$log" 2>&1; then
        execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
        execs=${execs:-$#}
        echo "ok, $execs executions"
    else
        execs="failed"
        echo "FAILED (log: $log, input in $artifacts)"
        tail -n 30 "$log"
        failed="$failed $target"
    fi
    report="$report$(printf '%-22s %s' "$target" "$execs")
"
done
echo "fuzz: executions per target"
printf '%s' "$report"
if [ -n "$failed" ]; then
    echo "fuzz: failed:$failed" >&2
    exit 1
fi
