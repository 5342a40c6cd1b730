// SPDX-License-Identifier: Apache-2.0
/*
 * Core dumps: a core-dumping signal's default action writes "core" in
 * the working directory when RLIMIT_CORE allows (kernel.core_pattern
 * "core"), and the wait status says so (WCOREDUMP); the file is an ELF
 * core with the dying thread's status and the process's memory. No file
 * and no 0x80 with RLIMIT_CORE 0, for a non-dumpable process, or for a
 * signal that does not dump.
 */
#include "scratch.h"

#include <elf.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>

static volatile char marker[64] = "moat core marker: 5f3a9c1e";

/* A child that sets its core limit (and dumpability), then dies of sig. */
static int die_by(int sig, rlim_t limit, int dumpable)
{
	struct rlimit rl = {limit, limit};
	pid_t pid = fork();
	int status = 0;

	if (pid == 0) {
		if (setrlimit(RLIMIT_CORE, &rl) ||
		    prctl(PR_SET_DUMPABLE, dumpable, 0, 0, 0))
			_exit(99);
		marker[0] = 'M'; /* written: in the dump for sure */
		kill(getpid(), sig);
		_exit(98);
	}
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	CHECK(WIFSIGNALED(status));
	CHECK_EQ(WTERMSIG(status), sig);
	return status;
}

static int has_core(void)
{
	struct stat st;

	return stat("core", &st) == 0;
}

/* The core file: ELF core, the status note of pid, the marker. */
static void check_core(pid_t pid, int sig)
{
	struct stat st;
	Elf64_Ehdr eh;
	char *data;
	int fd = open("core", O_RDONLY);
	int found_status = 0, found_marker = 0;

	CHECK(fd >= 0);
	if (fd < 0)
		return;
	CHECK_EQ(fstat(fd, &st), 0);
	CHECK_EQ(st.st_mode & 0777, 0600 & ~022);
	CHECK_EQ(st.st_nlink, 1);
	CHECK(st.st_size > (off_t)sizeof(eh));
	data = malloc((size_t)st.st_size);
	CHECK(data && read(fd, data, (size_t)st.st_size) == st.st_size);
	close(fd);
	if (!data)
		return;
	memcpy(&eh, data, sizeof(eh));
	CHECK(!memcmp(eh.e_ident, ELFMAG, SELFMAG));
	CHECK_EQ(eh.e_type, ET_CORE);
	CHECK_EQ(eh.e_machine, EM_X86_64);
	for (int i = 0; i < eh.e_phnum; i++) {
		Elf64_Phdr ph;

		memcpy(&ph, data + eh.e_phoff + i * sizeof(ph), sizeof(ph));
		if (ph.p_offset + ph.p_filesz > (uint64_t)st.st_size)
			continue;
		if (ph.p_type == PT_NOTE) {
			for (uint64_t off = 0; off + 12 <= ph.p_filesz;) {
				Elf64_Nhdr nh;
				const char *p = data + ph.p_offset + off;

				memcpy(&nh, p, sizeof(nh));
				/* elf_prstatus: pr_cursig at 12, pr_pid at 32.
				 */
				if (nh.n_type == NT_PRSTATUS &&
				    !memcmp(p + 12, "CORE", 5)) {
					int16_t cursig;
					int32_t prpid;

					memcpy(&cursig, p + 20 + 12, 2);
					memcpy(&prpid, p + 20 + 32, 4);
					found_status =
					    cursig == sig && prpid == pid;
				}
				off += 12 + ((nh.n_namesz + 3) & ~3U) +
				       ((nh.n_descsz + 3) & ~3U);
			}
		}
		if (ph.p_type == PT_LOAD && ph.p_filesz &&
		    ph.p_vaddr <= (uint64_t)marker &&
		    (uint64_t)marker + sizeof(marker) <=
			ph.p_vaddr + ph.p_filesz) {
			const char *m = data + ph.p_offset +
					((uint64_t)marker - ph.p_vaddr);

			found_marker =
			    !memcmp(m, "Moat core marker: 5f3a9c1e", 27);
		}
	}
	CHECK(found_status);
	CHECK(found_marker);
	free(data);
}

int main(void)
{
	char pattern[64] = "";
	int fd = open("/proc/sys/kernel/core_pattern", O_RDONLY), status;
	ssize_t n = fd >= 0 ? read(fd, pattern, sizeof(pattern) - 1) : -1;

	if (fd >= 0)
		close(fd);
	/* Natively the host decides where cores go: only "core" will do. */
	if (n != 5 || strcmp(pattern, "core\n")) {
		fprintf(stderr, "skip: kernel.core_pattern is not \"core\"\n");
		return 77;
	}
	umask(022);
	scratch_enter("coredump");

	/* SIGQUIT with a limit: a core, and WCOREDUMP. */
	status = die_by(SIGQUIT, RLIM_INFINITY, 1);
	CHECK(WCOREDUMP(status));
	CHECK(has_core());
	{
		/* The dumped child is gone; check against a second one. */
		pid_t pid;
		struct rlimit rl = {RLIM_INFINITY, RLIM_INFINITY};

		unlink("core");
		pid = fork();
		if (pid == 0) {
			setrlimit(RLIMIT_CORE, &rl);
			marker[0] = 'M';
			kill(getpid(), SIGABRT);
			_exit(98);
		}
		CHECK_EQ(waitpid(pid, &status, 0), pid);
		CHECK(WIFSIGNALED(status) && WCOREDUMP(status));
		check_core(pid, SIGABRT);
	}
	/* An old core is replaced, not appended to. */
	put_file("core", "old contents\n");
	status = die_by(SIGSEGV, RLIM_INFINITY, 1);
	CHECK(WCOREDUMP(status));
	{
		char head[4] = "";

		fd = open("core", O_RDONLY);
		CHECK(fd >= 0 && read(fd, head, 4) == 4);
		CHECK(!memcmp(head, ELFMAG, SELFMAG));
		if (fd >= 0)
			close(fd);
	}

	/* RLIMIT_CORE 0, or below a page: no core. */
	unlink("core");
	status = die_by(SIGQUIT, 0, 1);
	CHECK(!WCOREDUMP(status));
	CHECK(!has_core());
	status = die_by(SIGQUIT, 1000, 1);
	CHECK(!WCOREDUMP(status));
	CHECK(!has_core());
	/* Not dumpable: no core. */
	status = die_by(SIGQUIT, RLIM_INFINITY, 0);
	CHECK(!WCOREDUMP(status));
	CHECK(!has_core());
	/* Signals that terminate without a core. */
	status = die_by(SIGTERM, RLIM_INFINITY, 1);
	CHECK(!WCOREDUMP(status));
	status = die_by(SIGKILL, RLIM_INFINITY, 1);
	CHECK(!WCOREDUMP(status));
	CHECK(!has_core());

	scratch_leave();
	return guest_done();
}
