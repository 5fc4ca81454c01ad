/* scanners: qscan-spamd's main; runs in role spamd, untrusted. */
#include "spamd_role.h"

int
main(int argc, char **argv)
{
	return spamd_role_main(argc, argv);
}
