/* broker: qscan report and qscan metrics (docs/report.md): the summary
 * log read into charts, MRTG's lines or Prometheus metrics. */
#ifndef QSCAN_QSCAN_REPORT_H
#define QSCAN_QSCAN_REPORT_H

/* argv[0] = "report" or "metrics"; default_log: the configuration's
 * log_file, read when no --log is given (NULL: --log is required).
 * Returns qscan's exit code (2: usage). */
int qscan_report_cmd(int argc, char **argv, const char *default_log);

#endif
