/* A bash in a tmux pane: see vb-test-tmux.h. */
#include "vb-test-tmux.h"

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

#include "vb-test-ctl.h"

#define PANE "vbtest:0.0"

gboolean
vb_tmux_available (void)
{
  g_autofree char *tmux = g_find_program_in_path ("tmux");

  if (!tmux)
    g_test_skip ("tmux is not installed (./dev.sh installs it)");
  return tmux != NULL;
}

/* tmux @args on the test's server, with @envp (NULL: the test's
 * environment); its output. */
static char *
tmux_run_env (VbTmux *tmux, const char *const *args, char **envp)
{
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autoptr (GError) error = NULL;
  int status;

  g_ptr_array_add (argv, "tmux");
  g_ptr_array_add (argv, "-S");
  g_ptr_array_add (argv, tmux->socket);
  g_ptr_array_add (argv, "-f");
  g_ptr_array_add (argv, "/dev/null");
  for (guint i = 0; args[i]; i++)
    g_ptr_array_add (argv, (gpointer) args[i]);
  g_ptr_array_add (argv, NULL);
  g_spawn_sync (tmux->dir, (char **) argv->pdata, envp, G_SPAWN_SEARCH_PATH, NULL, NULL, &out, &err,
                &status, &error);
  g_assert_no_error (error);
  if (!g_spawn_check_wait_status (status, NULL))
    g_error ("tmux %s failed: %s", args[0], err);
  return g_steal_pointer (&out);
}

static char *
tmux_run (VbTmux *tmux, const char *const *args)
{
  return tmux_run_env (tmux, args, NULL);
}

VbTmux *
vb_tmux_new (const char *dir)
{
  VbTmux *tmux = g_new0 (VbTmux, 1);
  g_autofree char *bin = g_path_get_dirname (vb_ctl_path ());
  g_autofree char *path = g_strconcat (bin, ":", g_getenv ("PATH"), NULL);
  g_autofree char *completion = NULL;
  g_autofree char *source = NULL;
  g_autofree char *root = g_strdup (g_getenv ("VB_SOURCE_ROOT"));
  const char *source_root = root ? root : ".";
  g_autofree char *out = NULL;

  tmux->dir = g_strdup (dir);
  tmux->socket = g_build_filename (dir, "tmux.socket", NULL);
  completion = g_build_filename (source_root, "objects", "ctl", "virtbusctl.bash", NULL);
  {
    /* tmux gives the pane the PATH of the client that made the session. */
    g_auto (GStrv) envp = g_environ_setenv (g_get_environ (), "PATH", path, TRUE);
    /* The shell hangs up when the test is gone, even killed: the session
     * ends, and with it the tmux server. */
    g_autofree char *shell =
      g_strdup_printf ("(while kill -0 %d 2>/dev/null; do sleep 1; done; kill -HUP $$) & "
                       "exec bash --norc --noprofile -i",
                       (int) getpid ());
    const char *args[] = {
      "new-session", "-d",      "-s",     "vbtest", "-x",         "160", "-y",
      "50",          "-e",      "PS1=$ ", "-e",     "TERM=xterm", "-e",  "LC_ALL=C.UTF-8",
      "--",          "/bin/sh", "-c",     shell,    NULL
    };

    out = tmux_run_env (tmux, args, envp);
  }
  /* The shell a person of virtbusctl has: its completion, loaded as
   * bash-completion would load the installed file. */
  source = g_strdup_printf ("source '%s'; clear", completion);
  vb_tmux_type (tmux, source);
  vb_tmux_keys (tmux, "Enter");
  g_free (vb_tmux_wait (tmux, "^\\$ $", 10000));
  return tmux;
}

void
vb_tmux_free (VbTmux *tmux)
{
  const char *args[] = { "kill-server", NULL };

  if (!tmux)
    return;
  g_free (tmux_run (tmux, args));
  g_free (tmux->socket);
  g_free (tmux->dir);
  g_free (tmux);
}

void
vb_tmux_type (VbTmux *tmux, const char *text)
{
  /* tmux reads an argument that ends in ';' as the end of its command, and
   * one that ends in \; as text ending in ';' (the backslash dropped). */
  g_autofree char *escaped = g_str_has_suffix (text, ";")
                               ? g_strdup_printf ("%.*s\\;", (int) strlen (text) - 1, text)
                               : g_strdup (text);
  const char *args[] = { "send-keys", "-t", PANE, "-l", "--", escaped, NULL };

  g_free (tmux_run (tmux, args));
}

void
vb_tmux_keys (VbTmux *tmux, const char *key)
{
  const char *args[] = { "send-keys", "-t", PANE, key, NULL };

  g_free (tmux_run (tmux, args));
}

void
vb_tmux_paste (VbTmux *tmux, const char *text, gsize size)
{
  g_autofree char *file = g_build_filename (tmux->dir, "tmux-paste", NULL);
  const char *load[] = { "load-buffer", "-b", "vbtest", file, NULL };
  /* -r: the bytes as they are (no LF turned into CR); -d: the buffer goes. */
  const char *paste[] = { "paste-buffer", "-r", "-d", "-b", "vbtest", "-t", PANE, NULL };
  g_autoptr (GError) error = NULL;

  g_file_set_contents (file, text, (gssize) size, &error);
  g_assert_no_error (error);
  g_free (tmux_run (tmux, load));
  g_free (tmux_run (tmux, paste));
  g_unlink (file);
}

char *
vb_tmux_screen (VbTmux *tmux)
{
  const char *args[] = { "capture-pane", "-p", "-J", "-S", "-500", "-t", PANE, NULL };

  return tmux_run (tmux, args);
}

char *
vb_tmux_wait (VbTmux *tmux, const char *pattern, guint timeout_ms)
{
  g_autoptr (GRegex) regex = g_regex_new (pattern, G_REGEX_MULTILINE, 0, NULL);
  gint64 end = g_get_monotonic_time () + (gint64) timeout_ms * 1000;

  g_assert_nonnull (regex);
  for (;;)
    {
      g_autofree char *screen = vb_tmux_screen (tmux);
      g_autoptr (GMatchInfo) match = NULL;

      if (g_regex_match (regex, screen, 0, &match))
        return g_match_info_fetch (match, g_regex_get_capture_count (regex) > 0 ? 1 : 0);
      if (g_get_monotonic_time () > end)
        g_error ("the terminal did not show /%s/ within %u ms; it shows:\n%s", pattern, timeout_ms,
                 screen);
      g_usleep (100 * 1000);
    }
}
