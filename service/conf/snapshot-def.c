#include "snapshot-def.h"

#include <string.h>

#include "vb-error.h"
#include "disk-backing.h"
#include "xml-schema.h"

#define SNAPSHOT_NAME_MAX 200

/* What a client may send (libvirt's domainsnapshot elements we support). */
#define REQUEST_RULES                                                                     \
  { "domainsnapshot", NULL, NULL, 0 }, { "domainsnapshot/name", NULL, "*", 0 },           \
    { "domainsnapshot/description", NULL, "*", 0 },                                       \
    { "domainsnapshot/memory", "!snapshot=no|internal|external file", NULL, 0 },          \
    { "domainsnapshot/disks", NULL, NULL, 0 },                                            \
    { "domainsnapshot/disks/disk", "!name snapshot=no|internal|external type=file", NULL, \
      VB_XML_RULE_REPEAT },                                                               \
    { "domainsnapshot/disks/disk/driver", "!type=qcow2", NULL, 0 },                       \
  {                                                                                       \
    "domainsnapshot/disks/disk/source", "!file", NULL, 0                                  \
  }

static const VbXmlRule request_rules[] = { REQUEST_RULES };
static const VbXmlSchema request_schema = { request_rules, G_N_ELEMENTS (request_rules) };

/* What the service itself writes as well. */
static const VbXmlRule stored_rules[] = {
  REQUEST_RULES,
  { "domainsnapshot/state", NULL, "running|paused|shutoff|disk-snapshot", 0 },
  { "domainsnapshot/parent", NULL, NULL, 0 },
  { "domainsnapshot/parent/name", NULL, "*", 0 },
  { "domainsnapshot/creationTime", NULL, "%u", 0 },
  { "domainsnapshot/active", NULL, "0|1", 0 },
  { "domainsnapshot/domain", NULL, NULL, VB_XML_RULE_VERBATIM },
};
static const VbXmlSchema stored_schema = { stored_rules, G_N_ELEMENTS (stored_rules) };

static void
disk_def_free (VbSnapshotDiskDef *disk)
{
  g_free (disk->name);
  g_free (disk->snapshot);
  g_free (disk->source);
  g_free (disk->driver_type);
  g_free (disk->backing);
  g_free (disk->backing_format);
  g_free (disk->file);
  g_free (disk);
}

static VbSnapshotDiskDef *
disk_def_copy (const VbSnapshotDiskDef *disk)
{
  VbSnapshotDiskDef *copy = g_new0 (VbSnapshotDiskDef, 1);

  copy->name = g_strdup (disk->name);
  copy->snapshot = g_strdup (disk->snapshot);
  copy->source = g_strdup (disk->source);
  copy->driver_type = g_strdup (disk->driver_type);
  copy->backing = g_strdup (disk->backing);
  copy->backing_format = g_strdup (disk->backing_format);
  copy->file = g_strdup (disk->file);
  return copy;
}

static VbSnapshotDef *
def_new (void)
{
  VbSnapshotDef *def = g_new0 (VbSnapshotDef, 1);

  def->disks = g_ptr_array_new_with_free_func ((GDestroyNotify) disk_def_free);
  return def;
}

void
vb_snapshot_def_free (VbSnapshotDef *def)
{
  if (!def)
    return;
  g_free (def->name);
  g_free (def->description);
  g_free (def->memory);
  g_ptr_array_unref (def->disks);
  g_free (def->state);
  g_free (def->parent);
  g_free (def->domain_xml);
  g_free (def);
}

VbSnapshotDef *
vb_snapshot_def_copy (const VbSnapshotDef *def)
{
  VbSnapshotDef *copy = def_new ();

  copy->name = g_strdup (def->name);
  copy->description = g_strdup (def->description);
  copy->memory = g_strdup (def->memory);
  for (guint i = 0; i < def->disks->len; i++)
    g_ptr_array_add (copy->disks, disk_def_copy (def->disks->pdata[i]));
  copy->state = g_strdup (def->state);
  copy->parent = g_strdup (def->parent);
  copy->creation_time = def->creation_time;
  copy->domain_xml = g_strdup (def->domain_xml);
  copy->current = def->current;
  return copy;
}

