/* Configuration value parsers: no malloc, no locale, no stdio. */
#include "config.h"
#include "parse.h"

#include <errno.h>
#include <signal.h>
#include <stddef.h>
#include <string.h>
#include <strings.h>

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static int hex_value(char c)
{
	if (is_digit(c))
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static char lower(char c)
{
	return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

static int equal_nocase(const char *a, const char *b)
{
	for (; *a && *b; a++, b++)
		if (lower(*a) != lower(*b))
			return 0;
	return *a == *b;
}

/* Leading unsigned integer of @s; *end points past it. */
static int leading_u64(const char *s, const char **end, uint64_t *out)
{
	uint64_t v = 0;
	const char *p = s;

	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
		p += 2;
		if (hex_value(*p) < 0)
			return -EINVAL;
		for (; hex_value(*p) >= 0; p++) {
			if (v >> 60)
				return -ERANGE;
			v = v << 4 | (uint64_t)hex_value(*p);
		}
	} else {
		if (!is_digit(*p))
			return -EINVAL;
		for (; is_digit(*p); p++) {
			uint64_t d = (uint64_t)(*p - '0');

			if (v > (UINT64_MAX - d) / 10)
				return -ERANGE;
			v = v * 10 + d;
		}
	}
	*end = p;
	*out = v;
	return 0;
}

int fp_parse_u64(const char *s, uint64_t *out)
{
	const char *end;
	uint64_t v;
	int rc;

	if (!s)
		return -EINVAL;
	rc = leading_u64(s, &end, &v);
	if (rc)
		return rc;
	if (*end)
		return -EINVAL;
	*out = v;
	return 0;
}

int fp_parse_size(const char *s, uint64_t *out)
{
	const char *end;
	unsigned shift = 0;
	uint64_t v;
	int rc;

	if (!s)
		return -EINVAL;
	rc = leading_u64(s, &end, &v);
	if (rc)
		return rc;
	switch (lower(*end)) {
	case '\0':
		break;
	case 'k': shift = 10; end++; break;
	case 'm': shift = 20; end++; break;
	case 'g': shift = 30; end++; break;
	case 't': shift = 40; end++; break;
	default:
		return -EINVAL;
	}
	if (shift) {
		if (lower(end[0]) == 'i' && lower(end[1]) == 'b')
			end += 2;
		else if (lower(end[0]) == 'b')
			end++;
	}
	if (*end)
		return -EINVAL;
	if (shift && v > (UINT64_MAX >> shift))
		return -ERANGE;
	*out = v << shift;
	return 0;
}

int fp_parse_real(const char *s, double *out)
{
	uint64_t mant = 0;
	int digits = 0, scale = 0, exp = 0, exp_neg = 0;
	const char *p = s;
	double v;

	if (!s)
		return -EINVAL;
	for (; is_digit(*p); p++, digits++) {
		if (mant < 100000000000000000ULL)
			mant = mant * 10 + (uint64_t)(*p - '0');
		else
			scale++;
	}
	if (*p == '.') {
		for (p++; is_digit(*p); p++, digits++) {
			if (mant < 100000000000000000ULL) {
				mant = mant * 10 + (uint64_t)(*p - '0');
				scale--;
			}
		}
	}
	if (!digits)
		return -EINVAL;
	if (*p == 'e' || *p == 'E') {
		p++;
		if (*p == '-' || *p == '+')
			exp_neg = *p++ == '-';
		if (!is_digit(*p))
			return -EINVAL;
		for (; is_digit(*p); p++)
			if (exp < 10000)
				exp = exp * 10 + (*p - '0');
	}
	if (*p)
		return -EINVAL;
	scale += exp_neg ? -exp : exp;
	v = (double)mant;
	/* Divide rather than multiply by 0.1: 0.001 must come out exact-ish. */
	for (; scale > 0 && v < 1e300; scale--)
		v *= 10;
	for (; scale < 0 && v > 0; scale++)
		v /= 10;
	*out = v;
	return 0;
}

int fp_parse_duration(const char *s, uint64_t *ns)
{
	static const struct { const char *unit; uint64_t ns; } units[] = {
		{ "ns", 1 }, { "us", 1000 }, { "ms", 1000000 },
		{ "s", 1000000000ULL }, { "", 1000000000ULL },
		{ "m", 60000000000ULL }, { "h", 3600000000000ULL },
	};
	const char *end;
	uint64_t v;
	int rc;

	if (!s)
		return -EINVAL;
	if (equal_nocase(s, "forever") || equal_nocase(s, "inf")) {
		*ns = UINT64_MAX;
		return 0;
	}
	rc = leading_u64(s, &end, &v);
	if (rc)
		return rc;
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (!equal_nocase(end, units[i].unit))
			continue;
		if (v > (UINT64_MAX - 1) / units[i].ns)
			return -ERANGE;
		*ns = v * units[i].ns;
		return 0;
	}
	return -EINVAL;
}

