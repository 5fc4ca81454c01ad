/* fuzz: the outcome a harness reports (harness_outcome.h). */
#include "harness_outcome.h"

enum harness_outcome harness_outcome_last;

void
harness_outcome_report(int accepted)
{
	harness_outcome_last = accepted ? HARNESS_OUTCOME_ACCEPTED :
	    HARNESS_OUTCOME_REFUSED;
}
