/*
 * explore's run server, the shim's side (protocol: serveproto.h). A short
 * program spends most of a run in exec, the loader and start-up; a served
 * run is forked from a process that has done them once, at the point where
 * the shim is about to read its configuration, so it boots and runs main
 * exactly as a fresh process with the same environment would.
 */
#ifndef FP_SERVE_H
#define FP_SERVE_H

/**
 * fp_serve_maybe() - become explore's run server when asked to: loads what
 * every run would load (jemalloc, libunwind, the shim's arena), then forks
 * one run per request. A process that cannot serve (booted already, more
 * than one thread) says so and exits without running the program.
 * Context: the shim's constructor, before boot. Returns at once when not
 * asked, and in each run; the server itself never returns.
 */
void fp_serve_maybe(void);

#endif
