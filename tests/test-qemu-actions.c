/* The domain actions on the project's test guest under QEMU, seen from
 * inside the guest where it can show them (keys on its keyboard device, the
 * NMI in its kernel log, the balloon in its memory, a new vCPU, a reset
 * boot) and from the host where it cannot (the CD-ROM image QEMU holds
 * open: the guest has no CD-ROM driver). */
#include <glib/gstdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vb-test-env.h"

#define READY "VIRTBUS-GUEST-READY"
#define BOOT_TIMEOUT_MS 120000
#define GUEST_MIB 192

typedef struct {
  VbTestEnv *env;
  VbSignalLog *signals;
  char *one; /* two CD-ROM images */
  char *two;
  char *path;
  VbTestConsole *console;
} Fixture;

/* The test guest with one vCPU of two, a balloon and a CD-ROM (ide hdc)
 * holding f->one. */
static char *
guest_xml (Fixture *f)
{
  g_autofree char *devices = g_strdup_printf ("    <disk type='file' device='cdrom'>\n"
                                              "      <driver name='qemu' type='raw'/>\n"
                                              "      <source file='%s'/>\n"
                                              "      <target dev='hdc' bus='ide'/>\n"
                                              "      <readonly/>\n"
                                              "    </disk>\n"
                                              "    <memballoon model='virtio'/>\n",
                                              f->one);
  g_autofree char *xml = vb_test_guest_xml ("actions1", GUEST_MIB, "vb.counter=0", devices);
  g_autoptr (GString) text = g_string_new (xml);

  g_assert_cmpuint (g_string_replace (text, "<vcpu>1</vcpu>", "<vcpu current='1'>2</vcpu>", 1), ==,
                    1);
  return g_string_free (g_steal_pointer (&text), FALSE);
}

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  g_autofree char *xml = NULL;

  f->env = vb_test_env_new (VB_TEST_ENV_NONE);
  f->one = g_build_filename (f->env->tmpdir, "one.iso", NULL);
  f->two = g_build_filename (f->env->tmpdir, "two.iso", NULL);
  vb_test_sparse_file (f->one, 1 << 20);
  vb_test_sparse_file (f->two, 1 << 20);
  vb_test_env_start_daemon (f->env, NULL);
  f->signals = vb_signal_log_new (f->env);
  xml = guest_xml (f);
  f->path = vb_test_boot_guest (f->env, xml, TRUE, BOOT_TIMEOUT_MS);
  f->console = vb_test_console_open (f->env, f->path);
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  g_clear_pointer (&f->console, vb_test_console_free);
  g_assert_true (vb_test_env_daemon_alive (f->env));
  vb_signal_log_free (f->signals);
  g_free (f->one);
  g_free (f->two);
  g_free (f->path);
  vb_test_env_free (f->env);
}

static char *
run (Fixture *f, const char *command)
{
  return vb_test_console_output (f->console, command, 60000);
}

/* Whether QEMU holds @file open. */
static gboolean
qemu_has_open (Fixture *f, const char *file)
{
  g_autofree char *dir = g_strdup_printf ("/proc/%d/fd", vb_test_qemu_pid (f->env, f->path));
  g_autoptr (GDir) fds = g_dir_open (dir, 0, NULL);
  const char *name;

  g_assert_nonnull (fds);
  while ((name = g_dir_read_name (fds)))
    {
      g_autofree char *link = g_build_filename (dir, name, NULL);
      g_autofree char *target = g_file_read_link (link, NULL);

      if (g_strcmp0 (target, file) == 0)
        return TRUE;
    }
  return FALSE;
}

static GVariant *
send_key_args (guint codeset, guint holdtime, const guint32 *codes, gsize n)
{
  return g_variant_new (
    "(uu@auu)", codeset, holdtime,
    g_variant_new_fixed_array (G_VARIANT_TYPE_UINT32, codes, n, sizeof (guint32)), 0);
}

