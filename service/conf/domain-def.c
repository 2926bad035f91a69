#include "domain-def.h"

#include <string.h>

#include "domain-numa.h"
#include "domain-vcpus.h"
#include "vb-error.h"
#include "xml-schema.h"

#define DOMAIN_NAME_MAX 200
#define DOMAIN_VCPUS_MAX 4096

/* The <address> element every device may carry; which attributes matter
 * depends on type= (pci: domain/bus/slot/function, drive: controller/bus/
 * target/unit, virtio-serial and usb: controller or bus/port). */
#define ADDRESS_ATTRS                                                                              \
  "!type=pci|drive|virtio-serial|usb|isa|ccid domain=%x bus=%x slot=%x function=%x "               \
  "multifunction=on|off controller=%x target=%x unit=%x port iobase=%x irq=%x"

#define ADDRESS(device)                                                                            \
  { "domain/devices/" device "/address", ADDRESS_ATTRS, NULL, 0 }

/* libvirt's <backingStore> chain of a disk: the backing files its image's
 * header named when the definition was accepted (see
 * docs/authorization.md); an empty <backingStore/> ends a chain. Nested
 * at most VB_QCOW2_CHAIN_MAX (16) deep, plus the empty one. */
#define BACKING_LEVEL(path)                                                                        \
  { path, "type=file index=%u", NULL, 0 }, { path "/format", "!type=raw|qcow2", NULL, 0 },        \
    { path "/source", "!file", NULL, 0 }
#define BS "/backingStore"
#define BS1 "domain/devices/disk" BS
#define BS4 BS1 BS BS BS
#define BS8 BS4 BS BS BS BS
#define BS12 BS8 BS BS BS BS
#define BS16 BS12 BS BS BS BS
#define BACKING_STORES                                                                             \
  BACKING_LEVEL (BS1), BACKING_LEVEL (BS1 BS), BACKING_LEVEL (BS1 BS BS), BACKING_LEVEL (BS4),     \
    BACKING_LEVEL (BS4 BS), BACKING_LEVEL (BS4 BS BS), BACKING_LEVEL (BS4 BS BS BS),             \
    BACKING_LEVEL (BS8), BACKING_LEVEL (BS8 BS), BACKING_LEVEL (BS8 BS BS),                      \
    BACKING_LEVEL (BS8 BS BS BS), BACKING_LEVEL (BS12), BACKING_LEVEL (BS12 BS),                 \
    BACKING_LEVEL (BS12 BS BS), BACKING_LEVEL (BS12 BS BS BS), BACKING_LEVEL (BS16),             \
  {                                                                                                \
    BS16 BS, NULL, NULL, 0                                                                         \
  }

/* The name of a device: a user's ("ua-…") anywhere; in a live definition
 * also the one the driver gave it (the id QEMU knows it by), as libvirt's
 * live XML has on every device. */
#define ALIAS(device) { "domain/devices/" device "/alias", "!name", NULL, 0 }

#define LIFECYCLE_ACTIONS "destroy|restart|preserve|rename-restart"

/* What virt-install and virt-manager write for x86_64 QEMU/KVM guests and the
 * test driver; docs/xml-subset.md lists the same in prose. */
