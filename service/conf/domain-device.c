#include "domain-device.h"

#include "domain-numa.h"
#include "vb-error.h"
#include "xml-schema.h"

void
vb_domain_device_free (VbDomainDevice *device)
{
  if (device == NULL)
    return;
  g_free (device->xml);
  g_free (device->target);
  g_free (device->mac);
  g_free (device->alias);
  g_free (device);
}

/* The canonical text of @node and its subtree alone. */
static char *
format_node (xmlNode *node)
{
  g_autoptr (xmlDoc) doc = xmlNewDoc ((const xmlChar *) "1.0");

  xmlDocSetRootElement (doc, xmlDocCopyNode (node, doc, 1));
  return vb_xml_format (doc);
}

static char *
child_attr (xmlNode *node, const char *child, const char *name)
{
  xmlNode *found = vb_xml_child (node, child);

  return found != NULL ? vb_xml_attr (found, name) : NULL;
}

/* A memory device's size in KiB as written (any unit), 0 when absent or unreadable. */
static guint64
memory_size_kib (xmlNode *node)
{
  xmlNode *size = vb_xml_child (vb_xml_child (node, "target"), "size");
  guint64 bytes = 0;

  if (!size || !vb_xml_scaled_bytes (size, "KiB", &bytes, NULL))
    return 0;
  return bytes / 1024 + (bytes % 1024 != 0);
}

static guint
memory_node (xmlNode *node)
{
  xmlNode *target_node = vb_xml_child (vb_xml_child (node, "target"), "node");
  g_autofree char *text = target_node ? vb_xml_text (target_node) : NULL;
  guint64 n = 0;

  if (text)
    vb_xml_parse_unsigned (text, 10, G_MAXUINT, &n);
  return (guint) n;
}

/* Reads kind, target, MAC, size and alias of a <disk>, <interface> or <memory> element. */
static VbDomainDevice *
device_from_node (xmlNode *node)
{
  g_autoptr (VbDomainDevice) device = g_new0 (VbDomainDevice, 1);
  g_autofree char *mac = NULL;

  device->kind = xmlStrEqual (node->name, (const xmlChar *) "disk")     ? VB_DEVICE_DISK
                 : xmlStrEqual (node->name, (const xmlChar *) "memory") ? VB_DEVICE_MEMORY
                                                                        : VB_DEVICE_INTERFACE;
  device->xml = format_node (node);
  device->alias = child_attr (node, "alias", "name");
  if (device->kind == VB_DEVICE_MEMORY)
    {
      device->memory_kib = memory_size_kib (node);
      device->memory_node = memory_node (node);
    }
  else if (device->kind == VB_DEVICE_DISK)
    {
      device->target = child_attr (node, "target", "dev");
    }
  else
    {
      mac = child_attr (node, "mac", "address");
      device->mac = vb_xml_mac_normalize (mac);
    }
  return g_steal_pointer (&device);
}

static gboolean
is_device_element (xmlNode *node)
{
  return node->type == XML_ELEMENT_NODE && node->ns == NULL
         && (xmlStrEqual (node->name, (const xmlChar *) "disk")
             || xmlStrEqual (node->name, (const xmlChar *) "interface")
             || xmlStrEqual (node->name, (const xmlChar *) "memory"));
}

/* The root element, refused unless it is a <disk> or an <interface>. */
static xmlNode *
device_root (xmlDoc *doc, GError **error)
{
  xmlNode *root = xmlDocGetRootElement (doc);

  if (is_device_element (root))
    return root;
  g_set_error (error, VB_ERROR, VB_ERROR_NOT_SUPPORTED,
               "<%s> at line %ld cannot be attached or detached: only one <disk>, one "
               "<interface> or one <memory> element can",
               root->name, vb_xml_line (root));
  return NULL;
}

/* The first element child of <devices> in the canonical XML of a definition. */
static xmlNode *
first_device (xmlDoc *doc)
{
  xmlNode *devices = vb_xml_child (xmlDocGetRootElement (doc), "devices");

  for (xmlNode *child = devices != NULL ? devices->children : NULL; child; child = child->next)
    if (child->type == XML_ELEMENT_NODE)
      return child;
  return NULL;
}

