/* A guest's serial console, typed into and read as a user would, and the
 * console log files the service writes: see vb-test-console.h. */
#include "vb-test-console.h"

#include <gio/gunixfdlist.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <unistd.h>

#include "vb-test-calls.h"
#include "vb-test-internal.h"
#include "vb-test-names.h"

VbTestConsole *
vb_test_console_open (VbTestEnv *env, const char *path)
{
  gint64 end = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
  VbTestConsole *console;
  int fd = -1;

  /* A session just closed may not be gone yet: Busy for a moment. */
  while (fd < 0)
    {
      g_autoptr (GUnixFDList) fds = NULL;
      g_autoptr (GError) error = NULL;
      g_autoptr (GVariant) reply = g_dbus_connection_call_with_unix_fd_list_sync (
        env->client, BUS_NAME, path, IFACE_DOMAIN, "OpenConsole", g_variant_new ("(u)", 0),
        G_VARIANT_TYPE ("(h)"), G_DBUS_CALL_FLAGS_NONE, 10000, NULL, &fds, NULL, &error);

      if (reply)
        {
          /* Out of the list, so closing it ends the session. */
          g_autofree int *stolen = g_unix_fd_list_steal_fds (fds, NULL);
          fd = stolen[0];
        }
      else if (g_get_monotonic_time () > end || !g_dbus_error_is_remote_error (error)
               || g_strcmp0 (g_dbus_error_get_remote_error (error), ERROR_PREFIX "Busy") != 0)
        g_error ("OpenConsole %s: %s", path, error->message);
      else
        g_usleep (100000);
    }
  console = g_new0 (VbTestConsole, 1);
  console->fd = fd;
  console->seen = g_string_new (NULL);
  return console;
}

void
vb_test_console_free (VbTestConsole *console)
{
  if (!console)
    return;
  close (console->fd);
  g_string_free (console->seen, TRUE);
  g_free (console);
}

void
vb_test_console_type (VbTestConsole *console, const char *line)
{
  g_autofree char *typed = g_strdup_printf ("%s\r", line);

  g_assert_cmpint (write (console->fd, typed, strlen (typed)), ==, (gssize) strlen (typed));
}

char *
vb_test_console_expect (VbTestConsole *console, gsize from, const char *pattern,
                        guint timeout_ms)
{
  g_autoptr (GRegex) regex = g_regex_new (pattern, 0, 0, NULL);
  gint64 end = g_get_monotonic_time () + (gint64) timeout_ms * 1000;

  g_assert_nonnull (regex);
  for (;;)
    {
      g_autoptr (GMatchInfo) match = NULL;
      char buffer[4096];
      struct timeval timeout = { 0, 200000 };
      fd_set readable;
      ssize_t n;

      if (g_regex_match (regex, console->seen->str + from, 0, &match))
        {
          if (g_regex_get_capture_count (regex) > 0)
            return g_match_info_fetch (match, 1);
          return g_match_info_fetch (match, 0);
        }
      if (g_get_monotonic_time () > end)
        g_error ("the console did not show /%s/ within %u ms; it showed:\n%s", pattern,
                 timeout_ms, console->seen->str + from);
      FD_ZERO (&readable);
      FD_SET (console->fd, &readable);
      if (select (console->fd + 1, &readable, NULL, NULL, &timeout) <= 0)
        continue;
      n = read (console->fd, buffer, sizeof buffer);
      g_assert_cmpint (n, >, 0);
      g_string_append_len (console->seen, buffer, n);
    }
}

int
vb_test_console_run_output (VbTestConsole *console, const char *command, guint timeout_ms,
                            char **output)
{
  static int counter;
  int n = ++counter;
  gsize from = console->seen->len;
  /* The echo of the typed line shows "$((0+N))" and "$((0+$?))": only the
   * output has digits right after the marker's dash. */
  g_autofree char *line = g_strdup_printf (
    "echo vb-begin-%d-$((0+%d)); %s; echo vb-end-%d-$((0+$?))", n, n, command, n);
  g_autofree char *pattern = g_strdup_printf (
    "vb-begin-%d-%d\\r?\\n([\\s\\S]*?)vb-end-%d-([0-9]+)", n, n, n);
  g_autoptr (GRegex) regex = g_regex_new (pattern, 0, 0, NULL);
  g_autoptr (GMatchInfo) match = NULL;
  g_autofree char *status = NULL;

  vb_test_console_type (console, line);
  g_free (vb_test_console_expect (console, from, pattern, timeout_ms));
  g_assert_true (g_regex_match (regex, console->seen->str + from, 0, &match));
  status = g_match_info_fetch (match, 2);
  if (output)
    *output = g_match_info_fetch (match, 1);
  return atoi (status);
}

int
vb_test_console_run (VbTestConsole *console, const char *command, guint timeout_ms)
{
  return vb_test_console_run_output (console, command, timeout_ms, NULL);
}

char *
vb_test_console_output (VbTestConsole *console, const char *command, guint timeout_ms)
{
  char *output = NULL;
  int status = vb_test_console_run_output (console, command, timeout_ms, &output);

  if (status != 0)
    g_error ("'%s' in the guest exited with %d; it printed:\n%s", command, status, output);
  return output;
}

guint64
vb_test_last_counter (const char *text)
{
  const char *last = NULL;

  for (const char *p = strstr (text, "VB-COUNTER "); p; p = strstr (p + 1, "VB-COUNTER "))
    last = p;
  return last ? g_ascii_strtoull (last + strlen ("VB-COUNTER "), NULL, 10) : 0;
}

char *
vb_test_console_log (VbTestEnv *env, const char *uuid)
{
  return g_build_filename (env->run_dir, "qemu", uuid, "serial0.log", NULL);
}

char *
vb_test_console_log_of (VbTestEnv *env, const char *path)
{
  g_autofree char *uuid = vb_test_get_string (env, path, IFACE_DOMAIN, "UUID");
  return vb_test_console_log (env, uuid);
}

gboolean
vb_test_log_wait (const char *log, const char *needle, guint timeout_ms)
{
  gint64 end = g_get_monotonic_time () + (gint64) timeout_ms * 1000;

  for (;;)
    {
      g_autofree char *text = NULL;

      if (g_file_get_contents (log, &text, NULL, NULL) && strstr (text, needle))
        return TRUE;
      if (g_get_monotonic_time () > end)
        {
          g_test_message ("no '%s' in %s after %u ms; it holds:\n%s", needle, log, timeout_ms,
                          text ? text : "(nothing)");
          return FALSE;
        }
      vb_test_sleep_iterating (50);
    }
}

guint64
vb_test_log_last_counter (const char *log)
{
  g_autofree char *text = NULL;

  if (!g_file_get_contents (log, &text, NULL, NULL))
    return 0;
  return vb_test_last_counter (text);
}

char *
vb_test_console_answer (VbTestConsole *console, const char *command)
{
  g_autofree char *out = vb_test_console_output (console, command, 60000);
  g_auto (GStrv) lines = g_strsplit (out, "\n", -1);
  g_autoptr (GString) answer = g_string_new (NULL);

  for (guint i = 0; lines[i]; i++)
    {
      g_strstrip (lines[i]);
      if (*lines[i] && !strstr (lines[i], "VB-COUNTER"))
        g_string_append_printf (answer, "%s%s", answer->len ? "\n" : "", lines[i]);
    }
  return g_string_free (g_steal_pointer (&answer), FALSE);
}

