/* What the files of the command-line builder share (qemu-command.c and
 * qemu-command-*.c): the builder's state and its small helpers, and the
 * builders of each device element. Not for anything outside them. */
#pragma once

#include <json-glib/json-glib.h>
#include <libxml/tree.h>
#include <stdarg.h>
#include <string.h>

#include "qemu-command.h"
#include "vb-error.h"
#include "xml-schema.h"

G_BEGIN_DECLS

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
  gboolean vnc_socket;      /* a VNC server on a Unix socket */
  gboolean local_display;   /* a -display (sdl, egl-headless) was built */
  char *audiodev;           /* id of the first -audiodev, NULL when none */
  GHashTable *scsi_buses;   /* controller index + 1 → SCSI_BY_LUN or SCSI_BY_TARGET */
  gboolean sata_controller; /* an explicit AHCI controller (pc machines) */
  guint disks, nets, serials, parallels, channels, inputs, sounds, redirs, hostdevs, videos;
  guint hubs, smartcards, shmems, rngs, pcspk; /* qemu-command-usb.c, -platform.c, -devices.c */
  gboolean per_device_boot; /* some device has <boot order=…> */
  gboolean fdc;             /* a floppy controller exists (built into pc machines) */
  GHashTable *aliases;      /* teaming: alias → netdev id of the persistent side */
  gboolean tpm;             /* a <tpm> was built (only one may be) */
  guint filesystems;        /* <filesystem> elements built so far */
  guint dimms;              /* <memory model='dimm'> devices so far */
  gboolean pr_helper;       /* the managed qemu-pr-helper of <reservations> is set up */
} Builder;

/* How a SCSI controller's disks are told apart: by LUN on target 0
 * (virtio-scsi, megasas) or by target with LUN 0 only (the others). */
#define SCSI_BY_LUN 1
#define SCSI_BY_TARGET 2

static inline void
add (Builder *b, const char *arg)
{
  g_ptr_array_add (b->command->argv, g_strdup (arg));
}

static inline void G_GNUC_PRINTF (2, 3)
addf (Builder *b, const char *format, ...)
{
  va_list args;

  va_start (args, format);
  g_ptr_array_add (b->command->argv, g_strdup_vprintf (format, args));
  va_end (args);
}

static inline void
add2 (Builder *b, const char *option, const char *value)
{
  add (b, option);
  add (b, value);
}

/* QemuOpts and keyval (-device, -chardev, -netdev, -object, -drive,
 * -machine, -name, -spice, -vnc, -audiodev ...) split an option string on
 * single commas, so a comma inside a value is written doubled; otherwise a
 * value such as "x,romfile=/etc/shadow" adds options of its own. Every value
 * that comes from the XML or the context goes into an option string through
 * one of these two, never through a bare "%s". */
static inline void
vb_qemu_opt_value (GString *out, const char *value)
{
  for (const char *p = value; p && *p; p++)
    {
      if (*p == ',')
        g_string_append_c (out, ',');
      g_string_append_c (out, *p);
    }
}

/* Appends ",@key=@value", @value escaped. */
static inline void
vb_qemu_opt (GString *out, const char *key, const char *value)
{
  g_string_append_printf (out, ",%s=", key);
  vb_qemu_opt_value (out, value);
}

/* For what QEMU does not parse as QemuOpts, where no escape exists (-cpu
 * splits on every comma and '='), or where the value comes first and a '='
 * in it would make it a key (-machine's type, -vnc's address): letters,
 * digits and "._-" plus @extra, nothing else, and not empty. */
static inline gboolean
vb_qemu_plain_word (const char *value, const char *extra)
{
  if (!value || !*value)
    return FALSE;
  for (const char *p = value; *p; p++)
    if (!g_ascii_isalnum (*p) && !strchr ("._-", *p) && !(extra && strchr (extra, *p)))
      return FALSE;
  return TRUE;
}

static inline gboolean G_GNUC_PRINTF (3, 4)
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

static inline char *
child_attr (xmlNode *node, const char *child, const char *name)
{
  xmlNode *c = vb_xml_child (node, child);
  return c ? vb_xml_attr (c, name) : NULL;
}

