/* What a GUI reads about the host before it shows a VM: the host's CPUs and
 * memory, its network interfaces and devices, and what a domain may use
 * (GetDomainCapabilities), each compared with what the kernel and the
 * service's own define say. */
#include <string.h>
#include <sys/utsname.h>

#include "vb-test-env.h"

typedef struct {
  VbTestEnv *env;
} Fixture;

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  f->env = vb_test_env_new (VB_TEST_ENV_NONE);
  vb_test_env_start_daemon (f->env, NULL);
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  g_assert_true (vb_test_env_daemon_alive (f->env));
  vb_test_env_free (f->env);
}

static GVariant *
manager_call (Fixture *f, const char *method, GVariant *args)
{
  return vb_test_call_ok (f->env, MANAGER, IFACE_MANAGER, method, args);
}

static char *
manager_string (Fixture *f, const char *method, GVariant *args)
{
  g_autoptr (GVariant) reply = manager_call (f, method, args);
  char *text = NULL;

  g_variant_get (reply, "(s)", &text);
  return text;
}

static GStrv
manager_names (Fixture *f, const char *method, GVariant *args)
{
  g_autoptr (GVariant) reply = manager_call (f, method, args);
  GStrv names = NULL;

  g_variant_get (reply, "(^as)", &names);
  return names;
}

/* The value of "Key:   N kB" in /proc/meminfo. */
static guint64
meminfo (const char *key)
{
  g_autofree char *text = NULL;
  g_autofree char *lines = NULL;
  g_autofree char *label = g_strdup_printf ("\n%s:", key);
  const char *at;

  g_assert_true (g_file_get_contents ("/proc/meminfo", &text, NULL, NULL));
  lines = g_strconcat ("\n", text, NULL);
  at = strstr (lines, label);
  g_assert_nonnull (at);
  return g_ascii_strtoull (at + strlen (label), NULL, 10);
}

static void
test_node_info (Fixture *f, gconstpointer data)
{
  g_autoptr (GVariant) reply = manager_call (f, "GetNodeInfo", NULL);
  g_autoptr (GVariant) info = g_variant_get_child_value (reply, 0);
  g_autofree char *cpuinfo = NULL;
  const char *model, *cpu_model;
  guint64 memory;
  guint cpus, nodes, sockets, cores, threads;
  struct utsname uts;

  g_assert_true (g_variant_lookup (info, "model", "&s", &model));
  g_assert_true (g_variant_lookup (info, "memory", "t", &memory));
  g_assert_true (g_variant_lookup (info, "cpus", "u", &cpus));
  g_assert_true (g_variant_lookup (info, "nodes", "u", &nodes));
  g_assert_true (g_variant_lookup (info, "sockets", "u", &sockets));
  g_assert_true (g_variant_lookup (info, "cores", "u", &cores));
  g_assert_true (g_variant_lookup (info, "threads", "u", &threads));
  g_assert_true (g_variant_lookup (info, "cpu-model", "&s", &cpu_model));
  /* libvirt's CPU map: a place per CPU number, true for each online one. */
  {
    g_autoptr (GVariant) map = g_variant_lookup_value (info, "cpu-map", G_VARIANT_TYPE ("ab"));
    g_autofree char *kernel = vb_test_kernel_cpus ();
    g_autoptr (GString) got = g_string_new (NULL);
    guint online = 0;

    g_assert_nonnull (map);
    for (gsize i = 0; i < g_variant_n_children (map); i++)
      {
        gboolean on;

        g_variant_get_child (map, i, "b", &on);
        g_string_append_c (got, on ? '1' : '0');
        online += on;
      }
    g_strdelimit (kernel, "-", '0');
    g_assert_cmpstr (got->str, ==, kernel);
    g_assert_true (g_variant_lookup (info, "cpus", "u", &cpus));
    g_assert_cmpuint (online, ==, cpus);
  }
  g_assert_nonnull (g_variant_lookup_value (info, "mhz", G_VARIANT_TYPE_UINT32));

  g_assert_cmpint (uname (&uts), ==, 0);
  g_assert_cmpstr (model, ==, uts.machine);
  /* /proc/meminfo's total (the memory stats say the same). */
  g_assert_cmpuint (memory, ==, meminfo ("MemTotal"));
  g_assert_cmpuint (cpus, >=, 1);
  g_assert_cmpuint (nodes, >=, 1);
  g_assert_cmpuint (sockets * cores * threads * nodes, <=, cpus * 2);
  g_assert_cmpuint (sockets * cores * threads, >=, 1);
  g_assert_true (g_file_get_contents ("/proc/cpuinfo", &cpuinfo, NULL, NULL));
  if (strstr (cpuinfo, "model name"))
    {
      g_assert_cmpstr (cpu_model, !=, "");
      g_assert_nonnull (strstr (cpuinfo, cpu_model));
    }
}

