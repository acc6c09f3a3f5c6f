/* lib/parse.c: every parser with good, bad and boundary values. */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdint.h>

#include "parse.h"
#include "../tap.h"

static void u64(const char *s, int rc, uint64_t want)
{
	uint64_t v = 12345;
	int r = fp_parse_u64(s, &v);

	is_int(r, rc, "fp_parse_u64('%s') returns %d", s, rc);
	if (rc == 0)
		is_u64(v, want, "fp_parse_u64('%s') = %" PRIu64, s, want);
	else
		is_u64(v, 12345, "fp_parse_u64('%s') leaves *out alone", s);
}

static void size(const char *s, int rc, uint64_t want)
{
	uint64_t v = 0;
	int r = fp_parse_size(s, &v);

	is_int(r, rc, "fp_parse_size('%s') returns %d", s, rc);
	if (rc == 0)
		is_u64(v, want, "fp_parse_size('%s') = %" PRIu64, s, want);
}

static void real(const char *s, int rc, double want)
{
	double v = -1;
	int r = fp_parse_real(s, &v);

	is_int(r, rc, "fp_parse_real('%s') returns %d", s, rc);
	if (rc == 0)
		is_double(v, want, want * 1e-15, "fp_parse_real('%s') = %g", s, want);
}

static void duration(const char *s, int rc, uint64_t want)
{
	uint64_t v = 0;
	int r = fp_parse_duration(s, &v);

	is_int(r, rc, "fp_parse_duration('%s') returns %d", s, rc);
	if (rc == 0)
		is_u64(v, want, "fp_parse_duration('%s') = %" PRIu64 " ns", s, want);
}

static void sig(const char *s, int rc, int want)
{
	int v = -1;
	int r = fp_parse_signal(s, &v);

	is_int(r, rc, "fp_parse_signal('%s') returns %d", s, rc);
	if (rc == 0)
		is_int(v, want, "fp_parse_signal('%s') = %d", s, want);
}

int main(void)
{
	u64("0", 0, 0);
	u64("42", 0, 42);
	u64("0x2a", 0, 42);
	u64("0XFF", 0, 255);
	u64("010", 0, 10);			/* decimal, not octal */
	u64("18446744073709551615", 0, UINT64_MAX);
	u64("0xffffffffffffffff", 0, UINT64_MAX);
	u64("18446744073709551616", -ERANGE, 0);
	u64("0x10000000000000000", -ERANGE, 0);
	u64("99999999999999999999999", -ERANGE, 0);
	u64("", -EINVAL, 0);
	u64(" 1", -EINVAL, 0);
	u64("1 ", -EINVAL, 0);
	u64("-1", -EINVAL, 0);
	u64("+1", -EINVAL, 0);
	u64("1x", -EINVAL, 0);
	u64("0x", -EINVAL, 0);
	u64("abc", -EINVAL, 0);
	is_int(fp_parse_u64(NULL, &(uint64_t){ 0 }), -EINVAL, "fp_parse_u64(NULL) is -EINVAL");

	size("0", 0, 0);
	size("100", 0, 100);
	size("1K", 0, 1024);
	size("1k", 0, 1024);
	size("10M", 0, 10485760);
	size("10m", 0, 10485760);
	size("2G", 0, 2147483648ULL);
	size("1T", 0, 1099511627776ULL);
	size("4KB", 0, 4096);
	size("4KiB", 0, 4096);
	size("4kib", 0, 4096);
	size("0x10K", 0, 16384);
	size("16777215T", 0, 16777215ULL << 40);
	size("16777216T", -ERANGE, 0);
	size("17179869184G", -ERANGE, 0);
	size("1.5K", -EINVAL, 0);
	size("1X", -EINVAL, 0);
	size("1KX", -EINVAL, 0);
	size("K", -EINVAL, 0);
	size("", -EINVAL, 0);
	size("-1K", -EINVAL, 0);
	size("1 K", -EINVAL, 0);

	real("0", 0, 0);
	real("1", 0, 1);
	real("0.001", 0, 0.001);
	real(".5", 0, 0.5);
	real("1.", 0, 1);
	real("1e-3", 0, 0.001);
	real("1E-3", 0, 0.001);
	real("2.5e+1", 0, 25);
	real("0.000000000000000000001", 0, 1e-21);
	real("", -EINVAL, 0);
	real(".", -EINVAL, 0);
	real("-0.1", -EINVAL, 0);
	real("1e", -EINVAL, 0);
	real("1e-", -EINVAL, 0);
	real("0.1x", -EINVAL, 0);
	real("nan", -EINVAL, 0);
	real("inf", -EINVAL, 0);
	real("0,5", -EINVAL, 0);

	duration("0", 0, 0);
	duration("500ms", 0, 500000000ULL);
	duration("5s", 0, 5000000000ULL);
	duration("5", 0, 5000000000ULL);
	duration("2m", 0, 120000000000ULL);
	duration("1h", 0, 3600000000000ULL);
	duration("10us", 0, 10000);
	duration("7ns", 0, 7);
	duration("forever", 0, UINT64_MAX);
	duration("FOREVER", 0, UINT64_MAX);
	duration("10 s", -EINVAL, 0);
	duration("10d", -EINVAL, 0);
	duration("ms", -EINVAL, 0);
	duration("", -EINVAL, 0);
	duration("6000000h", -ERANGE, 0);
	duration("18446744073709551615s", -ERANGE, 0);

	sig("SIGUSR1", 0, SIGUSR1);
	sig("usr1", 0, SIGUSR1);
	sig("USR2", 0, SIGUSR2);
	sig("SigTerm", 0, SIGTERM);
	sig("10", 0, 10);
	sig("RTMIN", 0, SIGRTMIN);
	sig("RTMIN+1", 0, SIGRTMIN + 1);
	sig("SIGRTMAX-2", 0, SIGRTMAX - 2);
	sig("0", -EINVAL, 0);
	sig("65", -EINVAL, 0);
	sig("SIGBOGUS", -EINVAL, 0);
	sig("RTMIN-1", -EINVAL, 0);
	sig("RTMIN+99", -EINVAL, 0);
	sig("", -EINVAL, 0);
	sig("SIG", -EINVAL, 0);
	is_str(fp_signal_name(SIGUSR1), "SIGUSR1", "fp_signal_name(SIGUSR1)");
	is_str(fp_signal_name(SIGSEGV), "SIGSEGV", "fp_signal_name(SIGSEGV)");
	ok(fp_signal_name(0) == NULL, "fp_signal_name(0) is NULL");
	is_str(fp_signal_name(SIGRTMIN), "SIGRTMIN", "fp_signal_name(SIGRTMIN)");
	is_str(fp_signal_name(SIGRTMIN + 3), "SIGRTMIN+3", "fp_signal_name(SIGRTMIN + 3)");
	is_str(fp_signal_name(SIGRTMAX), "SIGRTMAX", "fp_signal_name(SIGRTMAX)");
	ok(fp_signal_name(SIGRTMAX + 1) == NULL, "fp_signal_name(SIGRTMAX + 1) is NULL");
	return done_testing();
}