/* ",bus=…,addr=…" for an <address type='pci'>, "" without one. */
static inline gboolean
pci_address (Builder *b, xmlNode *device, GString *out, GError **error)
{
  xmlNode *address = vb_xml_child (device, "address");
  guint bus, slot, function;

  if (!address)
    return TRUE;
  if (!vb_xml_attr_is (address, "type", "pci"))
    return TRUE; /* drive, usb, virtio-serial addresses are handled by their devices */
  if (vb_xml_attr_uint (address, "domain", 0) != 0)
    return refuse (error, address, "only PCI domain 0 exists");
  bus = vb_xml_attr_uint (address, "bus", 0);
  slot = vb_xml_attr_uint (address, "slot", 0);
  function = vb_xml_attr_uint (address, "function", 0);
  if (bus == 0)
    g_string_append_printf (out, ",bus=%s", b->pci_root);
  else
    g_string_append_printf (out, ",bus=pci.%u", bus);
  g_string_append_printf (out, ",addr=0x%x", slot);
  if (function)
    g_string_append_printf (out, ".0x%x", function);
  if (vb_xml_attr_is (address, "multifunction", "on"))
    g_string_append (out, ",multifunction=on");
  {
    /* Checked by vb_qemu_acpi_index_check(). */
    g_autofree char *acpi_index = child_attr (device, "acpi", "index");

    if (acpi_index)
      vb_qemu_opt (out, "acpi-index", acpi_index);
  }
  return TRUE;
}

static inline void
boot_index (Builder *b, xmlNode *device, GString *out)
{
  g_autofree char *order = child_attr (device, "boot", "order");

  if (order)
    vb_qemu_opt (out, "bootindex", order);
}

/* A socket in the domain's runtime directory. */
static inline char *
runtime_path (Builder *b, const char *name)
{
  return g_build_filename (b->context->domain_dir, name, NULL);
}

/* Asks the caller: the builder itself never looks at the host. */
static inline gboolean
host_has (const VbQemuCommandContext *context, const char *path)
{
  return !context->path_exists || context->path_exists (path);
}

/* The controller a USB or virtio-serial device sits on is in the XML by now
 * (vb_qemu_assign_addresses() adds it), with its address: only a USB
 * controller of model 'none' leaves a USB device without one. */
static inline gboolean
need_usb (Builder *b, xmlNode *device, GError **error)
{
  if (b->usb)
    return TRUE;
  return refuse (error, device, "this USB device needs a USB controller (the domain's is 'none')");
}

static inline gboolean
need_virtio_serial (Builder *b, xmlNode *device, GError **error)
{
  if (b->virtio_serial)
    return TRUE;
  return refuse (error, device, "this device needs a virtio-serial controller");
}

/* The QEMU id of the bus of USB controller @index in the XML @node is in:
 * its user alias ("ua-…") when it has one, else vb_qemu_usb_bus_id(). */
char *vb_qemu_usb_bus_name (xmlNode *node, guint index);

static inline void
usb_address (xmlNode *device, GString *out)
{
  xmlNode *address = vb_xml_child (device, "address");
  g_autofree char *port =
    address && vb_xml_attr_is (address, "type", "usb") ? vb_xml_attr (address, "port") : NULL;
  guint bus = address && vb_xml_attr_is (address, "type", "usb")
                ? vb_xml_attr_uint (address, "bus", 0)
                : 0;

  g_autofree char *name = vb_qemu_usb_bus_name (device, bus);
  g_autofree char *bus_id = g_strdup_printf ("%s.0", name);

  /* Bus N is the controller of index N's (vb_qemu_usb_buses_exist()). */
  vb_qemu_opt (out, "bus", bus_id);
  if (port)
    vb_qemu_opt (out, "port", port);
}

/* Writes @id, the id QEMU knows the device @node by, into the live XML as
 * its <alias name>, where libvirt shows it too. The builder writes into its
 * own copy of the definition (command->xml), as it does addresses. */
static inline void
record_alias (xmlNode *node, const char *id)
{
  xmlNode *alias = vb_xml_child (node, "alias");
  xmlNode *address = vb_xml_child (node, "address");

  if (!alias)
    {
      alias = xmlNewDocNode (node->doc, NULL, BAD_CAST "alias", NULL);
      if (address)
        xmlAddPrevSibling (address, alias);
      else
        xmlAddChild (node, alias);
    }
  xmlSetProp (alias, BAD_CAST "name", BAD_CAST id);
}

