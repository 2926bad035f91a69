#include "ctl-number.h"

#include <errno.h>

#include "ctl-error.h"

static const struct {
  const char *suffix;
  guint64 bytes;
} units[] = {
  { "b", 1 },
  { "bytes", 1 },
  { "k", 1024 },
  { "kib", 1024 },
  { "kb", 1000 },
  { "m", 1024 * 1024 },
  { "mib", 1024 * 1024 },
  { "mb", 1000 * 1000 },
  { "g", G_GUINT64_CONSTANT (1) << 30 },
  { "gib", G_GUINT64_CONSTANT (1) << 30 },
  { "gb", G_GUINT64_CONSTANT (1000000000) },
  { "t", G_GUINT64_CONSTANT (1) << 40 },
  { "tib", G_GUINT64_CONSTANT (1) << 40 },
  { "tb", G_GUINT64_CONSTANT (1000000000000) },
};

gboolean
ctl_parse_number (const char *what, const char *text, guint64 max, guint64 *value, GError **error)
{
  if (g_ascii_string_to_unsigned (text, 10, 0, max, value, NULL))
    return TRUE;
  g_set_error (error, CTL_ERROR, CTL_ERROR_USAGE,
               "%s must be a whole number from 0 to %" G_GUINT64_FORMAT ", not '%s'", what, max,
               text);
  return FALSE;
}

/* @number with @suffix ("" means @bare bytes each), or FALSE. */
static gboolean
scale (guint64 number, const char *suffix, guint64 bare, guint64 *bytes)
{
  guint64 unit = *suffix ? 0 : bare;

  for (guint i = 0; !unit && i < G_N_ELEMENTS (units); i++)
    if (g_ascii_strcasecmp (suffix, units[i].suffix) == 0)
      unit = units[i].bytes;
  if (!unit || number > G_MAXUINT64 / unit)
    return FALSE;
  *bytes = number * unit;
  return TRUE;
}

gboolean
ctl_parse_size (const char *text, guint64 bare, guint64 *bytes)
{
  char *end = NULL;
  guint64 number = 0;

  errno = 0;
  if (g_ascii_isdigit (*text))
    number = g_ascii_strtoull (text, &end, 10);
  return end && errno == 0 && scale (number, end, bare, bytes);
}

gboolean
ctl_parse_bytes (const char *what, const char *text, guint64 *bytes, GError **error)
{
  if (ctl_parse_size (text, 1, bytes))
    return TRUE;
  g_set_error (error, CTL_ERROR, CTL_ERROR_USAGE,
               "%s '%s' is no size: a number of bytes, or with a unit such as 10M or 2GiB", what,
               text);
  return FALSE;
}

gboolean
ctl_option_number (CtlArgs *args, const char *option, guint64 max, guint64 *value, GError **error)
{
  const char *text = ctl_args_value (args, option);
  g_autofree char *what = g_strconcat ("--", option, NULL);

  return !text || ctl_parse_number (what, text, max, value, error);
}
