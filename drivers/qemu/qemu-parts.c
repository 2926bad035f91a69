/* The table of parts: each feature follows the domain's QEMU through one
 * VbQemuPart (qemu-part.h), and the process code walks this table. A new
 * feature is its own file exporting a part, and a row here. Events reach the
 * parts in this order, before the process code's own handling; several parts
 * look at the same events (MIGRATION, STOP, RESUME, JOB_STATUS_CHANGE), each
 * only while its own work runs, and the order is the one they always had. */
#include "qemu-part.h"

#include "qemu-block-copy.h"
#include "qemu-guest-events.h"
#include "qemu-helper-process.h"
#include "qemu-host-tuning.h"
#include "qemu-hotplug.h"
#include "qemu-lifecycle.h"
#include "qemu-macvtap.h"
#include "qemu-migration.h"
#include "qemu-ovs.h"
#include "qemu-save.h"
#include "qemu-snapshot.h"
#include "qemu-tap-script.h"

const VbQemuPart *const vb_qemu_parts[] = {
  /* domain actions: sees every event first and takes none */
  &vb_qemu_guest_events_part,
  &vb_qemu_migration_part,
  &vb_qemu_save_part,
  &vb_qemu_block_copy_part,
  &vb_qemu_snapshot_part,
  &vb_qemu_hotplug_part,
  /* on_poweroff restart, on_crash, the watchdog: takes GUEST_PANICKED and a
   * SHUTDOWN it restarts from */
  &vb_qemu_lifecycle_part,
  &vb_qemu_helpers_part,
  /* removes the Open vSwitch ports of the taps when QEMU ends */
  &vb_qemu_ovs_part,
  /* runs the taps' <downscript>s when QEMU ends */
  &vb_qemu_tap_script_part,
  /* <perf>'s counters: closed with the driver data, reopened on reattach */
  &vb_qemu_host_tuning_part,
  /* deletes the macvtap links of type='direct' when QEMU ends */
  &vb_qemu_macvtap_part,
  NULL,
};
