#include "ctl-progress.h"

#include <string.h>

char *
ctl_format_bytes (guint64 bytes)
{
  static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB", "PiB" };
  double value = bytes;
  guint unit = 0;
  char number[G_ASCII_DTOSTR_BUF_SIZE];

  while (value >= 1024 && unit + 1 < G_N_ELEMENTS (units))
    {
      value /= 1024;
      unit++;
    }
  if (unit == 0)
    return g_strdup_printf ("%" G_GUINT64_FORMAT " B", bytes);
  /* Not printf's %f: the same text in every locale. */
  return g_strdup_printf ("%s %s", g_ascii_formatd (number, sizeof number, "%.1f", value),
                          units[unit]);
}

char *
ctl_format_duration (gint64 seconds)
{
  if (seconds < 0)
    seconds = 0;
  if (seconds >= 3600)
    return g_strdup_printf ("%" G_GINT64_FORMAT ":%02d:%02d", seconds / 3600,
                            (int) (seconds / 60 % 60), (int) (seconds % 60));
  return g_strdup_printf ("%d:%02d", (int) (seconds / 60), (int) (seconds % 60));
}

/* The percentage, from Progress or else from the bytes; negative when
 * neither says. */
static int
percent (const CtlProgress *progress)
{
  double fraction = progress->progress;

  if (fraction < 0 && progress->total > 0)
    fraction = (double) progress->processed / (double) progress->total;
  if (fraction < 0)
    return -1;
  return (int) (CLAMP (fraction, 0.0, 1.0) * 100.0);
}

/* "12.0 MiB of 26.7 MiB", "12.0 MiB" when the total is unknown. */
static char *
amount (const CtlProgress *progress)
{
  g_autofree char *done = ctl_format_bytes (progress->processed);
  g_autofree char *total = NULL;

  if (progress->total == 0)
    return g_steal_pointer (&done);
  total = ctl_format_bytes (progress->total);
  return g_strdup_printf ("%s of %s", done, total);
}

/* What follows the bar: amount, rate, time left, phase. */
static char *
figures (const CtlProgress *progress)
{
  GString *text = g_string_new (NULL);
  g_autofree char *bytes = amount (progress);
  int pct = percent (progress);

  if (pct >= 0)
    g_string_append_printf (text, "%3d%%  ", pct);
  else
    g_string_append (text, " --%  ");
  g_string_append (text, bytes);
  if (progress->rate > 0)
    {
      g_autofree char *rate = ctl_format_bytes (progress->rate);

      g_string_append_printf (text, "  %s/s", rate);
    }
  if (progress->remaining >= 0)
    {
      g_autofree char *left = ctl_format_duration (progress->remaining);

      g_string_append_printf (text, "  %s left", left);
    }
  if (progress->phase && *progress->phase)
    g_string_append_printf (text, "  %s", progress->phase);
  return g_string_free (text, FALSE);
}

#define MIN_BAR 10

char *
ctl_progress_bar (const CtlProgress *progress, guint width)
{
  g_autofree char *text = figures (progress);
  GString *line = g_string_new (progress->title);
  guint used = strlen (progress->title) + 1 + 2 + 2 + strlen (text);
  int pct = percent (progress);

  g_string_append_c (line, ' ');
  if (used + MIN_BAR <= width)
    {
      guint inside = width - used;
      guint filled = pct >= 0 ? inside * (guint) pct / 100 : 0;

      g_string_append_c (line, '[');
      for (guint i = 0; i < inside; i++)
        g_string_append_c (line, i < filled ? '#' : (pct >= 0 ? '.' : ' '));
      g_string_append (line, "]  ");
    }
  g_string_append (line, text);
  /* A narrow terminal: cut, never wrap (a wrapped line cannot be redrawn). */
  if (width > 0 && line->len > width)
    g_string_truncate (line, width);
  return g_string_free (line, FALSE);
}

char *
ctl_progress_sentence (const CtlProgress *progress)
{
  GString *text = g_string_new (progress->title);
  g_autofree char *bytes = amount (progress);
  int pct = percent (progress);

  g_string_append (text, ": ");
  if (pct >= 0)
    g_string_append_printf (text, "%d%%, ", pct);
  g_string_append (text, bytes);
  if (progress->rate > 0)
    {
      g_autofree char *rate = ctl_format_bytes (progress->rate);

      g_string_append_printf (text, " at %s/s", rate);
    }
  if (progress->remaining >= 0)
    {
      g_autofree char *left = ctl_format_duration (progress->remaining);

      g_string_append_printf (text, ", %s left", left);
    }
  if (progress->phase && *progress->phase)
    g_string_append_printf (text, " (%s)", progress->phase);
  return g_string_free (text, FALSE);
}
