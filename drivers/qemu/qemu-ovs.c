/* Open vSwitch ports of taps: see qemu-ovs.h. */
#include "qemu-ovs.h"

#include <gio/gio.h>

#include "vb-error.h"
#include "vb-log.h"

GStrv
vb_qemu_ovs_add_port_argv (const VbQemuTap *tap)
{
  GPtrArray *argv = g_ptr_array_new ();

  /* --timeout: ovs-vsctl waits for ovsdb-server forever otherwise. */
  g_ptr_array_add (argv, g_strdup (VB_OVS_VSCTL));
  g_ptr_array_add (argv, g_strdup ("--timeout=5"));
  g_ptr_array_add (argv, g_strdup ("--"));
  g_ptr_array_add (argv, g_strdup ("--may-exist"));
  g_ptr_array_add (argv, g_strdup ("add-port"));
  g_ptr_array_add (argv, g_strdup (tap->bridge));
  g_ptr_array_add (argv, g_strdup (tap->ifname));
  for (guint i = 0; tap->ovs_vlan && tap->ovs_vlan[i]; i++)
    g_ptr_array_add (argv, g_strdup (tap->ovs_vlan[i]));
  /* What a controller (OVN, Neutron) finds the port by, as libvirt sets
   * it; each value was checked at define (a MAC, UUIDs, a plain word). */
  g_ptr_array_add (argv, g_strdup ("--"));
  g_ptr_array_add (argv, g_strdup ("set"));
  g_ptr_array_add (argv, g_strdup ("Interface"));
  g_ptr_array_add (argv, g_strdup (tap->ifname));
  g_ptr_array_add (argv, g_strdup_printf ("external-ids:attached-mac=\"%s\"", tap->mac));
  g_ptr_array_add (argv, g_strdup_printf ("external-ids:iface-id=\"%s\"", tap->ovs_iface_id));
  g_ptr_array_add (argv, g_strdup_printf ("external-ids:vm-id=\"%s\"", tap->ovs_vm_id));
  g_ptr_array_add (argv, g_strdup ("external-ids:iface-status=active"));
  if (tap->ovs_profile_id)
    g_ptr_array_add (argv,
                     g_strdup_printf ("external-ids:port-profile=\"%s\"", tap->ovs_profile_id));
  g_ptr_array_add (argv, NULL);
  return (GStrv) g_ptr_array_free (argv, FALSE);
}

GStrv
vb_qemu_ovs_del_port_argv (const char *ifname)
{
  const char *const argv[] = { VB_OVS_VSCTL, "--timeout=5", "--", "--if-exists",
                               "del-port",   ifname,        NULL };

  return g_strdupv ((char **) argv);
}

GStrv
vb_qemu_ovs_ports_of (const VbQemuCommand *command)
{
  GPtrArray *ports = g_ptr_array_new ();

  for (guint i = 0; i < command->taps->len; i++)
    {
      const VbQemuTap *tap = command->taps->pdata[i];

      if (tap->ovs)
        g_ptr_array_add (ports, g_strdup (tap->ifname));
    }
  g_ptr_array_add (ports, NULL);
  return (GStrv) g_ptr_array_free (ports, FALSE);
}

typedef struct {
  GPtrArray *argvs; /* GStrv, one per port */
  guint next;
} AddPorts;

static void
add_ports_free (AddPorts *add)
{
  g_ptr_array_unref (add->argvs);
  g_free (add);
}

static void add_next (GTask *task);

