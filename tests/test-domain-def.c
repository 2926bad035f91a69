/* Domain XML as a client sees it: what virt-install and virt-manager write is
 * accepted, defaults are filled in, any layout comes out in the one canonical
 * layout, and everything else is refused with a message that names the
 * element and its line. The samples, the parser's guards, networks, pools and
 * volumes are in test-xml-defs.c. */
#include <string.h>

#include <glib.h>

#include "domain-def.h"
#include "domain-def-edit.h"
#include "domain-vcpus.h"
#include "secret-def.h"
#include "vb-error.h"
#include "xml-schema.h"
#include "xml-def-asserts.h"

/* ------------------------------------------------------------------------ */
/* Domains: defaults and canonical form */

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
  assert_devices_refused (
    "    <tpm model='tpm-crb'>\n"
    "      <backend type='emulator'>\n"
    "        <bogus name='default-v1'/>\n"
    "      </backend>\n"
    "    </tpm>\n",
    "unsupported element <bogus> at line 8 (domain/devices/tpm/backend/bogus)");
  assert_invalid_xml (KIND_DOMAIN,
                      "<domain type='kvm'>\n  <name>t</name>\n  <memory>1</memory>\n"
                      "  <memtune><min_guarantee>1</min_guarantee></memtune>\n</domain>",
                      "unsupported element <min_guarantee> at line 4 "
                      "(domain/memtune/min_guarantee)");
  /* Other namespaces stay out (libvirt's QEMU namespace: test-domain-passthrough.c). */
  assert_invalid_xml (KIND_DOMAIN,
                      "<domain type='kvm'><name>t</name><memory>1</memory>\n"
                      "<devices xmlns='urn:other'/></domain>",
                      "unsupported element <devices> in namespace 'urn:other' at line 2");
  assert_invalid_xml (KIND_DOMAIN,
                      "<domain type='kvm' xmlns:x='urn:x'><name>t</name><memory>1</memory>\n"
                      "<devices><x:thing/></devices></domain>",
                      "unsupported element <x:thing> at line 2 (domain/devices/x:thing)");
}

static void
test_domain_unknown_attribute (void)
{
  assert_devices_refused ("    <disk type='file' device='disk' bar='1'>\n"
                          "      <target dev='vda'/>\n"
                          "    </disk>\n",
                          "unsupported attribute 'bar' on <disk> at line 6");
  assert_invalid_xml (KIND_DOMAIN,
                      "<domain type='kvm'><name>t</name><memory dumpCore='yes'>1</memory></domain>",
                      "invalid value 'yes' for attribute 'dumpCore' on <memory> at line 1");
}

static void
test_domain_bad_values (void)
{
  assert_devices_refused ("    <disk type='vhostdisk' device='disk'>\n"
                          "      <target dev='vda'/>\n"
                          "    </disk>\n",
                          "invalid value 'vhostdisk' for attribute 'type' on <disk> at line 6: "
                          "expected one of file, block, volume, network, nvme, dir, vhostuser");
  /* A vhostuser disk names its back end's socket. */
  assert_devices_refused ("    <disk type='vhostuser' device='disk'>\n"
                          "      <source type='unix'/>\n"
                          "      <target dev='vda'/>\n"
                          "    </disk>\n",
                          "missing attribute 'path' on <source> at line 7");
  assert_devices_refused ("    <disk type='file'>\n"
                          "      <target dev='vda' bus='xen'/>\n"
                          "    </disk>\n",
                          "invalid value 'xen' for attribute 'bus' on <target> at line 7");
  assert_devices_refused ("    <interface type='vds'/>\n",
                          "invalid value 'vds' for attribute 'type' on <interface> at line 6");
  assert_devices_refused ("    <controller type='usb' index='first'/>\n",
                          "invalid value 'first' for attribute 'index' on <controller> at line 6: "
                          "expected an unsigned decimal integer");
  assert_devices_refused ("    <graphics type='vmware'/>\n",
                          "invalid value 'vmware' for attribute 'type' on <graphics>");
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
    /* C1 controls are control characters too (docs/xml-subset.md). */
    { "next&#133;line", "must not contain control characters (U+0085)" },
    { "c1&#128;", "must not contain control characters (U+0080)" },
    { "c1&#159;", "must not contain control characters (U+009F)" },
    /* Invisible ones would make two names look alike. */
    { "zero&#8203;width", "must not contain invisible format characters (U+200B)" },
    { "evil&#8238;gpj.exe", "must not contain invisible format characters (U+202E)" },
    { "bom&#65279;", "must not contain invisible format characters (U+FEFF)" },
    { "line&#8232;sep", "must not contain invisible format characters (U+2028)" },
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
  /* Past 64 bits: refused with an error like any other out-of-range count. */
  assert_invalid_xml (KIND_DOMAIN,
                      "<domain type='kvm'><name>t</name><memory>1</memory>\n"
                      "<vcpu>18446744073709551616</vcpu></domain>",
                      "<vcpu> at line 2 must be between 1 and 4096, not '18446744073709551616'");
  assert_invalid_xml (KIND_DOMAIN,
                      "<domain type='kvm'><name>t</name><memory>1</memory>"
                      "<vcpu current='99999999999999999999'>2</vcpu></domain>",
                      "attribute 'current' on <vcpu> at line 1 must be between 1 and 2");
  /* Fits in bytes, but not once rounded up to KiB and read back as bytes. */
  assert_invalid_xml (KIND_DOMAIN,
                      "<domain type='kvm'><name>t</name>\n"
                      "<memory unit='b'>18446744073709550593</memory></domain>",
                      "the value of <memory> at line 2 is too large");
  assert_invalid_xml (KIND_DOMAIN,
                      "<domain type='kvm'><name>t</name><memory>1</memory>\n"
                      "<currentMemory unit='bytes'>18446744073709551615</currentMemory></domain>",
                      "the value of <currentMemory> at line 2 is too large");
}

