/* From a domain definition to a QEMU command line: the machine, CPU,
 * memory, firmware, boot, clock and controllers, then every device element in
 * the order the XML lists them (their builders are in qemu-command-*.c). */
#include "qemu-command-private.h"
#include "domain-vcpus.h"
#include "qemu-complete.h"
#include "qemu-machine-names.h"
#include "qemu-pci-address.h"
#include "qemu-rawio.h"
#include "qemu-command-throttle.h"
#include "qemu-vcpu-slots.h"

/* The fd set QEMU finds the UEFI variable store in, when the service opens it. */
#define NVRAM_FDSET 1

/* ---- machine, CPU, memory ---- */

static gboolean
machine_known (Builder *b, const char *machine)
{
  if (!b->context->machines)
    return TRUE;
  return g_strv_contains (b->context->machines, machine);
}

static gboolean
build_machine (Builder *b, GError **error)
{
  xmlNode *os = vb_xml_child (b->root, "os");
  xmlNode *type = vb_xml_child (os, "type");
  xmlNode *features = vb_xml_child (b->root, "features");
  xmlNode *pm = vb_xml_child (b->root, "pm");
  g_autofree char *machine = type ? vb_xml_attr (type, "machine") : NULL;
  g_autofree char *arch = type ? vb_xml_attr (type, "arch") : NULL;
  g_autoptr (GString) opts = g_string_new (NULL);

  if (arch && !g_str_equal (arch, "x86_64") && !g_str_equal (arch, "i686"))
    return refuse (error, type, "arch '%s' needs another QEMU binary; this host runs x86_64",
                   arch);
  if (type)
    {
      g_autofree char *os_type = vb_xml_text (type);
      if (!g_str_equal (os_type, "hvm"))
        return refuse (error, type, "os type '%s': QEMU runs 'hvm' guests", os_type);
    }
  if (!machine)
    machine = g_strdup ("pc");
  if (!vb_qemu_plain_word (machine, NULL))
    return refuse (error, type, "machine type '%s' is not a name QEMU knows", machine);
  if (!machine_known (b, machine))
    {
      g_autofree char *closest = vb_qemu_closest_machine (machine, b->context->machines);

      /* A versioned pc or q35 machine this QEMU lacks is the host's lack, like
       * a missing kernel file: the definition is kept (one made on a newer
       * host, or for after an upgrade of QEMU), and Start refuses it. */
      if (closest && !b->context->dry_run)
        return refuse (error, type,
                       "machine type '%s' is not known to this QEMU; the closest one it has is "
                       "'%s' (a guest's machine type is part of what it sees: change it only "
                       "knowing that)",
                       machine, closest);
      if (!closest)
        return refuse (error, type,
                     "machine type '%s' is not known to this QEMU; use one that "
                     "'qemu-system-x86_64 -machine help' lists, e.g. pc or q35",
                     machine);
    }
  b->command->machine = g_strdup (machine);
  b->command->q35 = strstr (machine, "q35") != NULL;
  b->pci_root = b->command->q35 ? "pcie.0" : "pci.0";

  vb_qemu_opt_value (opts, machine);
  g_string_append_printf (opts, ",usb=off,dump-guest-core=%s",
                          vb_qemu_memory_dump_core (b) ? "on" : "off");
  if (!vb_xml_child (features, "acpi"))
    g_string_append (opts, ",acpi=off");
  {
    g_autofree char *vmport = child_attr (features, "vmport", "state");
    g_autofree char *smm = child_attr (features, "smm", "state");
    if (vmport)
      vb_qemu_opt (opts, "vmport", vmport);
    if (smm)
      vb_qemu_opt (opts, "smm", smm);
  }
  if (!vb_qemu_clock_machine_and_cpu (b, opts, NULL, error))
    return FALSE;
  vb_qemu_memory_machine_opts (b, opts);
  if (!vb_qemu_sgx_machine_opts (b, opts, error))
    return FALSE;
  vb_qemu_machine_pcspk (b, opts);
  vb_qemu_nvram_machine_opts (b, opts);
  {
    g_autoptr (GString) accel = g_string_new (b->context->kvm ? "kvm" : "tcg");

    if (!vb_qemu_features_machine (b, opts, accel, error)
        || !vb_qemu_build_launch_security (b, opts, error)
        || !vb_qemu_build_tdx (b, opts, accel, error))
      return FALSE;
    add2 (b, "-machine", opts->str);
    add2 (b, "-accel", accel->str);
  }

  if (pm)
    {
      const char *lpc = b->command->q35 ? "ICH9-LPC" : "PIIX4_PM";
      g_autofree char *s3 = child_attr (pm, "suspend-to-mem", "enabled");
      g_autofree char *s4 = child_attr (pm, "suspend-to-disk", "enabled");
      if (s3)
        {
          add (b, "-global");
          addf (b, "%s.disable_s3=%d", lpc, g_str_equal (s3, "no"));
        }
      if (s4)
        {
          add (b, "-global");
          addf (b, "%s.disable_s4=%d", lpc, g_str_equal (s4, "no"));
        }
    }
  return TRUE;
}

