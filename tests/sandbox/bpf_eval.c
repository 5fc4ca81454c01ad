/* tests: a classic-BPF interpreter for the seccomp subset; harness,
 * trusted.  Follows the kernel's seccomp_check_filter: loads of 32-bit
 * words of seccomp_data at aligned offsets, immediates, scratch memory,
 * ALU, conditional and unconditional jumps (forward only), returns. */
#include <string.h>

#include "bpf_eval.h"

int
bpf_eval(const struct sock_filter *prog, size_t len,
    const struct seccomp_data *data, uint32_t *ret, const char **why)
{
	uint32_t a = 0, x = 0, mem[BPF_MEMWORDS];
	unsigned char bytes[sizeof(*data)];

	memset(mem, 0, sizeof(mem));
	memcpy(bytes, data, sizeof(bytes));
	for (size_t pc = 0; pc < len; pc++) {
		const struct sock_filter *i = &prog[pc];
		uint32_t src = BPF_SRC(i->code) == BPF_X ? x : i->k;
		size_t skip = 0;

		switch (i->code) {
		case BPF_LD | BPF_W | BPF_ABS:
			if (i->k % 4 != 0 || i->k > sizeof(bytes) - 4) {
				*why = "load outside seccomp_data";
				return -1;
			}
			memcpy(&a, bytes + i->k, 4);
			continue;
		case BPF_LD | BPF_W | BPF_LEN:
			a = sizeof(bytes);
			continue;
		case BPF_LDX | BPF_W | BPF_LEN:
			x = sizeof(bytes);
			continue;
		case BPF_LD | BPF_IMM:
			a = i->k;
			continue;
		case BPF_LDX | BPF_IMM:
			x = i->k;
			continue;
		case BPF_LD | BPF_MEM:
		case BPF_LDX | BPF_MEM:
		case BPF_ST:
		case BPF_STX:
			if (i->k >= BPF_MEMWORDS) {
				*why = "scratch memory index out of range";
				return -1;
			}
			if (i->code == (BPF_LD | BPF_MEM))
				a = mem[i->k];
			else if (i->code == (BPF_LDX | BPF_MEM))
				x = mem[i->k];
			else if (i->code == BPF_ST)
				mem[i->k] = a;
			else
				mem[i->k] = x;
			continue;
		case BPF_MISC | BPF_TAX:
			x = a;
			continue;
		case BPF_MISC | BPF_TXA:
			a = x;
			continue;
		case BPF_RET | BPF_K:
			*ret = i->k;
			return 0;
		case BPF_RET | BPF_A:
			*ret = a;
			return 0;
		case BPF_JMP | BPF_JA:
			skip = i->k;
			break;
		default:
			break;
		}
		if (i->code == (BPF_JMP | BPF_JA)) {
			if (pc + 1 + skip > len) {
				*why = "jump out of the program";
				return -1;
			}
			pc += skip;
			continue;
		}
		if (BPF_CLASS(i->code) == BPF_ALU) {
			switch (BPF_OP(i->code)) {
			case BPF_ADD: a += src; break;
			case BPF_SUB: a -= src; break;
			case BPF_MUL: a *= src; break;
			case BPF_DIV:
			case BPF_MOD:
				if (src == 0) {
					*why = "division by zero";
					return -1;
				}
				a = BPF_OP(i->code) == BPF_DIV ? a / src : a % src;
				break;
			case BPF_AND: a &= src; break;
			case BPF_OR: a |= src; break;
			case BPF_XOR: a ^= src; break;
			case BPF_LSH: a = src < 32 ? a << src : 0; break;
			case BPF_RSH: a = src < 32 ? a >> src : 0; break;
			case BPF_NEG: a = -a; break;
			default:
				*why = "ALU operation outside the subset";
				return -1;
			}
			continue;
		}
		if (BPF_CLASS(i->code) == BPF_JMP) {
			int taken;

			switch (BPF_OP(i->code)) {
			case BPF_JEQ: taken = a == src; break;
			case BPF_JGT: taken = a > src; break;
			case BPF_JGE: taken = a >= src; break;
			case BPF_JSET: taken = (a & src) != 0; break;
			default:
				*why = "jump outside the subset";
				return -1;
			}
			skip = taken ? i->jt : i->jf;
			if (pc + 1 + skip > len) {
				*why = "jump out of the program";
				return -1;
			}
			pc += skip;
			continue;
		}
		*why = "instruction outside the seccomp subset";
		return -1;
	}
	*why = "the program fell off its end";
	return -1;
}
