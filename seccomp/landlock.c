/* seccomp: the review room; Landlock by raw syscalls, sized by the ABI the
 * kernel reports.  Trusted code, runs in untrusted roles at lockdown. */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "sandbox_tables.h"

/* Debian 12's <linux/landlock.h> knows ABI 1 only: declare the v6 layout
 * ourselves and pass the kernel only the prefix its ABI knows. */
#ifndef __NR_landlock_create_ruleset
#define __NR_landlock_create_ruleset 444
#define __NR_landlock_add_rule 445
#define __NR_landlock_restrict_self 446
#endif

struct qscan_landlock_ruleset_attr {
	uint64_t handled_access_fs;
	uint64_t handled_access_net;	/* ABI >= 4 */
	uint64_t scoped;		/* ABI >= 6 */
};

struct qscan_landlock_path_beneath_attr {
	uint64_t allowed_access;
	int32_t parent_fd;
} __attribute__((packed));

#define QSCAN_LANDLOCK_CREATE_RULESET_VERSION	(1u << 0)
#define QSCAN_LANDLOCK_RULE_PATH_BENEATH	1

enum right_kind { RIGHT_FS, RIGHT_NET, RIGHT_SCOPE };

struct landlock_right {
	enum right_kind kind;
	uint64_t bit;
	int abi;		/* first ABI that knows it */
	int private_dir;	/* granted beneath LANDLOCK_PRIVATE_DIR's dir */
	const char *name;
};

/* Values from the kernel's UAPI (include/uapi/linux/landlock.h). */
static const struct landlock_right landlock_rights[] = {
	{ RIGHT_FS, 1ull << 0, 1, 0, "fs.execute" },
	{ RIGHT_FS, 1ull << 1, 1, 1, "fs.write_file" },
	{ RIGHT_FS, 1ull << 2, 1, 1, "fs.read_file" },
	{ RIGHT_FS, 1ull << 3, 1, 1, "fs.read_dir" },
	{ RIGHT_FS, 1ull << 4, 1, 1, "fs.remove_dir" },
	{ RIGHT_FS, 1ull << 5, 1, 1, "fs.remove_file" },
	{ RIGHT_FS, 1ull << 6, 1, 0, "fs.make_char" },
	{ RIGHT_FS, 1ull << 7, 1, 1, "fs.make_dir" },
	{ RIGHT_FS, 1ull << 8, 1, 1, "fs.make_reg" },
	{ RIGHT_FS, 1ull << 9, 1, 0, "fs.make_sock" },
	{ RIGHT_FS, 1ull << 10, 1, 0, "fs.make_fifo" },
	{ RIGHT_FS, 1ull << 11, 1, 0, "fs.make_block" },
	{ RIGHT_FS, 1ull << 12, 1, 0, "fs.make_sym" },
	{ RIGHT_FS, 1ull << 13, 2, 0, "fs.refer" },
	{ RIGHT_FS, 1ull << 14, 3, 1, "fs.truncate" },
	{ RIGHT_FS, 1ull << 15, 5, 0, "fs.ioctl_dev" },
	{ RIGHT_NET, 1ull << 0, 4, 0, "net.bind_tcp" },
	{ RIGHT_NET, 1ull << 1, 4, 0, "net.connect_tcp" },
	{ RIGHT_SCOPE, 1ull << 0, 6, 0, "scope.abstract_unix_socket" },
	{ RIGHT_SCOPE, 1ull << 1, 6, 0, "scope.signal" },
};
#define N_LANDLOCK_RIGHTS \
	(sizeof(landlock_rights) / sizeof(landlock_rights[0]))

int
sandbox_landlock_abi(void)
{
	long abi;

	abi = syscall(__NR_landlock_create_ruleset, NULL, 0,
	    QSCAN_LANDLOCK_CREATE_RULESET_VERSION);
	return abi < 0 ? 0 : (int)abi;
}