static void
test_memory_stats (Fixture *f, gconstpointer data)
{
  g_autoptr (GVariant) reply =
    manager_call (f, "GetNodeMemoryStats", g_variant_new ("(iu)", -1, 0));
  g_autoptr (GVariant) stats = g_variant_get_child_value (reply, 0);
  guint64 total, free, buffers, cached;

  g_assert_true (g_variant_lookup (stats, "total", "t", &total));
  g_assert_true (g_variant_lookup (stats, "free", "t", &free));
  g_assert_true (g_variant_lookup (stats, "buffers", "t", &buffers));
  g_assert_true (g_variant_lookup (stats, "cached", "t", &cached));
  g_assert_cmpuint (total, ==, meminfo ("MemTotal"));
  g_assert_cmpuint (free, <=, total);
  g_assert_cmpuint (total, ==, vb_test_get_u64 (f->env, MANAGER, IFACE_MANAGER, "HostMemoryKiB"));

  if (g_file_test ("/sys/devices/system/node/node0/meminfo", G_FILE_TEST_EXISTS))
    {
      g_autoptr (GVariant) node =
        manager_call (f, "GetNodeMemoryStats", g_variant_new ("(iu)", 0, 0));
      g_autoptr (GVariant) node_stats = g_variant_get_child_value (node, 0);

      g_assert_true (g_variant_lookup (node_stats, "total", "t", &total));
      g_assert_cmpuint (total, >, 0);
      g_assert_false (g_variant_lookup (node_stats, "buffers", "t", &buffers));
    }
  vb_test_call_expect_error (f->env, MANAGER, IFACE_MANAGER, "GetNodeMemoryStats",
                             g_variant_new ("(iu)", -2, 0), ERROR_PREFIX "InvalidArgument");
  vb_test_call_expect_error (f->env, MANAGER, IFACE_MANAGER, "GetNodeMemoryStats",
                             g_variant_new ("(iu)", 100000, 0), ERROR_PREFIX "InvalidArgument");
  vb_test_call_expect_error (f->env, MANAGER, IFACE_MANAGER, "GetNodeMemoryStats",
                             g_variant_new ("(iu)", -1, 1), ERROR_PREFIX "InvalidArgument");
}

static int
compare_strings (gconstpointer a, gconstpointer b)
{
  return strcmp (*(const char *const *) a, *(const char *const *) b);
}

/* The entries of @dir, sorted, as the service should list them. */
static GPtrArray *
listing (const char *dir)
{
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  GPtrArray *names = g_ptr_array_new_with_free_func (g_free);
  const char *name;

  while (d && (name = g_dir_read_name (d)))
    g_ptr_array_add (names, g_strdup (name));
  g_ptr_array_sort (names, compare_strings);
  return names;
}

