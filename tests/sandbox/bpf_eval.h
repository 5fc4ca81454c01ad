/* tests: a classic-BPF interpreter for the subset seccomp programs use;
 * harness, trusted.  It evaluates the program the sandbox module really
 * exports on a seccomp_data of our choosing: how the death tests check the
 * filter's verdict for inputs the kernel may not let a process produce
 * (an i386 system call where the kernel has no 32-bit entry). */
#ifndef QSCAN_BPF_EVAL_H
#define QSCAN_BPF_EVAL_H

#include <stddef.h>
#include <stdint.h>
#include <linux/filter.h>
#include <linux/seccomp.h>

/* Runs prog[0..len) on `data` as the kernel's seccomp would.  Returns 0
 * and the program's return value in *ret, or -1 with a static reason in
 * *why (an instruction outside the subset, a jump or load out of range,
 * a division by zero, falling off the end). */
int bpf_eval(const struct sock_filter *prog, size_t len,
    const struct seccomp_data *data, uint32_t *ret, const char **why);

#endif
