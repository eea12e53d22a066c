#!/usr/bin/env bash
# Build and run one libFuzzer target of swift-ikev1.
#
# usage: Fuzz/run.sh TARGET [--seconds N | --runs N] [-- extra libFuzzer flags]
#   TARGET   isakmp | payload-chain | capture | proposal | engine | esp-open | config | fragment | all
#   --seconds N  stop after N seconds (default 60)
#   --runs N     stop after N executions
#
# The code path of each target is Fuzz/Harness (FuzzTarget). Seeds come from Fixtures/
# (captures, their ISAKMP datagrams, proposal strings, README's config), from the harness
# itself (the engine's real exchanges) and from Fixtures/fuzz-regressions/TARGET/; new corpus
# entries go to .build-fuzz/corpus/TARGET. A crash, leak, timeout or out-of-memory input is
# copied to Fixtures/fuzz-regressions/TARGET/ (commit it: `swift test` replays every file there)
# and the script exits non-zero.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"
target="${1:?usage: Fuzz/run.sh TARGET [--seconds N | --runs N]}"; shift
limit=(-max_total_time=60)
extra=()
while [ $# -gt 0 ]; do
    case "$1" in
        --seconds) limit=(-max_total_time="$2"); shift 2 ;;
        --runs) limit=(-runs="$2"); shift 2 ;;
        --) shift; extra=("$@"); break ;;
        *) echo "unknown option $1" >&2; exit 2 ;;
    esac
done

if [ "$target" = all ]; then
    for t in isakmp payload-chain capture proposal engine esp-open config fragment; do
        case "${limit[0]}" in -runs=*) "$0" "$t" --runs "${limit[0]#-runs=}" ;; *) "$0" "$t" --seconds "${limit[0]#-max_total_time=}" ;; esac
    done
    exit 0
fi

case "$target" in
    isakmp) product=FuzzISAKMP ;;
    payload-chain) product=FuzzPayloadChain ;;
    capture) product=FuzzCapture ;;
    proposal) product=FuzzProposal ;;
    engine) product=FuzzEngine ;;
    esp-open) product=FuzzESPOpen ;;
    config) product=FuzzConfig ;;
    fragment) product=FuzzFragment ;;
    *) echo "unknown target $target (isakmp, payload-chain, capture, proposal, engine, esp-open, config, fragment, all)" >&2; exit 2 ;;
esac

scratch="$root/.build-fuzz"
swift build --package-path "$here" --scratch-path "$scratch/build" -c release --product "$product" \
    -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library >&2
binary="$scratch/build/release/$product"

corpus="$scratch/corpus/$target"; seeds="$scratch/seeds/$target"; artifacts="$scratch/artifacts/$target"
mkdir -p "$corpus" "$seeds" "$artifacts"
python3 "$here/seeds.py" "$target" "$root/Fixtures" "$seeds"
# libFuzzer reports a trap itself; Swift's backtracer would hang on the crashed process.
export SWIFT_BACKTRACE=enable=no
IKEV1_FUZZ_SEEDS="$seeds" "$binary"
regressions="$root/Fixtures/fuzz-regressions/$target"
dirs=("$corpus" "$seeds"); [ -d "$regressions" ] && dirs+=("$regressions")
status=0
stamp="$(mktemp)"; trap 'rm -f "$stamp"' EXIT
"$binary" "${limit[@]}" -rss_limit_mb=2048 -timeout=10 -max_len=65536 \
    -artifact_prefix="$artifacts/" -print_final_stats=1 "${extra[@]}" "${dirs[@]}" || status=$?
if [ "$status" -ne 0 ]; then
    mkdir -p "$regressions"
    for f in "$artifacts"/crash-* "$artifacts"/leak-* "$artifacts"/timeout-* "$artifacts"/oom-* "$artifacts"/slow-unit-*; do
        [ "$f" -nt "$stamp" ] || continue
        cp "$f" "$regressions/" && echo "fuzz: $target failed; its input is now $regressions/$(basename "$f") (commit it)" >&2
    done
fi
exit "$status"
