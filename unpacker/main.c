/* unpacker: qscan-unpack's main; runs in role unpack, untrusted. */
#include "unpack_role.h"

int
main(int argc, char **argv)
{
	return unpack_role_main(argc, argv);
}