static gboolean
build_cpu (Builder *b, GError **error)
{
  xmlNode *cpu = vb_xml_child (b->root, "cpu");
  xmlNode *topology = vb_xml_child (cpu, "topology");
  g_autofree char *mode = cpu ? vb_xml_attr (cpu, "mode") : NULL;
  g_autoptr (GString) model = g_string_new (NULL);
  /* The hotpluggable vCPUs of <vcpus> are devices of their own, below. */
  guint boot = vb_domain_def_boot_vcpus (b->def);
  g_autoptr (GArray) plugged = vb_domain_def_hotplugged_vcpus (b->def);
  g_autofree char *type = NULL;

  if (!cpu || !mode || g_str_equal (mode, "custom"))
    {
      xmlNode *model_node = vb_xml_child (cpu, "model");
      g_autofree char *name = model_node ? vb_xml_text (model_node) : NULL;

      /* -cpu is not QemuOpts: it splits on every comma, so nothing escapes one. */
      if (name && *name && !vb_qemu_plain_word (name, NULL))
        return refuse (error, model_node, "CPU model '%s' is not a name QEMU knows", name);
      g_string_append (model, name && *name ? name : (b->context->kvm ? "host" : "qemu64"));
      for (xmlNode *f = vb_xml_child (cpu, "feature"); f; f = vb_xml_next (f, "feature"))
        {
          g_autofree char *fname = vb_xml_attr (f, "name");
          g_autofree char *policy = vb_xml_attr (f, "policy");
          gboolean off = g_strcmp0 (policy, "disable") == 0 || g_strcmp0 (policy, "forbid") == 0;

          if (!vb_qemu_plain_word (fname, NULL))
            return refuse (error, f, "CPU feature '%s' is not a name QEMU knows", fname);
          g_string_append_printf (model, ",%s=%s", fname, off ? "off" : "on");
        }
    }
  else if (g_str_equal (mode, "host-passthrough"))
    {
      if (!b->context->kvm)
        return refuse (error, cpu,
                       "mode 'host-passthrough' needs KVM, and this domain runs under TCG "
                       "(type='qemu', or KVM is not usable here)");
      g_string_append (model, "host");
      if (vb_xml_attr_is (cpu, "migratable", "off"))
        g_string_append (model, ",migratable=off");
    }
  else if (g_str_equal (mode, "host-model"))
    {
      /* The closest QEMU itself offers: the host's CPU under KVM, all TCG can do otherwise. */
      g_string_append (model, b->context->kvm ? "host" : "max");
    }
  else if (g_str_equal (mode, "maximum"))
    {
      /* Everything the accelerator can give: QEMU's "max" model. */
      g_string_append (model, "max");
      if (vb_xml_attr_is (cpu, "migratable", "off"))
        g_string_append (model, ",migratable=off");
    }
  else
    {
      return refuse (error, cpu, "CPU mode '%s' is not supported", mode);
    }
  if (!vb_qemu_features_cpu_flags (b, model, error)
      || !vb_qemu_clock_machine_and_cpu (b, NULL, model, error)
      || !vb_qemu_cpu_options (b, cpu, model, error))
    return FALSE;
  add2 (b, "-cpu", model->str);

  add (b, "-smp");
  if (topology && vb_xml_attr_uint (topology, "clusters", 1) != 1)
    return refuse (error, topology, "QEMU 7.2's x86 machines have no CPU clusters: "
                                    "clusters must be 1");
  if (topology)
    addf (b, "%u,maxcpus=%u,sockets=%u,dies=%u,cores=%u,threads=%u", boot, b->def->vcpus,
          vb_xml_attr_uint (topology, "sockets", 1), vb_xml_attr_uint (topology, "dies", 1),
          vb_xml_attr_uint (topology, "cores", 1), vb_xml_attr_uint (topology, "threads", 1));
  else
    addf (b, "%u,maxcpus=%u,sockets=%u,cores=1,threads=1", boot, b->def->vcpus, b->def->vcpus);
  /* In the order they came, in the slots and with the ids their hotplug
   * gave them (qemu-vcpus.c): a saved or migrating guest's state fits. */
  type = vb_qemu_vcpu_type (model->str);
  for (guint i = 0; i < plugged->len; i++)
    {
      g_autofree char *device =
        vb_qemu_vcpu_device (b->def, g_array_index (plugged, guint, i), type);

      add2 (b, "-device", device);
    }

  return vb_qemu_build_memory (b, error);
}

