/* Scripts and rawio at the driver (docs/xml-subset.md, "Host scripts and
 * raw I/O"): what the builder keeps (the taps' scripts, QEMU's
 * CAP_SYS_RAWIO), the check a script must pass at Start to be run as root,
 * and the downscripts through the status file a restarted service reads. */
#include <glib.h>
#include <glib/gstdio.h>
#include <linux/capability.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "domain-def.h"
#include "qemu-command.h"
#include "qemu-rawio.h"
#include "qemu-status.h"
#include "qemu-tap-script.h"
#include "vb-error.h"

static const char *const machines[] = { "pc", NULL };

static VbQemuCommand *
build (const char *devices, GError **error)
{
  VbQemuCommandContext context = {
    .qemu_binary = "qemu-system-x86_64",
    .domain_dir = "/run/virtbus/qemu/test",
    .nvram_dir = "/var/lib/virtbus/nvram",
    .machines = machines,
    .dry_run = TRUE,
  };
  g_autofree char *xml =
    g_strdup_printf ("<domain type='qemu'><name>d</name>"
                     "<uuid>c7a5fdbd-edaf-9455-926a-d65c16db1809</uuid>"
                     "<memory unit='MiB'>128</memory><vcpu>1</vcpu>"
                     "<os><type arch='x86_64' machine='pc'>hvm</type></os>"
                     "<devices>%s<memballoon model='none'/></devices></domain>",
                     devices);
  g_autoptr (VbDomainDef) def = vb_domain_def_parse (xml, error);

  if (!def)
    return NULL;
  return vb_qemu_command_build (def, &context, error);
}

#define LUN(rawio)                                                                     \
  "<controller type='scsi' model='virtio-scsi'/><disk type='block' device='lun'" rawio \
  "><source dev='/dev/sdz'/><target dev='sda' bus='scsi'/></disk>"

static void
test_kept (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (VbQemuCommand) command =
    build ("<interface type='ethernet'><mac address='52:54:00:00:00:01'/>"
           "<target dev='vbtest-s0'/><script path='/etc/qemu-ifup'/>"
           "<downscript path='/etc/qemu-ifdown'/></interface>"
           "<interface type='ethernet'><mac address='52:54:00:00:00:02'/>"
           "<target dev='vbtest-s1'/></interface>",
           &error);
  g_auto (GStrv) downscripts = NULL;
  const VbQemuTap *tap;

  g_assert_no_error (error);
  g_assert_cmpuint (command->taps->len, ==, 2);
  tap = command->taps->pdata[0];
  g_assert_cmpstr (tap->script, ==, "/etc/qemu-ifup");
  g_assert_cmpstr (tap->downscript, ==, "/etc/qemu-ifdown");
  tap = command->taps->pdata[1];
  g_assert_null (tap->script);
  g_assert_null (tap->downscript);
  downscripts = vb_tap_downscripts_of (command);
  g_assert_cmpuint (g_strv_length (downscripts), ==, 1);
  g_assert_cmpstr (downscripts[0], ==, "vbtest-s0:/etc/qemu-ifdown");
  g_assert_false (command->rawio);
}

static void
test_rawio_kept (void)
{
  static const struct {
    const char *devices;
    gboolean rawio;
  } cases[] = {
    { LUN (" rawio='yes'"), TRUE },
    { LUN (" rawio='no'"), FALSE },
    { LUN (""), FALSE },
    { "<controller type='scsi' model='virtio-scsi'/>"
      "<hostdev mode='subsystem' type='scsi' rawio='yes'><source><adapter name='scsi_host0'/>"
      "<address bus='0' target='1' unit='0'/></source></hostdev>",
      TRUE },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (VbQemuCommand) command = build (cases[i].devices, &error);

      g_assert_no_error (error);
      g_assert_cmpint (command->rawio, ==, cases[i].rawio);
    }
}

static char *
script_in (const char *dir, const char *name, int mode)
{
  char *path = g_build_filename (dir, name, NULL);

  g_assert_true (g_file_set_contents (path, "#!/bin/sh\nexit 0\n", -1, NULL));
  g_assert_cmpint (g_chmod (path, mode), ==, 0);
  return path;
}

static void
expect_unfit (const char *path, const char *words)
{
  g_autoptr (GError) error = NULL;

  g_assert_false (vb_tap_script_check ("script", path, &error));
  g_assert_error (error, VB_ERROR, VB_ERROR_NOT_SUPPORTED);
  if (!strstr (error->message, words) || !strstr (error->message, "<script path='"))
    g_error ("'%s' does not say '%s'", error->message, words);
}

