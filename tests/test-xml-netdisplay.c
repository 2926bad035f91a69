/* Network and display devices of issue #16's third wave as the test guest
 * and this host see them: several USB controllers (two ICH9 EHCI sets with
 * their UHCI companions) and the amd IOMMU in the guest's PCI functions,
 * and the Start refusals of what this host or its QEMU 7.2 lacks: an
 * SR-IOV VF, a render node for the egl-headless display a virgl video
 * gets, virtio-sound (QEMU 8.2) and the virtio IOMMU's granule (QEMU 9.0). */
#define _GNU_SOURCE /* memmem */
#include <gio/gio.h>
#include <string.h>

#include "vb-test-env.h"

#define BOOT_TIMEOUT_MS 120000
#define GUEST_MIB 160

typedef struct {
  VbTestEnv *env;
  char *path;
  VbTestConsole *console;
} Fixture;

static void
set_up (Fixture *f, gconstpointer data)
{
  f->env = vb_test_env_new (VB_TEST_ENV_NONE);
  vb_test_env_start_daemon (f->env, NULL);
}

static void
tear_down (Fixture *f, gconstpointer data)
{
  g_clear_pointer (&f->console, vb_test_console_free);
  if (f->path)
    vb_test_call (f->env, f->path, IFACE_DOMAIN, "Destroy", g_variant_new ("(u)", 0), NULL);
  g_assert_true (vb_test_env_daemon_alive (f->env));
  vb_test_env_free (f->env);
  g_free (f->path);
}

static guint
count_lines (const char *text, const char *line)
{
  guint n = 0;

  for (const char *p = text; (p = strstr (p, line)); p += strlen (line))
    n++;
  return n;
}

/* Two USB 2 sets, listed out of order (companions before their EHCI, as
 * libvirt's q35-usb2-reorder does): the guest has both EHCIs and each
 * set's three UHCI functions, on the slots the live XML says. */
static void
test_usb_ich9_sets (Fixture *f, gconstpointer data)
{
  g_autofree char *xml =
    vb_test_guest_xml_on ("netdisplay-usb", GUEST_MIB, "q35", TRUE, NULL,
                          "    <controller type='usb' index='1' model='ich9-uhci3'/>\n"
                          "    <controller type='usb' index='0' model='ich9-uhci1'/>\n"
                          "    <controller type='usb' index='0' model='ich9-uhci2'/>\n"
                          "    <controller type='usb' index='0' model='ich9-uhci3'/>\n"
                          "    <controller type='usb' index='1' model='ich9-ehci1'/>\n"
                          "    <controller type='usb' index='0' model='ich9-ehci1'/>\n"
                          "    <controller type='usb' index='1' model='ich9-uhci1'/>\n"
                          "    <controller type='usb' index='1' model='ich9-uhci2'/>\n");
  g_autofree char *ids = NULL;
  g_autofree char *live = NULL;
  static const char *const functions[] = { "0x8086:0x293a", "0x8086:0x2934", "0x8086:0x2935",
                                           "0x8086:0x2936" };

  f->path = vb_test_boot_guest (f->env, xml, TRUE, BOOT_TIMEOUT_MS);
  f->console = vb_test_console_open (f->env, f->path);
  ids = vb_test_console_output (
    f->console,
    "for d in /sys/bus/pci/devices/*; do echo \"fn=${d##*/}=$(cat $d/vendor):$(cat $d/device)\"; "
    "done",
    60000);
  g_test_message ("the guest's PCI functions:\n%s", ids);
  /* One EHCI and three UHCIs per index. */
  for (guint i = 0; i < G_N_ELEMENTS (functions); i++)
    {
      g_autofree char *id = g_strdup_printf ("=%s", functions[i]);

      g_assert_cmpuint (count_lines (ids, id), ==, 2);
    }
  /* The second set shares a slot of its own: EHCI on function 7, UHCI n on n - 1. */
  live = vb_test_get_xml (f->env, f->path, IFACE_DOMAIN, 0);
  g_assert_nonnull (strstr (ids, "fn=0000:00:1d.7=0x8086:0x293a"));
  g_assert_nonnull (strstr (ids, "fn=0000:00:1d.0=0x8086:0x2934"));
  {
    const char *second = strstr (live, "index='1' model='ich9-ehci1'");
    g_autofree char *slot = NULL;
    g_autofree char *ehci = NULL;
    g_autofree char *uhci3 = NULL;
    const char *at;

    g_assert_nonnull (second);
    at = strstr (second, "slot='0x");
    g_assert_nonnull (at);
    slot = g_strndup (at + strlen ("slot='0x"), 2);
    ehci = g_strdup_printf ("fn=0000:00:%s.7=0x8086:0x293a", slot);
    uhci3 = g_strdup_printf ("fn=0000:00:%s.2=0x8086:0x2936", slot);
    g_assert_nonnull (strstr (ids, ehci));
    g_assert_nonnull (strstr (ids, uhci3));
  }
}

