/* How virtbusctl fails: one exit code per kind of failure (documented in
 * virtbusctl(1) and docs/cli.md, checked by tests/test-ctl.c), and the
 * message a person reads, without GDBus's "GDBus.Error:NAME: " prefix. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef enum {
  CTL_EXIT_OK = 0,
  CTL_EXIT_FAILED = 1,         /* the service refused, or the operation failed */
  CTL_EXIT_USAGE = 2,          /* unknown command or option, wrong arguments */
  CTL_EXIT_NOT_FOUND = 3,      /* no domain (network, pool, ...) of that name or UUID */
  CTL_EXIT_NOT_AUTHORIZED = 4, /* polkit refused the call */
  CTL_EXIT_UNREACHABLE = 5,    /* no message bus there, or virtbus is not on it */
} CtlExit;

#define CTL_ERROR (ctl_error_quark ())

/* virtbusctl's own errors; those of the service come as VIRTBUS_ERROR. */
typedef enum {
  CTL_ERROR_USAGE,       /* exits with CTL_EXIT_USAGE */
  CTL_ERROR_FAILED,      /* exits with CTL_EXIT_FAILED */
  CTL_ERROR_UNREACHABLE, /* exits with CTL_EXIT_UNREACHABLE */
} CtlError;

GQuark ctl_error_quark (void);

/* The exit code for @error. */
CtlExit ctl_error_exit_code (const GError *error);
/* Prints "error: MESSAGE" on stderr (escaped on a terminal). */
void ctl_error_print (const GError *error);

G_END_DECLS
