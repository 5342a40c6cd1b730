// SPDX-License-Identifier: Apache-2.0
/*
 * Signals among threads. A process-directed signal (kill) goes to a
 * thread that does not block it: the handler runs there, whether that
 * thread waits in a syscall or runs in user space, and nothing is left
 * pending. tgkill runs the handler on the thread named, the main one
 * included; blocked there, it stays pending on that thread alone. A
 * fault's SIGSEGV is the faulting thread's. sigwaitinfo in a thread of
 * its own, with the signal blocked everywhere, takes kill()'d and
 * sigqueue()'d signals with their siginfo, real-time ones queued in
 * order; with three threads waiting for it, each kill()'d signal is taken
 * by one. A handler that interrupts a blocking read restarts it with
 * SA_RESTART and makes it fail with EINTR without, in the thread signalled
 * only: another thread's read goes on. SIGSTOP stops every thread, threads
 * spinning in user space included, before the parent hears of it, and a
 * thread whose read gets its data meanwhile runs no further; SIGCONT runs
 * them all again. A thousand queued real-time signals to four threads
 * (waiting or spinning) are each handled once, on their thread. A new
 * thread has no alternate signal stack.
 */
#include "threads.h"

#include <setjmp.h>
#include <sys/mman.h>

static volatile int hits;
static volatile long handler_tid;
static volatile int handler_sig;

static void record(int sig)
{
	handler_tid = SYS0(SYS_gettid);
	handler_sig = sig;
	__atomic_add_fetch(&hits, 1, __ATOMIC_SEQ_CST);
	SYS6(SYS_futex, &hits, FUTEX_WAKE_PRIVATE, 0x7fffffff, 0, 0, 0);
}

static void on(int sig, void (*fn)(int), int flags)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = fn;
	sa.sa_flags = flags;
	sigemptyset(&sa.sa_mask);
	CHECK_EQ(sigaction(sig, &sa, NULL), 0);
}

static void mask(int how, int sig)
{
	sigset_t s;

	sigemptyset(&s);
	sigaddset(&s, sig);
	CHECK_EQ(pthread_sigmask(how, &s, NULL), 0);
}

/* Signals pending for the calling thread (its own and the process's). */
static unsigned long pending(void)
{
	unsigned long set = 0;

	SYS2(SYS_rt_sigpending, &set, 8);
	return set;
}

/* ---- kill: to the one thread that does not block it ---- */

static volatile int stop, taker_up;
static volatile long taker_tid;

/* Blocks SIGUSR1 like its creator, waits in a futex. */
static void *blocker(void *arg)
{
	(void)arg;
	block_on(&stop, 0);
	CHECK(!(pending() & SIGBIT(SIGUSR1)));
	return NULL;
}

/* Unblocks SIGUSR1 and waits for it: in a futex (arg 0) or spinning in
 * user space without a syscall (arg 1). */
static void *taker(void *arg)
{
	int spin = (int)(long)arg;

	taker_tid = gettid_raw();
	mask(SIG_UNBLOCK, SIGUSR1);
	store_wake(&taker_up, 1);
	while (!load(&hits)) {
		if (!spin)
			futex_wait(&hits, 0, NULL);
	}
	block_on(&stop, 0);
	return NULL;
}

static void test_kill_routing(int spin)
{
	pthread_t b[3], t;

	on(SIGUSR1, record, 0);
	mask(SIG_BLOCK, SIGUSR1);
	hits = 0;
	stop = 0;
	taker_up = 0;
	handler_tid = taker_tid = 0;
	b[0] = start(blocker, NULL);
	b[1] = start(blocker, NULL);
	t = start(taker, (void *)(long)spin);
	b[2] = start(blocker, NULL);
	/* The taker has unblocked the signal; let it wait (or spin). */
	CHECK(wait_eq(&taker_up, 1));
	nap(10);
	CHECK_EQ(SYS2(SYS_kill, getpid_raw(), SIGUSR1), 0);
	CHECK(wait_at_least(&hits, 1));
	CHECK_EQ(handler_tid, taker_tid);
	CHECK_EQ(handler_sig, SIGUSR1);
	/* Delivered: pending nowhere. */
	CHECK(!(pending() & SIGBIT(SIGUSR1)));
	store_wake(&stop, 1);
	for (int i = 0; i < 3; i++)
		CHECK_EQ(pthread_join(b[i], NULL), 0);
	CHECK_EQ(pthread_join(t, NULL), 0);
	CHECK_EQ(hits, 1);
	mask(SIG_UNBLOCK, SIGUSR1);
	on(SIGUSR1, SIG_DFL, 0);
}

