/* Disks from descriptors a client handed over (<disk type='file'><source
 * fdgroup='NAME'>, Domain.FDAssociate): each group is one fdset of QEMU's,
 * numbered by the order of the groups' first use in the definition, so the
 * number depends on the XML alone; the disk's file is /dev/fdset/N and the
 * descriptors reach QEMU at Start (qemu-host-fdgroup.c). The name is never
 * on the command line. */
#include "qemu-command-private.h"

/* The distinct fdgroup names of the domain's disks, in document order. */
static GPtrArray *
group_names (xmlNode *node)
{
  GPtrArray *names = g_ptr_array_new_with_free_func (g_free);
  xmlNode *root = xmlDocGetRootElement (node->doc);
  xmlNode *devices = vb_xml_child (root, "devices");

  for (xmlNode *disk = vb_xml_child (devices, "disk"); disk; disk = vb_xml_next (disk, "disk"))
    {
      g_autofree char *name = vb_xml_attr (vb_xml_child (disk, "source"), "fdgroup");

      if (name && !g_ptr_array_find_with_equal_func (names, name, g_str_equal, NULL))
        g_ptr_array_add (names, g_steal_pointer (&name));
    }
  return names;
}

guint
vb_qemu_fdgroup_set (xmlNode *node, const char *name)
{
  g_autoptr (GPtrArray) names = group_names (node);
  guint index = 0;

  /* Not found only for a disk outside the domain's <devices> (a plugged
   * one, which is refused before): the first set then. */
  g_ptr_array_find_with_equal_func (names, name, g_str_equal, &index);
  return VB_QEMU_FDGROUP_FIRST_SET + index;
}

/* Whether a qcow2 disk of the domain uses group @name (its images are
 * checked at Start for a backing file, which QEMU would not open). */
static gboolean
used_by_qcow2 (xmlNode *root, const char *name)
{
  xmlNode *devices = vb_xml_child (root, "devices");

  for (xmlNode *disk = vb_xml_child (devices, "disk"); disk; disk = vb_xml_next (disk, "disk"))
    if (vb_xml_attr_is (vb_xml_child (disk, "source"), "fdgroup", name)
        && vb_xml_attr_is (vb_xml_child (disk, "driver"), "type", "qcow2"))
      return TRUE;
  return FALSE;
}

void
vb_qemu_build_fdgroups (Builder *b)
{
  g_autoptr (GPtrArray) names = group_names (b->root);

  for (guint i = 0; i < names->len; i++)
    {
      gboolean qcow2 = used_by_qcow2 (b->root, names->pdata[i]);
      g_autofree char *value =
        g_strdup_printf ("fd=@FDGROUP%u@,set=%u", i, VB_QEMU_FDGROUP_FIRST_SET + i);

      g_array_append_val (b->command->fdgroup_qcow2, qcow2);

      add2 (b, "-add-fd", value);
      g_ptr_array_add (b->command->fdgroups, g_strdup (names->pdata[i]));
    }
}