/* libvirt's live XML names every device (<alias name='virtio-disk0'/>); a
 * definition keeps only user aliases, so the live XML a client read back can
 * be defined. The live parse (status file, save image) keeps them all. */
static void
test_domain_generated_aliases (void)
{
  static const char xml[] =
    "<domain type='qemu'><name>a</name><memory>1024</memory><devices>"
    "<disk type='file'><source file='/a.img'/><target dev='vda'/><alias name='disk-vda'/></disk>"
    "<disk type='file'><source file='/b.img'/><target dev='vdb'/><alias name='ua-data'/></disk>"
    "<controller type='usb' index='0'><alias name='usb'/></controller>"
    "<interface type='user'><mac address='52:54:00:00:00:01'/><alias name='net0'/></interface>"
    "<video><model type='vga'/><alias name='video0'/></video>"
    "</devices></domain>";
  g_autoptr (GError) error = NULL;
  g_autoptr (VbDomainDef) live = vb_domain_def_parse_live (xml, &error);
  g_autoptr (VbDomainDef) stored = NULL;

  g_assert_no_error (error);
  g_assert_nonnull (strstr (live->xml, "<alias name='disk-vda'/>"));
  g_assert_nonnull (strstr (live->xml, "<alias name='usb'/>"));
  g_assert_nonnull (strstr (live->xml, "<alias name='net0'/>"));
  g_assert_nonnull (strstr (live->xml, "<alias name='video0'/>"));
  g_assert_nonnull (strstr (live->xml, "<alias name='ua-data'/>"));

  stored = vb_domain_def_parse (xml, &error);
  g_assert_no_error (error);
  g_assert_null (strstr (stored->xml, "disk-vda"));
  g_assert_null (strstr (stored->xml, "net0"));
  g_assert_null (strstr (stored->xml, "video0"));
  g_assert_null (strstr (stored->xml, "<alias name='usb'/>"));
  g_assert_nonnull (strstr (stored->xml, "<alias name='ua-data'/>"));

  /* Generated or not, an alias names one device. */
  {
    g_autoptr (VbDomainDef) twice =
      vb_domain_def_parse_live ("<domain type='qemu'><name>a</name><memory>1024</memory><devices>"
                                "<disk type='file'><target dev='vda'/><alias name='x0'/></disk>"
                                "<disk type='file'><target dev='vdb'/><alias name='x0'/></disk>"
                                "</devices></domain>",
                                &error);
    g_assert_error (error, VB_ERROR, VB_ERROR_INVALID_XML);
    g_assert_null (twice);
  }
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
                          "      <alias name='ua-'/>\n"
                          "    </interface>\n",
                          "invalid alias 'ua-' on <alias> at line 7");
  assert_devices_refused ("    <disk type='file'><target dev='vda'/><alias name='ua-a'/></disk>\n"
                          "    <interface type='user'><alias name='ua-a'/></interface>\n",
                          "alias 'ua-a' at line 7 is already used by another device");
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

