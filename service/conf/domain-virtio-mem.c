/* virtio-mem and virtio-pmem at define: see domain-virtio-mem.h. */
#include "domain-virtio-mem.h"

#include "vb-error.h"
#include "xml-schema.h"

/* QEMU's smallest virtio-mem block (VIRTIO_MEM_MIN_BLOCK_SIZE). */
#define VIRTIO_MEM_MIN_BLOCK_KIB 1024

gboolean
vb_domain_memory_is_virtio (xmlNode *memory)
{
  return vb_xml_attr_is (memory, "model", "virtio-mem")
         || vb_xml_attr_is (memory, "model", "virtio-pmem");
}

static guint64
parse_hex (const char *text)
{
  /* The schema checked it: decimal or 0x hexadecimal. */
  return text ? g_ascii_strtoull (text, NULL, 0) : 0;
}

guint64
vb_domain_memory_base (xmlNode *memory)
{
  xmlNode *address = vb_domain_memory_is_virtio (memory)
                       ? vb_xml_child (vb_xml_child (memory, "target"), "address")
                       : vb_xml_child (memory, "address");
  g_autofree char *base = address ? vb_xml_attr (address, "base") : NULL;

  return parse_hex (base);
}

guint64
vb_domain_virtio_mem_kib (xmlNode *memory, const char *element)
{
  xmlNode *node = vb_xml_child (vb_xml_child (memory, "target"), element);
  g_autofree char *text = node ? vb_xml_text (node) : NULL;
  guint64 kib = 0;

  /* Define wrote it in KiB. */
  vb_xml_parse_unsigned (text, 10, G_MAXUINT64, &kib);
  return kib;
}

/* @node's size rewritten in KiB (0 allowed: nothing requested or plugged). */
static gboolean
to_kib (xmlNode *node, guint64 *kib, GError **error)
{
  g_autofree char *text = vb_xml_text (node);
  g_autofree char *unit = vb_xml_attr (node, "unit");
  g_autofree char *written = NULL;
  guint64 bytes = 0;

  if (!vb_xml_scaled_value (node, text, unit, "KiB", &bytes, error))
    return FALSE;
  if (bytes % 1024)
    return vb_xml_invalid (error, node, "the size must be a whole number of KiB");
  *kib = bytes / 1024;
  written = g_strdup_printf ("%" G_GUINT64_FORMAT, *kib);
  vb_xml_set_text (node, written);
  xmlSetProp (node, BAD_CAST "unit", BAD_CAST "KiB");
  return TRUE;
}

/* A virtio-mem's sizes, as QEMU checks them when it creates the device:
 * the block a power of two of at least 1 MiB, the device a whole number of
 * blocks, the requested size too and at most the device, the base aligned
 * to a block. */
static gboolean
check_virtio_mem (xmlNode *memory, guint64 size_kib, GError **error)
{
  xmlNode *target = vb_xml_child (memory, "target");
  xmlNode *block = vb_xml_child (target, "block");
  xmlNode *requested = vb_xml_child (target, "requested");
  xmlNode *current = vb_xml_child (target, "current");
  xmlNode *pagesize = vb_xml_child (vb_xml_child (memory, "source"), "pagesize");
  guint64 block_kib = 0, requested_kib = 0, current_kib = 0;

  if (!block)
    return vb_xml_invalid (error, target, "a virtio-mem device needs <block>, its block size");
  if (!to_kib (block, &block_kib, error)
      || (requested && !to_kib (requested, &requested_kib, error))
      || (current && !to_kib (current, &current_kib, error)))
    return FALSE;
  if (block_kib < VIRTIO_MEM_MIN_BLOCK_KIB || (block_kib & (block_kib - 1)) != 0)
    return vb_xml_invalid (error, block,
                           "a virtio-mem block is a power of two of at least %d KiB (QEMU's rule)",
                           VIRTIO_MEM_MIN_BLOCK_KIB);
  /* <pagesize> is in KiB by now (domain-numa.c converts it first). */
  if (pagesize)
    {
      g_autofree char *text = vb_xml_text (pagesize);
      guint64 page_kib = 0;

      if (vb_xml_parse_unsigned (text, 10, G_MAXUINT64, &page_kib) && block_kib < page_kib)
        return vb_xml_invalid (
          error, block,
          "a virtio-mem block is at least its memory's page (%" G_GUINT64_FORMAT " KiB)", page_kib);
    }
  if (size_kib % block_kib)
    return vb_xml_invalid (error, vb_xml_child (target, "size"),
                           "a virtio-mem device is a whole number of its %" G_GUINT64_FORMAT
                           " KiB blocks",
                           block_kib);
  if (requested && (requested_kib % block_kib || requested_kib > size_kib))
    return vb_xml_invalid (error, requested,
                           "the requested size is a whole number of blocks (%" G_GUINT64_FORMAT
                           " KiB) and at most the device's %" G_GUINT64_FORMAT " KiB",
                           block_kib, size_kib);
  if (current && current_kib > size_kib)
    return vb_xml_invalid (error, current, "the current size is at most the device's");
  if (vb_domain_memory_base (memory) % (block_kib * 1024))
    return vb_xml_invalid (error, vb_xml_child (target, "address"),
                           "a virtio-mem base is aligned to its block (%" G_GUINT64_FORMAT " KiB)",
                           block_kib);
  return TRUE;
}

