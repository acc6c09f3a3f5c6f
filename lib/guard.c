/* The reentrancy guard's depth (guard.h): one per thread. */
#include "config.h"
#include "guard.h"

__thread int fp_guard_depth __attribute__((tls_model("initial-exec")));