static const VbXmlRule domain_rules[] = {
  { "domain", "!type=test|qemu|kvm id=%i", NULL, 0 },
  { "domain/name", NULL, "*", 0 },
  { "domain/uuid", NULL, "*", 0 },
  { "domain/title", NULL, "*", 0 },
  { "domain/description", NULL, "*", 0 },
  { "domain/metadata", NULL, "*", VB_XML_RULE_VERBATIM },
  { "domain/memory", "unit=" VB_XML_UNITS " dumpCore=on|off", "%u", 0 },
  { "domain/currentMemory", "unit=" VB_XML_UNITS, "%u", 0 },
  { "domain/vcpu", "placement=static|auto current=%u cpuset", "%u", 0 },
  { "domain/vcpus", NULL, NULL, 0 },
  { "domain/vcpus/vcpu", "!id=%u !enabled=yes|no hotpluggable=yes|no order=%u", NULL,
    VB_XML_RULE_REPEAT },

  /* Memory and NUMA (domain-numa.c checks them across elements). */
  { "domain/maxMemory", "!slots=%u unit=" VB_XML_UNITS, "%u", 0 },
  { "domain/memoryBacking", NULL, NULL, 0 },
  { "domain/memoryBacking/hugepages", NULL, NULL, 0 },
  { "domain/memoryBacking/hugepages/page", "!size=%u unit=" VB_XML_UNITS " nodeset", NULL,
    VB_XML_RULE_REPEAT },
  { "domain/memoryBacking/nosharepages", NULL, NULL, 0 },
  { "domain/memoryBacking/locked", NULL, NULL, 0 },
  { "domain/memoryBacking/source", "!type=file|anonymous|memfd", NULL, 0 },
  { "domain/memoryBacking/access", "!mode=shared|private", NULL, 0 },
  { "domain/memoryBacking/allocation", "mode=immediate|ondemand threads=%u", NULL, 0 },
  { "domain/memoryBacking/discard", NULL, NULL, 0 },
  { "domain/cpu/numa", NULL, NULL, 0 },
  { "domain/cpu/numa/cell",
    "id=%u cpus !memory=%u unit=" VB_XML_UNITS " memAccess=shared|private discard=yes|no", NULL,
    VB_XML_RULE_REPEAT },
  { "domain/cpu/numa/cell/distances", NULL, NULL, 0 },
  { "domain/cpu/numa/cell/distances/sibling", "!id=%u !value=%u", NULL, VB_XML_RULE_REPEAT },
  { "domain/numatune", NULL, NULL, 0 },
  { "domain/numatune/memory",
    "mode=strict|interleave|preferred|restrictive nodeset placement=static|auto", NULL, 0 },
  { "domain/numatune/memnode", "!cellid=%u mode=strict|interleave|preferred|restrictive !nodeset",
    NULL, VB_XML_RULE_REPEAT },
  { "domain/devices/memory", "!model=dimm access=shared|private discard=yes|no", NULL,
    VB_XML_RULE_REPEAT },
  { "domain/devices/memory/source", NULL, NULL, 0 },
  { "domain/devices/memory/source/pagesize", "unit=" VB_XML_UNITS, "%u", 0 },
  { "domain/devices/memory/source/nodemask", NULL, "*", 0 },
  { "domain/devices/memory/target", NULL, NULL, 0 },
  { "domain/devices/memory/target/size", "unit=" VB_XML_UNITS, "%u", 0 },
  { "domain/devices/memory/target/node", NULL, "%u", 0 },
  { "domain/devices/memory/address", "!type=dimm slot=%u base=%x", NULL, 0 },
  ALIAS ("memory"),

  { "domain/os", "firmware=bios|efi", NULL, 0 },
  { "domain/os/type", "arch=x86_64|i686 machine", "hvm", 0 },
  { "domain/os/firmware", NULL, NULL, 0 },
  { "domain/os/firmware/feature", "!enabled=yes|no !name=enrolled-keys|secure-boot", NULL,
    VB_XML_RULE_REPEAT },
  { "domain/os/loader", "readonly=yes|no type=rom|pflash secure=yes|no format=raw|qcow2", "*", 0 },
  { "domain/os/nvram", "template format=raw|qcow2 templateFormat=raw|qcow2", "*", 0 },
  { "domain/os/kernel", NULL, "*", 0 },
  { "domain/os/initrd", NULL, "*", 0 },
  { "domain/os/cmdline", NULL, "*", 0 },
  { "domain/os/boot", "!dev=hd|cdrom|network|fd", NULL, VB_XML_RULE_REPEAT },
  { "domain/os/bootmenu", "!enable=yes|no timeout=%u", NULL, 0 },

  { "domain/features", NULL, NULL, 0 },
  { "domain/features/acpi", NULL, NULL, 0 },
  { "domain/features/apic", NULL, NULL, 0 },
  { "domain/features/pae", NULL, NULL, 0 },
  { "domain/features/vmport", "!state=on|off", NULL, 0 },
  { "domain/features/smm", "state=on|off", NULL, 0 },

  { "domain/cpu",
    "mode=custom|host-model|host-passthrough|maximum match=minimum|exact|strict "
    "check=none|partial|full migratable=on|off",
    NULL, 0 },
  { "domain/cpu/model", "fallback=allow|forbid", "*", 0 },
  { "domain/cpu/feature", "policy=force|require|optional|disable|forbid !name", NULL,
    VB_XML_RULE_REPEAT },
  { "domain/cpu/topology", "sockets=%u dies=%u cores=%u threads=%u", NULL, 0 },

  { "domain/clock", "offset=utc|localtime", NULL, 0 },
  { "domain/clock/timer",
    "!name=platform|pit|rtc|hpet|tsc|kvmclock|hypervclock present=yes|no "
    "tickpolicy=delay|catchup|merge|discard",
    NULL, VB_XML_RULE_REPEAT },

  { "domain/on_poweroff", NULL, LIFECYCLE_ACTIONS, 0 },
  { "domain/on_reboot", NULL, LIFECYCLE_ACTIONS, 0 },
  { "domain/on_crash", NULL, LIFECYCLE_ACTIONS "|coredump-destroy|coredump-restart", 0 },
  { "domain/pm", NULL, NULL, 0 },
  { "domain/pm/suspend-to-mem", "enabled=yes|no", NULL, 0 },
  { "domain/pm/suspend-to-disk", "enabled=yes|no", NULL, 0 },
  { "domain/seclabel", "type=dynamic|static|none model relabel=yes|no", NULL,
    VB_XML_RULE_REPEAT },
  { "domain/seclabel/label", NULL, "*", 0 },

  { "domain/devices", NULL, NULL, 0 },
  { "domain/devices/emulator", NULL, "*", 0 },

  { "domain/devices/disk", "type=file|block|volume device=disk|cdrom|floppy", NULL,
    VB_XML_RULE_REPEAT },
  { "domain/devices/disk/driver",
    "name=qemu type=raw|qcow2|qed|vmdk|vpc|vdi|vhdx "
    "cache=default|none|writethrough|writeback|directsync|unsafe io=native|threads|io_uring "
    "discard=unmap|ignore",
    NULL, 0 },
  { "domain/devices/disk/source",
    "file dev pool volume mode=host|direct startupPolicy=mandatory|requisite|optional", NULL, 0 },
  { "domain/devices/disk/target", "!dev bus=virtio|scsi|sata|ide|usb|fdc tray=open|closed", NULL,
    0 },
  { "domain/devices/disk/readonly", NULL, NULL, 0 },
  { "domain/devices/disk/shareable", NULL, NULL, 0 },
  { "domain/devices/disk/serial", NULL, "*", 0 },
  { "domain/devices/disk/boot", "!order=%u", NULL, 0 },
  BACKING_STORES,
  ADDRESS ("disk"),
  ALIAS ("disk"),

  { "domain/devices/controller",
    "!type=usb|pci|sata|ide|scsi|virtio-serial|fdc|ccid index=%u model ports=%u vectors=%u", NULL,
    VB_XML_RULE_REPEAT },
  { "domain/devices/controller/model", "!name", NULL, 0 },
  { "domain/devices/controller/target", "chassisNr=%u chassis=%u port=%x busNr=%u", NULL, 0 },
  { "domain/devices/controller/master", "!startport=%u", NULL, 0 },
  ADDRESS ("controller"),
  ALIAS ("controller"),

  { "domain/devices/interface", "!type=user|network|bridge", NULL, VB_XML_RULE_REPEAT },
  { "domain/devices/interface/mac", "!address", NULL, 0 },
  { "domain/devices/interface/source", "network bridge", NULL, 0 },
  { "domain/devices/interface/model",
    "!type=virtio|virtio-transitional|virtio-non-transitional|e1000|e1000e|igb|rtl8139|"
    "ne2k_pci|pcnet|vmxnet3",
    NULL, 0 },
  { "domain/devices/interface/target", "!dev", NULL, 0 },
  { "domain/devices/interface/link", "!state=up|down", NULL, 0 },
  { "domain/devices/interface/boot", "!order=%u", NULL, 0 },
  { "domain/devices/interface/teaming", "!type=persistent|transient persistent", NULL, 0 },
  ADDRESS ("interface"),
  ALIAS ("interface"),

  { "domain/devices/hostdev", "!mode=subsystem !type=pci managed=yes|no", NULL,
    VB_XML_RULE_REPEAT },
  { "domain/devices/hostdev/source", NULL, NULL, 0 },
  { "domain/devices/hostdev/source/address", "domain=%x !bus=%x !slot=%x !function=%x", NULL, 0 },
  { "domain/devices/hostdev/teaming", "!type=transient persistent", NULL, 0 },
  { "domain/devices/hostdev/boot", "!order=%u", NULL, 0 },
  ADDRESS ("hostdev"),
  ALIAS ("hostdev"),

  { "domain/devices/serial", "!type=pty|file|unix", NULL, VB_XML_RULE_REPEAT },
  { "domain/devices/serial/source", "path mode=bind|connect append=on|off", NULL, 0 },
  { "domain/devices/serial/target", "type=isa-serial|usb-serial|pci-serial port=%u", NULL, 0 },
  { "domain/devices/serial/target/model", "!name=isa-serial|usb-serial|pci-serial", NULL, 0 },
  { "domain/devices/serial/log", "!file append=on|off", NULL, 0 },
  ADDRESS ("serial"),
  ALIAS ("serial"),
  { "domain/devices/console", "!type=pty|file|unix", NULL, VB_XML_RULE_REPEAT },
  { "domain/devices/console/source", "path mode=bind|connect append=on|off", NULL, 0 },
  { "domain/devices/console/target", "type=serial|virtio port=%u", NULL, 0 },
  { "domain/devices/console/log", "!file append=on|off", NULL, 0 },
  ALIAS ("console"),

  { "domain/devices/channel", "!type=unix|spicevmc", NULL, VB_XML_RULE_REPEAT },
  { "domain/devices/channel/source", "mode=bind|connect path", NULL, 0 },
  { "domain/devices/channel/target", "!type=virtio name", NULL, 0 },
  ADDRESS ("channel"),
  ALIAS ("channel"),

  { "domain/devices/input", "!type=tablet|mouse|keyboard bus=usb|ps2|virtio", NULL,
    VB_XML_RULE_REPEAT },
  ADDRESS ("input"),
  ALIAS ("input"),

  { "domain/devices/graphics",
    "!type=vnc|spice port=%i tlsPort=%i autoport=yes|no listen websocket=%i passwd keymap", NULL,
    VB_XML_RULE_REPEAT },
  { "domain/devices/graphics/listen", "!type=address|network|none address network", NULL,
    VB_XML_RULE_REPEAT },
  { "domain/devices/graphics/image", "!compression=auto_glz|auto_lz|quic|glz|lz|off", NULL, 0 },

  { "domain/devices/sound", "!model=ich6|ich7|ich9|ac97|es1370|sb16|usb|pcspk", NULL,
    VB_XML_RULE_REPEAT },
  ADDRESS ("sound"),
  ALIAS ("sound"),
  { "domain/devices/audio",
    "!id=%u !type=none|alsa|coreaudio|jack|oss|pulseaudio|sdl|spice|file|dbus|pipewire", NULL,
    VB_XML_RULE_REPEAT },

  { "domain/devices/video", NULL, NULL, VB_XML_RULE_REPEAT },
  { "domain/devices/video/model",
    "!type=vga|cirrus|vmvga|qxl|virtio|bochs|ramfb|none vram=%u heads=%u primary=yes|no ram=%u "
    "vgamem=%u",
    NULL, 0 },
  { "domain/devices/video/model/acceleration", "accel3d=yes|no accel2d=yes|no", NULL, 0 },
  ADDRESS ("video"),
  ALIAS ("video"),

  { "domain/devices/memballoon",
    "!model=virtio|virtio-transitional|virtio-non-transitional|none autodeflate=on|off "
    "freePageReporting=on|off",
    NULL, 0 },
  { "domain/devices/memballoon/stats", "!period=%u", NULL, 0 },
  ADDRESS ("memballoon"),
  ALIAS ("memballoon"),

  { "domain/devices/rng", "!model=virtio|virtio-transitional|virtio-non-transitional", NULL,
    VB_XML_RULE_REPEAT },
  { "domain/devices/rng/backend", "!model=random|builtin", "*", 0 },
  ADDRESS ("rng"),
  ALIAS ("rng"),

  { "domain/devices/redirdev", "!bus=usb !type=spicevmc", NULL, VB_XML_RULE_REPEAT },
  ADDRESS ("redirdev"),
  ALIAS ("redirdev"),

  { "domain/devices/watchdog",
    "!model=i6300esb|ib700|itco action=reset|shutdown|poweroff|pause|none|dump|inject-nmi", NULL,
    VB_XML_RULE_REPEAT },
  ADDRESS ("watchdog"),
  ALIAS ("watchdog"),

  { "domain/devices/panic", "model=isa|pvpanic|hyperv", NULL, VB_XML_RULE_REPEAT },
  ADDRESS ("panic"),
  ALIAS ("panic"),
};