/* Sets VB_ERROR_INVALID_XML naming @node's line; returns NULL. */
static gpointer invalid (GError **error, xmlNode *node, const char *format, ...)
  G_GNUC_PRINTF (3, 4);

static gpointer
invalid (GError **error, xmlNode *node, const char *format, ...)
{
  va_list args;
  g_autofree char *message = NULL;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error (error, VB_ERROR, VB_ERROR_INVALID_XML, "%s at line %ld", message,
               vb_xml_line (node));
  return NULL;
}

static char *
child_text (xmlNode *parent, const char *name)
{
  xmlNode *node = vb_xml_child (parent, name);

  return node ? vb_xml_text (node) : NULL;
}

static VbSnapshotDef *
parse (const char *xml, const VbXmlSchema *schema, GError **error)
{
  g_autoptr (xmlDoc) doc = NULL;
  g_autoptr (VbSnapshotDef) def = def_new ();
  xmlNode *root, *node;

  if (!xml)
    {
      g_set_error (error, VB_ERROR, VB_ERROR_INVALID_XML, "No snapshot XML given");
      return NULL;
    }
  if (!(doc = vb_xml_parse (xml, "domainsnapshot", error)))
    return NULL;
  root = xmlDocGetRootElement (doc);
  if (!vb_xml_validate (root, schema, error))
    return NULL;

  if ((node = vb_xml_child (root, "name")))
    {
      g_autofree char *problem = NULL;
      g_autofree char *quoted = NULL;

      def->name = vb_xml_text (node);
      problem = vb_xml_name_problem (def->name, SNAPSHOT_NAME_MAX);
      if (problem)
        {
          quoted = vb_xml_quote (def->name);
          return invalid (error, node, "invalid snapshot name %s in <name>: %s", quoted, problem);
        }
    }
  def->description = child_text (root, "description");
  if ((node = vb_xml_child (root, "memory")))
    def->memory = vb_xml_attr (node, "snapshot");
  for (node = vb_xml_child (vb_xml_child (root, "disks"), "disk"); node;
       node = vb_xml_next (node, "disk"))
    {
      VbSnapshotDiskDef *disk = g_new0 (VbSnapshotDiskDef, 1);
      xmlNode *source = vb_xml_child (node, "source");
      xmlNode *driver = vb_xml_child (node, "driver");

      g_ptr_array_add (def->disks, disk);
      disk->name = vb_xml_attr (node, "name");
      disk->snapshot = vb_xml_attr (node, "snapshot");
      disk->source = source ? vb_xml_attr (source, "file") : NULL;
      disk->driver_type = driver ? vb_xml_attr (driver, "type") : NULL;
      for (guint i = 0; i + 1 < def->disks->len; i++)
        if (g_str_equal (((VbSnapshotDiskDef *) def->disks->pdata[i])->name, disk->name))
          return invalid (error, node, "disk '%s' is listed twice in <disks>", disk->name);
      if ((disk->source || disk->driver_type) && g_strcmp0 (disk->snapshot, "external") != 0)
        return invalid (error, node,
                        "disk '%s': <source> and <driver> belong to snapshot='external' only",
                        disk->name);
    }
  def->state = child_text (root, "state");
  def->parent = child_text (vb_xml_child (root, "parent"), "name");
  if ((node = vb_xml_child (root, "creationTime")))
    {
      g_autofree char *text = vb_xml_text (node);
      def->creation_time = g_ascii_strtoll (text, NULL, 10);
    }
  if ((node = vb_xml_child (root, "active")))
    {
      g_autofree char *text = vb_xml_text (node);
      def->current = g_strcmp0 (text, "1") == 0;
    }
  if ((node = vb_xml_child (root, "domain")))
    {
      g_autoptr (xmlDoc) domain = xmlNewDoc (BAD_CAST "1.0");

      xmlDocSetRootElement (domain, xmlDocCopyNode (node, domain, 1));
      def->domain_xml = vb_xml_format (domain);
    }
  return g_steal_pointer (&def);
}

