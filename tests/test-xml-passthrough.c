/* libvirt's QEMU namespace on the project's test guest: <qemu:arg>s reach
 * QEMU's command line (an SMBIOS serial the guest reads in
 * /sys/class/dmi/id, a pvpanic-pci device it sees on its PCI bus), each
 * <qemu:env> QEMU's environment (/proc/PID/environ), one argv entry per
 * value whatever it holds; QEMU still runs under its seccomp sandbox (its
 * user is the service's, as always: root in this per-user test service);
 * the service logs the domain as tainted. */
#include <string.h>

#include "vb-test-env.h"
#include "vb-test-guest-fixture.h"

#define BOOT_TIMEOUT_MS 120000
#define GUEST_MIB 160
#define QEMU_NS "http://libvirt.org/schemas/domain/qemu/1.0"

typedef VbGuestFixture Fixture;

static char *
guest_with (const char *name, const char *commandline)
{
  g_autofree char *xml = vb_test_guest_xml (name, GUEST_MIB, NULL, NULL);
  g_autoptr (GString) text = g_string_new (xml);
  g_autofree char *with = g_strconcat (commandline, "</domain>", NULL);

  g_assert_cmpuint (g_string_replace (text, "</domain>", with, 1), ==, 1);
  return g_string_free (g_steal_pointer (&text), FALSE);
}

/* /proc/@pid/@file as read, NUL bytes turned into newlines. */
static char *
proc_lines (int pid, const char *file)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/%s", pid, file);
  g_autoptr (GError) error = NULL;
  char *text = NULL;
  gsize len = 0;

  g_file_get_contents (path, &text, &len, &error);
  g_assert_no_error (error);
  for (gsize i = 0; i < len; i++)
    if (text[i] == '\0')
      text[i] = '\n';
  return text;
}

static void
test_passthrough (Fixture *f, gconstpointer data)
{
  g_autofree char *xml =
    guest_with ("passthrough", "  <ns0:commandline xmlns:ns0='" QEMU_NS "'>\n"
                               "    <ns0:arg value='-smbios'/>\n"
                               "    <ns0:arg value='type=1,serial=VBTEST'/>\n"
                               "    <ns0:arg value='-device'/>\n"
                               "    <ns0:arg value='pvpanic-pci'/>\n"
                               "    <ns0:env name='VB_PASSTHROUGH' value='a b;$(id)'/>\n"
                               "    <ns0:env name='VB_EMPTY'/>\n"
                               "  </ns0:commandline>\n");
  g_autofree char *serial = NULL;
  g_autofree char *ids = NULL;
  g_autofree char *environ_ = NULL;
  g_autofree char *cmdline = NULL;
  g_autofree char *status = NULL;
  g_autofree char *stored = NULL;
  g_autofree char *log = NULL;
  int pid;

  vb_guest_fixture_boot (f, xml, BOOT_TIMEOUT_MS);

  /* What the guest sees of the arguments. */
  serial = vb_test_console_output (f->console, "cat /sys/class/dmi/id/product_serial", 30000);
  g_assert_nonnull (strstr (serial, "VBTEST"));
  ids = vb_test_guest_pci_ids (f->console);
  g_assert_nonnull (strstr (ids, "id=0x1b36:0x0011"));

  /* On the host: the arguments last, one argv entry each; the variables in
   * QEMU's environment, the empty one too; still in seccomp's filter mode. */
  pid = vb_test_qemu_pid (f->env, f->path);
  cmdline = proc_lines (pid, "cmdline");
  g_assert_true (
    g_str_has_suffix (cmdline, "\n-smbios\ntype=1,serial=VBTEST\n-device\npvpanic-pci\n"));
  environ_ = proc_lines (pid, "environ");
  g_assert_nonnull (strstr (environ_, "\nVB_PASSTHROUGH=a b;$(id)\n"));
  g_assert_nonnull (strstr (environ_, "\nVB_EMPTY=\n"));
  status = proc_lines (pid, "status");
  g_assert_nonnull (strstr (status, "\nSeccomp:\t2\n"));

  /* Kept as written; the start logged as tainted. */
  stored = vb_test_get_xml (f->env, f->path, IFACE_DOMAIN, 0);
  g_assert_nonnull (strstr (stored, "<ns0:env name='VB_EMPTY'/>"));
  log = vb_test_env_daemon_log (f->env);
  g_assert_nonnull (strstr (log, "QEMU arguments passed through (tainted)"));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add ("/xml-passthrough/guest", Fixture, NULL, vb_guest_fixture_set_up, test_passthrough,
              vb_guest_fixture_tear_down);
  return g_test_run ();
}