/* The time in µs between the press and the release of @code in what od
 * printed of the event device (24 bytes a line: seconds, µs, type, code,
 * value), -1 when either is missing. */
static gint64
held_us (const char *od, guint code)
{
  g_auto (GStrv) lines = g_strsplit (od, "\n", -1);
  gint64 pressed = -1, released = -1;

  for (guint i = 0; lines[i]; i++)
    {
      guint8 b[24];
      guint n = 0;
      gint64 t;

      for (char *p = lines[i]; n < 24 && *p;)
        {
          char *end;
          guint64 v = g_ascii_strtoull (p, &end, 16);

          if (end == p)
            {
              p++;
              continue;
            }
          b[n++] = (guint8) v;
          p = end;
        }
      if (n != 24 || b[16] != 1 || b[17] != 0 || b[18] != (code & 0xff) || b[19] != (code >> 8))
        continue;
      {
        guint32 sec, usec;

        memcpy (&sec, b, sizeof sec);
        memcpy (&usec, b + 8, sizeof usec);
        t = (gint64) GUINT32_FROM_LE (sec) * G_USEC_PER_SEC + GUINT32_FROM_LE (usec);
      }
      if (b[20] == 1)
        pressed = t;
      else if (b[20] == 0)
        released = t;
    }
  return pressed >= 0 && released >= 0 ? released - pressed : -1;
}

/* Keys reach the guest's keyboard: its evdev device reports them. */
static void
check_keys (Fixture *f)
{
  g_autofree char *devices = run (f, "cat /proc/bus/input/devices");
  g_autofree char *event = NULL;
  g_autofree char *command = NULL;
  g_autofree char *seen = NULL;
  g_autoptr (GMatchInfo) match = NULL;
  g_autoptr (GRegex) handlers =
    g_regex_new ("keyboard\"[\\s\\S]*?Handlers=[^\\n]*(event[0-9]+)", 0, 0, NULL);
  /* KEY_A as linux, then Ctrl+Alt+Delete's Delete as win32 (VK_DELETE). */
  const guint32 key_a[] = { 30 };
  const guint32 vk_delete[] = { 0x2e };

  g_assert_true (g_regex_match_simple ("AT Translated Set 2 keyboard", devices, 0, 0));
  g_assert_true (g_regex_match (handlers, devices, 0, &match));
  event = g_match_info_fetch (match, 1);
  /* What the device reports from now on, read back with od below: each
   * input_event is 24 bytes, type (2), code (2) and value (4) at offset 16. */
  command = g_strdup_printf ("(cat /dev/input/%s > /tmp/keys &)", event);
  run (f, command);
  g_usleep (500 * 1000);
  vb_test_call_void (f->env, f->path, IFACE_DOMAIN, "SendKey", send_key_args (0, 0, key_a, 1));
  vb_test_call_void (f->env, f->path, IFACE_DOMAIN, "SendKey", send_key_args (8, 300, vk_delete, 1));
  g_usleep (1500 * 1000);
  seen = run (f, "od -An -tx1 -v -w24 /tmp/keys");
  g_test_message ("the guest's keyboard reported:\n%s", seen);
  /* type EV_KEY (01 00), code KEY_A (1e 00) or KEY_DELETE (6f 00), value
   * pressed (01 ...) then released (00 ...), little-endian. */
  g_assert_nonnull (strstr (seen, "01 00 1e 00 01 00 00 00"));
  g_assert_nonnull (strstr (seen, "01 00 1e 00 00 00 00 00"));
  g_assert_nonnull (strstr (seen, "01 00 6f 00 01 00 00 00"));
  g_assert_nonnull (strstr (seen, "01 00 6f 00 00 00 00 00"));
  /* Delete was held the 300 ms asked, not QEMU's default of 100 ms; the
   * guest stamps each event when it takes the interrupt, which under a
   * loaded TCG can come late for the press, hence the 50 ms of slack. */
  g_assert_cmpint (held_us (seen, 0x6f), >=, 250000);
}

