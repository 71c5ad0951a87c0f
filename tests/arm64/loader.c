/*
 * The guest's /init (aarch64, static): runs the plan the host wrote and prints what the
 * kernel did with each probe on the serial console, for the host to compare with the
 * policies' declared actions (`arm64-probes check`).
 *
 * /plan lists the programs (BPF bytes in /programs/N.bpf, as the project exports them)
 * and the runs: a run is one probe, a syscall number and six arguments through one ABI,
 * made under one program or, for a reference run, under none. Each run happens in a
 * forked child: an aarch64 probe there directly (probe.h), an arm probe by exec'ing
 * /probe-arm, which installs the program itself. The child leaves its result in a shared
 * page; the loader prints one line per run:
 *
 *   R ID ret HEX                    the syscall returned HEX (64-bit, sign-extended on arm)
 *   R ID trap CODE NR ARCH ERRNO    SIGSYS during the syscall, with its siginfo
 *   R ID signal N | stopped N       killed, or stopped (then killed), by signal N
 *   R ID exit N                     exited during the syscall
 *   R ID setup STEP ERRNO           the probe could not be set up (a harness failure)
 *   R ID lost STATUS                the child ended before its setup (a harness failure)
 *
 * and `I ...` lines: the kernel, whether compat works, the time the runs took, the number
 * of runs done.
 */
#define _GNU_SOURCE
#include "probe.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>

#define STATE_NOT_STARTED 0xffu

struct program {
	struct sock_filter *insns;
	unsigned short len;
	unsigned long flags;
};

struct run {
	long id;
	int program; /* -1: a reference run, no program */
	int arm;
	long nr;
	unsigned long long args[6];
};

static struct program *programs;
static long program_count;
static struct run *runs;
static long run_count;

static __attribute__((noreturn)) void die(const char *what)
{
	printf("I error %s: %s\n", what, strerror(errno));
	fflush(stdout);
	tcdrain(1);
	reboot(RB_POWER_OFF);
	_exit(1);
}

static void load_program(long index, unsigned long flags)
{
	char path[64];
	struct stat st;
	snprintf(path, sizeof path, "/programs/%ld.bpf", index);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) != 0)
		die(path);
	if (st.st_size == 0 || st.st_size % (off_t)sizeof(struct sock_filter) != 0 ||
	    st.st_size / (off_t)sizeof(struct sock_filter) > 4096) {
		errno = EINVAL;
		die(path);
	}
	struct program *p = &programs[index];
	p->insns = malloc((size_t)st.st_size);
	if (!p->insns || read(fd, p->insns, (size_t)st.st_size) != st.st_size)
		die(path);
	p->len = (unsigned short)(st.st_size / (off_t)sizeof(struct sock_filter));
	p->flags = flags;
	close(fd);
}

static void read_plan(void)
{
	FILE *plan = fopen("/plan", "re");
	if (!plan)
		die("/plan");
	if (fscanf(plan, " programs %ld", &program_count) != 1 || program_count < 0)
		goto bad;
	programs = calloc((size_t)program_count + 1, sizeof *programs);
	for (long i = 0; i < program_count; i++) {
		long index;
		unsigned long flags;
		if (fscanf(plan, " program %ld %lx", &index, &flags) != 2 || index != i)
			goto bad;
		load_program(index, flags);
	}
	if (fscanf(plan, " runs %ld", &run_count) != 1 || run_count < 0)
		goto bad;
	runs = calloc((size_t)run_count + 1, sizeof *runs);
	for (long i = 0; i < run_count; i++) {
		struct run *r = &runs[i];
		char abi[8];
		if (fscanf(plan, " run %ld %d %7s %ld %llx %llx %llx %llx %llx %llx", &r->id,
			   &r->program, abi, &r->nr, &r->args[0], &r->args[1], &r->args[2],
			   &r->args[3], &r->args[4], &r->args[5]) != 10 ||
		    r->program < -1 || r->program >= program_count)
			goto bad;
		if (strcmp(abi, "aarch64") == 0)
			r->arm = 0;
		else if (strcmp(abi, "arm") == 0)
			r->arm = 1;
		else
			goto bad;
	}
	fclose(plan);
	return;
bad:
	errno = EINVAL;
	die("/plan is malformed");
}

/* In the child of an arm run: become the arm probe. fd 3 is the result page, fd 4 the
 * program. */
static __attribute__((noreturn)) void exec_arm(const struct run *r, int page_fd)
{
	char argv_text[9][24];
	char *argv[11] = { "probe-arm" };
	char *envp[] = { NULL };
	const struct program *p = r->program >= 0 ? &programs[r->program] : NULL;

	if (dup2(page_fd, 3) != 3)
		probe_setup_failed(STEP_EXEC, -errno);
	if (p) {
		char path[64];
		snprintf(path, sizeof path, "/programs/%d.bpf", r->program);
		int fd = open(path, O_RDONLY);
		if (fd < 0 || dup2(fd, 4) != 4)
			probe_setup_failed(STEP_EXEC, -errno);
	}
	snprintf(argv_text[0], sizeof argv_text[0], "%d", p ? 1 : 0);
	snprintf(argv_text[1], sizeof argv_text[1], "%lx", p ? p->flags : 0ul);
	snprintf(argv_text[2], sizeof argv_text[2], "%ld", r->nr);
	for (int i = 0; i < 6; i++)
		snprintf(argv_text[3 + i], sizeof argv_text[3 + i], "%llx", r->args[i]);
	for (int i = 0; i < 9; i++)
		argv[1 + i] = argv_text[i];
	argv[10] = NULL;
	execve("/probe-arm", argv, envp);
	probe_setup_failed(STEP_EXEC, -errno);
}