static const VbXmlSchema domain_schema = { domain_rules, G_N_ELEMENTS (domain_rules) };

/* ------------------------------------------------------------------------ */

static gboolean
parse_uint (const char *text, guint64 max, guint64 *value)
{
  return vb_xml_parse_unsigned (text, 10, max, value);
}

/* Reads a sized element into KiB, rounding bytes up as libvirt does, and
 * rewrites it as <@name unit='KiB'>N</@name>. */
static gboolean
memory_to_kib (xmlNode *node, guint64 *kib, GError **error)
{
  g_autofree char *text = NULL;
  guint64 bytes = 0;

  if (!vb_xml_scaled_bytes (node, "KiB", &bytes, error))
    return FALSE;
  *kib = bytes / 1024 + (bytes % 1024 != 0);
  /* Stored as KiB, the size is read back as bytes at the next start: refuse
   * now what would not fit then, or the acknowledged definition is lost. */
  if (*kib > G_MAXUINT64 / 1024)
    {
      g_set_error (error, VB_ERROR, VB_ERROR_INVALID_XML,
                   "the value of <%s> at line %ld is too large: at most %" G_GUINT64_FORMAT " KiB",
                   node->name, vb_xml_line (node), G_MAXUINT64 / 1024);
      return FALSE;
    }
  text = g_strdup_printf ("%" G_GUINT64_FORMAT, *kib);
  xmlSetProp (node, (const xmlChar *) "unit", (const xmlChar *) "KiB");
  vb_xml_set_text (node, text);
  return TRUE;
}