/* What a check of the canonical XML reports is mapped back to the lines
 * of the caller's document. */
static void
test_domain_source_lines (void)
{
  const char *xml = "<domain type='kvm'><name>one</name><memory>1</memory>"
                    "<devices><disk type='file' device='disk'><source file='/a'/>"
                    "<target dev='vda'/></disk></devices></domain>";
  g_autoptr (GError) error = NULL;
  g_autoptr (VbDomainDef) def = vb_domain_def_parse (xml, &error);
  g_autoptr (GError) refusal = NULL;
  const char *target;
  long canonical_line = 1;

  g_assert_no_error (error);
  g_assert_nonnull (def->source_lines);
  target = strstr (def->xml, "<target");
  g_assert_nonnull (target);
  for (const char *p = def->xml; p < target; p++)
    canonical_line += *p == '\n';
  g_assert_cmpint (canonical_line, >, 1);
  refusal = g_error_new (VB_ERROR, VB_ERROR_NOT_SUPPORTED, "<target> at line %ld: no", canonical_line);
  vb_xml_error_map_lines (refusal, def->source_lines);
  g_assert_cmpstr (refusal->message, ==, "<target> at line 1: no");
}

/* ------------------------------------------------------------------------ */
/* Start-up: the first number parsed while other threads start */

#define FIRST_PARSE_ARG "--first-number-parse"

static volatile gint hammer_stop;

/* What the service's other threads do while it loads the definitions
 * (register types, initialise statics): a first-time g_once each, which
 * takes GLib's one g_once mutex. */
static gpointer
hammer_once_mutex (gpointer data)
{
  while (!g_atomic_int_get (&hammer_stop))
    {
      gsize *location = g_new0 (gsize, 1);

      if (g_once_init_enter (location))
        g_once_init_leave (location, 1);
      g_free (location);
    }
  return NULL;
}

/* In a fresh process, as at start-up: the first number this process parses
 * is the first definition's <memory>. Exits 0 if it was read. */
static int
first_number_parse (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (VbDomainDef) def = NULL;
  GThread *threads[2];

  for (guint i = 0; i < G_N_ELEMENTS (threads); i++)
    threads[i] = g_thread_new ("hammer", hammer_once_mutex, NULL);
  g_usleep (200);
  def = vb_domain_def_parse ("<domain type='test'><name>t</name><memory>194560</memory></domain>",
                             &error);
  g_atomic_int_set (&hammer_stop, 1);
  for (guint i = 0; i < G_N_ELEMENTS (threads); i++)
    g_thread_join (threads[i]);
  if (def == NULL)
    {
      g_printerr ("%s\n", error->message);
      return 1;
    }
  return 0;
}

/* Issue 3b: a stored definition was once refused at start-up with "invalid
 * value '194560' in <memory> ... expected an unsigned decimal integer".
 * g_ascii_string_to_unsigned() sets errno to 0, calls g_ascii_strtoull() and
 * refuses the text if errno is then set. The first g_ascii_strtoull() of a
 * process makes GLib's C locale under g_once, whose mutex, when another
 * thread holds it, can leave errno at EAGAIN (GLib 2.74's futex wait does not
 * restore it). One to four processes in sixty failed here before the fix;
 * all sixty must read the number. */
static void
test_domain_first_number_while_threads_start (void)
{
  g_autofree char *self = g_file_read_link ("/proc/self/exe", NULL);
  guint failed = 0;

  g_assert_nonnull (self);
  for (guint i = 0; i < 60; i++)
    {
      const char *argv[] = { self, FIRST_PARSE_ARG, NULL };
      g_autofree char *err = NULL;
      g_autoptr (GError) error = NULL;
      int status = 0;

      g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, NULL,
                                   &err, &status, &error));
      g_assert_no_error (error);
      if (!g_spawn_check_wait_status (status, NULL))
        {
          failed++;
          g_test_message ("run %u: %s", i, err);
        }
    }
  g_assert_cmpuint (failed, ==, 0);
}

/* ------------------------------------------------------------------------ */
/* <vcpus>: the state of each vCPU */