/* Only a program only root can change is run as root. */
static void
test_script_check (void)
{
  char run_template[] = "/run/vb-hostroot-unit-XXXXXX";
  const char *run = g_mkdtemp_full (run_template, 0755);
  g_autofree char *tmp = g_dir_make_tmp ("vb-hostroot-unit-XXXXXX", NULL);
  g_autofree char *good = NULL;
  g_autofree char *plain = NULL;
  g_autofree char *shared = NULL;
  g_autofree char *other = NULL;
  g_autofree char *in_tmp = NULL;
  g_autofree char *to_tmp = g_build_filename (run, "to-tmp", NULL);
  g_autofree char *from_tmp = NULL;
  g_autofree char *via_tmp = g_build_filename (run, "via-tmp", NULL);
  g_autofree char *hop = NULL;
  g_autofree char *missing = g_build_filename (run, "missing", NULL);
  g_autoptr (GError) error = NULL;
  g_autofree char *out = NULL;

  if (getuid () != 0)
    {
      g_test_skip ("needs root (files owned by root in /run)");
      return;
    }
  g_assert_nonnull (run);
  g_assert_cmpint (g_chmod (tmp, 0755), ==, 0);
  good = script_in (run, "good", 0755);
  plain = script_in (run, "plain", 0644);
  shared = script_in (run, "shared", 0775);
  other = script_in (run, "other", 0755);
  g_assert_cmpint (chown (other, 65534, 65534), ==, 0);
  in_tmp = script_in (tmp, "in-tmp", 0755);
  from_tmp = g_build_filename (tmp, "from-tmp", NULL);
  g_assert_cmpint (symlink (in_tmp, to_tmp), ==, 0);
  g_assert_cmpint (symlink (good, from_tmp), ==, 0);
  /* A link in /run to a link in /tmp to the good script: whoever may
   * write /tmp may point that middle link elsewhere after the check. */
  hop = g_build_filename (tmp, "hop", NULL);
  g_assert_cmpint (symlink (good, hop), ==, 0);
  g_assert_cmpint (symlink (hop, via_tmp), ==, 0);

  g_assert_true (vb_tap_script_check ("script", good, &error));
  g_assert_no_error (error);
  expect_unfit (missing, "there is no such file");
  expect_unfit (plain, "it is not executable");
  expect_unfit (shared, "it is writable by its group or others");
  expect_unfit (other, "it is not owned by root");
  expect_unfit (run, "it is not a regular file");
  /* /tmp (sticky, world-writable) above it, through the link or the path. */
  expect_unfit (in_tmp, "a directory above it is not root's alone");
  expect_unfit (to_tmp, "a directory above it is not root's alone");
  expect_unfit (from_tmp, "a directory above it is not root's alone");
  expect_unfit (via_tmp, "a directory above it is not root's alone");
  out = g_strdup_printf ("rm -rf %s %s", run, tmp);
  g_assert_true (g_spawn_command_line_sync (out, NULL, NULL, NULL, NULL));
}

/* A directory above the script that is a link (/sbin on a merged /usr):
 * its mode says nothing; where it leads, every link on the way, does. */
static void
test_script_dir_links (void)
{
  char run_template[] = "/run/vb-hostroot-dirs-XXXXXX";
  const char *run = g_mkdtemp_full (run_template, 0755);
  g_autofree char *tmp = g_dir_make_tmp ("vb-hostroot-dirs-XXXXXX", NULL);
  g_autofree char *real = NULL;
  g_autofree char *inner = NULL;
  g_autofree char *linked = g_build_filename (run, "linked", NULL);
  g_autofree char *hop = NULL;
  g_autofree char *via_tmp = g_build_filename (run, "via-tmp", NULL);
  g_autofree char *through = NULL;
  g_autofree char *through_tmp = NULL;
  g_autofree char *out = NULL;
  g_autoptr (GError) error = NULL;

  if (getuid () != 0)
    {
      g_test_skip ("needs root (files owned by root in /run)");
      return;
    }
  g_assert_nonnull (run);
  g_assert_cmpint (g_chmod (tmp, 0755), ==, 0);
  real = g_build_filename (run, "real", NULL);
  g_assert_cmpint (g_mkdir (real, 0755), ==, 0);
  inner = script_in (real, "inner", 0755);
  /* run/linked -> real (relative, as /sbin -> usr/sbin) */
  g_assert_cmpint (symlink ("real", linked), ==, 0);
  /* run/via-tmp -> tmp/hop -> run/real: the hop is /tmp's to repoint. */
  hop = g_build_filename (tmp, "hop", NULL);
  g_assert_cmpint (symlink (real, hop), ==, 0);
  g_assert_cmpint (symlink (hop, via_tmp), ==, 0);
  through = g_build_filename (linked, "inner", NULL);
  through_tmp = g_build_filename (via_tmp, "inner", NULL);

  g_assert_true (vb_tap_script_check ("script", inner, &error));
  g_assert_no_error (error);
  g_assert_true (vb_tap_script_check ("script", through, &error));
  g_assert_no_error (error);
  expect_unfit (through_tmp, "a directory above it is not root's alone");
  out = g_strdup_printf ("rm -rf %s %s", run, tmp);
  g_assert_true (g_spawn_command_line_sync (out, NULL, NULL, NULL, NULL));
}