/* The store of a UEFI guest's variables: its path (from <nvram>, its
 * <source file>, or the service's own store), its format and its
 * template's. A store made from a template of another format is converted
 * at Start (qemu-nvram-make.c). */
static gboolean
firmware_nvram (Builder *b, xmlNode *nvram_node, gboolean own_template, char **nvram, char **format,
                char **template_format, GError **error)
{
  xmlNode *source = vb_xml_child (nvram_node, "source");

  *format = nvram_node ? vb_xml_attr (nvram_node, "format") : NULL;
  if (!*format)
    *format = g_strdup ("raw");
  *template_format = nvram_node ? vb_xml_attr (nvram_node, "templateFormat") : NULL;
  /* Debian's OVMF templates are raw; a template the XML names is taken to
   * be of the store's format unless templateFormat says otherwise. */
  if (!*template_format)
    *template_format = g_strdup (own_template ? *format : "raw");
  if (nvram_node && vb_xml_attr_is (nvram_node, "type", "network"))
    return TRUE; /* no path: qemu-command-nvram.c */
  if (source && xmlHasProp (source, (const xmlChar *) "protocol"))
    return refuse (error, vb_xml_child (nvram_node, "source"),
                   "protocol= is for <nvram type='network'>");
  *nvram = source ? vb_xml_attr (source, "file") : nvram_node ? vb_xml_text (nvram_node) : NULL;
  if (!*nvram || !**nvram)
    {
      g_autofree char *file = g_strdup_printf ("%s_VARS.fd", b->def->name);

      g_free (*nvram);
      *nvram = g_build_filename (b->context->nvram_dir, file, NULL);
    }
  return TRUE;
}

static gboolean
build_firmware (Builder *b, GError **error)
{
  xmlNode *os = vb_xml_child (b->root, "os");
  xmlNode *loader = vb_xml_child (os, "loader");
  xmlNode *nvram_node = vb_xml_child (os, "nvram");
  g_autofree char *firmware = os ? vb_xml_attr (os, "firmware") : NULL;
  g_autofree char *code = loader ? vb_xml_text (loader) : NULL;
  g_autofree char *code_format = loader ? vb_xml_attr (loader, "format") : NULL;
  g_autofree char *vars_template = nvram_node ? vb_xml_attr (nvram_node, "template") : NULL;
  g_autofree char *nvram = NULL;
  g_autofree char *nvram_format = NULL;
  g_autofree char *template_format = NULL;
  gboolean own_template = vars_template != NULL;
  gboolean secure = loader && vb_xml_attr_is (loader, "secure", "yes");
  gboolean stateless = loader && vb_xml_attr_is (loader, "stateless", "yes");

  if (vb_qemu_is_tdx (b))
    return vb_qemu_build_tdx_firmware (b, error);
  /* SeaBIOS, QEMU's default, or another ROM image. */
  if (g_strcmp0 (firmware, "bios") == 0 || vb_xml_attr_is (loader, "type", "rom")
      || (!loader && g_strcmp0 (firmware, "efi") != 0))
    {
      if (nvram_node)
        return refuse (error, nvram_node, "a BIOS keeps no variable store; <nvram> is UEFI's");
      if (code && *code)
        {
          if (!b->context->dry_run && !host_has (b->context, code))
            return refuse (error, loader, "the firmware %s does not exist", code);
          add2 (b, "-bios", code);
        }
      return TRUE;
    }
  if (!code || !*code)
    {
      g_free (code);
      code = g_strdup (secure ? "/usr/share/OVMF/OVMF_CODE_4M.ms.fd" : "/usr/share/OVMF/OVMF_CODE_4M.fd");
    }
  if (!vars_template)
    vars_template = g_strdup (secure ? "/usr/share/OVMF/OVMF_VARS_4M.ms.fd"
                                     : "/usr/share/OVMF/OVMF_VARS_4M.fd");
  if (stateless && nvram_node)
    return refuse (error, nvram_node, "a stateless firmware keeps no variable store");
  if (!stateless
      && !firmware_nvram (b, nvram_node, own_template, &nvram, &nvram_format, &template_format,
                          error))
    return FALSE;
  if (!b->context->dry_run && !host_has (b->context, code))
    return refuse (error, loader ? loader : os,
                   "the UEFI firmware %s is missing (Debian package ovmf)", code);
  {
    g_autoptr (GString) c = g_string_new ("if=pflash");

    vb_qemu_opt (c, "format", code_format ? code_format : "raw");
    g_string_append (c, ",unit=0,readonly=on");
    vb_qemu_opt (c, "file", code);
    add2 (b, "-drive", c->str);
  }
  if (!stateless && vb_qemu_nvram_is_network (b))
    {
      if (!vb_qemu_build_network_nvram (b, nvram_node, nvram_format, error))
        return FALSE;
    }
  else if (!stateless)
    {
      g_autoptr (GString) n = g_string_new ("if=pflash");

      /* The caller makes it from the template when it is missing. */
      b->command->nvram_path = g_strdup (nvram);
      b->command->nvram_template = g_strdup (vars_template);
      b->command->nvram_format = g_strdup (nvram_format);
      b->command->nvram_template_format = g_strdup (template_format);
      b->command->nvram_in_store = g_str_has_prefix (nvram, b->context->nvram_dir)
                                   && nvram[strlen (b->context->nvram_dir)] == '/'
                                   && !strchr (nvram + strlen (b->context->nvram_dir) + 1, '/');
      vb_qemu_opt (n, "format", nvram_format);
      g_string_append (n, ",unit=1");
      vb_qemu_opt (n, "file", nvram);
      add (b, "-drive");
      b->command->nvram_arg = (int) b->command->argv->len;
      add (b, n->str);
    }
  if (secure)
    {
      add2 (b, "-global", "driver=cfi.pflash01,property=secure,value=on");
    }
  return TRUE;
}

