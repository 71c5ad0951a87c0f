/*
 * The arm (EABI, 32-bit) probe, exec'd by the aarch64 loader's child so that its syscall
 * enters the kernel through the compat ABI, as a 32-bit program on an arm64 machine does.
 * It installs the program itself, after the exec: the program under test then decides
 * exactly one syscall, the probed one, and never the loader's execve (which an arm-only
 * policy would send to its bad_arch action).
 *
 *   probe-arm hello                       exit 42: compat works (the loader's check)
 *   probe-arm PROGRAM FLAGS NR A0 .. A5   PROGRAM 1: the program is on fd 4, 0: none
 *
 * fd 3 is the loader's result page (a memfd); numbers are hexadecimal but NR (decimal).
 * No C library (see probe.h): _start is below, and the compiler's freestanding needs.
 */
#include "probe.h"

#include <stddef.h>

#define MAX_INSNS 4096

static struct sock_filter program[MAX_INSNS];

/* A page of our own until fd 3 is mapped, so that a setup failure has somewhere to go. */
static struct probe_result early;

/* The kernel starts us with argc, argv[] and envp[] at the stack pointer. */
__asm__(".text\n"
	".global _start\n"
	"_start:\n"
	"	mov r0, sp\n"
	"	bl probe_arm_main\n"
	"	udf #0\n");

/* What a freestanding compiler may call for struct copies and initialisers. */
void *memset(void *dst, int c, size_t n)
{
	unsigned char *d = dst;
	while (n--)
		*d++ = (unsigned char)c;
	return dst;
}

void *memcpy(void *dst, const void *src, size_t n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;
	while (n--)
		*d++ = *s++;
	return dst;
}

static int same(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return *a == *b;
}

/* A number in `base` (10 or 16), truncated to 32 bits: arguments above 2^31 are passed as
 * their bit pattern; a leading '-' for the decimal syscall number. */
static long parse(const char *text, unsigned base)
{
	unsigned long long value = 0;
	int negative = base == 10 && *text == '-';
	const char *p = text + negative;
	if (!*p)
		probe_setup_failed(STEP_ARGS, -22);
	for (; *p; p++) {
		unsigned digit;
		if (*p >= '0' && *p <= '9')
			digit = (unsigned)(*p - '0');
		else if (base == 16 && *p >= 'a' && *p <= 'f')
			digit = (unsigned)(*p - 'a' + 10);
		else
			probe_setup_failed(STEP_ARGS, -22);
		value = value * base + digit;
	}
	return (long)(negative ? 0 - value : value);
}

void __attribute__((noreturn, used)) probe_arm_main(long *stack)
{
	long argc = stack[0];
	char **argv = (char **)(stack + 1);

	probe_page = &early;
	if (argc == 2 && same(argv[1], "hello"))
		raw_syscall3(__NR_exit_group, 42, 0, 0);
	if (argc != 10)
		probe_setup_failed(STEP_ARGS, -22);
	/* PROT_READ | PROT_WRITE, MAP_SHARED */
	long page = raw_syscall6(__NR_mmap2, 0, sizeof(struct probe_result), 3, 1, 3, 0);
	if (page < 0 && page > -4096)
		probe_setup_failed(STEP_MAP, page);
	probe_page = (struct probe_result *)page;

	long has_program = parse(argv[1], 16);
	unsigned long flags = (unsigned long)parse(argv[2], 16);
	long nr = parse(argv[3], 10);
	long args[6];
	for (int i = 0; i < 6; i++)
		args[i] = parse(argv[4 + i], 16);

	unsigned short len = 0;
	if (has_program) {
		long total = 0, n;
		while ((n = raw_syscall3(__NR_read, 4, (char *)program + total,
					 sizeof program - (unsigned long)total)) > 0)
			total += n;
		if (n < 0)
			probe_setup_failed(STEP_READ, n);
		if (total == 0 || total % (long)sizeof program[0] != 0)
			probe_setup_failed(STEP_READ, -22);
		len = (unsigned short)(total / (long)sizeof program[0]);
	}
	probe_prepare();
	probe_run(has_program ? program : 0, len, flags, nr, args);
}