static const struct { int sig; const char *name; } signals[] = {
	{ SIGHUP, "SIGHUP" }, { SIGINT, "SIGINT" }, { SIGQUIT, "SIGQUIT" },
	{ SIGILL, "SIGILL" }, { SIGTRAP, "SIGTRAP" }, { SIGABRT, "SIGABRT" },
	{ SIGBUS, "SIGBUS" }, { SIGFPE, "SIGFPE" }, { SIGKILL, "SIGKILL" },
	{ SIGUSR1, "SIGUSR1" }, { SIGSEGV, "SIGSEGV" }, { SIGUSR2, "SIGUSR2" },
	{ SIGPIPE, "SIGPIPE" }, { SIGALRM, "SIGALRM" }, { SIGTERM, "SIGTERM" },
	{ SIGCHLD, "SIGCHLD" }, { SIGCONT, "SIGCONT" }, { SIGSTOP, "SIGSTOP" },
	{ SIGTSTP, "SIGTSTP" }, { SIGTTIN, "SIGTTIN" }, { SIGTTOU, "SIGTTOU" },
	{ SIGURG, "SIGURG" }, { SIGXCPU, "SIGXCPU" }, { SIGXFSZ, "SIGXFSZ" },
	{ SIGVTALRM, "SIGVTALRM" }, { SIGPROF, "SIGPROF" },
	{ SIGWINCH, "SIGWINCH" }, { SIGIO, "SIGIO" }, { SIGPWR, "SIGPWR" },
	{ SIGSYS, "SIGSYS" },
};

int fp_parse_signal(const char *s, int *sig)
{
	const char *name = s;
	uint64_t v;

	if (!s || !*s)
		return -EINVAL;
	if (is_digit(*s)) {
		if (fp_parse_u64(s, &v) || v < 1 || v >= (uint64_t)NSIG)
			return -EINVAL;
		*sig = (int)v;
		return 0;
	}
	if (lower(s[0]) == 's' && lower(s[1]) == 'i' && lower(s[2]) == 'g')
		name = s + 3;
	for (size_t i = 0; i < sizeof(signals) / sizeof(signals[0]); i++) {
		if (equal_nocase(name, signals[i].name + 3)) {
			*sig = signals[i].sig;
			return 0;
		}
	}
	if (strncasecmp(name, "RTMIN", 5) == 0 || strncasecmp(name, "RTMAX", 5) == 0) {
		int max = lower(name[3]) == 'a';
		int n = 0;

		if (name[5] == '\0') {
			n = 0;
		} else if (name[5] == (max ? '-' : '+')) {
			if (fp_parse_u64(name + 6, &v) || v > 64)
				return -EINVAL;
			n = (int)v;
		} else {
			return -EINVAL;
		}
		n = max ? SIGRTMAX - n : SIGRTMIN + n;
		if (n < SIGRTMIN || n > SIGRTMAX)
			return -EINVAL;
		*sig = n;
		return 0;
	}
	return -EINVAL;
}

/* Real-time signals by their distance from SIGRTMIN, as kill -l numbers them up. */
static const char *const realtime[] = {
	"SIGRTMIN", "SIGRTMIN+1", "SIGRTMIN+2", "SIGRTMIN+3", "SIGRTMIN+4",
	"SIGRTMIN+5", "SIGRTMIN+6", "SIGRTMIN+7", "SIGRTMIN+8", "SIGRTMIN+9",
	"SIGRTMIN+10", "SIGRTMIN+11", "SIGRTMIN+12", "SIGRTMIN+13", "SIGRTMIN+14",
	"SIGRTMIN+15", "SIGRTMIN+16", "SIGRTMIN+17", "SIGRTMIN+18", "SIGRTMIN+19",
	"SIGRTMIN+20", "SIGRTMIN+21", "SIGRTMIN+22", "SIGRTMIN+23", "SIGRTMIN+24",
	"SIGRTMIN+25", "SIGRTMIN+26", "SIGRTMIN+27", "SIGRTMIN+28", "SIGRTMIN+29",
	"SIGRTMIN+30",
};

const char *fp_signal_name(int sig)
{
	for (size_t i = 0; i < sizeof(signals) / sizeof(signals[0]); i++)
		if (signals[i].sig == sig)
			return signals[i].name;
	if (sig == SIGRTMAX)
		return "SIGRTMAX";
	if (sig >= SIGRTMIN && sig < SIGRTMAX &&
	    (size_t)(sig - SIGRTMIN) < sizeof(realtime) / sizeof(realtime[0]))
		return realtime[sig - SIGRTMIN];
	return NULL;
}
