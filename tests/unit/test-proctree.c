/* The processes in tree order (tools/proctree.c), as `failpool report`'s
 * text and `failpool run`'s summary list them (README, "`failpool report`
 * and `failpool soak`"), whatever order the reports were given in. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "../tap.h"
#include "../../tools/proctree.h"

static const struct fp_model_exit EXITED = { .has_code = 1 }, REPLACED = { 0 };

/* A process: @argv a single word list as "a b c" (split on spaces). */
static struct fp_model_proc proc(uint64_t pid, uint64_t ppid, const char *exe,
				 struct fp_model_exit exit, const char *const *argv, size_t argc)
{
	return (struct fp_model_proc){ .pid = pid, .ppid = ppid, .exe = exe, .exit = exit,
				       .complete = 1, .argv = argv, .argc = argc };
}

/* "exe@depth exe@depth ..." in the order fp_proctree_order() gives. */
static const char *tree(struct fp_model_proc *procs, size_t n, uint64_t root)
{
	static char buf[512];
	struct fp_model m = { .procs = procs, .nprocs = n };
	size_t order[16];
	unsigned depth[16];
	size_t len = 0;

	if (fp_proctree_order(&m, root, order, depth))
		return "out of memory";
	buf[0] = '\0';
	for (size_t k = 0; k < n; k++)
		len += (size_t)snprintf(buf + len, sizeof(buf) - len, "%s%s@%u", k ? " " : "",
					procs[order[k]].exe, depth[k]);
	return buf;
}

static void test_parents_first(void)
{
	struct fp_model_proc p[] = {
		proc(30, 10, "c30", EXITED, NULL, 0), proc(12, 10, "c12", EXITED, NULL, 0),
		proc(40, 12, "g40", EXITED, NULL, 0), proc(10, 1, "top", EXITED, NULL, 0),
		proc(25, 10, "c25", EXITED, NULL, 0),
	};

	is_str(tree(p, 5, 0), "top@0 c12@1 g40@2 c25@1 c30@1",
	       "a parent before its children, children by pid, a grandchild under its parent");
}

static void test_roots(void)
{
	struct fp_model_proc p[] = {
		proc(5, 1, "other", EXITED, NULL, 0), proc(9, 5, "its-child", EXITED, NULL, 0),
		proc(20, 2, "cmd", EXITED, NULL, 0), proc(31, 99, "orphan", EXITED, NULL, 0),
	};

	is_str(tree(p, 4, 20), "cmd@0 other@0 its-child@1 orphan@0",
	       "the root pid first, then each process whose parent wrote no report, by pid");
	is_str(tree(p, 4, 0), "other@0 its-child@1 cmd@0 orphan@0", "without a root: by pid");
	is_str(tree(p, 4, 77), "other@0 its-child@1 cmd@0 orphan@0", "a root pid with no report: as without");
}

static void test_exec_chain(void)
{
	static const char *const sh[] = { "sh", "-c", "ls; exec env true" };
	static const char *const env[] = { "env", "true" };
	static const char *const tru[] = { "true" };
	static const char *const ls[] = { "ls" };
	struct fp_model_proc p[] = {
		proc(11, 10, "ls", EXITED, ls, 1), proc(10, 1, "true", EXITED, tru, 1),
		proc(10, 1, "env", REPLACED, env, 2), proc(10, 1, "dash", REPLACED, sh, 3),
	};
	struct fp_model_proc q[] = {
		proc(10, 1, "b", REPLACED, NULL, 0), proc(10, 1, "last", EXITED, NULL, 0),
		proc(10, 1, "a", REPLACED, NULL, 0),
	};

	is_str(tree(p, 4, 10), "dash@0 env@0 true@0 ls@1",
	       "an exec chain together, by whose command line holds whose, its children under the last image");
	is_str(tree(q, 3, 10), "b@0 a@0 last@0", "nothing to tell by: images exec replaced as given, the last one last");
}

static void test_cycle(void)
{
	struct fp_model_proc p[] = {
		proc(7, 8, "x", EXITED, NULL, 0), proc(8, 7, "y", EXITED, NULL, 0),
	};

	is_str(tree(p, 2, 0), "x@0 y@1", "a cycle of reused pids: each once");
}

int main(void)
{
	test_parents_first();
	test_roots();
	test_exec_chain();
	test_cycle();
	return done_testing();
}