static gboolean
fill_memory (xmlNode *root, VbDomainDef *def, GError **error)
{
  xmlNode *memory = vb_xml_child (root, "memory");
  xmlNode *current = vb_xml_child (root, "currentMemory");
  g_autofree char *text = NULL;

  if (memory == NULL) {
    g_set_error_literal (error, VB_ERROR, VB_ERROR_INVALID_XML,
                         "missing element <memory> in <domain>");
    return FALSE;
  }
  if (!memory_to_kib (memory, &def->memory_kib, error))
    return FALSE;
  if (def->memory_kib == 0) {
    g_set_error (error, VB_ERROR, VB_ERROR_INVALID_XML,
                 "<memory> at line %ld must be greater than 0", vb_xml_line (memory));
    return FALSE;
  }

  if (current == NULL) {
    current = vb_xml_insert_after (root, memory, "currentMemory", NULL);
    def->current_memory_kib = def->memory_kib;
  } else if (!memory_to_kib (current, &def->current_memory_kib, error)) {
    return FALSE;
  }
  /* Like libvirt: a balloon target of 0 or above the maximum means "all". */
  if (def->current_memory_kib == 0 || def->current_memory_kib > def->memory_kib)
    def->current_memory_kib = def->memory_kib;

  text = g_strdup_printf ("%" G_GUINT64_FORMAT, def->current_memory_kib);
  xmlSetProp (current, (const xmlChar *) "unit", (const xmlChar *) "KiB");
  vb_xml_set_text (current, text);
  return TRUE;
}

/* Reads @text as a vCPU count between 1 and @max; @what names it in the error. */
static gboolean
parse_vcpu_count (xmlNode *node, const char *what, const char *text, guint64 max, guint64 *value,
                  GError **error)
{
  /* The schema checked the digits, not the range: a number past 64 bits
   * fails to parse and must be refused like any other out of range. */
  if (!parse_uint (text, G_MAXUINT64, value))
    {
      g_autofree char *quoted = vb_xml_quote (text);

      g_set_error (error, VB_ERROR, VB_ERROR_INVALID_XML,
                   "%s at line %ld must be between 1 and %" G_GUINT64_FORMAT ", not %s", what,
                   vb_xml_line (node), max, quoted);
      return FALSE;
    }
  if (*value >= 1 && *value <= max)
    return TRUE;
  g_set_error (error, VB_ERROR, VB_ERROR_INVALID_XML,
               "%s at line %ld must be between 1 and %" G_GUINT64_FORMAT ", not %" G_GUINT64_FORMAT,
               what, vb_xml_line (node), max, *value);
  return FALSE;
}

