/* The command line of <hostdev mode='subsystem'>: a host's PCI device or
 * mediated device (vfio-pci), USB device (usb-host), or vhost-scsi target
 * (vhost-scsi-pci), and of <launchSecurity> (an AMD SEV guest). What the
 * host must have is checked at Start (not in a dry run: a definition may be
 * made for hardware that is plugged later), and a Start without it is
 * refused naming the device. */
#include "qemu-command-private.h"

/* <rom bar file enabled> of a PCI device passed through. */
static gboolean
rom_options (xmlNode *hostdev, GString *out, GError **error)
{
  xmlNode *rom = vb_xml_child (hostdev, "rom");
  g_autofree char *file = rom ? vb_xml_attr (rom, "file") : NULL;
  g_autofree char *bar = rom ? vb_xml_attr (rom, "bar") : NULL;

  if (!rom)
    return TRUE;
  if (vb_xml_attr_is (rom, "enabled", "no"))
    {
      if (file || bar)
        return refuse (error, rom, "a disabled ROM takes no file or bar");
      g_string_append (out, ",romfile=");
      return TRUE;
    }
  if (bar)
    g_string_append_printf (out, ",rombar=%d", g_str_equal (bar, "on"));
  if (file)
    vb_qemu_opt (out, "romfile", file);
  return TRUE;
}

gboolean
vb_qemu_hostdev_rom_options (xmlNode *device, GString *out, GError **error)
{
  return rom_options (device, out, error);
}

/* ramfb='on' (a boot framebuffer for display='on') is a property of QEMU's
 * vfio-pci-nohotplug only: a device that cannot be unplugged. */
static const char *
vfio_device (xmlNode *hostdev)
{
  return vb_xml_attr_is (hostdev, "ramfb", "on") ? "vfio-pci-nohotplug" : "vfio-pci";
}

/* display='on' shows the device's own display (a vGPU's) on the domain's. */
static gboolean
display_options (Builder *b, xmlNode *hostdev, GString *out, GError **error)
{
  gboolean ramfb = vb_xml_attr_is (hostdev, "ramfb", "on");

  if (ramfb && !vb_xml_attr_is (hostdev, "display", "on"))
    return refuse (error, hostdev, "ramfb='on' is the boot display of display='on'");
  /* QEMU shows it through OpenGL on the domain's display: a domain with
   * VNC or SPICE without OpenGL gets an egl-headless one beside it
   * (qemu-complete-display.c), whose render node is checked at Start. */
  if (vb_xml_attr_is (hostdev, "display", "on") && !vb_qemu_has_gl_display (b))
    return refuse (error, hostdev,
                   "display='on' shows the device's display on the domain's: it needs a "
                   "<graphics> (vnc, spice or egl-headless)");
  if (vb_xml_attr_is (hostdev, "display", "off"))
    g_string_append (out, ",display=off");
  if (vb_xml_attr_is (hostdev, "display", "on"))
    g_string_append (out, ",display=on");
  if (ramfb)
    g_string_append (out, ",ramfb=on");
  return TRUE;
}

/* <driver model='…'>: the host's variant VFIO driver (vfio-pci-igb,
 * mlx5_vfio_pci, …) the device is bound to instead of vfio-pci; QEMU's
 * device is vfio-pci all the same. */
