#include "ctl-input.h"

#include <gio/gio.h>
#include <gio/gunixinputstream.h>
#include <string.h>
#include <unistd.h>

#include "ctl-error.h"

static char *
read_stdin (GError **error)
{
  g_autoptr (GInputStream) in = g_unix_input_stream_new (STDIN_FILENO, FALSE);
  g_autoptr (GOutputStream) out = g_memory_output_stream_new_resizable ();

  if (g_output_stream_splice (out, in, G_OUTPUT_STREAM_SPLICE_NONE, NULL, error) < 0)
    return NULL;
  /* A NUL ends the text. */
  if (!g_output_stream_write_all (out, "", 1, NULL, NULL, error)
      || !g_output_stream_close (out, NULL, error))
    return NULL;
  return g_memory_output_stream_steal_data (G_MEMORY_OUTPUT_STREAM (out));
}

char *
ctl_read_input (const char *file, GError **error)
{
  g_autoptr (GError) local = NULL;
  char *text = NULL;

  if (strcmp (file, "-") == 0)
    text = read_stdin (&local);
  else
    g_file_get_contents (file, &text, NULL, &local);
  if (local)
    {
      g_set_error (error, CTL_ERROR, CTL_ERROR_FAILED, "cannot read %s: %s",
                   strcmp (file, "-") == 0 ? "standard input" : file, local->message);
      return NULL;
    }
  if (!g_utf8_validate (text, -1, NULL))
    {
      g_set_error (error, CTL_ERROR, CTL_ERROR_FAILED, "%s is not UTF-8 text", file);
      g_free (text);
      return NULL;
    }
  return text;
}