static void
test_host_interfaces (Fixture *f, gconstpointer data)
{
  g_auto (GStrv) all = manager_names (f, "ListHostInterfaces", g_variant_new ("(u)", 0));
  g_auto (GStrv) active = manager_names (f, "ListHostInterfaces", g_variant_new ("(u)", 2));
  g_auto (GStrv) inactive = manager_names (f, "ListHostInterfaces", g_variant_new ("(u)", 1));
  g_autoptr (GPtrArray) expected = listing ("/sys/class/net");
  g_autoptr (GVariant) lo = NULL;
  g_autoptr (GVariant) lo_info = NULL;
  g_autofree char *xml = NULL;
  const char *const hostile[] = { "",     ".",        "..",  "../net/lo",
                                  "lo/",  "lo/../lo", "/lo", "vb-no-such-if",
                                  "lo\n", NULL };
  gboolean up;
  const char *mac;

  g_assert_cmpuint (g_strv_length (all), ==, expected->len);
  for (guint i = 0; i < expected->len; i++)
    g_assert_cmpstr (all[i], ==, expected->pdata[i]);
  /* Every interface is active or inactive, never both; lo is up. */
  g_assert_cmpuint (g_strv_length (active) + g_strv_length (inactive), ==, g_strv_length (all));
  g_assert_true (g_strv_contains ((const char *const *) active, "lo"));
  g_assert_false (g_strv_contains ((const char *const *) inactive, "lo"));
  vb_test_call_expect_error (f->env, MANAGER, IFACE_MANAGER, "ListHostInterfaces",
                             g_variant_new ("(u)", 4), ERROR_PREFIX "InvalidArgument");

  lo = manager_call (f, "GetHostInterface", g_variant_new ("(s)", "lo"));
  lo_info = g_variant_get_child_value (lo, 0);
  g_assert_true (g_variant_lookup (lo_info, "Active", "b", &up));
  g_assert_true (up);
  g_assert_true (g_variant_lookup (lo_info, "MAC", "&s", &mac));
  g_assert_cmpstr (mac, ==, "00:00:00:00:00:00");

  xml = manager_string (f, "GetHostInterfaceXML", g_variant_new ("(su)", "lo", 0));
  g_test_message ("%s", xml);
  g_assert_true (g_str_has_prefix (xml, "<interface type='ethernet' name='lo'>\n"));
  g_assert_nonnull (strstr (xml, "<mac address='00:00:00:00:00:00'/>"));
  /* The address comes from the kernel (netlink), not from sysfs. */
  g_assert_nonnull (
    strstr (xml, "<protocol family='ipv4'>\n    <ip address='127.0.0.1' prefix='8'/>"));
  vb_test_call_expect_error (f->env, MANAGER, IFACE_MANAGER, "GetHostInterfaceXML",
                             g_variant_new ("(su)", "lo", 2), ERROR_PREFIX "InvalidArgument");

  /* A name is looked up in the listing, never used as a path. */
  for (guint i = 0; hostile[i]; i++)
    {
      vb_test_call_expect_error (f->env, MANAGER, IFACE_MANAGER, "GetHostInterface",
                                 g_variant_new ("(s)", hostile[i]), ERROR_PREFIX "NotFound");
      vb_test_call_expect_error (f->env, MANAGER, IFACE_MANAGER, "GetHostInterfaceXML",
                                 g_variant_new ("(su)", hostile[i], 0), ERROR_PREFIX "NotFound");
    }
}