static gboolean
fill_topology (xmlNode *root, VbDomainDef *def, GError **error)
{
  static const char *const parts[] = { "sockets", "dies", "cores", "threads" };
  guint *fields[] = { &def->topology.sockets, &def->topology.dies, &def->topology.cores,
                      &def->topology.threads };
  xmlNode *topology = vb_xml_child (vb_xml_child (root, "cpu"), "topology");
  guint64 product = 1;

  /* Without one, QEMU's -smp is one socket for each vCPU. */
  def->topology = (VbVcpuTopology) { def->vcpus, 1, 1, 1 };
  if (topology == NULL)
    return TRUE;
  for (gsize i = 0; i < G_N_ELEMENTS (parts); i++) {
    g_autofree char *text = vb_xml_attr (topology, parts[i]);
    guint64 n = 1;

    if (text != NULL && (!parse_uint (text, DOMAIN_VCPUS_MAX, &n) || n == 0)) {
      g_set_error (error, VB_ERROR, VB_ERROR_INVALID_XML,
                   "attribute '%s' on <topology> at line %ld must be between 1 and %d",
                   parts[i], vb_xml_line (topology), DOMAIN_VCPUS_MAX);
      return FALSE;
    }
    *fields[i] = (guint) n;
    product *= n;
  }
  if (product == def->vcpus)
    return TRUE;
  g_set_error (error, VB_ERROR, VB_ERROR_INVALID_XML,
               "the CPU <topology> at line %ld gives %" G_GUINT64_FORMAT
               " vCPUs but <vcpu> is %u",
               vb_xml_line (topology), product, def->vcpus);
  return FALSE;
}

static gboolean
fill_vcpus (xmlNode *root, VbDomainDef *def, GError **error)
{
  xmlNode *vcpu = vb_xml_child (root, "vcpu");
  g_autofree char *text = NULL;
  g_autofree char *current = NULL;
  guint64 count = 1;
  guint64 current_count = 0;

  if (vcpu == NULL) {
    vb_xml_insert_after (root, vb_xml_child (root, "currentMemory"), "vcpu", "1");
    def->vcpus = 1;
    def->current_vcpus = 1;
  } else {
    text = vb_xml_text (vcpu);
    if (!parse_vcpu_count (vcpu, "<vcpu>", text, DOMAIN_VCPUS_MAX, &count, error))
      return FALSE;
    current = vb_xml_attr (vcpu, "current");
    if (current != NULL &&
        !parse_vcpu_count (vcpu, "attribute 'current' on <vcpu>", current, count, &current_count,
                           error))
      return FALSE;
    def->vcpus = (guint) count;
    def->current_vcpus = current != NULL ? (guint) current_count : def->vcpus;
  }
  return fill_topology (root, def, error) &&
         vb_domain_vcpus_read (root, def->vcpus, def->current_vcpus, &def->vcpu_states, error);
}

/* ------------------------------------------------------------------------ */
/* Devices */

static xmlNode *
devices_of (xmlNode *root)
{
  return vb_xml_child (root, "devices");
}

static gboolean
normalize_mac (xmlNode *mac, GHashTable *used, GError **error)
{
  g_autofree char *given = vb_xml_attr (mac, "address");
  g_autofree char *normal = vb_xml_mac_normalize (given);

  if (normal == NULL) {
    g_set_error (error, VB_ERROR, VB_ERROR_INVALID_XML,
                 "invalid MAC address '%s' on <mac> at line %ld: expected a unicast address "
                 "written as six pairs of hexadecimal digits separated by ':'",
                 given, vb_xml_line (mac));
    return FALSE;
  }
  xmlSetProp (mac, (const xmlChar *) "address", (const xmlChar *) normal);
  g_hash_table_add (used, g_steal_pointer (&normal));
  return TRUE;
}

static void
add_random_mac (xmlNode *interface, GHashTable *used)
{
  g_autofree char *mac = NULL;
  xmlNode *node;

  /* 24 random bits rarely collide, but a guest with two equal MACs on one
   * network would not work: draw again rather than hope. */
  do {
    g_free (mac);
    mac = vb_xml_mac_random ();
  } while (g_hash_table_contains (used, mac));

  node = vb_xml_insert_after (interface, NULL, "mac", NULL);
  xmlSetProp (node, (const xmlChar *) "address", (const xmlChar *) mac);
  g_hash_table_add (used, g_steal_pointer (&mac));
}

/* Checks the given MACs first so the random ones avoid all of them. */
static gboolean
fill_interface_macs (xmlNode *root, GError **error)
{
  g_autoptr (GHashTable) used = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  xmlNode *devices = devices_of (root);
  xmlNode *iface;

  for (iface = vb_xml_child (devices, "interface"); iface != NULL;
       iface = vb_xml_next (iface, "interface")) {
    xmlNode *mac = vb_xml_child (iface, "mac");

    if (mac != NULL && !normalize_mac (mac, used, error))
      return FALSE;
  }
  for (iface = vb_xml_child (devices, "interface"); iface != NULL;
       iface = vb_xml_next (iface, "interface"))
    if (vb_xml_child (iface, "mac") == NULL)
      add_random_mac (iface, used);
  return TRUE;
}

static gboolean
require_attr (xmlNode *node, const char *attr, const char *why, GError **error)
{
  g_autofree char *value = vb_xml_attr (node, attr);

  if (value != NULL && *value != '\0')
    return TRUE;
  g_set_error (error, VB_ERROR, VB_ERROR_INVALID_XML,
               "missing attribute '%s' on <%s> at line %ld: %s", attr, node->name,
               vb_xml_line (node), why);
  return FALSE;
}

