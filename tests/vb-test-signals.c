/* The signals the service emits, recorded in order: see vb-test-signals.h. */
#include "vb-test-signals.h"

#include <string.h>

#include "vb-test-calls.h"
#include "vb-test-names.h"

struct _VbSignalLog {
  VbTestEnv *env;
  guint subscription;
  GPtrArray *lines;
};

static void
record_signal (GDBusConnection *connection, const char *sender, const char *path,
               const char *interface, const char *member, GVariant *parameters, gpointer user_data)
{
  VbSignalLog *log = user_data;
  g_autofree char *args = g_variant_print (parameters, FALSE);

  g_ptr_array_add (log->lines, g_strdup_printf ("%s.%s %s %s", interface, member, path, args));
}

VbSignalLog *
vb_signal_log_new (VbTestEnv *env)
{
  VbSignalLog *log = g_new0 (VbSignalLog, 1);

  log->env = env;
  log->lines = g_ptr_array_new_with_free_func (g_free);
  log->subscription =
    g_dbus_connection_signal_subscribe (env->client, BUS_NAME, NULL, NULL, NULL, NULL,
                                        G_DBUS_SIGNAL_FLAGS_NONE, record_signal, log, NULL);
  /* The subscription must be in place at the bus before the test acts. */
  g_dbus_connection_flush_sync (env->client, NULL, NULL);
  vb_test_call_ok (env, MANAGER, "org.freedesktop.DBus.Peer", "Ping", NULL);
  return log;
}

void
vb_signal_log_free (VbSignalLog *log)
{
  if (!log)
    return;
  g_dbus_connection_signal_unsubscribe (log->env->client, log->subscription);
  g_ptr_array_unref (log->lines);
  g_free (log);
}

int
vb_signal_log_find (VbSignalLog *log, const char *needle)
{
  for (guint i = 0; i < log->lines->len; i++)
    if (strstr (log->lines->pdata[i], needle))
      return (int) i;
  return -1;
}

char *
vb_signal_log_lifecycle (VbSignalLog *log, const char *path)
{
  g_autofree char *prefix = g_strdup_printf ("org.virtbus.Virt1.Domain.LifecycleEvent %s ", path);
  GString *events = g_string_new (NULL);

  for (guint i = 0; i < log->lines->len; i++)
    if (g_str_has_prefix (log->lines->pdata[i], prefix))
      g_string_append_printf (events, "%s%s", events->len ? " " : "",
                              (char *) log->lines->pdata[i] + strlen (prefix));
  return g_string_free (events, FALSE);
}

gboolean
vb_signal_log_wait (VbSignalLog *log, const char *needle, guint timeout_ms)
{
  gint64 end = g_get_monotonic_time () + timeout_ms * 1000;

  while (vb_signal_log_find (log, needle) < 0)
    {
      if (g_get_monotonic_time () > end)
        {
          g_printerr ("signal containing '%s' did not come; got:\n", needle);
          vb_signal_log_dump (log);
          return FALSE;
        }
      g_main_context_iteration (NULL, FALSE);
      g_usleep (1000);
    }
  return TRUE;
}

void
vb_signal_log_clear (VbSignalLog *log)
{
  g_ptr_array_set_size (log->lines, 0);
}

void
vb_signal_log_dump (VbSignalLog *log)
{
  for (guint i = 0; i < log->lines->len; i++)
    g_printerr ("  %u: %s\n", i, (char *) log->lines->pdata[i]);
}
