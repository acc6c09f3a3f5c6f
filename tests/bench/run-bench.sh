#!/bin/sh
# make bench: every performance figure the README's "Performance" section
# states, measured in one run. Each round runs every configuration once
# (A, B, C, ... then A, B, C again), so that machine noise hits them all
# alike; a figure is the median over the rounds, and every ratio is to bare
# jemalloc (LD_PRELOAD=libjemalloc.so.2) measured in the same rounds.
#
# usage: run-bench.sh FP_BENCH FP_SPAWN SHIM_SO JEMALLOC_SO FAILPOOL
# Environment (defaults: the figures of the README, about 5 minutes on 2 cores):
#	FP_BENCH_ROUNDS   rounds, the N of "median of N" (21)
#	FP_BENCH_OPS      fp-bench operations per thread (2000000)
#	FP_BENCH_PROCS    runs of the short program per round and configuration (200)
#	FP_BENCH_LIVE     live blocks of the resident-memory rows (100000)
#	FP_BENCH_INPUT    the short program's input (/etc/services, else one made here)
#	FP_BENCH_INSTRUCTIONS=1  also count instructions per operation at 1 thread
#	                  (perf's instructions:u where the machine counts them,
#	                  else valgrind's callgrind): figures that machine noise
#	                  does not move, for comparing two builds; with
#	                  FP_BENCH_ROUNDS=0 only those
#	FP_BENCH_COUNT_OPS  operations of the counted runs (100000)
# A row that cannot run says why; the others go on. Exit status 2 only for
# missing arguments or programs.
set -u

if [ $# -ne 5 ]; then
	echo "usage: run-bench.sh FP_BENCH FP_SPAWN SHIM_SO JEMALLOC_SO FAILPOOL" >&2
	exit 2
fi
bench=$1 spawn=$2 shim=$3 jemalloc=$4 failpool=$5
rounds=${FP_BENCH_ROUNDS:-21}
ops=${FP_BENCH_OPS:-2000000}
procs=${FP_BENCH_PROCS:-200}
live=${FP_BENCH_LIVE:-100000}
count_ops=${FP_BENCH_COUNT_OPS:-100000}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM

for f in "$bench" "$spawn" "$shim" "$jemalloc" "$failpool"; do
	[ -e "$f" ] || { echo "run-bench: $f not found" >&2; exit 2; }
done
for v in $(env | sed -n 's/^\(FAILPOOL_[A-Za-z0-9_]*\)=.*/\1/p'); do unset "$v"; done
# Figures with a decimal point whatever the locale; sort keeps the caller's.
LC_NUMERIC=C
export LC_NUMERIC

input=${FP_BENCH_INPUT:-/etc/services}
if [ ! -r "$input" ]; then
	input=$tmp/services
	awk 'BEGIN { for (i = 1; i <= 600; i++)
		printf "svc%05d\t%d/tcp\t\t# service number %d\n", (i * 7919) % 100000, i, i }' > "$input"
fi
mkdir "$tmp/why"

# why KEY TEXT: the first reason a row's runs failed (printed instead of a figure).
why() {
	[ -e "$tmp/why/$1" ] || printf '%s\n' "$2" > "$tmp/why/$1"
}

# sample KEY THREADS VALUE
sample() {
	echo "$1 $2 $3" >> "$tmp/samples"
}

# fp KEY THREADS [VAR=VALUE...]: one fp-bench run in the environment given.
fp() {
	key=$1 threads=$2
	shift 2
	if out=$(env "$@" "$bench" "$threads" "$ops" 2> "$tmp/err") &&
		[ -n "$out" ]; then
		sample "$key" "$threads" "${out%% *}"
	else
		why "$key" "$(tail -n 1 "$tmp/err")"
	fi
}

# spawned KEY FIELD RUNS [VAR=VALUE...] -- CMD...: FIELD 1 (elapsed ns) or
# 2 (max resident KiB) of fp-spawn's line.
spawned() {
	key=$1 field=$2 n=$3
	shift 3
	if out=$("$spawn" -n "$n" "$@" 2> "$tmp/err"); then
		sample "$key" 1 "$(echo "$out" | cut -d' ' -f"$field")"
	else
		why "$key" "$(tail -n 1 "$tmp/err")"
	fi
}