static gboolean
build_boot (Builder *b, GError **error)
{
  xmlNode *os = vb_xml_child (b->root, "os");
  xmlNode *kernel = vb_xml_child (os, "kernel");
  g_autoptr (GString) boot = g_string_new ("strict=on");
  g_autoptr (GString) order = g_string_new (NULL);

  for (xmlNode *dev = vb_xml_child (os, "boot"); dev; dev = vb_xml_next (dev, "boot"))
    {
      g_autofree char *name = vb_xml_attr (dev, "dev");
      if (g_strcmp0 (name, "hd") == 0)
        g_string_append_c (order, 'c');
      else if (g_strcmp0 (name, "cdrom") == 0)
        g_string_append_c (order, 'd');
      else if (g_strcmp0 (name, "network") == 0)
        g_string_append_c (order, 'n');
      else if (g_strcmp0 (name, "fd") == 0)
        g_string_append_c (order, 'a');
    }
  if (order->len && !b->per_device_boot)
    g_string_append_printf (boot, ",order=%s", order->str);
  if (vb_xml_attr_is (vb_xml_child (os, "bootmenu"), "enable", "yes"))
    g_string_append (boot, ",menu=on");
  {
    xmlNode *bios = vb_xml_child (os, "bios");
    g_autofree char *timeout = bios ? vb_xml_attr (bios, "rebootTimeout") : NULL;
    gint64 ms = timeout ? g_ascii_strtoll (timeout, NULL, 10) : 0;

    if (timeout && (ms < -1 || ms > 65535))
      return refuse (error, bios, "rebootTimeout is -1 (never) to 65535 ms");
    if (timeout)
      g_string_append_printf (boot, ",reboot-timeout=%" G_GINT64_FORMAT, ms);
  }
  add2 (b, "-boot", boot->str);

  if (kernel)
    {
      g_autofree char *path = vb_xml_text (kernel);
      xmlNode *initrd = vb_xml_child (os, "initrd");
      xmlNode *cmdline = vb_xml_child (os, "cmdline");

      if (!b->context->dry_run && !host_has (b->context, path))
        return refuse (error, kernel, "the kernel %s does not exist", path);
      add2 (b, "-kernel", path);
      if (initrd)
        {
          g_autofree char *initrd_path = vb_xml_text (initrd);
          if (!b->context->dry_run && !host_has (b->context, initrd_path))
            return refuse (error, initrd, "the initrd %s does not exist", initrd_path);
          add2 (b, "-initrd", initrd_path);
        }
      if (cmdline)
        {
          g_autofree char *text = vb_xml_text (cmdline);
          add2 (b, "-append", text);
        }
    }
  return TRUE;
}

/* ---- controllers ---- */

