/* The host side of a test: disk files made and checksummed, commands run
 * (ip, qemu-img, ...) that must succeed. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* Makes @path an empty (sparse) file of @size bytes, a disk for a test guest. */
void vb_test_sparse_file (const char *path, goffset size);
/* The md5 of a file's contents, in hex. */
char *vb_test_file_md5 (const char *file);
/* Runs a command line (no shell), failing the test unless it succeeds;
 * returns what it printed. */
char *vb_test_run (const char *format, ...) G_GNUC_PRINTF (1, 2);
/* The same for an argument vector (@argv[0] looked up in PATH). */
char *vb_test_run_argv (const char *const *argv);
/* Whether a TCP server listens on @port of the loopback address. */
gboolean vb_test_port_open (int port);
/* qemu-nbd serving @image's bytes (--format=raw) as @export on a free
 * loopback port, set in *port; running once it listens. */
GSubprocess *vb_test_serve_nbd (const char *image, const char *export, int *port);
/* Whether `sh -c @command` succeeds. */
gboolean vb_test_shell_succeeds (const char *command);
/* This machine's CPUs as the kernel shows them, without parsing its CPU
 * lists: "1" for each /sys/devices/system/cpu/cpuN that is online (no
 * "online" file, as cpu0 often has, is online), "0" for one that is
 * offline, "-" for a number without a cpuN (not present), from 0 to the
 * highest N: "11110000" for CPUs 0-3 of 8 online. */
char *vb_test_kernel_cpus (void);

G_END_DECLS