# explore_round: one `failpool explore --jobs 2` of the short program, then
# as many bare runs of it, two at a time. Each round explores into a new
# directory, removed only at the end: an exploration writes into a fresh
# one, and ext4 makes inodes slow to allocate for a few seconds after many
# are deleted, which would charge one round's clean-up to the next.
explore_round() {
	out=$tmp/explore.$1
	t0=$(date +%s%N)
	FAILPOOL_LIB=$shim "$failpool" explore --jobs 2 --out "$out" -- sort "$input" \
		> "$tmp/err" 2>&1
	status=$?
	t1=$(date +%s%N)
	# Every run, the baseline included, is one "run": N entry of summary.json.
	runs=$(grep -o '"run": *[0-9]*' "$out/summary.json" 2> /dev/null | wc -l)
	# Status 1 means findings in sort (its business, not the bench's).
	if [ "$status" -gt 1 ] || [ "$runs" -eq 0 ]; then
		why explore-bare "explore exited $status: $(tail -n 1 "$tmp/err")"
		return
	fi
	if bare=$("$spawn" -n "$runs" -j 2 -- sort "$input" 2> "$tmp/err"); then
		sample explore 1 "$((t1 - t0))"
		sample explore-bare 1 "${bare%% *}"
		sample explore-runs 1 "$runs"
	else
		why explore-bare "bare sort: $(tail -n 1 "$tmp/err")"
	fi
}

# bench_configs RUNNER THREADS: every fp-bench configuration but the
# peers', each as RUNNER KEY THREADS [VAR=VALUE...].
bench_configs() {
	run=$1 t=$2
	$run jemalloc "$t" "LD_PRELOAD=$jemalloc"
	$run glibc "$t"
	$run passthrough "$t" "$pre"
	$run rate-report "$t" "$pre" FAILPOOL_RATE=0.001 FAILPOOL_SEED=1 "$report"
	$run pool-hot "$t" "$pre" FAILPOOL_DEPTH=1 \
		FAILPOOL_POOLS=hot:site=func:work,min=64,size=4096
	$run sites-8 "$t" "$pre" "$report"
	$run rule-8 "$t" "$pre" FAILPOOL_SITES=func:work FAILPOOL_RATE=0.001 FAILPOOL_SEED=1
	$run sites-8-check "$t" "$pre" "$report" FAILPOOL_CHECK=frees
}

# instructions OPS [VAR=VALUE...]: the user-space instructions of one
# 1-thread fp-bench run of OPS operations, counted by $counter.
instructions() {
	n=$1
	shift
	case $counter in
	perf)
		perf stat -x, -o "$tmp/perf" -e instructions:u -- env "$@" "$bench" 1 "$n" \
			> /dev/null 2> "$tmp/err" &&
			sed -n 's/^\([0-9][0-9]*\),.*instructions.*/\1/p' "$tmp/perf"
		;;
	callgrind)
		env "$@" valgrind --tool=callgrind --callgrind-out-file=/dev/null \
			"$bench" 1 "$n" 2>&1 > /dev/null | tee "$tmp/err" |
			sed -n 's/^==[0-9]*== Collected : \([0-9][0-9]*\)$/\1/p'
		;;
	esac
}

# count KEY THREADS [VAR=VALUE...]: instructions per operation, from runs
# of N and 2N operations (the start-up and the exit cancel out).
count() {
	key=$1
	shift 2
	a=$(instructions "$count_ops" "$@") b=$(instructions $((2 * count_ops)) "$@")
	if [ -n "$a" ] && [ -n "$b" ]; then
		echo "$key $(((b - a) / count_ops))" >> "$tmp/instructions"
	else
		why "instructions-$key" "$(tail -n 1 "$tmp/err")"
	fi
}

have_fiu=$(command -v fiu-run)
have_heaptrack=$(command -v heaptrack)
[ -n "$have_fiu" ] || why libfiu "skipped: fiu-run (libfiu) not installed"
[ -n "$have_heaptrack" ] || why heaptrack "skipped: heaptrack not installed"

pre="LD_PRELOAD=$shim"
# Reports pile up until the end (the trap removes them), for the reason
# explore_round gives: a report is a file the short process creates.
mkdir "$tmp/reports"
report="FAILPOOL_REPORT=$tmp/reports/r.%p.json"
echo "make bench: $rounds rounds of every configuration, interleaved;" \
	"fp-bench $ops operations per thread," \
	"sort $input $procs times, $live live blocks" >&2