VbSnapshotDef *
vb_snapshot_def_parse (const char *xml, GError **error)
{
  return parse (xml, &request_schema, error);
}

VbSnapshotDef *
vb_snapshot_def_parse_stored (const char *xml, GError **error)
{
  g_autoptr (VbSnapshotDef) def = parse (xml, &stored_schema, error);

  g_autoptr (GPtrArray) then = NULL;

  if (def && (!def->name || !def->state || !def->domain_xml))
    {
      g_set_error (error, VB_ERROR, VB_ERROR_INVALID_XML,
                   "Stored snapshot metadata lacks <name>, <state> or <domain>");
      return NULL;
    }
  if (!def || !(then = vb_domain_xml_list_disks (def->domain_xml, error)))
    return NULL;
  /* What align found is not in the XML: the images the domain used then. */
  for (guint i = 0; i < def->disks->len; i++)
    {
      VbSnapshotDiskDef *disk = def->disks->pdata[i];

      for (guint j = 0; j < then->len; j++)
        {
          VbDomainDisk *image = then->pdata[j];

          if (!g_str_equal (image->target, disk->name))
            continue;
          if (g_strcmp0 (disk->snapshot, "internal") == 0)
            disk->file = g_strdup (image->file);
          else if (g_strcmp0 (disk->snapshot, "external") == 0)
            {
              disk->backing = g_strdup (image->file);
              disk->backing_format = g_strdup (image->format);
            }
        }
    }
  return g_steal_pointer (&def);
}

char *
vb_snapshot_def_format (const VbSnapshotDef *def, gboolean stored)
{
  g_autoptr (xmlDoc) doc = xmlNewDoc (BAD_CAST "1.0");
  xmlNode *root = xmlNewNode (NULL, BAD_CAST "domainsnapshot");
  xmlNode *node;
  g_autofree char *created = g_strdup_printf ("%" G_GINT64_FORMAT, def->creation_time);

  xmlDocSetRootElement (doc, root);
  xmlNewTextChild (root, NULL, BAD_CAST "name", BAD_CAST def->name);
  if (def->description)
    xmlNewTextChild (root, NULL, BAD_CAST "description", BAD_CAST def->description);
  if (def->state)
    xmlNewTextChild (root, NULL, BAD_CAST "state", BAD_CAST def->state);
  if (def->parent)
    {
      node = xmlNewChild (root, NULL, BAD_CAST "parent", NULL);
      xmlNewTextChild (node, NULL, BAD_CAST "name", BAD_CAST def->parent);
    }
  xmlNewTextChild (root, NULL, BAD_CAST "creationTime", BAD_CAST created);
  if (def->memory)
    {
      node = xmlNewChild (root, NULL, BAD_CAST "memory", NULL);
      xmlNewProp (node, BAD_CAST "snapshot", BAD_CAST def->memory);
    }
  if (def->disks->len)
    {
      xmlNode *disks = xmlNewChild (root, NULL, BAD_CAST "disks", NULL);

      for (guint i = 0; i < def->disks->len; i++)
        {
          const VbSnapshotDiskDef *disk = def->disks->pdata[i];

          node = xmlNewChild (disks, NULL, BAD_CAST "disk", NULL);
          xmlNewProp (node, BAD_CAST "name", BAD_CAST disk->name);
          if (disk->snapshot)
            xmlNewProp (node, BAD_CAST "snapshot", BAD_CAST disk->snapshot);
          if (g_strcmp0 (disk->snapshot, "external") == 0)
            {
              xmlNewProp (node, BAD_CAST "type", BAD_CAST "file");
              xmlNewProp (xmlNewChild (node, NULL, BAD_CAST "driver", NULL), BAD_CAST "type",
                          BAD_CAST (disk->driver_type ? disk->driver_type : "qcow2"));
              if (disk->source)
                xmlNewProp (xmlNewChild (node, NULL, BAD_CAST "source", NULL), BAD_CAST "file",
                            BAD_CAST disk->source);
            }
        }
    }
  if (stored)
    xmlNewTextChild (root, NULL, BAD_CAST "active", BAD_CAST (def->current ? "1" : "0"));
  if (def->domain_xml)
    {
      g_autoptr (xmlDoc) domain = vb_xml_parse (def->domain_xml, "domain", NULL);

      if (domain)
        xmlAddChild (root, xmlDocCopyNode (xmlDocGetRootElement (domain), doc, 1));
    }
  return vb_xml_format (doc);
}

