/* What virt-install writes, as a client of the service sees it (issue #16):
 * a domain with guest NUMA cells and no <memory> (virt-install --memory
 * hotplugmemorymax=…) boots with the memory its cells add up to; Hyper-V's
 * direct and extended TLB flush are defined (QEMU 8.0 runs them) and
 * refused by name at Start by QEMU 7.2. (A TDX guest is type='kvm', which
 * Start refuses on this host before building it: test-qemu-vinst-start.c
 * covers its Start checks.) */
#include <gio/gio.h>
#include <string.h>

#include "vb-test-env.h"
#include "vb-test-guest-fixture.h"

#define BOOT_TIMEOUT_MS 180000

typedef VbGuestFixture Fixture;

static char *
replace_once (const char *text, const char *old, const char *new)
{
  g_autoptr (GString) out = g_string_new (text);

  g_assert_cmpuint (g_string_replace (out, old, new, 1), ==, 1);
  return g_string_free (g_steal_pointer (&out), FALSE);
}

/* The test guest on q35 with two vCPUs, @features for its <features> and
 * @after_features after them. */
static char *
guest_xml (const char *name, const char *features, const char *after_features)
{
  g_autofree char *xml = vb_test_guest_xml_on (name, 160, "q35", TRUE, NULL, NULL);
  g_autofree char *two = replace_once (xml, "<vcpu>1</vcpu>", "<vcpu>2</vcpu>");
  g_autofree char *with = g_strdup_printf ("%s%s", features, after_features ? after_features : "");

  return replace_once (two, "  <features>\n    <acpi/>\n  </features>\n", with);
}

static guint64
kib_after (const char *text, const char *field)
{
  const char *at = strstr (text, field);

  g_assert_nonnull (at);
  return g_ascii_strtoull (at + strlen (field), NULL, 10);
}

/* No <memory>: 96 + 64 MiB of cells make 160 MiB, stored and run. */
static void
test_memory_from_cells (Fixture *f, gconstpointer data)
{
  g_autofree char *xml =
    guest_xml ("vinst-cells", "  <features>\n    <acpi/>\n  </features>\n",
               "  <cpu mode='custom'>\n    <model fallback='forbid'>qemu64</model>\n"
               "    <numa>\n"
               "      <cell id='0' cpus='0' memory='96' unit='MiB'/>\n"
               "      <cell id='1' cpus='1' memory='65536' unit='KiB'/>\n"
               "    </numa>\n  </cpu>\n");
  g_autofree char *no_memory = replace_once (xml, "  <memory unit='MiB'>160</memory>\n", "");
  g_autofree char *stored = NULL;
  g_autofree char *nodes = NULL;
  g_autofree char *meminfo = NULL;
  g_autofree char *node1 = NULL;

  vb_guest_fixture_boot (f, no_memory, BOOT_TIMEOUT_MS);
  stored = vb_test_get_xml (f->env, f->path, IFACE_DOMAIN, 0);
  g_assert_nonnull (strstr (stored, "<memory unit='KiB'>163840</memory>"));
  g_assert_nonnull (strstr (stored, "<currentMemory unit='KiB'>163840</currentMemory>"));
  nodes = vb_test_console_answer (f->console,
                                  "ls -d /sys/devices/system/node/node* | xargs -n1 basename");
  meminfo = vb_test_console_answer (f->console, "grep MemTotal /proc/meminfo");
  node1 =
    vb_test_console_answer (f->console, "grep MemTotal /sys/devices/system/node/node1/meminfo");
  g_assert_cmpstr (nodes, ==, "node0\nnode1");
  /* The whole 160 MiB, less what the kernel keeps for itself: more than
   * either cell alone. */
  g_assert_cmpuint (kib_after (meminfo, "MemTotal:"), >, 100 * 1024);
  g_assert_cmpuint (kib_after (meminfo, "MemTotal:"), <=, 160 * 1024);
  g_assert_cmpuint (kib_after (node1, "MemTotal:"), >, 48 * 1024);
  g_assert_cmpuint (kib_after (node1, "MemTotal:"), <=, 64 * 1024);
}

static void
test_hyperv_tlbflush_refused (Fixture *f, gconstpointer data)
{
  g_autofree char *direct = guest_xml (
    "vinst-tlbflush-direct",
    "  <features>\n    <acpi/>\n    <hyperv mode='custom'>\n      <relaxed state='on'/>\n"
    "      <vapic state='on'/>\n      <tlbflush state='on'>\n        <direct state='on'/>\n"
    "      </tlbflush>\n    </hyperv>\n  </features>\n",
    NULL);
  g_autofree char *extended =
    replace_once (direct, "<direct state='on'/>", "<extended state='on'/>");

  vb_test_expect_start_refused (f->env, direct,
                                "Hyper-V's direct TLB flush (hv-tlbflush-direct) needs QEMU 8.0; "
                                "this one is 7.2");
  vb_test_expect_start_refused (f->env, extended,
                                "Hyper-V's extended TLB flush (hv-tlbflush-ext) needs QEMU 8.0; "
                                "this one is 7.2");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add ("/xml-vinst/memory-from-cells", Fixture, NULL, vb_guest_fixture_set_up,
              test_memory_from_cells, vb_guest_fixture_tear_down);
  g_test_add ("/xml-vinst/hyperv-tlbflush-refused", Fixture, NULL, vb_guest_fixture_set_up,
              test_hyperv_tlbflush_refused, vb_guest_fixture_tear_down);
  return g_test_run ();
}
