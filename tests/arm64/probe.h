/*
 * One probe: install a seccomp program in this process, make one syscall with the raw
 * syscall instruction, and leave what happened in a page the loader shares with us.
 *
 * Compiled into the aarch64 loader (loader.c, which forks and calls probe_prepare() and
 * probe_run() in the child) and into the arm EABI probe (probe_arm.c, exec'd by the
 * loader's child, so that the syscall goes through the 32-bit compat entry). The same
 * code runs on both ABIs.
 *
 * Raw syscalls only, no C library: the arm probe is linked without one, since under
 * emulation a static glibc's start-up costs a third of each exec. After the install only
 * plain stores and raw syscalls run: the program under test may deny anything, exit_group
 * included, so the result is stored in shared memory before the process tries to end,
 * and a process that cannot end faults instead.
 */
#ifndef ARM64_PROBE_H
#define ARM64_PROBE_H

#include <asm/unistd.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdint.h>

/* The shared page. The field order keeps one layout on both ABIs (EABI aligns int64_t to
 * 8 bytes, as aarch64 does). */
struct probe_result {
	volatile uint32_t state;
	uint32_t sig_code;
	int64_t ret;
	uint32_t sig_nr;
	uint32_t sig_arch;
	int32_t sig_errno;
	int32_t setup_errno;
	uint32_t setup_step;
	uint32_t pad;
};

enum probe_state {
	/* Setup did not finish: setup_step and setup_errno say where and why. */
	STATE_SETUP = 0,
	/* The program is installed and the syscall is about to be made. */
	STATE_ARMED = 1,
	/* The syscall returned `ret`. */
	STATE_RETURNED = 2,
	/* A SIGSYS arrived while armed; sig_* hold its siginfo. */
	STATE_TRAPPED = 3,
};

enum probe_step {
	STEP_PGID = 1,
	STEP_RLIMIT,
	STEP_SIGNALS,
	STEP_GROUPS,
	STEP_GID,
	STEP_UID,
	STEP_NO_NEW_PRIVS,
	STEP_TIMER,
	STEP_CLOSE,
	STEP_SECCOMP,
	STEP_MAP,
	STEP_READ,
	STEP_ARGS,
	STEP_EXEC,
};

/* Unprivileged, so that what an allowed random syscall does stays inside the probe: it
 * cannot signal, renice or chmod anything of init's. */
#define PROBE_UID 65534

/* Longer than any syscall here takes, even emulated. */
#define PROBE_SECONDS 60

#define PROBE_SIGSYS 31
#define PROBE_SA_SIGINFO 4
#define PROBE_SIG_SETMASK 2
#define PROBE_RLIMIT_CORE 4
#define PROBE_PR_SET_NO_NEW_PRIVS 38
#define PROBE_ITIMER_REAL 0

/* The kernel's own structures (not the C library's, which differ). */
struct probe_sigaction {
	void (*handler)(int, void *, void *);
	unsigned long flags;
	void (*restorer)(void);
	/* 64 signals in longs: two words on arm, where a uint64_t would be padded to 8. */
	unsigned long mask[8 / sizeof(long)];
};

/* The start of a siginfo for SIGSYS; natural alignment puts the union at 16 on aarch64
 * and at 12 on arm, as the kernel lays it out. */
struct probe_siginfo {
	int32_t signo;
	int32_t errno_value;
	int32_t code;
	void *call_addr;
	int32_t nr;
	uint32_t arch;
};

struct probe_itimerval {
	long interval_sec, interval_usec, value_sec, value_usec;
};

/* The ABIs' names for the 32-bit id calls. */
#if defined(__aarch64__)
#define PROBE_NR_SETGROUPS __NR_setgroups
#define PROBE_NR_SETRESGID __NR_setresgid
#define PROBE_NR_SETRESUID __NR_setresuid
#elif defined(__arm__)
#define PROBE_NR_SETGROUPS __NR_setgroups32
#define PROBE_NR_SETRESGID __NR_setresgid32
#define PROBE_NR_SETRESUID __NR_setresuid32
#else
#error "probe.h is for aarch64 and arm"
#endif

static struct probe_result *probe_page;

#if defined(__aarch64__)
static inline long raw_syscall6(long nr, long a0, long a1, long a2, long a3, long a4,
				long a5)
{
	register long x8 __asm__("x8") = nr;
	register long x0 __asm__("x0") = a0;
	register long x1 __asm__("x1") = a1;
	register long x2 __asm__("x2") = a2;
	register long x3 __asm__("x3") = a3;
	register long x4 __asm__("x4") = a4;
	register long x5 __asm__("x5") = a5;
	__asm__ volatile("svc 0"
			 : "+r"(x0)
			 : "r"(x8), "r"(x1), "r"(x2), "r"(x3), "r"(x4), "r"(x5)
			 : "memory", "cc");
	return x0;
}
#else
/* EABI: the number in r7 (built with -marm, so r7 is not the frame pointer). */
static inline long raw_syscall6(long nr, long a0, long a1, long a2, long a3, long a4,
				long a5)
{
	register long r7 __asm__("r7") = nr;
	register long r0 __asm__("r0") = a0;
	register long r1 __asm__("r1") = a1;
	register long r2 __asm__("r2") = a2;
	register long r3 __asm__("r3") = a3;
	register long r4 __asm__("r4") = a4;
	register long r5 __asm__("r5") = a5;
	__asm__ volatile("svc 0"
			 : "+r"(r0)
			 : "r"(r7), "r"(r1), "r"(r2), "r"(r3), "r"(r4), "r"(r5)
			 : "memory", "cc");
	return r0;
}
#endif