gboolean
vb_snapshot_def_has_memory (const VbSnapshotDef *def)
{
  return g_strcmp0 (def->memory, "internal") == 0;
}

gboolean
vb_snapshot_def_is_external (const VbSnapshotDef *def)
{
  for (guint i = 0; i < def->disks->len; i++)
    if (g_strcmp0 (((VbSnapshotDiskDef *) def->disks->pdata[i])->snapshot, "external") == 0)
      return TRUE;
  return FALSE;
}

/* ---- the domain's disks ---- */

void
vb_domain_disk_free (VbDomainDisk *disk)
{
  if (!disk)
    return;
  g_free (disk->target);
  g_free (disk->type);
  g_free (disk->device);
  g_free (disk->file);
  g_free (disk->format);
  g_free (disk->alias);
  g_free (disk->snapshot);
  g_free (disk);
}

static xmlNode *
domain_disks (xmlDoc *doc)
{
  return vb_xml_child (vb_xml_child (xmlDocGetRootElement (doc), "devices"), "disk");
}

GPtrArray *
vb_domain_xml_list_disks (const char *domain_xml, GError **error)
{
  g_autoptr (xmlDoc) doc = vb_xml_parse (domain_xml, "domain", error);
  GPtrArray *disks;

  if (!doc)
    return NULL;
  disks = g_ptr_array_new_with_free_func ((GDestroyNotify) vb_domain_disk_free);
  for (xmlNode *node = domain_disks (doc); node; node = vb_xml_next (node, "disk"))
    {
      VbDomainDisk *disk = g_new0 (VbDomainDisk, 1);
      xmlNode *target = vb_xml_child (node, "target");
      xmlNode *source = vb_xml_child (node, "source");
      xmlNode *driver = vb_xml_child (node, "driver");
      xmlNode *alias = vb_xml_child (node, "alias");

      disk->target = target ? vb_xml_attr (target, "dev") : g_strdup ("");
      disk->type = vb_xml_attr (node, "type");
      if (!disk->type)
        disk->type = g_strdup ("file");
      disk->device = vb_xml_attr (node, "device");
      if (!disk->device)
        disk->device = g_strdup ("disk");
      disk->file = source && g_str_equal (disk->type, "file") ? vb_xml_attr (source, "file") : NULL;
      disk->format = driver ? vb_xml_attr (driver, "type") : NULL;
      if (!disk->format)
        disk->format = g_strdup ("raw");
      disk->alias = alias ? vb_xml_attr (alias, "name") : NULL;
      disk->snapshot = vb_xml_attr (node, "snapshot");
      disk->readonly =
        vb_xml_child (node, "readonly") != NULL || g_str_equal (disk->device, "cdrom");
      g_ptr_array_add (disks, disk);
    }
  return disks;
}