static gboolean
build_controller (Builder *b, xmlNode *node, GError **error)
{
  g_autofree char *type = vb_xml_attr (node, "type");
  g_autofree char *model = vb_xml_attr (node, "model");
  guint index = vb_xml_attr_uint (node, "index", 0);
  g_autoptr (GString) dev = g_string_new (NULL);
  g_autofree char *id = NULL;

  if (vb_xml_child (node, "driver") && !g_str_equal (type, "scsi")
      && !g_str_equal (type, "virtio-serial") && !g_str_equal (type, "nvme"))
    return refuse (error, vb_xml_child (node, "driver"),
                   "a <driver> is for virtio controllers (virtio-scsi, virtio-serial) and NVMe");
  if (vb_xml_child (node, "serial") && !g_str_equal (type, "nvme"))
    return refuse (error, vb_xml_child (node, "serial"), "a <serial> is an NVMe controller's");
  if (!g_str_equal (type, "scsi") && !vb_qemu_iothread_option (b, node, FALSE, dev, error))
    return FALSE;
  if (!vb_qemu_build_pcihole64 (b, node, error))
    return FALSE;
  if (g_str_equal (type, "pci"))
    return vb_qemu_build_pci_controller (b, node, error);
  if (g_str_equal (type, "usb"))
    {
      if (g_strcmp0 (model, "none") == 0)
        return TRUE;
      if (!vb_qemu_usb_controller (b, node, dev, &id, error))
        return FALSE;
    }
  else if (g_str_equal (type, "sata"))
    {
      /* q35 has its AHCI controller built in, as bus "ide". */
      if (b->command->q35 && index == 0)
        return fixed_id (node, "ide", error);
      g_string_append_printf (dev, "ich9-ahci,id=sata%u", index);
      id = g_strdup_printf ("sata%u", index);
      b->sata_controller = TRUE;
    }
  else if (g_str_equal (type, "ide"))
    {
      if (b->command->q35)
        return refuse (error, node, "q35 machines have no IDE controller: use bus='sata'");
      return fixed_id (node, "ide", error); /* built into pc machines */
    }
  else if (g_str_equal (type, "scsi"))
    {
      /* An iothread is virtio-scsi's only. */
      if (!vb_qemu_scsi_controller (b, node, index, dev, error)
          || !vb_qemu_iothread_option (b, node, !model || g_str_equal (model, "virtio-scsi"), dev,
                                       error))
        return FALSE;
      /* Its virtio options (virtio-scsi's only) are vb_qemu_scsi_controller()'s. */
      id = g_strdup_printf ("scsi%u", index);
    }
  else if (g_str_equal (type, "fdc"))
    {
      /* Built into pc machines; q35 has none: an ISA one, not on PCI. */
      if (index != 0 || b->fdc)
        return refuse (error, node, "only one floppy controller (index 0) is supported");
      b->fdc = TRUE;
      if (!b->command->q35)
        return fixed_id (node, "fdc0", error);
      if (!fixed_id (node, "fdc0", error))
        return FALSE;
      add2 (b, "-device", "isa-fdc,id=fdc0");
      return TRUE;
    }
  else if (g_str_equal (type, "ccid"))
    {
      return vb_qemu_build_ccid_controller (b, node, error);
    }
  else if (g_str_equal (type, "nvme"))
    {
      if (!vb_qemu_nvme_controller (b, node, index, dev, error))
        return FALSE;
      id = g_strdup_printf ("nvme%u", index);
    }
  else if (g_str_equal (type, "virtio-serial"))
    {
      g_string_append_printf (dev, "virtio-serial-pci,id=virtio-serial%u", index);
      id = g_strdup_printf ("virtio-serial%u", index);
      if (!vb_qemu_virtio_options (node, dev, error))
        return FALSE;
      b->virtio_serial = TRUE;
    }
  else
    {
      return refuse (error, node, "controller type '%s' is not supported", type);
    }
  /* A UHCI companion has no id of its own: it is part of bus usb. */
  return add_fixed_pci_device (b, node, id, dev, error);
}

/* ---- devices, in the order the XML lists them ---- */

typedef gboolean (*DeviceBuilder) (Builder *b, xmlNode *node, GError **error);

static const struct {
  const char *element;
  DeviceBuilder build;
} device_builders[] = {
  { "disk", vb_qemu_build_disk },           { "interface", vb_qemu_build_interface },
  { "hostdev", vb_qemu_build_hostdev },     { "serial", vb_qemu_build_serial },
  { "console", vb_qemu_build_console },     { "channel", vb_qemu_build_channel },
  { "input", vb_qemu_build_input },         { "graphics", vb_qemu_build_graphics },
  { "audio", vb_qemu_build_audio },         { "sound", vb_qemu_build_sound },
  { "video", vb_qemu_build_video },         { "memballoon", vb_qemu_build_memballoon },
  { "rng", vb_qemu_build_rng },             { "redirdev", vb_qemu_build_redirdev },
  { "watchdog", vb_qemu_build_watchdog },   { "panic", vb_qemu_build_panic },
  { "pstore", vb_qemu_build_pstore },       { "parallel", vb_qemu_build_parallel },
  { "tpm", vb_qemu_build_tpm },             { "filesystem", vb_qemu_build_filesystem },
  { "memory", vb_qemu_build_memory_device },
  { "hub", vb_qemu_build_hub },             { "redirfilter", vb_qemu_build_redirfilter },
  { "smartcard", vb_qemu_build_smartcard }, { "vsock", vb_qemu_build_vsock },
  { "iommu", vb_qemu_build_iommu },         { "shmem", vb_qemu_build_shmem },
  { "crypto", vb_qemu_build_crypto },
};

/* Bridges come first, in index order, so that every device placed on a bus
 * finds it. Those a device's address names without a controller are in the
 * XML by now (vb_qemu_assign_addresses()). */
