/* What <on_crash>, <on_poweroff>, <on_reboot>, <panic> and <watchdog> make
 * of the project's test guest under QEMU, as a client sees it: the guest
 * panics (echo c > /proc/sysrq-trigger with a pvpanic device), powers off,
 * reboots or stops feeding its watchdog, and the service restarts it (its
 * ready banner comes again, in the same QEMU), ends it, keeps it crashed or
 * writes its memory to a core file, with libvirt's events. */
#include <glib/gstdio.h>
#include <stdlib.h>
#include <string.h>

#include "vb-test-env.h"

#define READY "VIRTBUS-GUEST-READY"
#define BOOT_TIMEOUT_MS 120000
#define EVENT_TIMEOUT_MS 60000
#define GUEST_MIB 160

typedef struct {
  VbTestEnv *env;
  VbSignalLog *signals;
  char *path;
  VbTestConsole *console;
} Fixture;

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  /* Also org.libvirt, whose Watchdog and PM signals the tests look for. */
  static const char *const args[] = { "--libvirt-dbus", NULL };

  f->env = vb_test_env_new (VB_TEST_ENV_NONE);
  vb_test_env_start_daemon (f->env, args);
  f->signals = vb_signal_log_new (f->env);
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  g_clear_pointer (&f->console, vb_test_console_free);
  g_assert_true (vb_test_env_daemon_alive (f->env));
  vb_signal_log_free (f->signals);
  g_free (f->path);
  vb_test_env_free (f->env);
}

/* Boots the test guest on @machine with @actions (the <on_*> elements)
 * and @devices, and opens its console. */
static void
boot_kernel (Fixture *f, const char *machine, const char *actions, const char *devices,
             gboolean bzimage)
{
  g_autofree char *xml =
    vb_test_guest_xml_on ("life", GUEST_MIB, machine, TRUE, "vb.counter=0", devices);
  g_autoptr (GString) text = g_string_new (xml);
  g_autofree char *before_devices = g_strdup_printf ("%s  <devices>\n", actions);

  g_assert_cmpuint (g_string_replace (text, "  <devices>\n", before_devices, 1), ==, 1);
  /* The plain ELF kernel boots through PVH, from which the guest does not
   * come back after S3; the bzImage's usual entry does. */
  if (bzimage)
    g_assert_cmpuint (g_string_replace (text, "/vmlinux</kernel>", "/vmlinuz</kernel>", 1), ==, 1);
  f->path = vb_test_boot_guest (f->env, text->str, TRUE, BOOT_TIMEOUT_MS);
  f->console = vb_test_console_open (f->env, f->path);
  vb_signal_log_clear (f->signals);
}

static void
boot (Fixture *f, const char *machine, const char *actions, const char *devices)
{
  boot_kernel (f, machine, actions, devices, FALSE);
}

static char *
state (Fixture *f)
{
  g_autofree char *name = vb_test_get_string (f->env, f->path, IFACE_DOMAIN, "State");
  g_autofree char *reason = vb_test_get_string (f->env, f->path, IFACE_DOMAIN, "StateReason");

  return g_strdup_printf ("%s/%s", name, reason);
}

static guint
count (const char *text, const char *needle)
{
  guint n = 0;

  for (const char *p = text ? strstr (text, needle) : NULL; p; p = strstr (p + 1, needle))
    n++;
  return n;
}

/* Waits until the guest's console log shows the ready banner @n times. */
static void
wait_ready (Fixture *f, guint n)
{
  g_autofree char *log = vb_test_console_log_of (f->env, f->path);
  g_autofree char *text = NULL;

  for (guint i = 0; i < BOOT_TIMEOUT_MS / 200; i++)
    {
      g_clear_pointer (&text, g_free);
      g_file_get_contents (log, &text, NULL, NULL);
      if (count (text, READY) >= n)
        break;
      g_usleep (200 * 1000);
    }
  g_assert_cmpuint (count (text, READY), ==, n);
}

/* Types @command on the guest's console, which does not come back. */
static void
guest_does (Fixture *f, const char *command)
{
  vb_test_console_type (f->console, command);
}

static void
wait_event (Fixture *f, const char *needle)
{
  if (!vb_signal_log_wait (f->signals, needle, EVENT_TIMEOUT_MS))
    {
      vb_signal_log_dump (f->signals);
      g_error ("no %s", needle);
    }
}

