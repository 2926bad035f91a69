#include "vb-error.h"

#include <gio/gio.h>

static const GDBusErrorEntry vb_error_entries[] = {
  { VB_ERROR_FAILED, "org.virtbus.Virt1.Error.Failed" },
  { VB_ERROR_NOT_FOUND, "org.virtbus.Virt1.Error.NotFound" },
  { VB_ERROR_INVALID_ARGUMENT, "org.virtbus.Virt1.Error.InvalidArgument" },
  { VB_ERROR_INVALID_XML, "org.virtbus.Virt1.Error.InvalidXML" },
  { VB_ERROR_OPERATION_INVALID, "org.virtbus.Virt1.Error.OperationInvalid" },
  { VB_ERROR_NOT_AUTHORIZED, "org.virtbus.Virt1.Error.NotAuthorized" },
  { VB_ERROR_NOT_SUPPORTED, "org.virtbus.Virt1.Error.NotSupported" },
  { VB_ERROR_BUSY, "org.virtbus.Virt1.Error.Busy" },
};

G_STATIC_ASSERT (G_N_ELEMENTS (vb_error_entries) == VB_ERROR_BUSY + 1);

GQuark
vb_error_quark (void)
{
  static gsize quark = 0;

  g_dbus_error_register_error_domain ("vb-error-quark", &quark, vb_error_entries,
                                      G_N_ELEMENTS (vb_error_entries));
  return (GQuark) quark;
}

gboolean
vb_error_refuse (GError **error, VbError code, const char *format, ...)
{
  va_list args;

  va_start (args, format);
  g_propagate_error (error, g_error_new_valist (VB_ERROR, code, format, args));
  va_end (args);
  return FALSE;
}