/* ---- tgkill: to the thread named ---- */

#define TARGETS 4

static volatile long target_tids[TARGETS];
static volatile int targets_up, target_hits[TARGETS];
static volatile long target_seen[TARGETS];

static void record_target(int sig)
{
	long tid = SYS0(SYS_gettid);

	(void)sig;
	for (int i = 0; i < TARGETS; i++)
		if (target_tids[i] == tid) {
			target_seen[i] = tid;
			__atomic_add_fetch(&target_hits[i], 1,
					   __ATOMIC_SEQ_CST);
		}
	__atomic_add_fetch(&hits, 1, __ATOMIC_SEQ_CST);
	SYS6(SYS_futex, &hits, FUTEX_WAKE_PRIVATE, 0x7fffffff, 0, 0, 0);
}

static void *target(void *arg)
{
	int i = (int)(long)arg;

	target_tids[i] = gettid_raw();
	add_wake(&targets_up, 1);
	block_on(&stop, 0);
	return NULL;
}

static volatile long blocked_tid;
static volatile int blocked_step;

/* Blocks SIGUSR2; a tgkill'd one waits for it here, on this thread. */
static void *blocked_target(void *arg)
{
	(void)arg;
	mask(SIG_BLOCK, SIGUSR2);
	blocked_tid = gettid_raw();
	store_wake(&blocked_step, 1);
	CHECK(wait_eq(&blocked_step, 2));
	CHECK(pending() & SIGBIT(SIGUSR2));
	/* Unblocked, the handler runs here and now. */
	target_tids[0] = gettid_raw();
	target_hits[0] = 0;
	mask(SIG_UNBLOCK, SIGUSR2);
	CHECK_EQ(target_hits[0], 1);
	CHECK(!(pending() & SIGBIT(SIGUSR2)));
	return NULL;
}

static void test_tgkill(void)
{
	pthread_t t[TARGETS];
	long pid = getpid_raw();

	on(SIGUSR2, record_target, 0);
	hits = 0;
	stop = 0;
	targets_up = 0;
	for (int i = 0; i < TARGETS; i++) {
		target_tids[i] = 0;
		target_hits[i] = 0;
		t[i] = start(target, (void *)(long)i);
	}
	CHECK(wait_at_least(&targets_up, TARGETS));
	for (int i = TARGETS - 1; i >= 0; i--) {
		int before = load(&hits);

		CHECK_EQ(SYS3(SYS_tgkill, pid, target_tids[i], SIGUSR2), 0);
		CHECK(wait_at_least(&hits, before + 1));
		CHECK_EQ(target_hits[i], 1);
		CHECK_EQ(target_seen[i], target_tids[i]);
	}
	for (int i = 0; i < TARGETS; i++)
		CHECK_EQ(target_hits[i], 1);
	/* tkill, and to the main thread from another: tgkill'd here. */
	target_tids[0] = pid;
	target_hits[0] = 0;
	CHECK_EQ(SYS2(SYS_tkill, target_tids[1], SIGUSR2), 0);
	CHECK(wait_at_least(&hits, TARGETS + 1));
	CHECK_EQ(target_hits[1], 2);
	CHECK_EQ(SYS3(SYS_tgkill, pid, pid, SIGUSR2), 0);
	/* A signal to oneself is handled before the syscall returns. */
	CHECK_EQ(target_hits[0], 1);
	/* A thread of another group is not found through this one. */
	CHECK_ERR(SYS3(SYS_tgkill, pid, 1 == pid ? 999999 : 1, SIGUSR2), ESRCH);
	store_wake(&stop, 1);
	for (int i = 0; i < TARGETS; i++)
		CHECK_EQ(pthread_join(t[i], NULL), 0);

	/* Blocked by the thread named: pending on it alone. */
	blocked_step = 0;
	t[0] = start(blocked_target, NULL);
	CHECK(wait_eq(&blocked_step, 1));
	CHECK_EQ(SYS3(SYS_tgkill, pid, blocked_tid, SIGUSR2), 0);
	CHECK(!(pending() & SIGBIT(SIGUSR2)));
	store_wake(&blocked_step, 2);
	CHECK_EQ(pthread_join(t[0], NULL), 0);
	on(SIGUSR2, SIG_DFL, 0);
}

