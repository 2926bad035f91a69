#include "dbus-error.h"

#include "vb-error.h"

void
vb_dbus_return_error (GDBusMethodInvocation *invocation, GError *error)
{
  if (error->domain != VB_ERROR)
    {
      GError *mapped = g_error_new_literal (VB_ERROR, VB_ERROR_FAILED, error->message);

      g_error_free (error);
      error = mapped;
    }
  g_dbus_method_invocation_take_error (invocation, error);
}

void
vb_dbus_return_named_error (GDBusMethodInvocation *invocation, const char *name,
                            const char *message)
{
  g_dbus_method_invocation_return_dbus_error (invocation, name, message);
}
