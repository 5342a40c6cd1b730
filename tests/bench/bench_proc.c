// SPDX-License-Identifier: Apache-2.0
/*
 * Process benchmarks, run natively and in the sandbox by run.sh:
 *   bench_proc spawn N PATH   fork + execve(PATH) + wait, N times: us each
 *   bench_proc pipe N         a byte back and forth between two processes
 *                             over two pipes, N times: ns per round trip
 *   bench_proc futex N        the same between two threads on futexes
 *   bench_proc fork MIB N     fork a process with MIB MiB written, the
 *                             child exits, the parent waits, N times:
 *                             "us-per-fork us-to-copy-MIB"
 *   bench_proc forkw MIB N    the same, the child writing one page
 *                             before it exits: "us-per-fork"
 *   bench_proc forkseq MIB    fork once, the child writes all MIB page
 *                             by page, then in a scattered order (every
 *                             other page of each half): "us-seq us-odd"
 */
#include <linux/futex.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int bench_spawn(long n, const char *path)
{
	char *const argv[] = {(char *)path, NULL};
	double t0 = now();

	for (long i = 0; i < n; i++) {
		pid_t pid = fork();
		int st;

		if (pid < 0)
			return perror("fork"), 1;
		if (pid == 0) {
			execv(path, argv);
			_exit(127);
		}
		if (waitpid(pid, &st, 0) != pid || st != 0)
			return fprintf(stderr, "spawn: status %#x\n", st), 1;
	}
	printf("%.0f\n", (now() - t0) / (double)n * 1e6);
	return 0;
}

static int bench_pipe(long n)
{
	int ab[2], ba[2];
	char c = 'x';
	double t0;
	pid_t pid;

	if (pipe(ab) || pipe(ba))
		return perror("pipe"), 1;
	pid = fork();
	if (pid < 0)
		return perror("fork"), 1;
	if (pid == 0) {
		for (long i = 0; i < n; i++)
			if (read(ab[0], &c, 1) != 1 || write(ba[1], &c, 1) != 1)
				_exit(1);
		_exit(0);
	}
	t0 = now();
	for (long i = 0; i < n; i++)
		if (write(ab[1], &c, 1) != 1 || read(ba[0], &c, 1) != 1)
			return perror("pipe ping-pong"), 1;
	printf("%.0f\n", (now() - t0) / (double)n * 1e9);
	waitpid(pid, NULL, 0);
	return 0;
}

static uint32_t word; /* 0: the main thread's turn, 1: the other's */
static long rounds;

static void futex_wait_for(uint32_t want)
{
	uint32_t v;

	while ((v = __atomic_load_n(&word, __ATOMIC_ACQUIRE)) != want)
		syscall(SYS_futex, &word, FUTEX_WAIT_PRIVATE, v, NULL, NULL, 0);
}

static void futex_pass(uint32_t to)
{
	__atomic_store_n(&word, to, __ATOMIC_RELEASE);
	syscall(SYS_futex, &word, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
}

static void *futex_peer(void *arg)
{
	(void)arg;
	for (long i = 0; i < rounds; i++) {
		futex_wait_for(1);
		futex_pass(0);
	}
	return NULL;
}

static int bench_futex(long n)
{
	pthread_t th;
	double t0;

	rounds = n;
	if (pthread_create(&th, NULL, futex_peer, NULL))
		return fprintf(stderr, "futex: no threads\n"), 1;
	t0 = now();
	for (long i = 0; i < n; i++) {
		futex_pass(1);
		futex_wait_for(0);
	}
	printf("%.0f\n", (now() - t0) / (double)n * 1e9);
	pthread_join(th, NULL);
	return 0;
}

static int bench_fork(long mib, long n, int write)
{
	size_t len = (size_t)mib << 20;
	char *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *q = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	double t0, t1, copy;

	if (p == MAP_FAILED || q == MAP_FAILED)
		return perror("mmap"), 1;
	memset(p, 1, len);
	memset(q, 2, len);
	/* What copying it all takes, for comparison. */
	t0 = now();
	memcpy(q, p, len);
	copy = now() - t0;
	t0 = now();
	for (long i = 0; i < n; i++) {
		pid_t pid = fork();

		if (pid < 0)
			return perror("fork"), 1;
		if (pid == 0) {
			if (write)
				p[len / 2] = 3;
			_exit(p[len / 2 + 4096] == 1 ? 0 : 1);
		}
		if (waitpid(pid, NULL, 0) != pid)
			return perror("waitpid"), 1;
	}
	t1 = now();
	if (write)
		printf("%.0f\n", (t1 - t0) / (double)n * 1e6);
	else
		printf("%.0f %.0f\n", (t1 - t0) / (double)n * 1e6, copy * 1e6);
	return 0;
}

/* Time the child's writes to each page after one fork. */
static int bench_fork_seq(long mib)
{
	size_t len = (size_t)mib << 20, half = len / 2;
	char *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	int fd[2], st;
	double t[2];
	pid_t pid;

	if (p == MAP_FAILED || pipe(fd))
		return perror("forkseq"), 1;
	memset(p, 1, len);
	pid = fork();
	if (pid < 0)
		return perror("fork"), 1;
	if (pid == 0) {
		double t0 = now();

		for (size_t i = 0; i < half; i += 4096)
			p[i] = 2;
		t[0] = now() - t0;
		t0 = now();
		for (size_t i = half; i < len; i += 8192)
			p[i] = 2;
		for (size_t i = half + 4096; i < len; i += 8192)
			p[i] = 2;
		t[1] = now() - t0;
		for (size_t i = 0; i < len; i += 4096)
			if (p[i] != 2)
				_exit(1);
		if (write(fd[1], t, sizeof(t)) != sizeof(t))
			_exit(1);
		_exit(0);
	}
	if (read(fd[0], t, sizeof(t)) != sizeof(t) ||
	    waitpid(pid, &st, 0) != pid || st != 0)
		return fprintf(stderr, "forkseq: child failed\n"), 1;
	for (size_t i = 0; i < len; i += 4096)
		if (p[i] != 1)
			return fprintf(stderr, "forkseq: parent changed\n"), 1;
	printf("%.0f %.0f\n", t[0] * 1e6, t[1] * 1e6);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 4 && !strcmp(argv[1], "spawn"))
		return bench_spawn(atol(argv[2]), argv[3]);
	if (argc == 3 && !strcmp(argv[1], "pipe"))
		return bench_pipe(atol(argv[2]));
	if (argc == 3 && !strcmp(argv[1], "futex"))
		return bench_futex(atol(argv[2]));
	if (argc == 4 && !strcmp(argv[1], "fork"))
		return bench_fork(atol(argv[2]), atol(argv[3]), 0);
	if (argc == 4 && !strcmp(argv[1], "forkw"))
		return bench_fork(atol(argv[2]), atol(argv[3]), 1);
	if (argc == 3 && !strcmp(argv[1], "forkseq"))
		return bench_fork_seq(atol(argv[2]));
	fprintf(stderr, "usage: bench_proc spawn N PATH | pipe N | futex N | "
			"fork MIB N | forkw MIB N | forkseq MIB\n");
	return 2;
}