static gboolean
build_pci_controllers (Builder *b, GError **error)
{
  g_autoptr (GPtrArray) ordered = g_ptr_array_new ();

  for (xmlNode *node = vb_xml_child (b->devices, "controller"); node;
       node = vb_xml_next (node, "controller"))
    if (vb_xml_attr_is (node, "type", "pci"))
      {
        guint index = vb_xml_attr_uint (node, "index", 0);
        if (index >= ordered->len)
          g_ptr_array_set_size (ordered, index + 1);
        if (ordered->pdata[index])
          return refuse (error, node, "a second PCI controller with index %u", index);
        ordered->pdata[index] = node;
      }
  for (guint index = 0; index < ordered->len; index++)
    if (ordered->pdata[index] && !build_controller (b, ordered->pdata[index], error))
      return FALSE;
  return TRUE;
}

static gboolean
build_devices (Builder *b, GError **error)
{
  xmlNode *node;

  /* First what others refer to: buses, controllers, SPICE, audio back ends. */
  if (!vb_qemu_acpi_index_check (b, error) || !build_pci_controllers (b, error))
    return FALSE;
  /* UHCI companions after the EHCI buses they serve. */
  for (node = vb_xml_child (b->devices, "controller"); node; node = vb_xml_next (node, "controller"))
    if (!vb_xml_attr_is (node, "type", "pci") && !vb_qemu_usb_companion (node)
        && !build_controller (b, node, error))
      return FALSE;
  for (node = vb_xml_child (b->devices, "controller"); node; node = vb_xml_next (node, "controller"))
    if (vb_qemu_usb_companion (node) && !build_controller (b, node, error))
      return FALSE;
  if (!vb_qemu_usb_buses_exist (b, error))
    return FALSE;
  for (node = vb_xml_child (b->devices, "graphics"); node; node = vb_xml_next (node, "graphics"))
    if (vb_xml_attr_is (node, "type", "spice"))
      b->spice = TRUE;
  for (node = vb_xml_child (b->devices, "audio"); node; node = vb_xml_next (node, "audio"))
    if (!vb_qemu_build_audio (b, node, error))
      return FALSE;

  for (node = b->devices ? b->devices->children : NULL; node; node = node->next)
    {
      const char *name = (const char *) node->name;
      gboolean known = FALSE;

      if (node->type != XML_ELEMENT_NODE)
        continue;
      if (g_str_equal (name, "controller") || g_str_equal (name, "emulator")
          || g_str_equal (name, "audio"))
        continue;
      for (guint i = 0; i < G_N_ELEMENTS (device_builders); i++)
        if (g_str_equal (name, device_builders[i].element))
          {
            known = TRUE;
            if (!device_builders[i].build (b, node, error))
              return FALSE;
          }
      if (!known)
        return refuse (error, node, "this device is not supported by the QEMU driver");
    }
  /* VNC and SPICE servers are separate from -display: none unless the
   * domain asked for one (sdl, egl-headless: qemu-command-graphics.c). */
  if (!b->local_display)
    add2 (b, "-display", "none");
  return TRUE;
}

static gboolean
scan_boot_orders (Builder *b, GError **error)
{
  xmlNode *os = vb_xml_child (b->root, "os");

  for (xmlNode *node = b->devices ? b->devices->children : NULL; node; node = node->next)
    if (node->type == XML_ELEMENT_NODE && vb_xml_child (node, "boot"))
      b->per_device_boot = TRUE;
  if (b->per_device_boot && vb_xml_child (os, "boot"))
    return refuse (error, vb_xml_child (os, "boot"),
                   "<os><boot> and per-device <boot order> exclude each other");
  return TRUE;
}