#define raw_syscall3(nr, a0, a1, a2) raw_syscall6(nr, (long)(a0), (long)(a1), (long)(a2), 0, 0, 0)

/* End the process whatever the program allows: exit_group, else exit, else a fault (the
 * kernel delivers SIGILL/SIGTRAP without any syscall). */
static __attribute__((noreturn)) void probe_end(void)
{
	raw_syscall3(__NR_exit_group, 0, 0, 0);
	raw_syscall3(__NR_exit, 0, 0, 0);
	__builtin_trap();
}

static void probe_on_sigsys(int sig, void *info, void *context)
{
	const struct probe_siginfo *si = info;
	(void)sig;
	(void)context;
	/* Only a SIGSYS during the probed syscall is its outcome; one raised by the exit
	 * attempts after it is not. */
	if (probe_page->state == STATE_ARMED) {
		probe_page->sig_code = (uint32_t)si->code;
		probe_page->sig_nr = (uint32_t)si->nr;
		probe_page->sig_arch = si->arch;
		probe_page->sig_errno = si->errno_value;
		probe_page->state = STATE_TRAPPED;
	}
	probe_end();
}

/* `rc`, a raw syscall's return value, failed: record where and end. */
static __attribute__((noreturn)) void probe_setup_failed(enum probe_step step, long rc)
{
	probe_page->setup_errno = (int32_t)-rc;
	probe_page->setup_step = step;
	probe_page->state = STATE_SETUP;
	probe_end();
}

static void probe_check(enum probe_step step, long rc)
{
	if (rc < 0)
		probe_setup_failed(step, rc);
}

/* Everything before the install: own process group (a `kill(0, ...)` the program allows
 * reaches only the probe), no core dumps, a SIGSYS handler for `trap`, an unprivileged
 * user, no-new-privs (which an unprivileged install needs), a time limit. Then close
 * every descriptor, so that syscalls on small fd numbers fail the same way in every run. */
static void probe_prepare(void)
{
	static const uint64_t zero_limit[2] = { 0, 0 };
	static const unsigned long no_signals[8 / sizeof(long)];
	struct probe_sigaction sa = { probe_on_sigsys, PROBE_SA_SIGINFO, 0, { 0 } };
	/* A probe that blocks (an allowed syscall that waits) ends by SIGALRM instead of
	 * holding up the run; it is then reported as killed by signal 14. */
	struct probe_itimerval limit = { 0, 0, PROBE_SECONDS, 0 };

	probe_check(STEP_PGID, raw_syscall3(__NR_setpgid, 0, 0, 0));
	probe_check(STEP_RLIMIT,
		    raw_syscall6(__NR_prlimit64, 0, PROBE_RLIMIT_CORE, (long)zero_limit, 0, 0, 0));
	probe_check(STEP_SIGNALS, raw_syscall6(__NR_rt_sigaction, PROBE_SIGSYS, (long)&sa, 0,
					       sizeof sa.mask, 0, 0));
	probe_check(STEP_SIGNALS, raw_syscall6(__NR_rt_sigprocmask, PROBE_SIG_SETMASK,
					       (long)no_signals, 0, sizeof no_signals, 0, 0));
	probe_check(STEP_GROUPS, raw_syscall3(PROBE_NR_SETGROUPS, 0, 0, 0));
	probe_check(STEP_GID, raw_syscall3(PROBE_NR_SETRESGID, PROBE_UID, PROBE_UID, PROBE_UID));
	probe_check(STEP_UID, raw_syscall3(PROBE_NR_SETRESUID, PROBE_UID, PROBE_UID, PROBE_UID));
	probe_check(STEP_NO_NEW_PRIVS,
		    raw_syscall6(__NR_prctl, PROBE_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0, 0));
	probe_check(STEP_TIMER, raw_syscall3(__NR_setitimer, PROBE_ITIMER_REAL, &limit, 0));
	probe_check(STEP_CLOSE, raw_syscall3(__NR_close_range, 0, ~0u, 0));
}

/* Install `program` (none for a reference run), make the syscall, store its result. */
static __attribute__((noreturn)) void probe_run(const struct sock_filter *program,
						unsigned short len, unsigned long flags,
						long nr, const long args[6])
{
	if (program) {
		struct sock_fprog fprog = { .len = len, .filter = (struct sock_filter *)program };
		probe_check(STEP_SECCOMP, raw_syscall3(__NR_seccomp, SECCOMP_SET_MODE_FILTER,
						       flags, &fprog));
	}
	probe_page->state = STATE_ARMED;
	long ret = raw_syscall6(nr, args[0], args[1], args[2], args[3], args[4], args[5]);
	/* A long is 32 bits on arm: sign-extend, so that -errno reads the same on both. */
	probe_page->ret = (int64_t)ret;
	probe_page->state = STATE_RETURNED;
	probe_end();
}

#endif