static void
port_added (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  AddPorts *add = g_task_get_task_data (task);
  GStrv argv = add->argvs->pdata[add->next - 1];
  g_autofree char *err = NULL;
  GError *error = NULL;

  if (!g_subprocess_communicate_utf8_finish (G_SUBPROCESS (source), result, NULL, &err, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  if (!g_subprocess_get_successful (G_SUBPROCESS (source)))
    {
      /* argv[5] and [6]: the bridge and the tap. */
      g_task_return_new_error (task, VB_ERROR, VB_ERROR_NOT_SUPPORTED,
                               "<virtualport type='openvswitch'>: Open vSwitch could not add tap "
                               "%s to bridge '%s': %s",
                               argv[6], argv[5], err ? g_strstrip (err) : "");
      return;
    }
  add_next (g_steal_pointer (&task));
}

static void
add_next (GTask *task)
{
  AddPorts *add = g_task_get_task_data (task);
  g_autoptr (GSubprocess) process = NULL;
  GError *error = NULL;

  if (add->next == add->argvs->len)
    {
      g_task_return_boolean (task, TRUE);
      g_object_unref (task);
      return;
    }
  process =
    g_subprocess_newv ((const char *const *) add->argvs->pdata[add->next++],
                       G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_PIPE, &error);
  if (!process)
    {
      g_task_return_new_error (task, VB_ERROR, VB_ERROR_NOT_SUPPORTED,
                               "<virtualport type='openvswitch'>: cannot run " VB_OVS_VSCTL ": %s",
                               error->message);
      g_error_free (error);
      g_object_unref (task);
      return;
    }
  g_subprocess_communicate_utf8_async (process, NULL, NULL, port_added, task);
}

void
vb_qemu_ovs_add_ports_async (const VbQemuCommand *command, GAsyncReadyCallback callback,
                             gpointer user_data)
{
  GTask *task = g_task_new (NULL, NULL, callback, user_data);
  AddPorts *add = g_new0 (AddPorts, 1);

  g_task_set_source_tag (task, vb_qemu_ovs_add_ports_async);
  add->argvs = g_ptr_array_new_with_free_func ((GDestroyNotify) g_strfreev);
  for (guint i = 0; i < command->taps->len; i++)
    {
      const VbQemuTap *tap = command->taps->pdata[i];

      if (tap->ovs)
        g_ptr_array_add (add->argvs, vb_qemu_ovs_add_port_argv (tap));
    }
  g_task_set_task_data (task, add, (GDestroyNotify) add_ports_free);
  add_next (task);
}

gboolean
vb_qemu_ovs_add_ports_finish (GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == vb_qemu_ovs_add_ports_async,
                        FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
port_deleted (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autofree char *log_name = user_data;
  g_autofree char *err = NULL;
  g_autoptr (GError) error = NULL;

  if (!g_subprocess_communicate_utf8_finish (G_SUBPROCESS (source), result, NULL, &err, &error))
    vb_log_warning (log_name, "ovs-vsctl del-port: %s", error->message);
  else if (!g_subprocess_get_successful (G_SUBPROCESS (source)))
    vb_log_warning (log_name, "ovs-vsctl del-port: %s", err ? g_strstrip (err) : "failed");
  g_object_unref (source);
}

void
vb_qemu_ovs_del_ports (const char *const *ifnames, const char *log_name)
{
  for (guint i = 0; ifnames && ifnames[i]; i++)
    {
      g_auto (GStrv) argv = vb_qemu_ovs_del_port_argv (ifnames[i]);
      g_autoptr (GError) error = NULL;
      GSubprocess *process =
        g_subprocess_newv ((const char *const *) argv,
                           G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_PIPE,
                           &error);

      if (!process)
        {
          vb_log_warning (log_name, "cannot remove Open vSwitch port %s: %s", ifnames[i],
                          error->message);
          continue;
        }
      g_subprocess_communicate_utf8_async (process, NULL, NULL, port_deleted, g_strdup (log_name));
    }
}

static void
gone (QemuDomain *qd)
{
  if (qd->status && qd->status->ovs_ports)
    vb_qemu_ovs_del_ports ((const char *const *) qd->status->ovs_ports,
                           vb_qemu_log_name (qd->domain));
}

const VbQemuPart vb_qemu_ovs_part = {
  .name = "ovs",
  .gone = gone,
};