gboolean
vb_domain_memory_model_check (xmlNode *memory, guint64 size_kib, GError **error)
{
  xmlNode *target = vb_xml_child (memory, "target");
  xmlNode *address = vb_xml_child (memory, "address");
  gboolean virtio = vb_domain_memory_is_virtio (memory);
  gboolean virtio_mem = vb_xml_attr_is (memory, "model", "virtio-mem");
  static const char *const virtio_mem_only[] = { "block", "requested", "current" };

  /* A DIMM sits in a slot, a virtio model on PCI. */
  if (address && vb_xml_attr_is (address, "type", virtio ? "dimm" : "pci"))
    return vb_xml_invalid (error, address,
                           virtio ? "a virtio memory device has a PCI address, not a DIMM's"
                                  : "a DIMM's address is type='dimm'");
  if (address && !virtio)
    {
      g_autofree char *slot = vb_xml_attr (address, "slot");

      /* A DIMM's slot is decimal, as libvirt reads it. */
      if (slot && !vb_xml_parse_unsigned (slot, 10, G_MAXUINT, &(guint64){ 0 }))
        return vb_xml_invalid (error, address, "a DIMM's slot is a decimal number");
      if (xmlHasProp (address, BAD_CAST "bus") || xmlHasProp (address, BAD_CAST "function")
          || xmlHasProp (address, BAD_CAST "domain")
          || xmlHasProp (address, BAD_CAST "multifunction"))
        return vb_xml_invalid (error, address, "a DIMM's address has a slot and a base only");
    }
  if (address && virtio && xmlHasProp (address, BAD_CAST "base"))
    return vb_xml_invalid (error, address,
                           "a virtio memory device's base is <target><address base>");
  if (!virtio && vb_xml_child (target, "address"))
    return vb_xml_invalid (error, vb_xml_child (target, "address"),
                           "<target><address> is a virtio memory device's; a DIMM's base is "
                           "<address type='dimm' base>");
  if (!virtio_mem)
    {
      for (guint i = 0; i < G_N_ELEMENTS (virtio_mem_only); i++)
        if (vb_xml_child (target, virtio_mem_only[i]))
          return vb_xml_invalid (error, vb_xml_child (target, virtio_mem_only[i]),
                                 "<block>, <requested> and <current> are a virtio-mem's");
      if (xmlHasProp (target, BAD_CAST "dynamicMemslots"))
        return vb_xml_invalid (error, target, "dynamicMemslots is a virtio-mem's");
    }
  if (vb_xml_attr_is (memory, "model", "virtio-pmem") && vb_xml_child (target, "node"))
    return vb_xml_invalid (error, vb_xml_child (target, "node"),
                           "a virtio-pmem device belongs to no guest NUMA node (QEMU has none "
                           "for it)");
  return virtio_mem ? check_virtio_mem (memory, size_kib, error) : TRUE;
}

void
vb_domain_virtio_mem_drop_current (xmlNode *root)
{
  for (xmlNode *m = vb_xml_child (vb_xml_child (root, "devices"), "memory"); m;
       m = vb_xml_next (m, "memory"))
    vb_xml_remove_children (vb_xml_child (m, "target"), "current");
}

void
vb_domain_virtio_mem_copy_current (xmlNode *memory, xmlNode *from)
{
  xmlNode *current = vb_xml_child (vb_xml_child (from, "target"), "current");
  xmlNode *target = vb_xml_child (memory, "target");

  if (!xmlStrEqual (memory->name, BAD_CAST "memory")
      || !vb_xml_attr_is (memory, "model", "virtio-mem") || !current || !target
      || vb_xml_child (target, "current"))
    return;
  /* Where libvirt writes it: after <requested>. */
  if (vb_xml_child (target, "requested"))
    xmlAddNextSibling (vb_xml_child (target, "requested"),
                       xmlDocCopyNode (current, memory->doc, 1));
  else
    xmlAddChild (target, xmlDocCopyNode (current, memory->doc, 1));
}

