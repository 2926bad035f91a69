#include "qemu-machine-names.h"

#include <stdlib.h>
#include <string.h>

/* Splits "pc-q35-7.2" into its family "pc-q35-" and version {7, 2}; the old
 * "pc-0.13" names were i440fx machines. FALSE without a version. */
static gboolean
split_name (const char *name, char **family, GArray **version)
{
  const char *start = name + strlen (name);
  g_auto (GStrv) parts = NULL;

  while (start > name && (g_ascii_isdigit (start[-1]) || start[-1] == '.'))
    start--;
  if (!*start || !g_ascii_isdigit (*start) || start == name || start[-1] != '-')
    return FALSE;
  *family = g_strndup (name, start - name);
  if (g_str_equal (*family, "pc-"))
    {
      g_free (*family);
      *family = g_strdup ("pc-i440fx-");
    }
  *version = g_array_new (FALSE, FALSE, sizeof (guint));
  parts = g_strsplit (start, ".", -1);
  for (guint i = 0; parts[i]; i++)
    {
      guint n = (guint) strtoul (parts[i], NULL, 10);

      g_array_append_val (*version, n);
    }
  return TRUE;
}

static int
compare_versions (GArray *a, GArray *b)
{
  for (guint i = 0; i < MAX (a->len, b->len); i++)
    {
      guint x = i < a->len ? g_array_index (a, guint, i) : 0;
      guint y = i < b->len ? g_array_index (b, guint, i) : 0;

      if (x != y)
        return x < y ? -1 : 1;
    }
  return 0;
}

/* A distribution's own name in a family ("pc-i440fx-wily", Ubuntu's;
 * "pc-q35-rhel9.2.0", RHEL's): its family's alias, when this QEMU has it. */
static char *
distribution_family (const char *wanted, const char *const *machines)
{
  const char *alias = g_str_has_prefix (wanted, "pc-i440fx-") ? "pc"
                      : g_str_has_prefix (wanted, "pc-q35-")  ? "q35"
                                                              : NULL;

  return alias && g_strv_contains (machines, alias) ? g_strdup (alias) : NULL;
}

char *
vb_qemu_closest_machine (const char *wanted, const char *const *machines)
{
  g_autofree char *family = NULL;
  g_autoptr (GArray) version = NULL;
  const char *below = NULL, *above = NULL;
  g_autoptr (GArray) below_version = NULL;
  g_autoptr (GArray) above_version = NULL;

  if (!machines)
    return NULL;
  if (!split_name (wanted, &family, &version))
    return distribution_family (wanted, machines);
  for (guint i = 0; machines[i]; i++)
    {
      g_autofree char *other_family = NULL;
      g_autoptr (GArray) other = NULL;

      if (!split_name (machines[i], &other_family, &other) || !g_str_equal (family, other_family))
        continue;
      if (compare_versions (other, version) <= 0)
        {
          if (!below || compare_versions (other, below_version) > 0)
            {
              below = machines[i];
              g_clear_pointer (&below_version, g_array_unref);
              below_version = g_steal_pointer (&other);
            }
        }
      else if (!above || compare_versions (other, above_version) < 0)
        {
          above = machines[i];
          g_clear_pointer (&above_version, g_array_unref);
          above_version = g_steal_pointer (&other);
        }
    }
  return g_strdup (below ? below : above);
}