/* ---- a fault's signal is the faulting thread's ---- */

static __thread sigjmp_buf fault_jmp;
static volatile long fault_tid;
static int *volatile null_ptr;

static void on_segv(int sig)
{
	(void)sig;
	fault_tid = SYS0(SYS_gettid);
	siglongjmp(fault_jmp, 1);
}

static void *faulter(void *arg)
{
	(void)arg;
	if (sigsetjmp(fault_jmp, 1) == 0) {
		*null_ptr = 1;
		return (void *)1L;
	}
	return (void *)(long)(fault_tid == gettid_raw() ? 2 : 3);
}

static void test_fault(void)
{
	void *ret = NULL;

	on(SIGSEGV, on_segv, SA_NODEFER);
	CHECK_EQ(pthread_join(start(faulter, NULL), &ret), 0);
	CHECK_EQ((long)ret, 2);
	CHECK(fault_tid != getpid_raw());
	on(SIGSEGV, SIG_DFL, 0);
}

/* ---- sigwaitinfo in a thread of its own ---- */

#define QUEUED 5

static volatile int waiter_step;
static siginfo_t got[2 + QUEUED];

static void *sig_waiter(void *arg)
{
	sigset_t s;

	(void)arg;
	sigemptyset(&s);
	sigaddset(&s, SIGUSR1);
	sigaddset(&s, SIGRTMIN + 1);
	for (int i = 0; i < 2 + QUEUED; i++) {
		int r = sigwaitinfo(&s, &got[i]);

		CHECK(r > 0);
		store_wake(&waiter_step, i + 1);
	}
	return NULL;
}

static void test_sigwaitinfo(void)
{
	long pid = getpid_raw();
	union sigval v;
	pthread_t t;

	/* The signals are blocked in every thread, the waiter included. */
	on(SIGUSR1, record, 0);
	mask(SIG_BLOCK, SIGUSR1);
	mask(SIG_BLOCK, SIGRTMIN + 1);
	hits = 0;
	waiter_step = 0;
	t = start(sig_waiter, NULL);
	nap(10);
	CHECK_EQ(SYS2(SYS_kill, pid, SIGUSR1), 0);
	CHECK(wait_at_least(&waiter_step, 1));
	CHECK_EQ(got[0].si_signo, SIGUSR1);
	CHECK_EQ(got[0].si_code, SI_USER);
	CHECK_EQ(got[0].si_pid, pid);
	CHECK_EQ(got[0].si_uid, getuid());
	v.sival_int = 1234;
	CHECK_EQ(sigqueue(pid, SIGUSR1, v), 0);
	CHECK(wait_at_least(&waiter_step, 2));
	CHECK_EQ(got[1].si_signo, SIGUSR1);
	CHECK_EQ(got[1].si_code, SI_QUEUE);
	CHECK_EQ(got[1].si_value.sival_int, 1234);
	/* Real-time signals queue: all of them, in order. */
	for (int i = 0; i < QUEUED; i++) {
		v.sival_int = 100 + i;
		CHECK_EQ(sigqueue(pid, SIGRTMIN + 1, v), 0);
	}
	CHECK(wait_at_least(&waiter_step, 2 + QUEUED));
	CHECK_EQ(pthread_join(t, NULL), 0);
	for (int i = 0; i < QUEUED; i++) {
		CHECK_EQ(got[2 + i].si_signo, SIGRTMIN + 1);
		CHECK_EQ(got[2 + i].si_code, SI_QUEUE);
		CHECK_EQ(got[2 + i].si_value.sival_int, 100 + i);
	}
	/* No handler ran. */
	CHECK_EQ(hits, 0);
	CHECK_EQ(pending() & (SIGBIT(SIGUSR1) | SIGBIT(SIGRTMIN + 1)), 0);
	mask(SIG_UNBLOCK, SIGUSR1);
	mask(SIG_UNBLOCK, SIGRTMIN + 1);
	on(SIGUSR1, SIG_DFL, 0);
}

