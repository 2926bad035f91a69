#include "virtbus-error.h"

/* The names the service answers with (the introspection XML lists them per
 * method); registering them makes GDBus give a remote error this domain and
 * its code instead of G_IO_ERROR_DBUS_ERROR. */
static const GDBusErrorEntry error_entries[] = {
  { VIRTBUS_ERROR_FAILED, "org.virtbus.Virt1.Error.Failed" },
  { VIRTBUS_ERROR_NOT_FOUND, "org.virtbus.Virt1.Error.NotFound" },
  { VIRTBUS_ERROR_INVALID_ARGUMENT, "org.virtbus.Virt1.Error.InvalidArgument" },
  { VIRTBUS_ERROR_INVALID_XML, "org.virtbus.Virt1.Error.InvalidXML" },
  { VIRTBUS_ERROR_OPERATION_INVALID, "org.virtbus.Virt1.Error.OperationInvalid" },
  { VIRTBUS_ERROR_NOT_AUTHORIZED, "org.virtbus.Virt1.Error.NotAuthorized" },
  { VIRTBUS_ERROR_NOT_SUPPORTED, "org.virtbus.Virt1.Error.NotSupported" },
  { VIRTBUS_ERROR_BUSY, "org.virtbus.Virt1.Error.Busy" },
};

/**
 * virtbus_error_quark:
 *
 * The quark of #VIRTBUS_ERROR. Its first call registers the service's error
 * names with GDBus; #VirtbusClient calls it, so errors of calls made through
 * a client (or its proxies) already carry this domain.
 *
 * Returns: the error domain of virtbus.
 */
GQuark
virtbus_error_quark (void)
{
  static gsize quark = 0;

  g_dbus_error_register_error_domain ("virtbus-error-quark", &quark, error_entries,
                                      G_N_ELEMENTS (error_entries));
  return (GQuark) quark;
}

/**
 * virtbus_error_get_message:
 * @error: an error from a call to the service, or any other #GError
 *
 * The text of @error as a person should read it: for an error that came
 * over D-Bus, its message without the "GDBus.Error:org.virtbus.Virt1.Error.NotFound: "
 * that GDBus puts in front; any other error's message as it is.
 *
 * Returns: (transfer full): the message.
 */
char *
virtbus_error_get_message (const GError *error)
{
  g_autoptr (GError) copy = NULL;

  g_return_val_if_fail (error != NULL, NULL);
  copy = g_error_copy (error);
  g_dbus_error_strip_remote_error (copy);
  return g_strdup (copy->message);
}