static gboolean
variant_driver (Builder *b, xmlNode *hostdev, const char *host, GError **error)
{
  xmlNode *driver = vb_xml_child (hostdev, "driver");
  g_autofree char *model = driver ? vb_xml_attr (driver, "model") : NULL;
  g_autofree char *bound = NULL;

  if (!model)
    return TRUE;
  /* A kernel driver's name: it becomes a /sys path. */
  if (!*model
      || strspn (model, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-")
           != strlen (model))
    return refuse (error, driver, "'%s' is not a kernel driver's name", model);
  bound = g_strdup_printf ("/sys/bus/pci/drivers/%s/%s", model, host);
  /* The service rebinds no host device (managed= or not). */
  if (!b->context->dry_run && !host_has (b->context, bound))
    return refuse (error, driver, "the host's PCI device %s is not bound to driver %s", host,
                   model);
  return TRUE;
}

static gboolean
build_pci (Builder *b, xmlNode *hostdev, GString *out, GError **error)
{
  xmlNode *source = vb_xml_child (hostdev, "source");
  xmlNode *address = vb_xml_child (source, "address");
  g_autofree char *host = NULL;

  if (!address)
    return refuse (error, hostdev, "a PCI host device needs <source><address>");
  host =
    g_strdup_printf ("%04x:%02x:%02x.%x", vb_xml_attr_uint (address, "domain", 0),
                     vb_xml_attr_uint (address, "bus", 0), vb_xml_attr_uint (address, "slot", 0),
                     vb_xml_attr_uint (address, "function", 0));
  if (!b->context->dry_run)
    {
      g_autofree char *sys = g_strdup_printf ("/sys/bus/pci/devices/%s", host);
      if (!host_has (b->context, sys))
        return refuse (error, source, "the host has no PCI device %s", host);
      if (!host_has (b->context, "/dev/vfio/vfio"))
        return refuse (error, hostdev, "the host has no VFIO (/dev/vfio/vfio) to pass %s through",
                       host);
    }
  if (!variant_driver (b, hostdev, host, error))
    return FALSE;
  g_string_append_printf (out, "%s,host=%s", vfio_device (hostdev), host);
  if (!display_options (b, hostdev, out, error))
    return FALSE;
  return rom_options (hostdev, out, error);
}

/* A mediated device (a slice of a host GPU or accelerator) by its UUID. */
static gboolean
build_mdev (Builder *b, xmlNode *hostdev, GString *out, GError **error)
{
  xmlNode *address = vb_xml_child (vb_xml_child (hostdev, "source"), "address");
  g_autofree char *uuid = address ? vb_xml_attr (address, "uuid") : NULL;
  g_autofree char *model = vb_xml_attr (hostdev, "model");
  g_autofree char *sys = NULL;

  if (g_strcmp0 (model, "vfio-pci") != 0)
    return refuse (error, hostdev, "mediated device model '%s' is not x86's (vfio-pci)",
                   model ? model : "");
  if (!uuid || !g_uuid_string_is_valid (uuid))
    return refuse (error, hostdev, "a mediated device needs <source><address uuid>");
  sys = g_strdup_printf ("/sys/bus/mdev/devices/%s", uuid);
  if (!b->context->dry_run && !host_has (b->context, sys))
    return refuse (error, hostdev, "the host has no mediated device %s", uuid);
  g_string_append (out, vfio_device (hostdev));
  vb_qemu_opt (out, "sysfsdev", sys);
  if (!display_options (b, hostdev, out, error))
    return FALSE;
  return rom_options (hostdev, out, error);
}

static gboolean
build_usb (Builder *b, xmlNode *hostdev, GString *out, GError **error)
{
  xmlNode *source = vb_xml_child (hostdev, "source");
  xmlNode *vendor = vb_xml_child (source, "vendor");
  xmlNode *product = vb_xml_child (source, "product");
  xmlNode *address = vb_xml_child (source, "address");

  if (!need_usb (b, hostdev, error))
    return FALSE;
  if (!address && (!vendor || !product))
    return refuse (error, hostdev,
                   "a USB host device needs <source><vendor> and <product>, or <address>");
  g_string_append (out, "usb-host");
  if (address)
    {
      guint bus = vb_xml_attr_uint (address, "bus", 0);
      guint device = vb_xml_attr_uint (address, "device", 0);
      g_autofree char *node = g_strdup_printf ("/dev/bus/usb/%03u/%03u", bus, device);

      if (!b->context->dry_run && !host_has (b->context, node))
        return refuse (error, address, "the host has no USB device %03u:%03u (%s)", bus, device,
                       node);
      g_string_append_printf (out, ",hostbus=%u,hostaddr=%u", bus, device);
    }
  /* By vendor and product alone QEMU takes the device when it appears: a
   * guest may start before it is plugged in, as with libvirt. */
  if (vendor)
    g_string_append_printf (out, ",vendorid=0x%04x", vb_xml_attr_uint (vendor, "id", 0));
  if (product)
    g_string_append_printf (out, ",productid=0x%04x", vb_xml_attr_uint (product, "id", 0));
  /* <source guestReset>: whether QEMU passes the guest's resets of the
   * device on: never (off), once it is set up (uninitialized: not while
   * the guest's firmware and drivers probe it), or always (on). */
  if (vb_xml_attr_is (source, "guestReset", "off"))
    g_string_append (out, ",guest-reset=off");
  else if (vb_xml_attr_is (source, "guestReset", "uninitialized"))
    g_string_append (out, ",guest-reset=on,guest-resets-all=off");
  else if (vb_xml_attr_is (source, "guestReset", "on"))
    g_string_append (out, ",guest-reset=on,guest-resets-all=on");
  return TRUE;
}

/* A vhost-scsi target of the host kernel's SCSI target (LIO), by WWPN. */
static gboolean
build_scsi_host (Builder *b, xmlNode *hostdev, GString *out, GError **error)
{
  xmlNode *source = vb_xml_child (hostdev, "source");
  g_autofree char *wwpn = source ? vb_xml_attr (source, "wwpn") : NULL;
  g_autofree char *model = vb_xml_attr (hostdev, "model");

  if (!vb_xml_attr_is (source, "protocol", "vhost") || !wwpn)
    return refuse (error, hostdev, "a scsi_host device needs <source protocol='vhost' wwpn>");
  if (model && !g_str_equal (model, "virtio") && !g_str_equal (model, "virtio-transitional")
      && !g_str_equal (model, "virtio-non-transitional"))
    return refuse (error, hostdev, "scsi_host model '%s' is not x86's (virtio)", model);
  if (!b->context->dry_run && !host_has (b->context, "/dev/vhost-scsi"))
    return refuse (error, hostdev,
                   "the host has no /dev/vhost-scsi (the vhost_scsi module) for target %s", wwpn);
  g_string_append (out, !model || g_str_equal (model, "virtio") ? "vhost-scsi-pci"
                        : g_str_equal (model, "virtio-transitional")
                          ? "vhost-scsi-pci-transitional"
                          : "vhost-scsi-pci-non-transitional");
  vb_qemu_opt (out, "wwpn", wwpn);
  return TRUE;
}

/* What only some types have (the schema takes the union): another type's
 * is refused, never dropped. */
static gboolean
hostdev_fits (xmlNode *hostdev, const char *type, GError **error)
{
  static const struct {
    const char *name, *types;
    gboolean source; /* an attribute or child of <source>, else of <hostdev> */
  } fits[] = {
    { "model", "mdev scsi_host", FALSE },
    { "display", "mdev pci", FALSE },
    { "ramfb", "mdev pci", FALSE },
    { "protocol", "scsi_host scsi", TRUE },
    { "wwpn", "scsi_host", TRUE },
    { "adapter", "scsi", TRUE },
    { "name", "scsi", TRUE },
    { "host", "scsi", TRUE },
    { "auth", "scsi", TRUE },
    { "initiator", "scsi", TRUE },
    { "readonly", "scsi", FALSE },
    { "shareable", "scsi", FALSE },
    { "startupPolicy", "usb", TRUE },
    { "vendor", "usb", TRUE },
    { "product", "usb", TRUE },
    { "guestReset", "usb", TRUE },
  };
  xmlNode *source = vb_xml_child (hostdev, "source");
  xmlNode *address = vb_xml_child (source, "address");

  for (guint i = 0; i < G_N_ELEMENTS (fits); i++)
    {
      xmlNode *on = fits[i].source ? source : hostdev;
      g_auto (GStrv) types = g_strsplit (fits[i].types, " ", -1);

      if (on && (xmlHasProp (on, BAD_CAST fits[i].name) || vb_xml_child (on, fits[i].name))
          && !g_strv_contains ((const char *const *) types, type))
        return refuse (error, on, "'%s' is not one of a %s host device", fits[i].name, type);
    }
  /* The <source><address> of each: PCI's domain/bus/slot/function, USB's
   * bus/device, an mdev's uuid. */
  if (address
      && ((xmlHasProp (address, BAD_CAST "uuid") && !g_str_equal (type, "mdev"))
          || (xmlHasProp (address, BAD_CAST "device") && !g_str_equal (type, "usb"))
          || ((xmlHasProp (address, BAD_CAST "slot") || xmlHasProp (address, BAD_CAST "function")
               || xmlHasProp (address, BAD_CAST "domain"))
              && !g_str_equal (type, "pci"))
          || ((xmlHasProp (address, BAD_CAST "target") || xmlHasProp (address, BAD_CAST "unit"))
              && !g_str_equal (type, "scsi"))
          || (g_str_equal (type, "scsi_host"))))
    return refuse (error, address, "this <source><address> is not one of a %s host device", type);
  return TRUE;
}

gboolean
vb_qemu_build_hostdev (Builder *b, xmlNode *hostdev, GError **error)
{
  g_autofree char *type = vb_xml_attr (hostdev, "type");
  g_autofree char *driver = child_attr (hostdev, "driver", "name");
  xmlNode *teaming = vb_xml_child (hostdev, "teaming");
  g_autofree char *id = NULL;
  g_autoptr (GString) out = g_string_new (NULL);
  gboolean pci_device;

  if (!vb_xml_attr_is (hostdev, "mode", "subsystem"))
    return refuse (error, hostdev,
                   "mode 'capabilities' (a host's block or character device in a container) is "
                   "for LXC, not QEMU");
  if (driver && !g_str_equal (driver, "vfio"))
    return refuse (error, vb_xml_child (hostdev, "driver"),
                   "host device driver '%s' is not supported (vfio)", driver);
  if (xmlHasProp (vb_xml_child (hostdev, "driver"), BAD_CAST "model") && !g_str_equal (type, "pci"))
    return refuse (error, vb_xml_child (hostdev, "driver"),
                   "a variant VFIO driver (model=) is for PCI host devices");
  if (!hostdev_fits (hostdev, type, error))
    return FALSE;
  if (g_str_equal (type, "scsi"))
    {
      if (!vb_qemu_build_hostdev_scsi (b, hostdev, out, error))
        return FALSE;
    }
  else if (g_str_equal (type, "pci"))
    {
      if (!build_pci (b, hostdev, out, error))
        return FALSE;
    }
  else if (g_str_equal (type, "mdev"))
    {
      if (!build_mdev (b, hostdev, out, error))
        return FALSE;
    }
  else if (g_str_equal (type, "usb"))
    {
      if (!build_usb (b, hostdev, out, error))
        return FALSE;
    }
  else if (g_str_equal (type, "scsi_host"))
    {
      if (!build_scsi_host (b, hostdev, out, error))
        return FALSE;
    }
  else
    return refuse (error, hostdev, "host device type '%s' is not supported", type);
  pci_device = !g_str_equal (type, "usb") && !g_str_equal (type, "scsi");
  if (!pci_device && vb_xml_child (hostdev, "rom"))
    return refuse (error, vb_xml_child (hostdev, "rom"), "a <rom> is for PCI devices");
  id = device_id (hostdev, g_strdup_printf ("hostdev%u", b->hostdevs));
  vb_qemu_opt (out, "id", id);
  b->hostdevs++;
  if (teaming)
    {
      g_autofree char *partner = vb_xml_attr (teaming, "persistent");
      if (!g_str_equal (type, "pci"))
        return refuse (error, teaming, "only a PCI host device teams with a virtio NIC");
      if (!vb_xml_attr_is (teaming, "type", "transient") || !partner)
        return refuse (error, teaming,
                       "a hostdev teams as type='transient' with persistent='ALIAS'");
      if (!b->context->virtio_net_failover)
        return refuse (error, teaming, "this QEMU's virtio-net-pci has no 'failover' property");
      vb_qemu_opt (out, "failover_pair_id", partner);
    }
  if (pci_device && !pci_address (b, hostdev, out, error))
    return FALSE;
  if (g_str_equal (type, "usb"))
    usb_address (hostdev, out);
  boot_index (b, hostdev, out);
  add2 (b, "-device", out->str);
  return TRUE;
}

/* What only an SEV-SNP guest has, refused on a plain SEV one rather than
 * dropped. */
static const char *const snp_elements[] = { "guestVisibleWorkarounds", "idBlock", "idAuth",
                                            "hostData" };
static const char *const snp_options[] = { "guest-visible-workarounds", "id-block", "id-auth",
                                           "host-data" };

static gboolean
sev_snp_only (xmlNode *node, GError **error)
{
  for (guint i = 0; i < G_N_ELEMENTS (snp_elements); i++)
    if (vb_xml_child (node, snp_elements[i]))
      return refuse (error, vb_xml_child (node, snp_elements[i]), "<%s> is for type 'sev-snp'",
                     snp_elements[i]);
  if (xmlHasProp (node, BAD_CAST "authorKey") || xmlHasProp (node, BAD_CAST "vcek"))
    return refuse (error, node, "authorKey and vcek are for type 'sev-snp'");
  return TRUE;
}

/* sev-snp-guest's own properties: the base64 blobs QEMU decodes itself
 * (checked to be base64, so nothing else reaches the option string), and
 * the two switches. */
static gboolean
sev_snp_options (xmlNode *node, GString *out, GError **error)
{
  for (guint i = 0; i < G_N_ELEMENTS (snp_elements); i++)
    {
      xmlNode *child = vb_xml_child (node, snp_elements[i]);
      g_autofree char *text = child ? vb_xml_text (child) : NULL;

      if (!child)
        continue;
      if (!text || !*text
          || strspn (text, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=")
               != strlen (text))
        return refuse (error, child, "<%s> is base64", snp_elements[i]);
      vb_qemu_opt (out, snp_options[i], text);
    }
  if (xmlHasProp (node, BAD_CAST "authorKey"))
    g_string_append_printf (out, ",author-key-enabled=%s",
                            vb_xml_attr_is (node, "authorKey", "yes") ? "on" : "off");
  if (xmlHasProp (node, BAD_CAST "vcek"))
    g_string_append_printf (out, ",vcek-disabled=%s",
                            vb_xml_attr_is (node, "vcek", "yes") ? "off" : "on");
  return TRUE;
}

/* The guest owner's attestation session: <dhCert> (the owner's Diffie-Hellman
 * certificate) and <session> (the launch blob), base64 that QEMU's sev-guest
 * reads from files. Each goes to QEMU as a sealed memfd it reopens by
 * /proc/self/fd/N (as secret objects do), so neither is written to disk nor
 * seen on the command line. */
static gboolean
sev_attestation (Builder *b, xmlNode *node, GString *out, GError **error)
{
  static const struct {
    const char *element, *option, *id;
  } parts[] = {
    { "dhCert", "dh-cert-file", "lsec0-dh-cert" },
    { "session", "session-file", "lsec0-session" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (parts); i++)
    {
      xmlNode *child = vb_xml_child (node, parts[i].element);
      g_autofree char *text = child ? vb_xml_text (child) : NULL;
      VbQemuSecret *secret;

      if (!child)
        continue;
      if (!text || !*text
          || strspn (text, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=")
               != strlen (text))
        return refuse (error, child, "<%s> is base64", parts[i].element);
      secret = g_new0 (VbQemuSecret, 1);
      secret->id = g_strdup (parts[i].id);
      secret->value = g_bytes_new (text, strlen (text));
      secret->fd_arg = g_strdup_printf ("@SECRETFD%u@", b->command->secrets->len);
      g_string_append_printf (out, ",%s=/proc/self/fd/%s", parts[i].option, secret->fd_arg);
      g_ptr_array_add (b->command->secrets, secret);
    }
  return TRUE;
}

/* <launchSecurity>: an AMD SEV guest (memory encrypted by the host's
 * secure processor), which needs KVM and the host's /dev/sev. */
gboolean
vb_qemu_build_launch_security (Builder *b, GString *machine, GError **error)
{
  xmlNode *node = vb_xml_child (b->root, "launchSecurity");
  g_autofree char *type = node ? vb_xml_attr (node, "type") : NULL;
  g_autoptr (GString) out = g_string_new ("sev-guest,id=lsec0");
  static const struct {
    const char *element, *option;
  } children[] = {
    { "cbitpos", "cbitpos" },
    { "reducedPhysBits", "reduced-phys-bits" },
    { "policy", "policy" },
  };

  gboolean snp = g_strcmp0 (type, "sev-snp") == 0;

  if (!node)
    return TRUE;
  /* Intel's trust domains: qemu-command-tdx.c. */
  if (g_str_equal (type, "tdx"))
    return TRUE;
  if (!g_str_equal (type, "sev") && !snp)
    return refuse (error, node, "launchSecurity type '%s' is not x86's (sev, sev-snp, tdx)", type);
  if ((!snp && !sev_snp_only (node, error)) || !vb_qemu_tdx_only (node, error))
    return FALSE;
  if (snp)
    g_string_assign (out, "sev-snp-guest,id=lsec0");
  if (!b->context->kvm)
    return refuse (error, node,
                   "an SEV guest needs KVM, and this domain runs under TCG (type='qemu', or KVM "
                   "is not usable here)");
  /* Define builds what a newer QEMU runs; this one (7.2) has no
   * sev-snp-guest object. */
  if (snp && !b->context->dry_run)
    return refuse (error, node,
                   "launchSecurity type 'sev-snp' needs QEMU 9.1 (sev-snp-guest); this one is "
                   "older");
  if (!b->context->dry_run && !host_has (b->context, "/dev/sev"))
    return refuse (error, node, "the host has no AMD SEV (/dev/sev)");
  for (guint i = 0; i < G_N_ELEMENTS (children); i++)
    {
      xmlNode *child = vb_xml_child (node, children[i].element);
      g_autofree char *text = child ? vb_xml_text (child) : NULL;
      guint64 value;

      if (!text)
        continue;
      /* libvirt writes the policy in hex, the others in decimal. */
      if (!(g_str_has_prefix (text, "0x")
              ? g_ascii_string_to_unsigned (text + 2, 16, 0, G_MAXUINT32, &value, NULL)
              : g_ascii_string_to_unsigned (text, 10, 0, G_MAXUINT32, &value, NULL)))
        return refuse (error, child, "'%s' is not a number", text);
      g_string_append_printf (out, ",%s=%" G_GUINT64_FORMAT, children[i].option, value);
    }
  if (!sev_attestation (b, node, out, error))
    return FALSE;
  if (snp && !sev_snp_options (node, out, error))
    return FALSE;
  if (xmlHasProp (node, BAD_CAST "kernelHashes"))
    g_string_append_printf (out, ",kernel-hashes=%s",
                            vb_xml_attr_is (node, "kernelHashes", "yes") ? "on" : "off");
  add2 (b, "-object", out->str);
  g_string_append (machine, ",confidential-guest-support=lsec0");
  return TRUE;
}
