/* What the guest's devices did, from QEMU's events to the domain's signals
 * (libvirt's DeviceRemoved, TrayChange, BalloonChange): DEVICE_DELETED,
 * DEVICE_TRAY_MOVED and BALLOON_CHANGE; and to the live XML: a virtio-mem's
 * <current> from MEMORY_DEVICE_SIZE_CHANGE. First in the table of parts and
 * never taking an event for itself, so the parts that wait for the same
 * events (an unplug waits for DEVICE_DELETED) still get them. */
#include "qemu-guest-events.h"

#include "domain-virtio-mem.h"
#include "qemu-plug.h"
#include "qmp-client.h"
#include "vb-log.h"

/* The guest's virtio-mem driver plugged or unplugged blocks: the live XML's
 * <current> says how much it has now, as libvirt's does. */
static void
virtio_mem_size_changed (QemuDomain *qd, JsonObject *data)
{
  const char *id = vb_qmp_member_string (data, "id");
  gint64 size = vb_qmp_member_int (data, "size", -1);
  g_autoptr (GError) error = NULL;
  VbDomainDef *def;

  if (!id || !*id || size < 0 || !qd->status)
    return;
  def = vb_domain_def_with_virtio_mem_current (vb_domain_get_live_def (qd->domain), id,
                                               (guint64) size / 1024, &error);
  if (def)
    vb_qemu_plug_set_live_def (qd, def);
  else
    vb_log_warning (vb_qemu_log_name (qd->domain), "the live XML misses %s's size: %s", id,
                    error->message);
}

static gboolean
event (QemuDomain *qd, const char *name, JsonObject *data)
{
  if (g_str_equal (name, "DEVICE_DELETED"))
    {
      /* Devices without an id (a vCPU's parts, backends) are no alias. */
      const char *id = vb_qmp_member_string (data, "device");

      if (id && *id)
        vb_domain_emit_device_removed (qd->domain, id);
    }
  else if (g_str_equal (name, "DEVICE_TRAY_MOVED"))
    {
      const char *id = vb_qmp_member_string (data, "id");

      if (id && *id)
        vb_domain_emit_tray_change (qd->domain, id,
                                    vb_qmp_member_bool (data, "tray-open", FALSE) ? 0 : 1);
    }
  else if (g_str_equal (name, "MEMORY_DEVICE_SIZE_CHANGE"))
    virtio_mem_size_changed (qd, data);
  else if (g_str_equal (name, "BALLOON_CHANGE"))
    {
      gint64 actual = vb_qmp_member_int (data, "actual", -1);

      if (actual >= 0)
        vb_domain_emit_balloon_change (qd->domain, (guint64) actual / 1024);
    }
  return FALSE;
}

const VbQemuPart vb_qemu_guest_events_part = {
  .name = "guest events",
  .event = event,
};
