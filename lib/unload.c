/* dlclose(3) in a shim process: frames of objects it may unload are named first. */
#include "config.h"
#include "unload.h"

#include <dlfcn.h>
#include <stdatomic.h>

#include "fp.h"
#include "guard.h"
#include "settings.h"
#include "site.h"
#include "thread.h"

int fp_unload_dlclose(void *handle)
{
	static int (*_Atomic real)(void *);
	int (*f)(void *) = atomic_load_explicit(&real, memory_order_acquire);

	if (fp_settings_ready() && !fp_passthrough && fp_settings()->site_depth) {
		struct fp_thread *t = fp_thread_enter();

		fp_guard_enter();
		fp_frame_name_unloadable();
		fp_guard_leave();
		fp_thread_leave(t);
	}
	if (!f) {
		fp_guard_enter();
		f = (int (*)(void *))dlsym(RTLD_NEXT, "dlclose");
		fp_guard_leave();
		if (!f)
			fp_bug("dlclose not found after the shim");
		atomic_store_explicit(&real, f, memory_order_release);
	}
	return f(handle);
}