/* The core files the service wrote into its state directory. */
static GPtrArray *
dumps (Fixture *f)
{
  g_autofree char *dir = g_build_filename (f->env->state_dir, "qemu-dump", NULL);
  g_autoptr (GDir) listing = g_dir_open (dir, 0, NULL);
  GPtrArray *files = g_ptr_array_new_with_free_func (g_free);
  const char *name;

  while (listing && (name = g_dir_read_name (listing)))
    g_ptr_array_add (files, g_build_filename (dir, name, NULL));
  return files;
}

/* A core file of the guest's memory: an ELF file at least as big as it. */
static void
assert_core_file (const char *path)
{
  g_autoptr (GFile) file = g_file_new_for_path (path);
  g_autoptr (GFileInfo) info =
    g_file_query_info (file, G_FILE_ATTRIBUTE_STANDARD_SIZE, G_FILE_QUERY_INFO_NONE, NULL, NULL);
  g_autoptr (GFileInputStream) in = g_file_read (file, NULL, NULL);
  guchar magic[4] = { 0 };

  g_assert_nonnull (info);
  g_assert_cmpuint (g_file_info_get_size (info), >=, (guint64) GUEST_MIB << 20);
  g_assert_true (g_input_stream_read_all (G_INPUT_STREAM (in), magic, 4, NULL, NULL, NULL));
  g_assert_cmpmem (magic, 4, "\177ELF", 4);
}

/* on_crash restart: the panicked guest boots again in the same QEMU and
 * runs, running / crashed, as libvirt's fake reboot. */
static void
test_crash_restart (Fixture *f, gconstpointer data)
{
  int pid;
  g_autofree char *events = NULL;
  g_autofree char *now = NULL;

  boot (f, "pc", "  <on_crash>restart</on_crash>\n", "    <panic model='isa'/>\n");
  pid = vb_test_qemu_pid (f->env, f->path);
  guest_does (f, "echo c > /proc/sysrq-trigger");
  wait_event (f, "('resumed', 'unpaused')");
  events = vb_signal_log_lifecycle (f->signals, f->path);
  g_assert_cmpstr (events, ==, "('crashed', 'panicked') ('resumed', 'unpaused')");
  now = state (f);
  g_assert_cmpstr (now, ==, "running/crashed");
  wait_ready (f, 2);
  g_assert_cmpint (vb_test_qemu_pid (f->env, f->path), ==, pid);
  vb_test_call_void (f->env, f->path, IFACE_DOMAIN, "Destroy", g_variant_new ("(u)", 0));
}

/* on_crash preserve: the guest stays crashed (not paused) for inspection. */
static void
test_crash_preserve (Fixture *f, gconstpointer data)
{
  g_autofree char *now = NULL;
  g_autofree char *events = NULL;

  boot (f, "pc", "  <on_crash>preserve</on_crash>\n", "    <panic/>\n");
  guest_does (f, "echo c > /proc/sysrq-trigger");
  wait_event (f, "('crashed', 'panicked')");
  /* QEMU's STOP after the panic changes nothing. */
  g_usleep (2 * G_USEC_PER_SEC);
  now = state (f);
  g_assert_cmpstr (now, ==, "crashed/panicked");
  events = vb_signal_log_lifecycle (f->signals, f->path);
  g_assert_cmpstr (events, ==, "('crashed', 'panicked')");
  vb_test_call_void (f->env, f->path, IFACE_DOMAIN, "Destroy", g_variant_new ("(u)", 0));
  wait_event (f, "('stopped', 'destroyed')");
}

/* on_crash coredump-destroy, with the PCI pvpanic device of a q35 guest:
 * the memory goes to a core file, then QEMU is ended: shutoff / crashed. */
static void
test_crash_coredump_destroy (Fixture *f, gconstpointer data)
{
  g_autoptr (GPtrArray) files = NULL;
  g_autofree char *now = NULL;
  g_autofree char *events = NULL;

  boot (f, "q35", "  <on_crash>coredump-destroy</on_crash>\n", "    <panic model='pvpanic'/>\n");
  guest_does (f, "echo c > /proc/sysrq-trigger");
  wait_event (f, "('stopped', 'crashed')");
  events = vb_signal_log_lifecycle (f->signals, f->path);
  g_assert_cmpstr (events, ==, "('crashed', 'panicked') ('stopped', 'crashed')");
  now = state (f);
  g_assert_cmpstr (now, ==, "shutoff/crashed");
  files = dumps (f);
  g_assert_cmpuint (files->len, ==, 1);
  assert_core_file (files->pdata[0]);
}