/* The <source> attribute that each disk type= reads its storage from. */
static gboolean
check_disk_source (xmlNode *disk, GError **error)
{
  g_autofree char *type = vb_xml_attr (disk, "type");
  xmlNode *source = vb_xml_child (disk, "source");

  /* No <source> is an empty CD-ROM or floppy drive. */
  if (source == NULL)
    return TRUE;
  if (type == NULL || g_str_equal (type, "file"))
    return require_attr (source, "file", "a file disk reads the image named by it", error);
  if (g_str_equal (type, "block"))
    return require_attr (source, "dev", "a block disk reads the device named by it", error);
  return require_attr (source, "pool", "a volume disk names its pool and volume", error) &&
         require_attr (source, "volume", "a volume disk names its pool and volume", error);
}

static gboolean
check_disks (xmlNode *root, GError **error)
{
  g_autoptr (GHashTable) targets = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  xmlNode *disk;

  for (disk = vb_xml_child (devices_of (root), "disk"); disk != NULL;
       disk = vb_xml_next (disk, "disk")) {
    xmlNode *target = vb_xml_child (disk, "target");
    g_autofree char *dev = NULL;

    if (target == NULL) {
      g_set_error (error, VB_ERROR, VB_ERROR_INVALID_XML,
                   "missing element <target> in <disk> at line %ld", vb_xml_line (disk));
      return FALSE;
    }
    if (!check_disk_source (disk, error))
      return FALSE;
    dev = vb_xml_attr (target, "dev");
    if (g_hash_table_contains (targets, dev)) {
      g_set_error (error, VB_ERROR, VB_ERROR_INVALID_XML,
                   "disk target '%s' at line %ld is already used by another disk", dev,
                   vb_xml_line (target));
      return FALSE;
    }
    g_hash_table_add (targets, g_steal_pointer (&dev));
  }
  return TRUE;
}

static gboolean
check_interface_source (xmlNode *iface, GError **error)
{
  g_autofree char *type = vb_xml_attr (iface, "type");
  xmlNode *source = vb_xml_child (iface, "source");
  const char *attr = g_str_equal (type, "network") ? "network"
                     : g_str_equal (type, "bridge") ? "bridge"
                                                     : NULL;

  if (attr == NULL)
    return TRUE;
  if (source == NULL) {
    g_set_error (error, VB_ERROR, VB_ERROR_INVALID_XML,
                 "missing element <source> in <interface type='%s'> at line %ld", type,
                 vb_xml_line (iface));
    return FALSE;
  }
  return require_attr (source, attr, "it names what the interface connects to", error);
}

/* libvirt reserves aliases not starting with "ua-" for the names it gives
 * devices itself (the id QEMU knows them by), shown only in a running
 * domain's XML. A definition keeps the user's; the others it drops, as
 * libvirt does at define, so that a live XML read back from GetXMLDesc can
 * be defined: the driver makes them again at the next start. */
static gboolean
check_alias (xmlNode *device, gboolean live, GHashTable *aliases, GError **error)
{
  xmlNode *alias = vb_xml_child (device, "alias");
  g_autofree char *name = alias != NULL ? vb_xml_attr (alias, "name") : NULL;
  gboolean user = name != NULL && g_str_has_prefix (name, "ua-");

  if (alias == NULL)
    return TRUE;
  if (!user && !live) {
    xmlUnlinkNode (alias);
    xmlFreeNode (alias);
    return TRUE;
  }
  if (*name == '\0' || (user && name[3] == '\0')) {
    g_set_error (error, VB_ERROR, VB_ERROR_INVALID_XML,
                 "invalid alias '%s' on <alias> at line %ld: a user alias is 'ua-' and a name",
                 name, vb_xml_line (alias));
    return FALSE;
  }
  if (g_hash_table_contains (aliases, name)) {
    g_set_error (error, VB_ERROR, VB_ERROR_INVALID_XML,
                 "alias '%s' at line %ld is already used by another device", name,
                 vb_xml_line (alias));
    return FALSE;
  }
  g_hash_table_insert (aliases, g_steal_pointer (&name), device);
  return TRUE;
}

static gboolean
is_persistent_partner (xmlNode *device)
{
  xmlNode *teaming = vb_xml_child (device, "teaming");
  g_autofree char *type = teaming != NULL ? vb_xml_attr (teaming, "type") : NULL;

  return g_strcmp0 (type, "persistent") == 0;
}

/* virtio-net failover pairs a persistent virtio interface with a transient
 * device (a hostdev) that names the former by its alias. */
static gboolean
check_teaming (xmlNode *device, GHashTable *aliases, GError **error)
{
  xmlNode *teaming = vb_xml_child (device, "teaming");
  g_autofree char *type = NULL;
  g_autofree char *partner = NULL;

  if (teaming == NULL)
    return TRUE;
  type = vb_xml_attr (teaming, "type");
  partner = vb_xml_attr (teaming, "persistent");
  if (g_str_equal (type, "persistent")) {
    if (partner == NULL)
      return TRUE;
    g_set_error (error, VB_ERROR, VB_ERROR_INVALID_XML,
                 "attribute 'persistent' on <teaming> at line %ld only applies to "
                 "type='transient'",
                 vb_xml_line (teaming));
    return FALSE;
  }
  if (!require_attr (teaming, "persistent", "it names the alias of the persistent device", error))
    return FALSE;
  if (g_hash_table_contains (aliases, partner) &&
      is_persistent_partner (g_hash_table_lookup (aliases, partner)))
    return TRUE;
  g_set_error (error, VB_ERROR, VB_ERROR_INVALID_XML,
               "<teaming> at line %ld names '%s', but no device with <teaming type='persistent'/> "
               "has <alias name='%s'/>",
               vb_xml_line (teaming), partner, partner);
  return FALSE;
}

