/* <iotune>: the disk's limits as numbers, with QEMU's rules checked here
 * once for define, start and SetBlockIoTune. */
#include "disk-iotune.h"

#include <stdarg.h>
#include <string.h>

#include "vb-error.h"
#include "xml-schema.h"

const char *const vb_iotune_names[VB_IOTUNE_N_VALUES] = {
  "total_bytes_sec",
  "read_bytes_sec",
  "write_bytes_sec",
  "total_iops_sec",
  "read_iops_sec",
  "write_iops_sec",
  "total_bytes_sec_max",
  "read_bytes_sec_max",
  "write_bytes_sec_max",
  "total_iops_sec_max",
  "read_iops_sec_max",
  "write_iops_sec_max",
  "size_iops_sec",
  "total_bytes_sec_max_length",
  "read_bytes_sec_max_length",
  "write_bytes_sec_max_length",
  "total_iops_sec_max_length",
  "read_iops_sec_max_length",
  "write_iops_sec_max_length",
};

const char *const vb_iotune_qmp_names[VB_IOTUNE_N_VALUES] = {
  "bps",
  "bps_rd",
  "bps_wr",
  "iops",
  "iops_rd",
  "iops_wr",
  "bps_max",
  "bps_rd_max",
  "bps_wr_max",
  "iops_max",
  "iops_rd_max",
  "iops_wr_max",
  "iops_size",
  "bps_max_length",
  "bps_rd_max_length",
  "bps_wr_max_length",
  "iops_max_length",
  "iops_rd_max_length",
  "iops_wr_max_length",
};

/* The six rates, each with its maximum and burst length (QEMU's buckets). */
#define RATES 6
#define MAX_OF(rate) ((rate) + VB_IOTUNE_TOTAL_BYTES_SEC_MAX)
#define LENGTH_OF(rate) ((rate) + VB_IOTUNE_TOTAL_BYTES_SEC_MAX_LENGTH)

void
vb_disk_iotune_clear (VbDiskIoTune *tune)
{
  g_clear_pointer (&tune->group_name, g_free);
  memset (tune->values, 0, sizeof tune->values);
}

gboolean
vb_disk_iotune_limits (const VbDiskIoTune *tune)
{
  for (guint i = 0; i < VB_IOTUNE_N_VALUES; i++)
    if (tune->values[i])
      return TRUE;
  return FALSE;
}

static gboolean invalid (GError **error, const char *format, ...) G_GNUC_PRINTF (2, 3);

static gboolean
invalid (GError **error, const char *format, ...)
{
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error_literal (error, VB_ERROR, VB_ERROR_INVALID_ARGUMENT, message);
  return FALSE;
}

gboolean
vb_disk_iotune_check (const VbDiskIoTune *tune, GError **error)
{
  const guint64 *v = tune->values;

  for (guint i = 0; i < VB_IOTUNE_N_VALUES; i++)
    if (v[i] > VB_IOTUNE_VALUE_MAX)
      return invalid (error, "I/O limit %s is too large: at most %" G_GUINT64_FORMAT,
                      vb_iotune_names[i], VB_IOTUNE_VALUE_MAX);
  /* A total and its read/write split, for the rates and the maxima. */
  for (guint base = 0; base <= VB_IOTUNE_TOTAL_IOPS_SEC_MAX; base += 3)
    {
      if (v[base] && (v[base + 1] || v[base + 2]))
        return invalid (error, "I/O limits %s and %s/%s cannot be set together",
                        vb_iotune_names[base], vb_iotune_names[base + 1],
                        vb_iotune_names[base + 2]);
    }
  for (guint rate = 0; rate < RATES; rate++)
    {
      guint64 avg = v[rate], max = v[MAX_OF (rate)], length = v[LENGTH_OF (rate)];

      if (max && !avg)
        return invalid (error, "I/O limit %s needs %s", vb_iotune_names[MAX_OF (rate)],
                        vb_iotune_names[rate]);
      if (max && max < avg)
        return invalid (error, "I/O limit %s cannot be lower than %s",
                        vb_iotune_names[MAX_OF (rate)], vb_iotune_names[rate]);
      if (length && !max)
        return invalid (error, "I/O limit %s needs %s", vb_iotune_names[LENGTH_OF (rate)],
                        vb_iotune_names[MAX_OF (rate)]);
      if (length && max && length > VB_IOTUNE_VALUE_MAX / max)
        return invalid (error, "I/O limit %s is too long for %s %" G_GUINT64_FORMAT,
                        vb_iotune_names[LENGTH_OF (rate)], vb_iotune_names[MAX_OF (rate)], max);
    }
  if (tune->group_name && !*tune->group_name)
    return invalid (error, "the I/O limits' group_name cannot be empty");
  return TRUE;
}

gboolean
vb_disk_iotune_read (xmlNode *disk, VbDiskIoTune *tune, GError **error)
{
  return vb_iotune_read_element (vb_xml_child (disk, "iotune"), tune, error);
}

