/* tmux as the terminal of a test: see vb-test-pane.h. */
#include "vb-test-pane.h"

#include <gio/gio.h>
#include <string.h>

struct _VbPane {
  char *socket;
};

static char *
tmux (VbPane *self, const char *const *args)
{
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  g_autoptr (GSubprocess) process = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *err = NULL;
  char *out = NULL;

  g_ptr_array_add (argv, "tmux");
  g_ptr_array_add (argv, "-S");
  g_ptr_array_add (argv, self->socket);
  for (guint i = 0; args[i]; i++)
    g_ptr_array_add (argv, (gpointer) args[i]);
  g_ptr_array_add (argv, NULL);
  process =
    g_subprocess_newv ((const char *const *) argv->pdata,
                       G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE, &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (process, NULL, NULL, &out, &err, &error);
  g_assert_no_error (error);
  if (!g_subprocess_get_successful (process))
    g_error ("tmux %s failed: %s", args[0], err);
  return out;
}

VbPane *
vb_pane_new (const char *tmpdir, const char *command, guint width)
{
  VbPane *self = g_new0 (VbPane, 1);
  g_autofree char *width_text = g_strdup_printf ("%u", width);
  /* The status shows when it ends; the pane stays to be read. A trap (not
   * an ignore, which the command would inherit) keeps the shell alive
   * through a Ctrl-C sent to the command. */
  g_autofree char *wrapped =
    g_strdup_printf ("trap : INT; %s; echo \"[exit $?]\"; sleep 600", command);
  g_autofree char *out = NULL;

  if (!g_find_program_in_path ("tmux"))
    g_error ("tmux is missing: install the package tmux (dev.sh does)");
  self->socket = g_build_filename (tmpdir, "tmux.sock", NULL);
  out = tmux (self, (const char *[]){ "new-session", "-d", "-s", "vbtest", "-x", width_text, "-y",
                                      "30", "sh", "-c", wrapped, NULL });
  return self;
}

void
vb_pane_free (VbPane *self)
{
  g_autofree char *out = NULL;

  if (!self)
    return;
  out = tmux (self, (const char *[]){ "kill-server", NULL });
  g_free (self->socket);
  g_free (self);
}

char *
vb_pane_capture (VbPane *self)
{
  /* -J: a line the terminal wrapped comes back whole. */
  return tmux (self, (const char *[]){ "capture-pane", "-p", "-J", "-t", "vbtest", NULL });
}

gboolean
vb_pane_wait_text (VbPane *self, const char *needle, guint timeout_ms)
{
  gint64 end = g_get_monotonic_time () + (gint64) timeout_ms * 1000;

  while (g_get_monotonic_time () < end)
    {
      g_autofree char *screen = vb_pane_capture (self);

      if (strstr (screen, needle))
        return TRUE;
      g_usleep (50 * 1000);
    }
  return FALSE;
}

char *
vb_pane_line_with (VbPane *self, const char *needle)
{
  g_autofree char *screen = vb_pane_capture (self);
  g_auto (GStrv) lines = g_strsplit (screen, "\n", -1);
  char *found = NULL;

  for (guint i = 0; lines[i]; i++)
    if (strstr (lines[i], needle))
      {
        g_free (found);
        found = g_strchomp (g_strdup (lines[i]));
      }
  return found;
}

void
vb_pane_send_keys (VbPane *self, const char *keys)
{
  g_autofree char *out = tmux (self, (const char *[]){ "send-keys", "-t", "vbtest", keys, NULL });
}
