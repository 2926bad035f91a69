/* The XML model as a client sees it: what virt-install and virt-manager write
 * is accepted and kept byte for byte, defaults are filled in, and everything
 * else is refused with a message that names the element and its line. */
#include <string.h>
#include <unistd.h>

#include <glib.h>
#include <glib/gstdio.h>

#include "domain-def.h"
#include "network-def.h"
#include "pool-def.h"
#include "vb-error.h"
#include "volume-def.h"
#include "xml-def-asserts.h"

/* ------------------------------------------------------------------------ */
/* The samples in tests/xml/ */

static char *
sample_dir (void)
{
  const char *dir = g_getenv ("VB_TEST_XML_DIR");

  if (dir != NULL && *dir != '\0')
    return g_strdup (dir);
  return g_test_build_filename (G_TEST_DIST, "xml", NULL);
}

static Kind
kind_of_sample (const char *file)
{
  if (g_str_has_prefix (file, "domain-"))
    return KIND_DOMAIN;
  if (g_str_has_prefix (file, "network-"))
    return KIND_NETWORK;
  if (g_str_has_prefix (file, "pool-"))
    return KIND_POOL;
  if (g_str_has_prefix (file, "volume-"))
    return KIND_VOLUME;
  g_error ("sample %s: its name must start with domain-, network-, pool- or volume-", file);
}

/* Samples are stored canonical: parsing one must give back its exact bytes,
 * and parsing that again must too. */
