#!/bin/sh
# Every allocating entry point can be injected through FAILPOOL_CALLS=<name>,
# fails the way README, "Using it" says (NULL + ENOMEM; posix_memalign returns ENOMEM
# and leaves *memptr alone; realloc keeps the old block), and the others
# (free, malloc_usable_size, C++ forms in a C program) never fail. Invalid
# arguments are not eligible.
. "$TESTLIB"

P=$PROGS/probe
KINDS="malloc calloc realloc reallocarray posix_memalign aligned_alloc memalign valloc pvalloc"

# What the probe appends to "fail I ENOMEM" for entry point $1.
extra() {
	case $1 in
	realloc|reallocarray) printf ' kept' ;;
	posix_memalign) printf ' errno=ENOMEM memptr=untouched' ;;
	esac
}

# The probe's arguments after N for entry point $1.
args_of() {
	case $1 in
	calloc|reallocarray) printf '1 64' ;;
	posix_memalign|aligned_alloc|memalign) printf '64 64' ;;
	*) printf '64' ;;
	esac
}

# 1. FAILPOOL_CALLS=<f> EVERY=2: the probe's 6 calls of f are the only
#    eligible ones (realloc's first block comes from malloc), and fail at
#    the even indices.
for f in $KINDS; do
	a=$(args_of $f)
	exp=
	n=3
	for i in 2 4 6; do
		exp="${exp}fail $i ENOMEM$(extra $f),"
	done
	rm -f "$T/r.json"
	run_shim FAILPOOL_CALLS=$f FAILPOOL_EVERY=2 FAILPOOL_REPORT="$T/r.json" \
		-- "$P" $f 6 $a >"$T/out" 2>"$T/err"
	is "$?:$(lines "$T/out")" "0:${exp}done 6 failed $n" "CALLS=$f EVERY=2: calls fail as NULL/ENOMEM$(extra $f)"
	is "$(jpy "$T/r.json" '"%d %d %s" % (r["totals"]["injected"], r["totals"]["eligible"], sorted(set(i["call"] for i in r["injections"])))')" \
		"$n 6 ['$f']" "CALLS=$f EVERY=2: report: $n injected into $f, 6 eligible"
done

# 2. The mix: call i uses entry point (i-1) % 9 of KINDS, after one malloc
#    for the realloc block. With FAILPOOL_CALLS=<f>, AFTER=<that malloc if
#    f has malloc> and EVERY=1 exactly the calls of f fail, and no other.
mix_expect() {	# F|all N: the expected output of "probe mix N 64"
	_i=1 _o= _c=0
	while [ $_i -le "$2" ]; do
		_k=$(echo $KINDS | cut -d' ' -f$(((_i - 1) % 9 + 1)))
		case ",$1," in
		*",$_k,"*|,all,)
			_o="${_o}fail $_i ENOMEM$(extra $_k) $_k,"
			_c=$((_c + 1)) ;;
		esac
		_i=$((_i + 1))
	done
	printf '%sdone %s failed %s' "$_o" "$2" "$_c"
}

for f in $KINDS malloc,calloc posix_memalign,aligned_alloc,memalign valloc,pvalloc,realloc; do
	case ,$f, in
	*,malloc,*) base=1 ;;
	*) base=0 ;;
	esac
	run_shim FAILPOOL_CALLS=$f FAILPOOL_AFTER=$base FAILPOOL_EVERY=1 \
		-- "$P" mix 18 64 >"$T/out" 2>"$T/err"
	is "$?:$(lines "$T/out")" "0:$(mix_expect $f 18)" "mix under CALLS=$f: only $f fails"
done

run_shim FAILPOOL_AFTER=1 FAILPOOL_EVERY=1 -- "$P" mix 18 64 >"$T/out" 2>"$T/err"
is "$?:$(lines "$T/out")" "0:$(mix_expect all 18)" "mix, CALLS unset: every entry point fails"

