/* A guest's serial console: a session opened with Domain.OpenConsole that a
 * test types commands into and reads their output from, and the log file of
 * the console the service keeps. */
#pragma once

#include "vb-test-daemons.h"

G_BEGIN_DECLS

/* A domain's serial console as a test types into it (Domain.OpenConsole).
 * @seen holds everything read so far; offsets into it mark "after this". */
typedef struct {
  int fd;
  GString *seen;
} VbTestConsole;
VbTestConsole *vb_test_console_open (VbTestEnv *env, const char *path);
void vb_test_console_free (VbTestConsole *console);
/* Types @line and Enter. */
void vb_test_console_type (VbTestConsole *console, const char *line);
/* Reads until @pattern (a GRegex) matches what came after @from; returns
 * capture group 1 if the pattern has one, else the match. Fails the test
 * (printing what came) when nothing matches within @timeout_ms. */
char *vb_test_console_expect (VbTestConsole *console, gsize from, const char *pattern,
                              guint timeout_ms);
/* Runs @command in the guest's shell; returns its exit status. */
int vb_test_console_run (VbTestConsole *console, const char *command, guint timeout_ms);
/* The same, and what it printed in @output (may be NULL). */
int vb_test_console_run_output (VbTestConsole *console, const char *command, guint timeout_ms,
                                char **output);
/* Runs @command and returns what it printed (without the echo of the command
 * line), fails the test on a non-zero status. */
char *vb_test_console_output (VbTestConsole *console, const char *command, guint timeout_ms);
/* The same within 60 s, without blank lines and the counter lines the test
 * guest prints meanwhile, each line stripped: a command's answer alone. */
char *vb_test_console_answer (VbTestConsole *console, const char *command);
/* The last "VB-COUNTER n" of the test guest in @text, 0 when none. */
guint64 vb_test_last_counter (const char *text);

/* The file the service writes the serial console of the domain @uuid to. */
char *vb_test_console_log (VbTestEnv *env, const char *uuid);
/* The same for the domain at object path @path. */
char *vb_test_console_log_of (VbTestEnv *env, const char *path);
/* Waits until the file @log contains @needle; returns whether it came (and
 * logs what the file holds when not). */
gboolean vb_test_log_wait (const char *log, const char *needle, guint timeout_ms);
/* The last "VB-COUNTER n" in the file @log, 0 when none or no file. */
guint64 vb_test_log_last_counter (const char *log);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (VbTestConsole, vb_test_console_free)

G_END_DECLS