/* The amd IOMMU's PCI function is where the definition says (the slot
 * QEMU gives it), as the guest sees it. */
static void
test_amd_iommu (Fixture *f, gconstpointer data)
{
  g_autofree char *xml = vb_test_guest_xml_on (
    "netdisplay-amd-iommu", GUEST_MIB, "q35", TRUE, NULL,
    "    <iommu model='amd'>\n      <driver iotlb='on'/>\n"
    "      <address type='pci' domain='0x0000' bus='0x00' slot='0x01' function='0x0'/>\n"
    "    </iommu>\n");
  g_autofree char *vendor = NULL;

  f->path = vb_test_boot_guest (f->env, xml, TRUE, BOOT_TIMEOUT_MS);
  f->console = vb_test_console_open (f->env, f->path);
  vendor =
    vb_test_console_output (f->console, "cat /sys/bus/pci/devices/0000:00:01.0/vendor", 60000);
  g_assert_nonnull (strstr (vendor, "0x1022"));
}

static void
expect_start_refused (Fixture *f, const char *name, const char *machine, const char *devices,
                      const char *words)
{
  g_autofree char *xml = vb_test_guest_xml_on (name, GUEST_MIB, machine, TRUE, NULL, devices);
  g_autofree char *path = vb_test_call_path (f->env, MANAGER, IFACE_MANAGER, "DefineDomain",
                                             g_variant_new ("(su)", xml, 0));

  vb_test_call_expect_error_saying (f->env, path, IFACE_DOMAIN, "Start", g_variant_new ("(u)", 0),
                                    "org.virtbus.Virt1.Error.NotSupported", words);
  vb_test_call_void (f->env, path, IFACE_DOMAIN, "Undefine", g_variant_new ("(u)", 0));
}

/* Defined (a capable host could run them), refused by name at Start here. */
static void
test_start_refusals (Fixture *f, gconstpointer data)
{
  expect_start_refused (f, "netdisplay-sound", "pc", "    <sound model='virtio'/>\n",
                        "sound model 'virtio' (virtio-sound-pci) needs QEMU 8.2; this one is 7.2");
  expect_start_refused (f, "netdisplay-granule", "q35",
                        "    <iommu model='virtio'>\n      <driver>\n"
                        "        <granule mode='host'/>\n      </driver>\n    </iommu>\n",
                        "the virtio IOMMU's granule needs QEMU 9.0; this one is 7.2");
  if (!g_file_test ("/sys/bus/pci/devices/0000:03:07.1", G_FILE_TEST_EXISTS))
    expect_start_refused (f, "netdisplay-vf", "q35",
                          "    <interface type='hostdev'>\n"
                          "      <mac address='52:54:00:07:16:01'/>\n"
                          "      <source>\n        <address type='pci' domain='0x0000' "
                          "bus='0x03' slot='0x07' function='0x1'/>\n      </source>\n"
                          "      <vlan>\n        <tag id='42'/>\n      </vlan>\n"
                          "    </interface>\n",
                          "the host has no PCI device 0000:03:07.1");
  /* vhost-user video: the guest's memory shared, refused under TCG. */
  {
    g_autofree char *xml =
      vb_test_guest_xml_on ("netdisplay-vhost-user-gpu", GUEST_MIB, "pc", TRUE, NULL,
                            "    <video>\n      <driver name='vhostuser'/>\n"
                            "      <model type='virtio' heads='1'/>\n    </video>\n");
    g_autoptr (GString) shared = g_string_new (xml);
    g_autofree char *path = NULL;

    g_string_replace (shared, "  <vcpu>",
                      "  <memoryBacking>\n    <source type='memfd'/>\n"
                      "    <access mode='shared'/>\n  </memoryBacking>\n  <vcpu>",
                      1);
    path = vb_test_call_path (f->env, MANAGER, IFACE_MANAGER, "DefineDomain",
                              g_variant_new ("(su)", shared->str, 0));
    vb_test_call_expect_error_saying (f->env, path, IFACE_DOMAIN, "Start", g_variant_new ("(u)", 0),
                                      "org.virtbus.Virt1.Error.NotSupported",
                                      "vhost-user video needs KVM with QEMU 7.2");
    vb_test_call_void (f->env, path, IFACE_DOMAIN, "Undefine", g_variant_new ("(u)", 0));
  }
  if (!g_file_test ("/dev/dri", G_FILE_TEST_EXISTS))
    expect_start_refused (f, "netdisplay-virgl", "pc",
                          "    <video>\n      <model type='virtio'>\n"
                          "        <acceleration accel3d='yes'/>\n      </model>\n"
                          "    </video>\n",
                          "render node");
}

