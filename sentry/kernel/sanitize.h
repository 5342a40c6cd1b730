/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The sanitizers' reports from the sandbox's own processes, in
 * -DMOAT_SANITIZE=ON builds (kernel/sanitize.c, linked into every
 * sanitized program); nothing in other builds.
 *
 * With log_path set (ASAN_OPTIONS, UBSAN_OPTIONS), each process's reports
 * go to the file log_path.PID, which the runtime opens when it has
 * something to say. The sentry and the gofer cannot open a file by then:
 * they have left the host's files, and their seccomp filters forbid it.
 * So they open it, and let the runtime read their memory map (to name the
 * modules in a report's frames), before they leave.
 */
#ifndef MOAT_KERNEL_SANITIZE_H
#define MOAT_KERNEL_SANITIZE_H

#ifdef MOAT_SANITIZE
/*
 * Open this process's report files and cache its memory map, now: the
 * first step of isolating a process, once it has its final pid and its
 * fds are as they will stay.
 */
void sanitize_prepare_isolation(void);
#else
static inline void sanitize_prepare_isolation(void)
{
}
#endif

#endif
