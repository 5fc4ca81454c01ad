/* scanners: qscan-clamd's main; runs in role clamd, untrusted. */
#include "clamd_role.h"

int
main(int argc, char **argv)
{
	return clamd_role_main(argc, argv);
}