static void
test_node_devices (Fixture *f, gconstpointer data)
{
  g_auto (GStrv) all = manager_names (f, "ListNodeDevices", g_variant_new ("(su)", "", 0));
  g_auto (GStrv) pci = manager_names (f, "ListNodeDevices", g_variant_new ("(su)", "pci", 0));
  g_auto (GStrv) net = manager_names (f, "ListNodeDevices", g_variant_new ("(su)", "net", 0));
  g_auto (GStrv) system = manager_names (f, "ListNodeDevices", g_variant_new ("(su)", "system", 0));
  g_autoptr (GPtrArray) pci_expected = listing ("/sys/bus/pci/devices");
  g_autoptr (GPtrArray) net_expected = listing ("/sys/class/net");
  g_autofree char *computer = NULL;
  const char *const hostile[] = {
    "", "..", "../computer", "computer/", "pci_../../..", "net_lo", "/sys/devices", NULL
  };

  g_assert_cmpuint (g_strv_length (system), ==, 1);
  g_assert_cmpstr (system[0], ==, "computer");
  g_assert_true (g_strv_contains ((const char *const *) all, "computer"));
  g_assert_cmpuint (g_strv_length (pci), ==, pci_expected->len);
  g_assert_cmpuint (g_strv_length (net), ==, net_expected->len);
  g_assert_true (g_strv_contains ((const char *const *) net, "net_lo_00_00_00_00_00_00"));
  for (guint i = 0; pci[i]; i++)
    g_assert_true (g_strv_contains ((const char *const *) all, pci[i]));

  computer = manager_string (f, "GetNodeDeviceXML", g_variant_new ("(su)", "computer", 0));
  g_assert_true (g_str_has_prefix (computer, "<device>\n  <name>computer</name>\n"));
  g_assert_nonnull (strstr (computer, "<capability type='system'>"));

  /* Each PCI device says where it is, as its sysfs name does. */
  for (guint i = 0; i < pci_expected->len; i++)
    {
      const char *sysname = pci_expected->pdata[i];
      g_autofree char *name =
        g_strdup_printf ("pci_%.4s_%.2s_%.2s_%c", sysname, sysname + 5, sysname + 8, sysname[11]);
      g_autofree char *xml =
        manager_string (f, "GetNodeDeviceXML", g_variant_new ("(su)", name, 0));
      g_autofree char *slot =
        g_strdup_printf ("<slot>%u</slot>", (guint) g_ascii_strtoull (sysname + 8, NULL, 16));

      g_assert_nonnull (strstr (xml, "<capability type='pci'>"));
      g_assert_true (g_regex_match_simple ("<path>/sys/devices/[^<]+</path>", xml, 0, 0));
      g_assert_nonnull (strstr (xml, slot));
      g_assert_nonnull (strstr (xml, "<parent>"));
    }
  {
    g_autofree char *xml =
      manager_string (f, "GetNodeDeviceXML", g_variant_new ("(su)", "net_lo_00_00_00_00_00_00", 0));

    g_assert_nonnull (strstr (xml, "<interface>lo</interface>"));
    g_assert_nonnull (strstr (xml, "<parent>computer</parent>"));
  }

  vb_test_call_expect_error (f->env, MANAGER, IFACE_MANAGER, "ListNodeDevices",
                             g_variant_new ("(su)", "scsi_host", 0),
                             ERROR_PREFIX "InvalidArgument");
  vb_test_call_expect_error (f->env, MANAGER, IFACE_MANAGER, "ListNodeDevices",
                             g_variant_new ("(su)", "", 1), ERROR_PREFIX "InvalidArgument");
  vb_test_call_expect_error (f->env, MANAGER, IFACE_MANAGER, "GetNodeDeviceXML",
                             g_variant_new ("(su)", "computer", 1), ERROR_PREFIX "InvalidArgument");
  for (guint i = 0; hostile[i]; i++)
    vb_test_call_expect_error (f->env, MANAGER, IFACE_MANAGER, "GetNodeDeviceXML",
                               g_variant_new ("(su)", hostile[i], 0), ERROR_PREFIX "NotFound");
}

/* ---- domain capabilities ---- */

static char *
domcaps (Fixture *f, const char *emulator, const char *arch, const char *machine,
         const char *virttype)
{
  return manager_string (f, "GetDomainCapabilities",
                         g_variant_new ("(ssssu)", emulator, arch, machine, virttype, 0));
}

static void
domcaps_refused (Fixture *f, const char *emulator, const char *arch, const char *machine,
                 const char *virttype, guint flags, const char *error_name, const char *words)
{
  vb_test_call_expect_error_saying (
    f->env, MANAGER, IFACE_MANAGER, "GetDomainCapabilities",
    g_variant_new ("(ssssu)", emulator, arch, machine, virttype, flags), error_name, words);
}

/* The <value>s of the <enum name=@name> that follows @after in @xml. */
static GStrv
enum_values (const char *xml, const char *after, const char *name)
{
  g_autofree char *open = g_strdup_printf ("<enum name='%s'>", name);
  const char *start = strstr (xml, after);
  const char *end;
  GPtrArray *values = g_ptr_array_new ();

  g_assert_nonnull (start);
  start = strstr (start, open);
  g_assert_nonnull (start);
  end = strstr (start, "</enum>");
  for (const char *v = strstr (start, "<value>"); v && v < end; v = strstr (v + 1, "<value>"))
    {
      const char *close = strstr (v, "</value>");

      g_ptr_array_add (values, g_strndup (v + 7, (gsize) (close - v - 7)));
    }
  g_ptr_array_add (values, NULL);
  return (GStrv) g_ptr_array_free (values, FALSE);
}

