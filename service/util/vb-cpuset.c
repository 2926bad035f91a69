#include "vb-cpuset.h"

#include <stdarg.h>

/* Reads the decimal number at *@p (digits only), moving *@p past it. */
static gboolean
read_number (const char **p, guint *value)
{
  guint64 n = 0;

  if (!g_ascii_isdigit (**p))
    return FALSE;
  while (g_ascii_isdigit (**p))
    {
      n = n * 10 + (guint64) (**p - '0');
      if (n >= VB_CPUSET_MAX)
        return FALSE;
      (*p)++;
    }
  *value = (guint) n;
  return TRUE;
}

static void
skip_blanks (const char **p)
{
  while (**p == ' ' || **p == '\t' || **p == '\n')
    (*p)++;
}

static GArray *fail (char **problem, const char *format, ...) G_GNUC_PRINTF (2, 3);

static GArray *
fail (char **problem, const char *format, ...)
{
  va_list args;

  if (problem)
    {
      va_start (args, format);
      *problem = g_strdup_vprintf (format, args);
      va_end (args);
    }
  return NULL;
}

GArray *
vb_cpuset_parse (const char *text, char **problem)
{
  g_autofree gboolean *in = g_new0 (gboolean, VB_CPUSET_MAX);
  g_autofree gboolean *out = g_new0 (gboolean, VB_CPUSET_MAX);
  const char *p = text;
  GArray *cpus;

  if (!text)
    return fail (problem, "no CPUs given");
  /* Inclusions and exclusions in any order: "^2,0-3" is "0-1,3" too. */
  for (;;)
    {
      gboolean exclude = FALSE;
      guint first, last;

      skip_blanks (&p);
      if (*p == '^')
        {
          exclude = TRUE;
          p++;
        }
      if (!read_number (&p, &first))
        return fail (problem, "expected a CPU number below %d at '%s'", VB_CPUSET_MAX, p);
      last = first;
      skip_blanks (&p);
      if (*p == '-' && !exclude)
        {
          p++;
          skip_blanks (&p);
          if (!read_number (&p, &last) || last < first)
            return fail (problem, "a range ends at a CPU number below %d, not before its start",
                         VB_CPUSET_MAX);
          skip_blanks (&p);
        }
      for (guint cpu = first; cpu <= last; cpu++)
        (exclude ? out : in)[cpu] = TRUE;
      if (*p == '\0')
        break;
      if (*p != ',')
        return fail (problem, "unexpected '%c'", *p);
      p++;
    }
  cpus = g_array_new (FALSE, FALSE, sizeof (guint));
  for (guint cpu = 0; cpu < VB_CPUSET_MAX; cpu++)
    if (in[cpu] && !out[cpu])
      g_array_append_val (cpus, cpu);
  if (cpus->len == 0)
    {
      g_array_unref (cpus);
      return fail (problem, "it names no CPU");
    }
  return cpus;
}

char *
vb_cpuset_format (const GArray *cpus)
{
  GString *out = g_string_new (NULL);

  for (guint i = 0; i < cpus->len;)
    {
      guint first = g_array_index (cpus, guint, i);
      guint j = i;

      while (j + 1 < cpus->len
             && g_array_index (cpus, guint, j + 1) == g_array_index (cpus, guint, j) + 1)
        j++;
      if (out->len)
        g_string_append_c (out, ',');
      if (j == i)
        g_string_append_printf (out, "%u", first);
      else
        g_string_append_printf (out, "%u-%u", first, g_array_index (cpus, guint, j));
      i = j + 1;
    }
  return g_string_free (out, FALSE);
}

gboolean
vb_cpuset_has (const GArray *cpus, guint cpu)
{
  for (guint i = 0; i < cpus->len; i++)
    if (g_array_index (cpus, guint, i) == cpu)
      return TRUE;
  return FALSE;
}
