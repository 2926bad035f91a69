/* The host readers against a fake /proc and /sys: a two-socket NUMA
 * machine, a bridge with a port, a PCI NIC, a USB device behind a root hub;
 * and the firmware found for QEMU in a fake /usr/share. Names a caller
 * gives must not escape the listing. */
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

#include "host-netif.h"
#include "host-node.h"
#include "host-nodedev.h"
#include "qemu-firmware.h"
#include "vb-error.h"

static void
put (const char *root, const char *path, const char *contents)
{
  g_autofree char *file = g_build_filename (root, path, NULL);
  g_autofree char *dir = g_path_get_dirname (file);

  g_assert_cmpint (g_mkdir_with_parents (dir, 0755), ==, 0);
  g_assert_true (g_file_set_contents (file, contents, -1, NULL));
}

/* A relative symbolic link @path -> @target, as sysfs has them. */
static void
link_to (const char *root, const char *path, const char *target)
{
  g_autofree char *file = g_build_filename (root, path, NULL);
  g_autofree char *dir = g_path_get_dirname (file);

  g_assert_cmpint (g_mkdir_with_parents (dir, 0755), ==, 0);
  g_assert_cmpint (symlink (target, file), ==, 0);
}

static void
remove_tree (const char *path)
{
  g_autofree char *command = g_strdup_printf ("rm -rf '%s'", path);

  g_assert_cmpint (system (command), ==, 0);
}

#define PCI_NIC "sys/devices/pci0000:00/0000:00:19.0"
#define USB_HUB "sys/devices/pci0000:00/0000:00:14.0/usb1"
#define NET_BR "sys/devices/virtual/net/br0"