/* A restarted service still runs the downscripts when QEMU ends. */
static void
test_status_round_trip (void)
{
  g_autoptr (VbQemuStatus) status = g_new0 (VbQemuStatus, 1);
  g_autoptr (VbQemuStatus) read = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *json = NULL;
  const char *const entries[] = { "vbtest-s0:/etc/qemu-ifdown", "vb12345678-1:/usr/local/sbin/x",
                                  NULL };

  status->uuid = g_strdup ("c7a5fdbd-edaf-9455-926a-d65c16db1809");
  status->live_xml = g_strdup ("<domain type='qemu'><name>g</name></domain>");
  status->monitor_path = g_strdup ("/run/virtbus/qemu/x/monitor.sock");
  status->pid = 4242;
  status->downscripts = g_strdupv ((char **) entries);
  json = vb_qemu_status_to_json (status);
  read = vb_qemu_status_from_json (json, &error);
  g_assert_no_error (error);
  g_assert_true (g_strv_equal ((const char *const *) read->downscripts, entries));
}

/* The Cap* line @name of this process's status. */
static char *
own_cap (const char *name)
{
  g_autofree char *status = NULL;
  g_autofree char *key = g_strdup_printf ("\n%s:\t", name);
  const char *at;

  g_assert_true (g_file_get_contents ("/proc/self/status", &status, NULL, NULL));
  at = strstr (status, key);
  g_assert_nonnull (at);
  at += strlen (key);
  return g_strndup (at, strcspn (at, "\n"));
}

/* The drop QEMU's child setup makes for rawio='yes', in a child of the
 * test: QEMU's user, CAP_SYS_RAWIO and nothing else, kept across exec by
 * the ambient set. */
static void
test_rawio_drop (void)
{
  g_autoptr (VbUser) user = NULL;

  if (getuid () != 0)
    {
      g_test_skip ("needs root");
      return;
    }
  user = vb_user_lookup ("vbtest-qemu", NULL);
  if (!user)
    {
      g_test_skip ("no user vbtest-qemu: run tests/setup-test-users.sh");
      return;
    }
  if (g_test_subprocess ())
    {
      g_autofree char *eff = NULL;
      g_autofree char *amb = NULL;
      g_autofree char *bnd = NULL;

      vb_qemu_rawio_drop_to (user);
      eff = own_cap ("CapEff");
      amb = own_cap ("CapAmb");
      bnd = own_cap ("CapBnd");
      g_assert_cmpint (getuid (), ==, user->uid);
      g_assert_cmpstr (eff, ==, "0000000000020000");
      g_assert_cmpstr (amb, ==, "0000000000020000");
      g_assert_cmpstr (bnd, ==, "0000000000020000");
      return;
    }
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
}

/* A service without CAP_SYS_RAWIO in its bounding set cannot give it:
 * refused by name at Start. */
static void
test_rawio_impossible (void)
{
  g_autoptr (GError) error = NULL;

  if (prctl (PR_CAPBSET_READ, CAP_SYS_RAWIO, 0, 0, 0) != 1)
    {
      g_test_skip ("this test runs without CAP_SYS_RAWIO");
      return;
    }
  if (g_test_subprocess ())
    {
      g_assert_cmpint (prctl (PR_CAPBSET_DROP, CAP_SYS_RAWIO, 0, 0, 0), ==, 0);
      g_assert_false (vb_qemu_rawio_possible (&error));
      g_assert_error (error, VB_ERROR, VB_ERROR_NOT_SUPPORTED);
      g_assert_nonnull (strstr (error->message, "rawio='yes'"));
      return;
    }
  g_assert_true (vb_qemu_rawio_possible (&error));
  g_assert_no_error (error);
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/qemu-hostroot/scripts-kept", test_kept);
  g_test_add_func ("/qemu-hostroot/rawio-kept", test_rawio_kept);
  g_test_add_func ("/qemu-hostroot/script-check", test_script_check);
  g_test_add_func ("/qemu-hostroot/script-dir-links", test_script_dir_links);
  g_test_add_func ("/qemu-hostroot/status-round-trip", test_status_round_trip);
  g_test_add_func ("/qemu-hostroot/rawio-drop", test_rawio_drop);
  g_test_add_func ("/qemu-hostroot/rawio-impossible", test_rawio_impossible);
  return g_test_run ();
}
