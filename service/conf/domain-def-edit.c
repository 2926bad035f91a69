/* Edits of a domain definition for the domain actions: the XML is changed
 * in place and parsed again, so every edit passes the checks of a define. */
#include "domain-def-edit.h"

#include "domain-vcpus.h"
#include "vb-error.h"
#include "xml-schema.h"

typedef gboolean (*EditFunc) (xmlNode *root, gconstpointer data, GError **error);

static VbDomainDef *
edit (const VbDomainDef *def, gboolean live, EditFunc func, gconstpointer data, GError **error)
{
  g_autoptr (xmlDoc) doc = vb_xml_parse (def->xml, "domain", error);
  g_autofree char *xml = NULL;

  if (!doc || !func (xmlDocGetRootElement (doc), data, error))
    return NULL;
  xml = vb_xml_format (doc);
  return live ? vb_domain_def_parse_live (xml, error) : vb_domain_def_parse (xml, error);
}

/* ---- name ---- */

static gboolean
set_name (xmlNode *root, gconstpointer data, GError **error)
{
  vb_xml_set_text (vb_xml_child (root, "name"), data);
  return TRUE;
}

VbDomainDef *
vb_domain_def_with_name (const VbDomainDef *def, const char *name, gboolean live, GError **error)
{
  return edit (def, live, set_name, name, error);
}

/* ---- memory ---- */

typedef struct {
  guint64 max_kib;
  guint64 current_kib;
} MemoryEdit;

static void
set_kib (xmlNode *node, guint64 kib)
{
  g_autofree char *text = g_strdup_printf ("%" G_GUINT64_FORMAT, kib);

  xmlSetProp (node, BAD_CAST "unit", BAD_CAST "KiB");
  vb_xml_set_text (node, text);
}

static gboolean
set_memory (xmlNode *root, gconstpointer data, GError **error)
{
  const MemoryEdit *m = data;
  xmlNode *memory = vb_xml_child (root, "memory");
  xmlNode *current = vb_xml_child (root, "currentMemory");

  /* The parse wrote both in KiB. */
  if (m->max_kib)
    set_kib (memory, m->max_kib);
  if (m->current_kib)
    set_kib (current, m->current_kib);
  if (m->max_kib)
    {
      g_autofree char *text = vb_xml_text (current);
      guint64 now = 0;

      if (!vb_xml_parse_unsigned (text, 10, G_MAXUINT64, &now) || now > m->max_kib)
        set_kib (current, m->max_kib);
    }
  return TRUE;
}

VbDomainDef *
vb_domain_def_with_memory (const VbDomainDef *def, guint64 max_kib, guint64 current_kib,
                           gboolean live, GError **error)
{
  MemoryEdit m = { max_kib, current_kib };

  return edit (def, live, set_memory, &m, error);
}

/* ---- vCPUs ---- */

typedef struct {
  guint max;
  guint current;
  GArray *states; /* the <vcpus> to write, NULL for none */
} VcpuEdit;

static gboolean
set_vcpus (xmlNode *root, gconstpointer data, GError **error)
{
  const VcpuEdit *v = data;
  xmlNode *vcpu = vb_xml_child (root, "vcpu");
  g_autofree char *max = g_strdup_printf ("%u", v->max);
  g_autofree char *current = g_strdup_printf ("%u", MIN (v->current, v->max));

  vb_xml_set_text (vcpu, max);
  if (v->current >= v->max)
    xmlUnsetProp (vcpu, BAD_CAST "current");
  else
    xmlSetProp (vcpu, BAD_CAST "current", BAD_CAST current);
  vb_domain_vcpus_write (root, v->states);
  return TRUE;
}

VbDomainDef *
vb_domain_def_with_vcpus (const VbDomainDef *def, guint max, guint current, gboolean live,
                          GError **error)
{
  VcpuEdit v = { max ? max : def->vcpus, current ? current : def->current_vcpus, NULL };
  g_autoptr (GArray) states = vb_domain_vcpus_change (def, max, current, live);

  v.states = states;
  return edit (def, live, set_vcpus, &v, error);
}