/* A memory device is judged in a domain that can take it: with hotplug
 * slots and as many 1 MiB NUMA cells as its <node> needs. */
static char *
memory_wrapper (xmlNode *root, const char *element)
{
  guint64 kib = MIN (memory_size_kib (root), G_MAXUINT64 / 4);
  guint cells = MIN (memory_node (root), VB_DOMAIN_NUMA_NODES_MAX - 1) + 1;
  g_autoptr (GString) numa = g_string_new (NULL);

  for (guint i = 0; i < cells; i++)
    g_string_append_printf (numa, "<cell id='%u' memory='1024' unit='KiB'/>", i);
  return g_strdup_printf ("<domain type='test'><name>device</name>"
                          "<maxMemory slots='1' unit='KiB'>%" G_GUINT64_FORMAT "</maxMemory>"
                          "<memory unit='KiB'>%" G_GUINT64_FORMAT "</memory>"
                          "<cpu><numa>%s</numa></cpu><devices>%s</devices></domain>",
                          cells * 1024 + kib, cells * 1024 + kib, numa->str, element);
}

VbDomainDevice *
vb_domain_device_parse (const char *xml, GError **error)
{
  g_autoptr (xmlDoc) doc = NULL;
  g_autoptr (xmlDoc) checked = NULL;
  g_autoptr (VbDomainDef) def = NULL;
  g_autofree char *element = NULL;
  g_autofree char *wrapped = NULL;
  xmlNode *root;

  doc = vb_xml_parse (xml, NULL, error);
  if (doc == NULL || (root = device_root (doc, error)) == NULL)
    return NULL;
  /* The domain's own schema and checks judge the element: the wrapper opens
   * on the element's first line, so line numbers in errors stay close to
   * the caller's. */
  element = format_node (root);
  wrapped = xmlStrEqual (root->name, (const xmlChar *) "memory")
              ? memory_wrapper (root, element)
              : g_strdup_printf ("<domain type='test'><name>device</name><memory>1</memory>"
                                 "<devices>%s</devices></domain>",
                                 element);
  def = vb_domain_def_parse_fragment (wrapped, error);
  if (def == NULL)
    return NULL;
  checked = vb_xml_parse (def->xml, "domain", error);
  if (checked == NULL)
    return NULL;
  return device_from_node (first_device (checked));
}

VbDomainDevice *
vb_domain_device_parse_match (const char *xml, GError **error)
{
  g_autoptr (xmlDoc) doc = NULL;
  g_autoptr (VbDomainDevice) device = NULL;
  g_autofree char *given_mac = NULL;
  xmlNode *root;

  doc = vb_xml_parse (xml, NULL, error);
  if (doc == NULL || (root = device_root (doc, error)) == NULL)
    return NULL;
  device = device_from_node (root);
  if (device->kind == VB_DEVICE_DISK && (device->target == NULL || *device->target == '\0')
      && device->alias == NULL)
    {
      g_set_error (error, VB_ERROR, VB_ERROR_INVALID_XML,
                   "<disk> at line %ld names neither <target dev=…> nor <alias name=…>: a disk is "
                   "detached by one of them",
                   vb_xml_line (root));
      return NULL;
    }
  if (device->kind == VB_DEVICE_MEMORY && device->memory_kib == 0 && device->alias == NULL)
    {
      g_set_error (error, VB_ERROR, VB_ERROR_INVALID_XML,
                   "<memory> at line %ld names neither <target><size> nor <alias name=…>: a "
                   "memory device is detached by one of them",
                   vb_xml_line (root));
      return NULL;
    }
  given_mac = child_attr (root, "mac", "address");
  if (device->kind == VB_DEVICE_INTERFACE && given_mac != NULL && device->mac == NULL)
    {
      g_set_error (error, VB_ERROR, VB_ERROR_INVALID_XML,
                   "invalid MAC address '%s' on <mac> in <interface> at line %ld", given_mac,
                   vb_xml_line (root));
      return NULL;
    }
  if (device->kind == VB_DEVICE_INTERFACE && device->mac == NULL && device->alias == NULL)
    {
      g_set_error (error, VB_ERROR, VB_ERROR_INVALID_XML,
                   "<interface> at line %ld names neither <mac address=…> nor <alias name=…>: an "
                   "interface is detached by one of them",
                   vb_xml_line (root));
      return NULL;
    }
  return g_steal_pointer (&device);
}

