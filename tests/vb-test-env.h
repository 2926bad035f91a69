/* Everything a service test (and a benchmark) needs, in one include: the
 * env of daemons, calls and properties, jobs, signals, the console, host
 * commands and network namespaces, and the domains tests define. */
#pragma once

#include <gio/gio.h>

#include "vb-test-daemons.h"
#include "vb-test-calls.h"
#include "vb-test-jobs.h"
#include "vb-test-signals.h"

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
/* Defines and starts (@persistent) or creates the domain @xml, and waits up
 * to @timeout_ms for the test guest's ready banner on its console (fails the
 * test otherwise); returns the domain's path. */
char *vb_test_boot_guest (VbTestEnv *env, const char *xml, gboolean persistent,
                          guint timeout_ms);

/* Makes @path an empty (sparse) file of @size bytes, a disk for a test guest. */
void vb_test_sparse_file (const char *path, goffset size);
/* The md5 of a file's contents, in hex. */
char *vb_test_file_md5 (const char *file);
/* Runs a command line (no shell), failing the test unless it succeeds;
 * returns what it printed. */
char *vb_test_run (const char *format, ...) G_GNUC_PRINTF (1, 2);
/* Whether `sh -c @command` succeeds. */
gboolean vb_test_shell_succeeds (const char *command);

/* A new network namespace "<prefix><pid><suffix>" with lo up. What runs in
 * it is killed and the namespace removed when the test aborts or times out;
 * leftovers of killed earlier runs with the same prefix are removed first. */
char *vb_test_netns_add (const char *prefix, const char *suffix);
/* Kills what still runs inside, then removes it. */
void vb_test_netns_del (const char *name);
/* Whether nothing runs inside any more (waits up to @timeout_ms). */
gboolean vb_test_netns_wait_empty (const char *name, guint timeout_ms);

/* The project's test guest (tests/guest) as a QEMU domain on the 'pc'
 * machine with ACPI, a serial console (pty) and @devices (XML inside
 * <devices>, may be NULL); @cmdline_extra (may be NULL) is added to its
 * kernel command line (vb.counter=0, vb.mem_mib=N, ...). */
char *vb_test_guest_xml (const char *name, guint memory_mib, const char *cmdline_extra,
                         const char *devices);
/* The same on QEMU's @machine ("pc", "q35"), with ACPI or without. */
char *vb_test_guest_xml_on (const char *name, guint memory_mib, const char *machine, gboolean acpi,
                            const char *cmdline_extra, const char *devices);
/* A <disk> element for a file, target vdX on virtio, @format raw or qcow2. */
char *vb_test_disk_xml (const char *path, const char *format, const char *target);

/* A test domain XML with @name (and @uuid, may be NULL). */
char *vb_test_domain_xml (const char *name, const char *uuid);
/* Path of a file of the source tree, from tests/. */
char *vb_test_source_path (const char *relative);
/* The domain object path for @uuid. */
char *vb_test_domain_path (const char *uuid);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (VbTestConsole, vb_test_console_free)

G_END_DECLS