VbDomainDef *
vb_domain_def_with_plugged_vcpus (const VbDomainDef *def, const guint *ids, guint n_ids,
                                  GError **error)
{
  g_autoptr (GArray) states = vb_domain_vcpus_plug (def, ids, n_ids);
  VcpuEdit v = { def->vcpus, 0, states };

  for (guint id = 0; id < states->len; id++)
    v.current += g_array_index (states, VbVcpuState, id).enabled;
  return edit (def, TRUE, set_vcpus, &v, error);
}

/* ---- media ---- */

/* What of a drive's element is its medium, or live state, and may differ. */
static gboolean
is_media_part (xmlNode *node)
{
  static const char *const parts[] = { "source", "backingStore", "alias", "address" };

  for (guint i = 0; i < G_N_ELEMENTS (parts); i++)
    if (xmlStrEqual (node->name, BAD_CAST parts[i]))
      return TRUE;
  return FALSE;
}

/* The first attribute of @wanted that @have lacks or has otherwise, NULL
 * when none; @skip (may be NULL) is not compared. */
static const char *
differing_attr (xmlNode *wanted, xmlNode *have, const char *skip)
{
  for (xmlAttr *attr = wanted->properties; attr; attr = attr->next)
    {
      g_autofree char *a = vb_xml_attr (wanted, (const char *) attr->name);
      g_autofree char *b = vb_xml_attr (have, (const char *) attr->name);

      if (skip && xmlStrEqual (attr->name, BAD_CAST skip))
        continue;
      if (g_strcmp0 (a, b) != 0)
        return (const char *) attr->name;
    }
  return NULL;
}

/* Whether the elements are the same: name, attributes, text, children. */
static gboolean
same_element (xmlNode *a, xmlNode *b)
{
  xmlNode *x = a->children, *y = b->children;

  if (!xmlStrEqual (a->name, b->name) || differing_attr (a, b, NULL) || differing_attr (b, a, NULL))
    return FALSE;
  for (;;)
    {
      while (x && x->type != XML_ELEMENT_NODE && !(x->type == XML_TEXT_NODE && !xmlIsBlankNode (x)))
        x = x->next;
      while (y && y->type != XML_ELEMENT_NODE && !(y->type == XML_TEXT_NODE && !xmlIsBlankNode (y)))
        y = y->next;
      if (!x || !y)
        return x == y;
      if (x->type != y->type)
        return FALSE;
      if (x->type == XML_TEXT_NODE ? !xmlStrEqual (x->content, y->content) : !same_element (x, y))
        return FALSE;
      x = x->next;
      y = y->next;
    }
}

/* NotSupported unless @wanted asks for nothing @drive does not have besides
 * its medium. What @wanted leaves out stays as it is. */
static gboolean
only_media_differs (xmlNode *wanted, xmlNode *drive, GError **error)
{
  const char *attr = differing_attr (wanted, drive, "type");

  if (attr)
    {
      g_set_error (error, VB_ERROR, VB_ERROR_NOT_SUPPORTED,
                   "Only the medium of a drive can change: attribute '%s' of <disk> differs", attr);
      return FALSE;
    }
  for (xmlNode *child = wanted->children; child; child = child->next)
    {
      xmlNode *have;

      if (child->type != XML_ELEMENT_NODE || is_media_part (child))
        continue;
      have = vb_xml_child (drive, (const char *) child->name);
      /* The tray's position is the guest's, not a setting. */
      if (have && xmlStrEqual (child->name, BAD_CAST "target")
          && !differing_attr (child, have, "tray"))
        continue;
      if (!have || !same_element (child, have))
        {
          g_set_error (error, VB_ERROR, VB_ERROR_NOT_SUPPORTED,
                       "Only the medium of a drive can change: <%s> differs", child->name);
          return FALSE;
        }
    }
  return TRUE;
}

typedef struct {
  xmlNode *wanted;
  const char *target;
  const char *what;
} MediaEdit;