static gboolean
is_network_device (xmlNode *node)
{
  return node->type == XML_ELEMENT_NODE &&
         (xmlStrEqual (node->name, (const xmlChar *) "interface") ||
          xmlStrEqual (node->name, (const xmlChar *) "hostdev"));
}

static gboolean
check_network_devices (xmlNode *root, gboolean live, GError **error)
{
  g_autoptr (GHashTable) aliases = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  xmlNode *devices = devices_of (root);
  xmlNode *child;

  /* Aliases first (of every device: they are one namespace): a transient
   * device may come before its partner. */
  for (child = devices != NULL ? devices->children : NULL; child != NULL; child = child->next)
    if (child->type == XML_ELEMENT_NODE && !check_alias (child, live, aliases, error))
      return FALSE;
  for (child = devices != NULL ? devices->children : NULL; child != NULL; child = child->next) {
    if (!is_network_device (child))
      continue;
    if (xmlStrEqual (child->name, (const xmlChar *) "interface") &&
        !check_interface_source (child, error))
      return FALSE;
    if (!check_teaming (child, aliases, error))
      return FALSE;
  }
  return TRUE;
}

static gboolean
has_device_boot_order (xmlNode *root)
{
  xmlNode *devices = devices_of (root);

  for (xmlNode *child = devices != NULL ? devices->children : NULL; child != NULL;
       child = child->next)
    if (child->type == XML_ELEMENT_NODE && vb_xml_child (child, "boot") != NULL)
      return TRUE;
  return FALSE;
}

/* Both ways of choosing boot devices at once would be ambiguous; libvirt
 * refuses the mix too. */
static gboolean
check_boot_order (xmlNode *root, GError **error)
{
  xmlNode *os_boot = vb_xml_child (vb_xml_child (root, "os"), "boot");

  if (os_boot == NULL || !has_device_boot_order (root))
    return TRUE;
  g_set_error (error, VB_ERROR, VB_ERROR_INVALID_XML,
               "<boot> at line %ld in <os> cannot be combined with per-device <boot order=…>",
               vb_xml_line (os_boot));
  return FALSE;
}

/* ------------------------------------------------------------------------ */

static gboolean
fill_identity (xmlNode *root, VbDomainDef *def, GError **error)
{
  xmlNode *title = vb_xml_child (root, "title");

  def->type = vb_xml_attr (root, "type");
  def->name = vb_xml_def_name (root, DOMAIN_NAME_MAX, error);
  if (def->name == NULL)
    return FALSE;
  def->uuid = vb_xml_def_uuid (root, error);
  if (def->uuid == NULL)
    return FALSE;
  def->title = title != NULL ? vb_xml_text (title) : NULL;
  /* A title is the one-line label of lists; <description> is for more. */
  if (def->title != NULL && strpbrk (def->title, "\r\n") != NULL) {
    g_set_error (error, VB_ERROR, VB_ERROR_INVALID_XML,
                 "<title> at line %ld must be a single line; use <description> for more",
                 vb_xml_line (title));
    return FALSE;
  }
  return TRUE;
}

static VbDomainDef *
parse (const char *xml, gboolean live, GError **error)
{
  g_autoptr (xmlDoc) doc = NULL;
  g_autoptr (VbDomainDef) def = NULL;
  xmlNode *root;

  g_return_val_if_fail (xml != NULL, NULL);

  doc = vb_xml_parse (xml, "domain", error);
  if (doc == NULL)
    return NULL;
  root = xmlDocGetRootElement (doc);
  if (!vb_xml_validate (root, &domain_schema, error))
    return NULL;

  /* id= is the number of a running domain, not part of its definition. */
  xmlUnsetProp (root, (const xmlChar *) "id");

  def = g_new0 (VbDomainDef, 1);
  if (!fill_identity (root, def, error) || !fill_memory (root, def, error) ||
      !fill_vcpus (root, def, error) ||
      !vb_domain_numa_check (root, def->memory_kib, def->vcpus, error) || !check_disks (root, error) ||
      !check_network_devices (root, live, error) || !check_boot_order (root, error) ||
      !fill_interface_macs (root, error))
    return NULL;

  def->xml = vb_xml_format_mapped (doc, &def->source_lines);
  return g_steal_pointer (&def);
}

VbDomainDef *
vb_domain_def_parse (const char *xml, GError **error)
{
  return parse (xml, FALSE, error);
}

VbDomainDef *
vb_domain_def_parse_live (const char *xml, GError **error)
{
  return parse (xml, TRUE, error);
}

VbDomainDef *
vb_domain_def_copy (const VbDomainDef *def)
{
  VbDomainDef *copy;

  g_return_val_if_fail (def != NULL, NULL);

  copy = g_new0 (VbDomainDef, 1);
  copy->xml = g_strdup (def->xml);
  copy->name = g_strdup (def->name);
  copy->uuid = g_strdup (def->uuid);
  copy->type = g_strdup (def->type);
  copy->title = g_strdup (def->title);
  copy->memory_kib = def->memory_kib;
  copy->current_memory_kib = def->current_memory_kib;
  copy->vcpus = def->vcpus;
  copy->current_vcpus = def->current_vcpus;
  copy->topology = def->topology;
  if (def->vcpu_states)
    {
      copy->vcpu_states = g_array_sized_new (FALSE, FALSE, sizeof (VbVcpuState),
                                             def->vcpu_states->len);
      g_array_append_vals (copy->vcpu_states, def->vcpu_states->data, def->vcpu_states->len);
    }
  copy->source_lines = def->source_lines ? g_array_ref (def->source_lines) : NULL;
  return copy;
}