static char *
make_host (void)
{
  char *root = g_dir_make_tmp ("vb-host-XXXXXX", NULL);

  put (root, "proc/meminfo",
       "MemTotal:       16308756 kB\nMemFree:         1234567 kB\nMemAvailable:    9999999 kB\n"
       "Buffers:          111111 kB\nCached:          2222222 kB\n");
  put (root, "proc/cpuinfo",
       "processor\t: 0\nmodel name\t: Vendor Fast CPU @ 3.00GHz\ncpu MHz\t\t: 2999.874\n\n"
       "processor\t: 1\nmodel name\t: Vendor Fast CPU @ 3.00GHz\ncpu MHz\t\t: 1200.000\n");
  /* 8 CPUs online (cpu 8 is offline): 2 sockets, 2 cores each, 2 threads. */
  put (root, "sys/devices/system/cpu/online", "0-7\n");
  for (guint cpu = 0; cpu < 9; cpu++)
    {
      g_autofree char *package =
        g_strdup_printf ("sys/devices/system/cpu/cpu%u/topology/physical_package_id", cpu);
      g_autofree char *core =
        g_strdup_printf ("sys/devices/system/cpu/cpu%u/topology/core_id", cpu);
      g_autofree char *package_id = g_strdup_printf ("%u\n", cpu / 4);
      g_autofree char *core_id = g_strdup_printf ("%u\n", (cpu % 4) / 2);

      put (root, package, package_id);
      put (root, core, core_id);
    }
  put (root, "sys/devices/system/node/node0/meminfo",
       "Node 0 MemTotal:        8154378 kB\nNode 0 MemFree:          600000 kB\n");
  put (root, "sys/devices/system/node/node1/meminfo",
       "Node 1 MemTotal:        8154378 kB\nNode 1 MemFree:          634567 kB\n");

  /* A PCI NIC with its net interface, a USB root hub and a device. */
  put (root, PCI_NIC "/vendor", "0x8086\n");
  put (root, PCI_NIC "/device", "0x15b7\n");
  put (root, PCI_NIC "/class", "0x020000\n");
  link_to (root, PCI_NIC "/driver", "../../../bus/pci/drivers/e1000e");
  link_to (root, PCI_NIC "/iommu_group", "../../../kernel/iommu_groups/7");
  link_to (root, "sys/bus/pci/devices/0000:00:19.0", "../../../devices/pci0000:00/0000:00:19.0");
  put (root, "sys/devices/pci0000:00/0000:00:14.0/vendor", "0x8086\n");
  put (root, "sys/devices/pci0000:00/0000:00:14.0/device", "0xa36d\n");
  link_to (root, "sys/bus/pci/devices/0000:00:14.0", "../../../devices/pci0000:00/0000:00:14.0");
  put (root, USB_HUB "/busnum", "1\n");
  put (root, USB_HUB "/devnum", "1\n");
  put (root, USB_HUB "/idVendor", "1d6b\n");
  put (root, USB_HUB "/idProduct", "0002\n");
  put (root, USB_HUB "/1-2/busnum", "1\n");
  put (root, USB_HUB "/1-2/devnum", "3\n");
  put (root, USB_HUB "/1-2/idVendor", "046d\n");
  put (root, USB_HUB "/1-2/idProduct", "c077\n");
  put (root, USB_HUB "/1-2/manufacturer", "Logitech & Co\n");
  put (root, USB_HUB "/1-2/product", "USB Optical Mouse\n");
  put (root, USB_HUB "/1-2/1-2:1.0/bInterfaceClass", "03\n");
  link_to (root, "sys/bus/usb/devices/usb1", "../../../devices/pci0000:00/0000:00:14.0/usb1");
  link_to (root, "sys/bus/usb/devices/1-2", "../../../devices/pci0000:00/0000:00:14.0/usb1/1-2");
  link_to (root, "sys/bus/usb/devices/1-2:1.0",
           "../../../devices/pci0000:00/0000:00:14.0/usb1/1-2/1-2:1.0");

  put (root, PCI_NIC "/net/enp0s25/address", "52:54:00:ab:cd:ef\n");
  put (root, PCI_NIC "/net/enp0s25/flags", "0x1003\n");
  put (root, PCI_NIC "/net/enp0s25/operstate", "up\n");
  put (root, PCI_NIC "/net/enp0s25/speed", "1000\n");
  put (root, PCI_NIC "/net/enp0s25/mtu", "1500\n");
  link_to (root, "sys/class/net/enp0s25", "../../devices/pci0000:00/0000:00:19.0/net/enp0s25");
  put (root, NET_BR "/address", "52:54:00:00:00:01\n");
  put (root, NET_BR "/flags", "0x1002\n"); /* down */
  put (root, NET_BR "/operstate", "down\n");
  put (root, NET_BR "/speed", "-1\n");
  put (root, NET_BR "/mtu", "1500\n");
  put (root, NET_BR "/bridge/stp_state", "0\n");
  link_to (root, NET_BR "/brif/enp0s25", "../../../../pci0000:00/0000:00:19.0/net/enp0s25");
  link_to (root, "sys/class/net/br0", "../../devices/virtual/net/br0");
  /* A link that leads out of the tree is not followed. */
  link_to (root, "sys/bus/pci/devices/0000:00:1f.0", "/sys/devices/pci0000:00");

  put (root, "sys/class/dmi/id/sys_vendor", "Vendor <Inc>\n");
  put (root, "sys/class/dmi/id/product_name", "Model 1\n");
  put (root, "usr/share/misc/pci.ids",
       "# comment\n8086  Intel Corporation\n\t15b7  Ethernet Connection (2) I219-LM\n"
       "\t\t8086 0000  subsystem\n\ta36d  Cannon Lake USB 3.1 xHCI\n"
       "80ee  Other vendor\n\t15b7  Not this one\n");
  put (root, "usr/share/misc/usb.ids", "1d6b  Linux Foundation\n\t0002  2.0 root hub\n");
  return root;
}

static void
test_node_info (void)
{
  g_autofree char *root = make_host ();
  g_autoptr (GError) error = NULL;
  g_autoptr (VbHostNodeInfo) info = vb_host_node_info_read (root, &error);

  g_assert_no_error (error);
  g_assert_cmpuint (info->memory_kib, ==, 16308756);
  g_assert_cmpuint (info->cpus, ==, 8);
  g_assert_cmpuint (info->cpu_map->len, ==, 8);
  g_assert_cmpuint (info->nodes, ==, 2);
  /* libvirt's counts: sockets per node, cores per socket, threads per core. */
  g_assert_cmpuint (info->sockets, ==, 1);
  g_assert_cmpuint (info->cores, ==, 2);
  g_assert_cmpuint (info->threads, ==, 2);
  g_assert_cmpuint (info->mhz, ==, 2999);
  g_assert_cmpstr (info->cpu_model, ==, "Vendor Fast CPU @ 3.00GHz");
  remove_tree (root);
}

