#!/bin/sh
# make bench: bare jemalloc vs the failpool shim, interleaved in one run so
# that machine noise hits every configuration alike; medians and ratios.
# usage: run-bench.sh FP_BENCH SHIM_SO JEMALLOC_SO
set -eu

bench=$1 shim=$2 jemalloc=$3
reps=${FP_BENCH_REPS:-7}
iters=${FP_BENCH_ITERS:-2000000}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM

for f in "$bench" "$shim" "$jemalloc"; do
	[ -e "$f" ] || { echo "run-bench: $f not found" >&2; exit 2; }
done
for v in $(env | sed -n 's/^\(FAILPOOL_[A-Z_]*\)=.*/\1/p'); do unset "$v"; done

echo "bench:    $bench ($iters iterations per thread, median of $reps runs)"
echo "shim:     $shim"
echo "jemalloc: $jemalloc"
echo "machine:  $(nproc) cores, $(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -1)"
echo

# name | environment for the run (evaluated by env)
configs="glibc|
jemalloc|LD_PRELOAD=$jemalloc
passthrough|LD_PRELOAD=$shim
rule-miss-1|LD_PRELOAD=$shim FAILPOOL_DEPTH=1 FAILPOOL_SITES=func:parse_config FAILPOOL_RATE=0.001 FAILPOOL_SEED=1
rule-hit-1|LD_PRELOAD=$shim FAILPOOL_DEPTH=1 FAILPOOL_SITES=func:work FAILPOOL_RATE=0.001 FAILPOOL_SEED=1
rule-hit-8|LD_PRELOAD=$shim FAILPOOL_SITES=func:work FAILPOOL_RATE=0.001 FAILPOOL_SEED=1
sites-depth8|LD_PRELOAD=$shim FAILPOOL_REPORT=$tmp/sites.%p.json
sites+check|LD_PRELOAD=$shim FAILPOOL_REPORT=$tmp/check.%p.json FAILPOOL_CHECK=frees
check|LD_PRELOAD=$shim FAILPOOL_CHECK=frees
rate+report|LD_PRELOAD=$shim FAILPOOL_RATE=0.001 FAILPOOL_SEED=1 FAILPOOL_REPORT=$tmp/report.%p.json
pool-other-1|LD_PRELOAD=$shim FAILPOOL_DEPTH=1 FAILPOOL_POOLS=p:site=func:parse_config,min=64,size=256
pool-work-1|LD_PRELOAD=$shim FAILPOOL_DEPTH=1 FAILPOOL_POOLS=p:site=func:work,min=64,size=256
pool-work-8|LD_PRELOAD=$shim FAILPOOL_RATE=0.001 FAILPOOL_SEED=1 FAILPOOL_POOLS=p:site=func:work,min=64,size=256"
if command -v fiu-run >/dev/null 2>&1; then
	# libfiu's POSIX preload with malloc failure enabled at probability 0:
	# its wrapper's check on every call, nothing failing (over glibc).
	configs="$configs
libfiu|FIU"
fi
if command -v heaptrack >/dev/null 2>&1; then
	# heaptrack unwinds and records every allocation too (its own preload over glibc).
	configs="$configs
heaptrack|HEAPTRACK=$tmp/ht"
fi

for threads in 1 2; do
	r=0
	while [ "$r" -lt "$reps" ]; do
		echo "$configs" | while IFS='|' read -r name envs; do
			case $name in
			libfiu)
				fiu-run -x -f "" -c 'enable_random name=libc/mm/malloc,probability=0' \
					"$bench" "$threads" "$iters" | awk -v n="$name" '{ print n, $1 }' \
					>> "$tmp/t$threads"
				;;
			heaptrack)
				heaptrack -o "$tmp/ht" "$bench" "$threads" "$iters" 2>/dev/null |
					awk -v n="$name" '/^[0-9]+ [0-9]+$/ { print n, $1 }' >> "$tmp/t$threads"
				rm -f "$tmp"/ht*
				;;
			*)
				# shellcheck disable=SC2086
				env $envs "$bench" "$threads" "$iters" | awk -v n="$name" '{ print n, $1 }' \
					>> "$tmp/t$threads"
				;;
			esac
		done
		r=$((r + 1))
	done
done

median() { # file name -> median ns
	awk -v n="$2" '$1 == n { print $2 }' "$1" | sort -n |
		awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

cat <<'KEY'
rule-miss-1   FAILPOOL_DEPTH=1 FAILPOOL_SITES=func:parse_config RATE=0.001: a rule on
              the immediate caller that the hot path does not match
rule-hit-1    the same rule on func:work: every allocation matches, RATE draws each
rule-hit-8    func:work at the default depth 8: every allocation unwound
sites-depth8  FAILPOOL_REPORT only: per-site recording, 8 frames per site
sites+check   the same with FAILPOOL_CHECK=frees: every block recorded, every free
              checked and its site (8 frames) kept
check         FAILPOOL_CHECK=frees alone (sites at depth 8, nothing counted)
rate+report   RATE=0.001 and a report
pool-other-1  a pool on another function (DEPTH=1): every free() checks for pool memory
pool-work-1   a pool on work() (DEPTH=1): requests up to 256 bytes (90%) served by
              the pool's arena without a thread cache, larger ones bypass
pool-work-8   the same at depth 8 with RATE=0.001: 1 in 1000 served from the reserve
libfiu        libfiu's fiu-run -x (when installed), malloc failure enabled at probability
              0: a failure-point check on every call, over glibc
heaptrack     heaptrack (when installed): a stack recorded per allocation, over glibc
KEY
echo
printf '%-14s %8s %12s %10s\n' configuration threads "median ms" "/jemalloc"
for threads in 1 2; do
	base=$(median "$tmp/t$threads" jemalloc)
	echo "$configs" | while IFS='|' read -r name envs; do
		m=$(median "$tmp/t$threads" "$name")
		awk -v n="$name" -v t="$threads" -v m="$m" -v b="$base" \
			'BEGIN { printf "%-14s %8d %12.1f %10.3f\n", n, t, m / 1e6, m / b }'
	done
done
echo
awk -v p="$(median "$tmp/t1" passthrough)" -v b="$(median "$tmp/t1" jemalloc)" \
	'BEGIN { printf "passthrough/jemalloc ratio (1 thread): %.3f\n", p / b }'
awk -v p="$(median "$tmp/t2" passthrough)" -v b="$(median "$tmp/t2" jemalloc)" \
	'BEGIN { printf "passthrough/jemalloc ratio (2 threads): %.3f\n", p / b }'
for threads in 1 2; do
	awk -v c="$(median "$tmp/t$threads" sites+check)" -v s="$(median "$tmp/t$threads" sites-depth8)" -v t="$threads" \
		'BEGIN { printf "FAILPOOL_CHECK=frees cost, sites+check/sites-depth8 (%d thread%s): %.3f\n", t, (t > 1 ? "s" : ""), c / s }'
done
