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

G_END_DECLS