/* on_poweroff restart: the guest's power-off boots it again. */
static void
test_poweroff_restart (Fixture *f, gconstpointer data)
{
  g_autofree char *events = NULL;
  g_autofree char *now = NULL;
  int pid;

  boot (f, "pc", "  <on_poweroff>restart</on_poweroff>\n", NULL);
  pid = vb_test_qemu_pid (f->env, f->path);
  guest_does (f, "poweroff -f");
  wait_event (f, "('resumed', 'unpaused')");
  events = vb_signal_log_lifecycle (f->signals, f->path);
  g_assert_cmpstr (events, ==,
                   "('shutdown', 'finished') ('shutdown', 'guest') ('resumed', 'unpaused')");
  now = state (f);
  g_assert_cmpstr (now, ==, "running/booted");
  wait_ready (f, 2);
  g_assert_cmpint (vb_test_qemu_pid (f->env, f->path), ==, pid);
  vb_test_call_void (f->env, f->path, IFACE_DOMAIN, "Destroy", g_variant_new ("(u)", 0));
}

/* on_reboot destroy: the guest's reboot ends it, as a shutdown. */
static void
test_reboot_destroy (Fixture *f, gconstpointer data)
{
  g_autofree char *events = NULL;
  g_autofree char *now = NULL;

  boot (f, "pc", "  <on_reboot>destroy</on_reboot>\n", NULL);
  guest_does (f, "reboot -f");
  wait_event (f, "('stopped', 'shutdown')");
  events = vb_signal_log_lifecycle (f->signals, f->path);
  g_assert_cmpstr (events, ==,
                   "('shutdown', 'finished') ('shutdown', 'guest') ('stopped', 'shutdown')");
  now = state (f);
  g_assert_cmpstr (now, ==, "shutoff/shutdown");
}

/* <watchdog action='dump'>: the guest arms its i6300esb (busybox watchdog,
 * 2 s) and stops feeding it (SIGKILL, no magic close): QEMU pauses it,
 * the service writes its memory to a core file and resumes it. Clients see
 * Watchdog('pause') and the pause and resume events. */
static void
test_watchdog_dump (Fixture *f, gconstpointer data)
{
  g_autoptr (GPtrArray) files = NULL;
  g_autofree char *events = NULL;
  g_autofree char *now = NULL;
  g_autofree char *armed = NULL;

  boot (f, "pc", "", "    <watchdog model='i6300esb' action='dump'/>\n");
  armed = vb_test_console_output (f->console,
                                  "watchdog -T 2 -t 1 /dev/watchdog && sleep 1 && "
                                  "killall -9 watchdog && echo armed",
                                  60000);
  g_assert_nonnull (strstr (armed, "armed"));
  wait_event (f, "Domain.Watchdog");
  g_assert_cmpint (vb_signal_log_find (f->signals, "('pause',)"), ==,
                   vb_signal_log_find (f->signals, "Domain.Watchdog"));
  wait_event (f, "('resumed', 'unpaused')");
  events = vb_signal_log_lifecycle (f->signals, f->path);
  g_assert_true (g_str_has_prefix (events, "('suspended', 'watchdog') ('resumed', 'unpaused')"));
  /* libvirt-dbus's Watchdog(i): 1 is VIR_DOMAIN_EVENT_WATCHDOG_PAUSE. */
  wait_event (f, "org.libvirt.Domain.Watchdog");
  g_assert_cmpint (vb_signal_log_find (f->signals, "org.libvirt.Domain.Watchdog"), ==,
                   vb_signal_log_find (f->signals, " (1,)"));
  files = dumps (f);
  g_assert_cmpuint (files->len, >=, 1);
  assert_core_file (files->pdata[0]);
  now = state (f);
  g_assert_true (g_str_has_prefix (now, "running/") || g_str_has_prefix (now, "paused/watchdog"));
  vb_test_call_void (f->env, f->path, IFACE_DOMAIN, "Destroy", g_variant_new ("(u)", 0));
}

/* <pm><suspend-to-mem enabled='yes'/>: the guest sees S3 in its ACPI tables
 * and suspends to RAM; its RTC alarm wakes it. Clients see pmsuspended /
 * memory, then started / wakeup; the second time PMWakeup() wakes it.
 * enabled='no' takes S3 away. */