/* The id of a device no other argument names: its <alias name> when it has
 * one (a user's "ua-…", or one a live XML carries from an earlier start),
 * else @fallback, which is then recorded as its alias. Takes @fallback. */
static inline char *
device_id (xmlNode *node, char *fallback)
{
  char *alias = child_attr (node, "alias", "name");

  if (!alias)
    {
      record_alias (node, fallback);
      return fallback;
    }
  g_free (fallback);
  return alias;
}

/* A device others name by its id (a controller's bus, a sound card's codec
 * bus) keeps the id the builder derives; a user alias cannot rename it. */
static inline gboolean
fixed_id (xmlNode *node, const char *id, GError **error)
{
  g_autofree char *alias = child_attr (node, "alias", "name");

  if (alias && g_str_has_prefix (alias, "ua-") && !g_str_equal (alias, id))
    return refuse (error, vb_xml_child (node, "alias"),
                   "a user alias on this device is not supported: QEMU knows it as '%s'", id);
  record_alias (node, id);
  return TRUE;
}

/* The end of every PCI device with a fixed id (NULL: none of its own):
 * its alias, its place on the bus, then "-device @out". */
static inline gboolean
add_fixed_pci_device (Builder *b, xmlNode *node, const char *id, GString *out, GError **error)
{
  if (id && !fixed_id (node, id, error))
    return FALSE;
  if (!pci_address (b, node, out, error))
    return FALSE;
  add2 (b, "-device", out->str);
  return TRUE;
}

/* Every device's <acpi index>: in range, unique, on PCI, with ACPI
 * (qemu-command-acpi-index.c); pci_address() writes it. */
gboolean vb_qemu_acpi_index_check (Builder *b, GError **error);

/* The -device of a <controller type='scsi'> with id scsi@index, into @dev
 * (qemu-command-disk.c); records how its disks are addressed. */
gboolean vb_qemu_scsi_controller (Builder *b, xmlNode *node, guint index, GString *dev,
                                  GError **error);

/* libvirt's virtio options of @driver (iommu, ats, packed, page_per_vq,
 * ioeventfd, event_idx) as properties; and whether @device (a disk or a
 * controller) may have iommu='on', which QEMU allows only on a virtio device
 * without legacy mode (qemu-command-disk-props.c). */
void vb_qemu_virtio_props (xmlNode *driver, JsonObject *props);
/* device='lun' on bus 'virtio' (qemu-command-disk-virtio-lun.c): appends
 * virtio-blk's legacy SCSI passthrough to @out, the device's options, or
 * refuses what legacy virtio cannot be. */
gboolean vb_qemu_virtio_lun (Builder *b, xmlNode *disk, GString *out, GError **error);
gboolean vb_qemu_virtio_modern_only (Builder *b, xmlNode *device, xmlNode *driver,
                                     GError **error);

/* Appends @props (vb_qemu_disk_device_props()) as ",key=value" options. */
void vb_qemu_props_to_opts (JsonObject *props, GString *out);

/* One device element each, in -device (and backend) arguments; refuse what
 * they cannot run. Disks: qemu-command-disk.c; interfaces and host devices:
 * qemu-command-net.c; serial ports, consoles, channels:
 * qemu-command-chardev.c; watchdog and panic: qemu-command-lifecycle.c; the
 * others: qemu-command-devices.c. */
gboolean vb_qemu_build_disk (Builder *b, xmlNode *node, GError **error);
/* <disk type='vhostuser'> with the device id @id: vhost-user-blk-pci on its
 * back end's socket (qemu-command-disk-vhostuser.c). */
gboolean vb_qemu_build_vhostuser_disk (Builder *b, xmlNode *disk, const char *id, GError **error);
gboolean vb_qemu_build_interface (Builder *b, xmlNode *node, GError **error);
gboolean vb_qemu_build_hostdev (Builder *b, xmlNode *node, GError **error);
/* Whether the guest's memory is shared with an fd a vhost-user helper can
 * map (qemu-command-fs.c); <video><driver name='vhostuser'>, run by
 * vhost-user-gpu beside QEMU (qemu-command-vhost-user-gpu.c). */