/* The CD-ROM's <disk> element of @xml without its <source>. */
static char *
cdrom_without_source (const char *xml)
{
  g_autoptr (GRegex) drive =
    g_regex_new ("<disk type='file' device='cdrom'>[\\s\\S]*?</disk>", 0, 0, NULL);
  g_autoptr (GRegex) source = g_regex_new ("<source [^>]*/>", 0, 0, NULL);
  g_autoptr (GMatchInfo) match = NULL;
  g_autofree char *element = NULL;

  g_assert_true (g_regex_match (drive, xml, 0, &match));
  element = g_match_info_fetch (match, 0);
  return g_regex_replace_literal (source, element, -1, 0, "", 0, NULL);
}

static guint
count_lines (const char *text, const char *needle)
{
  guint n = 0;

  for (const char *p = strstr (text, needle); p; p = strstr (p + 1, needle))
    n++;
  return n;
}

static guint64
guest_mem_total_kib (Fixture *f)
{
  g_autofree char *line = run (f, "grep MemTotal /proc/meminfo");

  return g_ascii_strtoull (line + strcspn (line, "0123456789"), NULL, 10);
}

static void
test_actions (Fixture *f, gconstpointer data)
{
  g_autofree char *log = vb_test_console_log_of (f->env, f->path);
  g_autofree char *live = NULL;
  g_autofree char *nmi_before = NULL;
  g_autofree char *nmi_after = NULL;
  guint64 total_before, total_after;

  /* InjectNMI: the guest's kernel reports it. */
  nmi_before = run (f, "dmesg | grep -c NMI || true");
  vb_test_call_void (f->env, f->path, IFACE_DOMAIN, "InjectNMI", g_variant_new ("(u)", 0));
  g_usleep (500 * 1000);
  nmi_after = run (f, "dmesg | grep -c NMI || true");
  g_assert_cmpint (atoi (nmi_after), >, atoi (nmi_before));

  /* SendKey */
  check_keys (f);

  /* SetMemory LIVE: the balloon takes memory away from the guest. */
  total_before = guest_mem_total_kib (f);
  vb_test_call_void (f->env, f->path, IFACE_DOMAIN, "SetMemory",
                     g_variant_new ("(tu)", (guint64) 128 * 1024, 1));
  g_assert_cmpuint (vb_test_get_u64 (f->env, f->path, IFACE_DOMAIN, "CurrentMemoryKiB"), ==,
                    128 * 1024);
  for (guint i = 0; i < 100; i++)
    {
      total_after = guest_mem_total_kib (f);
      if (total_after + 32 * 1024 < total_before)
        break;
      g_usleep (200 * 1000);
    }
  g_assert_cmpuint (total_after + 32 * 1024, <, total_before);
  /* QEMU told how far the balloon got: BalloonChange, at last the target. */
  {
    g_autofree char *reached =
      g_strdup_printf ("Domain.BalloonChange %s (%u,)", f->path, 128 * 1024);

    g_assert_true (vb_signal_log_wait (f->signals, reached, 10000));
  }
  live = vb_test_get_xml (f->env, f->path, IFACE_DOMAIN, 0);
  g_assert_nonnull (strstr (live, "<currentMemory unit='KiB'>131072</currentMemory>"));

  /* SetVcpus LIVE: the second vCPU is plugged in and the guest sees it. */
  {
    g_autofree char *before = run (f, "cat /sys/devices/system/cpu/present");
    g_autofree char *after = NULL;

    g_assert_cmpstr (g_strstrip (before), ==, "0");
    vb_test_call_void (f->env, f->path, IFACE_DOMAIN, "SetVcpus", g_variant_new ("(uu)", 2, 1));
    g_assert_true (vb_test_wait_property (f->env, f->path, IFACE_DOMAIN, "Vcpus",
                                          g_variant_new_uint32 (2), 2000));
    for (guint i = 0; i < 50; i++)
      {
        g_free (after);
        after = run (f, "cat /sys/devices/system/cpu/present");
        if (g_str_equal (g_strstrip (after), "0-1"))
          break;
        g_usleep (200 * 1000);
      }
    g_assert_cmpstr (after, ==, "0-1");
    g_free (live);
    live = vb_test_get_xml (f->env, f->path, IFACE_DOMAIN, 0);
    g_assert_nonnull (strstr (live, "<vcpu>2</vcpu>"));
  }

  /* UpdateDevice: eject as Cockpit does it (the drive's element of the live
   * XML, alias and address included, without its <source>; LIVE|CONFIG),
   * then insert another image (LIVE). */
  {
    g_autofree char *eject = cdrom_without_source (live);
    g_autofree char *insert = g_strdup_printf (
      "<disk type='file' device='cdrom'><driver name='qemu' type='raw'/><source file='%s'/>"
      "<target dev='hdc' bus='ide'/><readonly/></disk>",
      f->two);
    g_autofree char *one_source = g_strdup_printf ("<source file='%s'/>", f->one);
    g_autofree char *two_source = g_strdup_printf ("<source file='%s'/>", f->two);
    g_autofree char *tray_opened =
      g_strdup_printf ("Domain.TrayChange %s ('disk-hdc', 0)", f->path);
    g_autofree char *tray_closed =
      g_strdup_printf ("Domain.TrayChange %s ('disk-hdc', 1)", f->path);

    g_assert_true (qemu_has_open (f, f->one));
    vb_signal_log_clear (f->signals);
    g_assert_nonnull (strstr (eject, "<alias name='disk-hdc'/>"));
    vb_test_call_void (f->env, f->path, IFACE_DOMAIN, "UpdateDevice",
                       g_variant_new ("(su)", eject, 1 | 2));
    {
      g_autofree char *inactive = vb_test_get_xml (f->env, f->path, IFACE_DOMAIN, 2);

      g_assert_null (strstr (inactive, one_source));
    }
    /* The tray opened for the eject and closed on the empty drive. */
    g_assert_true (vb_signal_log_wait (f->signals, tray_closed, 5000));
    g_assert_cmpint (vb_signal_log_find (f->signals, tray_opened), >=, 0);
    g_assert_cmpint (vb_signal_log_find (f->signals, tray_opened), <,
                     vb_signal_log_find (f->signals, tray_closed));
    g_assert_false (qemu_has_open (f, f->one));
    g_free (live);
    live = vb_test_get_xml (f->env, f->path, IFACE_DOMAIN, 0);
    g_assert_null (strstr (live, one_source));
    vb_test_call_void (f->env, f->path, IFACE_DOMAIN, "UpdateDevice",
                       g_variant_new ("(su)", insert, 1));
    g_assert_true (qemu_has_open (f, f->two));
    g_free (live);
    live = vb_test_get_xml (f->env, f->path, IFACE_DOMAIN, 0);
    g_assert_nonnull (strstr (live, two_source));
    /* A missing image is refused before the tray opens; the medium stays. */
    {
      g_autofree char *missing =
        g_strdup_printf ("<disk type='file' device='cdrom'><source file='%s/none.iso'/>"
                         "<target dev='hdc' bus='ide'/></disk>",
                         f->env->tmpdir);

      vb_test_call_expect_error_saying (f->env, f->path, IFACE_DOMAIN, "UpdateDevice",
                                        g_variant_new ("(su)", missing, 1),
                                        ERROR_PREFIX "NotSupported", "does not exist");
      g_assert_true (qemu_has_open (f, f->two));
    }
  }

  /* DeviceRemoved: a disk plugged in and out again, its alias in the signal. */
  {
    g_autofree char *extra = g_build_filename (f->env->tmpdir, "extra.img", NULL);
    g_autofree char *disk = NULL;
    g_autofree char *removed = g_strdup_printf ("Domain.DeviceRemoved %s ('disk-vdb',)", f->path);

    vb_test_sparse_file (extra, 1 << 20);
    disk = vb_test_disk_xml (extra, "raw", "vdb");
    vb_test_call_void (f->env, f->path, IFACE_DOMAIN, "AttachDevice",
                       g_variant_new ("(su)", disk, 1));
    g_free (live);
    live = vb_test_get_xml (f->env, f->path, IFACE_DOMAIN, 0);
    g_assert_nonnull (strstr (live, "<alias name='disk-vdb'/>"));
    vb_test_call_void (f->env, f->path, IFACE_DOMAIN, "DetachDevice",
                       g_variant_new ("(su)", "<disk><target dev='vdb'/></disk>", 1));
    g_assert_true (vb_signal_log_wait (f->signals, removed, 5000));
  }

  /* Reset: the guest boots again in the same QEMU, State stays, no event. */
  {
    int pid = vb_test_qemu_pid (f->env, f->path);
    g_autofree char *text = NULL;

    vb_signal_log_clear (f->signals);
    vb_test_call_void (f->env, f->path, IFACE_DOMAIN, "Reset", g_variant_new ("(u)", 0));
    for (guint i = 0; i < BOOT_TIMEOUT_MS / 200; i++)
      {
        g_free (text);
        g_file_get_contents (log, &text, NULL, NULL);
        if (text && count_lines (text, READY) >= 2)
          break;
        g_usleep (200 * 1000);
      }
    g_assert_cmpuint (count_lines (text, READY), ==, 2);
    g_assert_cmpint (vb_test_qemu_pid (f->env, f->path), ==, pid);
    g_assert_cmpint (vb_signal_log_find (f->signals, "LifecycleEvent"), <, 0);
    {
      g_autofree char *state = vb_test_get_string (f->env, f->path, IFACE_DOMAIN, "State");
      g_assert_cmpstr (state, ==, "running");
    }
  }
}

