/* What happens to a request once the policy and jemalloc have spoken. */
#include "config.h"
#include "request.h"

#include <errno.h>

#include "guard.h"
#include "policy.h"
#include "settings.h"

void fp_req_settle(uint64_t charged, int64_t want)
{
	if (want > (int64_t)charged)
		fp_policy_charge(&fp_process_policy, (uint64_t)want - charged);
	else if (want < (int64_t)charged)
		fp_policy_uncharge(&fp_process_policy, charged - (uint64_t)want);
}

void (*fp_req_on_injection)(uint64_t seq, enum fp_call call, uint64_t size,
			    struct fp_site *site);

void fp_req_note_injection(struct fp_req *r, uint64_t seq)
{
	if (r->site) {
		fp_stats_add(&r->site->injected, 1);
		fp_stats_injection(seq, r->call, r->size, r->site);
	}
	if (r->site && fp_req_on_injection) {
		fp_guard_enter();
		fp_req_on_injection(seq, r->call, r->size, r->site);
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
	fp_policy_uncharge(&fp_process_policy, r->charged);
	if (sh)
		fp_stats_bump(sh, &sh->real_failures, 1);
	errno = ENOMEM;		/* jemalloc's realloc leaves errno alone */
	return NULL;
}