gboolean vb_qemu_shared_memory (Builder *b);
/* vhost-user-fs-pci for the share @node with the device id @id and mount
 * tag @tag, on the virtiofsd listening on @socket_path (the service's own,
 * or one the host runs: qemu-command-breadth.c), with its -chardev. */
gboolean vb_qemu_vhost_user_fs (Builder *b, xmlNode *node, const char *id, const char *tag,
                                const char *socket_path, GError **error);
gboolean vb_qemu_build_vhost_user_video (Builder *b, xmlNode *video, GError **error);
/* <controller type='usb'> (qemu-command-usb-controllers.c): N of an
 * ich9-uhciN companion (0: not one); the id of bus @index's controller;
 * its -device into @dev and *@id (NULL for a companion); whether every
 * <address type='usb' bus='N'> names a controller. */
guint vb_qemu_usb_companion (xmlNode *controller);
char *vb_qemu_usb_bus_id (guint index);
/* Whether USB bus @index is an EHCI or xHCI controller's (USB 2 or 3), which
 * a high-speed-only device (usb-uas) needs. */
gboolean vb_qemu_usb_bus_high_speed (Builder *b, guint index);
gboolean vb_qemu_usb_controller (Builder *b, xmlNode *node, GString *dev, char **id,
                                 GError **error);
gboolean vb_qemu_usb_buses_exist (Builder *b, GError **error);
/* <interface type='hostdev'>, an SR-IOV VF (qemu-command-net-hostdev.c);
 * the <rom> options of a device passed through (qemu-command-hostdev.c). */
gboolean vb_qemu_build_interface_hostdev (Builder *b, xmlNode *node, GError **error);
gboolean vb_qemu_hostdev_rom_options (xmlNode *device, GString *out, GError **error);
gboolean vb_qemu_build_serial (Builder *b, xmlNode *node, GError **error);
gboolean vb_qemu_build_console (Builder *b, xmlNode *node, GError **error);
gboolean vb_qemu_build_channel (Builder *b, xmlNode *node, GError **error);
/* Seconds between reconnection attempts of a connecting socket, from
 * <source><reconnect enabled timeout> (qemu-command-chardev.c). */
gboolean vb_qemu_chardev_reconnect (xmlNode *source, gboolean server, GString *out, GError **error);
gboolean vb_qemu_build_parallel (Builder *b, xmlNode *node, GError **error);
/* <controller type='pci'>: qemu-command-pci.c. <launchSecurity> (the
 * machine's confidential-guest-support): qemu-command-hostdev.c. */
gboolean vb_qemu_build_launch_security (Builder *b, GString *machine, GError **error);
/* <launchSecurity type='tdx'> (qemu-command-tdx.c): the tdx-guest object,
 * its firmware, and the refusal of its elements on an SEV guest. */
gboolean vb_qemu_is_tdx (Builder *b);
gboolean vb_qemu_build_tdx (Builder *b, GString *machine, GString *accel, GError **error);
gboolean vb_qemu_build_tdx_firmware (Builder *b, GError **error);
gboolean vb_qemu_tdx_only (xmlNode *node, GError **error);
/* A virtio device's <driver iommu ats packed page_per_vq> as its -device
 * properties (qemu-command-virtio.c): for every virtio device's builder. */
gboolean vb_qemu_virtio_options (xmlNode *device, GString *out, GError **error);
/* Refuses them on a device that is not virtio. */
gboolean vb_qemu_virtio_options_none (xmlNode *device, GError **error);
/* A virtio <video>'s <model blob>: virtio-gpu's blob=, or a refusal
 * (qemu-command-video-blob.c). */
gboolean vb_qemu_video_blob (Builder *b, xmlNode *model, GString *out, GError **error);
/* A <video>'s <model edid='on|off'> as its device's edid= (the models
 * without one refused it already: qemu-command-devices.c). */
void vb_qemu_video_edid (xmlNode *model, GString *out);
gboolean vb_qemu_build_pci_controller (Builder *b, xmlNode *node, GError **error);
gboolean vb_qemu_build_input (Builder *b, xmlNode *node, GError **error);
gboolean vb_qemu_build_graphics (Builder *b, xmlNode *node, GError **error);
gboolean vb_qemu_build_audio (Builder *b, xmlNode *node, GError **error);
/* The host's part of displays (qemu-command-gl.c): whether the domain has
 * a display with OpenGL (egl-headless, or <gl enable='yes'>); ",rendernode=…"
 * for @graphics (at Start the node the host has, recorded in its <gl>);
 * at Start the desktop session an sdl display opens its window in, put in
 * QEMU's environment; @name=@value (a plain word) in QEMU's environment,
 * refused when another value was set. Each refuses by name what the host lacks. */