int
sandbox_landlock_restrict(enum landlock_mode mode, const char *dir,
    const char **why)
{
	struct qscan_landlock_ruleset_attr attr = { 0, 0, 0 };
	struct qscan_landlock_path_beneath_attr beneath = { 0, -1 };
	size_t attr_size;
	int abi, ruleset, rc = -1;

	abi = sandbox_landlock_abi();
	if (abi < 1) {
		*why = "the kernel offers no Landlock: no service without it";
		return -1;
	}
	for (size_t i = 0; i < N_LANDLOCK_RIGHTS; i++) {
		const struct landlock_right *r = &landlock_rights[i];

		if (r->abi > abi)
			continue;
		switch (r->kind) {
		case RIGHT_FS:
			attr.handled_access_fs |= r->bit;
			if (r->private_dir)
				beneath.allowed_access |= r->bit;
			break;
		case RIGHT_NET:
			attr.handled_access_net |= r->bit;
			break;
		case RIGHT_SCOPE:
			attr.scoped |= r->bit;
			break;
		default:
			break;
		}
	}
	/* The kernel rejects fields it does not know unless they are cut off. */
	if (abi >= 6)
		attr_size = sizeof(attr);
	else if (abi >= 4)
		attr_size = offsetof(struct qscan_landlock_ruleset_attr, scoped);
	else
		attr_size = offsetof(struct qscan_landlock_ruleset_attr,
		    handled_access_net);

	ruleset = (int)syscall(__NR_landlock_create_ruleset, &attr, attr_size,
	    0);
	if (ruleset < 0) {
		*why = "landlock_create_ruleset failed";
		return -1;
	}
	switch (mode) {
	case LANDLOCK_NO_FILES:
		/* Every right handled, none granted: no rules at all. */
		break;
	case LANDLOCK_PRIVATE_DIR:
		if (dir == NULL) {
			*why = "LANDLOCK_PRIVATE_DIR needs a directory";
			goto out;
		}
		beneath.parent_fd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (beneath.parent_fd < 0) {
			*why = "cannot open the private directory for Landlock";
			goto out;
		}
		if (syscall(__NR_landlock_add_rule, ruleset,
		    QSCAN_LANDLOCK_RULE_PATH_BENEATH, &beneath, 0) < 0) {
			close(beneath.parent_fd);
			*why = "landlock_add_rule for the private directory failed";
			goto out;
		}
		close(beneath.parent_fd);
		break;
	default:
		*why = "unknown Landlock mode";
		goto out;
	}
	if (syscall(__NR_landlock_restrict_self, ruleset, 0) < 0) {
		*why = "landlock_restrict_self failed (NO_NEW_PRIVS not set?)";
		goto out;
	}
	rc = 0;
out:
	close(ruleset);
	return rc;
}

void
sandbox_landlock_print(FILE *out, enum landlock_mode mode)
{
	static const char *const kind_title[] = {
		[RIGHT_FS] = "file system rights handled",
		[RIGHT_NET] = "network rights handled",
		[RIGHT_SCOPE] = "scoped (denied across the domain boundary)",
	};

	switch (mode) {
	case LANDLOCK_NO_FILES:
		fprintf(out, "landlock: no-files (required; every right the "
		    "kernel's ABI knows is handled, none granted)\n");
		break;
	case LANDLOCK_PRIVATE_DIR:
		fprintf(out, "landlock: private-dir (required; rights marked "
		    "+ are granted beneath the role's one private directory, "
		    "nothing elsewhere)\n");
		break;
	default:
		fprintf(out, "landlock: unknown mode\n");
		return;
	}
	for (int k = RIGHT_FS; k <= RIGHT_SCOPE; k++) {
		fprintf(out, "  %s:\n", kind_title[k]);
		for (size_t i = 0; i < N_LANDLOCK_RIGHTS; i++) {
			const struct landlock_right *r = &landlock_rights[i];
			int granted = mode == LANDLOCK_PRIVATE_DIR &&
			    r->private_dir;

			if ((int)r->kind != k)
				continue;
			fprintf(out, "    %c %-28s (ABI >= %d)\n",
			    granted ? '+' : '-', r->name, r->abi);
		}
	}
}
