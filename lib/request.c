/* What happens to a request once the policy and jemalloc have spoken. */
#include "config.h"
#include "request.h"

#include <errno.h>

#include "guard.h"
#include "log.h"
#include "policy.h"
#include "runtime.h"

void fp_req_settle(uint64_t charged, int64_t want)
{
	if (want > (int64_t)charged)
		fp_policy_charge(&fp_rt.policy, (uint64_t)want - charged);
	else if (want < (int64_t)charged)
		fp_policy_uncharge(&fp_rt.policy, charged - (uint64_t)want);
}

void fp_req_note_injection(struct fp_req *r, uint64_t seq)
{
	if (r->site) {
		fp_stats_add(&r->site->injected, 1);
		fp_stats_injection(seq, r->call, r->size, r->site);
	}
	if (r->site && (fp_rt.log_fd >= 0 || fp_rt.conf.verbose)) {
		fp_guard_enter();
		fp_log_injection(seq, r->call, r->size, r->site);
		fp_guard_leave();
	}
}

void *fp_req_inject(struct fp_req *r, uint64_t seq)
{
	fp_req_note_injection(r, seq);
	errno = ENOMEM;
	return NULL;
}

void *fp_req_failed(struct fp_req *r, struct fp_shard *sh)
{
	fp_policy_uncharge(&fp_rt.policy, r->charged);
	if (sh)
		fp_stats_bump(sh, &sh->real_failures, 1);
	errno = ENOMEM;		/* jemalloc's realloc leaves errno alone */
	return NULL;
}