char *
vb_domain_xml_set_disk_file (const char *domain_xml, const char *target, const char *file,
                             const char *format, GError **error)
{
  g_autoptr (xmlDoc) doc = vb_xml_parse (domain_xml, "domain", error);

  if (!doc)
    return NULL;
  for (xmlNode *node = domain_disks (doc); node; node = vb_xml_next (node, "disk"))
    {
      xmlNode *target_node = vb_xml_child (node, "target");
      g_autofree char *dev = target_node ? vb_xml_attr (target_node, "dev") : NULL;
      xmlNode *source, *driver;

      if (g_strcmp0 (dev, target) != 0)
        continue;
      if (!(source = vb_xml_child (node, "source")))
        source = vb_xml_insert_after (node, NULL, "source", NULL);
      if (!(driver = vb_xml_child (node, "driver")))
        driver = vb_xml_insert_after (node, NULL, "driver", NULL);
      {
        g_autofree char *was = vb_xml_attr (source, "file");
        g_autofree char *was_format = vb_xml_attr (driver, "type");

        /* The overlay's header names the image it is made on: record it,
         * so that the start-time check of the chain finds it accepted. */
        if (!was_format)
          was_format = g_strdup ("raw");
        if (was && *was && !g_str_equal (was, file)
            && g_strv_contains ((const char *const[]){ "raw", "qcow2", "qed", "vmdk", "vpc",
                                                        "vdi", "vhdx", NULL },
                                was_format))
          vb_disk_node_push_backing (node, was, was_format);
      }
      xmlSetProp (source, BAD_CAST "file", BAD_CAST file);
      xmlSetProp (driver, BAD_CAST "type", BAD_CAST format);
      return vb_xml_format (doc);
    }
  g_set_error (error, VB_ERROR, VB_ERROR_NOT_FOUND, "The domain has no disk '%s'", target);
  return NULL;
}

/* ---- aligning a request with the domain ---- */

static VbSnapshotDiskDef *
requested (VbSnapshotDef *def, const char *target)
{
  for (guint i = 0; i < def->disks->len; i++)
    if (g_str_equal (((VbSnapshotDiskDef *) def->disks->pdata[i])->name, target))
      return def->disks->pdata[i];
  return NULL;
}

/* "/images/web.qcow2" + "s1" → "/images/web.s1", as libvirt names overlays. */
static char *
default_overlay (const char *file, const char *name)
{
  g_autofree char *base = g_path_get_basename (file);
  g_autofree char *dir = g_path_get_dirname (file);
  char *dot = strrchr (base, '.');
  g_autofree char *leaf = NULL;

  if (dot && dot != base)
    *dot = '\0';
  leaf = g_strdup_printf ("%s.%s", base, name);
  return g_build_filename (dir, leaf, NULL);
}