gboolean vb_qemu_has_gl_display (Builder *b);
gboolean vb_qemu_gl_rendernode (Builder *b, xmlNode *graphics, GString *out, GError **error);
gboolean vb_qemu_desktop_session (Builder *b, xmlNode *graphics, GError **error);
/* "tls-port=N,x509-dir=DIR," of a SPICE @graphics with a tlsPort ("" without
 * one), its port (-1: a free one after @port) written into the live XML; at
 * Start refused without --spice-x509-dir or its certificates. */
gboolean vb_qemu_spice_tls (Builder *b, xmlNode *graphics, const char *listen, int port,
                            GString *out, GError **error);
gboolean vb_qemu_setenv (Builder *b, xmlNode *node, const char *name, const char *value,
                         GError **error);
gboolean vb_qemu_build_sound (Builder *b, xmlNode *node, GError **error);
gboolean vb_qemu_build_video (Builder *b, xmlNode *node, GError **error);
gboolean vb_qemu_build_memballoon (Builder *b, xmlNode *node, GError **error);
gboolean vb_qemu_build_rng (Builder *b, xmlNode *node, GError **error);
gboolean vb_qemu_build_redirdev (Builder *b, xmlNode *node, GError **error);
gboolean vb_qemu_build_watchdog (Builder *b, xmlNode *node, GError **error);
gboolean vb_qemu_build_panic (Builder *b, xmlNode *node, GError **error);
/* <on_poweroff>, <on_reboot>, <on_crash>, <on_lockfailure> (qemu-command-lifecycle.c,
 * with <watchdog> and <panic>). */
gboolean vb_qemu_build_lifecycle_actions (Builder *b, GError **error);

/* <features> (qemu-command-features.c): properties of -cpu, options of
 * -machine and -accel, and the arguments of their own. */
gboolean vb_qemu_features_cpu_flags (Builder *b, GString *model, GError **error);
gboolean vb_qemu_features_machine (Builder *b, GString *machine, GString *accel, GError **error);
gboolean vb_qemu_build_features (Builder *b, GError **error);

/* The platform (qemu-command-platform.c): -rtc and the timers of -machine
 * and -cpu, SMBIOS and fw_cfg, <genid>, <os><bios> and <acpi>, <seclabel>. */
gboolean vb_qemu_build_clock (Builder *b, GError **error);
gboolean vb_qemu_clock_machine_and_cpu (Builder *b, GString *machine, GString *cpu,
                                        GError **error);
gboolean vb_qemu_build_sysinfo (Builder *b, GError **error);
gboolean vb_qemu_build_platform (Builder *b, GError **error);
/* The UUID the guest sees (-uuid, SMBIOS): the <hwuuid>, which define
 * normalised, else the domain's <uuid>. */
char *vb_qemu_guest_uuid (Builder *b);
gboolean vb_qemu_build_pstore (Builder *b, xmlNode *node, GError **error);
/* The domain's and its disks' <seclabel>s: what is not DAC is refused at
 * Start (qemu-command-platform.c). */
gboolean vb_qemu_seclabels (Builder *b, GError **error);

/* <qemu:commandline>'s arguments, last on the command line, and its
 * environment variables (qemu-command-passthrough.c). */
gboolean vb_qemu_build_passthrough (Builder *b, GError **error);

/* The -cpu properties of <cpu>'s vendor, <cache>, <maxphysaddr> and
 * check= (qemu-command-cpu.c), appended to @model. */
gboolean vb_qemu_cpu_options (Builder *b, xmlNode *cpu, GString *model, GError **error);
/* -object iothread for each iothread of the domain, -object main-loop for
 * <defaultiothread> (qemu-command-cputune.c). */
gboolean vb_qemu_build_iothreads (Builder *b, GError **error);
/* ",iothread=iothreadN" for @device's <driver iothread='N'>, which define
 * checked exists; refused when the device cannot have one (@can FALSE). */
