#include "qemu-command.h"

#include <gio/gio.h>
#include <json-glib/json-glib.h>
#include <libxml/tree.h>
#include <stdarg.h>
#include <string.h>

#include "vb-error.h"
#include "xml-schema.h"

/* ---- the builder ---- */

typedef struct {
  const VbQemuCommandContext *context;
  VbQemuCommand *command;
  const VbDomainDef *def;
  xmlNode *root;
  xmlNode *devices;
  const char *pci_root;
  gboolean usb;             /* a USB controller exists, with id "usb" */
  gboolean virtio_serial;   /* virtio-serial0 exists */
  gboolean spice;           /* graphics type='spice' present */
  char *audiodev;           /* id of the first -audiodev, NULL when none */
  GHashTable *scsi_buses;   /* controller index → present */
  gboolean sata_controller; /* an explicit AHCI controller (pc machines) */
  guint disks, nets, serials, channels, inputs, sounds, redirs, hostdevs, videos;
  gboolean per_device_boot; /* some device has <boot order=…> */
  GHashTable *aliases;      /* teaming: alias → netdev id of the persistent side */
} Builder;

static void
add (Builder *b, const char *arg)
{
  g_ptr_array_add (b->command->argv, g_strdup (arg));
}

static void G_GNUC_PRINTF (2, 3)
addf (Builder *b, const char *format, ...)
{
  va_list args;

  va_start (args, format);
  g_ptr_array_add (b->command->argv, g_strdup_vprintf (format, args));
  va_end (args);
}

static void
add2 (Builder *b, const char *option, const char *value)
{
  add (b, option);
  add (b, value);
}

/* QEMU's key=value syntax doubles commas inside values. */
static char *
esc (const char *value)
{
  g_autoptr (GString) out = g_string_new (NULL);

  for (const char *p = value; p && *p; p++)
    {
      if (*p == ',')
        g_string_append_c (out, ',');
      g_string_append_c (out, *p);
    }
  return g_string_free (g_steal_pointer (&out), FALSE);
}

static gboolean G_GNUC_PRINTF (3, 4)
refuse (GError **error, xmlNode *node, const char *format, ...)
{
  g_autofree char *why = NULL;
  va_list args;

  va_start (args, format);
  why = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error (error, VB_ERROR, VB_ERROR_NOT_SUPPORTED, "<%s> at line %ld: %s",
               node ? (const char *) node->name : "domain", node ? vb_xml_line (node) : 0L, why);
  return FALSE;
}

static gboolean
attr_is (xmlNode *node, const char *name, const char *value)
{
  g_autofree char *actual = node ? vb_xml_attr (node, name) : NULL;
  return g_strcmp0 (actual, value) == 0;
}

static guint
attr_uint (xmlNode *node, const char *name, guint fallback)
{
  g_autofree char *text = node ? vb_xml_attr (node, name) : NULL;
  char *end = NULL;
  guint64 value;

  if (!text || !*text)
    return fallback;
  /* libvirt writes PCI numbers in hex with a 0x prefix, the rest in decimal. */
  value = g_ascii_strtoull (text, &end, 0);
  if (*end || value > G_MAXUINT)
    return fallback;
  return (guint) value;
}

static char *
child_attr (xmlNode *node, const char *child, const char *name)
{
  xmlNode *c = vb_xml_child (node, child);
  return c ? vb_xml_attr (c, name) : NULL;
}

/* ",bus=…,addr=…" for an <address type='pci'>, "" without one. */
static gboolean
pci_address (Builder *b, xmlNode *device, GString *out, GError **error)
{
  xmlNode *address = vb_xml_child (device, "address");
  guint bus, slot, function;

  if (!address)
    return TRUE;
  if (!attr_is (address, "type", "pci"))
    return TRUE; /* drive, usb, virtio-serial addresses are handled by their devices */
  if (attr_uint (address, "domain", 0) != 0)
    return refuse (error, address, "only PCI domain 0 exists");
  bus = attr_uint (address, "bus", 0);
  slot = attr_uint (address, "slot", 0);
  function = attr_uint (address, "function", 0);
  if (bus == 0)
    g_string_append_printf (out, ",bus=%s", b->pci_root);
  else
    g_string_append_printf (out, ",bus=pci.%u", bus);
  g_string_append_printf (out, ",addr=0x%x", slot);
  if (function)
    g_string_append_printf (out, ".0x%x", function);
  if (attr_is (address, "multifunction", "on"))
    g_string_append (out, ",multifunction=on");
  return TRUE;
}

static void
boot_index (Builder *b, xmlNode *device, GString *out)
{
  g_autofree char *order = child_attr (device, "boot", "order");

  if (order)
    g_string_append_printf (out, ",bootindex=%s", order);
}

/* A socket in the domain's runtime directory. */
static char *
runtime_path (Builder *b, const char *name)
{
  return g_build_filename (b->context->domain_dir, name, NULL);
}

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
  xmlNode *clock = vb_xml_child (b->root, "clock");
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
  if (!machine_known (b, machine))
    return refuse (error, type,
                   "machine type '%s' is not known to this QEMU; use one that "
                   "'qemu-system-x86_64 -machine help' lists, e.g. pc or q35",
                   machine);
  b->command->machine = g_strdup (machine);
  b->command->q35 = strstr (machine, "q35") != NULL;
  b->pci_root = b->command->q35 ? "pcie.0" : "pci.0";

  g_string_append_printf (opts, "%s,usb=off,dump-guest-core=off", machine);
  if (!vb_xml_child (features, "acpi"))
    g_string_append (opts, ",acpi=off");
  {
    g_autofree char *vmport = child_attr (features, "vmport", "state");
    g_autofree char *smm = child_attr (features, "smm", "state");
    if (vmport)
      g_string_append_printf (opts, ",vmport=%s", vmport);
    if (smm)
      g_string_append_printf (opts, ",smm=%s", smm);
  }
  for (xmlNode *timer = vb_xml_child (clock, "timer"); timer; timer = vb_xml_next (timer, "timer"))
    if (attr_is (timer, "name", "hpet") && attr_is (timer, "present", "no"))
      g_string_append (opts, ",hpet=off");
  add2 (b, "-machine", opts->str);
  add2 (b, "-accel", b->context->kvm ? "kvm" : "tcg");

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
  xmlNode *vcpu = vb_xml_child (b->root, "vcpu");
  xmlNode *topology = vb_xml_child (cpu, "topology");
  g_autofree char *mode = cpu ? vb_xml_attr (cpu, "mode") : NULL;
  g_autoptr (GString) model = g_string_new (NULL);
  guint current = attr_uint (vcpu, "current", b->def->vcpus);

  if (!cpu || !mode || g_str_equal (mode, "custom"))
    {
      xmlNode *model_node = vb_xml_child (cpu, "model");
      g_autofree char *name = model_node ? vb_xml_text (model_node) : NULL;

      g_string_append (model, name && *name ? name : (b->context->kvm ? "host" : "qemu64"));
      for (xmlNode *f = vb_xml_child (cpu, "feature"); f; f = vb_xml_next (f, "feature"))
        {
          g_autofree char *fname = vb_xml_attr (f, "name");
          g_autofree char *policy = vb_xml_attr (f, "policy");
          gboolean off = g_strcmp0 (policy, "disable") == 0 || g_strcmp0 (policy, "forbid") == 0;
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
      if (attr_is (cpu, "migratable", "off"))
        g_string_append (model, ",migratable=off");
    }
  else if (g_str_equal (mode, "host-model"))
    {
      /* The closest QEMU itself offers: the host's CPU under KVM, all TCG can do otherwise. */
      g_string_append (model, b->context->kvm ? "host" : "max");
    }
  else
    {
      return refuse (error, cpu, "CPU mode '%s' is not supported", mode);
    }
  add2 (b, "-cpu", model->str);

  add (b, "-smp");
  if (topology)
    addf (b, "%u,maxcpus=%u,sockets=%u,dies=%u,cores=%u,threads=%u", current, b->def->vcpus,
          attr_uint (topology, "sockets", 1), attr_uint (topology, "dies", 1),
          attr_uint (topology, "cores", 1), attr_uint (topology, "threads", 1));
  else
    addf (b, "%u,maxcpus=%u,sockets=%u,cores=1,threads=1", current, b->def->vcpus,
          b->def->vcpus);

  add (b, "-m");
  addf (b, "size=%" G_GUINT64_FORMAT "k", b->def->memory_kib);
  if (b->def->current_memory_kib < b->def->memory_kib)
    b->command->balloon_target_kib = b->def->current_memory_kib;
  return TRUE;
}

