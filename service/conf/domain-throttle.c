/* <throttlegroups> and <throttlefilters>: what no host could run (a group
 * without a name or with two, limits QEMU's throttling refuses, a filter
 * naming no group) is refused at define. */
#include "domain-throttle.h"

#include <string.h>

#include "vb-error.h"
#include "xml-schema.h"

/* Longer names are no use to anyone and only lengthen QEMU's ids. */
#define NAME_MAX_LENGTH 64

static gboolean
name_ok (const char *name)
{
  size_t length = strlen (name);

  return length > 0 && length <= NAME_MAX_LENGTH
         && strspn (name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-")
              == length;
}

gboolean
vb_throttle_group_read (xmlNode *group, VbDiskIoTune *tune, GError **error)
{
  xmlNode *name = vb_xml_child (group, "group_name");

  if (!name)
    {
      g_set_error (error, VB_ERROR, VB_ERROR_INVALID_XML,
                   "<throttlegroup> at line %ld has no <group_name>", vb_xml_line (group));
      return FALSE;
    }
  if (!vb_iotune_read_element (group, tune, error))
    return FALSE;
  g_strstrip (tune->group_name);
  if (!name_ok (tune->group_name))
    {
      g_set_error (error, VB_ERROR, VB_ERROR_INVALID_XML,
                   "<group_name> at line %ld: a throttle group's name is 1 to %d letters, "
                   "digits, '_', '.' or '-'",
                   vb_xml_line (name), NAME_MAX_LENGTH);
      vb_disk_iotune_clear (tune);
      return FALSE;
    }
  return TRUE;
}

static gboolean
check_filters (xmlNode *disk, GHashTable *groups, GError **error)
{
  xmlNode *filters = vb_xml_child (disk, "throttlefilters");

  for (xmlNode *filter = vb_xml_child (filters, "throttlefilter"); filter;
       filter = vb_xml_next (filter, "throttlefilter"))
    {
      g_autofree char *group = vb_xml_attr (filter, "group");

      if (!g_hash_table_contains (groups, g_strstrip (group)))
        {
          g_set_error (error, VB_ERROR, VB_ERROR_INVALID_XML,
                       "<throttlefilter> at line %ld names group '%s', which <throttlegroups> "
                       "does not define",
                       vb_xml_line (filter), group);
          return FALSE;
        }
    }
  return TRUE;
}

gboolean
vb_domain_throttle_check (xmlNode *root, gboolean fragment, GError **error)
{
  g_autoptr (GHashTable) groups = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  xmlNode *devices = vb_xml_child (root, "devices");

  for (xmlNode *group = vb_xml_child (vb_xml_child (root, "throttlegroups"), "throttlegroup");
       group; group = vb_xml_next (group, "throttlegroup"))
    {
      VbDiskIoTune tune;

      if (!vb_throttle_group_read (group, &tune, error))
        return FALSE;
      if (g_hash_table_contains (groups, tune.group_name))
        {
          g_set_error (error, VB_ERROR, VB_ERROR_INVALID_XML,
                       "<throttlegroup> at line %ld: a second group named '%s'",
                       vb_xml_line (group), tune.group_name);
          vb_disk_iotune_clear (&tune);
          return FALSE;
        }
      g_hash_table_add (groups, g_steal_pointer (&tune.group_name));
      vb_disk_iotune_clear (&tune);
    }
  /* A device alone names groups of the domain it goes into, whose
   * definition is checked with it. */
  if (fragment)
    return TRUE;
  for (xmlNode *disk = vb_xml_child (devices, "disk"); disk; disk = vb_xml_next (disk, "disk"))
    if (!check_filters (disk, groups, error))
      return FALSE;
  return TRUE;
}
