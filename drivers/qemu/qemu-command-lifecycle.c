/* The command line of what the guest's power-off, reboot, crash and
 * watchdog do: <on_poweroff>, <on_reboot>, <on_crash>, <on_lockfailure>,
 * <watchdog> and <panic>. QEMU is told only what it does itself (a reboot
 * that powers off, a panic that pauses, the watchdog's action); the rest
 * (restart, core dumps) is carried out by the service on QEMU's events
 * (qemu-lifecycle.c). */
#include "qemu-command-private.h"
#include "qemu-lifecycle.h"

/* The combinations libvirt's QEMU driver refuses are refused with its
 * reasons: there is no sensible way to carry them out with one QEMU. */
gboolean
vb_qemu_build_lifecycle_actions (Builder *b, GError **error)
{
  static const char *const elements[] = { "on_poweroff", "on_reboot", "on_crash" };
  xmlNode *lockfailure = vb_xml_child (b->root, "on_lockfailure");

  for (guint i = 0; i < G_N_ELEMENTS (elements); i++)
    {
      xmlNode *node = vb_xml_child (b->root, elements[i]);
      g_autofree char *value = node ? vb_xml_text (node) : NULL;

      if (g_strcmp0 (value, "rename-restart") == 0)
        return refuse (error, node,
                       "'rename-restart' is not supported by the QEMU driver (libvirt's "
                       "QEMU driver refuses it too): use restart, or destroy and define again");
      if (g_strcmp0 (value, "preserve") == 0 && i < 2)
        return refuse (error, node,
                       "'preserve' is supported only for <on_crash>: a guest that powered off "
                       "or rebooted has nothing left to inspect (libvirt's QEMU driver refuses "
                       "it too)");
    }
  if (vb_qemu_lifecycle_action (b->root, "on_poweroff") == VB_QEMU_ACTION_RESTART
      && vb_qemu_lifecycle_action (b->root, "on_reboot") == VB_QEMU_ACTION_DESTROY)
    return refuse (error, vb_xml_child (b->root, "on_reboot"),
                   "'destroy' together with <on_poweroff> 'restart' is not supported: QEMU "
                   "turns the reboot into a power-off, which would then restart the guest");
  if (lockfailure)
    return refuse (error, lockfailure,
                   "virtbus has no lock manager, so no lock is ever lost: nothing would carry "
                   "out this action");
  /* A reboot that powers off reaches the service as a SHUTDOWN, which ends QEMU. */
  if (vb_qemu_lifecycle_action (b->root, "on_reboot") == VB_QEMU_ACTION_DESTROY)
    add2 (b, "-action", "reboot=shutdown");
  /* A panicking guest is stopped where it is; on_crash decides what then. */
  if (vb_xml_child (b->devices, "panic"))
    add2 (b, "-action", "panic=pause");
  return TRUE;
}

/* ---- watchdog ---- */

/* QEMU has one watchdog action for all of them (-action watchdog=); "dump"
 * is QEMU's "pause" followed by the service's dump and resume. */
static const char *
qemu_watchdog_action (const char *action)
{
  static const char *const direct[] = { "reset", "shutdown",   "poweroff", "pause",
                                        "none",  "inject-nmi", NULL };

  if (!action)
    return "reset"; /* libvirt's default, and QEMU's */
  if (g_str_equal (action, "dump"))
    return "pause";
  return g_strv_contains (direct, action) ? action : NULL;
}