/* The loader paths of a domainCapabilities document. */
static GStrv
loader_values (const char *xml)
{
  g_autoptr (GRegex) block =
    g_regex_new ("<loader supported='yes'>(.*?)</loader>", G_REGEX_DOTALL, 0, NULL);
  g_autoptr (GRegex) value = g_regex_new ("<value>(/[^<]*)</value>", 0, 0, NULL);
  g_autoptr (GMatchInfo) in_block = NULL;
  g_autoptr (GMatchInfo) each = NULL;
  g_autofree char *inside = NULL;
  GPtrArray *found = g_ptr_array_new ();

  if (g_regex_match (block, xml, 0, &in_block))
    {
      inside = g_match_info_fetch (in_block, 1);
      for (g_regex_match (value, inside, 0, &each); g_match_info_matches (each);
           g_match_info_next (each, NULL))
        g_ptr_array_add (found, g_match_info_fetch (each, 1));
    }
  g_ptr_array_add (found, NULL);
  return (GStrv) g_ptr_array_free (found, FALSE);
}

static char *
qemu_domain (const char *name, const char *machine, const char *os_extra, const char *cpu,
             const char *devices)
{
  return g_strdup_printf ("<domain type='qemu'>\n"
                          "  <name>%s</name>\n"
                          "  <memory unit='MiB'>64</memory>\n"
                          "  <os>\n"
                          "    <type machine='%s'>hvm</type>\n"
                          "%s"
                          "  </os>\n"
                          "%s"
                          "  <devices>\n%s  </devices>\n"
                          "</domain>\n",
                          name, machine, os_extra, cpu, devices);
}

static void
define_ok (Fixture *f, const char *xml)
{
  g_autofree char *path = vb_test_call_path (f->env, MANAGER, IFACE_MANAGER, "DefineDomain",
                                             g_variant_new ("(su)", xml, 0));

  vb_test_call_void (f->env, path, IFACE_DOMAIN, "Undefine", g_variant_new ("(u)", 0));
}