gboolean vb_qemu_iothread_option (Builder *b, xmlNode *device, gboolean can, GString *out,
                                  GError **error);
gboolean vb_qemu_build_tpm (Builder *b, xmlNode *node, GError **error);
/* swtpm_setup before the swtpm of @spec (its state_dir and key set) for
 * <active_pcr_banks> and <profile> (qemu-command-tpm-setup.c). */
/* -add-fd for each fd group the disks use (qemu-command-fdgroup.c). */
void vb_qemu_build_fdgroups (Builder *b);
gboolean vb_qemu_tpm_setup (Builder *b, xmlNode *backend, VbQemuHelperSpec *spec, gboolean tpm2,
                            GError **error);
gboolean vb_qemu_build_filesystem (Builder *b, xmlNode *node, GError **error);
/* qemu-command-passt.c: <interface type='user'><backend type='passt'>. */
gboolean vb_qemu_interface_is_passt (xmlNode *iface);
gboolean vb_qemu_passt_only_check (xmlNode *iface, const char *type, GError **error);
gboolean vb_qemu_build_passt (Builder *b, xmlNode *iface, const char *netdev, GString *out,
                              GError **error);

/* A UEFI variable store on a network disk (qemu-command-nvram.c): whether
 * <nvram type='network'>, the machine's pflash1 for it, and its -blockdevs. */
gboolean vb_qemu_nvram_is_network (Builder *b);
void vb_qemu_nvram_machine_opts (Builder *b, GString *opts);
gboolean vb_qemu_build_network_nvram (Builder *b, xmlNode *nvram, const char *format,
                                      GError **error);

/* Memory (qemu-command-memory.c): -m, backends, -numa, -overcommit (in
 * place of a bare -m), the machine's memory options, and the DIMMs. */
gboolean vb_qemu_build_memory (Builder *b, GError **error);
void vb_qemu_memory_machine_opts (Builder *b, GString *opts);
/* <memory dumpCore='on'>: the guest's memory in QEMU's core dumps (default off). */
gboolean vb_qemu_memory_dump_core (Builder *b);
gboolean vb_qemu_build_memory_device (Builder *b, xmlNode *node, GError **error);
/* <memory model='virtio-mem'> and 'virtio-pmem': qemu-command-virtio-mem.c. */
gboolean vb_qemu_build_virtio_memory (Builder *b, xmlNode *node, GError **error);
/* USB hubs, redirection filters, smartcards: qemu-command-usb.c; vsock,
 * IOMMU, shared memory: qemu-command-platform-devices.c. */
gboolean vb_qemu_build_hub (Builder *b, xmlNode *node, GError **error);
gboolean vb_qemu_build_redirfilter (Builder *b, xmlNode *node, GError **error);
gboolean vb_qemu_build_smartcard (Builder *b, xmlNode *node, GError **error);
gboolean vb_qemu_build_vsock (Builder *b, xmlNode *node, GError **error);
gboolean vb_qemu_build_iommu (Builder *b, xmlNode *node, GError **error);
gboolean vb_qemu_build_shmem (Builder *b, xmlNode *node, GError **error);
gboolean vb_qemu_build_ccid_controller (Builder *b, xmlNode *node, GError **error);
/* A PCI root bus's <pcihole64> (refused on any other controller) and
 * <crypto> (qemu-command-breadth.c). */
gboolean vb_qemu_build_pcihole64 (Builder *b, xmlNode *controller, GError **error);
gboolean vb_qemu_build_crypto (Builder *b, xmlNode *node, GError **error);
/* An interface's <port isolated>, kept in @tap (NULL: the interface has
 * none); refused where there is no bridge port the service makes. */
gboolean vb_qemu_interface_port (xmlNode *iface, VbQemuTap *tap, GError **error);
/* The PCI root bus's <target hotplug> (refused: the rest of a <target>). */
gboolean vb_qemu_build_root_bus_target (Builder *b, xmlNode *controller, GError **error);
/* <memory model='sgx-epc'>: its backend, and the machine's options of
 * every section (qemu-command-breadth.c). */
