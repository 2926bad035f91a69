/* The domains tests define, and the test guest booted: see
 * vb-test-domains.h. */
#include "vb-test-domains.h"

#include <stdlib.h>
#include <string.h>

#include "vb-test-calls.h"
#include "vb-test-console.h"
#include "vb-test-names.h"

char *
vb_test_guest_xml (const char *name, guint memory_mib, const char *cmdline_extra,
                   const char *devices)
{
  return vb_test_guest_xml_on (name, memory_mib, "pc", TRUE, cmdline_extra, devices);
}

char *
vb_test_guest_xml_on (const char *name, guint memory_mib, const char *machine, gboolean acpi,
                      const char *cmdline_extra, const char *devices)
{
  const char *guest = g_getenv ("VB_TEST_GUEST_DIR");
  g_autofree char *kernel = NULL;

  g_assert_nonnull (guest);
  /* Not built by a plain ninja: it is downloaded (tests/meson.build); the
   * test build-guest builds it in a run of the whole suite. */
  kernel = g_build_filename (guest, "vmlinux", NULL);
  if (!g_file_test (kernel, G_FILE_TEST_IS_REGULAR))
    g_error ("The test guest is not built (%s is missing): run "
             "`ninja -C build tests/guest/guest.stamp` or `meson test -C build build-guest` "
             "first (it downloads Debian packages)",
             kernel);
  return g_strdup_printf (
    "<domain type='qemu'>\n"
    "  <name>%s</name>\n"
    "  <memory unit='MiB'>%u</memory>\n"
    "  <vcpu>1</vcpu>\n"
    "  <os>\n"
    "    <type arch='x86_64' machine='%s'>hvm</type>\n"
    "    <kernel>%s/vmlinux</kernel>\n"
    "    <initrd>%s/initramfs.img</initrd>\n"
    "    <cmdline>console=ttyS0 quiet%s%s</cmdline>\n"
    "  </os>\n"
    "%s"
    "  <devices>\n"
    "%s"
    "    <serial type='pty'>\n      <target port='0'/>\n    </serial>\n"
    "    <console type='pty'>\n      <target type='serial' port='0'/>\n    </console>\n"
    "  </devices>\n"
    "</domain>\n",
    name, memory_mib, machine, guest, guest, cmdline_extra ? " " : "",
    cmdline_extra ? cmdline_extra : "", acpi ? "  <features>\n    <acpi/>\n  </features>\n" : "",
    devices ? devices : "");
}

char *
vb_test_disk_xml (const char *path, const char *format, const char *target)
{
  return g_strdup_printf ("    <disk type='file' device='disk'>\n"
                          "      <driver name='qemu' type='%s'/>\n"
                          "      <source file='%s'/>\n"
                          "      <target dev='%s' bus='virtio'/>\n"
                          "    </disk>\n",
                          format, path, target);
}
char *
vb_test_boot_guest (VbTestEnv *env, const char *xml, gboolean persistent, guint timeout_ms)
{
  g_autofree char *path =
    vb_test_call_path (env, MANAGER, IFACE_MANAGER, persistent ? "DefineDomain" : "CreateDomain",
                       g_variant_new ("(su)", xml, 0));
  g_autofree char *log = vb_test_console_log_of (env, path);

  if (persistent)
    vb_test_call_void (env, path, IFACE_DOMAIN, "Start", g_variant_new ("(u)", 0));
  if (!vb_test_log_wait (log, "VIRTBUS-GUEST-READY", timeout_ms))
    g_error ("the guest of %s did not get ready within %u ms", path, timeout_ms);
  return g_steal_pointer (&path);
}

char *
vb_test_domain_xml (const char *name, const char *uuid)
{
  g_autofree char *uuid_element =
    uuid ? g_strdup_printf ("  <uuid>%s</uuid>\n", uuid) : g_strdup ("");

  return g_strdup_printf ("<domain type='test'>\n"
                          "  <name>%s</name>\n"
                          "%s"
                          "  <memory unit='MiB'>128</memory>\n"
                          "  <vcpu>2</vcpu>\n"
                          "  <os>\n"
                          "    <type arch='x86_64'>hvm</type>\n"
                          "  </os>\n"
                          "</domain>\n",
                          name, uuid_element);
}

char *
vb_test_guest_xml_with_spare_vcpu (const char *xml)
{
  g_autoptr (GString) text = g_string_new (xml);

  g_assert_cmpuint (g_string_replace (text, "<vcpu>1</vcpu>", "<vcpu current='1'>2</vcpu>", 1), ==,
                    1);
  return g_string_free (g_steal_pointer (&text), FALSE);
}

/* What @command printed on @console, without the counter lines the test
 * guest prints on the same console meanwhile. */
static char *
console_answer (VbTestConsole *console, const char *command)
{
  g_autofree char *out = vb_test_console_output (console, command, 30000);
  g_auto (GStrv) lines = g_strsplit (out, "\n", -1);
  g_autoptr (GString) answer = g_string_new (NULL);

  for (guint i = 0; lines[i]; i++)
    {
      g_strstrip (lines[i]);
      if (*lines[i] && !strstr (lines[i], "VB-COUNTER"))
        g_string_append_printf (answer, "%s%s", answer->len ? "\n" : "", lines[i]);
    }
  return g_string_free (g_steal_pointer (&answer), FALSE);
}

/* Runs @command on @path's console until it prints @want (60 s at most). */
static void
console_until (VbTestEnv *env, const char *path, const char *command, const char *want)
{
  g_autoptr (VbTestConsole) console = vb_test_console_open (env, path);
  gint64 end = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;

  for (;;)
    {
      g_autofree char *out = console_answer (console, command);

      if (g_str_equal (out, want))
        return;
      if (g_get_monotonic_time () > end)
        g_error ("%s in the guest prints '%s', not '%s'", command, out, want);
      g_usleep (200 * 1000);
    }
}

void
vb_test_guest_plug_vcpu (VbTestEnv *env, const char *path)
{
  vb_test_call_void (env, path, IFACE_DOMAIN, "SetVcpus", g_variant_new ("(uu)", 2, 1));
  /* The ACPI hotplug reaches the guest's kernel; onlining is left to the
   * guest (udev on a distribution, this shell here). */
  console_until (env, path, "cat /sys/devices/system/cpu/present", "0-1");
  console_until (env, path,
                 "echo 1 > /sys/devices/system/cpu/cpu1/online; "
                 "cat /sys/devices/system/cpu/online",
                 "0-1");
}

char *
vb_test_guest_cpus_online (VbTestEnv *env, const char *path)
{
  g_autoptr (VbTestConsole) console = vb_test_console_open (env, path);

  return console_answer (console, "cat /sys/devices/system/cpu/online");
}

int
vb_test_qemu_pid (VbTestEnv *env, const char *path)
{
  g_autofree char *uuid = vb_test_get_string (env, path, "org.virtbus.Virt1.Domain", "UUID");
  g_autofree char *status = vb_test_env_status_path (env, uuid);
  g_autofree char *text = NULL;
  const char *pid;

  g_assert_true (g_file_get_contents (status, &text, NULL, NULL));
  pid = strstr (text, "\"pid\"");
  g_assert_nonnull (pid);
  return atoi (strchr (pid, ':') + 1);
}
