/* libvirt's iothreads per queue of a virtio disk (<driver queues><iothreads>
 * <iothread id><queue id/>...): virtio-blk's iothread-vq-mapping, which
 * QEMU 9.0 added. It is a list, which only the JSON form of -device takes,
 * so such a disk's -device is JSON. Define builds it; Start refuses it by
 * name on an older QEMU, as it does any lack of this host. */
#include "qemu-command-private.h"

/* QEMU's rules for the mapping (virtio-blk's validation), checked at
 * define: each iothread once; queues on every iothread or on none; with
 * queues, <driver queues='N'> and each queue 0 to N-1 exactly once. */
static gboolean
check_mapping (xmlNode *driver, xmlNode *iothreads, GError **error)
{
  g_autoptr (GHashTable) seen = g_hash_table_new (NULL, NULL);
  g_autofree gboolean *queue_taken = NULL;
  guint queues = vb_xml_attr_uint (driver, "queues", 0);
  guint with_queues = 0, without = 0;

  if (xmlHasProp (driver, BAD_CAST "iothread"))
    return refuse (error, driver,
                   "iothread= and <iothreads> exclude each other: one iothread for the disk, "
                   "or iothreads per queue");
  /* virtio-blk's limit, as <driver queues> (qemu-command-disk-props.c). */
  if (queues > 1024)
    return refuse (error, driver, "queues= is 1 to 1024, not %u", queues);
  if (!vb_xml_child (iothreads, "iothread"))
    return refuse (error, iothreads, "<iothreads> lists at least one <iothread>");
  queue_taken = g_new0 (gboolean, MAX (queues, 1));
  for (xmlNode *t = vb_xml_child (iothreads, "iothread"); t; t = vb_xml_next (t, "iothread"))
    {
      guint id = vb_xml_attr_uint (t, "id", 0);

      if (g_hash_table_contains (seen, GUINT_TO_POINTER (id)))
        return refuse (error, t, "iothread %u is listed twice for this disk", id);
      g_hash_table_add (seen, GUINT_TO_POINTER (id));
      if (vb_xml_child (t, "queue"))
        with_queues++;
      else
        without++;
      for (xmlNode *q = vb_xml_child (t, "queue"); q; q = vb_xml_next (q, "queue"))
        {
          guint queue = vb_xml_attr_uint (q, "id", G_MAXUINT);

          if (!queues)
            return refuse (error, q, "queues mapped to iothreads need <driver queues='N'>");
          if (queue >= queues)
            return refuse (error, q, "the disk has queues 0 to %u, not %u", queues - 1, queue);
          if (queue_taken[queue])
            return refuse (error, q, "queue %u is mapped to two iothreads", queue);
          queue_taken[queue] = TRUE;
        }
    }
  if (with_queues && without)
    return refuse (error, iothreads,
                   "either every <iothread> lists its <queue>s or none does (QEMU then shares "
                   "the queues out among them)");
  for (guint q = 0; with_queues && q < queues; q++)
    if (!queue_taken[q])
      return refuse (error, iothreads, "queue %u of the disk is mapped to no iothread", q);
  return TRUE;
}

gboolean
vb_qemu_disk_iothread_mapping (Builder *b, xmlNode *disk, JsonArray **mapping, GError **error)
{
  xmlNode *driver = vb_xml_child (disk, "driver");
  xmlNode *iothreads = vb_xml_child (driver, "iothreads");
  g_autoptr (JsonArray) list = NULL;

  *mapping = NULL;
  if (!iothreads)
    return TRUE;
  if (!check_mapping (driver, iothreads, error)
      || !vb_qemu_need_qemu (b, iothreads, 90000,
                             "iothreads per queue (virtio-blk's iothread-vq-mapping)", error))
    return FALSE;
  list = json_array_new ();
  for (xmlNode *t = vb_xml_child (iothreads, "iothread"); t; t = vb_xml_next (t, "iothread"))
    {
      JsonObject *entry = json_object_new ();
      g_autofree char *name = g_strdup_printf ("iothread%u", vb_xml_attr_uint (t, "id", 0));

      json_object_set_string_member (entry, "iothread", name);
      if (vb_xml_child (t, "queue"))
        {
          JsonArray *vqs = json_array_new ();

          for (xmlNode *q = vb_xml_child (t, "queue"); q; q = vb_xml_next (q, "queue"))
            json_array_add_int_element (vqs, vb_xml_attr_uint (q, "id", 0));
          json_object_set_array_member (entry, "vqs", vqs);
        }
      json_array_add_object_element (list, entry);
    }
  *mapping = g_steal_pointer (&list);
  return TRUE;
}

/* The next option of the option string at *@p (doubled commas are one
 * comma of the value), and moves *@p past it. */
static char *
next_option (const char **p)
{
  GString *option = g_string_new (NULL);

  while (**p)
    {
      if (**p == ',' && (*p)[1] == ',')
        {
          g_string_append_c (option, ',');
          *p += 2;
          continue;
        }
      if (**p == ',')
        {
          (*p)++;
          break;
        }
      g_string_append_c (option, *((*p)++));
    }
  return g_string_free (option, FALSE);
}

/* Options of a disk's option string that QEMU's JSON -device takes as
 * numbers and as booleans (JSON is typed where the option string is not);
 * the rest are strings (bus, addr, port, drive, id, iothread, and the
 * OnOffAuto disable-legacy). */
static const char *const int_options[] = { "acpi-index", "channel", "scsi-id", "lun",
                                           "unit",       "nsid",    NULL };
static const char *const bool_options[] = { "multifunction",  "scsi",      "disable-modern",
                                            "iommu_platform", "ats",       "packed",
                                            "page-per-vq",    "ioeventfd", NULL };

char *
vb_qemu_disk_device_json (const char *opts, JsonObject *props, JsonArray *mapping, xmlNode *disk)
{
  g_autoptr (JsonObject) device = json_object_new ();
  g_autoptr (JsonNode) root = NULL;
  g_autoptr (GList) members = json_object_get_members (props);
  g_autofree char *order = child_attr (disk, "boot", "order");
  g_autofree char *driver = NULL;
  const char *p = opts;

  /* The option string the builder made: the model, then key=value pairs
   * of its bus or PCI address, the node and the id. */
  driver = next_option (&p);
  json_object_set_string_member (device, "driver", driver);
  if (mapping)
    json_object_set_array_member (device, "iothread-vq-mapping", json_array_ref (mapping));
  while (*p)
    {
      g_autofree char *option = next_option (&p);
      char *eq = strchr (option, '=');

      if (!eq)
        continue;
      *eq = '\0';
      if (g_strv_contains (bool_options, option))
        json_object_set_boolean_member (device, option, g_str_equal (eq + 1, "on"));
      else if (g_strv_contains (int_options, option))
        json_object_set_int_member (device, option, g_ascii_strtoll (eq + 1, NULL, 10));
      else
        json_object_set_string_member (device, option, eq + 1);
    }
  /* The properties of the XML keep their JSON types. */
  for (GList *m = members; m; m = m->next)
    json_object_set_member (device, m->data,
                            json_node_copy (json_object_get_member (props, m->data)));
  /* A floppy's boot order is its controller's (qemu-command-disk.c). */
  if (order && !g_str_equal (driver, "floppy"))
    json_object_set_int_member (device, "bootindex", g_ascii_strtoll (order, NULL, 10));
  root = json_node_init_object (json_node_alloc (), device);
  return json_to_string (root, FALSE);
}