gboolean
vb_iotune_read_element (xmlNode *iotune, VbDiskIoTune *tune, GError **error)
{
  g_autoptr (GError) why = NULL;

  memset (tune, 0, sizeof *tune);
  if (!iotune)
    return TRUE;
  for (guint i = 0; i < VB_IOTUNE_N_VALUES; i++)
    {
      xmlNode *node = vb_xml_child (iotune, vb_iotune_names[i]);
      g_autofree char *text = node ? vb_xml_text (node) : NULL;

      if (text && !vb_xml_parse_unsigned (g_strstrip (text), 10, G_MAXUINT64, &tune->values[i]))
        {
          g_set_error (error, VB_ERROR, VB_ERROR_INVALID_XML, "<%s> at line %ld is not a number",
                       vb_iotune_names[i], vb_xml_line (node));
          return FALSE;
        }
    }
  if (vb_xml_child (iotune, "group_name"))
    tune->group_name = vb_xml_text (vb_xml_child (iotune, "group_name"));
  if (!vb_disk_iotune_check (tune, &why))
    {
      g_set_error (error, VB_ERROR, VB_ERROR_INVALID_XML, "<%s> at line %ld: %s",
                   (const char *) iotune->name, vb_xml_line (iotune), why->message);
      vb_disk_iotune_clear (tune);
      return FALSE;
    }
  return TRUE;
}

void
vb_disk_iotune_write (xmlNode *disk, const VbDiskIoTune *tune)
{
  xmlNode *iotune;
  xmlNode *target = vb_xml_child (disk, "target");

  vb_xml_remove_children (disk, "iotune");
  if (!vb_disk_iotune_limits (tune) && !tune->group_name)
    return;
  iotune = xmlNewDocNode (disk->doc, NULL, BAD_CAST "iotune", NULL);
  if (target)
    xmlAddNextSibling (target, iotune);
  else
    xmlAddChild (disk, iotune);
  /* libvirt's order: the rates and maxima, group_name, then the lengths. */
  for (guint i = 0; i < VB_IOTUNE_N_VALUES; i++)
    {
      if (i == VB_IOTUNE_TOTAL_BYTES_SEC_MAX_LENGTH && tune->group_name)
        xmlNewTextChild (iotune, NULL, BAD_CAST "group_name", BAD_CAST tune->group_name);
      if (tune->values[i])
        {
          g_autofree char *text = g_strdup_printf ("%" G_GUINT64_FORMAT, tune->values[i]);

          xmlNewTextChild (iotune, NULL, BAD_CAST vb_iotune_names[i], BAD_CAST text);
        }
    }
}

xmlNode *
vb_disk_iotune_find_disk (xmlNode *root, const char *target)
{
  xmlNode *devices = vb_xml_child (root, "devices");

  for (xmlNode *disk = vb_xml_child (devices, "disk"); disk; disk = vb_xml_next (disk, "disk"))
    {
      g_autofree char *dev = vb_xml_attr (vb_xml_child (disk, "target"), "dev");

      if (g_strcmp0 (dev, target) == 0)
        return disk;
    }
  return NULL;
}

static gboolean
no_disk (const char *target, GError **error)
{
  g_set_error (error, VB_ERROR, VB_ERROR_INVALID_ARGUMENT, "The domain has no disk '%s'", target);
  return FALSE;
}

VbDomainDef *
vb_domain_def_with_iotune (const VbDomainDef *def, const char *target, const VbDiskIoTune *tune,
                           gboolean live, GError **error)
{
  g_autoptr (xmlDoc) doc = vb_xml_parse (def->xml, "domain", error);
  g_autofree char *xml = NULL;
  xmlNode *disk;

  if (!doc)
    return NULL;
  disk = vb_disk_iotune_find_disk (xmlDocGetRootElement (doc), target);
  if (!disk)
    {
      no_disk (target, error);
      return NULL;
    }
  /* libvirt's rule, as define's (docs/xml-subset.md, "Throttle groups"). */
  if (vb_xml_child (vb_xml_child (disk, "throttlefilters"), "throttlefilter")
      && (vb_disk_iotune_limits (tune) || tune->group_name))
    {
      g_set_error (error, VB_ERROR, VB_ERROR_NOT_SUPPORTED,
                   "Disk '%s' has <throttlefilters>: its limits are those of its throttle groups, "
                   "not <iotune>",
                   target);
      return NULL;
    }
  vb_disk_iotune_write (disk, tune);
  xml = vb_xml_format (doc);
  return live ? vb_domain_def_parse_live (xml, error) : vb_domain_def_parse (xml, error);
}

gboolean
vb_domain_def_iotune (const VbDomainDef *def, const char *target, VbDiskIoTune *tune,
                      GError **error)
{
  g_autoptr (xmlDoc) doc = vb_xml_parse (def->xml, "domain", error);
  xmlNode *disk;

  memset (tune, 0, sizeof *tune);
  if (!doc)
    return FALSE;
  disk = vb_disk_iotune_find_disk (xmlDocGetRootElement (doc), target);
  if (!disk)
    return no_disk (target, error);
  return vb_disk_iotune_read (disk, tune, error);
}