/* ---- several threads wait for the same process signal ---- */

#define RIVALS 3
#define ROUNDS 30

static volatile int rival_got[RIVALS], rival_total, rivals_stop;

static void *rival(void *arg)
{
	int i = (int)(long)arg;
	struct timespec slice = {0, 20 * 1000000L};
	sigset_t s;

	sigemptyset(&s);
	sigaddset(&s, SIGUSR2);
	while (!load(&rivals_stop)) {
		if (sigtimedwait(&s, NULL, &slice) == SIGUSR2) {
			rival_got[i]++;
			add_wake(&rival_total, 1);
		}
	}
	return NULL;
}

static void test_rivals(void)
{
	pthread_t t[RIVALS];
	int sum = 0;

	mask(SIG_BLOCK, SIGUSR2);
	rival_total = rivals_stop = 0;
	for (long i = 0; i < RIVALS; i++) {
		rival_got[i] = 0;
		t[i] = start(rival, (void *)i);
	}
	/* Each one is taken by exactly one of them. */
	for (int n = 1; n <= ROUNDS; n++) {
		CHECK_EQ(SYS2(SYS_kill, getpid_raw(), SIGUSR2), 0);
		CHECK(wait_at_least(&rival_total, n));
	}
	nap(30);
	store_wake(&rivals_stop, 1);
	for (int i = 0; i < RIVALS; i++) {
		CHECK_EQ(pthread_join(t[i], NULL), 0);
		sum += rival_got[i];
	}
	CHECK_EQ(sum, ROUNDS);
	CHECK_EQ(rival_total, ROUNDS);
	CHECK(!(pending() & SIGBIT(SIGUSR2)));
	mask(SIG_UNBLOCK, SIGUSR2);
}

/* ---- a blocking read and a handler ---- */

static int rp[2], op[2];
static volatile long reader_tid;
static volatile int reader_state; /* 1 reading, 2 returned */
static volatile long read_result;
static volatile int hits_before_return;
static char read_byte;

static void *reader(void *arg)
{
	(void)arg;
	reader_tid = gettid_raw();
	store_wake(&reader_state, 1);
	read_result = SYS3(SYS_read, rp[0], &read_byte, 1);
	hits_before_return = load(&hits);
	store_wake(&reader_state, 2);
	/* Signals may still come: it stays until told. */
	block_on(&reader_state, 2);
	return NULL;
}

static volatile long other_result = -1;

/* Reads a pipe no one signals: it sees none of the other's signals. */
static void *other_reader(void *arg)
{
	char c = 0;

	(void)arg;
	other_result = SYS3(SYS_read, op[0], &c, 1);
	if (other_result == 1 && c != 'o')
		other_result = -1000;
	return NULL;
}

static void test_restart(bool restart)
{
	pthread_t t, o;

	on(SIGUSR1, record, restart ? SA_RESTART : 0);
	make_pipe(rp);
	make_pipe(op);
	hits = 0;
	reader_state = 0;
	read_result = -1;
	other_result = -1;
	o = start(other_reader, NULL);
	t = start(reader, NULL);
	CHECK(wait_eq(&reader_state, 1));
	if (restart) {
		/* Once the read blocks (likely after the nap; the result is
		 * the same if not), the handler runs and the read goes on. */
		nap(20);
		CHECK_EQ(SYS3(SYS_tgkill, getpid_raw(), reader_tid, SIGUSR1),
			 0);
		CHECK(wait_at_least(&hits, 1));
		nap(20);
		CHECK_EQ(load(&reader_state), 1);
		put_byte(rp[1], 'r');
	} else {
		/* The first signal that finds it in the read ends it; one
		 * that came before the read began does not. */
		for (int i = 0; i < 200 && load(&reader_state) == 1; i++) {
			int h = load(&hits);

			nap(10);
			CHECK_EQ(
			    SYS3(SYS_tgkill, getpid_raw(), reader_tid, SIGUSR1),
			    0);
			CHECK(wait_at_least(&hits, h + 1));
			nap(10);
		}
	}
	CHECK(wait_eq(&reader_state, 2));
	store_wake(&reader_state, 3);
	CHECK_EQ(pthread_join(t, NULL), 0);
	CHECK(hits_before_return >= 1);
	CHECK_EQ(handler_tid, reader_tid);
	if (restart) {
		CHECK_EQ(read_result, 1);
		CHECK_EQ(read_byte, 'r');
	} else {
		CHECK_ERR(read_result, EINTR);
	}
	/* The other reader was not interrupted: it still reads. */
	nap(10);
	CHECK_EQ(other_result, -1);
	put_byte(op[1], 'o');
	CHECK_EQ(pthread_join(o, NULL), 0);
	CHECK_EQ(other_result, 1);
	close2(rp);
	close2(op);
	on(SIGUSR1, SIG_DFL, 0);
}