/* What Cockpit asks for each VM: ('', arch, machine, '', 0). */
static void
test_qemu_domain_capabilities (Fixture *f, gconstpointer data)
{
  g_autofree char *pc = domcaps (f, "", "x86_64", "pc", "");
  g_autofree char *q35 = domcaps (f, "", "", "q35", "qemu");
  g_autofree char *disk = g_build_filename (f->env->tmpdir, "disk.img", NULL);
  g_auto (GStrv) buses = NULL;
  g_auto (GStrv) videos = NULL;
  g_auto (GStrv) graphics = NULL;
  g_auto (GStrv) loaders = NULL;

  g_test_message ("%s", pc);
  g_assert_true (g_str_has_prefix (pc, "<domainCapabilities>\n  <path>/"));
  g_assert_true (g_regex_match_simple ("<machine>pc-i440fx-[0-9.]+</machine>", pc, 0, 0));
  g_assert_true (g_regex_match_simple ("<domain>(kvm|qemu)</domain>", pc, 0, 0));
  g_assert_nonnull (strstr (pc, "<arch>x86_64</arch>"));
  g_assert_true (g_regex_match_simple ("<vcpu max='[1-9][0-9]*'/>", pc, 0, 0));
  g_assert_nonnull (strstr (pc, "<mode name='custom' supported='yes'>"));
  g_assert_nonnull (strstr (pc, ">qemu64</model>"));
  g_assert_true (g_regex_match_simple ("<machine>pc-q35-[0-9.]+</machine>", q35, 0, 0));
  g_assert_nonnull (strstr (q35, "<domain>qemu</domain>"));
  /* Under TCG -cpu host is refused, so it is not offered. */
  g_assert_nonnull (strstr (q35, "<mode name='host-passthrough' supported='no'/>"));
  /* q35 has no IDE bus; pc has. */
  buses = enum_values (q35, "<disk supported='yes'>", "bus");
  g_assert_false (g_strv_contains ((const char *const *) buses, "ide"));
  g_strfreev (buses);
  buses = enum_values (pc, "<disk supported='yes'>", "bus");
  g_assert_true (g_strv_contains ((const char *const *) buses, "ide"));
  if (g_file_test ("/usr/share/OVMF/OVMF_CODE_4M.fd", G_FILE_TEST_EXISTS))
    {
      g_assert_nonnull (strstr (pc, "<loader supported='yes'>"));
      g_assert_nonnull (strstr (pc, "<value>/usr/share/OVMF/OVMF_CODE_4M.fd</value>"));
      /* Secure Boot builds need SMM: only on q35. */
      g_assert_null (strstr (pc, "secboot"));
      g_assert_nonnull (strstr (q35, "<value>/usr/share/OVMF/OVMF_CODE_4M.secboot.fd</value>"));
    }

  /* Offered is accepted: every bus, video model, graphics type, loader and
   * CPU model the document lists defines on that machine. */
  g_assert_true (g_file_set_contents (disk, "", 0, NULL));
  for (guint i = 0; buses[i]; i++)
    {
      const char *prefix = g_str_equal (buses[i], "virtio") ? "vd"
                           : g_str_equal (buses[i], "ide")  ? "hd"
                                                            : "sd";
      g_autofree char *device =
        g_strdup_printf ("    <disk type='file' device='disk'>\n      <source file='%s'/>\n"
                         "      <target dev='%sa' bus='%s'/>\n    </disk>\n",
                         disk, prefix, buses[i]);
      g_autofree char *xml = qemu_domain ("bus", "pc", "", "", device);

      g_test_message ("bus %s", buses[i]);
      define_ok (f, xml);
    }
  videos = enum_values (pc, "<video supported='yes'>", "modelType");
  for (guint i = 0; videos[i]; i++)
    {
      g_autofree char *device =
        g_strdup_printf ("    <video>\n      <model type='%s'/>\n    </video>\n", videos[i]);
      g_autofree char *xml = qemu_domain ("video", "pc", "", "", device);

      define_ok (f, xml);
    }
  graphics = enum_values (pc, "<graphics supported='yes'>", "type");
  for (guint i = 0; graphics[i]; i++)
    {
      g_autofree char *device = g_strdup_printf ("    <graphics type='%s'/>\n", graphics[i]);
      g_autofree char *xml = qemu_domain ("graphics", "pc", "", "", device);

      define_ok (f, xml);
    }
  loaders = loader_values (q35);
  for (guint i = 0; loaders[i]; i++)
    {
      g_autofree char *loader =
        g_strdup_printf ("    <loader readonly='yes' type='pflash'>%s</loader>\n", loaders[i]);
      g_autofree char *xml = qemu_domain ("uefi", "q35", loader, "", "");

      g_test_message ("loader %s", loaders[i]);
      define_ok (f, xml);
    }
  {
    g_autofree char *xml =
      qemu_domain ("cpu", "pc", "", "  <cpu mode='custom'>\n    <model>qemu64</model>\n  </cpu>\n",
                   "");

    define_ok (f, xml);
  }

  domcaps_refused (f, "", "x86_64", "vb-no-such-machine", "", 0, ERROR_PREFIX "InvalidArgument",
                   "machine type 'vb-no-such-machine'");
  domcaps_refused (f, "", "x86_64", "none", "", 0, ERROR_PREFIX "InvalidArgument", "machine type");
  domcaps_refused (f, "", "aarch64", "", "", 0, ERROR_PREFIX "InvalidArgument", "arch 'aarch64'");
  domcaps_refused (f, "/bin/sh", "", "", "", 0, ERROR_PREFIX "InvalidArgument",
                   "emulator '/bin/sh'");
  domcaps_refused (f, "", "", "", "xen", 0, ERROR_PREFIX "InvalidArgument", "virttype 'xen'");
  domcaps_refused (f, "", "", "", "", 1, ERROR_PREFIX "InvalidArgument", "flags");
}