# 3. Names that never fail: free, malloc_usable_size, and the C++ forms in a
#    C program. Nothing is eligible, nothing fails.
for f in free malloc_usable_size delete 'delete[]' new 'new[]' free,malloc_usable_size; do
	rm -f "$T/r.json"
	run_shim FAILPOOL_CALLS="$f" FAILPOOL_EVERY=1 FAILPOOL_REPORT="$T/r.json" \
		-- "$P" mix 18 64 >"$T/out" 2>"$T/err"
	is "$?:$(lines "$T/out"):$(jpy "$T/r.json" '"%d/%d" % (r["totals"]["eligible"], r["totals"]["injected"])')" \
		"0:$(mix_expect none 18):0/0" "CALLS=$f EVERY=1: nothing fails, nothing eligible"
done

# 4. Invalid arguments are not eligible: glibc's own errors, no injection.
rm -f "$T/r.json"
run_shim FAILPOOL_EVERY=1 FAILPOOL_CALLS=posix_memalign FAILPOOL_REPORT="$T/r.json" \
	-- "$P" posix_memalign 2 24 16 >"$T/out" 2>"$T/err"
is "$(lines "$T/out")" "fail 1 EINVAL errno=unchanged memptr=untouched,fail 2 EINVAL errno=unchanged memptr=untouched,done 2 failed 2" \
	"posix_memalign(24): EINVAL, not an injected ENOMEM"
is "$(jpy "$T/r.json" '"%d/%d" % (r["totals"]["eligible"], r["totals"]["injected"])')" "0/0" \
	"posix_memalign(24): not eligible"

for f in aligned_alloc memalign; do
	rm -f "$T/r.json"
	run_shim FAILPOOL_EVERY=1 FAILPOOL_CALLS=$f FAILPOOL_REPORT="$T/r.json" \
		-- "$P" $f 2 0x8000000000000001 16 >"$T/out" 2>"$T/err"
	is "$(lines "$T/out"):$(jpy "$T/r.json" '"%d/%d" % (r["totals"]["eligible"], r["totals"]["injected"])')" \
		"fail 1 EINVAL,fail 2 EINVAL,done 2 failed 2:0/0" "$f(SIZE_MAX/2+2): EINVAL, not eligible"
done

for f in calloc reallocarray; do
	rm -f "$T/r.json"
	run_shim FAILPOOL_EVERY=1 FAILPOOL_CALLS=$f FAILPOOL_REPORT="$T/r.json" \
		-- "$P" $f 2 0x100000000 0x100000000 >"$T/out" 2>"$T/err"
	e=$(extra $f)
	is "$(lines "$T/out")" "fail 1 ENOMEM$e,fail 2 ENOMEM$e,done 2 failed 2" "$f overflow: ENOMEM$e"
	is "$(jpy "$T/r.json" '"%d/%d/%d" % (r["totals"]["eligible"], r["totals"]["injected"], r["totals"]["real_failures"])')" \
		"0/0/2" "$f overflow: not eligible, 2 real failures"
done

# 5. A real failure of a valid request is eligible but not injected.
rm -f "$T/r.json"
run_shim FAILPOOL_REPORT="$T/r.json" -- "$P" malloc 2 0x7fffffffffffffff >"$T/out" 2>"$T/err"
is "$(lines "$T/out")" "fail 1 ENOMEM,fail 2 ENOMEM,done 2 failed 2" "malloc(PTRDIFF_MAX): real ENOMEM"
is "$(jpy "$T/r.json" '"%d/%d" % (r["totals"]["injected"], r["totals"]["real_failures"])')" "0/2" \
	"malloc(PTRDIFF_MAX): 0 injected, 2 real failures"

# 6. realloc's failure keeps the block over many rounds, in both directions.
run_shim FAILPOOL_CALLS=realloc FAILPOOL_EVERY=3 -- "$P" realloc 300 1000 >"$T/out" 2>"$T/err"
is "$(grep -c '^fail .* kept$' "$T/out"):$(grep -vc -e '^fail .* kept$' -e '^done' "$T/out")" "100:0" \
	"realloc EVERY=3 over 300 rounds: 100 failures, each kept the block, nothing else wrong"

# 7. usable size and malloc_usable_size(NULL) go to jemalloc.
run_shim FAILPOOL_EVERY=1 FAILPOOL_CALLS=calloc -- "$P" usable 1000 >"$T/out" 2>"$T/err"
is "$(lines "$T/out")" "usable ok,usable(NULL) 0" "malloc_usable_size under the shim"

done_testing