/* ---- many queued signals to many threads ---- */

#define STORM_THREADS 4
#define STORM_EACH    250

static volatile long storm_tids[STORM_THREADS];
static volatile int storm_hits[STORM_THREADS], storm_total, storm_up,
    storm_stop;

static void storm_handler(int sig)
{
	long tid = SYS0(SYS_gettid);

	(void)sig;
	for (int i = 0; i < STORM_THREADS; i++)
		if (storm_tids[i] == tid)
			__atomic_add_fetch(&storm_hits[i], 1, __ATOMIC_SEQ_CST);
	__atomic_add_fetch(&storm_total, 1, __ATOMIC_SEQ_CST);
	SYS6(SYS_futex, &storm_total, FUTEX_WAKE_PRIVATE, 1, 0, 0, 0);
}

/* Even threads wait in a futex, odd ones spin in user space. */
static void *storm_target(void *arg)
{
	int i = (int)(long)arg;

	storm_tids[i] = gettid_raw();
	add_wake(&storm_up, 1);
	while (!load(&storm_stop))
		if (i % 2 == 0)
			futex_wait(&storm_stop, 0, NULL);
	return NULL;
}

static void test_storm(void)
{
	int sig = SIGRTMIN + 2;
	pthread_t t[STORM_THREADS];
	long pid = getpid_raw();
	int64_t end;

	on(sig, storm_handler, SA_RESTART);
	storm_total = storm_up = storm_stop = 0;
	for (long i = 0; i < STORM_THREADS; i++) {
		storm_hits[i] = 0;
		t[i] = start(storm_target, (void *)i);
	}
	CHECK(wait_at_least(&storm_up, STORM_THREADS));
	/* Real-time signals queue: every one is handled, on its thread. */
	for (int n = 0; n < STORM_EACH; n++)
		for (int i = 0; i < STORM_THREADS; i++)
			CHECK_EQ(SYS3(SYS_tgkill, pid, storm_tids[i], sig), 0);
	end = mono_ms() + BOUND_MS;
	while (load(&storm_total) < STORM_THREADS * STORM_EACH &&
	       mono_ms() < end)
		nap(1);
	CHECK_EQ(load(&storm_total), STORM_THREADS * STORM_EACH);
	for (int i = 0; i < STORM_THREADS; i++)
		CHECK_EQ(storm_hits[i], STORM_EACH);
	store_wake(&storm_stop, 1);
	for (int i = 0; i < STORM_THREADS; i++)
		CHECK_EQ(pthread_join(t[i], NULL), 0);
	on(sig, SIG_DFL, 0);
}

/* ---- the alternate signal stack is per thread ---- */

static void *altstack_thread(void *arg)
{
	stack_t ss;

	(void)arg;
	memset(&ss, 0, sizeof(ss));
	CHECK_EQ(sigaltstack(NULL, &ss), 0);
	CHECK_EQ(ss.ss_flags, SS_DISABLE);
	return NULL;
}

static void test_altstack(void)
{
	static char stack[64 * 1024];
	stack_t ss = {.ss_sp = stack, .ss_size = sizeof(stack)}, old;

	CHECK_EQ(sigaltstack(&ss, NULL), 0);
	/* A new thread starts without one (CLONE_VM). */
	CHECK_EQ(pthread_join(start(altstack_thread, NULL), NULL), 0);
	memset(&old, 0, sizeof(old));
	CHECK_EQ(sigaltstack(NULL, &old), 0);
	CHECK(old.ss_sp == stack);
	ss.ss_flags = SS_DISABLE;
	CHECK_EQ(sigaltstack(&ss, NULL), 0);
}