/* The egl-headless display a virgl video gets is in the stored definition. */
static void
test_virgl_stored_display (Fixture *f, gconstpointer data)
{
  g_autofree char *xml = vb_test_guest_xml_on ("netdisplay-stored", GUEST_MIB, "pc", TRUE, NULL,
                                               "    <video>\n      <model type='virtio'>\n"
                                               "        <acceleration accel3d='yes'/>\n"
                                               "      </model>\n    </video>\n");
  g_autofree char *path = vb_test_call_path (f->env, MANAGER, IFACE_MANAGER, "DefineDomain",
                                             g_variant_new ("(su)", xml, 0));
  g_autofree char *stored = vb_test_get_xml (f->env, path, IFACE_DOMAIN, 0);

  g_assert_nonnull (strstr (stored, "<graphics type='egl-headless'/>"));
  vb_test_call_void (f->env, path, IFACE_DOMAIN, "Undefine", g_variant_new ("(u)", 0));
}

/* An sdl window on the X display the XML names (an Xvfb of the test's):
 * QEMU opens it with DISPLAY from <graphics display>, and runs; a display
 * nobody serves fails the Start with SDL's own words. */
static void
test_sdl_named_display (Fixture *f, gconstpointer data)
{
  const char *argv[] = { "Xvfb", ":93", "-nolisten", "tcp", "-screen", "0", "800x600x24", NULL };
  g_autoptr (GError) error = NULL;
  g_autoptr (GSubprocess) xvfb = NULL;
  g_autofree char *xml = NULL;
  g_autofree char *environ_path = NULL;
  g_autofree char *environ_text = NULL;
  gsize length = 0;
  gint64 end;
  int pid;
  g_autofree char *xvfb_binary = g_find_program_in_path ("Xvfb");

  /* dev.sh installs it (the xvfb package). */
  g_assert_nonnull (xvfb_binary);
  xvfb = g_subprocess_newv (argv, G_SUBPROCESS_FLAGS_STDERR_SILENCE, &error);
  g_assert_no_error (error);
  end = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
  while (!g_file_test ("/tmp/.X11-unix/X93", G_FILE_TEST_EXISTS) && g_get_monotonic_time () < end)
    g_usleep (50000);
  g_assert_true (g_file_test ("/tmp/.X11-unix/X93", G_FILE_TEST_EXISTS));

  xml = vb_test_guest_xml_on ("netdisplay-sdl", GUEST_MIB, "pc", TRUE, NULL,
                              "    <graphics type='sdl' display=':93' fullscreen='yes'/>\n");
  f->path = vb_test_call_path (f->env, MANAGER, IFACE_MANAGER, "DefineDomain",
                               g_variant_new ("(su)", xml, 0));
  vb_test_call_void (f->env, f->path, IFACE_DOMAIN, "Start", g_variant_new ("(u)", 0));
  pid = vb_test_qemu_pid (f->env, f->path);
  environ_path = g_strdup_printf ("/proc/%d/environ", pid);
  g_assert_true (g_file_get_contents (environ_path, &environ_text, &length, NULL));
  g_assert_true (memmem (environ_text, length, "DISPLAY=:93", strlen ("DISPLAY=:93") + 1) != NULL);
  vb_test_call_void (f->env, f->path, IFACE_DOMAIN, "Destroy", g_variant_new ("(u)", 0));

  /* Nobody serves :94: QEMU cannot open its window, and Start says so. */
  {
    g_autofree char *other = vb_test_guest_xml_on ("netdisplay-sdl-none", GUEST_MIB, "pc", TRUE,
                                                   NULL, "    <graphics type='sdl' display=':94'/>\n");
    g_autofree char *path = vb_test_call_path (f->env, MANAGER, IFACE_MANAGER, "DefineDomain",
                                               g_variant_new ("(su)", other, 0));
    g_autoptr (GVariant) reply =
      vb_test_call (f->env, path, IFACE_DOMAIN, "Start", g_variant_new ("(u)", 0), &error);

    g_assert_null (reply);
    g_assert_nonnull (error);
    g_test_message ("%s", error->message);
    g_assert_nonnull (strstr (error->message, "SDL"));
  }
  g_subprocess_force_exit (xvfb);
  g_subprocess_wait (xvfb, NULL, NULL);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add ("/xml-netdisplay/usb-ich9-sets", Fixture, NULL, set_up, test_usb_ich9_sets,
              tear_down);
  g_test_add ("/xml-netdisplay/amd-iommu", Fixture, NULL, set_up, test_amd_iommu, tear_down);
  g_test_add ("/xml-netdisplay/start-refusals", Fixture, NULL, set_up, test_start_refusals,
              tear_down);
  g_test_add ("/xml-netdisplay/virgl-stored-display", Fixture, NULL, set_up,
              test_virgl_stored_display, tear_down);
  g_test_add ("/xml-netdisplay/sdl-named-display", Fixture, NULL, set_up,
              test_sdl_named_display, tear_down);
  return g_test_run ();
}