gboolean vb_qemu_build_sgx_epc (Builder *b, xmlNode *memory, GError **error);
gboolean vb_qemu_sgx_machine_opts (Builder *b, GString *opts, GError **error);
/* <filesystem><source socket>: virtiofs on a virtiofsd the host runs;
 * @files its default id ("fsN"). */
gboolean vb_qemu_build_virtiofs_socket (Builder *b, xmlNode *node, const char *files,
                                        GError **error);

/* A -chardev @id for a device's backend (<redirdev>, <smartcard>, an RNG's
 * egd <backend>): @type is tcp, udp, unix or spicevmc, @source_parent holds
 * the <source> elements, @spice_name the spicevmc channel's name (NULL: no
 * spicevmc). FALSE with @error (qemu-command-usb.c). */
gboolean vb_qemu_device_chardev (Builder *b, xmlNode *node, const char *id, const char *type,
                                 xmlNode *source_parent, const char *spice_name, GError **error);
/* A -chardev @id for @node's type and <source>, as a serial port's (the
 * types vb_qemu_device_chardev() leaves to it: pty, dev, null, vc, ...). */
gboolean vb_qemu_build_backend_chardev (Builder *b, xmlNode *node, const char *id,
                                        GError **error);
/* The -machine option for a <sound model='pcspk'> ("" without one) and the
 * NIC's model and options (qemu-command-devices.c, qemu-command-nic.c). */
void vb_qemu_machine_pcspk (Builder *b, GString *opts);
const char *vb_qemu_nic_device (xmlNode *iface, GError **error);
gboolean vb_qemu_nic_options (Builder *b, xmlNode *iface, const char *device, gboolean tap,
                              GString *out, GError **error);
/* The -netdev of an interface of type user or any not on a tap of the
 * service (udp, mcast, client, server, vhostuser, vdpa); the options a tap's
 * -netdev gets from <driver> and <tune> (qemu-command-netdev.c). */
gboolean vb_qemu_build_netdev (Builder *b, xmlNode *iface, const char *type, const char *netdev,
                               GError **error);
gboolean vb_qemu_netdev_tap_options (Builder *b, xmlNode *iface, GString *out, GError **error);
/* <virtualport> and the <vlan> of an Open vSwitch port
 * (qemu-command-virtualport.c): @tap is the interface's, NULL when it has
 * none; on a VF (type='hostdev'), only the virtualport is checked. */
gboolean vb_qemu_interface_virtualport (Builder *b, xmlNode *iface, const char *type,
                                        VbQemuTap *tap, GError **error);
/* <coalesce> of a tap (qemu-command-net-coalesce.c). */
gboolean vb_qemu_nic_coalesce (Builder *b, xmlNode *iface, gboolean tap_backed, GError **error);
/* <bandwidth>: the tap's limits, set with tc at Start (qemu-command-net-bandwidth.c). */
gboolean vb_qemu_nic_bandwidth (Builder *b, xmlNode *iface, gboolean tap_backed, GError **error);
gboolean vb_qemu_interface_source_fits (xmlNode *iface, const char *type, GError **error);
/* <source><ip> and <route> of a type='ethernet' tap the service makes
 * (qemu-command-net-hostip.c), kept in @tap (NULL: the interface has none);
 * refused on any other. */
gboolean vb_qemu_tap_host_ips (xmlNode *iface, const char *type, VbQemuTap *tap, GError **error);
/* <script> and <downscript> of a type='ethernet' tap, kept in @tap
 * (qemu-command-net-script.c) for the start to check and run. */
gboolean vb_qemu_tap_scripts (Builder *b, xmlNode *iface, VbQemuTap *tap, GError **error);
/* <interface type='direct'>: a macvtap at Start, its fd a tap's -netdev. */
gboolean vb_qemu_build_direct_netdev (Builder *b, xmlNode *iface, const char *netdev,
                                      const char *mac, GError **error);

/* Devices of a newer QEMU (qemu-command-newer.c): at Start, refuses @what
 * on @node when this QEMU is older than @version (80200: 8.2); the
 * virtio-sound-pci device of <sound model='virtio'>; ",granule=…" of the
 * virtio IOMMU. */
gboolean vb_qemu_need_qemu (Builder *b, xmlNode *node, guint version, const char *what,
                            GError **error);
gboolean vb_qemu_build_virtio_sound (Builder *b, xmlNode *sound, const char *id,
                                     const char *audiodev, GError **error);