static gboolean
build (Builder *b, GError **error)
{
  VbQemuCommand *c = b->command;
  xmlNode *emulator = vb_xml_child (b->devices, "emulator");

  c->binary = emulator ? vb_xml_text (emulator) : g_strdup (b->context->qemu_binary);
  /* The service runs what <emulator> names: only a binary the host's
   * administrator configured, never a path a caller chose. */
  if (emulator && b->context->binaries && !g_strv_contains (b->context->binaries, c->binary))
    return refuse (error, emulator,
                   "<emulator> %s is not one of the QEMU binaries this service runs "
                   "(--qemu-binary and --qemu-binaries)",
                   c->binary);
  add (b, c->binary);
  add (b, "-name");
  {
    g_autoptr (GString) name = g_string_new ("guest=");

    vb_qemu_opt_value (name, b->def->name);
    g_string_append (name, ",debug-threads=on");
    add (b, name->str);
  }
  add (b, "-S");
  add (b, "-no-user-config");
  add (b, "-nodefaults");
  /* <hwuuid>, when given, is what the guest sees instead of <uuid>. */
  add (b, "-uuid");
  g_ptr_array_add (b->command->argv, vb_qemu_guest_uuid (b));
  if (!build_machine (b, error) || !build_cpu (b, error) || !vb_qemu_build_iothreads (b, error)
      || !vb_qemu_build_throttle_groups (b, error) || !scan_boot_orders (b, error))
    return FALSE;
  c->monitor_path = runtime_path (b, "monitor.sock");
  {
    g_autoptr (GString) monitor = g_string_new ("socket,id=charmonitor");

    vb_qemu_opt (monitor, "path", c->monitor_path);
    g_string_append (monitor, ",server=on,wait=off");
    add2 (b, "-chardev", monitor->str);
  }
  add2 (b, "-mon", "chardev=charmonitor,id=monitor,mode=control");
  if (!vb_qemu_build_clock (b, error))
    return FALSE;
  /* The guest's power-off stops QEMU instead of ending it, so the service
   * sees the SHUTDOWN event, can reset for a reboot, and ends QEMU itself. */
  add (b, "-no-shutdown");
  if (!vb_qemu_build_lifecycle_actions (b, error))
    return FALSE;
  if (!build_firmware (b, error) || !build_boot (b, error) || !build_devices (b, error)
      || !vb_qemu_build_features (b, error) || !vb_qemu_build_sysinfo (b, error)
      || !vb_qemu_build_platform (b, error))
    return FALSE;
  add2 (b, "-sandbox", "on,obsolete=deny,elevateprivileges=deny,spawn=deny,resourcecontrol=deny");
  add2 (b, "-msg", "timestamp=on");
  /* Last, so the caller's arguments are where libvirt puts them. */
  return vb_qemu_build_passthrough (b, error);
}

static void
tap_free (VbQemuTap *tap)
{
  g_free (tap->ifname);
  g_free (tap->bridge);
  g_free (tap->mac);
  g_free (tap->fd_arg);
  g_free (tap->tun_path);
  g_free (tap->vhost_path);
  g_free (tap->vhost_fd_arg);
  g_free (tap->ovs_iface_id);
  g_free (tap->ovs_profile_id);
  g_free (tap->ovs_vm_id);
  g_strfreev (tap->ovs_vlan);
  g_clear_pointer (&tap->host_ips, g_ptr_array_unref);
  g_free (tap->script);
  g_free (tap->macvtap_dev);
  g_free (tap->downscript);
  g_free (tap);
}

VbQemuCommand *
vb_qemu_command_build (const VbDomainDef *def, const VbQemuCommandContext *context,
                       GError **error)
{
  g_autoptr (VbQemuCommand) command = g_new0 (VbQemuCommand, 1);
  g_autoptr (xmlDoc) doc = vb_xml_parse (def->xml, "domain", error);
  Builder b = { 0 };
  gboolean ok;

  if (!doc)
    return NULL;
  command->argv = g_ptr_array_new_with_free_func (g_free);
  command->taps = g_ptr_array_new_with_free_func ((GDestroyNotify) tap_free);
  command->link_down = g_ptr_array_new_with_free_func (g_free);
  command->vfs = g_ptr_array_new_with_free_func ((GDestroyNotify) vb_qemu_vf_free);
  command->sgio = g_ptr_array_new_with_free_func ((GDestroyNotify) vb_qemu_sgio_free);
  command->helpers = g_ptr_array_new_with_free_func ((GDestroyNotify) vb_qemu_helper_spec_free);
  command->transients = g_ptr_array_new_with_free_func ((GDestroyNotify) vb_qemu_transient_free);
  command->secrets = g_ptr_array_new_with_free_func ((GDestroyNotify) vb_qemu_secret_free);
  command->fdgroups = g_ptr_array_new_with_free_func (g_free);
  command->fdgroup_qcow2 = g_array_new (FALSE, FALSE, sizeof (gboolean));
  command->throttles = g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);
  command->env = g_ptr_array_new_with_free_func (g_free);
  command->vnc_display = -1;
  command->spice_port = -1;
  command->log_path = g_build_filename (context->domain_dir, "qemu.log", NULL);
  command->numad_nodes = g_strdup (context->numad_nodes);
  b.context = context;
  b.command = command;
  b.def = def;
  b.root = xmlDocGetRootElement (doc);
  b.devices = vb_xml_child (b.root, "devices");
  command->rawio = vb_qemu_rawio_wanted (b.root);
  if (!b.devices)
    b.devices = xmlNewChild (b.root, NULL, BAD_CAST "devices", NULL);
  /* What define fills in, for a definition stored before it did: the
   * command line names the bus and slot of every PCI device, never leaving
   * them to QEMU's order, and the live XML says the same, and its CPU. */
  {
    xmlNode *type = vb_xml_child (vb_xml_child (b.root, "os"), "type");
    g_autofree char *machine = type ? vb_xml_attr (type, "machine") : NULL;

    vb_qemu_complete_gl_display (b.devices);
    vb_qemu_complete_dimm_sizes (b.root);
    if (!vb_qemu_assign_addresses (b.devices, machine && strstr (machine, "q35"), error))
      return NULL;
    vb_qemu_complete_cpu (b.root, context->kvm);
  }
  b.scsi_buses = g_hash_table_new (NULL, NULL);
  ok = build (&b, error);
  g_hash_table_unref (b.scsi_buses);
  g_free (b.audiodev);
  if (!ok)
    return NULL;
  vb_qemu_build_fdgroups (&b);
  /* With the <alias> of each device the builders wrote (record_alias()). */
  command->xml = vb_xml_format (doc);
  g_ptr_array_add (command->argv, NULL);
  return g_steal_pointer (&command);
}

