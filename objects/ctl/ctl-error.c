#include "ctl-error.h"

#include <stdio.h>

#include "ctl-output.h"
#include "virtbus.h"

GQuark
ctl_error_quark (void)
{
  return g_quark_from_static_string ("virtbusctl-error-quark");
}

CtlExit
ctl_error_exit_code (const GError *error)
{
  if (error->domain == CTL_ERROR)
    {
      switch ((CtlError) error->code)
        {
        case CTL_ERROR_USAGE:
          return CTL_EXIT_USAGE;
        case CTL_ERROR_UNREACHABLE:
          return CTL_EXIT_UNREACHABLE;
        case CTL_ERROR_FAILED:
          return CTL_EXIT_FAILED;
        }
    }
  if (g_error_matches (error, VIRTBUS_ERROR, VIRTBUS_ERROR_NOT_FOUND))
    return CTL_EXIT_NOT_FOUND;
  /* The bus itself may refuse a caller (its policy) before polkit is asked. */
  if (g_error_matches (error, VIRTBUS_ERROR, VIRTBUS_ERROR_NOT_AUTHORIZED)
      || g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_ACCESS_DENIED))
    return CTL_EXIT_NOT_AUTHORIZED;
  /* virtbusd went away between two calls. */
  if (g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_SERVICE_UNKNOWN)
      || g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_NAME_HAS_NO_OWNER)
      || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CLOSED))
    return CTL_EXIT_UNREACHABLE;
  return CTL_EXIT_FAILED;
}

void
ctl_error_print (const GError *error)
{
  g_autofree char *message = virtbus_error_get_message (error);
  /* Its text may come from the service, a guest or a file name. */
  g_autofree char *shown = ctl_terminal_text (stderr, message, TRUE);

  g_printerr ("error: %s\n", shown);
}