gboolean vb_qemu_virtio_iommu_granule (Builder *b, xmlNode *granule, GString *out,
                                       GError **error);
/* A virtio disk's iothreads per queue (qemu-command-disk-iothreads.c):
 * @mapping, virtio-blk's iothread-vq-mapping (NULL without <iothreads>),
 * checked at define and refused at Start before QEMU 9.0; and the JSON
 * -device of such a disk from its option string @opts (model, address,
 * drive, id), its typed @props and its <boot order>. */
gboolean vb_qemu_disk_iothread_mapping (Builder *b, xmlNode *disk, JsonArray **mapping,
                                        GError **error);
char *vb_qemu_disk_device_json (const char *opts, JsonObject *props, JsonArray *mapping,
                                xmlNode *disk);
/* A disk's <driver><statistics> as @props' "stats-intervals" (a list: the
 * disk's -device is then JSON), refused on a device @model without block
 * statistics and at Start before QEMU 10.2 (qemu-command-disk-stats.c). */
/* NVMe (qemu-command-disk-nvme.c): the nvme-ns of a disk on bus 'nvme'
 * into @out, and the nvme device of <controller type='nvme'> into @dev. */
gboolean vb_qemu_nvme_namespace (Builder *b, xmlNode *disk, GString *out, GError **error);
gboolean vb_qemu_nvme_controller (Builder *b, xmlNode *node, guint index, GString *dev,
                                  GError **error);
gboolean vb_qemu_disk_stats_intervals (Builder *b, xmlNode *disk, const char *model,
                                       JsonObject *props, GError **error);
/* The nbdkit helper of a disk nbdkit serves (vb_qemu_disk_nbdkit_serves);
 * nothing for another disk. qemu-command-disk-nbdkit.c. */
gboolean vb_qemu_disk_nbdkit (Builder *b, xmlNode *disk, const char *node_name, GError **error);

/* <transient/> (qemu-command-disk-transient.c): what it cannot combine
 * with on @disk, NULL when nothing (or @disk is not transient); and the
 * overlay's protocol and qcow2 format node @node_name over the image's
 * format node ("@node_name-base", made read-only), the overlay recorded in
 * the command's transients for Start to make. */
const char *vb_qemu_disk_transient_refusal (xmlNode *disk);
/* The place of @device (a disk, or a SCSI hostdev) on its SCSI controller
 * (",bus=scsiN.0,…") from its <address type='drive'>, else the @index its
 * target name gives (qemu-command-disk.c). */
gboolean vb_qemu_scsi_place (Builder *b, xmlNode *device, int index, GString *out, GError **error);
/* <hostdev type='scsi'> (qemu-command-hostdev-scsi.c): its -blockdev and,
 * into @out, its scsi-generic -device without id; and the sysfs directory
 * of a local one (NULL for iSCSI), a host path it uses. */
gboolean vb_qemu_build_hostdev_scsi (Builder *b, xmlNode *hostdev, GString *out, GError **error);
char *vb_qemu_scsi_hostdev_sysfs (xmlNode *hostdev);
gboolean vb_qemu_disk_transient (Builder *b, xmlNode *disk, const char *node_name,
                                 JsonObject *base_proto, JsonObject *base_fmt,
                                 JsonNode **overlay_proto, JsonNode **overlay_fmt, GError **error);

/* QEMU's D-Bus display (qemu-command-dbus.c): whether the domain has one;
 * its -display dbus; the checks of <audio type='dbus'>; into @out, a dbus
 * character device's -chardev of id @id (its <source channel>, else
 * @default_name; NULL: required); and the -chardev @id of a <redirdev
 * type='dbus'>. */
gboolean vb_qemu_has_dbus_display (Builder *b);
gboolean vb_qemu_build_dbus_display (Builder *b, xmlNode *graphics, GError **error);
gboolean vb_qemu_dbus_audio_check (Builder *b, xmlNode *audio, GError **error);
gboolean vb_qemu_build_dbus_chardev (Builder *b, xmlNode *node, const char *id,
                                     const char *default_name, GString *out, GError **error);
gboolean vb_qemu_build_dbus_redirdev (Builder *b, xmlNode *redirdev, const char *id,
                                      GError **error);

G_END_DECLS