char *
vb_domain_device_describe (const VbDomainDevice *device)
{
  if (device->kind == VB_DEVICE_MEMORY && device->alias != NULL)
    return g_strdup_printf ("memory device '%s'", device->alias);
  if (device->kind == VB_DEVICE_MEMORY)
    return g_strdup_printf ("memory device of %" G_GUINT64_FORMAT " KiB on node %u",
                            device->memory_kib, device->memory_node);
  if (device->kind == VB_DEVICE_DISK && device->target != NULL)
    return g_strdup_printf ("disk '%s'", device->target);
  if (device->kind == VB_DEVICE_DISK)
    return g_strdup_printf ("disk with alias '%s'", device->alias);
  if (device->mac != NULL)
    return g_strdup_printf ("interface %s", device->mac);
  return g_strdup_printf ("interface with alias '%s'", device->alias);
}

/* ------------------------------------------------------------------------ */

static gboolean
node_matches (xmlNode *node, const VbDomainDevice *match)
{
  g_autoptr (VbDomainDevice) device = NULL;

  if (!is_device_element (node))
    return FALSE;
  device = device_from_node (node);
  if (device->kind != match->kind)
    return FALSE;
  if (match->kind == VB_DEVICE_MEMORY)
    return (match->alias == NULL || g_strcmp0 (device->alias, match->alias) == 0)
           && (match->memory_kib == 0
               || (device->memory_kib == match->memory_kib
                   && device->memory_node == match->memory_node));
  if (match->kind == VB_DEVICE_DISK && match->target != NULL)
    return g_strcmp0 (device->target, match->target) == 0
           && (match->alias == NULL || g_strcmp0 (device->alias, match->alias) == 0);
  if (match->kind == VB_DEVICE_DISK)
    return g_strcmp0 (device->alias, match->alias) == 0;
  return (match->mac == NULL || g_strcmp0 (device->mac, match->mac) == 0)
         && (match->alias == NULL || g_strcmp0 (device->alias, match->alias) == 0);
}

static xmlNode *
find_node (xmlDoc *doc, const VbDomainDevice *match)
{
  xmlNode *devices = vb_xml_child (xmlDocGetRootElement (doc), "devices");

  for (xmlNode *child = devices != NULL ? devices->children : NULL; child; child = child->next)
    if (node_matches (child, match))
      return child;
  return NULL;
}

VbDomainDevice *
vb_domain_def_find_device (const VbDomainDef *def, const VbDomainDevice *match)
{
  g_autoptr (xmlDoc) doc = vb_xml_parse (def->xml, "domain", NULL);
  xmlNode *node = doc != NULL ? find_node (doc, match) : NULL;

  return node != NULL ? device_from_node (node) : NULL;
}

/* What of @device already exists in @doc. */
static gboolean
check_clash (xmlDoc *doc, const VbDomainDevice *device, GError **error)
{
  VbDomainDevice by_key = { .kind = device->kind, .target = device->target, .mac = device->mac };
  VbDomainDevice by_alias = { .kind = device->kind == VB_DEVICE_MEMORY ? VB_DEVICE_MEMORY
                                                                      : VB_DEVICE_INTERFACE,
                              .alias = device->alias };

  if ((device->kind == VB_DEVICE_DISK || device->mac != NULL) && find_node (doc, &by_key))
    {
      g_set_error (error, VB_ERROR, VB_ERROR_OPERATION_INVALID,
                   device->kind == VB_DEVICE_DISK
                     ? "the domain already has a disk with target '%s'"
                     : "the domain already has an interface with MAC address %s",
                   device->kind == VB_DEVICE_DISK ? device->target : device->mac);
      return FALSE;
    }
  if (device->alias != NULL && find_node (doc, &by_alias))
    {
      g_set_error (error, VB_ERROR, VB_ERROR_OPERATION_INVALID,
                   "the domain already has a device with alias '%s'", device->alias);
      return FALSE;
    }
  return TRUE;
}