/* A renamed domain continues from the managed save image it had under its
 * old name, running under the new one. */
static void
test_rename_managed_save (Fixture *f, gconstpointer data)
{
  g_autofree char *job =
    vb_test_call_path (f->env, f->path, IFACE_DOMAIN, "ManagedSave", g_variant_new ("(u)", 0));
  g_autofree char *live = NULL;
  g_autofree char *name = NULL;
  g_autofree char *alive = NULL;

  vb_test_job_wait_completed (f->env, job, 120000);
  g_assert_true (vb_test_wait_property (f->env, f->path, IFACE_DOMAIN, "HasManagedSave",
                                        g_variant_new_boolean (TRUE), 10000));
  vb_test_call_void (f->env, f->path, IFACE_DOMAIN, "Rename",
                     g_variant_new ("(su)", "actions-renamed", 0));
  vb_test_call_void (f->env, f->path, IFACE_DOMAIN, "Start", g_variant_new ("(u)", 0));
  g_assert_true (vb_test_wait_property (f->env, f->path, IFACE_DOMAIN, "StateReason",
                                        g_variant_new_string ("restored"), 60000));
  name = vb_test_get_string (f->env, f->path, IFACE_DOMAIN, "Name");
  g_assert_cmpstr (name, ==, "actions-renamed");
  live = vb_test_get_xml (f->env, f->path, IFACE_DOMAIN, 0);
  g_assert_nonnull (strstr (live, "<name>actions-renamed</name>"));
  /* The guest goes on where it was. */
  g_clear_pointer (&f->console, vb_test_console_free);
  f->console = vb_test_console_open (f->env, f->path);
  alive = run (f, "echo still-$((40+2))");
  g_assert_nonnull (strstr (alive, "still-42"));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add ("/qemu-actions/all", Fixture, NULL, fixture_set_up, test_actions, fixture_tear_down);
  g_test_add ("/qemu-actions/rename-managed-save", Fixture, NULL, fixture_set_up,
              test_rename_managed_save, fixture_tear_down);
  return g_test_run ();
}
