/* The command line of <iothreads>/<iothreadids> (-object iothread), of
 * <defaultiothread> (-object main-loop) and of a device's
 * <driver iothread=…>, and what of <vcpu> placement the driver refuses
 * (placement='auto' itself is numad's, qemu-numad.h, at Start).
 * Pinning, schedulers and cgroups are host actions at the start
 * (qemu-cputune.c): nothing on the command line says them. */
#include "qemu-command-private.h"
#include "domain-cputune.h"

/* ",thread-pool-min=…,thread-pool-max=…" of @node's pool attributes. */
static void
pool_options (xmlNode *node, GString *out)
{
  g_autofree char *min = vb_xml_attr (node, "thread_pool_min");
  g_autofree char *max = vb_xml_attr (node, "thread_pool_max");

  if (min)
    vb_qemu_opt (out, "thread-pool-min", min);
  if (max)
    vb_qemu_opt (out, "thread-pool-max", max);
}

static xmlNode *
iothread_node (xmlNode *root, guint id)
{
  for (xmlNode *node = vb_xml_child (vb_xml_child (root, "iothreadids"), "iothread"); node;
       node = vb_xml_next (node, "iothread"))
    if (vb_xml_attr_uint (node, "id", 0) == id)
      return node;
  return NULL;
}

gboolean
vb_qemu_build_iothreads (Builder *b, GError **error)
{
  xmlNode *vcpu = vb_xml_child (b->root, "vcpu");
  xmlNode *main_loop = vb_xml_child (b->root, "defaultiothread");
  g_autoptr (GArray) ids = vb_domain_iothread_ids (b->root);

  /* numad chooses the CPUs at Start (qemu-numad.h): a cpuset as well
   * would be ignored, as libvirt ignores it. */
  if (vb_xml_attr_is (vcpu, "placement", "auto") && xmlHasProp (vcpu, BAD_CAST "cpuset"))
    return refuse (error, vcpu,
                   "placement='auto' lets numad choose the CPUs: a cpuset with it would be "
                   "ignored; leave one of them out");
  for (guint i = 0; i < ids->len; i++)
    {
      guint id = g_array_index (ids, guint, i);
      xmlNode *node = iothread_node (b->root, id);
      xmlNode *poll = vb_xml_child (node, "poll");
      g_autoptr (GString) object = g_string_new (NULL);

      g_string_append_printf (object, "iothread,id=iothread%u", id);
      if (node)
        pool_options (node, object);
      if (poll)
        {
          g_autofree char *max = vb_xml_attr (poll, "max");
          g_autofree char *grow = vb_xml_attr (poll, "grow");
          g_autofree char *shrink = vb_xml_attr (poll, "shrink");

          if (max)
            vb_qemu_opt (object, "poll-max-ns", max);
          if (grow)
            vb_qemu_opt (object, "poll-grow", grow);
          if (shrink)
            vb_qemu_opt (object, "poll-shrink", shrink);
        }
      add2 (b, "-object", object->str);
    }
  if (main_loop)
    {
      g_autoptr (GString) object = g_string_new ("main-loop,id=main-loop");

      pool_options (main_loop, object);
      add2 (b, "-object", object->str);
    }
  return TRUE;
}

gboolean
vb_qemu_iothread_option (Builder *b, xmlNode *device, gboolean can, GString *out, GError **error)
{
  xmlNode *driver = vb_xml_child (device, "driver");
  g_autofree char *id = driver ? vb_xml_attr (driver, "iothread") : NULL;

  /* A virtio disk's are its iothread-vq-mapping (qemu-command-disk-iothreads.c). */
  if (vb_xml_child (driver, "iothreads") && !can)
    return refuse (error, vb_xml_child (driver, "iothreads"),
                   "iothreads per queue are for virtio disks (bus='virtio')");
  if (vb_xml_child (driver, "iothreads"))
    return TRUE;
  if (!id)
    return TRUE;
  /* Only virtio devices have an iothread= in QEMU. */
  if (!can)
    return refuse (error, driver,
                   "iothread= applies to virtio disks (bus='virtio') and virtio-scsi "
                   "controllers only");
  g_string_append_printf (out, ",iothread=iothread%u", vb_xml_attr_uint (driver, "iothread", 0));
  return TRUE;
}
