/* The QEMU driver's state (vb_qemu_driver) and its capabilities: QEMU is
 * probed once, in the background (qemu-caps.c), and every caller waits for
 * that one probe. Apart from qemu-driver.c so that the process code and the
 * parts can reach the capabilities without reaching the driver's vtable. */
#include "qemu-domain-private.h"

#include "vb-log.h"

QemuDriver vb_qemu_driver;

static void
caps_probed (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GPtrArray) waiters = g_steal_pointer (&vb_qemu_driver.caps_waiters);

  vb_qemu_driver.caps = vb_qemu_caps_get_finish (result, &vb_qemu_driver.caps_error);
  if (vb_qemu_driver.caps)
    vb_log_info (NULL, "QEMU %s at %s: KVM %s%s%s", vb_qemu_driver.caps->version,
                 vb_qemu_driver.caps->binary, vb_qemu_driver.caps->kvm_usable ? "usable" : "not usable",
                 vb_qemu_driver.caps->kvm_usable ? "" : ": ",
                 vb_qemu_driver.caps->kvm_usable ? "" : vb_qemu_driver.caps->kvm_why);
  else
    vb_log_warning (NULL, "Cannot probe QEMU: %s", vb_qemu_driver.caps_error->message);
  for (guint i = 0; waiters && i < waiters->len; i++)
    {
      GTask *task = waiters->pdata[i];
      if (vb_qemu_driver.caps)
        g_task_return_pointer (task, vb_qemu_caps_ref (vb_qemu_driver.caps),
                               (GDestroyNotify) vb_qemu_caps_unref);
      else
        g_task_return_error (task, g_error_copy (vb_qemu_driver.caps_error));
      g_object_unref (task);
    }
}

char *
vb_qemu_caps_cache_dir (void)
{
  const char *base = vb_driver_host_get_setting (vb_qemu_driver.host, "cache-dir");

  return base ? g_build_filename (base, "qemu-caps", NULL)
              : g_build_filename (vb_driver_host_get_state_dir (vb_qemu_driver.host), "qemu-caps",
                                  NULL);
}

void
vb_qemu_probe_caps (void)
{
  g_autofree char *cache = vb_qemu_caps_cache_dir ();

  vb_qemu_driver.caps_waiters = g_ptr_array_new ();
  g_clear_error (&vb_qemu_driver.caps_error);
  /* As QEMU's user, as guests run: what it may open (/dev/kvm) is what counts. */
  vb_qemu_caps_get_async (vb_qemu_binary (), vb_qemu_user_name (), cache, NULL, caps_probed, NULL);
}

/* The capabilities, probed once; a failed probe is tried again next time. */
void
vb_qemu_get_caps_async (GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task = g_task_new (NULL, NULL, callback, user_data);

  if (vb_qemu_driver.caps)
    {
      g_task_return_pointer (task, vb_qemu_caps_ref (vb_qemu_driver.caps),
                             (GDestroyNotify) vb_qemu_caps_unref);
      g_object_unref (task);
      return;
    }
  if (!vb_qemu_driver.caps_waiters)
    vb_qemu_probe_caps ();
  g_ptr_array_add (vb_qemu_driver.caps_waiters, task);
}

VbQemuCaps *
vb_qemu_get_caps_finish (GAsyncResult *result, GError **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}