static void
test_pm_suspend_to_mem (Fixture *f, gconstpointer data)
{
  g_autofree char *states = NULL;
  g_autofree char *events = NULL;
  g_autofree char *now = NULL;

  boot_kernel (f, "pc", "  <pm>\n    <suspend-to-mem enabled='yes'/>\n  </pm>\n", NULL, TRUE);
  /* "deep" is S3; s2idle, the kernel's own, is there without it too. */
  states = vb_test_console_output (f->console, "cat /sys/power/mem_sleep", 60000);
  g_assert_nonnull (strstr (states, "deep"));
  guest_does (f, "echo +4 > /sys/class/rtc/rtc0/wakealarm && echo mem > /sys/power/state");
  wait_event (f, "('pmsuspended', 'memory')");
  wait_event (f, "('started', 'wakeup')");
  events = vb_signal_log_lifecycle (f->signals, f->path);
  g_assert_cmpstr (events, ==, "('pmsuspended', 'memory') ('started', 'wakeup')");
  /* And libvirt-dbus's own PM signals beside them; they are separate
   * messages, so the second may still be on its way. */
  wait_event (f, "org.libvirt.Domain.PMSuspend ");
  wait_event (f, "org.libvirt.Domain.PMWakeup ");
  g_assert_cmpint (vb_signal_log_find (f->signals, "org.libvirt.Domain.PMSuspend "), <,
                   vb_signal_log_find (f->signals, "org.libvirt.Domain.PMWakeup "));
  now = state (f);
  g_assert_cmpstr (now, ==, "running/wakeup");
  /* Back, and its shell answers again, once its serial port is back too
   * (what is typed while the UART resumes is lost). */
  g_usleep (3 * G_USEC_PER_SEC);
  g_clear_pointer (&states, g_free);
  states = vb_test_console_output (f->console, "echo awake", 60000);
  g_assert_nonnull (strstr (states, "awake"));
  /* Only a suspended guest wakes up; then PMWakeup() is what wakes it. */
  vb_test_call_expect_error_saying (f->env, f->path, IFACE_DOMAIN, "PMWakeup",
                                    g_variant_new ("(u)", 0),
                                    "org.virtbus.Virt1.Error.OperationInvalid",
                                    "is not suspended by its power management");
  vb_signal_log_clear (f->signals);
  guest_does (f, "echo mem > /sys/power/state");
  wait_event (f, "('pmsuspended', 'memory')");
  g_usleep (G_USEC_PER_SEC);
  g_clear_pointer (&now, g_free);
  now = state (f);
  g_assert_cmpstr (now, ==, "pmsuspended/unknown");
  vb_test_call_void (f->env, f->path, IFACE_DOMAIN, "PMWakeup", g_variant_new ("(u)", 0));
  wait_event (f, "('started', 'wakeup')");
  g_clear_pointer (&now, g_free);
  now = state (f);
  g_assert_cmpstr (now, ==, "running/wakeup");
  vb_test_call_void (f->env, f->path, IFACE_DOMAIN, "Destroy", g_variant_new ("(u)", 0));
}

static void
test_pm_no_suspend_to_mem (Fixture *f, gconstpointer data)
{
  g_autofree char *states = NULL;

  boot (f, "pc", "  <pm>\n    <suspend-to-mem enabled='no'/>\n  </pm>\n", NULL);
  states = vb_test_console_output (f->console, "cat /sys/power/mem_sleep", 60000);
  g_assert_nonnull (strstr (states, "s2idle"));
  g_assert_null (strstr (states, "deep"));
  vb_test_call_void (f->env, f->path, IFACE_DOMAIN, "Destroy", g_variant_new ("(u)", 0));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
#define ADD(name, fn) \
  g_test_add ("/xml-lifecycle/" name, Fixture, NULL, fixture_set_up, fn, fixture_tear_down)
  ADD ("crash-restart", test_crash_restart);
  ADD ("crash-preserve", test_crash_preserve);
  ADD ("crash-coredump-destroy", test_crash_coredump_destroy);
  ADD ("poweroff-restart", test_poweroff_restart);
  ADD ("reboot-destroy", test_reboot_destroy);
  ADD ("watchdog-dump", test_watchdog_dump);
  ADD ("pm-suspend-to-mem", test_pm_suspend_to_mem);
  ADD ("pm-no-suspend-to-mem", test_pm_no_suspend_to_mem);
  return g_test_run ();
}
