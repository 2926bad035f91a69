#include "vb-log.h"

#include <stdio.h>

static gboolean log_verbose;

void
vb_log (GLogLevelFlags level, const char *object, const char *format, ...)
{
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);

  if (object)
    g_log_structured ("virtbus", level, "VB_OBJECT", object, "MESSAGE", "%s: %s", object,
                      message);
  else
    g_log_structured ("virtbus", level, "MESSAGE", "%s", message);
}

static const char *
level_name (GLogLevelFlags level)
{
  if (level & G_LOG_LEVEL_ERROR)
    return "error";
  if (level & G_LOG_LEVEL_CRITICAL)
    return "critical";
  if (level & G_LOG_LEVEL_WARNING)
    return "warning";
  if (level & G_LOG_LEVEL_MESSAGE)
    return "notice";
  if (level & G_LOG_LEVEL_INFO)
    return "info";
  return "debug";
}

static GLogWriterOutput
write_log (GLogLevelFlags level, const GLogField *fields, gsize n_fields, gpointer user_data)
{
  const char *message = NULL;
  gsize i;

  if (!log_verbose && (level & (G_LOG_LEVEL_DEBUG | G_LOG_LEVEL_INFO)))
    return G_LOG_WRITER_HANDLED;
  if (g_log_writer_is_journald (fileno (stderr)))
    return g_log_writer_journald (level, fields, n_fields, user_data);

  for (i = 0; i < n_fields; i++)
    if (g_str_equal (fields[i].key, "MESSAGE"))
      message = fields[i].value;
  fprintf (stderr, "%.3f virtbusd[%s]: %s\n", g_get_monotonic_time () / 1000.0, level_name (level), message ? message : "");
  fflush (stderr);
  return G_LOG_WRITER_HANDLED;
}

void
vb_log_setup (gboolean verbose)
{
  log_verbose = verbose;
  g_log_set_writer_func (write_log, NULL, NULL);
}
