/* scanners: qscan-mhr's main; runs in role mhr, untrusted. */
#include "mhr_role.h"

int
main(int argc, char **argv)
{
	return mhr_role_main(argc, argv);
}