/* A domain of @vcpu (the whole <vcpu> element) and @vcpus (<vcpus>' content). */
static char *
vcpus_domain (const char *vcpu, const char *vcpus)
{
  return g_strdup_printf ("<domain type='kvm'><name>t</name><memory>1024</memory>\n"
                          "%s\n<vcpus>\n%s</vcpus>\n</domain>\n",
                          vcpu, vcpus);
}

static guint
hotplugged_at (const VbDomainDef *def, guint i)
{
  g_autoptr (GArray) ids = vb_domain_def_hotplugged_vcpus (def);

  g_assert_cmpuint (i, <, ids->len);
  return g_array_index (ids, guint, i);
}

/* libvirt's example: ids in any order, hotpluggable= from its default; out
 * in id order with every attribute, parsed again the same. */
static void
test_domain_vcpus_canonical (void)
{
  g_autofree char *xml = vcpus_domain ("<vcpu placement='static' current='3'>4</vcpu>",
                                       "<vcpu id='3' enabled='yes' hotpluggable='yes' order='2'/>\n"
                                       "<vcpu id='2' enabled='no'/>\n"
                                       "<vcpu id='1' enabled='yes' hotpluggable='yes' order='3'/>\n"
                                       "<vcpu id='0' enabled='yes' order='1'/>\n");
  g_autoptr (GError) error = NULL;
  g_autoptr (VbDomainDef) def = vb_domain_def_parse (xml, &error);
  g_autoptr (VbDomainDef) again = NULL;
  g_autoptr (VbDomainDef) copy = NULL;

  g_assert_no_error (error);
  assert_contains (def->xml, "  <vcpu placement='static' current='3'>4</vcpu>\n"
                             "  <vcpus>\n"
                             "    <vcpu id='0' enabled='yes' hotpluggable='no' order='1'/>\n"
                             "    <vcpu id='1' enabled='yes' hotpluggable='yes' order='3'/>\n"
                             "    <vcpu id='2' enabled='no' hotpluggable='yes'/>\n"
                             "    <vcpu id='3' enabled='yes' hotpluggable='yes' order='2'/>\n"
                             "  </vcpus>\n");
  g_assert_nonnull (def->vcpu_states);
  g_assert_cmpuint (def->vcpu_states->len, ==, 4);
  g_assert_cmpuint (def->current_vcpus, ==, 3);
  g_assert_cmpuint (vb_domain_def_boot_vcpus (def), ==, 1);
  /* The order they came in: 3 (order 2) before 1 (order 3). */
  g_assert_cmpuint (hotplugged_at (def, 0), ==, 3);
  g_assert_cmpuint (hotplugged_at (def, 1), ==, 1);
  again = vb_domain_def_parse (def->xml, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (again->xml, ==, def->xml);
  copy = vb_domain_def_copy (def);
  g_assert_cmpuint (copy->vcpu_states->len, ==, 4);
  g_assert_true (g_array_index (copy->vcpu_states, VbVcpuState, 3).hotpluggable);
  g_assert_cmpuint (g_array_index (copy->vcpu_states, VbVcpuState, 3).order, ==, 2);

  /* Without order=: hotpluggable ones come in id order; without <vcpus>
   * all current ones are the machine's own. */
  {
    g_autofree char *unordered =
      vcpus_domain ("<vcpu current='3'>3</vcpu>",
                    "<vcpu id='0' enabled='yes'/><vcpu id='1' enabled='yes'/>"
                    "<vcpu id='2' enabled='yes' hotpluggable='yes'/>\n");
    g_autoptr (VbDomainDef) plain = vb_domain_def_parse (unordered, &error);
    g_autoptr (VbDomainDef) none =
      vb_domain_def_parse ("<domain type='kvm'><name>t</name><memory>1024</memory>"
                           "<vcpu current='2'>4</vcpu></domain>",
                           &error);
    g_autoptr (GArray) ids = NULL;

    g_assert_no_error (error);
    g_assert_cmpuint (vb_domain_def_boot_vcpus (plain), ==, 2);
    g_assert_cmpuint (hotplugged_at (plain, 0), ==, 2);
    g_assert_null (none->vcpu_states);
    g_assert_cmpuint (vb_domain_def_boot_vcpus (none), ==, 2);
    ids = vb_domain_def_hotplugged_vcpus (none);
    g_assert_cmpuint (ids->len, ==, 0);
    g_assert_cmpuint (none->topology.sockets, ==, 4);
    g_assert_cmpuint (none->topology.cores, ==, 1);
  }
}

static void
assert_vcpus_refused (const char *vcpu, const char *vcpus, const char *fragment)
{
  g_autofree char *xml = vcpus_domain (vcpu, vcpus);

  assert_invalid_xml (KIND_DOMAIN, xml, fragment);
}

/* Inconsistent ones are refused naming the element and the rule, as
 * libvirt's QEMU driver refuses them; nothing is dropped. */
static void
test_domain_vcpus_refused (void)
{
  static const char both[] = "<vcpu id='0' enabled='yes'/><vcpu id='1' enabled='yes'/>";

  assert_vcpus_refused ("<vcpu>2</vcpu>",
                        "<vcpu id='0' enabled='yes'/><vcpu id='2' enabled='yes'/>",
                        "id '2' on <vcpu> at line 4 in <vcpus> is out of range");
  assert_vcpus_refused (
    "<vcpu>2</vcpu>", "<vcpu id='0' enabled='yes'/><vcpu id='99999999999999999999' enabled='no'/>",
    "in <vcpus> is out of range");
  assert_vcpus_refused ("<vcpu>2</vcpu>",
                        "<vcpu id='0' enabled='yes'/><vcpu id='0' enabled='yes'/>",
                        "<vcpu id='0'> at line 4 is listed twice in <vcpus>");
  assert_vcpus_refused ("<vcpu>3</vcpu>", both, "<vcpus> at line 3 lists no <vcpu id='2'>");
  assert_vcpus_refused ("<vcpu>2</vcpu>", "<vcpu id='0' enabled='yes'/><vcpu id='1' enabled='no'/>",
                        "<vcpus> at line 3 enables 1 vCPUs but <vcpu> has 2");
  assert_vcpus_refused ("<vcpu current='1'>2</vcpu>", both,
                        "<vcpus> at line 3 enables 2 vCPUs but <vcpu> has 1");
  assert_vcpus_refused ("<vcpu current='1'>2</vcpu>",
                        "<vcpu id='0' enabled='no'/><vcpu id='1' enabled='yes'/>",
                        "<vcpu id='0'> in <vcpus> at line 3 must be enabled='yes' and "
                        "hotpluggable='no'");
  assert_vcpus_refused ("<vcpu>2</vcpu>",
                        "<vcpu id='0' enabled='yes' hotpluggable='yes'/>"
                        "<vcpu id='1' enabled='yes'/>",
                        "<vcpu id='0'> in <vcpus> at line 3 must be enabled='yes'");
  assert_vcpus_refused ("<vcpu current='1'>2</vcpu>",
                        "<vcpu id='0' enabled='yes'/><vcpu id='1' enabled='no' hotpluggable='no'/>",
                        "<vcpu id='1'> at line 4 in <vcpus> is disabled, so it must be "
                        "hotpluggable='yes'");
  assert_vcpus_refused (
    "<vcpu>3</vcpu>",
    "<vcpu id='0' enabled='yes'/><vcpu id='1' enabled='yes' hotpluggable='yes'/>"
    "<vcpu id='2' enabled='yes'/>",
    "<vcpu id='2'> in <vcpus> at line 3 is not hotpluggable but comes after "
    "a hotpluggable one");
  assert_vcpus_refused ("<vcpu current='2'>3</vcpu>",
                        "<vcpu id='0' enabled='yes'/><vcpu id='1' enabled='no'/>"
                        "<vcpu id='2' enabled='yes' hotpluggable='no'/>",
                        "<vcpu id='2'> in <vcpus> at line 3 is not hotpluggable");
  assert_vcpus_refused ("<vcpu>2</vcpu>",
                        "<vcpu id='0' enabled='yes' order='1'/><vcpu id='1' enabled='yes'/>",
                        "<vcpus> at line 3 gives order= to some enabled vCPUs and not to others "
                        "(<vcpu id='1'>)");
  assert_vcpus_refused ("<vcpu>2</vcpu>",
                        "<vcpu id='0' enabled='yes' order='1'/>"
                        "<vcpu id='1' enabled='yes' hotpluggable='yes' order='1'/>",
                        "order='1' of <vcpu id='1'> in <vcpus> at line 3 is another vCPU's too");
  assert_vcpus_refused ("<vcpu current='1'>2</vcpu>",
                        "<vcpu id='0' enabled='yes'/><vcpu id='1' enabled='no' order='2'/>",
                        "<vcpu id='1'> at line 4 in <vcpus> is disabled and has order='2'");
  assert_vcpus_refused ("<vcpu>1</vcpu>", "<vcpu id='0' enabled='yes' order='0'/>",
                        "order '0' on <vcpu id='0'> at line 4 in <vcpus> must be between 1 and");
  assert_vcpus_refused ("<vcpu>2</vcpu>",
                        "<vcpu id='0' enabled='yes' order='2'/>"
                        "<vcpu id='1' enabled='yes' hotpluggable='yes' order='1'/>",
                        "order='1' of hotpluggable <vcpu id='1'> in <vcpus> at line 3 comes "
                        "before a vCPU the machine boots with");
  assert_vcpus_refused (
    "<vcpu>2</vcpu>",
    "<vcpu id='0' enabled='yes' order='2'/><vcpu id='1' enabled='yes' order='1'/>",
    "order='1' of <vcpu id='1'> in <vcpus> at line 3: the vCPUs the machine "
    "boots with come in the order of their ids");
  /* The schema: what libvirt's element has, and nothing else. */
  assert_vcpus_refused ("<vcpu>1</vcpu>", "<vcpu id='0'/>",
                        "missing attribute 'enabled' on <vcpu> at line 4");
  assert_vcpus_refused ("<vcpu>1</vcpu>", "<vcpu id='0' enabled='on'/>",
                        "invalid value 'on' for attribute 'enabled' on <vcpu> at line 4");
  assert_vcpus_refused ("<vcpu>1</vcpu>", "<vcpu id='0' enabled='yes' cpuset='1'/>",
                        "unsupported attribute 'cpuset' on <vcpu> at line 4");
  assert_vcpus_refused ("<vcpu>1</vcpu>", "<vcpu id='0' enabled='yes'/><group/>", "<group>");
}

/* SetVcpus' edits keep <vcpus> true: a live plug adds hotpluggable vCPUs
 * in order (creating <vcpus>), a stored definition changes as libvirt
 * changes it, and a half-done plug records what came. */
static void
test_domain_vcpus_edits (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (VbDomainDef) plain =
    vb_domain_def_parse ("<domain type='kvm'><name>t</name><memory>1024</memory>"
                         "<vcpu current='1'>4</vcpu></domain>",
                         &error);
  g_autoptr (VbDomainDef) live = NULL;
  g_autoptr (VbDomainDef) live2 = NULL;
  g_autoptr (VbDomainDef) config = NULL;
  g_autoptr (VbDomainDef) half = NULL;
  g_autoptr (VbDomainDef) fewer = NULL;
  g_autoptr (VbDomainDef) smaller = NULL;

  g_assert_no_error (error);
  /* Stored, without <vcpus>: none is made. */
  config = vb_domain_def_with_vcpus (plain, 0, 3, FALSE, &error);
  g_assert_no_error (error);
  g_assert_null (config->vcpu_states);
  g_assert_null (strstr (config->xml, "<vcpus>"));

  live = vb_domain_def_with_vcpus (plain, 0, 2, TRUE, &error);
  g_assert_no_error (error);
  assert_contains (live->xml, "  <vcpu current='2'>4</vcpu>\n"
                              "  <vcpus>\n"
                              "    <vcpu id='0' enabled='yes' hotpluggable='no' order='1'/>\n"
                              "    <vcpu id='1' enabled='yes' hotpluggable='yes' order='2'/>\n"
                              "    <vcpu id='2' enabled='no' hotpluggable='yes'/>\n"
                              "    <vcpu id='3' enabled='no' hotpluggable='yes'/>\n"
                              "  </vcpus>\n");
  live2 = vb_domain_def_with_vcpus (live, 0, 4, TRUE, &error);
  g_assert_no_error (error);
  assert_contains (live2->xml, "    <vcpu id='2' enabled='yes' hotpluggable='yes' order='3'/>\n"
                               "    <vcpu id='3' enabled='yes' hotpluggable='yes' order='4'/>\n");
  g_assert_cmpuint (live2->current_vcpus, ==, 4);

  /* A plug of vCPUs 3 then 2 that stopped after the first. */
  {
    const guint ids[] = { 3 };

    half = vb_domain_def_with_plugged_vcpus (live, ids, G_N_ELEMENTS (ids), &error);
    g_assert_no_error (error);
    g_assert_cmpuint (half->current_vcpus, ==, 3);
    assert_contains (half->xml, "  <vcpu current='3'>4</vcpu>\n");
    assert_contains (half->xml, "    <vcpu id='2' enabled='no' hotpluggable='yes'/>\n"
                                "    <vcpu id='3' enabled='yes' hotpluggable='yes' order='3'/>\n");
  }

  /* Stored: the orders go (libvirt drops them), a vCPU removed is the last
   * enabled one, one added after a hotpluggable one is hotpluggable. */
  fewer = vb_domain_def_with_vcpus (half, 0, 2, FALSE, &error);
  g_assert_no_error (error);
  assert_contains (fewer->xml, "    <vcpu id='0' enabled='yes' hotpluggable='no'/>\n"
                               "    <vcpu id='1' enabled='yes' hotpluggable='yes'/>\n"
                               "    <vcpu id='2' enabled='no' hotpluggable='yes'/>\n"
                               "    <vcpu id='3' enabled='no' hotpluggable='yes'/>\n");
  g_clear_pointer (&config, vb_domain_def_free);
  config = vb_domain_def_with_vcpus (fewer, 0, 3, FALSE, &error);
  g_assert_no_error (error);
  assert_contains (config->xml, "    <vcpu id='2' enabled='yes' hotpluggable='yes'/>\n");
  /* MAXIMUM: the list follows the count. */
  smaller = vb_domain_def_with_vcpus (config, 2, 0, FALSE, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (smaller->vcpu_states->len, ==, 2);
  assert_contains (smaller->xml, "  <vcpu>2</vcpu>\n"
                                 "  <vcpus>\n"
                                 "    <vcpu id='0' enabled='yes' hotpluggable='no'/>\n"
                                 "    <vcpu id='1' enabled='yes' hotpluggable='yes'/>\n"
                                 "  </vcpus>\n");
  g_clear_pointer (&config, vb_domain_def_free);
  config = vb_domain_def_with_vcpus (smaller, 3, 0, FALSE, &error);
  g_assert_no_error (error);
  assert_contains (config->xml, "  <vcpu current='2'>3</vcpu>\n");
  assert_contains (config->xml, "    <vcpu id='2' enabled='no' hotpluggable='yes'/>\n");
}

/* Rules between devices: each refused by name, and the valid neighbour of
 * each accepted, so the rule is no wider than it says. */
static char *
devices_domain (const char *devices)
{
  return g_strdup_printf ("<domain type='test'><name>rules</name><memory>65536</memory>"
                          "<devices>%s</devices></domain>",
                          devices);
}

static void
test_domain_device_rules (void)
{
  static const struct {
    const char *devices;
    const char *refusal; /* NULL: accepted */
  } cases[] = {
    { "<hub type='usb'><address type='usb' bus='0' port='1'/></hub>"
      "<input type='mouse' bus='usb'><address type='usb' bus='0' port='1'/></input>",
      "<address> at line 1: USB port 1 of bus 0 is already taken by another device" },
    { "<hub type='usb'><address type='usb' bus='0' port='1'/></hub>"
      "<input type='mouse' bus='usb'><address type='usb' bus='0' port='1.1'/></input>",
      NULL },
    { "<video><model type='qxl'/></video><video><model type='none'/></video>",
      "a video of model 'none' (no video device) must be the only <video>" },
    { "<video><model type='none'/></video>", NULL },
    { "<disk type='file' device='disk'><source file='/d.img'/>"
      "<target dev='hdaxxxxxxxxxx' bus='virtio'/></disk>",
      "disk target 'hdaxxxxxxxxxx' names no disk: more than 7 letters after 'hd'" },
    { "<disk type='file' device='disk'><source file='/d.img'/>"
      "<target dev='vdzz' bus='virtio'/></disk>",
      NULL },
    { "<channel type='tcp'><source mode='connect' host='h' service='1'>"
      "<reconnect enabled='yes' timeout='0'/></source><target type='virtio' name='a'/></channel>",
      "<reconnect> at line 1: a reconnect timeout is at least 1 second" },
    { "<channel type='tcp'><source mode='connect' host='h' service='1'>"
      "<reconnect enabled='yes' timeout='1'/></source><target type='virtio' name='a'/></channel>",
      NULL },
    { "<controller type='pci' index='0' model='pci-root'>"
      "<address type='pci' domain='0' bus='0' slot='0' function='0'/></controller>",
      "the PCI root bus is the machine's own: it has no <address>" },
    { "<hostdev mode='subsystem' type='mdev' model='vfio-pci'><source>"
      "<address uuid='53764d0e-85a0-42b4-af5c-2046b460b1dc'/></source></hostdev>"
      "<hostdev mode='subsystem' type='mdev' model='vfio-pci'><source>"
      "<address uuid='53764D0E-85A0-42B4-AF5C-2046B460B1DC'/></source></hostdev>",
      "is given to two <hostdev>s" },
  };

  assert_invalid_xml (KIND_DOMAIN,
                      "<domain type='test'><name>r</name><memory>65536</memory>"
                      "<features><ps2 state='off'/></features>"
                      "<devices><input type='mouse'/></devices></domain>",
                      "a PS/2 input needs the i8042 controller that <ps2 state='off'> removes");
  assert_invalid_xml (KIND_DOMAIN,
                      "<domain type='test'><name>r</name><memory>65536</memory>"
                      "<features><ps2 state='off'/><vmport state='on'/></features></domain>",
                      "vmport is part of the i8042 controller");
  assert_invalid_xml (KIND_DOMAIN,
                      "<domain type='test'><name>r</name><memory>65536</memory>"
                      "<sysinfo type='smbios'><bios><entry name='date'>999/999/123</entry>"
                      "</bios></sysinfo></domain>",
                      "the BIOS date '999/999/123' is not mm/dd/yy or mm/dd/yyyy");
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *xml = devices_domain (cases[i].devices);

      if (cases[i].refusal)
        assert_invalid_xml (KIND_DOMAIN, xml, cases[i].refusal);
      else
        {
          g_autoptr (GError) error = NULL;
          VbDomainDef *def = vb_domain_def_parse (xml, &error);

          g_assert_no_error (error);
          vb_domain_def_free (def);
        }
    }
}

/* Whatever names a secret makes its define ask secret.manage (with the
 * secret as polkit's detail): a TPM's <encryption secret='UUID'> as much
 * as a disk's <secret> element, or any caller who may define domains
 * could have a secret's value used as their TPM state's key. */
static void
test_domain_secret_named (void)
{
  static const char disk[] = "<domain type='kvm'><devices><disk type='network'>"
                             "<source protocol='iscsi' name='t/0'><auth username='u'>"
                             "<secret type='iscsi' usage='x'/></auth></source>"
                             "</disk></devices></domain>";
  static const char tpm[] =
    "<domain type='kvm'><devices><tpm model='tpm-crb'><backend type='emulator' version='2.0'>"
    "<encryption secret='6dd3e4a5-1d76-44ce-961f-f119f5aad935'/></backend></tpm>"
    "</devices></domain>";
  g_autofree char *from_disk = vb_secret_named_in (disk);
  g_autofree char *from_tpm = vb_secret_named_in (tpm);

  g_assert_cmpstr (from_disk, ==, "usage=x");
  g_assert_cmpstr (from_tpm, ==, "uuid=6dd3e4a5-1d76-44ce-961f-f119f5aad935");
}

int
main (int argc, char **argv)
{
  if (argc == 2 && g_str_equal (argv[1], FIRST_PARSE_ARG))
    return first_number_parse ();
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/xml-defs/domain/defaults", test_domain_defaults);
  g_test_add_func ("/xml-defs/domain/secret-named", test_domain_secret_named);
  g_test_add_func ("/xml-defs/domain/device-rules", test_domain_device_rules);
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
  g_test_add_func ("/xml-defs/domain/source-lines", test_domain_source_lines);
  g_test_add_func ("/xml-defs/domain/bad-sizes", test_domain_bad_sizes);
  g_test_add_func ("/xml-defs/domain/devices-checked", test_domain_devices_checked);
  g_test_add_func ("/xml-defs/domain/generated-aliases", test_domain_generated_aliases);
  g_test_add_func ("/xml-defs/domain/vcpus-canonical", test_domain_vcpus_canonical);
  g_test_add_func ("/xml-defs/domain/vcpus-refused", test_domain_vcpus_refused);
  g_test_add_func ("/xml-defs/domain/vcpus-edits", test_domain_vcpus_edits);
  g_test_add_func ("/xml-defs/domain/first-number-while-threads-start",
                   test_domain_first_number_while_threads_start);

  return g_test_run ();
}