r=1
while [ "$r" -le "$rounds" ]; do
	echo "round $r of $rounds" >&2
	for t in 1 2; do
		bench_configs fp "$t"
		if [ -n "$have_fiu" ]; then
			# libfiu's POSIX preload with malloc failure enabled at
			# probability 0: its check on every call, nothing failing.
			fp libfiu "$t" "$have_fiu" -x -f "" \
				-c 'enable_random name=libc/mm/malloc,probability=0'
		fi
		if [ -n "$have_heaptrack" ]; then
			if out=$(heaptrack -o "$tmp/ht" "$bench" "$t" "$ops" 2> "$tmp/err" |
				grep -E '^[0-9]+ [0-9]+$'); then
				sample heaptrack "$t" "${out%% *}"
			else
				why heaptrack "$(tail -n 1 "$tmp/err")"
			fi
			rm -f "$tmp"/ht*
		fi
	done
	spawned process-jemalloc 1 "$procs" "LD_PRELOAD=$jemalloc" -- sort "$input"
	spawned process-pass 1 "$procs" "$pre" -- sort "$input"
	spawned process-report 1 "$procs" "$pre" "$report" -- sort "$input"
	spawned rss-jemalloc 2 1 "LD_PRELOAD=$jemalloc" -- "$bench" --live "$live"
	spawned rss-pass 2 1 "$pre" -- "$bench" --live "$live"
	spawned rss-report 2 1 "$pre" "$report" -- "$bench" --live "$live"
	explore_round "$r"
	r=$((r + 1))
done

if [ "${FP_BENCH_INSTRUCTIONS:-0}" = 1 ]; then
	counter=
	if perf stat -x, -o "$tmp/perf" -e instructions:u -- true 2> /dev/null &&
		grep -q '^[0-9][0-9]*,.*instructions' "$tmp/perf"; then
		counter=perf
	elif command -v valgrind > /dev/null 2>&1; then
		counter=callgrind
	fi
	echo "counting instructions (${counter:-no counter})" >&2
	[ -n "$counter" ] && bench_configs count 1
fi

# median KEY THREADS: the median sample, empty when there is none.
median() {
	[ -e "$tmp/samples" ] || return 0
	awk -v k="$1" -v t="$2" '$1 == k && $2 == t { print $3 }' "$tmp/samples" | sort -n |
		awk '{ v[NR] = $1 } END { if (NR) printf "%.0f\n", (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# ratio KEY THREADS BASE: KEY's median over BASE's, as "1.23x", or "-".
ratio() {
	a=$(median "$1" "$2") b=$(median "$3" "$2")
	if [ -n "$a" ] && [ -n "$b" ] && [ "$b" != 0 ]; then
		awk -v a="$a" -v b="$b" 'BEGIN { printf "%.2fx\n", a / b }'
	else
		echo -
	fi
}

# row KEY BASE THREADS(1|12) LABEL GOAL
row() {
	one=$(ratio "$1" 1 "$2") two=-
	[ "$3" = 12 ] && two=$(ratio "$1" 2 "$2")
	if [ "$one" = - ] && [ "$two" = - ]; then
		reason="no figure"
		[ -e "$tmp/why/$1" ] && reason=$(cat "$tmp/why/$1")
		[ -e "$tmp/why/$2" ] && reason="(base) $(cat "$tmp/why/$2")"
		printf '%-56s %s\n' "$4" "$reason"
	else
		note=
		[ -e "$tmp/why/$1" ] && note=" (some runs failed: $(cat "$tmp/why/$1"))"
		printf '%-56s %9s %9s   %s%s\n' "$4" "$one" "$two" "$5" "$note"
	fi
}

# label KEY: what a configuration is, as the table names it.
label() {
	case $1 in
	jemalloc) echo "bare jemalloc" ;;
	glibc) echo "glibc malloc, no preload (reference)" ;;
	passthrough) echo "passthrough (nothing configured)" ;;
	rate-report) echo "RATE=0.001 + a report" ;;
	pool-hot) echo "a pool on the hot function (DEPTH=1, size=4096)" ;;
	sites-8) echo "per-site recording at depth 8 (a report only)" ;;
	rule-8) echo "a func: rule matched at depth 8 (RATE=0.001)" ;;
	sites-8-check) echo "a report with CHECK=frees" ;;
	esac
}