/* The kernel's CPU lists: ranges and single numbers, gaps kept. */
static void
test_cpu_list (void)
{
  static const struct {
    const char *text;
    const char *numbers;
  } cases[] = {
    { "0-3,8-11\n", "0 1 2 3 8 9 10 11" },
    { "0", "0" },
    { "0,2,4-5", "0 2 4 5" },
    { " 1-2 , 7 ", "1 2 7" },
    { "", "" },
    { "\n", "" },
    { "x,3", "3" }, /* a malformed range names none */
    { "2-,3", "3" },
    { "1-3x,9", "9" },
    { "5-4", "" }, /* backwards */
    { "-1,6", "6" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GArray) cpus = vb_host_cpu_list_parse (cases[i].text);
      g_autoptr (GString) got = g_string_new (NULL);

      for (guint k = 0; k < cpus->len; k++)
        g_string_append_printf (got, "%s%u", k ? " " : "", g_array_index (cpus, guint, k));
      g_assert_cmpstr (got->str, ==, cases[i].numbers);
    }
}

/* "0-3,8-11" online of 16 present: the map has 16 places, the offline ones
 * between the online ones false (libvirt's virNodeGetCPUMap). */
static void
test_cpu_map_with_gaps (void)
{
  g_autofree char *root = make_host ();
  g_autoptr (GError) error = NULL;
  g_autoptr (VbHostNodeInfo) info = NULL;

  put (root, "sys/devices/system/cpu/online", "0-3,8-11\n");
  put (root, "sys/devices/system/cpu/present", "0-15\n");
  info = vb_host_node_info_read (root, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (info->cpus, ==, 8);
  g_assert_cmpuint (info->cpu_map->len, ==, 16);
  for (guint cpu = 0; cpu < 16; cpu++)
    g_assert_cmpint (g_array_index (info->cpu_map, gboolean, cpu), ==,
                     cpu < 4 || (cpu >= 8 && cpu < 12));
  g_clear_pointer (&info, vb_host_node_info_free);

  /* Without cpu/present: cpu/possible; without either, up to the last online. */
  remove_tree (root);
  g_free (root);
  root = make_host ();
  put (root, "sys/devices/system/cpu/online", "1,3\n");
  put (root, "sys/devices/system/cpu/possible", "0-5\n");
  info = vb_host_node_info_read (root, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (info->cpu_map->len, ==, 6);
  g_clear_pointer (&info, vb_host_node_info_free);
  remove_tree (root);
  g_free (root);
  root = make_host ();
  put (root, "sys/devices/system/cpu/online", "1,3\n");
  info = vb_host_node_info_read (root, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (info->cpu_map->len, ==, 4);
  g_assert_false (g_array_index (info->cpu_map, gboolean, 0));
  g_assert_true (g_array_index (info->cpu_map, gboolean, 1));
  g_assert_false (g_array_index (info->cpu_map, gboolean, 2));
  g_assert_true (g_array_index (info->cpu_map, gboolean, 3));
  remove_tree (root);
}

static guint64
stat_of (GVariant *stats, const char *key)
{
  guint64 value = G_MAXUINT64;

  g_assert_true (g_variant_lookup (stats, key, "t", &value));
  return value;
}

static void
test_memory_stats (void)
{
  g_autofree char *root = make_host ();
  g_autoptr (GError) error = NULL;
  g_autoptr (GVariant) host = vb_host_memory_stats_read (root, -1, &error);
  g_autoptr (GVariant) node1 = vb_host_memory_stats_read (root, 1, &error);
  g_autoptr (GVariant) node2 = NULL;

  g_assert_no_error (error);
  g_assert_cmpuint (stat_of (host, "total"), ==, 16308756);
  g_assert_cmpuint (stat_of (host, "free"), ==, 1234567);
  g_assert_cmpuint (stat_of (host, "buffers"), ==, 111111);
  g_assert_cmpuint (stat_of (host, "cached"), ==, 2222222);
  g_assert_cmpuint (stat_of (node1, "total"), ==, 8154378);
  g_assert_cmpuint (stat_of (node1, "free"), ==, 634567);
  g_assert_cmpuint (g_variant_n_children (node1), ==, 2);
  node2 = vb_host_memory_stats_read (root, 2, &error);
  g_assert_error (error, VB_ERROR, VB_ERROR_INVALID_ARGUMENT);
  g_assert_null (node2);
  g_clear_error (&error);
  g_assert_null (vb_host_memory_stats_read (root, -7, &error));
  g_assert_error (error, VB_ERROR, VB_ERROR_INVALID_ARGUMENT);
  remove_tree (root);
}

static void
test_interfaces (void)
{
  g_autofree char *root = make_host ();
  g_autoptr (GError) error = NULL;
  g_auto (GStrv) all = vb_host_netif_list (root, 0, &error);
  g_auto (GStrv) active = vb_host_netif_list (root, VB_HOST_NETIF_ACTIVE, &error);
  g_auto (GStrv) inactive = vb_host_netif_list (root, VB_HOST_NETIF_INACTIVE, &error);
  g_autoptr (VbHostNetif) nic = NULL;
  g_autoptr (VbHostNetif) bridge = NULL;
  g_autofree char *nic_xml = NULL;
  g_autofree char *bridge_xml = NULL;
  const char *const hostile[] = {
    "", ".", "..", "../../../proc", "br0/", "br0/../br0", "/sys/class/net/br0", "brif", NULL
  };
  VbHostAddress v4 = { (char *) "ipv4", (char *) "192.168.1.5", 24 };
  VbHostAddress v6 = { (char *) "ipv6", (char *) "fe80::1", 64 };

  g_assert_no_error (error);
  g_assert_cmpstrv (all, ((const char *[]){ "br0", "enp0s25", NULL }));
  g_assert_cmpstrv (active, ((const char *[]){ "enp0s25", NULL }));
  g_assert_cmpstrv (inactive, ((const char *[]){ "br0", NULL }));
  g_assert_null (vb_host_netif_list (root, 4, &error));
  g_assert_error (error, VB_ERROR, VB_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  nic = vb_host_netif_read (root, "enp0s25", &error);
  g_assert_no_error (error);
  g_assert_true (nic->active);
  g_assert_cmpstr (nic->mac, ==, "52:54:00:ab:cd:ef");
  g_ptr_array_add (nic->addresses, g_memdup2 (&v4, sizeof v4));
  g_ptr_array_add (nic->addresses, g_memdup2 (&v6, sizeof v6));
  /* Borrowed strings: taken back before the free. */
  nic_xml = vb_host_netif_format_xml (nic);
  g_ptr_array_set_free_func (nic->addresses, g_free);
  g_assert_cmpstr (nic_xml, ==,
                   "<interface type='ethernet' name='enp0s25'>\n"
                   "  <mac address='52:54:00:ab:cd:ef'/>\n"
                   "  <link speed='1000' state='up'/>\n"
                   "  <mtu size='1500'/>\n"
                   "  <protocol family='ipv4'>\n"
                   "    <ip address='192.168.1.5' prefix='24'/>\n"
                   "  </protocol>\n"
                   "  <protocol family='ipv6'>\n"
                   "    <ip address='fe80::1' prefix='64'/>\n"
                   "  </protocol>\n"
                   "</interface>\n");

  bridge = vb_host_netif_read (root, "br0", &error);
  g_assert_no_error (error);
  g_assert_false (bridge->active);
  g_assert_cmpint (bridge->speed, ==, -1);
  bridge_xml = vb_host_netif_format_xml (bridge);
  g_assert_cmpstr (bridge_xml, ==,
                   "<interface type='bridge' name='br0'>\n"
                   "  <mac address='52:54:00:00:00:01'/>\n"
                   "  <link state='down'/>\n"
                   "  <mtu size='1500'/>\n"
                   "  <bridge>\n"
                   "    <interface type='ethernet' name='enp0s25'/>\n"
                   "  </bridge>\n"
                   "</interface>\n");

  for (guint i = 0; hostile[i]; i++)
    {
      g_autoptr (VbHostNetif) none = vb_host_netif_read (root, hostile[i], &error);

      g_assert_null (none);
      g_assert_error (error, VB_ERROR, VB_ERROR_NOT_FOUND);
      g_clear_error (&error);
    }
  remove_tree (root);
}

static void
test_node_devices (void)
{
  g_autofree char *root = make_host ();
  g_autoptr (GError) error = NULL;
  g_auto (GStrv) all = vb_host_nodedev_list (root, "", &error);
  g_auto (GStrv) usb = vb_host_nodedev_list (root, "usb_device", &error);
  g_autofree char *pci = NULL;
  g_autofree char *mouse = NULL;
  g_autofree char *hub = NULL;
  g_autofree char *net = NULL;
  g_autofree char *computer = NULL;
  const char *const hostile[] = {
    "",  "..", "pci_0000_00_19_0/..", "../computer", "usb_1-2", "pci_0000_00_1f_0", "0000:00:19.0",
    NULL
  };

  g_assert_no_error (error);
  /* The interface 1-2:1.0 is not a device; the link out of the tree is not followed. */
  g_assert_cmpstrv (all, ((const char *[]){ "computer", "net_br0_52_54_00_00_00_01",
                                            "net_enp0s25_52_54_00_ab_cd_ef", "pci_0000_00_14_0",
                                            "pci_0000_00_19_0", "usb_1_2", "usb_usb1", NULL }));
  g_assert_cmpstrv (usb, ((const char *[]){ "usb_1_2", "usb_usb1", NULL }));
  g_assert_null (vb_host_nodedev_list (root, "../pci", &error));
  g_assert_error (error, VB_ERROR, VB_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  pci = vb_host_nodedev_xml (root, "pci_0000_00_19_0", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (pci, ==,
                   "<device>\n"
                   "  <name>pci_0000_00_19_0</name>\n"
                   "  <path>/sys/devices/pci0000:00/0000:00:19.0</path>\n"
                   "  <parent>computer</parent>\n"
                   "  <driver>\n    <name>e1000e</name>\n  </driver>\n"
                   "  <capability type='pci'>\n"
                   "    <class>0x020000</class>\n"
                   "    <domain>0</domain>\n"
                   "    <bus>0</bus>\n"
                   "    <slot>25</slot>\n"
                   "    <function>0</function>\n"
                   "    <product id='0x15b7'>Ethernet Connection (2) I219-LM</product>\n"
                   "    <vendor id='0x8086'>Intel Corporation</vendor>\n"
                   "    <iommuGroup number='7'/>\n"
                   "  </capability>\n"
                   "</device>\n");

  mouse = vb_host_nodedev_xml (root, "usb_1_2", &error);
  g_assert_no_error (error);
  /* Not in usb.ids: the device's own strings, escaped. */
  g_assert_cmpstr (mouse, ==,
                   "<device>\n"
                   "  <name>usb_1_2</name>\n"
                   "  <path>/sys/devices/pci0000:00/0000:00:14.0/usb1/1-2</path>\n"
                   "  <parent>usb_usb1</parent>\n"
                   "  <capability type='usb_device'>\n"
                   "    <bus>1</bus>\n"
                   "    <device>3</device>\n"
                   "    <product id='0xc077'>USB Optical Mouse</product>\n"
                   "    <vendor id='0x046d'>Logitech &amp; Co</vendor>\n"
                   "  </capability>\n"
                   "</device>\n");
  hub = vb_host_nodedev_xml (root, "usb_usb1", &error);
  g_assert_nonnull (strstr (hub, "<parent>pci_0000_00_14_0</parent>"));
  g_assert_nonnull (strstr (hub, "<product id='0x0002'>2.0 root hub</product>"));
  g_assert_nonnull (strstr (hub, "<vendor id='0x1d6b'>Linux Foundation</vendor>"));

  net = vb_host_nodedev_xml (root, "net_enp0s25_52_54_00_ab_cd_ef", &error);
  g_assert_nonnull (strstr (net, "<parent>pci_0000_00_19_0</parent>"));
  g_assert_nonnull (strstr (net, "  <capability type='net'>\n    <interface>enp0s25</interface>\n"
                                 "    <address>52:54:00:ab:cd:ef</address>\n"
                                 "    <link speed='1000' state='up'/>\n"));

  computer = vb_host_nodedev_xml (root, "computer", &error);
  g_assert_nonnull (strstr (computer, "<product>Model 1</product>"));
  g_assert_nonnull (strstr (computer, "<vendor>Vendor &lt;Inc&gt;</vendor>"));

  for (guint i = 0; hostile[i]; i++)
    {
      g_autofree char *none = vb_host_nodedev_xml (root, hostile[i], &error);

      g_assert_null (none);
      g_assert_error (error, VB_ERROR, VB_ERROR_NOT_FOUND);
      g_clear_error (&error);
    }
  remove_tree (root);
}

static const char *
firmware_path (GPtrArray *found, guint i)
{
  return ((VbQemuFirmware *) found->pdata[i])->path;
}

static void
test_firmware (void)
{
  g_autofree char *root = g_dir_make_tmp ("vb-firmware-XXXXXX", NULL);
  g_autofree char *secure_code = g_build_filename (root, "edk2", "CODE.secboot.fd", NULL);
  g_autofree char *descriptor = NULL;
  g_autoptr (GPtrArray) pc = NULL;
  g_autoptr (GPtrArray) q35 = NULL;
  g_autoptr (GPtrArray) arm = NULL;

  put (root, "edk2/CODE.secboot.fd", "");
  descriptor = g_strdup_printf (
    "{ \"interface-types\": [\"uefi\"], \"mapping\": { \"device\": \"flash\", \"executable\": "
    "{ \"filename\": \"%s\", \"format\": \"raw\" } }, \"targets\": [ { \"architecture\": "
    "\"x86_64\", \"machines\": [\"pc-q35-*\"] } ], \"features\": [\"secure-boot\"] }",
    secure_code);
  put (root, "qemu/firmware/50-secure.json", descriptor);
  /* Damaged, not UEFI, a missing file: skipped. */
  put (root, "qemu/firmware/10-broken.json", "{ \"interface-types\": [");
  put (root, "qemu/firmware/20-bios.json",
       "{ \"interface-types\": [\"bios\"], \"mapping\": { \"device\": \"memory\", \"filename\": "
       "\"/x\" }, \"targets\": [ { \"architecture\": \"x86_64\", \"machines\": [\"pc-*\"] } ] }");
  put (root, "qemu/firmware/30-missing.json",
       "{ \"interface-types\": [\"uefi\"], \"mapping\": { \"device\": \"flash\", \"executable\": "
       "{ \"filename\": \"/nonexistent/CODE.fd\" } }, \"targets\": [ { \"architecture\": "
       "\"x86_64\", \"machines\": [\"pc-*\"] } ] }");
  put (root, "OVMF/OVMF_CODE_4M.fd", "");
  put (root, "OVMF/OVMF_CODE_4M.ms.fd", "");
  put (root, "OVMF/OVMF_VARS_4M.fd", "");

  pc = vb_qemu_firmware_find (root, "x86_64", "pc-i440fx-7.2");
  g_assert_cmpuint (pc->len, ==, 1);
  g_assert_true (g_str_has_suffix (firmware_path (pc, 0), "/OVMF/OVMF_CODE_4M.fd"));
  g_assert_false (((VbQemuFirmware *) pc->pdata[0])->secure);

  q35 = vb_qemu_firmware_find (root, "x86_64", "pc-q35-7.2");
  g_assert_cmpuint (q35->len, ==, 3);
  g_assert_cmpstr (firmware_path (q35, 0), ==, secure_code);
  g_assert_true (((VbQemuFirmware *) q35->pdata[0])->secure);
  g_assert_true (g_str_has_suffix (firmware_path (q35, 1), "/OVMF/OVMF_CODE_4M.fd"));
  g_assert_true (g_str_has_suffix (firmware_path (q35, 2), "/OVMF/OVMF_CODE_4M.ms.fd"));
  g_assert_true (((VbQemuFirmware *) q35->pdata[2])->secure);

  arm = vb_qemu_firmware_find (root, "aarch64", "virt-7.2");
  g_assert_cmpuint (arm->len, ==, 0);
  remove_tree (root);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/host-readers/node-info", test_node_info);
  g_test_add_func ("/host-readers/cpu-list", test_cpu_list);
  g_test_add_func ("/host-readers/cpu-map-with-gaps", test_cpu_map_with_gaps);
  g_test_add_func ("/host-readers/memory-stats", test_memory_stats);
  g_test_add_func ("/host-readers/interfaces", test_interfaces);
  g_test_add_func ("/host-readers/node-devices", test_node_devices);
  g_test_add_func ("/host-readers/firmware", test_firmware);
  return g_test_run ();
}