static xmlNode *
find_drive (xmlNode *root, const char *target)
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
set_media (xmlNode *root, gconstpointer data, GError **error)
{
  const MediaEdit *m = data;
  xmlNode *drive = find_drive (root, m->target);
  xmlNode *source = vb_xml_child (m->wanted, "source");
  xmlNode *backing = vb_xml_child (m->wanted, "backingStore");
  g_autofree char *device = drive ? vb_xml_attr (drive, "device") : NULL;
  g_autofree char *type = vb_xml_attr (m->wanted, "type");
  xmlNode *after;

  if (!drive)
    {
      g_set_error (error, VB_ERROR, VB_ERROR_NOT_FOUND,
                   "The %s definition has no disk with target '%s'", m->what, m->target);
      return FALSE;
    }
  if (g_strcmp0 (device, "cdrom") != 0 && g_strcmp0 (device, "floppy") != 0)
    {
      g_set_error (error, VB_ERROR, VB_ERROR_NOT_SUPPORTED,
                   "Disk '%s' is no CD-ROM or floppy: only their medium can be changed", m->target);
      return FALSE;
    }
  if (!only_media_differs (m->wanted, drive, error))
    return FALSE;
  vb_xml_remove_children (drive, "source");
  vb_xml_remove_children (drive, "backingStore");
  if (!source)
    return TRUE;
  xmlSetProp (drive, BAD_CAST "type", BAD_CAST (type ? type : "file"));
  /* libvirt's order: <driver>, then <source>. */
  after = vb_xml_child (drive, "driver");
  source = xmlDocCopyNode (source, drive->doc, 1);
  if (after)
    xmlAddNextSibling (after, source);
  else if (drive->children)
    xmlAddPrevSibling (drive->children, source);
  else
    xmlAddChild (drive, source);
  /* The new medium's chain as the host-files check recorded it (it replaced
   * any the caller wrote): the next start checks the image against it. */
  if (backing)
    xmlAddNextSibling (source, xmlDocCopyNode (backing, drive->doc, 1));
  return TRUE;
}

VbDomainDef *
vb_domain_def_change_media (const VbDomainDef *def, const VbDomainDevice *device, const char *what,
                            gboolean live, GError **error)
{
  g_autoptr (xmlDoc) wanted = NULL;
  g_autofree char *kind = NULL;
  MediaEdit m = { NULL, device->target, what };

  if (device->kind != VB_DEVICE_DISK)
    {
      g_set_error (error, VB_ERROR, VB_ERROR_NOT_SUPPORTED,
                   "Only the medium of a CD-ROM or floppy can be updated, not an <interface>");
      return NULL;
    }
  wanted = vb_xml_parse (device->xml, "disk", error);
  if (!wanted)
    return NULL;
  m.wanted = xmlDocGetRootElement (wanted);
  kind = vb_xml_attr (m.wanted, "device");
  if (g_strcmp0 (kind, "cdrom") != 0 && g_strcmp0 (kind, "floppy") != 0)
    {
      g_set_error (error, VB_ERROR, VB_ERROR_NOT_SUPPORTED,
                   "Only the medium of a CD-ROM or floppy can be updated, not of a <disk "
                   "device='%s'>",
                   kind ? kind : "disk");
      return NULL;
    }
  return edit (def, live, set_media, &m, error);
}

static gboolean
remove_media (xmlNode *root, gconstpointer data, GError **error)
{
  xmlNode *drive = find_drive (root, data);

  if (!drive)
    {
      g_set_error (error, VB_ERROR, VB_ERROR_NOT_FOUND, "No disk with target '%s'",
                   (const char *) data);
      return FALSE;
    }
  vb_xml_remove_children (drive, "source");
  vb_xml_remove_children (drive, "backingStore");
  return TRUE;
}

VbDomainDef *
vb_domain_def_without_media (const VbDomainDef *def, const char *target, gboolean live,
                             GError **error)
{
  return edit (def, live, remove_media, target, error);
}
