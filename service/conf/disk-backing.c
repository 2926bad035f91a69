#include "disk-backing.h"

#include "xml-schema.h"

void
vb_disk_image_free (VbDiskImage *image)
{
  if (!image)
    return;
  g_free (image->target);
  g_free (image->file);
  g_free (image->pool);
  g_free (image->volume);
  g_free (image->format);
  g_strfreev (image->recorded);
  g_free (image);
}

static gboolean
named (xmlNode *node, const char *name)
{
  return node && node->type == XML_ELEMENT_NODE && node->ns == NULL
         && g_str_equal ((const char *) node->name, name);
}

/* The <disk> nodes of @doc: a <domain>'s, or its root alone. */
static GPtrArray *
disk_nodes (xmlDoc *doc)
{
  GPtrArray *disks = g_ptr_array_new ();
  xmlNode *root = xmlDocGetRootElement (doc);

  if (named (root, "disk"))
    g_ptr_array_add (disks, root);
  else if (named (root, "domain"))
    for (xmlNode *node = vb_xml_child (vb_xml_child (root, "devices"), "disk"); node;
         node = vb_xml_next (node, "disk"))
      g_ptr_array_add (disks, node);
  return disks;
}

static GStrv
recorded_chain (xmlNode *disk)
{
  g_autoptr (GStrvBuilder) files = g_strv_builder_new ();

  for (xmlNode *store = vb_xml_child (disk, "backingStore"); store;
       store = vb_xml_child (store, "backingStore"))
    {
      xmlNode *source = vb_xml_child (store, "source");
      g_autofree char *file = vb_xml_attr (source, "file");

      /* A block device in the chain is recorded as libvirt writes it. */
      if (!file)
        file = vb_xml_attr (source, "dev");
      if (file && *file)
        g_strv_builder_add (files, file);
    }
  return g_strv_builder_end (files);
}

GPtrArray *
vb_domain_disk_images (const char *xml, GError **error)
{
  g_autoptr (xmlDoc) doc = vb_xml_parse (xml, NULL, error);

  return doc ? vb_domain_disk_images_of_doc (doc) : NULL;
}

GPtrArray *
vb_domain_disk_images_of_doc (xmlDoc *doc)
{
  g_autoptr (GPtrArray) nodes = disk_nodes (doc);
  GPtrArray *images = g_ptr_array_new_with_free_func ((GDestroyNotify) vb_disk_image_free);

  for (guint i = 0; i < nodes->len; i++)
    {
      xmlNode *disk = nodes->pdata[i];
      xmlNode *source = vb_xml_child (disk, "source");
      VbDiskImage *image;

      if (!source)
        continue;
      image = g_new0 (VbDiskImage, 1);
      image->target = vb_xml_attr (vb_xml_child (disk, "target"), "dev");
      image->file = vb_xml_attr (source, "file");
      if (!image->file)
        image->file = vb_xml_attr (source, "dev");
      image->pool = vb_xml_attr (source, "pool");
      image->volume = vb_xml_attr (source, "volume");
      image->format = vb_xml_attr (vb_xml_child (disk, "driver"), "type");
      image->recorded = recorded_chain (disk);
      image->data_store = vb_xml_child (source, "dataStore") != NULL;
      g_ptr_array_add (images, image);
      /* The local levels below a network disk, opened as the XML says. */
      if (!vb_xml_attr_is (disk, "type", "network"))
        continue;
      for (xmlNode *store = vb_xml_child (disk, "backingStore"); store;
           store = vb_xml_child (store, "backingStore"))
        {
          xmlNode *level_source = vb_xml_child (store, "source");
          char *file = vb_xml_attr (level_source, "file");

          if (!file)
            file = vb_xml_attr (level_source, "dev");
          if (!file)
            continue;
          image = g_new0 (VbDiskImage, 1);
          image->target = vb_xml_attr (vb_xml_child (disk, "target"), "dev");
          image->file = file;
          image->format = vb_xml_attr (vb_xml_child (store, "format"), "type");
          image->backing_level = TRUE;
          g_ptr_array_add (images, image);
        }
    }
  return images;
}

