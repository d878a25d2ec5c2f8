#!/usr/bin/env bash
# Runs the whole benchmark of bench/README.md and appends a dated section to
# BENCHMARKS.md: for each size, bring a landscape up, time every mode, tear it
# down. The landscape is torn down on any exit, ^C included.
#
#   sudo bench/run-all.sh            # the full run, as in BENCHMARKS.md
#   RUNS=3 SIZES=1000/100 VARIANTS_AT=1000/100 OUT=/tmp/b.md bench/run-all.sh
#
# RUNS: timed runs per mode (7). SIZES: N/M landscapes to time with every
# mode. VARIANTS_AT: the N/M of the bind-mount and 300-thread rows (empty:
# none). OUT: the file to append to.
set -euo pipefail

cd "$(dirname "$0")/.."
RUNS=${RUNS:-7}
OUT=${OUT:-BENCHMARKS.md}
SIZES=${SIZES:-1000/100 5000/500 10000/1000}
VARIANTS_AT=${VARIANTS_AT-10000/1000}

if [ "$(id -u)" != 0 ]; then
	echo "run-all.sh: needs root (the landscape creates namespaces)" >&2
	exit 1
fi
if ! command -v lsns >/dev/null; then
	echo "run-all.sh: lsns missing, installing util-linux" >&2
	apt-get install -y util-linux
fi

tmp=$(mktemp -d /tmp/namespaces_of-bench.XXXXXX)
cleanup() {
	# Build the landscape tool if that is what failed: down must always run.
	if [ -x "$tmp/landscape" ]; then
		"$tmp/landscape" down || true
	else
		go run ./bench/landscape down || true
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

go build -o "$tmp/landscape" ./bench/landscape
go build -o "$tmp/floor" ./bench/floor
go build -o "$tmp/runner" ./bench/runner
go build -o "$tmp/summary" ./bench/summary
if ! go build -o "$tmp/namespaces_of" ./cmd/namespaces_of; then
	# The runner reports the missing binary and still times floor and lsns.
	echo "run-all.sh: namespaces_of does not build; its modes will be skipped" >&2
fi

# A leftover landscape (e.g. from an interrupted manual run) would skew
# everything; down is a no-op when nothing is up.
"$tmp/landscape" down

results=$tmp/results.md
{
	echo "## $(date -u +%Y-%m-%d) — kernel $(uname -r), $(nproc) cores"
	echo
	echo "CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'), memory: $(free -g | awk '/^Mem:/{print $2}') GiB," \
		"namespaces_of at $(git describe --always --dirty 2>/dev/null || echo unknown), lsns $(lsns --version | awk '{print $NF}')," \
		"$RUNS runs per mode (+1 warm-up), medians."
	echo
} >"$results"

# bench LABEL N M [landscape flags...] -- [runner flags...]
bench() {
	local label=$1 n=$2 m=$3
	shift 3
	local up=() run=()
	while [ $# -gt 0 ] && [ "$1" != -- ]; do
		up+=("$1")
		shift
	done
	[ $# -gt 0 ] && shift
	run=("$@")
	echo "== $label" >&2
	"$tmp/landscape" up "$n" "$m" "${up[@]}" >&2
	"$tmp/runner" --markdown --runs "$RUNS" --size-label "$label" \
		--tool "$tmp/namespaces_of" --floor "$tmp/floor" "${run[@]}" | tee -a "$results"
	"$tmp/landscape" down >&2
}

for size in $SIZES; do
	bench "$size" "${size%/*}" "${size#*/}"
done
if [ -n "$VARIANTS_AT" ]; then
	v=$VARIANTS_AT
	# The --deep-scan target: one host nsfs bind mount present, vs default.
	bench "$v + one nsfs bind mount" "${v%/*}" "${v#*/}" --bind-mount -- --modes floor,default,deep-scan
	# The --search-tasks target: vs the search-tasks row of plain $v.
	bench "$v + one process of 300 threads" "${v%/*}" "${v#*/}" --threads 300 -- --modes floor,default,search-tasks
fi

if [ ! -s "$OUT" ]; then
	{
		echo "# Benchmarks"
		echo
		echo "Produced by \`bench/run-all.sh\`; how to run it and read the numbers: [bench/README.md](bench/README.md)."
		echo
	} >"$OUT"
fi
"$tmp/summary" <"$results" >>"$results"
cat "$results" >>"$OUT"
echo "run-all.sh: results appended to $OUT" >&2