/* <memory> counts the memory devices, and so does the balloon's
 * <currentMemory> (both in KiB in a canonical definition). */
static void
grow_memory (xmlNode *root, gint64 kib)
{
  static const char *const names[] = { "memory", "currentMemory" };

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      xmlNode *node = vb_xml_child (root, names[i]);
      g_autofree char *text = node ? vb_xml_text (node) : NULL;
      g_autofree char *written = NULL;
      guint64 value = 0;

      if (!text || !vb_xml_parse_unsigned (text, 10, G_MAXUINT64, &value))
        continue;
      written = g_strdup_printf ("%" G_GUINT64_FORMAT, (guint64) ((gint64) value + kib));
      vb_xml_set_text (node, written);
    }
}

VbDomainDef *
vb_domain_def_add_device (const VbDomainDef *def, const VbDomainDevice *device, GError **error)
{
  g_autoptr (xmlDoc) doc = vb_xml_parse (def->xml, "domain", error);
  g_autoptr (xmlDoc) element = NULL;
  g_autofree char *xml = NULL;
  xmlNode *root, *devices, *copy, *last_of_kind = NULL;

  if (doc == NULL || !check_clash (doc, device, error))
    return NULL;
  element = vb_xml_parse (device->xml, NULL, error);
  if (element == NULL)
    return NULL;
  root = xmlDocGetRootElement (doc);
  devices = vb_xml_child (root, "devices");
  if (devices == NULL)
    devices = xmlNewChild (root, NULL, (const xmlChar *) "devices", NULL);
  for (xmlNode *child = devices->children; child; child = child->next)
    if (child->type == XML_ELEMENT_NODE
        && xmlStrEqual (child->name, xmlDocGetRootElement (element)->name))
      last_of_kind = child;
  copy = xmlDocCopyNode (xmlDocGetRootElement (element), doc, 1);
  if (last_of_kind != NULL)
    xmlAddNextSibling (last_of_kind, copy);
  else
    xmlAddChild (devices, copy);
  if (device->kind == VB_DEVICE_MEMORY)
    grow_memory (root, (gint64) vb_domain_memory_device_kib (copy));
  xml = vb_xml_format (doc);
  /* @def is canonical for what it is (a definition has no generated alias,
   * nor has a parsed device): keep the aliases a live definition has. */
  return vb_domain_def_parse_live (xml, error);
}

VbDomainDef *
vb_domain_def_remove_device (const VbDomainDef *def, const VbDomainDevice *match, const char *what,
                             GError **error)
{
  g_autoptr (xmlDoc) doc = vb_xml_parse (def->xml, "domain", error);
  g_autofree char *xml = NULL;
  xmlNode *node;

  if (doc == NULL)
    return NULL;
  node = find_node (doc, match);
  if (node == NULL)
    {
      g_autofree char *described = vb_domain_device_describe (match);

      g_set_error (error, VB_ERROR, VB_ERROR_NOT_FOUND,
                   "the %s definition of domain '%s' has no %s", what, def->name, described);
      return NULL;
    }
  if (match->kind == VB_DEVICE_MEMORY)
    grow_memory (xmlDocGetRootElement (doc), -(gint64) vb_domain_memory_device_kib (node));
  xmlUnlinkNode (node);
  xmlFreeNode (node);
  xml = vb_xml_format (doc);
  /* @def is canonical for what it is (a definition has no generated alias,
   * nor has a parsed device): keep the aliases a live definition has. */
  return vb_domain_def_parse_live (xml, error);
}