static void
test_sample_round_trip (gconstpointer data)
{
  const char *file = data;
  g_autofree char *dir = sample_dir ();
  g_autofree char *path = g_build_filename (dir, file, NULL);
  g_autofree char *xml = NULL;
  g_autofree char *once = NULL;
  g_autofree char *twice = NULL;
  g_autoptr (GError) error = NULL;

  g_assert_true (g_file_get_contents (path, &xml, NULL, &error));
  g_assert_no_error (error);

  once = canonical (kind_of_sample (file), xml, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (once, ==, xml);

  twice = canonical (kind_of_sample (file), once, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (twice, ==, once);
}

static int
compare_names (gconstpointer a, gconstpointer b)
{
  return strcmp (*(const char *const *) a, *(const char *const *) b);
}

static GPtrArray *
list_samples (void)
{
  g_autofree char *dir_path = sample_dir ();
  g_autoptr (GDir) dir = g_dir_open (dir_path, 0, NULL);
  GPtrArray *files = g_ptr_array_new_with_free_func (g_free);
  const char *name;

  if (dir == NULL)
    return files;
  while ((name = g_dir_read_name (dir)) != NULL)
    if (g_str_has_suffix (name, ".xml"))
      g_ptr_array_add (files, g_strdup (name));
  g_ptr_array_sort (files, compare_names);
  return files;
}

static gboolean
has_sample_prefix (GPtrArray *files, const char *prefix)
{
  for (guint i = 0; i < files->len; i++)
    if (g_str_has_prefix (g_ptr_array_index (files, i), prefix))
      return TRUE;
  return FALSE;
}

/* A missing sample directory must fail the suite, not skip every case. */
static void
test_samples_present (gconstpointer data)
{
  GPtrArray *files = (GPtrArray *) data;

  g_assert_cmpuint (files->len, >=, 10);
  g_assert_true (has_sample_prefix (files, "domain-"));
  g_assert_true (has_sample_prefix (files, "network-"));
  g_assert_true (has_sample_prefix (files, "pool-"));
  g_assert_true (has_sample_prefix (files, "volume-"));
}

static void
test_sample_fields (void)
{
  g_autofree char *dir = sample_dir ();
  g_autofree char *path = g_build_filename (dir, "domain-kvm-q35.xml", NULL);
  g_autofree char *xml = NULL;
  g_autoptr (VbDomainDef) def = NULL;
  g_autoptr (VbDomainDef) copy = NULL;
  g_autoptr (GError) error = NULL;

  g_assert_true (g_file_get_contents (path, &xml, NULL, NULL));
  def = vb_domain_def_parse (xml, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (def->name, ==, "fedora39");
  g_assert_cmpstr (def->uuid, ==, "5e4fd3b2-8a5f-4c43-9d2c-6f0b1a3e7c21");
  g_assert_cmpstr (def->type, ==, "kvm");
  g_assert_cmpstr (def->title, ==, "Fedora 39 workstation");
  g_assert_cmpuint (def->memory_kib, ==, 4194304);
  g_assert_cmpuint (def->current_memory_kib, ==, 4194304);
  g_assert_cmpuint (def->vcpus, ==, 4);

  copy = vb_domain_def_copy (def);
  g_assert_true (copy->xml != def->xml);
  g_assert_cmpstr (copy->xml, ==, def->xml);
  g_assert_cmpstr (copy->name, ==, def->name);
  g_assert_cmpstr (copy->uuid, ==, def->uuid);
  g_assert_cmpstr (copy->type, ==, def->type);
  g_assert_cmpstr (copy->title, ==, def->title);
  g_assert_cmpuint (copy->memory_kib, ==, def->memory_kib);
  g_assert_cmpuint (copy->vcpus, ==, def->vcpus);
}

/* ------------------------------------------------------------------------ */
/* Domains: defaults and canonical form */

static gboolean
is_lower_uuid (const char *uuid)
{
  return uuid != NULL && strlen (uuid) == 36 && g_uuid_string_is_valid (uuid) &&
         strspn (uuid, "0123456789abcdef-") == 36;
}

static void
test_domain_defaults (void)
{
  const char *xml = "<domain type='kvm'>\n"
                    "  <name>bare</name>\n"
                    "  <memory>1024</memory>\n"
                    "  <devices>\n"
                    "    <interface type='network'>\n"
                    "      <source network='default'/>\n"
                    "    </interface>\n"
                    "    <interface type='user'/>\n"
                    "  </devices>\n"
                    "</domain>\n";
  g_autoptr (GError) error = NULL;
  g_autoptr (VbDomainDef) def = vb_domain_def_parse (xml, &error);
  g_autoptr (VbDomainDef) again = NULL;
  g_autofree char *expected_head = NULL;
  g_autoptr (GRegex) mac_re = g_regex_new ("<mac address='(52:54:00:[0-9a-f]{2}:[0-9a-f]{2}:[0-9a-f]{2})'/>",
                                           0, 0, NULL);
  g_autoptr (GMatchInfo) match = NULL;
  g_autofree char *first_mac = NULL;
  g_autofree char *second_mac = NULL;

  g_assert_no_error (error);
  g_assert_true (is_lower_uuid (def->uuid));
  g_assert_cmpuint (def->memory_kib, ==, 1024);
  g_assert_cmpuint (def->current_memory_kib, ==, 1024);
  g_assert_cmpuint (def->vcpus, ==, 1);
  g_assert_null (def->title);

  /* Defaults land where libvirt writes them: uuid after name, the sizes in
   * KiB, vcpu after currentMemory, the MAC first in each interface. */
  expected_head = g_strdup_printf ("<domain type='kvm'>\n"
                                   "  <name>bare</name>\n"
                                   "  <uuid>%s</uuid>\n"
                                   "  <memory unit='KiB'>1024</memory>\n"
                                   "  <currentMemory unit='KiB'>1024</currentMemory>\n"
                                   "  <vcpu>1</vcpu>\n"
                                   "  <devices>\n"
                                   "    <interface type='network'>\n"
                                   "      <mac address='52:54:00:",
                                   def->uuid);
  g_assert_true (g_str_has_prefix (def->xml, expected_head));

  g_assert_true (g_regex_match (mac_re, def->xml, 0, &match));
  first_mac = g_match_info_fetch (match, 1);
  g_assert_true (g_match_info_next (match, NULL));
  second_mac = g_match_info_fetch (match, 1);
  g_assert_cmpstr (first_mac, !=, second_mac);
  g_assert_false (g_match_info_next (match, NULL));

  /* The filled-in XML is stable: storing and reloading changes nothing. */
  again = vb_domain_def_parse (def->xml, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (again->xml, ==, def->xml);
  g_assert_cmpstr (again->uuid, ==, def->uuid);
}

static void
test_domain_random_uuids_differ (void)
{
  const char *xml = "<domain type='test'><name>a</name><memory>1</memory></domain>";
  g_autoptr (VbDomainDef) a = vb_domain_def_parse (xml, NULL);
  g_autoptr (VbDomainDef) b = vb_domain_def_parse (xml, NULL);

  g_assert_nonnull (a);
  g_assert_nonnull (b);
  g_assert_cmpstr (a->uuid, !=, b->uuid);
}

typedef struct {
  const char *unit;
  const char *value;
  guint64 kib;
} UnitCase;

static void
test_domain_units (void)
{
  static const UnitCase cases[] = {
    { NULL, "2048", 2048 },
    { "b", "1", 1 }, /* rounded up to whole KiB, as libvirt does */
    { "bytes", "4096", 4 },
    { "bytes", "4097", 5 },
    { "KB", "1000", 977 },
    { "k", "512", 512 },
    { "KiB", "512", 512 },
    { "MB", "1", 977 },
    { "M", "2", 2048 },
    { "MiB", "2", 2048 },
    { "GB", "1", 976563 },
    { "G", "4", 4194304 },
    { "GiB", "4", 4194304 },
    { "T", "1", G_GUINT64_CONSTANT (1073741824) },
    { "TiB", "2", G_GUINT64_CONSTANT (2147483648) },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autofree char *unit_attr =
      cases[i].unit != NULL ? g_strdup_printf (" unit='%s'", cases[i].unit) : g_strdup ("");
    g_autofree char *xml =
      g_strdup_printf ("<domain type='qemu'><name>u</name><memory%s>%s</memory>"
                       "<currentMemory%s>%s</currentMemory></domain>",
                       unit_attr, cases[i].value, unit_attr, cases[i].value);
    g_autofree char *expected = g_strdup_printf ("<memory unit='KiB'>%" G_GUINT64_FORMAT "</memory>",
                                                 cases[i].kib);
    g_autoptr (GError) error = NULL;
    g_autoptr (VbDomainDef) def = vb_domain_def_parse (xml, &error);

    g_test_message ("unit %s, value %s", cases[i].unit, cases[i].value);
    g_assert_no_error (error);
    g_assert_cmpuint (def->memory_kib, ==, cases[i].kib);
    g_assert_cmpuint (def->current_memory_kib, ==, cases[i].kib);
    assert_contains (def->xml, expected);
  }
}

static void
test_domain_current_memory_clamped (void)
{
  const char *xml = "<domain type='kvm'><name>c</name><memory unit='MiB'>1</memory>"
                    "<currentMemory unit='GiB'>1</currentMemory></domain>";
  g_autoptr (GError) error = NULL;
  g_autoptr (VbDomainDef) def = vb_domain_def_parse (xml, &error);

  g_assert_no_error (error);
  g_assert_cmpuint (def->current_memory_kib, ==, 1024);
  assert_contains (def->xml, "<currentMemory unit='KiB'>1024</currentMemory>");
}

static void
test_domain_uuid_normalised (void)
{
  const char *upper = "<domain type='kvm'><name>u</name>"
                      "<uuid>5E4FD3B2-8A5F-4C43-9D2C-6F0B1A3E7C21</uuid><memory>1</memory></domain>";
  const char *plain = "<domain type='kvm'><name>u</name>"
                      "<uuid>5e4fd3b28a5f4c439d2c6f0b1a3e7c21</uuid><memory>1</memory></domain>";
  g_autoptr (VbDomainDef) a = vb_domain_def_parse (upper, NULL);
  g_autoptr (VbDomainDef) b = vb_domain_def_parse (plain, NULL);

  g_assert_nonnull (a);
  g_assert_nonnull (b);
  g_assert_cmpstr (a->uuid, ==, "5e4fd3b2-8a5f-4c43-9d2c-6f0b1a3e7c21");
  g_assert_cmpstr (b->uuid, ==, a->uuid);
  assert_contains (a->xml, "<uuid>5e4fd3b2-8a5f-4c43-9d2c-6f0b1a3e7c21</uuid>");
}

static void
test_domain_live_xml (void)
{
  const char *xml = "<domain type='kvm' id='12'>\n"
                    "  <name>live</name>\n"
                    "  <uuid>0b6f1a7e-3c2d-4e5f-8a9b-c0d1e2f3a4b5</uuid>\n"
                    "  <memory unit='KiB'>1024</memory>\n"
                    "  <currentMemory unit='KiB'>1024</currentMemory>\n"
                    "  <vcpu>1</vcpu>\n"
                    "</domain>\n";
  g_autoptr (GError) error = NULL;
  g_autoptr (VbDomainDef) def = vb_domain_def_parse (xml, &error);
  g_autofree char *live = NULL;
  g_autofree char *inactive = NULL;
  g_autofree char *without_id = g_strconcat ("<domain type='kvm'>", strchr (xml, '\n'), NULL);

  g_assert_no_error (error);
  /* id= is live-only: dropped from the definition. */
  g_assert_cmpstr (def->xml, ==, without_id);

  live = vb_domain_def_format_live (def, 7);
  g_assert_true (g_str_has_prefix (live, "<domain type='kvm' id='7'>\n"));
  g_assert_cmpstr (live + strlen ("<domain type='kvm' id='7'>"), ==,
                   def->xml + strlen ("<domain type='kvm'>"));

  inactive = vb_domain_def_format_live (def, -1);
  g_assert_cmpstr (inactive, ==, def->xml);
}

/* Input in any layout comes out in the one canonical layout. */
static void
test_domain_canonical_form (void)
{
  const char *xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                    "<!-- made by hand -->\n"
                    "<domain type=\"test\"><name>c&amp;c</name>"
                    "<uuid>0b6f1a7e-3c2d-4e5f-8a9b-c0d1e2f3a4b5</uuid>\n"
                    "      <description><![CDATA[a <b> & 'c']]></description>"
                    "<memory unit=\"KiB\">1024</memory><currentMemory unit='KiB'>1024</currentMemory>"
                    "<vcpu>1</vcpu><!-- comment -->"
                    "<metadata><app:x xmlns:app=\"urn:example\" app:k=\"v&quot;'\">mixed <b/>text</app:x>"
                    "</metadata>"
                    "<devices><emulator>/usr/bin/qemu\tx</emulator>"
                    "<disk type='file' device='cdrom'><target dev='sda' bus='sata'/></disk>"
                    "</devices></domain>";
  const char *expected = "<domain type='test'>\n"
                         "  <name>c&amp;c</name>\n"
                         "  <uuid>0b6f1a7e-3c2d-4e5f-8a9b-c0d1e2f3a4b5</uuid>\n"
                         "  <description>a &lt;b&gt; &amp; 'c'</description>\n"
                         "  <memory unit='KiB'>1024</memory>\n"
                         "  <currentMemory unit='KiB'>1024</currentMemory>\n"
                         "  <vcpu>1</vcpu>\n"
                         "  <metadata>\n"
                         "    <app:x xmlns:app='urn:example' app:k='v&quot;&apos;'>mixed <b/>text</app:x>\n"
                         "  </metadata>\n"
                         "  <devices>\n"
                         "    <emulator>/usr/bin/qemu\tx</emulator>\n"
                         "    <disk type='file' device='cdrom'>\n"
                         "      <target dev='sda' bus='sata'/>\n"
                         "    </disk>\n"
                         "  </devices>\n"
                         "</domain>\n";
  g_autoptr (GError) error = NULL;
  g_autoptr (VbDomainDef) def = vb_domain_def_parse (xml, &error);
  g_autoptr (VbDomainDef) again = NULL;

  g_assert_no_error (error);
  g_assert_cmpstr (def->name, ==, "c&c");
  g_assert_cmpstr (def->xml, ==, expected);
  again = vb_domain_def_parse (def->xml, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (again->xml, ==, expected);
}

/* What virt-install sends (before libvirt ever formats it): double quotes,
 * no indices or addresses, devices in its own order. */
static void
test_domain_virt_install_input (void)
{
  const char *xml =
    "<domain type=\"kvm\">\n"
    "  <name>rocky9</name>\n"
    "  <metadata>\n"
    "    <libosinfo:libosinfo xmlns:libosinfo=\"http://libosinfo.org/xmlns/libvirt/domain/1.0\">\n"
    "      <libosinfo:os id=\"http://rockylinux.org/rocky/9\"/>\n"
    "    </libosinfo:libosinfo>\n"
    "  </metadata>\n"
    "  <memory>2097152</memory>\n"
    "  <currentMemory>2097152</currentMemory>\n"
    "  <vcpu>2</vcpu>\n"
    "  <os firmware=\"efi\">\n"
    "    <type arch=\"x86_64\" machine=\"q35\">hvm</type>\n"
    "    <firmware>\n"
    "      <feature enabled=\"no\" name=\"enrolled-keys\"/>\n"
    "    </firmware>\n"
    "    <boot dev=\"hd\"/>\n"
    "  </os>\n"
    "  <features>\n"
    "    <acpi/>\n"
    "    <apic/>\n"
    "    <vmport state=\"off\"/>\n"
    "    <smm state=\"on\"/>\n"
    "  </features>\n"
    "  <cpu mode=\"host-passthrough\"/>\n"
    "  <clock offset=\"utc\">\n"
    "    <timer name=\"rtc\" tickpolicy=\"catchup\"/>\n"
    "    <timer name=\"pit\" tickpolicy=\"delay\"/>\n"
    "    <timer name=\"hpet\" present=\"no\"/>\n"
    "  </clock>\n"
    "  <pm>\n"
    "    <suspend-to-mem enabled=\"no\"/>\n"
    "    <suspend-to-disk enabled=\"no\"/>\n"
    "  </pm>\n"
    "  <devices>\n"
    "    <emulator>/usr/bin/qemu-system-x86_64</emulator>\n"
    "    <disk type=\"file\" device=\"disk\">\n"
    "      <driver name=\"qemu\" type=\"qcow2\" discard=\"unmap\"/>\n"
    "      <source file=\"/var/lib/libvirt/images/rocky9.qcow2\"/>\n"
    "      <target dev=\"vda\" bus=\"virtio\"/>\n"
    "    </disk>\n"
    "    <disk type=\"file\" device=\"cdrom\">\n"
    "      <driver name=\"qemu\" type=\"raw\"/>\n"
    "      <source file=\"/var/lib/libvirt/boot/Rocky-9-x86_64-dvd.iso\"/>\n"
    "      <target dev=\"sda\" bus=\"sata\"/>\n"
    "      <readonly/>\n"
    "    </disk>\n"
    "    <controller type=\"usb\" model=\"qemu-xhci\" ports=\"15\"/>\n"
    "    <controller type=\"pci\" model=\"pcie-root\"/>\n"
    "    <controller type=\"pci\" model=\"pcie-root-port\"/>\n"
    "    <interface type=\"network\">\n"
    "      <source network=\"default\"/>\n"
    "      <mac address=\"52:54:00:9c:4e:17\"/>\n"
    "      <model type=\"virtio\"/>\n"
    "    </interface>\n"
    "    <console type=\"pty\"/>\n"
    "    <channel type=\"unix\">\n"
    "      <source mode=\"bind\"/>\n"
    "      <target type=\"virtio\" name=\"org.qemu.guest_agent.0\"/>\n"
    "    </channel>\n"
    "    <channel type=\"spicevmc\">\n"
    "      <target type=\"virtio\" name=\"com.redhat.spice.0\"/>\n"
    "    </channel>\n"
    "    <input type=\"tablet\" bus=\"usb\"/>\n"
    "    <graphics type=\"spice\" port=\"-1\" tlsPort=\"-1\" autoport=\"yes\">\n"
    "      <image compression=\"off\"/>\n"
    "    </graphics>\n"
    "    <sound model=\"ich9\"/>\n"
    "    <video>\n"
    "      <model type=\"qxl\"/>\n"
    "    </video>\n"
    "    <redirdev bus=\"usb\" type=\"spicevmc\"/>\n"
    "    <redirdev bus=\"usb\" type=\"spicevmc\"/>\n"
    "    <memballoon model=\"virtio\"/>\n"
    "    <rng model=\"virtio\">\n"
    "      <backend model=\"random\">/dev/urandom</backend>\n"
    "    </rng>\n"
    "  </devices>\n"
    "</domain>\n";
  g_autoptr (GError) error = NULL;
  g_autoptr (VbDomainDef) def = vb_domain_def_parse (xml, &error);
  g_autoptr (VbDomainDef) again = NULL;

  g_assert_no_error (error);
  g_assert_cmpstr (def->name, ==, "rocky9");
  g_assert_cmpuint (def->memory_kib, ==, 2097152);
  g_assert_cmpuint (def->vcpus, ==, 2);
  assert_contains (def->xml, "<memory unit='KiB'>2097152</memory>\n"
                             "  <currentMemory unit='KiB'>2097152</currentMemory>\n"
                             "  <vcpu>2</vcpu>\n");
  assert_contains (def->xml, "    <libosinfo:libosinfo "
                             "xmlns:libosinfo='http://libosinfo.org/xmlns/libvirt/domain/1.0'>\n"
                             "      <libosinfo:os id='http://rockylinux.org/rocky/9'/>\n"
                             "    </libosinfo:libosinfo>\n");
  again = vb_domain_def_parse (def->xml, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (again->xml, ==, def->xml);
}

/* ------------------------------------------------------------------------ */
/* Domains: refusals */

/* A domain whose <devices> holds @devices, starting at line 6. */
static char *
domain_with_devices (const char *devices)
{
  return g_strdup_printf ("<domain type='kvm'>\n"
                          "  <name>t</name>\n"
                          "  <memory>1024</memory>\n"
                          "  <vcpu>1</vcpu>\n"
                          "  <devices>\n"
                          "%s"
                          "  </devices>\n"
                          "</domain>\n",
                          devices);
}

static void
assert_devices_refused (const char *devices, const char *fragment)
{
  g_autofree char *xml = domain_with_devices (devices);

  assert_invalid_xml (KIND_DOMAIN, xml, fragment);
}

static void
test_domain_unknown_element (void)
{
  assert_devices_refused ("    <disk type='file' device='disk'>\n"
                          "      <target dev='vda'/>\n"
                          "    </disk>\n"
                          "    <foo/>\n",
                          "unsupported element <foo> at line 9 (domain/devices/foo)");
  assert_devices_refused ("    <tpm model='tpm-crb'/>\n",
                          "unsupported element <tpm> at line 6 (domain/devices/tpm)");
  assert_invalid_xml (KIND_DOMAIN,
                      "<domain type='kvm'>\n  <name>t</name>\n  <memory>1</memory>\n"
                      "  <memoryBacking/>\n</domain>",
                      "unsupported element <memoryBacking> at line 4 (domain/memoryBacking)");
  /* Hypervisor pass-through via namespaces stays out. */
  assert_invalid_xml (KIND_DOMAIN,
                      "<domain type='kvm' xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'>"
                      "<name>t</name><memory>1</memory></domain>",
                      "unsupported namespace declaration on <domain> at line 1");
  assert_invalid_xml (KIND_DOMAIN,
                      "<domain type='kvm'><name>t</name><memory>1</memory>\n"
                      "<devices xmlns='urn:other'/></domain>",
                      "unsupported element <devices> in namespace 'urn:other' at line 2");
  assert_invalid_xml (KIND_DOMAIN,
                      "<domain type='kvm'><name>t</name><memory>1</memory>\n"
                      "<qemu:commandline xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'/>"
                      "</domain>",
                      "unsupported element <qemu:commandline> at line 2");
}

static void
test_domain_unknown_attribute (void)
{
  assert_devices_refused ("    <disk type='file' device='disk' bar='1'>\n"
                          "      <target dev='vda'/>\n"
                          "    </disk>\n",
                          "unsupported attribute 'bar' on <disk> at line 6");
  assert_invalid_xml (KIND_DOMAIN,
                      "<domain type='kvm'><name>t</name><memory dumpCore='on'>1</memory></domain>",
                      "unsupported attribute 'dumpCore' on <memory> at line 1");
}

static void
test_domain_bad_values (void)
{
  assert_devices_refused ("    <disk type='network' device='disk'>\n"
                          "      <target dev='vda'/>\n"
                          "    </disk>\n",
                          "invalid value 'network' for attribute 'type' on <disk> at line 6: "
                          "expected one of file, block, volume");
  assert_devices_refused ("    <disk type='file'>\n"
                          "      <target dev='vda' bus='nvme'/>\n"
                          "    </disk>\n",
                          "invalid value 'nvme' for attribute 'bus' on <target> at line 7");
  assert_devices_refused ("    <interface type='direct'/>\n",
                          "invalid value 'direct' for attribute 'type' on <interface> at line 6");
  assert_devices_refused ("    <controller type='usb' index='first'/>\n",
                          "invalid value 'first' for attribute 'index' on <controller> at line 6: "
                          "expected an unsigned decimal integer");
  assert_devices_refused ("    <graphics type='rdp'/>\n",
                          "invalid value 'rdp' for attribute 'type' on <graphics>");
  assert_invalid_xml (KIND_DOMAIN,
                      "<domain type='xen'><name>t</name><memory>1</memory></domain>",
                      "invalid value 'xen' for attribute 'type' on <domain> at line 1: "
                      "expected one of test, qemu, kvm");
  assert_invalid_xml (KIND_DOMAIN,
                      "<domain type='kvm'><name>t</name><memory>1</memory>\n"
                      "<on_crash>explode</on_crash></domain>",
                      "invalid value 'explode' in <on_crash> at line 2");
  assert_invalid_xml (KIND_DOMAIN,
                      "<domain type='kvm'><name>t</name><memory unit='kB'>1</memory></domain>",
                      "invalid value 'kB' for attribute 'unit' on <memory>");
  assert_invalid_xml (KIND_DOMAIN,
                      "<domain type='kvm'><name>t</name><memory>12 MiB</memory></domain>",
                      "invalid value '12 MiB' in <memory> at line 1");
  assert_invalid_xml (KIND_DOMAIN,
                      "<domain type='kvm'><name>t</name><memory>1</memory>\n"
                      "<title>two\nlines</title></domain>",
                      "<title> at line 2 must be a single line");
  assert_invalid_xml (KIND_DOMAIN,
                      "<domain type='kvm'><name>t</name><memory>1</memory>\n"
                      "<devices>text</devices></domain>",
                      "unexpected text 'text' in <devices> at line 2");
}

static void
test_domain_missing_parts (void)
{
  assert_invalid_xml (KIND_DOMAIN, "<domain><name>t</name><memory>1</memory></domain>",
                      "missing attribute 'type' on <domain> at line 1");
  assert_invalid_xml (KIND_DOMAIN, "<domain type='kvm'><memory>1</memory></domain>",
                      "missing element <name> in <domain>");
  assert_invalid_xml (KIND_DOMAIN, "<domain type='kvm'><name>t</name></domain>",
                      "missing element <memory> in <domain>");
  assert_devices_refused ("    <disk type='file'/>\n", "missing element <target> in <disk> at line 6");
  assert_devices_refused ("    <disk type='file'>\n"
                          "      <source dev='/dev/sda'/>\n"
                          "      <target dev='vda'/>\n"
                          "    </disk>\n",
                          "missing attribute 'file' on <source> at line 7");
  assert_devices_refused ("    <interface type='bridge'/>\n",
                          "missing element <source> in <interface type='bridge'> at line 6");
}

static void
test_domain_repeated_element (void)
{
  assert_invalid_xml (KIND_DOMAIN,
                      "<domain type='kvm'>\n<name>a</name>\n<name>b</name><memory>1</memory></domain>",
                      "element <name> at line 3 (domain/name) may appear only once in <domain>");
  assert_devices_refused ("    <memballoon model='virtio'/>\n"
                          "    <memballoon model='none'/>\n",
                          "element <memballoon> at line 7");
}

static void
test_domain_bad_uuid (void)
{
  static const char *const bad[] = {
    "not-a-uuid",
    "5e4fd3b2-8a5f-4c43-9d2c-6f0b1a3e7c2",   /* one digit short */
    "5e4fd3b2-8a5f-4c43-9d2c-6f0b1a3e7c211", /* one digit long */
    "5e4fd3b28a5f-4c43-9d2c-6f0b1a3e7c21",   /* dashes in part */
    "5e4fd3b2-8a5f-4c43-9d2c-6f0b1a3e7cg1",  /* not hex */
    "",
  };

  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++) {
    g_autofree char *xml = g_strdup_printf ("<domain type='kvm'>\n  <name>u</name>\n"
                                            "  <uuid>%s</uuid>\n  <memory>1</memory>\n</domain>",
                                            bad[i]);

    assert_invalid_xml (KIND_DOMAIN, xml, "in <uuid> at line 3");
  }
}

static void
test_domain_bad_names (void)
{
  g_autofree char *long_name = g_strnfill (201, 'n');
  g_autofree char *max_name = g_strnfill (200, 'n');
  const char *const bad[][2] = {
    { "", "must not be empty" },
    { ".hidden", "must not start with '.'" },
    { "a/b", "must not contain '/'" },
    { "tab&#9;in", "must not contain control characters" },
    { "bell&#127;", "must not contain control characters" },
    { long_name, "must be at most 200 bytes long" },
  };
  g_autofree char *ok_xml = g_strdup_printf (
    "<domain type='kvm'><name>%s</name><memory>1</memory></domain>", max_name);
  g_autoptr (VbDomainDef) ok = vb_domain_def_parse (ok_xml, NULL);
  g_autoptr (VbDomainDef) spaced =
    vb_domain_def_parse ("<domain type='kvm'><name>my vm – ünïcode</name><memory>1</memory></domain>",
                         NULL);

  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++) {
    g_autofree char *xml = g_strdup_printf ("<domain type='kvm'>\n  <name>%s</name>\n"
                                            "  <memory>1</memory>\n</domain>",
                                            bad[i][0]);

    assert_invalid_xml (KIND_DOMAIN, xml, "in <name> at line 2");
    assert_invalid_xml (KIND_DOMAIN, xml, bad[i][1]);
  }
  g_assert_nonnull (ok);
  g_assert_nonnull (spaced);
  g_assert_cmpstr (spaced->name, ==, "my vm – ünïcode");
}

static void
test_domain_bad_sizes (void)
{
  assert_invalid_xml (KIND_DOMAIN,
                      "<domain type='kvm'><name>t</name>\n<memory>0</memory></domain>",
                      "<memory> at line 2 must be greater than 0");
  assert_invalid_xml (KIND_DOMAIN,
                      "<domain type='kvm'><name>t</name><memory unit='EiB'>100</memory></domain>",
                      "the value of <memory> at line 1 is too large");
  assert_invalid_xml (KIND_DOMAIN,
                      "<domain type='kvm'><name>t</name><memory>1</memory>\n<vcpu>0</vcpu></domain>",
                      "<vcpu> at line 2 must be between 1 and 4096, not 0");
  assert_invalid_xml (KIND_DOMAIN,
                      "<domain type='kvm'><name>t</name><memory>1</memory><vcpu>4097</vcpu></domain>",
                      "must be between 1 and 4096, not 4097");
  assert_invalid_xml (KIND_DOMAIN,
                      "<domain type='kvm'><name>t</name><memory>1</memory>"
                      "<vcpu current='3'>2</vcpu></domain>",
                      "attribute 'current' on <vcpu> at line 1 must be between 1 and 2");
  assert_invalid_xml (KIND_DOMAIN,
                      "<domain type='kvm'><name>t</name><memory>1</memory><vcpu>4</vcpu>"
                      "<cpu><topology sockets='1' cores='2' threads='1'/></cpu></domain>",
                      "gives 2 vCPUs but <vcpu> is 4");
}

static void
test_domain_devices_checked (void)
{
  assert_devices_refused ("    <interface type='user'>\n"
                          "      <mac address='52:54:00:zz:00:01'/>\n"
                          "    </interface>\n",
                          "invalid MAC address '52:54:00:zz:00:01' on <mac> at line 7");
  assert_devices_refused ("    <interface type='user'>\n"
                          "      <mac address='01:00:5e:00:00:01'/>\n"
                          "    </interface>\n",
                          "expected a unicast address");
  assert_devices_refused ("    <disk type='file'><target dev='vda'/></disk>\n"
                          "    <disk type='file'><target dev='vda'/></disk>\n",
                          "disk target 'vda' at line 7 is already used by another disk");
  assert_devices_refused ("    <hostdev mode='subsystem' type='pci'>\n"
                          "      <source><address bus='0x3b' slot='0x02' function='0x4'/></source>\n"
                          "      <teaming type='transient' persistent='ua-nothere'/>\n"
                          "    </hostdev>\n",
                          "<teaming> at line 8 names 'ua-nothere'");
  assert_devices_refused ("    <interface type='user'>\n"
                          "      <alias name='net0'/>\n"
                          "    </interface>\n",
                          "invalid alias 'net0' on <alias> at line 7: a user alias starts with 'ua-'");
  assert_devices_refused ("    <interface type='user'>\n"
                          "      <teaming type='transient'/>\n"
                          "    </interface>\n",
                          "missing attribute 'persistent' on <teaming> at line 7");

  assert_invalid_xml (KIND_DOMAIN,
                      "<domain type='kvm'><name>t</name><memory>1</memory>\n"
                      "<os><type>hvm</type><boot dev='hd'/></os><devices>"
                      "<disk type='file'><target dev='vda'/><boot order='1'/></disk>"
                      "</devices></domain>",
                      "<boot> at line 2 in <os> cannot be combined with per-device <boot order=");
}

static void
test_domain_mac_normalised (void)
{
  g_autofree char *xml = domain_with_devices ("    <interface type='user'>\n"
                                              "      <mac address='52:54:00:AB:CD:EF'/>\n"
                                              "    </interface>\n");
  g_autoptr (VbDomainDef) def = vb_domain_def_parse (xml, NULL);

  g_assert_nonnull (def);
  assert_contains (def->xml, "<mac address='52:54:00:ab:cd:ef'/>");
}

/* ------------------------------------------------------------------------ */
/* Documents libxml2 must never get to harm */

static void
test_malformed (void)
{
  assert_invalid_xml (KIND_DOMAIN, "<domain type='kvm'>\n  <name>t</nam>\n</domain>",
                      "malformed XML at line 2:");
  assert_invalid_xml (KIND_DOMAIN, "<domain type='kvm'>\n<name>t</name>\n<memory>1",
                      "malformed XML at line 3");
  assert_invalid_xml (KIND_DOMAIN, "<domain type='kvm' type='qemu'/>", "malformed XML at line 1");
  assert_invalid_xml (KIND_DOMAIN, "<domain type='kvm'><name>&nbsp;</name></domain>",
                      "Entity 'nbsp' not defined");
  assert_invalid_xml (KIND_DOMAIN, "<domain/><domain/>", "malformed XML at line 1");
  assert_invalid_xml (KIND_DOMAIN, "just text", "malformed XML at line 1");
}

/* A parse failure reaches the caller as a GError and nothing else: the
 * service's stderr is its journal, not libxml2's. */
static void
test_malformed_is_silent (void)
{
  g_autofree char *path = NULL;
  g_autofree char *captured = NULL;
  g_autoptr (GError) error = NULL;
  int saved = dup (STDERR_FILENO);
  int fd = g_file_open_tmp ("vb-stderr-XXXXXX", &path, NULL);
  VbDomainDef *def;

  g_assert_cmpint (fd, >=, 0);
  fflush (stderr);
  dup2 (fd, STDERR_FILENO);
  def = vb_domain_def_parse ("<domain type='kvm'>\n<name>t</nam></domain>", &error);
  vb_network_def_free (vb_network_def_parse ("<network><name>a</network>", NULL));
  vb_pool_def_free (vb_pool_def_parse ("<pool type='dir'><name>\xff</name></pool>", NULL));
  fflush (stderr);
  dup2 (saved, STDERR_FILENO);
  close (saved);
  close (fd);

  g_assert_null (def);
  g_assert_error (error, VB_ERROR, VB_ERROR_INVALID_XML);
  g_assert_true (g_file_get_contents (path, &captured, NULL, NULL));
  g_assert_cmpstr (captured, ==, "");
  g_unlink (path);
}

static void
test_invalid_utf8 (void)
{
  assert_invalid_xml (KIND_DOMAIN,
                      "<domain type='kvm'>\n  <name>caf\xe9</name>\n  <memory>1</memory>\n</domain>",
                      "not valid UTF-8: bad byte 0xe9 at line 2");
  assert_invalid_xml (KIND_NETWORK, "<network><name>\xc3\x28</name></network>",
                      "not valid UTF-8");
  /* Declaring another encoding does not make Latin-1 bytes acceptable. */
  assert_invalid_xml (KIND_DOMAIN,
                      "<?xml version='1.0' encoding='ISO-8859-1'?>\n"
                      "<domain type='kvm'><name>caf\xe9</name><memory>1</memory></domain>",
                      "not valid UTF-8");
}

static void
test_empty_document (void)
{
  assert_invalid_xml (KIND_DOMAIN, "", "the XML document is empty");
  assert_invalid_xml (KIND_DOMAIN, "  \n\t\n", "the XML document is empty");
  assert_invalid_xml (KIND_POOL, "", "the XML document is empty");
}

static void
test_wrong_root (void)
{
  assert_invalid_xml (KIND_DOMAIN, "<network><name>n</name></network>",
                      "expected the root element <domain> but found <network> at line 1");
  assert_invalid_xml (KIND_NETWORK, "<domain type='kvm'/>",
                      "expected the root element <network> but found <domain>");
  assert_invalid_xml (KIND_POOL, "\n<volume/>", "expected the root element <pool> but found <volume> at line 2");
  assert_invalid_xml (KIND_VOLUME, "<pool type='dir'/>", "expected the root element <volume>");
  assert_invalid_xml (KIND_DOMAIN, "<x:domain xmlns:x='urn:x' type='kvm'/>",
                      "expected the root element <domain> but found <x:domain>");
}

static void
test_oversized_document (void)
{
  gsize size = 17 * 1024 * 1024;
  g_autoptr (GString) xml = g_string_sized_new (size + 128);

  g_string_append (xml, "<domain type='kvm'><name>big</name><memory>1</memory><description>");
  while (xml->len < size)
    g_string_append (xml, "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");
  g_string_append (xml, "</description></domain>");

  assert_invalid_xml (KIND_DOMAIN, xml->str, "the XML document is too large");
  assert_invalid_xml (KIND_DOMAIN, xml->str, "the limit is 16 MiB");
}

static void
test_billion_laughs (void)
{
  const char *xml = "<?xml version='1.0'?>\n"
                    "<!DOCTYPE domain [\n"
                    "  <!ENTITY lol 'lol'>\n"
                    "  <!ENTITY lol1 '&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;'>\n"
                    "  <!ENTITY lol2 '&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;'>\n"
                    "  <!ENTITY lol3 '&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;'>\n"
                    "  <!ENTITY lol4 '&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;'>\n"
                    "  <!ENTITY lol5 '&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;'>\n"
                    "  <!ENTITY lol6 '&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;'>\n"
                    "  <!ENTITY lol7 '&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;'>\n"
                    "  <!ENTITY lol8 '&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;'>\n"
                    "  <!ENTITY lol9 '&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;'>\n"
                    "]>\n"
                    "<domain type='kvm'><name>t</name><memory>1</memory>"
                    "<description>&lol9;</description></domain>\n";
  gint64 start = g_get_monotonic_time ();

  assert_invalid_xml (KIND_DOMAIN, xml, "a DOCTYPE declaration at line 2 is not allowed");
  /* Refused before anything expands: far below a second. */
  g_assert_cmpint (g_get_monotonic_time () - start, <, G_USEC_PER_SEC);
}

static void
test_external_entity (void)
{
  g_autofree char *secret_path = NULL;
  g_autofree char *xml = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (VbDomainDef) def = NULL;
  int fd = g_file_open_tmp ("vb-secret-XXXXXX", &secret_path, NULL);

  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpint (write (fd, "TOP-SECRET", 10), ==, 10);
  close (fd);

  xml = g_strdup_printf ("<!DOCTYPE domain [<!ENTITY xxe SYSTEM 'file://%s'>]>\n"
                         "<domain type='kvm'><name>&xxe;</name><memory>1</memory></domain>",
                         secret_path);
  def = vb_domain_def_parse (xml, &error);
  g_assert_null (def);
  g_assert_error (error, VB_ERROR, VB_ERROR_INVALID_XML);
  assert_contains (error->message, "DOCTYPE");
  g_assert_null (strstr (error->message, "TOP-SECRET"));

  /* An external DTD is not fetched either. */
  assert_invalid_xml (KIND_DOMAIN,
                      "<!DOCTYPE domain SYSTEM 'http://example.invalid/domain.dtd'>\n"
                      "<domain type='kvm'><name>t</name><memory>1</memory></domain>",
                      "DOCTYPE declaration at line 1 is not allowed");
  g_unlink (secret_path);
}

/* Parsing happens in worker threads: each parse must see only its own
 * errors, whatever the others are doing. */
typedef struct {
  guint index;
  gboolean ok;
} ThreadCase;

static gpointer
parse_in_thread (gpointer data)
{
  ThreadCase *c = data;

  c->ok = TRUE;
  for (guint round = 0; round < 200 && c->ok; round++) {
    g_autoptr (GError) error = NULL;
    g_autofree char *padding = g_strnfill (c->index, '\n');
    g_autofree char *bad = g_strdup_printf ("<domain type='kvm'>%s<name>x</nam></domain>", padding);
    g_autofree char *expected = g_strdup_printf ("malformed XML at line %u:", c->index + 1);
    g_autofree char *good = g_strdup_printf ("<domain type='kvm'><name>vm%u</name><memory>1</memory>"
                                             "</domain>",
                                             c->index);
    g_autoptr (VbDomainDef) def = vb_domain_def_parse (good, NULL);
    g_autoptr (VbDomainDef) none = vb_domain_def_parse (bad, &error);

    c->ok = def != NULL && none == NULL && error != NULL &&
            strstr (error->message, expected) != NULL;
  }
  return NULL;
}

static void
test_parallel_parsing (void)
{
  ThreadCase cases[8];
  GThread *threads[G_N_ELEMENTS (cases)];

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    cases[i].index = i + 1;
    threads[i] = g_thread_new ("parse", parse_in_thread, &cases[i]);
  }
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_thread_join (threads[i]);
    g_assert_true (cases[i].ok);
  }
}

/* ------------------------------------------------------------------------ */
/* Networks */

static void
test_network_fields (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (VbNetworkDef) nat = vb_network_def_parse (
    "<network><name>n</name><forward/><bridge name='virbr9'/>"
    "<ip address='192.168.9.1' netmask='255.255.255.0'/></network>",
    &error);
  g_autoptr (VbNetworkDef) isolated = NULL;
  g_autoptr (VbNetworkDef) copy = NULL;

  g_assert_no_error (error);
  g_assert_cmpstr (nat->name, ==, "n");
  g_assert_true (is_lower_uuid (nat->uuid));
  g_assert_cmpstr (nat->bridge, ==, "virbr9");
  /* A bare <forward/> means NAT, and the stored XML says so. */
  g_assert_cmpstr (nat->forward_mode, ==, "nat");
  assert_contains (nat->xml, "<forward mode='nat'/>");
  assert_contains (nat->xml, "  <uuid>");

  isolated = vb_network_def_parse ("<network connections='3'><name>iso</name></network>", &error);
  g_assert_no_error (error);
  g_assert_null (isolated->forward_mode);
  g_assert_null (isolated->bridge);
  g_assert_true (g_str_has_prefix (isolated->xml, "<network>\n  <name>iso</name>\n"));

  copy = vb_network_def_copy (nat);
  g_assert_cmpstr (copy->xml, ==, nat->xml);
  g_assert_cmpstr (copy->bridge, ==, nat->bridge);
  g_assert_cmpstr (copy->forward_mode, ==, nat->forward_mode);
  g_assert_cmpstr (copy->uuid, ==, nat->uuid);
}

static void
test_network_refusals (void)
{
  assert_invalid_xml (KIND_NETWORK, "<network><name>n</name>\n<forward mode='passthrough'/></network>",
                      "invalid value 'passthrough' for attribute 'mode' on <forward> at line 2");
  assert_invalid_xml (KIND_NETWORK, "<network><name>n</name><portgroup name='x'/></network>",
                      "unsupported element <portgroup> at line 1 (network/portgroup)");
  assert_invalid_xml (KIND_NETWORK, "<network><name>n</name><bridge name='br0' zone='x'/></network>",
                      "unsupported attribute 'zone' on <bridge>");
  assert_invalid_xml (KIND_NETWORK, "<network><name>a/b</name></network>",
                      "must not contain '/'");
  assert_invalid_xml (KIND_NETWORK, "<network><uuid>xyz</uuid><name>n</name></network>",
                      "invalid UUID 'xyz' in <uuid>");
  assert_invalid_xml (KIND_NETWORK, "<network><bridge/></network>", "missing element <name> in <network>");
  assert_invalid_xml (KIND_NETWORK,
                      "<network><name>n</name><ip address='10.0.0.1' netmask='255.0.0.0' prefix='8'/>"
                      "</network>",
                      "has both 'netmask' and 'prefix'");
  assert_invalid_xml (KIND_NETWORK,
                      "<network><name>n</name><ip address='10.0.0.1' netmask='255.0.255.0'/></network>",
                      "expected a contiguous netmask");
  assert_invalid_xml (KIND_NETWORK,
                      "<network><name>n</name><ip address='10.0.0.300' prefix='24'/></network>",
                      "invalid value '10.0.0.300' for attribute 'address' on <ip>");
  assert_invalid_xml (KIND_NETWORK,
                      "<network><name>n</name><ip family='ipv6' address='10.0.0.1' prefix='64'/>"
                      "</network>",
                      "expected an IPv6 address");
  assert_invalid_xml (KIND_NETWORK,
                      "<network><name>n</name><ip address='10.0.0.1' prefix='33'/></network>",
                      "expected 1 to 32");
  assert_invalid_xml (KIND_NETWORK,
                      "<network><name>n</name><ip address='10.0.0.1' prefix='24'><dhcp>\n"
                      "<range start='10.0.1.2' end='10.0.0.9'/></dhcp></ip></network>",
                      "address 10.0.1.2 of 'start' on <range> at line 2 is outside the network's");
  assert_invalid_xml (KIND_NETWORK,
                      "<network><name>n</name><ip address='10.0.0.1' prefix='24'><dhcp>"
                      "<range start='10.0.0.9' end='10.0.0.2'/></dhcp></ip></network>",
                      "starts after it ends");
  assert_invalid_xml (KIND_NETWORK,
                      "<network><name>n</name><ip address='10.0.0.1' prefix='24'><dhcp>"
                      "<host mac='zz' ip='10.0.0.5'/></dhcp></ip></network>",
                      "invalid MAC address 'zz' on <host>");
  assert_invalid_xml (KIND_NETWORK,
                      "<network><name>n</name><bridge name='a-very-long-bridge-name'/></network>",
                      "invalid bridge name 'a-very-long-bridge-name'");
  assert_invalid_xml (KIND_NETWORK, "<network><name>n</name><forward mode='bridge'/></network>",
                      "<forward mode='bridge'> at line 1 needs <bridge name=");
  assert_invalid_xml (KIND_NETWORK,
                      "<network><name>n</name><forward mode='bridge'/><bridge name='br0'/>"
                      "<ip address='10.0.0.1' prefix='24'/></network>",
                      "cannot be used with <forward mode='bridge'>");
  assert_invalid_xml (KIND_NETWORK, "<network><name>n</name><dns><host ip='nope'/></dns></network>",
                      "invalid value 'nope' for attribute 'ip' on <host>");
}

/* ------------------------------------------------------------------------ */
/* Pools */

static void
test_pool_fields (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (VbPoolDef) dir = vb_pool_def_parse (
    "<pool type='dir'>\n"
    "  <name>images</name>\n"
    "  <capacity unit='bytes'>100</capacity>\n"
    "  <allocation unit='bytes'>50</allocation>\n"
    "  <available unit='bytes'>50</available>\n"
    "  <source/>\n"
    "  <target>\n"
    "    <path>/srv//images/</path>\n"
    "  </target>\n"
    "</pool>\n",
    &error);
  g_autoptr (VbPoolDef) test = NULL;
  g_autoptr (VbPoolDef) copy = NULL;
  g_autofree char *expected = NULL;

  g_assert_no_error (error);
  g_assert_cmpstr (dir->type, ==, "dir");
  g_assert_cmpstr (dir->name, ==, "images");
  g_assert_cmpstr (dir->target_path, ==, "/srv/images");
  g_assert_true (is_lower_uuid (dir->uuid));
  /* Sizes are live values: not part of the stored definition. */
  expected = g_strdup_printf ("<pool type='dir'>\n"
                              "  <name>images</name>\n"
                              "  <uuid>%s</uuid>\n"
                              "  <source/>\n"
                              "  <target>\n"
                              "    <path>/srv/images</path>\n"
                              "  </target>\n"
                              "</pool>\n",
                              dir->uuid);
  g_assert_cmpstr (dir->xml, ==, expected);

  test = vb_pool_def_parse ("<pool type='test'><name>t</name></pool>", &error);
  g_assert_no_error (error);
  g_assert_null (test->target_path);

  copy = vb_pool_def_copy (dir);
  g_assert_cmpstr (copy->xml, ==, dir->xml);
  g_assert_cmpstr (copy->target_path, ==, dir->target_path);
  g_assert_cmpstr (copy->type, ==, dir->type);
}

static void
test_pool_refusals (void)
{
  assert_invalid_xml (KIND_POOL, "<pool type='dir'><name>p</name></pool>",
                      "missing element <path> in <target>");
  assert_invalid_xml (KIND_POOL,
                      "<pool type='dir'><name>p</name><target>\n<path>images</path></target></pool>",
                      "invalid path 'images' in <path> at line 2: expected an absolute path");
  assert_invalid_xml (KIND_POOL, "<pool type='logical'><name>p</name></pool>",
                      "invalid value 'logical' for attribute 'type' on <pool> at line 1: "
                      "expected one of dir, test");
  assert_invalid_xml (KIND_POOL, "<pool><name>p</name></pool>", "missing attribute 'type' on <pool>");
  assert_invalid_xml (KIND_POOL,
                      "<pool type='dir'><name>p</name><source><device path='/dev/sda'/></source>"
                      "</pool>",
                      "unsupported element <device> at line 1 (pool/source/device)");
  assert_invalid_xml (KIND_POOL,
                      "<pool type='dir'><name>p</name><target><path>/p</path><permissions>"
                      "<mode>0789</mode></permissions></target></pool>",
                      "invalid value '0789' in <mode>");
  assert_invalid_xml (KIND_POOL,
                      "<pool type='dir'><name>p</name><target><path>/p</path><permissions>"
                      "<mode>17777</mode></permissions></target></pool>",
                      "expected octal permissions up to 7777");
  assert_invalid_xml (KIND_POOL, "<pool type='test'><name>.p</name></pool>",
                      "must not start with '.'");
}

/* ------------------------------------------------------------------------ */
/* Volumes */

static void
test_volume_defaults (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (VbVolumeDef) raw = vb_volume_def_parse (
    "<volume>\n"
    "  <name>disk.img</name>\n"
    "  <key>/somewhere/else</key>\n"
    "  <capacity unit='G'>10</capacity>\n"
    "  <target>\n"
    "    <path>/somewhere/else</path>\n"
    "  </target>\n"
    "</volume>\n",
    &error);
  g_autoptr (VbVolumeDef) qcow2 = NULL;
  g_autoptr (VbVolumeDef) bytes = NULL;
  g_autoptr (VbVolumeDef) copy = NULL;

  g_assert_no_error (error);
  g_assert_cmpstr (raw->name, ==, "disk.img");
  g_assert_cmpstr (raw->format, ==, "raw");
  g_assert_cmpuint (raw->capacity, ==, G_GUINT64_CONSTANT (10737418240));
  g_assert_cmpuint (raw->allocation, ==, raw->capacity);
  /* key and path are the pool's choice: dropped; the defaults written out. */
  g_assert_cmpstr (raw->xml, ==,
                   "<volume>\n"
                   "  <name>disk.img</name>\n"
                   "  <capacity unit='bytes'>10737418240</capacity>\n"
                   "  <allocation unit='bytes'>10737418240</allocation>\n"
                   "  <target>\n"
                   "    <format type='raw'/>\n"
                   "  </target>\n"
                   "</volume>\n");

  qcow2 = vb_volume_def_parse ("<volume><name>q</name><capacity unit='MiB'>1</capacity>"
                               "<target><format type='qcow2'/></target></volume>",
                               &error);
  g_assert_no_error (error);
  g_assert_cmpstr (qcow2->format, ==, "qcow2");
  g_assert_cmpuint (qcow2->capacity, ==, 1048576);
  g_assert_cmpuint (qcow2->allocation, ==, 0);

  /* Without unit= a volume size is in bytes; allocation is capped. */
  bytes = vb_volume_def_parse ("<volume><name>b</name><capacity>4096</capacity>"
                               "<allocation unit='KiB'>8</allocation></volume>",
                               &error);
  g_assert_no_error (error);
  g_assert_cmpuint (bytes->capacity, ==, 4096);
  g_assert_cmpuint (bytes->allocation, ==, 4096);

  copy = vb_volume_def_copy (qcow2);
  g_assert_cmpstr (copy->xml, ==, qcow2->xml);
  g_assert_cmpstr (copy->format, ==, qcow2->format);
  g_assert_cmpuint (copy->capacity, ==, qcow2->capacity);
}

static void
test_volume_format (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (VbVolumeDef) def = vb_volume_def_parse (
    "<volume><name>x.qcow2</name><capacity>1048576</capacity>"
    "<target><format type='qcow2'/><permissions><mode>0600</mode></permissions></target></volume>",
    &error);
  g_autofree char *xml = NULL;
  g_autofree char *bare_xml = NULL;
  VbVolumeDef bare = { NULL, (char *) "found.img", (char *) "raw", 512, 256 };

  g_assert_no_error (error);
  xml = vb_volume_def_format (def, "/var/lib/virtbus/images/x.qcow2",
                              "/var/lib/virtbus/images/x.qcow2");
  g_assert_cmpstr (xml, ==,
                   "<volume type='file'>\n"
                   "  <name>x.qcow2</name>\n"
                   "  <key>/var/lib/virtbus/images/x.qcow2</key>\n"
                   "  <capacity unit='bytes'>1048576</capacity>\n"
                   "  <allocation unit='bytes'>0</allocation>\n"
                   "  <target>\n"
                   "    <path>/var/lib/virtbus/images/x.qcow2</path>\n"
                   "    <format type='qcow2'/>\n"
                   "    <permissions>\n"
                   "      <mode>0600</mode>\n"
                   "    </permissions>\n"
                   "  </target>\n"
                   "</volume>\n");

  /* A volume the storage driver found on disk has no stored XML. */
  bare_xml = vb_volume_def_format (&bare, "k&y", "/p/found.img");
  g_assert_cmpstr (bare_xml, ==,
                   "<volume type='file'>\n"
                   "  <name>found.img</name>\n"
                   "  <key>k&amp;y</key>\n"
                   "  <capacity unit='bytes'>512</capacity>\n"
                   "  <allocation unit='bytes'>256</allocation>\n"
                   "  <target>\n"
                   "    <path>/p/found.img</path>\n"
                   "    <format type='raw'/>\n"
                   "  </target>\n"
                   "</volume>\n");
}

static void
test_volume_refusals (void)
{
  g_autofree char *long_name = g_strnfill (256, 'v');
  g_autofree char *long_xml =
    g_strdup_printf ("<volume><name>%s</name><capacity>1</capacity></volume>", long_name);
  g_autofree char *max_xml = NULL;
  g_autoptr (VbVolumeDef) max = NULL;

  assert_invalid_xml (KIND_VOLUME,
                      "<volume><name>v</name><capacity>1</capacity>\n"
                      "<backingStore><path>/base.qcow2</path></backingStore></volume>",
                      "unsupported element <backingStore> at line 2 (volume/backingStore)");
  assert_invalid_xml (KIND_VOLUME, "<volume><name>v</name></volume>",
                      "missing element <capacity> in <volume>");
  assert_invalid_xml (KIND_VOLUME,
                      "<volume><name>v</name><capacity>1</capacity><target><format type='vmdk'/>"
                      "</target></volume>",
                      "invalid value 'vmdk' for attribute 'type' on <format>");
  assert_invalid_xml (KIND_VOLUME, "<volume type='block'><name>v</name><capacity>1</capacity></volume>",
                      "invalid value 'block' for attribute 'type' on <volume>");
  assert_invalid_xml (KIND_VOLUME, "<volume><name>v</name><capacity>-1</capacity></volume>",
                      "invalid value '-1' in <capacity>");

  /* Names become file names: a bad one is a bad argument. */
  assert_refused (KIND_VOLUME, "<volume><name>../etc</name><capacity>1</capacity></volume>",
                  VB_ERROR_INVALID_ARGUMENT, "must not contain '/'");
  assert_refused (KIND_VOLUME, "<volume><name>.hidden</name><capacity>1</capacity></volume>",
                  VB_ERROR_INVALID_ARGUMENT, "must not start with '.'");
  assert_refused (KIND_VOLUME, "<volume><name>a&#10;b</name><capacity>1</capacity></volume>",
                  VB_ERROR_INVALID_ARGUMENT, "control characters");
  assert_refused (KIND_VOLUME, "<volume><name></name><capacity>1</capacity></volume>",
                  VB_ERROR_INVALID_ARGUMENT, "must not be empty");
  assert_refused (KIND_VOLUME, long_xml, VB_ERROR_INVALID_ARGUMENT, "at most 255 bytes");

  max_xml = g_strdup_printf ("<volume><name>%.255s</name><capacity>1</capacity></volume>",
                             long_name);
  max = vb_volume_def_parse (max_xml, NULL);
  g_assert_nonnull (max);
}

/* ------------------------------------------------------------------------ */

int
main (int argc, char **argv)
{
  g_autoptr (GPtrArray) samples = NULL;

  g_test_init (&argc, &argv, NULL);

  samples = list_samples ();
  g_test_add_data_func ("/xml-defs/samples/present", samples, test_samples_present);
  for (guint i = 0; i < samples->len; i++) {
    const char *file = g_ptr_array_index (samples, i);
    g_autofree char *path = g_strdup_printf ("/xml-defs/samples/round-trip/%s", file);

    g_test_add_data_func (path, file, test_sample_round_trip);
  }
  g_test_add_func ("/xml-defs/samples/fields", test_sample_fields);

  g_test_add_func ("/xml-defs/domain/defaults", test_domain_defaults);
  g_test_add_func ("/xml-defs/domain/random-uuids-differ", test_domain_random_uuids_differ);
  g_test_add_func ("/xml-defs/domain/units", test_domain_units);
  g_test_add_func ("/xml-defs/domain/current-memory-clamped", test_domain_current_memory_clamped);
  g_test_add_func ("/xml-defs/domain/uuid-normalised", test_domain_uuid_normalised);
  g_test_add_func ("/xml-defs/domain/mac-normalised", test_domain_mac_normalised);
  g_test_add_func ("/xml-defs/domain/live-xml", test_domain_live_xml);
  g_test_add_func ("/xml-defs/domain/canonical-form", test_domain_canonical_form);
  g_test_add_func ("/xml-defs/domain/virt-install-input", test_domain_virt_install_input);
  g_test_add_func ("/xml-defs/domain/unknown-element", test_domain_unknown_element);
  g_test_add_func ("/xml-defs/domain/unknown-attribute", test_domain_unknown_attribute);
  g_test_add_func ("/xml-defs/domain/bad-values", test_domain_bad_values);
  g_test_add_func ("/xml-defs/domain/missing-parts", test_domain_missing_parts);
  g_test_add_func ("/xml-defs/domain/repeated-element", test_domain_repeated_element);
  g_test_add_func ("/xml-defs/domain/bad-uuid", test_domain_bad_uuid);
  g_test_add_func ("/xml-defs/domain/bad-names", test_domain_bad_names);
  g_test_add_func ("/xml-defs/domain/bad-sizes", test_domain_bad_sizes);
  g_test_add_func ("/xml-defs/domain/devices-checked", test_domain_devices_checked);

  g_test_add_func ("/xml-defs/parser/malformed", test_malformed);
  g_test_add_func ("/xml-defs/parser/malformed-is-silent", test_malformed_is_silent);
  g_test_add_func ("/xml-defs/parser/invalid-utf8", test_invalid_utf8);
  g_test_add_func ("/xml-defs/parser/empty-document", test_empty_document);
  g_test_add_func ("/xml-defs/parser/wrong-root", test_wrong_root);
  g_test_add_func ("/xml-defs/parser/oversized-document", test_oversized_document);
  g_test_add_func ("/xml-defs/parser/billion-laughs", test_billion_laughs);
  g_test_add_func ("/xml-defs/parser/external-entity", test_external_entity);
  g_test_add_func ("/xml-defs/parser/parallel", test_parallel_parsing);

  g_test_add_func ("/xml-defs/network/fields", test_network_fields);
  g_test_add_func ("/xml-defs/network/refusals", test_network_refusals);
  g_test_add_func ("/xml-defs/pool/fields", test_pool_fields);
  g_test_add_func ("/xml-defs/pool/refusals", test_pool_refusals);
  g_test_add_func ("/xml-defs/volume/defaults", test_volume_defaults);
  g_test_add_func ("/xml-defs/volume/format", test_volume_format);
  g_test_add_func ("/xml-defs/volume/refusals", test_volume_refusals);

  return g_test_run ();
}