/* Asks the caller: the builder itself never looks at the host. */
static gboolean
host_has (const VbQemuCommandContext *context, const char *path)
{
  return !context->path_exists || context->path_exists (path);
}

static gboolean
build_firmware (Builder *b, GError **error)
{
  xmlNode *os = vb_xml_child (b->root, "os");
  xmlNode *loader = vb_xml_child (os, "loader");
  xmlNode *nvram_node = vb_xml_child (os, "nvram");
  g_autofree char *firmware = os ? vb_xml_attr (os, "firmware") : NULL;
  g_autofree char *code = loader ? vb_xml_text (loader) : NULL;
  g_autofree char *vars_template = nvram_node ? vb_xml_attr (nvram_node, "template") : NULL;
  g_autofree char *nvram = nvram_node ? vb_xml_text (nvram_node) : NULL;
  gboolean secure = loader && attr_is (loader, "secure", "yes");

  if (!loader && g_strcmp0 (firmware, "efi") != 0)
    return TRUE; /* SeaBIOS, QEMU's default */
  if (loader && !attr_is (loader, "type", "pflash") && vb_xml_attr (loader, "type"))
    return refuse (error, loader, "only type='pflash' firmware is supported");
  if (!code || !*code)
    {
      g_free (code);
      code = g_strdup (secure ? "/usr/share/OVMF/OVMF_CODE_4M.ms.fd" : "/usr/share/OVMF/OVMF_CODE_4M.fd");
    }
  if (!vars_template)
    vars_template = g_strdup (secure ? "/usr/share/OVMF/OVMF_VARS_4M.ms.fd"
                                     : "/usr/share/OVMF/OVMF_VARS_4M.fd");
  if (!nvram || !*nvram)
    {
      g_autofree char *file = g_strdup_printf ("%s_VARS.fd", b->def->name);
      g_free (nvram);
      nvram = g_build_filename (b->context->nvram_dir, file, NULL);
    }
  if (!b->context->dry_run && !host_has (b->context, code))
    return refuse (error, loader ? loader : os,
                   "the UEFI firmware %s is missing (Debian package ovmf)", code);
  /* The caller makes it from the template when it is missing. */
  b->command->nvram_path = g_strdup (nvram);
  b->command->nvram_template = g_strdup (vars_template);
  {
    g_autofree char *c = esc (code);
    g_autofree char *n = esc (nvram);
    add (b, "-drive");
    addf (b, "if=pflash,format=raw,unit=0,readonly=on,file=%s", c);
    add (b, "-drive");
    addf (b, "if=pflash,format=raw,unit=1,file=%s", n);
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
  if (attr_is (vb_xml_child (os, "bootmenu"), "enable", "yes"))
    g_string_append (boot, ",menu=on");
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

static gboolean
build_clock (Builder *b, GError **error)
{
  xmlNode *clock = vb_xml_child (b->root, "clock");
  g_autofree char *offset = clock ? vb_xml_attr (clock, "offset") : NULL;
  g_autoptr (GString) rtc = g_string_new (NULL);

  if (!offset || g_str_equal (offset, "utc"))
    g_string_append (rtc, "base=utc");
  else if (g_str_equal (offset, "localtime"))
    g_string_append (rtc, "base=localtime");
  else
    return refuse (error, clock, "clock offset '%s' is not supported (use utc or localtime)",
                   offset);
  for (xmlNode *timer = vb_xml_child (clock, "timer"); timer; timer = vb_xml_next (timer, "timer"))
    if (attr_is (timer, "name", "rtc") && attr_is (timer, "tickpolicy", "catchup"))
      g_string_append (rtc, ",driftfix=slew");
  add2 (b, "-rtc", rtc->str);
  return TRUE;
}

/* ---- controllers ---- */

static gboolean
build_controller (Builder *b, xmlNode *node, GError **error)
{
  g_autofree char *type = vb_xml_attr (node, "type");
  g_autofree char *model = vb_xml_attr (node, "model");
  guint index = attr_uint (node, "index", 0);
  g_autoptr (GString) dev = g_string_new (NULL);

  if (g_str_equal (type, "pci"))
    {
      if (!model || g_str_equal (model, "pci-root") || g_str_equal (model, "pcie-root"))
        {
          if (g_strcmp0 (model, "pcie-root") == 0 && !b->command->q35)
            return refuse (error, node, "pcie-root needs a q35 machine");
          return TRUE;
        }
      if (g_str_equal (model, "pcie-root-port"))
        {
          xmlNode *target = vb_xml_child (node, "target");
          g_string_append_printf (dev, "pcie-root-port,port=0x%x,chassis=%u,id=pci.%u",
                                  attr_uint (target, "port", 0x10 + index - 1),
                                  attr_uint (target, "chassis", index), index);
        }
      else if (g_str_equal (model, "pci-bridge"))
        g_string_append_printf (dev, "pci-bridge,chassis_nr=%u,id=pci.%u", index, index);
      else
        return refuse (error, node, "PCI controller model '%s' is not supported", model);
    }
  else if (g_str_equal (type, "usb"))
    {
      const char *qemu_model;
      if (g_strcmp0 (model, "none") == 0)
        return TRUE;
      qemu_model = !model ? (b->command->q35 ? "qemu-xhci" : "piix3-usb-uhci")
                   : g_str_equal (model, "qemu-xhci") ? "qemu-xhci"
                   : g_str_equal (model, "nec-xhci") ? "nec-usb-xhci"
                   : g_str_equal (model, "piix3-uhci") ? "piix3-usb-uhci"
                   : g_str_equal (model, "ich9-ehci1") ? "ich9-usb-ehci1"
                   : g_str_has_prefix (model, "ich9-uhci") ? NULL
                   : "";
      if (!qemu_model)
        {
          /* A UHCI companion of the EHCI controller: same bus, first ports. */
          xmlNode *master = vb_xml_child (node, "master");
          g_string_append_printf (dev, "ich9-usb-uhci%c,masterbus=usb.0,firstport=%u",
                                  model[strlen (model) - 1], attr_uint (master, "startport", 0));
        }
      else if (!*qemu_model)
        return refuse (error, node, "USB controller model '%s' is not supported", model);
      else
        {
          if (b->usb)
            return refuse (error, node, "only one USB controller (index 0) is supported");
          g_string_append_printf (dev, "%s,id=usb", qemu_model);
          if (g_str_has_suffix (qemu_model, "xhci"))
            {
              guint ports = attr_uint (node, "ports", 0);
              if (ports)
                g_string_append_printf (dev, ",p2=%u,p3=%u", ports, ports);
            }
          b->usb = TRUE;
        }
    }
  else if (g_str_equal (type, "sata"))
    {
      /* q35 has its AHCI controller built in, as bus "ide". */
      if (b->command->q35 && index == 0)
        return TRUE;
      g_string_append_printf (dev, "ich9-ahci,id=sata%u", index);
      b->sata_controller = TRUE;
    }
  else if (g_str_equal (type, "ide"))
    {
      if (b->command->q35)
        return refuse (error, node, "q35 machines have no IDE controller: use bus='sata'");
      return TRUE; /* built into pc machines */
    }
  else if (g_str_equal (type, "scsi"))
    {
      if (model && !g_str_equal (model, "virtio-scsi"))
        return refuse (error, node, "SCSI controller model '%s' is not supported (use virtio-scsi)",
                       model);
      g_string_append_printf (dev, "virtio-scsi-pci,id=scsi%u", index);
      g_hash_table_add (b->scsi_buses, GUINT_TO_POINTER (index + 1));
    }
  else if (g_str_equal (type, "virtio-serial"))
    {
      g_string_append_printf (dev, "virtio-serial-pci,id=virtio-serial%u", index);
      b->virtio_serial = TRUE;
    }
  else
    {
      return refuse (error, node, "controller type '%s' is not supported", type);
    }
  if (!pci_address (b, node, dev, error))
    return FALSE;
  add2 (b, "-device", dev->str);
  return TRUE;
}

static void
ensure_usb (Builder *b)
{
  if (b->usb)
    return;
  add2 (b, "-device", b->command->q35 ? "qemu-xhci,id=usb" : "piix3-usb-uhci,id=usb");
  b->usb = TRUE;
}

static void
ensure_virtio_serial (Builder *b)
{
  if (b->virtio_serial)
    return;
  add2 (b, "-device", "virtio-serial-pci,id=virtio-serial0");
  b->virtio_serial = TRUE;
}

static void
usb_address (xmlNode *device, GString *out)
{
  xmlNode *address = vb_xml_child (device, "address");

  g_string_append (out, ",bus=usb.0");
  if (address && attr_is (address, "type", "usb") && vb_xml_attr (address, "port"))
    {
      g_autofree char *port = vb_xml_attr (address, "port");
      g_string_append_printf (out, ",port=%s", port);
    }
}

/* ---- disks ---- */

char *
vb_qemu_disk_id (const char *alias, const char *target)
{
  return alias ? g_strdup (alias) : g_strdup_printf ("disk-%s", target);
}

static const char *
disk_id (Builder *b, xmlNode *disk, const char *target, char **owned)
{
  g_autofree char *alias = child_attr (disk, "alias", "name");

  *owned = vb_qemu_disk_id (alias, target);
  return *owned;
}

gboolean
vb_qemu_disk_blockdev (xmlNode *disk, const char *node_name, const VbQemuCommandContext *context,
                       JsonNode **protocol, JsonNode **format_node, GError **error)
{
  g_autofree char *type = vb_xml_attr (disk, "type");
  xmlNode *source = vb_xml_child (disk, "source");
  xmlNode *driver = vb_xml_child (disk, "driver");
  g_autofree char *format = driver ? vb_xml_attr (driver, "type") : NULL;
  g_autofree char *cache = driver ? vb_xml_attr (driver, "cache") : NULL;
  g_autofree char *discard = driver ? vb_xml_attr (driver, "discard") : NULL;
  g_autofree char *io = driver ? vb_xml_attr (driver, "io") : NULL;
  gboolean readonly = vb_xml_child (disk, "readonly") != NULL || attr_is (disk, "device", "cdrom");
  g_autofree char *path = NULL;
  g_autoptr (JsonBuilder) proto = json_builder_new ();
  g_autoptr (JsonBuilder) fmt = json_builder_new ();
  gboolean direct = g_strcmp0 (cache, "none") == 0 || g_strcmp0 (cache, "directsync") == 0;
  gboolean no_flush = g_strcmp0 (cache, "unsafe") == 0;

  if (g_str_equal (type, "file"))
    path = vb_xml_attr (source, "file");
  else if (g_str_equal (type, "block"))
    path = vb_xml_attr (source, "dev");
  else if (g_str_equal (type, "volume"))
    {
      g_autofree char *pool = vb_xml_attr (source, "pool");
      g_autofree char *volume = vb_xml_attr (source, "volume");
      g_autofree char *volume_format = NULL;

      /* A check at define time must not depend on the pool running now. */
      if (context->dry_run)
        path = g_strdup_printf ("/volume-of-%s/%s", pool, volume);
      else if (!context->volume_path)
        return refuse (error, disk, "volume '%s' of pool '%s' cannot be resolved here", volume,
                       pool);
      else if (!(path = context->volume_path (pool, volume, &volume_format,
                                                 context->volume_data, error)))
        return FALSE;
      if (!format && volume_format)
        format = g_steal_pointer (&volume_format);
      g_free (type);
      type = g_strdup ("file");
    }
  else
    return refuse (error, disk, "disk type '%s' is not supported", type);
  if (!format)
    format = g_strdup ("raw");
  if (!g_str_equal (format, "raw") && !g_str_equal (format, "qcow2"))
    return refuse (error, driver, "disk format '%s' is not supported (raw or qcow2)", format);
  if (cache && !direct && !no_flush && !g_str_equal (cache, "writeback") && !g_str_equal (cache, "default"))
    return refuse (error, driver, "cache mode '%s' is not supported", cache);
  if (g_strcmp0 (io, "native") == 0 && !direct)
    return refuse (error, driver, "io='native' needs cache='none' or 'directsync'");
  if (!context->dry_run && !host_has (context, path))
    return refuse (error, source, "the disk image %s does not exist", path);

  json_builder_begin_object (proto);
  json_builder_set_member_name (proto, "driver");
  json_builder_add_string_value (proto, g_str_equal (type, "block") ? "host_device" : "file");
  json_builder_set_member_name (proto, "filename");
  json_builder_add_string_value (proto, path);
  json_builder_set_member_name (proto, "node-name");
  {
    g_autofree char *storage = g_strdup_printf ("%s-storage", node_name);
    json_builder_add_string_value (proto, storage);
  }
  if (io)
    {
      json_builder_set_member_name (proto, "aio");
      json_builder_add_string_value (proto, io);
    }
  json_builder_set_member_name (proto, "auto-read-only");
  json_builder_add_boolean_value (proto, TRUE);
  json_builder_set_member_name (proto, "discard");
  json_builder_add_string_value (proto, "unmap");
  json_builder_set_member_name (proto, "cache");
  json_builder_begin_object (proto);
  json_builder_set_member_name (proto, "direct");
  json_builder_add_boolean_value (proto, direct);
  json_builder_set_member_name (proto, "no-flush");
  json_builder_add_boolean_value (proto, no_flush);
  json_builder_end_object (proto);
  json_builder_end_object (proto);

  json_builder_begin_object (fmt);
  json_builder_set_member_name (fmt, "node-name");
  json_builder_add_string_value (fmt, node_name);
  json_builder_set_member_name (fmt, "driver");
  json_builder_add_string_value (fmt, format);
  json_builder_set_member_name (fmt, "file");
  {
    g_autofree char *storage = g_strdup_printf ("%s-storage", node_name);
    json_builder_add_string_value (fmt, storage);
  }
  json_builder_set_member_name (fmt, "read-only");
  json_builder_add_boolean_value (fmt, readonly);
  if (discard)
    {
      json_builder_set_member_name (fmt, "discard");
      json_builder_add_string_value (fmt, discard);
    }
  json_builder_set_member_name (fmt, "cache");
  json_builder_begin_object (fmt);
  json_builder_set_member_name (fmt, "direct");
  json_builder_add_boolean_value (fmt, direct);
  json_builder_set_member_name (fmt, "no-flush");
  json_builder_add_boolean_value (fmt, no_flush);
  json_builder_end_object (fmt);
  json_builder_end_object (fmt);

  *protocol = json_builder_get_root (proto);
  *format_node = json_builder_get_root (fmt);
  return TRUE;
}

/* The -blockdev pair (protocol, then format) for a disk with a source. */
static gboolean
disk_blockdev (Builder *b, xmlNode *disk, const char *node_name, GError **error)
{
  g_autoptr (JsonNode) proto_node = NULL;
  g_autoptr (JsonNode) fmt_node = NULL;
  g_autoptr (JsonGenerator) generator = json_generator_new ();

  if (!vb_qemu_disk_blockdev (disk, node_name, b->context, &proto_node, &fmt_node, error))
    return FALSE;
  json_generator_set_root (generator, proto_node);
  add (b, "-blockdev");
  g_ptr_array_add (b->command->argv, json_generator_to_data (generator, NULL));
  json_generator_set_root (generator, fmt_node);
  add (b, "-blockdev");
  g_ptr_array_add (b->command->argv, json_generator_to_data (generator, NULL));
  return TRUE;
}


/* "hda" → 0, "hdb" → 1, "sdc" → 2, "vdaa" → 26: the place on its bus the
 * name asks for (two-letter prefixes: hd, sd, vd). */
static int
target_index (const char *dev)
{
  int index = 0;

  if (!dev || strlen (dev) < 3)
    return -1;
  for (const char *p = dev + 2; *p; p++)
    {
      if (!g_ascii_islower (*p))
        return -1;
      index = index * 26 + (*p - 'a' + 1);
    }
  return index - 1;
}

static gboolean
build_disk (Builder *b, xmlNode *disk, GError **error)
{
  g_autofree char *device = vb_xml_attr (disk, "device");
  xmlNode *target = vb_xml_child (disk, "target");
  g_autofree char *dev = vb_xml_attr (target, "dev");
  g_autofree char *bus = vb_xml_attr (target, "bus");
  g_autofree char *serial = NULL;
  g_autofree char *id_owned = NULL;
  g_autofree char *node_name = NULL;
  gboolean cdrom = g_strcmp0 (device, "cdrom") == 0;
  gboolean has_source = vb_xml_child (disk, "source") != NULL;
  xmlNode *serial_node = vb_xml_child (disk, "serial");
  xmlNode *address = vb_xml_child (disk, "address");
  g_autoptr (GString) out = g_string_new (NULL);
  int index = target_index (dev);
  const char *id;

  if (g_strcmp0 (device, "floppy") == 0)
    return refuse (error, disk, "floppy disks are not supported");
  if (!bus)
    bus = g_strdup (g_str_has_prefix (dev, "vd") ? "virtio"
                    : g_str_has_prefix (dev, "hd") ? "ide"
                                                   : "sata");
  id = disk_id (b, disk, dev, &id_owned);
  node_name = g_strdup_printf ("drive%u", b->disks++);
  if (has_source && !disk_blockdev (b, disk, node_name, error))
    return FALSE;

  if (g_str_equal (bus, "virtio"))
    {
      if (cdrom)
        return refuse (error, target, "a CD-ROM cannot sit on bus 'virtio'; use sata or scsi");
      g_string_append (out, "virtio-blk-pci");
      if (!pci_address (b, disk, out, error))
        return FALSE;
    }
  else if (g_str_equal (bus, "sata") || g_str_equal (bus, "ide"))
    {
      guint unit = address && attr_is (address, "type", "drive")
                     ? attr_uint (address, "unit", 0) + 2 * attr_uint (address, "bus", 0)
                     : (guint) MAX (index, 0);
      gboolean sata = g_str_equal (bus, "sata");

      if (!cdrom && vb_xml_child (disk, "readonly"))
        return refuse (error, vb_xml_child (disk, "readonly"),
                       "IDE and SATA hard disks cannot be read-only in QEMU; use virtio or scsi");

      g_string_append (out, cdrom ? "ide-cd" : "ide-hd");
      if (sata && b->command->q35)
        g_string_append_printf (out, ",bus=ide.%u", unit);
      else if (sata)
        {
          if (!b->sata_controller)
            {
              add2 (b, "-device", "ich9-ahci,id=sata0");
              b->sata_controller = TRUE;
            }
          g_string_append_printf (out, ",bus=sata0.%u", unit);
        }
      else if (b->command->q35)
        return refuse (error, target, "q35 machines have no IDE bus: use bus='sata'");
      else
        {
          if (unit > 3)
            return refuse (error, target, "IDE has 4 places (hda to hdd)");
          g_string_append_printf (out, ",bus=ide.%u,unit=%u", unit / 2, unit % 2);
        }
    }
  else if (g_str_equal (bus, "scsi"))
    {
      guint controller = address ? attr_uint (address, "controller", 0) : 0;
      guint unit = address ? attr_uint (address, "unit", 0) : (guint) MAX (index, 0);

      if (!g_hash_table_contains (b->scsi_buses, GUINT_TO_POINTER (controller + 1)))
        {
          /* libvirt adds the controller a SCSI disk needs; so do we. */
          add (b, "-device");
          addf (b, "virtio-scsi-pci,id=scsi%u", controller);
          g_hash_table_add (b->scsi_buses, GUINT_TO_POINTER (controller + 1));
        }
      g_string_append_printf (out, "%s,bus=scsi%u.0,channel=0,scsi-id=0,lun=%u",
                              cdrom ? "scsi-cd" : "scsi-hd", controller, unit);
    }
  else if (g_str_equal (bus, "usb"))
    {
      if (cdrom)
        return refuse (error, target, "USB CD-ROMs are not supported");
      ensure_usb (b);
      g_string_append (out, "usb-storage");
      usb_address (disk, out);
    }
  else
    {
      return refuse (error, target, "disk bus '%s' is not supported", bus);
    }
  if (has_source)
    g_string_append_printf (out, ",drive=%s", node_name);
  g_string_append_printf (out, ",id=%s", id);
  if (serial_node)
    {
      g_autofree char *text = vb_xml_text (serial_node);
      serial = esc (text);
      g_string_append_printf (out, ",serial=%s", serial);
    }
  if (vb_xml_child (disk, "shareable") && !cdrom)
    g_string_append (out, ",share-rw=on");
  boot_index (b, disk, out);
  add2 (b, "-device", out->str);
  return TRUE;
}

/* ---- network interfaces ---- */

static gboolean
build_interface (Builder *b, xmlNode *iface, GError **error)
{
  g_autofree char *type = vb_xml_attr (iface, "type");
  g_autofree char *model = child_attr (iface, "model", "type");
  g_autofree char *mac = child_attr (iface, "mac", "address");
  g_autofree char *alias = child_attr (iface, "alias", "name");
  xmlNode *teaming = vb_xml_child (iface, "teaming");
  g_autofree char *netdev = g_strdup_printf ("hostnet%u", b->nets);
  g_autofree char *id = alias ? g_strdup (alias) : g_strdup_printf ("net%u", b->nets);
  g_autoptr (GString) out = g_string_new (NULL);
  const char *device;

  b->nets++;
  if (!model)
    model = g_strdup ("virtio");
  device = g_str_equal (model, "virtio") ? "virtio-net-pci"
           : g_str_equal (model, "e1000") ? "e1000"
           : g_str_equal (model, "e1000e") ? "e1000e"
           : g_str_equal (model, "rtl8139") ? "rtl8139"
                                            : NULL;
  if (!device)
    return refuse (error, vb_xml_child (iface, "model"), "NIC model '%s' is not supported", model);

  if (g_str_equal (type, "user"))
    {
      add (b, "-netdev");
      addf (b, "user,id=%s", netdev);
    }
  else if (g_str_equal (type, "bridge") || g_str_equal (type, "network"))
    {
      VbQemuTap *tap = g_new0 (VbQemuTap, 1);
      g_autofree char *target = child_attr (iface, "target", "dev");

      if (g_str_equal (type, "bridge"))
        tap->bridge = child_attr (iface, "source", "bridge");
      else
        {
          g_autofree char *network = child_attr (iface, "source", "network");

          /* A check at define time must not depend on the network running now. */
          if (b->context->dry_run)
            tap->bridge = g_strdup_printf ("bridge-of-%s", network);
          else if (!b->context->network_bridge)
            {
              g_free (tap);
              return refuse (error, iface, "network '%s' cannot be resolved to a bridge here",
                             network);
            }
          else
            tap->bridge = b->context->network_bridge (network, b->context->network_data, error);
          if (!tap->bridge)
            {
              g_free (tap);
              return FALSE;
            }
        }
      /* 15 characters at most; the UUID's first 8 hex digits keep guests apart. */
      tap->ifname = target && !g_str_has_prefix (target, "vnet")
                      ? g_strdup (target)
                      : g_strdup_printf ("vb%.8s-%u", b->def->uuid, b->nets - 1);
      tap->mac = g_strdup (mac);
      tap->fd = -1;
      tap->fd_arg = g_strdup_printf ("@TAPFD%u@", b->command->taps->len);
      add (b, "-netdev");
      addf (b, "tap,id=%s,fd=%s", netdev, tap->fd_arg);
      g_ptr_array_add (b->command->taps, tap);
    }
  else
    {
      return refuse (error, iface, "interface type '%s' is not supported", type);
    }

  g_string_append_printf (out, "%s,netdev=%s,id=%s,mac=%s", device, netdev, id, mac);
  if (teaming && attr_is (teaming, "type", "persistent"))
    {
      if (!g_str_equal (device, "virtio-net-pci"))
        return refuse (error, teaming, "failover needs a virtio NIC");
      if (!b->context->virtio_net_failover)
        return refuse (error, teaming,
                       "this QEMU's virtio-net-pci has no 'failover' property");
      g_string_append (out, ",failover=on");
    }
  else if (teaming)
    {
      /* Beyond libvirt, which wants a <hostdev>: an emulated NIC may be the
       * transient member too. QEMU treats it the same (its own failover
       * tests do this), so the unplug during migration works without a VF. */
      g_autofree char *partner = vb_xml_attr (teaming, "persistent");

      if (g_str_equal (device, "virtio-net-pci"))
        return refuse (error, teaming,
                       "the transient member of a failover pair is a <hostdev> or an emulated "
                       "NIC, not virtio");
      if (!b->context->virtio_net_failover)
        return refuse (error, teaming,
                       "this QEMU's virtio-net-pci has no 'failover' property");
      /* QEMU unplugs it by PCIe hotplug: it must sit on a root port. */
      if (!b->command->q35 || attr_uint (vb_xml_child (iface, "address"), "bus", 0) == 0)
        return refuse (error, teaming,
                       "the transient member of a failover pair must sit on a pcie-root-port of a "
                       "q35 machine (an <address type='pci'> with bus > 0)");
      /* No option ROM: the destination realizes the device only once the
       * guest has negotiated failover again, so a ROM's RAM block would be
       * unknown there and refuse the stream. */
      g_string_append_printf (out, ",failover_pair_id=%s,romfile=", partner);
    }
  if (attr_is (vb_xml_child (iface, "link"), "state", "down"))
    g_ptr_array_add (b->command->link_down, g_strdup (id));
  if (!pci_address (b, iface, out, error))
    return FALSE;
  boot_index (b, iface, out);
  add2 (b, "-device", out->str);
  return TRUE;
}

static gboolean
build_hostdev (Builder *b, xmlNode *hostdev, GError **error)
{
  xmlNode *source = vb_xml_child (hostdev, "source");
  xmlNode *address = vb_xml_child (source, "address");
  xmlNode *teaming = vb_xml_child (hostdev, "teaming");
  g_autofree char *alias = child_attr (hostdev, "alias", "name");
  g_autofree char *host = NULL;
  g_autoptr (GString) out = g_string_new (NULL);

  if (!attr_is (hostdev, "mode", "subsystem") || !attr_is (hostdev, "type", "pci") || !address)
    return refuse (error, hostdev, "only PCI host devices (mode='subsystem' type='pci') are supported");
  host = g_strdup_printf ("%04x:%02x:%02x.%x", attr_uint (address, "domain", 0),
                          attr_uint (address, "bus", 0), attr_uint (address, "slot", 0),
                          attr_uint (address, "function", 0));
  if (!b->context->dry_run)
    {
      g_autofree char *sys = g_strdup_printf ("/sys/bus/pci/devices/%s", host);
      if (!host_has (b->context, sys))
        return refuse (error, source, "the host has no PCI device %s", host);
    }
  g_string_append_printf (out, "vfio-pci,host=%s,id=%s", host,
                          alias ? alias : "hostdev");
  if (!alias)
    g_string_append_printf (out, "%u", b->hostdevs);
  b->hostdevs++;
  if (teaming)
    {
      g_autofree char *partner = vb_xml_attr (teaming, "persistent");
      if (!attr_is (teaming, "type", "transient") || !partner)
        return refuse (error, teaming, "a hostdev teams as type='transient' with persistent='ALIAS'");
      if (!b->context->virtio_net_failover)
        return refuse (error, teaming, "this QEMU's virtio-net-pci has no 'failover' property");
      g_string_append_printf (out, ",failover_pair_id=%s", partner);
    }
  if (!pci_address (b, hostdev, out, error))
    return FALSE;
  boot_index (b, hostdev, out);
  add2 (b, "-device", out->str);
  return TRUE;
}

/* ---- character devices ---- */

/* The chardev for a serial, console or channel: returns its id. */
static char *
build_chardev (Builder *b, xmlNode *node, const char *id_prefix, guint index, gboolean console,
               GError **error)
{
  g_autofree char *type = vb_xml_attr (node, "type");
  xmlNode *source = vb_xml_child (node, "source");
  xmlNode *log = vb_xml_child (node, "log");
  g_autofree char *id = g_strdup_printf ("char%s%u", id_prefix, index);
  g_autoptr (GString) out = g_string_new (NULL);

  if (g_str_equal (type, "pty"))
    {
      /* Our "pty" is a socket in the run directory that OpenConsole()
       * hands out, logged to a file so nothing the guest printed is lost. */
      g_autofree char *sock = NULL;
      g_autofree char *file = NULL;
      g_autofree char *name = g_strdup_printf ("%s%u.sock", id_prefix, index);
      g_autofree char *log_name = g_strdup_printf ("%s%u.log", id_prefix, index);

      sock = runtime_path (b, name);
      file = runtime_path (b, log_name);
      g_string_append_printf (out, "socket,id=%s,path=%s,server=on,wait=off,logfile=%s,logappend=on",
                              id, sock, file);
      if (console && !b->command->console_path)
        {
          b->command->console_path = g_steal_pointer (&sock);
          b->command->console_log = g_steal_pointer (&file);
        }
    }
  else if (g_str_equal (type, "file"))
    {
      g_autofree char *path = vb_xml_attr (source, "path");
      g_autofree char *p = esc (path);
      g_string_append_printf (out, "file,id=%s,path=%s%s", id, p,
                              attr_is (source, "append", "on") ? ",append=on" : "");
    }
  else if (g_str_equal (type, "unix"))
    {
      g_autofree char *path = source ? vb_xml_attr (source, "path") : NULL;
      gboolean server = !source || !attr_is (source, "mode", "connect");
      g_autofree char *p = NULL;

      if (!path)
        {
          g_autofree char *name = g_strdup_printf ("%s%u.sock", id_prefix, index);
          path = runtime_path (b, name);
        }
      p = esc (path);
      g_string_append_printf (out, "socket,id=%s,path=%s%s", id, p,
                              server ? ",server=on,wait=off" : "");
      if (g_str_equal (id_prefix, "channel") && !b->command->agent_path)
        b->command->agent_path = g_strdup (path);
    }
  else if (g_str_equal (type, "spicevmc"))
    {
      if (!b->spice)
        {
          refuse (error, node, "a spicevmc channel needs <graphics type='spice'>");
          return NULL;
        }
      g_string_append_printf (out, "spicevmc,id=%s,name=vdagent", id);
    }
  else
    {
      refuse (error, node, "character device type '%s' is not supported", type);
      return NULL;
    }
  if (log && !g_str_equal (type, "pty"))
    {
      g_autofree char *file = vb_xml_attr (log, "file");
      g_autofree char *f = esc (file);
      g_string_append_printf (out, ",logfile=%s", f);
      if (attr_is (log, "append", "on"))
        g_string_append (out, ",logappend=on");
    }
  add2 (b, "-chardev", out->str);
  return g_steal_pointer (&id);
}

static gboolean
build_serial (Builder *b, xmlNode *node, GError **error)
{
  xmlNode *target = vb_xml_child (node, "target");
  guint port = attr_uint (target, "port", b->serials);
  g_autofree char *target_type = target ? vb_xml_attr (target, "type") : NULL;
  g_autofree char *chardev = NULL;

  if (target_type && !g_str_equal (target_type, "isa-serial"))
    return refuse (error, target, "serial target type '%s' is not supported", target_type);
  chardev = build_chardev (b, node, "serial", port, port == 0, error);
  if (!chardev)
    return FALSE;
  add (b, "-device");
  addf (b, "isa-serial,chardev=%s,id=serial%u,index=%u", chardev, port, port);
  b->serials++;
  return TRUE;
}

static gboolean
build_console (Builder *b, xmlNode *node, GError **error)
{
  xmlNode *target = vb_xml_child (node, "target");
  g_autofree char *target_type = target ? vb_xml_attr (target, "type") : NULL;

  if (!target_type || g_str_equal (target_type, "serial"))
    {
      /* libvirt's console of a serial port is that port itself. */
      if (b->serials > 0)
        return TRUE;
      return build_serial (b, node, error);
    }
  if (g_str_equal (target_type, "virtio"))
    {
      g_autofree char *chardev = build_chardev (b, node, "console", 0, b->serials == 0, error);
      if (!chardev)
        return FALSE;
      ensure_virtio_serial (b);
      add (b, "-device");
      addf (b, "virtconsole,chardev=%s,id=console0", chardev);
      return TRUE;
    }
  return refuse (error, target, "console target type '%s' is not supported", target_type);
}

static gboolean
build_channel (Builder *b, xmlNode *node, GError **error)
{
  xmlNode *target = vb_xml_child (node, "target");
  xmlNode *address = vb_xml_child (node, "address");
  g_autofree char *name = target ? vb_xml_attr (target, "name") : NULL;
  guint index = b->channels++;
  g_autofree char *chardev = NULL;
  g_autoptr (GString) out = g_string_new (NULL);

  if (!attr_is (target, "type", "virtio"))
    return refuse (error, target, "only virtio channels are supported");
  chardev = build_chardev (b, node, "channel", index, FALSE, error);
  if (!chardev)
    return FALSE;
  ensure_virtio_serial (b);
  g_string_append_printf (out, "virtserialport,bus=virtio-serial%u.0,chardev=%s,id=channel%u",
                          address ? attr_uint (address, "controller", 0) : 0, chardev, index);
  if (address && vb_xml_attr (address, "port"))
    g_string_append_printf (out, ",nr=%u", attr_uint (address, "port", 1));
  if (name)
    g_string_append_printf (out, ",name=%s", name);
  add2 (b, "-device", out->str);
  return TRUE;
}

/* ---- display, sound, input ---- */

static char *
graphics_listen (xmlNode *graphics)
{
  g_autofree char *listen = vb_xml_attr (graphics, "listen");
  xmlNode *listen_node = vb_xml_child (graphics, "listen");
  g_autofree char *address = listen_node ? vb_xml_attr (listen_node, "address") : NULL;

  if (address)
    return g_steal_pointer (&address);
  if (listen)
    return g_steal_pointer (&listen);
  /* Like libvirt's default: reachable from this host only. */
  return g_strdup ("127.0.0.1");
}

static gboolean
build_graphics (Builder *b, xmlNode *graphics, GError **error)
{
  g_autofree char *type = vb_xml_attr (graphics, "type");
  g_autofree char *listen = graphics_listen (graphics);
  int port = (int) attr_uint (graphics, "port", (guint) -1);
  gboolean autoport = attr_is (graphics, "autoport", "yes") || port < 0;

  if (vb_xml_attr (graphics, "passwd") || vb_xml_attr (graphics, "websocket"))
    return refuse (error, graphics, "graphics passwords and websockets are not supported yet");
  if (g_str_equal (type, "vnc"))
    {
      if (b->command->vnc_display >= 0)
        return refuse (error, graphics, "only one VNC display is supported");
      b->command->vnc_autoport = autoport;
      b->command->vnc_display = autoport ? 0 : port - 5900;
      add (b, "-vnc");
      if (autoport)
        addf (b, "%s:0,to=1000", listen);
      else
        addf (b, "%s:%d", listen, port - 5900);
    }
  else if (g_str_equal (type, "spice"))
    {
      g_autofree char *compression = child_attr (graphics, "image", "compression");
      g_autoptr (GString) out = g_string_new (NULL);

      if (!b->context->spice)
        return refuse (error, graphics, "this QEMU has no SPICE support");
      if (autoport)
        port = b->context->dry_run || !b->context->free_tcp_port ? 5900
                                                                 : b->context->free_tcp_port (5900);
      if (port < 0)
        return refuse (error, graphics, "no free TCP port for SPICE");
      b->command->spice_port = port;
      g_string_append_printf (out, "port=%d,addr=%s,disable-ticketing=on,seamless-migration=on",
                              port, listen);
      if (compression)
        g_string_append_printf (out, ",image-compression=%s", compression);
      add2 (b, "-spice", out->str);
    }
  else
    {
      return refuse (error, graphics, "graphics type '%s' is not supported", type);
    }
  return TRUE;
}

static gboolean
build_video (Builder *b, xmlNode *video, GError **error)
{
  xmlNode *model = vb_xml_child (video, "model");
  g_autofree char *type = model ? vb_xml_attr (model, "type") : g_strdup ("vga");
  gboolean primary = b->videos == 0 || attr_is (model, "primary", "yes");
  g_autoptr (GString) out = g_string_new (NULL);
  guint vram = attr_uint (model, "vram", 0);

  if (attr_is (vb_xml_child (model, "acceleration"), "accel3d", "yes"))
    return refuse (error, model, "3D acceleration is not supported");
  if (g_str_equal (type, "none"))
    return TRUE;
  if (g_str_equal (type, "qxl"))
    {
      guint ram = attr_uint (model, "ram", 0);
      guint vgamem = attr_uint (model, "vgamem", 0);
      g_string_append (out, primary ? "qxl-vga" : "qxl");
      if (ram)
        g_string_append_printf (out, ",ram_size=%" G_GUINT64_FORMAT, (guint64) ram * 1024);
      if (vram)
        g_string_append_printf (out, ",vram_size=%" G_GUINT64_FORMAT, (guint64) vram * 1024);
      if (vgamem)
        g_string_append_printf (out, ",vgamem_mb=%u", vgamem / 1024);
    }
  else if (g_str_equal (type, "virtio"))
    {
      g_string_append (out, primary ? "virtio-vga" : "virtio-gpu-pci");
      if (attr_uint (model, "heads", 0) > 1)
        g_string_append_printf (out, ",max_outputs=%u", attr_uint (model, "heads", 1));
    }
  else if (g_str_equal (type, "vga") || g_str_equal (type, "cirrus"))
    {
      if (!primary)
        return refuse (error, model, "a %s card can only be the primary one", type);
      g_string_append (out, g_str_equal (type, "vga") ? "VGA" : "cirrus-vga");
      if (vram)
        g_string_append_printf (out, ",vgamem_mb=%u", MAX (vram / 1024, 1));
    }
  else if (g_str_equal (type, "bochs"))
    g_string_append (out, "bochs-display");
  else
    return refuse (error, model, "video model '%s' is not supported", type);
  g_string_append_printf (out, ",id=video%u", b->videos++);
  if (!pci_address (b, video, out, error))
    return FALSE;
  add2 (b, "-device", out->str);
  return TRUE;
}

static gboolean
build_audio (Builder *b, xmlNode *audio, GError **error)
{
  g_autofree char *type = vb_xml_attr (audio, "type");
  guint id = attr_uint (audio, "id", 1);

  if (!g_str_equal (type, "none") && !g_str_equal (type, "spice"))
    return refuse (error, audio, "audio backend '%s' is not supported (none or spice)", type);
  if (g_str_equal (type, "spice") && !b->spice)
    return refuse (error, audio, "a spice audio backend needs <graphics type='spice'>");
  add (b, "-audiodev");
  addf (b, "%s,id=audio%u", type, id);
  if (!b->audiodev)
    b->audiodev = g_strdup_printf ("audio%u", id);
  return TRUE;
}

static gboolean
build_sound (Builder *b, xmlNode *sound, GError **error)
{
  g_autofree char *model = vb_xml_attr (sound, "model");
  guint index = b->sounds++;
  g_autoptr (GString) out = g_string_new (NULL);

  if (!b->audiodev)
    {
      add2 (b, "-audiodev", "none,id=audio0");
      b->audiodev = g_strdup ("audio0");
    }
  if (g_str_equal (model, "ich9") || g_str_equal (model, "ich6"))
    g_string_append_printf (out, "%s,id=sound%u",
                            g_str_equal (model, "ich9") ? "ich9-intel-hda" : "intel-hda", index);
  else if (g_str_equal (model, "ac97"))
    g_string_append_printf (out, "AC97,id=sound%u,audiodev=%s", index, b->audiodev);
  else if (g_str_equal (model, "es1370"))
    g_string_append_printf (out, "ES1370,id=sound%u,audiodev=%s", index, b->audiodev);
  else
    return refuse (error, sound, "sound model '%s' is not supported", model);
  if (!pci_address (b, sound, out, error))
    return FALSE;
  add2 (b, "-device", out->str);
  if (g_str_has_prefix (out->str, "ich9") || g_str_has_prefix (out->str, "intel-hda"))
    {
      add (b, "-device");
      addf (b, "hda-duplex,id=sound%u-codec0,bus=sound%u.0,cad=0,audiodev=%s", index, index,
            b->audiodev);
    }
  return TRUE;
}

static gboolean
build_input (Builder *b, xmlNode *input, GError **error)
{
  g_autofree char *type = vb_xml_attr (input, "type");
  g_autofree char *bus = vb_xml_attr (input, "bus");
  g_autoptr (GString) out = g_string_new (NULL);
  guint index = b->inputs++;

  if (!bus)
    bus = g_strdup (g_str_equal (type, "tablet") ? "usb" : "ps2");
  if (g_str_equal (bus, "ps2"))
    {
      if (g_str_equal (type, "tablet"))
        return refuse (error, input, "a tablet cannot sit on PS/2");
      return TRUE; /* built into pc and q35 */
    }
  if (g_str_equal (bus, "usb"))
    {
      ensure_usb (b);
      g_string_append_printf (out, "%s,id=input%u",
                              g_str_equal (type, "tablet")  ? "usb-tablet"
                              : g_str_equal (type, "mouse") ? "usb-mouse"
                                                            : "usb-kbd",
                              index);
      usb_address (input, out);
    }
  else if (g_str_equal (bus, "virtio"))
    {
      g_string_append_printf (out, "virtio-%s-pci,id=input%u",
                              g_str_equal (type, "keyboard") ? "keyboard" : type, index);
      if (!pci_address (b, input, out, error))
        return FALSE;
    }
  else
    {
      return refuse (error, input, "input bus '%s' is not supported", bus);
    }
  add2 (b, "-device", out->str);
  return TRUE;
}

static gboolean
build_redirdev (Builder *b, xmlNode *redirdev, GError **error)
{
  guint index = b->redirs++;
  g_autoptr (GString) out = g_string_new (NULL);

  if (!attr_is (redirdev, "bus", "usb") || !attr_is (redirdev, "type", "spicevmc"))
    return refuse (error, redirdev, "only USB redirection over spicevmc is supported");
  if (!b->spice)
    return refuse (error, redirdev, "USB redirection needs <graphics type='spice'>");
  ensure_usb (b);
  add (b, "-chardev");
  addf (b, "spicevmc,id=charredir%u,name=usbredir", index);
  g_string_append_printf (out, "usb-redir,chardev=charredir%u,id=redir%u", index, index);
  usb_address (redirdev, out);
  add2 (b, "-device", out->str);
  return TRUE;
}

/* ---- other devices ---- */

static gboolean
build_memballoon (Builder *b, xmlNode *node, GError **error)
{
  g_autofree char *model = vb_xml_attr (node, "model");
  g_autoptr (GString) out = g_string_new ("virtio-balloon-pci,id=balloon0");

  if (g_strcmp0 (model, "none") == 0)
    {
      b->command->balloon_target_kib = 0;
      return TRUE;
    }
  if (g_strcmp0 (model, "virtio") != 0)
    return refuse (error, node, "balloon model '%s' is not supported", model);
  if (!pci_address (b, node, out, error))
    return FALSE;
  add2 (b, "-device", out->str);
  return TRUE;
}

static gboolean
build_rng (Builder *b, xmlNode *node, GError **error)
{
  xmlNode *backend = vb_xml_child (node, "backend");
  g_autofree char *source = backend ? vb_xml_text (backend) : NULL;
  g_autoptr (GString) out = g_string_new ("virtio-rng-pci,rng=objrng0,id=rng0");

  if (!attr_is (node, "model", "virtio") || !attr_is (backend, "model", "random"))
    return refuse (error, node, "only a virtio RNG with a 'random' backend is supported");
  if (!source || !*source)
    {
      g_free (source);
      source = g_strdup ("/dev/urandom");
    }
  add (b, "-object");
  addf (b, "rng-random,id=objrng0,filename=%s", source);
  if (!pci_address (b, node, out, error))
    return FALSE;
  add2 (b, "-device", out->str);
  return TRUE;
}

static gboolean
build_watchdog (Builder *b, xmlNode *node, GError **error)
{
  g_autofree char *model = vb_xml_attr (node, "model");
  g_autofree char *action = vb_xml_attr (node, "action");
  g_autoptr (GString) out = g_string_new (NULL);

  if (g_strcmp0 (model, "i6300esb") == 0)
    g_string_append (out, "i6300esb,id=watchdog0");
  else if (g_strcmp0 (model, "ib700") == 0)
    g_string_append (out, "ib700,id=watchdog0");
  else if (g_strcmp0 (model, "itco") != 0)
    return refuse (error, node, "watchdog model '%s' is not supported", model);
  if (out->len)
    {
      if (!pci_address (b, node, out, error))
        return FALSE;
      add2 (b, "-device", out->str);
    }
  if (action)
    {
      const char *qemu_action = g_str_equal (action, "reset") ? "reset"
                                : g_str_equal (action, "shutdown") ? "shutdown"
                                : g_str_equal (action, "poweroff") ? "poweroff"
                                : g_str_equal (action, "pause") ? "pause"
                                : g_str_equal (action, "none") ? "none"
                                : g_str_equal (action, "inject-nmi") ? "inject-nmi"
                                                                    : NULL;
      if (!qemu_action)
        return refuse (error, node, "watchdog action '%s' is not supported", action);
      add (b, "-action");
      addf (b, "watchdog=%s", qemu_action);
    }
  return TRUE;
}

static gboolean
build_panic (Builder *b, xmlNode *node, GError **error)
{
  g_autofree char *model = vb_xml_attr (node, "model");

  if (model && !g_str_equal (model, "isa"))
    return refuse (error, node, "panic model '%s' is not supported (isa)", model);
  add2 (b, "-device", "pvpanic");
  return TRUE;
}

/* ---- devices, in the order the XML lists them ---- */

typedef gboolean (*DeviceBuilder) (Builder *b, xmlNode *node, GError **error);

static const struct {
  const char *element;
  DeviceBuilder build;
} device_builders[] = {
  { "disk", build_disk },           { "interface", build_interface },
  { "hostdev", build_hostdev },     { "serial", build_serial },
  { "console", build_console },     { "channel", build_channel },
  { "input", build_input },         { "graphics", build_graphics },
  { "audio", build_audio },         { "sound", build_sound },
  { "video", build_video },         { "memballoon", build_memballoon },
  { "rng", build_rng },             { "redirdev", build_redirdev },
  { "watchdog", build_watchdog },   { "panic", build_panic },
};

/* The buses devices name, and the slots taken on the root bus. */
static void
collect_pci_buses (xmlNode *node, GHashTable *buses, GHashTable *root_slots)
{
  for (xmlNode *child = node ? node->children : NULL; child; child = child->next)
    {
      if (child->type != XML_ELEMENT_NODE)
        continue;
      if (g_str_equal ((const char *) child->name, "address") && attr_is (child, "type", "pci"))
        {
          guint bus = attr_uint (child, "bus", 0);
          g_hash_table_add (buses, GUINT_TO_POINTER (bus));
          if (bus == 0)
            g_hash_table_add (root_slots, GUINT_TO_POINTER (attr_uint (child, "slot", 0)));
        }
      collect_pci_buses (child, buses, root_slots);
    }
}

/* Bridges come first, in index order, so that every device placed on a bus
 * finds it; a bus a device names without its controller is added, as
 * libvirt adds it when it defines the domain. */
static gboolean
build_pci_controllers (Builder *b, GError **error)
{
  g_autoptr (GHashTable) wanted = g_hash_table_new (NULL, NULL);
  g_autoptr (GHashTable) root_slots = g_hash_table_new (NULL, NULL);
  g_autoptr (GPtrArray) ordered = g_ptr_array_new ();
  guint max_bus = 0;
  guint slot = 0x0a;
  GHashTableIter iter;
  gpointer key;

  collect_pci_buses (b->devices, wanted, root_slots);
  for (xmlNode *node = vb_xml_child (b->devices, "controller"); node;
       node = vb_xml_next (node, "controller"))
    if (attr_is (node, "type", "pci"))
      {
        guint index = attr_uint (node, "index", 0);
        if (index >= ordered->len)
          g_ptr_array_set_size (ordered, index + 1);
        ordered->pdata[index] = node;
      }
  g_hash_table_iter_init (&iter, wanted);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    max_bus = MAX (max_bus, GPOINTER_TO_UINT (key));
  for (guint index = 0; index <= MAX (max_bus, ordered->len ? ordered->len - 1 : 0); index++)
    {
      xmlNode *node = index < ordered->len ? ordered->pdata[index] : NULL;

      if (node)
        {
          if (!build_controller (b, node, error))
            return FALSE;
        }
      else if (index > 0 && g_hash_table_contains (wanted, GUINT_TO_POINTER (index)))
        {
          /* An explicit slot, so QEMU's own choice cannot take one the XML names. */
          while (g_hash_table_contains (root_slots, GUINT_TO_POINTER (slot)))
            slot++;
          g_hash_table_add (root_slots, GUINT_TO_POINTER (slot));
          add (b, "-device");
          if (b->command->q35)
            addf (b, "pcie-root-port,port=0x%x,chassis=%u,id=pci.%u,bus=pcie.0,addr=0x%x",
                  0x10 + index - 1, index, index, slot);
          else
            addf (b, "pci-bridge,chassis_nr=%u,id=pci.%u,bus=pci.0,addr=0x%x", index, index,
                  slot);
        }
    }
  return TRUE;
}

static gboolean
build_devices (Builder *b, GError **error)
{
  xmlNode *node;

  /* First what others refer to: buses, controllers, SPICE, audio back ends. */
  if (!build_pci_controllers (b, error))
    return FALSE;
  for (node = vb_xml_child (b->devices, "controller"); node; node = vb_xml_next (node, "controller"))
    if (!attr_is (node, "type", "pci") && !build_controller (b, node, error))
      return FALSE;
  for (node = vb_xml_child (b->devices, "graphics"); node; node = vb_xml_next (node, "graphics"))
    if (attr_is (node, "type", "spice"))
      b->spice = TRUE;
  for (node = vb_xml_child (b->devices, "audio"); node; node = vb_xml_next (node, "audio"))
    if (!build_audio (b, node, error))
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
  /* No local window ever: VNC and SPICE servers are separate from -display. */
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

/* What the guest's power-off, reboot and crash do. The driver carries out
 * destroy, restart and preserve; the rest is refused rather than ignored. */
static gboolean
build_actions (Builder *b, GError **error)
{
  static const struct {
    const char *element;
    const char *const allowed[3];
  } actions[] = {
    { "on_poweroff", { "destroy", NULL } },
    { "on_reboot", { "restart", "destroy", NULL } },
    { "on_crash", { "destroy", "preserve", NULL } },
  };

  for (guint i = 0; i < G_N_ELEMENTS (actions); i++)
    {
      xmlNode *node = vb_xml_child (b->root, actions[i].element);
      g_autofree char *value = node ? vb_xml_text (node) : NULL;

      if (value && !g_strv_contains (actions[i].allowed, value))
        return refuse (error, node, "'%s' is not supported here (only %s%s%s)", value,
                       actions[i].allowed[0], actions[i].allowed[1] ? " or " : "",
                       actions[i].allowed[1] ? actions[i].allowed[1] : "");
      if (g_strcmp0 (value, "destroy") == 0 && g_str_equal (actions[i].element, "on_reboot"))
        add2 (b, "-action", "reboot=shutdown");
    }
  return TRUE;
}

static gboolean
build (Builder *b, GError **error)
{
  VbQemuCommand *c = b->command;
  xmlNode *emulator = vb_xml_child (b->devices, "emulator");

  c->binary = emulator ? vb_xml_text (emulator) : g_strdup (b->context->qemu_binary);
  add (b, c->binary);
  add (b, "-name");
  {
    g_autofree char *name = esc (b->def->name);
    addf (b, "guest=%s,debug-threads=on", name);
  }
  add (b, "-S");
  add (b, "-no-user-config");
  add (b, "-nodefaults");
  add2 (b, "-uuid", b->def->uuid);
  if (!build_machine (b, error) || !build_cpu (b, error) || !scan_boot_orders (b, error))
    return FALSE;
  c->monitor_path = runtime_path (b, "monitor.sock");
  add (b, "-chardev");
  addf (b, "socket,id=charmonitor,path=%s,server=on,wait=off", c->monitor_path);
  add2 (b, "-mon", "chardev=charmonitor,id=monitor,mode=control");
  if (!build_clock (b, error))
    return FALSE;
  /* The guest's power-off stops QEMU instead of ending it, so the service
   * sees the SHUTDOWN event, can reset for a reboot, and ends QEMU itself. */
  add (b, "-no-shutdown");
  if (!build_actions (b, error))
    return FALSE;
  if (!build_firmware (b, error) || !build_boot (b, error) || !build_devices (b, error))
    return FALSE;
  add2 (b, "-sandbox", "on,obsolete=deny,elevateprivileges=deny,spawn=deny,resourcecontrol=deny");
  add2 (b, "-msg", "timestamp=on");
  return TRUE;
}

static void
tap_free (VbQemuTap *tap)
{
  g_free (tap->ifname);
  g_free (tap->bridge);
  g_free (tap->mac);
  g_free (tap->fd_arg);
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
  command->vnc_display = -1;
  command->spice_port = -1;
  command->log_path = g_build_filename (context->domain_dir, "qemu.log", NULL);
  b.context = context;
  b.command = command;
  b.def = def;
  b.root = xmlDocGetRootElement (doc);
  b.devices = vb_xml_child (b.root, "devices");
  b.scsi_buses = g_hash_table_new (NULL, NULL);
  ok = build (&b, error);
  g_hash_table_unref (b.scsi_buses);
  g_free (b.audiodev);
  if (!ok)
    return NULL;
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
  g_free (command->binary);
  g_free (command->monitor_path);
  g_free (command->console_path);
  g_free (command->console_log);
  g_free (command->agent_path);
  g_free (command->log_path);
  g_free (command->machine);
  g_free (command->nvram_path);
  g_free (command->nvram_template);
  g_free (command);
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
