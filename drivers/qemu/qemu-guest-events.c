/* What the guest's devices did, from QEMU's events to the domain's signals
 * (libvirt's DeviceRemoved, TrayChange, BalloonChange): DEVICE_DELETED,
 * DEVICE_TRAY_MOVED and BALLOON_CHANGE. First in the table of parts and
 * never taking an event for itself, so the parts that wait for the same
 * events (an unplug waits for DEVICE_DELETED) still get them. */
#include "qemu-guest-events.h"

#include "qmp-client.h"

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
