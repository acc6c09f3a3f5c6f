/* The signal-context mark of debug builds (sigctx.h). */
#include "config.h"
#include "sigctx.h"

/* Defined in every build, so that a debug-built unit test links with release lib/. */
__thread int fp_sigctx_depth __attribute__((tls_model("initial-exec")));