gboolean
vb_snapshot_def_align (VbSnapshotDef *def, const char *domain_xml, gboolean active,
                       gboolean disk_only, GError **error)
{
  g_autoptr (GPtrArray) disks = vb_domain_xml_list_disks (domain_xml, error);
  g_autoptr (GPtrArray) aligned = g_ptr_array_new_with_free_func ((GDestroyNotify) disk_def_free);
  gboolean external = disk_only;
  gboolean internal = FALSE;

  if (!disks)
    return FALSE;
  for (guint i = 0; i < def->disks->len; i++)
    {
      VbSnapshotDiskDef *disk = def->disks->pdata[i];
      gboolean found = FALSE;

      for (guint j = 0; j < disks->len; j++)
        found |= g_str_equal (((VbDomainDisk *) disks->pdata[j])->target, disk->name);
      if (!found)
        return vb_error_refuse (error, VB_ERROR_INVALID_ARGUMENT, "The domain has no disk '%s'",
                                disk->name);
      external |= g_strcmp0 (disk->snapshot, "external") == 0;
      internal |= g_strcmp0 (disk->snapshot, "internal") == 0;
    }
  /* The defaults of the disks the request leaves out (<disk snapshot=…>). */
  for (guint j = 0; j < disks->len; j++)
    {
      VbDomainDisk *disk = disks->pdata[j];

      if (requested (def, disk->target) || disk->readonly || !g_str_equal (disk->device, "disk"))
        continue;
      external |= g_strcmp0 (disk->snapshot, "external") == 0;
      internal |= g_strcmp0 (disk->snapshot, "internal") == 0;
    }
  if (g_strcmp0 (def->memory, "external") == 0)
    return vb_error_refuse (
      error, VB_ERROR_NOT_SUPPORTED,
      "Memory state in a file (<memory snapshot='external'>) is not supported: "
      "memory is kept only in internal snapshots");
  if (external && internal)
    return vb_error_refuse (error, VB_ERROR_NOT_SUPPORTED,
                            "A snapshot with both internal and external disks is not supported");
  if (external && g_strcmp0 (def->memory, "internal") == 0)
    return vb_error_refuse (
      error, VB_ERROR_NOT_SUPPORTED,
      "External snapshots are disk-only: <memory snapshot='internal'> cannot go "
      "with external disks");
  if (disk_only && g_strcmp0 (def->memory, "no") != 0 && def->memory)
    return vb_error_refuse (error, VB_ERROR_INVALID_ARGUMENT,
                            "DISK_ONLY snapshots have no memory state (<memory snapshot='no'>)");
  if (external && active && !disk_only)
    return vb_error_refuse (
      error, VB_ERROR_NOT_SUPPORTED,
      "An external snapshot of a running domain needs the DISK_ONLY flag (16)");
  if (!external && active && g_strcmp0 (def->memory, "no") == 0)
    return vb_error_refuse (error, VB_ERROR_NOT_SUPPORTED,
                            "Internal snapshots of a running domain keep its memory state: "
                            "<memory snapshot='no'> needs an external (DISK_ONLY) snapshot");
  if (!external && !active && g_strcmp0 (def->memory, "internal") == 0)
    return vb_error_refuse (error, VB_ERROR_OPERATION_INVALID,
                            "The domain is shut off: it has no memory state to keep");

  g_free (def->memory);
  def->memory = g_strdup (!external && active ? "internal" : "no");
  for (guint i = 0; i < disks->len; i++)
    {
      VbDomainDisk *disk = disks->pdata[i];
      VbSnapshotDiskDef *asked = requested (def, disk->target);
      VbSnapshotDiskDef *out = asked ? disk_def_copy (asked) : g_new0 (VbSnapshotDiskDef, 1);

      g_ptr_array_add (aligned, out);
      if (!out->name)
        out->name = g_strdup (disk->target);
      if (disk->readonly || !g_str_equal (disk->device, "disk"))
        {
          if (out->snapshot && !g_str_equal (out->snapshot, "no"))
            return vb_error_refuse (error, VB_ERROR_INVALID_ARGUMENT,
                                    "Disk '%s' is read-only: it cannot have snapshot='%s'",
                                    disk->target, out->snapshot);
          g_free (out->snapshot);
          out->snapshot = g_strdup ("no");
          continue;
        }
      if (!out->snapshot && disk->snapshot)
        out->snapshot = g_strdup (disk->snapshot);
      if (!out->snapshot)
        out->snapshot = g_strdup (external ? "external" : "internal");
      if (g_str_equal (out->snapshot, "no"))
        continue;
      if (!g_str_equal (disk->type, "file") || !disk->file)
        return vb_error_refuse (error, VB_ERROR_NOT_SUPPORTED,
                                "Disk '%s' is of type '%s': snapshots support disks of type 'file'",
                                disk->target, disk->type);
      if (g_str_equal (out->snapshot, "internal"))
        {
          if (!g_str_equal (disk->format, "qcow2"))
            return vb_error_refuse (error, VB_ERROR_NOT_SUPPORTED,
                                    "Disk '%s' (%s) is %s: internal snapshots need qcow2 images "
                                    "(an external snapshot, flag DISK_ONLY, works with any format)",
                                    disk->target, disk->file, disk->format);
          out->file = g_strdup (disk->file);
          continue;
        }
      if (!out->source)
        out->source = default_overlay (disk->file, def->name);
      if (!g_path_is_absolute (out->source))
        return vb_error_refuse (error, VB_ERROR_INVALID_ARGUMENT,
                                "Disk '%s': the overlay path '%s' is not absolute", disk->target,
                                out->source);
      if (g_str_equal (out->source, disk->file))
        return vb_error_refuse (error, VB_ERROR_INVALID_ARGUMENT,
                                "Disk '%s': the overlay cannot be the image itself (%s)",
                                disk->target, disk->file);
      if (!out->driver_type)
        out->driver_type = g_strdup ("qcow2");
      out->backing = g_strdup (disk->file);
      out->backing_format = g_strdup (disk->format);
    }
  g_ptr_array_unref (def->disks);
  def->disks = g_steal_pointer (&aligned);
  return TRUE;
}
