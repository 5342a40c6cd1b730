/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The host's side of a sandbox whose sentry runs as pid 1 of a pid
 * namespace of its own (kernel/isolate.h): the process moat started keeps
 * its host pid (the one moat run's caller waits for and the OCI state
 * names), holds nothing of the sandbox's, and ends as the sentry ends.
 */
#ifndef MOAT_KERNEL_MONITOR_H
#define MOAT_KERNEL_MONITOR_H

#include <sys/types.h>

/*
 * Called once the sentry and everything in its pid namespace are gone,
 * with its wait status, before the monitor ends the same way.
 */
typedef void (*monitor_done_fn)(int status, void *arg);

/*
 * Watch sentry (this process's child, every signal blocked as
 * isolate_pid_ns left them) until it ends, then call done (if any) and
 * end as it did: its exit status, or its signal (no core). Every fd but
 * stderr is closed first. Signals sent to this process stand for the
 * sandbox's: a pid namespace's init ignores those it has no handler for,
 * so those that would have ended the sentry end it with SIGKILL and then
 * this process with the same signal; SIGTSTP, SIGTTIN and SIGTTOU stop
 * both, SIGCONT continues both; what the sentry ignores is ignored.
 */
__attribute__((noreturn)) void monitor_run(pid_t sentry, monitor_done_fn done,
					   void *arg);

#endif