void
vb_qemu_command_free (VbQemuCommand *command)
{
  if (!command)
    return;
  g_clear_pointer (&command->argv, g_ptr_array_unref);
  g_clear_pointer (&command->taps, g_ptr_array_unref);
  g_clear_pointer (&command->link_down, g_ptr_array_unref);
  g_clear_pointer (&command->vfs, g_ptr_array_unref);
  g_clear_pointer (&command->sgio, g_ptr_array_unref);
  g_clear_pointer (&command->helpers, g_ptr_array_unref);
  g_clear_pointer (&command->transients, g_ptr_array_unref);
  g_clear_pointer (&command->secrets, g_ptr_array_unref);
  g_clear_pointer (&command->fdgroups, g_ptr_array_unref);
  g_clear_pointer (&command->fdgroup_qcow2, g_array_unref);
  g_clear_pointer (&command->throttles, g_ptr_array_unref);
  g_clear_pointer (&command->env, g_ptr_array_unref);
  g_free (command->binary);
  g_free (command->monitor_path);
  g_free (command->console_path);
  g_free (command->console_log);
  g_free (command->numad_nodes);
  g_free (command->agent_path);
  g_free (command->log_path);
  g_free (command->machine);
  g_free (command->xml);
  g_free (command->nvram_path);
  g_free (command->nvram_template);
  g_free (command->nvram_template_format);
  g_free (command->nvram_format);
  g_free (command);
}

void
vb_qemu_helper_spec_free (VbQemuHelperSpec *spec)
{
  if (!spec)
    return;
  g_free (spec->id);
  g_free (spec->what);
  g_clear_pointer (&spec->argv, g_ptr_array_unref);
  g_clear_pointer (&spec->setup_argv, g_ptr_array_unref);
  g_free (spec->socket_path);
  g_free (spec->state_dir);
  g_free (spec->state_file);
  g_free (spec->element);
  g_clear_pointer (&spec->key, g_bytes_unref);
  g_clear_pointer (&spec->key2, g_bytes_unref);
  g_free (spec->env);
  g_free (spec->file_name);
  g_clear_pointer (&spec->file_content, g_bytes_unref);
  g_free (spec);
}

char *
vb_qemu_command_to_string (const VbQemuCommand *command)
{
  g_autoptr (GString) out = g_string_new (NULL);

  for (guint i = 0; i < command->argv->len && command->argv->pdata[i]; i++)
    {
      g_autofree char *quoted = g_shell_quote (command->argv->pdata[i]);
      if (i)
        g_string_append_c (out, ' ');
      g_string_append (out, quoted);
    }
  return g_string_free (g_steal_pointer (&out), FALSE);
}

void
vb_qemu_command_use_nvram_fds (VbQemuCommand *command, int rw_fd, int ro_fd)
{
  g_autoptr (GString) drive = g_string_new ("if=pflash");
  g_autofree char *rw = g_strdup_printf ("fd=%d,set=%d,opaque=nvram-rw", rw_fd, NVRAM_FDSET);
  g_autofree char *ro = g_strdup_printf ("fd=%d,set=%d,opaque=nvram-ro", ro_fd, NVRAM_FDSET);
  g_autofree char *fdset = g_strdup_printf ("/dev/fdset/%d", NVRAM_FDSET);
  GPtrArray *argv = command->argv;

  g_return_if_fail (command->nvram_arg > 0);
  vb_qemu_opt (drive, "format", command->nvram_format ? command->nvram_format : "raw");
  g_string_append (drive, ",unit=1");
  vb_qemu_opt (drive, "file", fdset);
  g_free (argv->pdata[command->nvram_arg]);
  argv->pdata[command->nvram_arg] = g_string_free (g_steal_pointer (&drive), FALSE);
  /* Before the -drive. */
  g_ptr_array_insert (argv, command->nvram_arg - 1, g_strdup (ro));
  g_ptr_array_insert (argv, command->nvram_arg - 1, g_strdup ("-add-fd"));
  g_ptr_array_insert (argv, command->nvram_arg - 1, g_strdup (rw));
  g_ptr_array_insert (argv, command->nvram_arg - 1, g_strdup ("-add-fd"));
  command->nvram_arg += 4;
}