/* ---- job control stops every thread ---- */

#define SPINNERS 3

static volatile long *spins; /* shared with the parent */

static void *spinner(void *arg)
{
	volatile long *c = &spins[(long)arg];

	for (;;)
		__atomic_add_fetch(c, 1, __ATOMIC_RELAXED);
	return NULL;
}

static int stop_pipe[2];

/* Reads a byte the parent writes while the group is stopped: it must not
 * run on before the group is continued. */
static void *stop_reader(void *arg)
{
	(void)arg;
	if (get_byte(stop_pipe[0]) == 's')
		__atomic_store_n(&spins[SPINNERS], 1, __ATOMIC_RELEASE);
	for (;;)
		SYS0(SYS_pause);
	return NULL;
}

static bool all_spun(long *than)
{
	int64_t end = mono_ms() + BOUND_MS;

	for (;;) {
		int moved = 0;

		for (int i = 0; i < SPINNERS; i++)
			moved += __atomic_load_n(&spins[i], __ATOMIC_RELAXED) >
				 than[i];
		if (moved == SPINNERS)
			return true;
		if (mono_ms() > end)
			return false;
		nap(1);
	}
}

static void test_stop_cont(void)
{
	long before[SPINNERS] = {0}, stopped[SPINNERS];
	siginfo_t si;
	pid_t pid;
	int st;

	spins = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
		     MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	CHECK(spins != MAP_FAILED);
	make_pipe(stop_pipe);
	pid = spawn();
	if (pid == 0) {
		start(stop_reader, NULL);
		for (long i = 0; i < SPINNERS; i++)
			start(spinner, (void *)i);
		for (;;)
			SYS0(SYS_pause);
	}
	CHECK(all_spun(before));
	CHECK_EQ(SYS2(SYS_kill, pid, SIGSTOP), 0);
	/* Reported once every thread has stopped. */
	st = reap_flags(pid, WUNTRACED);
	CHECK(WIFSTOPPED(st));
	CHECK_EQ(WSTOPSIG(st), SIGSTOP);
	for (int i = 0; i < SPINNERS; i++)
		stopped[i] = __atomic_load_n(&spins[i], __ATOMIC_RELAXED);
	put_byte(stop_pipe[1], 's');
	nap(30);
	for (int i = 0; i < SPINNERS; i++)
		CHECK_EQ(__atomic_load_n(&spins[i], __ATOMIC_RELAXED),
			 stopped[i]);
	CHECK_EQ(__atomic_load_n(&spins[SPINNERS], __ATOMIC_ACQUIRE), 0);
	CHECK_EQ(SYS2(SYS_kill, pid, SIGCONT), 0);
	memset(&si, 0, sizeof(si));
	CHECK_OK(SYS5(SYS_waitid, P_PID, pid, &si, WCONTINUED, 0));
	CHECK_EQ(si.si_code, CLD_CONTINUED);
	/* Every thread runs again. */
	CHECK(all_spun(stopped));
	for (int64_t end = mono_ms() + BOUND_MS;
	     !__atomic_load_n(&spins[SPINNERS], __ATOMIC_ACQUIRE) &&
	     mono_ms() < end;)
		nap(1);
	CHECK_EQ(__atomic_load_n(&spins[SPINNERS], __ATOMIC_ACQUIRE), 1);
	close2(stop_pipe);
	CHECK_EQ(SYS2(SYS_kill, pid, SIGKILL), 0);
	CHECK_EQ(REAP_BOUNDED(pid), KILLED(SIGKILL));
	munmap((void *)spins, 4096);
}

int main(void)
{
	test_kill_routing(0);
	test_kill_routing(1);
	test_tgkill();
	test_fault();
	test_sigwaitinfo();
	test_rivals();
	test_restart(true);
	test_restart(false);
	test_stop_cont();
	test_storm();
	test_altstack();
	return guest_done();
}
