/* Calls of the service's methods and reads of its properties, as a client
 * makes them: see vb-test-calls.h. */
#include "vb-test-calls.h"

#include <string.h>

#include "vb-test-internal.h"
#include "vb-test-names.h"

GVariant *
vb_test_call (VbTestEnv *env, const char *path, const char *interface, const char *method,
              GVariant *parameters, GError **error)
{
  return g_dbus_connection_call_sync (env->client, BUS_NAME, path, interface, method, parameters,
                                      NULL, G_DBUS_CALL_FLAGS_NONE, 30000, NULL, error);
}

GVariant *
vb_test_call_ok (VbTestEnv *env, const char *path, const char *interface, const char *method,
                 GVariant *parameters)
{
  g_autoptr (GError) error = NULL;
  GVariant *reply = vb_test_call (env, path, interface, method, parameters, &error);

  if (!reply)
    g_error ("%s.%s on %s failed: %s", interface, method, path, error->message);
  return reply;
}

char *
vb_test_call_error_message (VbTestEnv *env, const char *path, const char *interface,
                            const char *method, GVariant *parameters, const char *error_name)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GVariant) reply = vb_test_call (env, path, interface, method, parameters, &error);
  g_autofree char *remote = NULL;

  if (reply)
    g_error ("%s.%s on %s succeeded, expected %s", interface, method, path, error_name);
  remote = g_dbus_error_get_remote_error (error);
  if (g_strcmp0 (remote, error_name) != 0)
    g_error ("%s.%s on %s: expected %s, got %s (%s)", interface, method, path, error_name,
             remote, error->message);
  g_dbus_error_strip_remote_error (error);
  return g_strdup (error->message);
}

void
vb_test_call_expect_error (VbTestEnv *env, const char *path, const char *interface,
                           const char *method, GVariant *parameters, const char *error_name)
{
  g_free (vb_test_call_error_message (env, path, interface, method, parameters, error_name));
}

void
vb_test_call_expect_error_saying (VbTestEnv *env, const char *path, const char *interface,
                                  const char *method, GVariant *parameters, const char *error_name,
                                  const char *words)
{
  g_autofree char *message =
    vb_test_call_error_message (env, path, interface, method, parameters, error_name);

  if (words && !strstr (message, words))
    g_error ("%s.%s on %s: the message '%s' does not say '%s'", interface, method, path, message,
             words);
}

char *
vb_test_call_path (VbTestEnv *env, const char *path, const char *interface, const char *method,
                   GVariant *parameters)
{
  g_autoptr (GVariant) reply = vb_test_call_ok (env, path, interface, method, parameters);
  char *result = NULL;

  g_variant_get (reply, "(o)", &result);
  return result;
}

void
vb_test_call_void (VbTestEnv *env, const char *path, const char *interface, const char *method,
                   GVariant *parameters)
{
  g_variant_unref (vb_test_call_ok (env, path, interface, method, parameters));
}

GVariant *
vb_test_get_property (VbTestEnv *env, const char *path, const char *interface,
                      const char *property)
{
  g_autoptr (GVariant) reply = vb_test_call_ok (
    env, path, "org.freedesktop.DBus.Properties", "Get", g_variant_new ("(ss)", interface, property));
  GVariant *value = NULL;

  g_variant_get (reply, "(v)", &value);
  return value;
}

char *
vb_test_get_xml (VbTestEnv *env, const char *path, const char *interface, guint flags)
{
  g_autoptr (GVariant) reply =
    vb_test_call_ok (env, path, interface, "GetXMLDesc", g_variant_new ("(u)", flags));
  char *xml = NULL;

  g_variant_get (reply, "(s)", &xml);
  return xml;
}

char *
vb_test_get_string (VbTestEnv *env, const char *path, const char *interface,
                    const char *property)
{
  g_autoptr (GVariant) value = vb_test_get_property (env, path, interface, property);
  return g_variant_dup_string (value, NULL);
}

gboolean
vb_test_get_bool (VbTestEnv *env, const char *path, const char *interface, const char *property)
{
  g_autoptr (GVariant) value = vb_test_get_property (env, path, interface, property);
  return g_variant_get_boolean (value);
}

guint64
vb_test_get_u64 (VbTestEnv *env, const char *path, const char *interface, const char *property)
{
  g_autoptr (GVariant) value = vb_test_get_property (env, path, interface, property);
  return g_variant_get_uint64 (value);
}

gboolean
vb_test_wait_property (VbTestEnv *env, const char *path, const char *interface,
                       const char *property, GVariant *expected, guint timeout_ms)
{
  g_autoptr (GVariant) want = g_variant_ref_sink (expected);
  gint64 end = g_get_monotonic_time () + timeout_ms * 1000;

  for (;;)
    {
      g_autoptr (GVariant) value = vb_test_get_property (env, path, interface, property);

      if (g_variant_equal (value, want))
        return TRUE;
      if (g_get_monotonic_time () > end)
        {
          g_autofree char *got = g_variant_print (value, FALSE);
          g_autofree char *wanted = g_variant_print (want, FALSE);
          g_printerr ("%s.%s is %s, waited for %s\n", interface, property, got, wanted);
          return FALSE;
        }
      vb_test_sleep_iterating (10);
    }
}

char *
vb_test_domain_path (const char *uuid)
{
  g_autofree char *element = g_strdup (uuid);

  g_strdelimit (element, "-", '_');
  return g_strdup_printf ("/org/virtbus/Virt1/domain/%s", element);
}