static xmlNode *
new_store (xmlNode *parent, xmlNode *after, const char *file, const char *format, gboolean block)
{
  xmlNode *store = vb_xml_insert_after (parent, after, "backingStore", NULL);

  xmlSetProp (store, BAD_CAST "type", BAD_CAST (block ? "block" : "file"));
  xmlSetProp (vb_xml_insert_after (store, NULL, "format", NULL), BAD_CAST "type", BAD_CAST format);
  xmlSetProp (vb_xml_insert_after (store, store->last, "source", NULL),
              BAD_CAST (block ? "dev" : "file"), BAD_CAST file);
  return store;
}

/* A copy of the element @path ("format/metadata_cache", "source/slices")
 * of each backing file @disk's chain records, by <source file>. */
static GHashTable *
recorded_parts (xmlNode *disk, const char *parent, const char *child)
{
  GHashTable *caches =
    g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) xmlFreeNode);

  for (xmlNode *store = vb_xml_child (disk, "backingStore"); store;
       store = vb_xml_child (store, "backingStore"))
    {
      char *file = vb_xml_attr (vb_xml_child (store, "source"), "file");
      xmlNode *cache = vb_xml_child (vb_xml_child (store, parent), child);

      if (file && cache)
        g_hash_table_replace (caches, file, xmlDocCopyNode (cache, disk->doc, 1));
      else
        g_free (file);
    }
  return caches;
}

char *
vb_domain_xml_record_backing (const char *xml, GHashTable *chains, GError **error)
{
  g_autoptr (xmlDoc) doc = vb_xml_parse (xml, NULL, error);
  g_autoptr (GPtrArray) nodes = NULL;

  if (!doc)
    return NULL;
  nodes = disk_nodes (doc);
  for (guint i = 0; i < nodes->len; i++)
    {
      xmlNode *disk = nodes->pdata[i];
      g_autofree char *target = vb_xml_attr (vb_xml_child (disk, "target"), "dev");
      GPtrArray *chain = target ? g_hash_table_lookup (chains, target) : NULL;
      xmlNode *parent = disk;
      xmlNode *after = vb_xml_child (disk, "source");

      g_autoptr (GHashTable) caches = NULL;
      g_autoptr (GHashTable) slices = NULL;

      if (!chain)
        continue;
      caches = recorded_parts (disk, "format", "metadata_cache");
      slices = recorded_parts (disk, "source", "slices");
      vb_xml_remove_children (disk, "backingStore");
      for (guint j = 0; j < chain->len; j++)
        {
          const VbBackingFile *file = chain->pdata[j];
          xmlNode *cache = g_hash_table_lookup (caches, file->path);

          parent = new_store (parent, after, file->path, file->format, file->block);
          after = parent->last;
          /* The caller's tuning of a backing image the header still names. */
          if (cache && g_str_equal (file->format, "qcow2"))
            xmlAddChild (vb_xml_child (parent, "format"), xmlDocCopyNode (cache, disk->doc, 1));
          /* And the slice of the first backing image (the only level that
           * may have one) the header still names. */
          if (j == 0 && g_hash_table_lookup (slices, file->path))
            xmlAddChild (vb_xml_child (parent, "source"),
                         xmlDocCopyNode (g_hash_table_lookup (slices, file->path), disk->doc, 1));
        }
    }
  return vb_xml_format (doc);
}

void
vb_disk_node_push_backing (xmlNode *disk, const char *file, const char *format)
{
  xmlNode *below = vb_xml_child (disk, "backingStore");
  xmlNode *store;

  if (below)
    xmlUnlinkNode (below);
  store = new_store (disk, vb_xml_child (disk, "source"), file, format, FALSE);
  if (below)
    xmlAddChild (store, below);
}
