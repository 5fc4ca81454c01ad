/* scanners: qscan-clamav's main; runs in role clamav, untrusted. */
#include "clamav_role.h"

int
main(int argc, char **argv)
{
	return clamav_role_main(argc, argv);
}