static void
test_test_domain_capabilities (Fixture *f, gconstpointer data)
{
  g_autofree char *caps = domcaps (f, "", "", "q35", "test");

  g_assert_nonnull (strstr (caps, "<domain>test</domain>"));
  g_assert_nonnull (strstr (caps, "<machine>pc-q35-7.2</machine>"));
  g_assert_nonnull (strstr (caps, "<arch>x86_64</arch>"));
  domcaps_refused (f, "", "", "vb-no-such-machine", "test", 0, ERROR_PREFIX "InvalidArgument",
                   "machine type");
  domcaps_refused (f, "/usr/bin/qemu-system-x86_64", "", "", "test", 0,
                   ERROR_PREFIX "InvalidArgument", "emulator");
}

/* Every stored domain says its arch and machine (Cockpit drops a VM whose
 * XML lacks either), QEMU's canonical name for an alias. */
static void
test_effective_os_type (Fixture *f, gconstpointer data)
{
  g_autofree char *bare = g_strdup ("<domain type='test'><name>bare</name>"
                                    "<memory unit='MiB'>64</memory></domain>");
  g_autofree char *aliased = g_strdup ("<domain type='test'><name>aliased</name>"
                                       "<memory unit='MiB'>64</memory>"
                                       "<os><type machine='q35'>hvm</type></os></domain>");
  g_autofree char *qemu = qemu_domain ("qemu-bare", "pc", "", "", "");
  g_autofree char *path = NULL;
  g_autofree char *xml = NULL;

  path = vb_test_call_path (f->env, MANAGER, IFACE_MANAGER, "DefineDomain",
                            g_variant_new ("(su)", bare, 0));
  xml = vb_test_get_xml (f->env, path, IFACE_DOMAIN, 0);
  g_assert_nonnull (strstr (xml, "<type arch='x86_64' machine='pc-i440fx-7.2'>hvm</type>"));
  g_free (path);
  g_free (xml);
  path = vb_test_call_path (f->env, MANAGER, IFACE_MANAGER, "DefineDomain",
                            g_variant_new ("(su)", aliased, 0));
  xml = vb_test_get_xml (f->env, path, IFACE_DOMAIN, 0);
  g_assert_nonnull (strstr (xml, "<type machine='pc-q35-7.2' arch='x86_64'>hvm</type>"));
  g_free (path);
  g_free (xml);

  /* QEMU: no arch and the alias pc. */
  g_assert_nonnull (strstr (qemu, "<type machine='pc'>"));
  path = vb_test_call_path (f->env, MANAGER, IFACE_MANAGER, "DefineDomain",
                            g_variant_new ("(su)", qemu, 0));
  xml = vb_test_get_xml (f->env, path, IFACE_DOMAIN, 0);
  g_assert_true (
    g_regex_match_simple ("<type machine='pc-i440fx-[0-9.]+' arch='x86_64'>hvm</type>", xml, 0, 0));

  vb_test_call_expect_error_saying (
    f->env, MANAGER, IFACE_MANAGER, "DefineDomain",
    g_variant_new ("(su)",
                   "<domain type='test'><name>odd</name><memory>65536</memory>"
                   "<os><type machine='vb-no-such-machine'>hvm</type></os></domain>",
                   0),
    ERROR_PREFIX "NotSupported", "machine type 'vb-no-such-machine'");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
#define ADD(name, func) g_test_add (name, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("/host-facts/node-info", test_node_info);
  ADD ("/host-facts/memory-stats", test_memory_stats);
  ADD ("/host-facts/host-interfaces", test_host_interfaces);
  ADD ("/host-facts/node-devices", test_node_devices);
  ADD ("/host-facts/qemu-domain-capabilities", test_qemu_domain_capabilities);
  ADD ("/host-facts/test-domain-capabilities", test_test_domain_capabilities);
  ADD ("/host-facts/effective-os-type", test_effective_os_type);
  return g_test_run ();
}