void
vb_domain_def_free (VbDomainDef *def)
{
  if (def == NULL)
    return;
  g_free (def->xml);
  g_free (def->name);
  g_free (def->uuid);
  g_free (def->type);
  g_free (def->title);
  g_clear_pointer (&def->source_lines, g_array_unref);
  g_clear_pointer (&def->vcpu_states, g_array_unref);
  g_free (def);
}

char *
vb_domain_def_format_live (const VbDomainDef *def, int id)
{
  static const char prefix[] = "<domain type='";
  const char *type_end;

  g_return_val_if_fail (def != NULL && def->xml != NULL, NULL);
  g_return_val_if_fail (g_str_has_prefix (def->xml, prefix), NULL);

  /* An inactive domain has no id; its live XML is its definition. */
  if (id < 0)
    return g_strdup (def->xml);

  /* The canonical form always opens with <domain type='…'> and nothing else
   * (id= was dropped on parse), so splicing is exact and needs no reparse. */
  type_end = strchr (def->xml + strlen (prefix), '\'');
  g_return_val_if_fail (type_end != NULL, NULL);
  return g_strdup_printf ("%.*s id='%d'%s", (int) (type_end + 1 - def->xml), def->xml, id,
                          type_end + 1);
}

static void
drop_graphics_passwords (xmlNode *node)
{
  for (xmlNode *child = node->children; child; child = child->next)
    {
      if (child->type != XML_ELEMENT_NODE)
        continue;
      if (xmlStrEqual (child->name, BAD_CAST "graphics"))
        xmlUnsetProp (child, BAD_CAST "passwd");
      drop_graphics_passwords (child);
    }
}

char *
vb_domain_xml_without_secrets (const char *xml)
{
  g_autoptr (xmlDoc) doc = NULL;

  /* Most documents have no password: no parse for them. */
  if (!strstr (xml, "passwd"))
    return g_strdup (xml);
  doc = vb_xml_parse (xml, NULL, NULL);
  /* Ours and canonical, so it parses; if it ever did not, show nothing. */
  if (!doc)
    return g_strdup ("");
  drop_graphics_passwords (xmlDocGetRootElement (doc));
  return vb_xml_format (doc);
}

char *
vb_domain_def_xml_for_arrival (const char *xml, GError **error)
{
  g_autoptr (xmlDoc) doc = vb_xml_parse (xml, "domain", error);

  if (!doc)
    return NULL;
  vb_xml_remove_children (vb_xml_child (xmlDocGetRootElement (doc), "devices"), "emulator");
  return vb_xml_format (doc);
}

/* Whether @a and @b agree on what names a disk (<target dev>) or an
 * interface (<mac address>), where they have it. */
static gboolean
same_key (xmlNode *a, xmlNode *b, const char *child, const char *attr)
{
  xmlNode *a_child = vb_xml_child (a, child);
  xmlNode *b_child = vb_xml_child (b, child);
  g_autofree char *a_value = a_child ? vb_xml_attr (a_child, attr) : NULL;
  g_autofree char *b_value = b_child ? vb_xml_attr (b_child, attr) : NULL;

  return g_strcmp0 (a_value, b_value) == 0;
}

/* The @n-th element named @name among the children of @devices. */
static xmlNode *
nth_device (xmlNode *devices, const xmlChar *name, guint n)
{
  for (xmlNode *child = devices ? devices->children : NULL; child; child = child->next)
    if (child->type == XML_ELEMENT_NODE && xmlStrEqual (child->name, name) && n-- == 0)
      return child;
  return NULL;
}

VbDomainDef *
vb_domain_def_with_aliases_of (const VbDomainDef *def, const char *live_xml, GError **error)
{
  g_autoptr (xmlDoc) doc = vb_xml_parse (def->xml, "domain", error);
  g_autoptr (xmlDoc) from = doc ? vb_xml_parse (live_xml, "domain", error) : NULL;
  xmlNode *devices, *from_devices;
  g_autofree char *xml = NULL;

  if (!from)
    return NULL;
  devices = vb_xml_child (xmlDocGetRootElement (doc), "devices");
  from_devices = vb_xml_child (xmlDocGetRootElement (from), "devices");
  /* Both list the same devices in the same order: @def was made from
   * @live_xml by dropping its aliases and filling in what it lacked. */
  for (xmlNode *child = devices ? devices->children : NULL; child; child = child->next)
    {
      guint n = 0;
      xmlNode *twin, *alias;

      if (child->type != XML_ELEMENT_NODE || vb_xml_child (child, "alias"))
        continue;
      for (xmlNode *before = child->prev; before; before = before->prev)
        n += before->type == XML_ELEMENT_NODE && xmlStrEqual (before->name, child->name);
      twin = nth_device (from_devices, child->name, n);
      alias = twin ? vb_xml_child (twin, "alias") : NULL;
      if (!alias || !same_key (child, twin, "target", "dev")
          || !same_key (child, twin, "mac", "address"))
        continue;
      /* Where libvirt and the command-line builder put it: before <address>. */
      if (vb_xml_child (child, "address"))
        xmlAddPrevSibling (vb_xml_child (child, "address"), xmlDocCopyNode (alias, doc, 1));
      else
        xmlAddChild (child, xmlDocCopyNode (alias, doc, 1));
    }
  xml = vb_xml_format (doc);
  return vb_domain_def_parse_live (xml, error);
}