gboolean
vb_qemu_build_watchdog (Builder *b, xmlNode *node, GError **error)
{
  g_autofree char *model = vb_xml_attr (node, "model");
  g_autofree char *action = vb_xml_attr (node, "action");
  const char *qemu_action = qemu_watchdog_action (action);
  guint index = 0;
  xmlNode *first = vb_xml_child (b->devices, "watchdog");

  for (xmlNode *w = first; w && w != node; w = vb_xml_next (w, "watchdog"))
    {
      g_autofree char *other_action = vb_xml_attr (w, "action");

      if (g_strcmp0 (qemu_watchdog_action (other_action), qemu_action) != 0
          || (g_strcmp0 (other_action, "dump") == 0) != (g_strcmp0 (action, "dump") == 0))
        return refuse (error, node,
                       "every watchdog must have the same action: QEMU has one for all "
                       "(the first one's is '%s')",
                       other_action ? other_action : "reset");
      /* As libvirt: any number of i6300esb cards, one of each other model. */
      if (!g_str_equal (model, "i6300esb") && vb_xml_attr_is (w, "model", model))
        return refuse (error, node, "a domain can have only one watchdog of model '%s'", model);
      index++;
    }
  if (!qemu_action)
    return refuse (error, node, "watchdog action '%s' is not supported", action);

  if (g_str_equal (model, "itco"))
    {
      /* The iTCO watchdog is part of q35's ICH9 chipset, always there; QEMU
       * only lets its second timeout reset the machine when asked. */
      if (!b->command->q35)
        return refuse (error, node,
                       "watchdog model 'itco' is part of the q35 machine's ICH9 chipset; "
                       "this machine has none (use i6300esb or ib700)");
      if (vb_xml_child (node, "address"))
        return refuse (error, vb_xml_child (node, "address"),
                       "the itco watchdog is built into the chipset: it has no address");
      add2 (b, "-global", "ICH9-LPC.noreboot=off");
    }
  else
    {
      g_autofree char *id = g_strdup_printf ("watchdog%u", index);
      g_autoptr (GString) out = g_string_new (NULL);

      if (g_str_equal (model, "i6300esb"))
        g_string_append_printf (out, "i6300esb,id=%s", id);
      else if (g_str_equal (model, "ib700"))
        g_string_append_printf (out, "ib700,id=%s", id);
      else
        return refuse (error, node, "watchdog model '%s' is not supported", model);
      if (!add_fixed_pci_device (b, node, id, out, error))
        return FALSE;
    }
  if (index == 0)
    {
      add (b, "-action");
      addf (b, "watchdog=%s", qemu_action);
    }
  return TRUE;
}

/* ---- panic ---- */

/* Appends @feature to the -cpu argument the CPU builder wrote. */
static gboolean
add_cpu_feature (Builder *b, const char *feature)
{
  for (guint i = 0; i + 1 < b->command->argv->len; i++)
    if (g_str_equal (b->command->argv->pdata[i], "-cpu"))
      {
        char *old = b->command->argv->pdata[i + 1];

        b->command->argv->pdata[i + 1] = g_strdup_printf ("%s,%s", old, feature);
        g_free (old);
        return TRUE;
      }
  return FALSE;
}

gboolean
vb_qemu_build_panic (Builder *b, xmlNode *node, GError **error)
{
  g_autofree char *model = vb_xml_attr (node, "model");
  xmlNode *address = vb_xml_child (node, "address");
  const char *kind = model ? model : "isa"; /* libvirt's default on x86 */
  guint index = 0;
  g_autofree char *id = NULL;

  for (xmlNode *p = vb_xml_child (b->devices, "panic"); p && p != node;
       p = vb_xml_next (p, "panic"))
    {
      g_autofree char *other = vb_xml_attr (p, "model");

      if (g_str_equal (other ? other : "isa", kind))
        return refuse (error, node, "a second panic device of model '%s'", kind);
      index++;
    }
  id = g_strdup_printf ("panic%u", index);
  if (g_str_equal (kind, "isa"))
    {
      g_autoptr (GString) out = g_string_new ("pvpanic");

      if (address && !vb_xml_attr_is (address, "type", "isa"))
        return refuse (error, address, "the isa panic device takes only an ISA address");
      if (!fixed_id (node, id, error))
        return FALSE;
      g_string_append_printf (out, ",id=%s", id);
      /* 0x505 is QEMU's default port, and the one the guest's ACPI table names. */
      if (vb_xml_attr_uint (address, "iobase", 0x505) != 0x505)
        g_string_append_printf (out, ",ioport=%u", vb_xml_attr_uint (address, "iobase", 0x505));
      add2 (b, "-device", out->str);
      return TRUE;
    }
  if (g_str_equal (kind, "pvpanic"))
    {
      g_autoptr (GString) out = g_string_new (NULL);

      if (address && !vb_xml_attr_is (address, "type", "pci"))
        return refuse (error, address, "the pvpanic panic device is a PCI device (pvpanic-pci)");
      g_string_append_printf (out, "pvpanic-pci,id=%s", id);
      return add_fixed_pci_device (b, node, id, out, error);
    }
  if (g_str_equal (kind, "hyperv"))
    {
      if (address)
        return refuse (error, address, "the hyperv panic device is part of the CPU: no address");
      /* The Hyper-V crash MSRs are KVM's: under TCG the guest's writes to
       * them would go nowhere, a panic nobody hears of. */
      if (!b->context->kvm)
        return refuse (error, node,
                       "panic model 'hyperv' needs KVM (QEMU emulates the Hyper-V crash "
                       "registers only there); this domain runs under TCG: use isa or pvpanic");
      if (!add_cpu_feature (b, "hv-crash"))
        return refuse (error, node, "panic model 'hyperv' needs a -cpu argument");
      return TRUE;
    }
  return refuse (error, node, "panic model '%s' is not supported (isa, pvpanic, hyperv)", kind);
}