/* Wait for `pid`; a stopped child (an allowed kill(0, SIGSTOP)) is killed and reported as
 * stopped. */
static int wait_child(pid_t pid, int *stopped)
{
	int status;
	*stopped = 0;
	for (;;) {
		if (waitpid(pid, &status, WUNTRACED | __WALL) != pid)
			die("waitpid");
		if (WIFSTOPPED(status)) {
			*stopped = WSTOPSIG(status);
			kill(pid, SIGKILL);
			continue;
		}
		return status;
	}
}

static void do_run(const struct run *r, int page_fd)
{
	memset((void *)probe_page, 0, sizeof *probe_page);
	probe_page->state = STATE_NOT_STARTED;
	pid_t pid = fork();
	if (pid < 0)
		die("fork");
	if (pid == 0) {
		if (r->arm)
			exec_arm(r, page_fd);
		const struct program *p = r->program >= 0 ? &programs[r->program] : NULL;
		long args[6];
		for (int i = 0; i < 6; i++)
			args[i] = (long)r->args[i];
		probe_prepare();
		probe_run(p ? p->insns : NULL, p ? p->len : 0, p ? p->flags : 0, r->nr, args);
	}
	int stopped;
	int status = wait_child(pid, &stopped);
	const struct probe_result *res = probe_page;
	switch (res->state) {
	case STATE_RETURNED:
		printf("R %ld ret %llx\n", r->id, (unsigned long long)res->ret);
		break;
	case STATE_TRAPPED:
		printf("R %ld trap %u %u %x %d\n", r->id, res->sig_code, res->sig_nr,
		       res->sig_arch, res->sig_errno);
		break;
	case STATE_ARMED:
		if (stopped)
			printf("R %ld stopped %d\n", r->id, stopped);
		else if (WIFSIGNALED(status))
			printf("R %ld signal %d\n", r->id, WTERMSIG(status));
		else
			printf("R %ld exit %d\n", r->id, WEXITSTATUS(status));
		break;
	case STATE_SETUP:
		printf("R %ld setup %u %d\n", r->id, res->setup_step, res->setup_errno);
		break;
	default:
		printf("R %ld lost %x\n", r->id, (unsigned)status);
		break;
	}
}

static double now_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

/* Whether a 32-bit arm program runs here: CONFIG_COMPAT, and a CPU with AArch32 at EL0. */
static void check_compat(void)
{
	pid_t pid = fork();
	if (pid < 0)
		die("fork");
	if (pid == 0) {
		char *argv[] = { "probe-arm", "hello", NULL };
		char *envp[] = { NULL };
		execve("/probe-arm", argv, envp);
		_exit(100 + (errno & 0x3f));
	}
	int stopped;
	int status = wait_child(pid, &stopped);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 42)
		printf("I compat yes\n");
	else if (WIFEXITED(status) && WEXITSTATUS(status) >= 100)
		printf("I compat no execve failed with errno %d\n", WEXITSTATUS(status) - 100);
	else
		printf("I compat no status %x\n", (unsigned)status);
}

int main(void)
{
	static char out[1 << 16];
	struct utsname u;

	setvbuf(stdout, out, _IOFBF, sizeof out);
	if (uname(&u) != 0)
		die("uname");
	printf("I kernel %s %s %s\n", u.release, u.version, u.machine);
	check_compat();
	read_plan();
	printf("I plan %ld programs %ld runs\n", program_count, run_count);
	fflush(stdout);

	int page_fd = memfd_create("probe-result", 0);
	if (page_fd < 0 || ftruncate(page_fd, 4096) != 0)
		die("memfd");
	probe_page = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, page_fd, 0);
	if (probe_page == MAP_FAILED)
		die("mmap");
	/* Emulated, so only for telling where the time goes: never a benchmark. */
	double ms[2] = { 0, 0 };
	long count[2] = { 0, 0 };
	for (long i = 0; i < run_count; i++) {
		double before = now_ms();
		do_run(&runs[i], page_fd);
		ms[runs[i].arm] += now_ms() - before;
		count[runs[i].arm]++;
	}
	printf("I time aarch64 %ld runs %.0f ms, arm %ld runs %.0f ms\n", count[0], ms[0], count[1],
	       ms[1]);
	printf("I done %ld\n", run_count);
	fflush(stdout);
	/* The console's transmit buffer must be empty before the power goes. */
	tcdrain(1);
	reboot(RB_POWER_OFF);
	return 1;
}
