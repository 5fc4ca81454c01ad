/* fuzz: the outcome a harness reports (fuzz_outcome.h). */
#include "fuzz_outcome.h"

enum fuzz_outcome fuzz_outcome_last;

void
fuzz_outcome_report(int accepted)
{
	fuzz_outcome_last = accepted ? FUZZ_OUTCOME_ACCEPTED :
	    FUZZ_OUTCOME_REFUSED;
}
