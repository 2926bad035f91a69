/* The one error domain of virtbus; each code maps to org.virtbus.Virt1.Error.<Name>. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define VB_ERROR (vb_error_quark ())

typedef enum {
  VB_ERROR_FAILED,
  VB_ERROR_NOT_FOUND,
  VB_ERROR_INVALID_ARGUMENT,
  VB_ERROR_INVALID_XML,
  VB_ERROR_OPERATION_INVALID,
  VB_ERROR_NOT_AUTHORIZED,
  VB_ERROR_NOT_SUPPORTED,
  VB_ERROR_BUSY,
} VbError;

/* The quark also registers the D-Bus error names, so a GError of this domain
 * returned through GDBusMethodInvocation reaches the client under its name. */
GQuark vb_error_quark (void);

/* Sets @error to (VB_ERROR, @code, message) and returns FALSE: for checks
 * that refuse. */
gboolean vb_error_refuse (GError **error, VbError code, const char *format, ...)
  G_GNUC_PRINTF (3, 4);

G_END_DECLS
