/* A domain's fd groups: a table on the VbDomain object's data, so that it
 * goes (and its descriptors are closed) when the object does. */
#include "domain-fdgroups.h"

#include <unistd.h>

#define FDGROUPS_KEY "vb-domain-fdgroups"

/* The descriptors every domain's groups hold, in the service's one table
 * of open files (main loop only). */
static guint held;

static void
fds_free (GArray *fds)
{
  held -= fds->len;
  for (guint i = 0; i < fds->len; i++)
    close (g_array_index (fds, int, i));
  g_array_unref (fds);
}

gboolean
vb_domain_fdgroup_fits (VbDomain *domain, const char *name, guint count)
{
  GArray *old = vb_domain_fdgroup_get (domain, name);

  return held - (old ? old->len : 0) + count <= VB_FDGROUPS_MAX_HELD;
}

void
vb_domain_fdgroup_set (VbDomain *domain, const char *name, GArray *fds)
{
  GHashTable *groups = g_object_get_data (G_OBJECT (domain), FDGROUPS_KEY);

  if (!groups)
    {
      groups = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) fds_free);
      g_object_set_data_full (G_OBJECT (domain), FDGROUPS_KEY, groups,
                              (GDestroyNotify) g_hash_table_unref);
    }
  held += fds->len;
  g_hash_table_replace (groups, g_strdup (name), fds);
}

GArray *
vb_domain_fdgroup_get (VbDomain *domain, const char *name)
{
  GHashTable *groups = g_object_get_data (G_OBJECT (domain), FDGROUPS_KEY);

  return groups ? g_hash_table_lookup (groups, name) : NULL;
}