VbDomainDef *
vb_domain_def_with_virtio_mem_current (const VbDomainDef *def, const char *alias, guint64 kib,
                                       GError **error)
{
  g_autoptr (xmlDoc) doc = vb_xml_parse (def->xml, "domain", error);
  g_autofree char *xml = NULL;
  g_autofree char *text = g_strdup_printf ("%" G_GUINT64_FORMAT, kib);
  xmlNode *found = NULL;

  if (!doc)
    return NULL;
  for (xmlNode *m = vb_xml_child (vb_xml_child (xmlDocGetRootElement (doc), "devices"), "memory");
       m && !found; m = vb_xml_next (m, "memory"))
    {
      xmlNode *a = vb_xml_child (m, "alias");
      g_autofree char *name = a ? vb_xml_attr (a, "name") : NULL;

      if (vb_xml_attr_is (m, "model", "virtio-mem") && g_strcmp0 (name, alias) == 0)
        found = m;
    }
  if (!found)
    {
      g_set_error (error, VB_ERROR, VB_ERROR_NOT_FOUND, "no virtio-mem device has alias '%s'",
                   alias);
      return NULL;
    }
  {
    xmlNode *target = vb_xml_child (found, "target");
    xmlNode *current = vb_xml_child (target, "current");

    /* Where libvirt writes it: after <requested>. */
    if (!current)
      {
        xmlNode *requested = vb_xml_child (target, "requested");

        current = xmlNewDocNode (found->doc, NULL, BAD_CAST "current", NULL);
        if (requested)
          xmlAddNextSibling (requested, current);
        else
          xmlAddChild (target, current);
      }
    xmlSetProp (current, BAD_CAST "unit", BAD_CAST "KiB");
    vb_xml_set_text (current, text);
  }
  xml = vb_xml_format (doc);
  return vb_domain_def_parse_live (xml, error);
}

static char *
target_text (xmlNode *memory, const char *element)
{
  xmlNode *node = vb_xml_child (vb_xml_child (memory, "target"), element);

  return node ? vb_xml_text (node) : NULL;
}

VbDomainDef *
vb_domain_def_change_virtio_mem (const VbDomainDef *def, const char *update, const char *what,
                                 gboolean live, char **alias, GError **error)
{
  static const char *const fixed[] = { "size", "node", "block" };
  g_autoptr (xmlDoc) doc = vb_xml_parse (def->xml, "domain", error);
  g_autoptr (xmlDoc) wanted_doc = vb_xml_parse (update, "memory", error);
  xmlNode *wanted = wanted_doc ? xmlDocGetRootElement (wanted_doc) : NULL;
  g_autofree char *wanted_alias = NULL;
  g_autofree char *xml = NULL;
  xmlNode *found = NULL;

  if (!doc || !wanted)
    return NULL;
  wanted_alias =
    vb_xml_child (wanted, "alias") ? vb_xml_attr (vb_xml_child (wanted, "alias"), "name") : NULL;
  for (xmlNode *m = vb_xml_child (vb_xml_child (xmlDocGetRootElement (doc), "devices"), "memory");
       m && !found; m = vb_xml_next (m, "memory"))
    {
      xmlNode *a = vb_xml_child (m, "alias");
      g_autofree char *name = a ? vb_xml_attr (a, "name") : NULL;
      gboolean same = vb_xml_attr_is (m, "model", "virtio-mem");

      if (wanted_alias)
        same = same && g_strcmp0 (name, wanted_alias) == 0;
      for (guint i = 0; same && !wanted_alias && i < G_N_ELEMENTS (fixed); i++)
        {
          g_autofree char *have = target_text (m, fixed[i]);
          g_autofree char *want = target_text (wanted, fixed[i]);

          same = g_strcmp0 (have, want) == 0;
        }
      if (same)
        found = m;
    }
  if (!found)
    {
      g_set_error (error, VB_ERROR, VB_ERROR_NOT_FOUND,
                   "the %s definition has no such virtio-mem device", what);
      return NULL;
    }
  for (guint i = 0; i < G_N_ELEMENTS (fixed); i++)
    {
      g_autofree char *have = target_text (found, fixed[i]);
      g_autofree char *want = target_text (wanted, fixed[i]);

      if (g_strcmp0 (have, want) != 0)
        {
          g_set_error (error, VB_ERROR, VB_ERROR_NOT_SUPPORTED,
                       "<%s> of a virtio-mem device cannot change: only <requested> can", fixed[i]);
          return NULL;
        }
    }
  {
    xmlNode *target = vb_xml_child (found, "target");
    xmlNode *requested = vb_xml_child (target, "requested");
    g_autofree char *text = target_text (wanted, "requested");

    if (!text)
      text = g_strdup ("0");
    if (!requested)
      {
        requested = xmlNewDocNode (found->doc, NULL, BAD_CAST "requested", NULL);
        xmlAddNextSibling (vb_xml_child (target, "block"), requested);
      }
    /* vb_domain_device_parse wrote it in KiB. */
    xmlSetProp (requested, BAD_CAST "unit", BAD_CAST "KiB");
    vb_xml_set_text (requested, text);
  }
  if (alias && vb_xml_child (found, "alias"))
    *alias = vb_xml_attr (vb_xml_child (found, "alias"), "name");
  xml = vb_xml_format (doc);
  return live ? vb_domain_def_parse_live (xml, error) : vb_domain_def_parse (xml, error);
}