if [ "$rounds" -gt 0 ]; then
	echo
	printf '%-56s %9s %9s   %s\n' "row (cost as a ratio to bare jemalloc)" "1 thread" "2 threads" "goal"
	row glibc jemalloc 12 "$(label glibc)" ""
	row passthrough jemalloc 12 "$(label passthrough)" "the floor: ~1.00x"
	row rate-report jemalloc 12 "$(label rate-report)" "<= 1.6x, 2 threads within 15% of 1"
	row pool-hot jemalloc 12 "$(label pool-hot)" "<= 1.5x / <= 1.5x"
	row sites-8 jemalloc 12 "$(label sites-8)" "<= 1.5x / <= 1.5x"
	row rule-8 jemalloc 12 "$(label rule-8)" "<= 1.3x / <= 1.3x"
	row sites-8-check sites-8 12 "CHECK=frees, to the same report without it" "<= 2x"
	row libfiu jemalloc 12 "libfiu fiu-run -x, malloc at probability 0 (glibc)" "peer: failpool cheaper"
	row heaptrack jemalloc 12 "heaptrack (over glibc)" "peer: failpool cheaper"
	row process-pass process-jemalloc 1 "whole process, passthrough (sort, wall time)" ""
	row process-report process-jemalloc 1 "whole process with a report (sort, wall time)" "<= 1.5x"
	row rss-pass rss-jemalloc 1 "max resident, $live live blocks: passthrough" "<= 1.05x"
	row rss-report rss-jemalloc 1 "max resident, $live live blocks: a report" ""
	row explore-bare explore 1 "explore runs/s over bare runs/s (sort, --jobs 2)" ">= 0.50x (higher is better)"
	echo
	ms() { [ -n "$1" ] && awk -v v="$1" -v d="$2" 'BEGIN { printf "%.2f ms", v / d / 1e6 }'; }
	j1=$(median jemalloc 1) j2=$(median jemalloc 2)
	[ -n "$j1" ] && echo "bare jemalloc, fp-bench: $(ms "$j1" 1) (1 thread), $(ms "${j2:-0}" 1) (2 threads)"
	a1=$(median rate-report 1) a2=$(median rate-report 2)
	[ -n "$j1" ] && [ -n "$j2" ] && [ -n "$a1" ] && [ -n "$a2" ] &&
		awk -v a="$a1" -v b="$a2" -v j1="$j1" -v j2="$j2" 'BEGIN { printf \
		"RATE=0.001 + a report: its 2-thread ratio is %.2fx its 1-thread ratio (goal <= 1.15x)\n",
		(b / j2) / (a / j1) }'
	pj=$(median process-jemalloc 1) pr=$(median process-report 1)
	[ -n "$pj" ] && [ -n "$pr" ] &&
		echo "one sort: $(ms "$pj" "$procs") under bare jemalloc, $(ms "$pr" "$procs") with a report"
	rj=$(median rss-jemalloc 1) rp=$(median rss-pass 1) rr=$(median rss-report 1)
	[ -n "$rj" ] && [ -n "$rp" ] && [ -n "$rr" ] &&
		echo "max resident: $rj KiB bare jemalloc, $rp KiB passthrough, $rr KiB with a report"
	ex=$(median explore 1) eb=$(median explore-bare 1) en=$(median explore-runs 1)
	[ -n "$ex" ] && [ -n "$eb" ] && awk -v n="$en" -v x="$ex" -v b="$eb" \
		'BEGIN { printf "explore: %d runs, %.0f runs/s; bare: %.0f runs/s\n", n, n / x * 1e9, n / b * 1e9 }'
	echo "workload: 1024 live slots per thread, sizes 16..4096, 1 in 16 calloc," \
		"$ops operations per thread; median of $rounds"
fi
if [ "${FP_BENCH_INSTRUCTIONS:-0}" = 1 ]; then
	echo
	if [ -z "$counter" ]; then
		echo "instructions: skipped: perf cannot count instructions:u here and valgrind is not installed"
	else
		printf '%-56s %9s %9s\n' "instructions per operation, 1 thread ($counter)" count /jemalloc
		base=$(awk '$1 == "jemalloc" { print $2 }' "$tmp/instructions" 2> /dev/null)
		for key in jemalloc glibc passthrough rate-report pool-hot sites-8 rule-8 sites-8-check; do
			n=$(awk -v k="$key" '$1 == k { print $2 }' "$tmp/instructions" 2> /dev/null)
			if [ -z "$n" ]; then
				printf '%-56s %s\n' "$(label "$key")" \
					"no figure: $(cat "$tmp/why/instructions-$key" 2> /dev/null)"
			elif [ -n "$base" ] && [ "$base" -gt 0 ]; then
				awk -v k="$(label "$key")" -v n="$n" -v b="$base" \
					'BEGIN { printf "%-56s %9d %8.2fx\n", k, n, n / b }'
			else
				printf '%-56s %9d %9s\n' "$(label "$key")" "$n" -
			fi
		done
	fi
fi
echo
echo "machine: $(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -n 1)," \
	"$(nproc) cores, $(uname -sr), $(date -u +%Y-%m-%d)"
