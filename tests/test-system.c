/* The system service as `meson install` leaves it: this build installed into
 * a temporary DESTDIR, its files checked by the programs that read them
 * (systemd-analyze, systemd-tmpfiles, systemd-sysusers), then the installed
 * virtbusd run in system mode (--system) on a bus configured like Debian's
 * system bus (deny by default) with the installed bus policy, beside a real
 * polkitd. Root boots a guest, whose QEMU runs as the QEMU user; the group
 * "virtbus" may change things; "nobody" may only read, and may not own the
 * service's name.
 *
 * Needs root and tests/setup-test-users.sh (polkitd reads our actions only
 * from /usr/share/polkit-1/actions, and the group rule from /etc). It adds the
 * installed sysusers.d entries to this machine, as the README's install does.
 * The calls as other users run in a subprocess that drops to that user. */
#include "vb-test-env.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <grp.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define PROPERTIES "org.freedesktop.DBus.Properties"
#define OBJECT_MANAGER "org.freedesktop.DBus.ObjectManager"
#define NOT_AUTHORIZED ERROR_PREFIX "NotAuthorized"
#define ACCESS_DENIED "org.freedesktop.DBus.Error.AccessDenied"

#define ADMIN "vbtest-admin" /* in the group virtbus: the rule allows everything */
#define ADMIN_GROUP "virtbus"
#define NOBODY "nobody"
#define KVM_GROUP "kvm"
#define POLKIT_ACTIONS "/usr/share/polkit-1/actions/org.virtbus.Virt1.policy"
#define POLKIT_RULES "/etc/polkit-1/rules.d/50-virtbus.rules"
#define SETUP_HINT "run tests/setup-test-users.sh as root before the suite"

#define GUEST_UUID "5a1c7e2d-8b3f-4c6a-9d0e-1f2a3b4c5d01"
#define ROOT_DOMAIN_UUID "5a1c7e2d-8b3f-4c6a-9d0e-1f2a3b4c5d03"
#define ADMIN_DOMAIN_UUID "5a1c7e2d-8b3f-4c6a-9d0e-1f2a3b4c5d02"
#define BOOT_TIMEOUT_MS 60000
#define CHILD_TIMEOUT_US (30 * G_USEC_PER_SEC)

/* The parent hands the bus address and paths to the subprocess in a key file
 * in this directory, named in main() before any thread runs. */
#define ENV_HANDOFF_DIR "VB_SYSTEM_HANDOFF_DIR"
#define HANDOFF_FILE "world.ini"

/* What tests/meson.build tells about this build's install. */
static const char *
setting (const char *name)
{
  const char *value = g_getenv (name);

  if (!value || !*value)
    g_error ("$%s is not set: run this test through meson test", name);
  return value;
}

/* ---- the parent's world ---- */

typedef struct {
  char *tmpdir;  /* ours: the DESTDIR and the scratch roots */
  char *destdir; /* what meson install writes */
  gboolean installed;
  VbTestEnv *env;    /* the bus, polkitd and the installed virtbusd */
  char *domain_path; /* root's, of the test driver, running */
} World;

static World world;

/* @path of the install, inside the DESTDIR. */
static char *
installed (const char *path)
{
  g_assert_true (g_path_is_absolute (path));
  return g_strconcat (world.destdir, path, NULL);
}

static char *
installed_in (const char *dir_setting, const char *name)
{
  g_autofree char *dir = g_build_filename (setting (dir_setting), name, NULL);
  return installed (dir);
}

static char *
read_file (const char *path)
{
  g_autoptr (GError) error = NULL;
  char *contents = NULL;

  if (!g_file_get_contents (path, &contents, NULL, &error))
    g_error ("%s", error->message);
  return contents;
}

/* Runs @argv (searched in PATH) with @env_add ("KEY=VALUE", may be NULL) in
 * its environment; fails the test unless it exits 0. Returns its stderr. */
static char *
run (const char *const *argv, const char *env_add)
{
  g_auto (GStrv) envp = g_get_environ ();
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autofree char *line = g_strjoinv (" ", (char **) argv);
  g_autoptr (GError) error = NULL;
  int status = 0;

  if (env_add)
    {
      g_auto (GStrv) pair = g_strsplit (env_add, "=", 2);
      envp = g_environ_setenv (envp, pair[0], pair[1], TRUE);
    }
  g_test_message ("running %s", line);
  if (!g_spawn_sync (NULL, (char **) argv, envp, G_SPAWN_SEARCH_PATH, NULL, NULL, &out, &err,
                     &status, &error))
    g_error ("cannot run %s: %s", line, error->message);
  if (!g_spawn_check_wait_status (status, &error))
    g_error ("%s failed (%s):\n%s%s", line, error->message, out, err);
  return g_steal_pointer (&err);
}

static gboolean
user_in_group (const char *user, const char *group)
{
  struct passwd *pw = getpwnam (user);
  struct group *gr = getgrnam (group);
  gid_t groups[256];
  int count = G_N_ELEMENTS (groups);

  if (!pw || !gr || getgrouplist (user, pw->pw_gid, groups, &count) < 0)
    return FALSE;
  for (int i = 0; i < count; i++)
    if (groups[i] == gr->gr_gid)
      return TRUE;
  return FALSE;
}

static void
require_setup (void)
{
  if (getuid () != 0)
    g_error ("test-system installs users and runs polkitd: run it as root (%s)", SETUP_HINT);
  if (!getpwnam (ADMIN) || !user_in_group (ADMIN, ADMIN_GROUP))
    g_error ("%s is missing or not in group %s: %s", ADMIN, ADMIN_GROUP, SETUP_HINT);
  if (!getpwnam (NOBODY))
    g_error ("the user %s is missing", NOBODY);
  if (!g_file_test (POLKIT_RULES, G_FILE_TEST_IS_REGULAR))
    g_error ("%s is missing: %s", POLKIT_RULES, SETUP_HINT);
}

/* meson install of this build, once, for every test after it. */
static void
install_once (void)
{
  g_autofree char *destdir_arg = NULL;

  if (world.installed)
    return;
  destdir_arg = g_strdup_printf ("--destdir=%s", world.destdir);
  {
    /* --no-rebuild: meson test has built it; no ninja under the running suite. */
    const char *argv[] = {
      setting ("VB_MESON"), "install",      "-C",      setting ("VB_BUILD_ROOT"),
      destdir_arg,          "--no-rebuild", "--quiet", NULL
    };
    g_free (run (argv, NULL));
  }
  world.installed = TRUE;
}

/* The value of the first "KEY=" line of a unit or .service file. */
static char *
ini_value (const char *text, const char *key)
{
  g_auto (GStrv) lines = g_strsplit (text, "\n", -1);
  g_autofree char *prefix = g_strdup_printf ("%s=", key);

  for (guint i = 0; lines[i]; i++)
    if (g_str_has_prefix (lines[i], prefix))
      return g_strdup (lines[i] + strlen (prefix));
  return NULL;
}

/* The paths of the "d" lines of the installed tmpfiles.d file. */
static GPtrArray *
tmpfiles_dirs (void)
{
  g_autofree char *path = installed_in ("VB_INSTALL_TMPFILES_DIR", "virtbus.conf");
  g_autofree char *text = read_file (path);
  g_auto (GStrv) lines = g_strsplit (text, "\n", -1);
  GPtrArray *dirs = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; lines[i]; i++)
    {
      g_auto (GStrv) fields = g_strsplit_set (lines[i], " \t", -1);
      if (fields[0] && g_str_equal (fields[0], "d") && fields[1])
        g_ptr_array_add (dirs, g_strdup (fields[1]));
    }
  return dirs;
}

/* ---- install ---- */

/* Every file lands where its reader looks, the same as in the source. */
static void
test_install (void)
{
  g_autofree char *daemon = installed (setting ("VB_INSTALL_DAEMON"));
  g_autofree char *bus_policy =
    installed_in ("VB_INSTALL_DBUS_POLICY_DIR", "org.virtbus.Virt1.conf");
  g_autofree char *activation =
    installed_in ("VB_INSTALL_DBUS_SERVICES_DIR", "org.virtbus.Virt1.service");
  g_autofree char *actions =
    installed_in ("VB_INSTALL_POLKIT_ACTIONS_DIR", "org.virtbus.Virt1.policy");
  g_autofree char *unit = installed_in ("VB_INSTALL_UNIT_DIR", "virtbusd.service");
  g_autofree char *sysusers = installed_in ("VB_INSTALL_SYSUSERS_DIR", "virtbus.conf");
  g_autofree char *tmpfiles = installed_in ("VB_INSTALL_TMPFILES_DIR", "virtbus.conf");
  g_autofree char *man8 = installed_in ("VB_INSTALL_MANDIR", "man8/virtbusd.8");
  g_autofree char *man7 = installed_in ("VB_INSTALL_MANDIR", "man7/virtbus.7");
  /* The API reference: a manual page and an HTML page per interface, and
   * the interface files with their documentation as annotations. */
  g_autofree char *man5 = installed_in ("VB_INSTALL_MANDIR", "man5/org.virtbus.Virt1.Domain.5");
  g_autofree char *api_index = installed_in ("VB_INSTALL_DATADIR", "doc/virtbus/api/index.html");
  g_autofree char *api_page =
    installed_in ("VB_INSTALL_DATADIR", "doc/virtbus/api/org.virtbus.Virt1.Domain.html");
  g_autofree char *interface_file =
    installed_in ("VB_INSTALL_DATADIR", "dbus-1/interfaces/org.virtbus.Virt1.Domain.xml");
  g_autofree char *source_policy = vb_test_source_path ("../data/org.virtbus.Virt1.conf");
  g_autofree char *source_actions = vb_test_source_path ("../policy/org.virtbus.Virt1.policy");
  g_autofree char *activation_text = NULL;
  g_autofree char *exec = NULL;
  g_autofree char *expected_exec = NULL;

  install_once ();
  g_assert_true (g_file_test (daemon, G_FILE_TEST_IS_EXECUTABLE));
  for (const char *const *file = (const char *const[]){ unit, sysusers, tmpfiles, man8, man7, man5,
                                                        api_index, api_page, interface_file, NULL };
       *file; file++)
    if (!g_file_test (*file, G_FILE_TEST_IS_REGULAR))
      g_error ("meson install did not write %s", *file);
  {
    g_autofree char *text = read_file (interface_file);
    g_assert_nonnull (strstr (text, "<annotation name=\"org.gtk.GDBus.DocString\" "
                                    "value=\"Boots a defined domain."));
  }
  {
    g_autofree char *a = read_file (bus_policy);
    g_autofree char *b = read_file (source_policy);
    g_assert_cmpstr (a, ==, b);
  }
  /* polkitd reads the actions from /usr/share only: the ones it will use
   * (setup-test-users.sh's) must be the ones we install. */
  {
    g_autofree char *a = read_file (actions);
    g_autofree char *b = read_file (source_actions);
    g_autofree char *c = NULL;
    g_assert_cmpstr (a, ==, b);
    if (!g_file_get_contents (POLKIT_ACTIONS, &c, NULL, NULL) || !g_str_equal (a, c))
      g_error ("%s is missing or out of date: %s", POLKIT_ACTIONS, SETUP_HINT);
  }

  activation_text = read_file (activation);
  g_assert_true (g_str_has_prefix (activation_text, "[D-BUS Service]\n"));
  g_assert_cmpstr (ini_value (activation_text, "Name"), ==, BUS_NAME);
  exec = ini_value (activation_text, "Exec");
  expected_exec = g_strdup_printf ("%s --system", setting ("VB_INSTALL_DAEMON"));
  g_assert_cmpstr (exec, ==, expected_exec);
  g_assert_cmpstr (ini_value (activation_text, "User"), ==, "root");
  g_assert_cmpstr (ini_value (activation_text, "SystemdService"), ==, "virtbusd.service");
}

/* ---- the unit ---- */

/* systemd reads it without a complaint, it runs the installed daemon, and it
 * lets it write the directories tmpfiles.d makes. */
static void
test_unit (void)
{
  g_autofree char *unit_path = installed_in ("VB_INSTALL_UNIT_DIR", "virtbusd.service");
  g_autofree char *unit = NULL;
  g_autofree char *exec = NULL;
  g_autofree char *expected_exec = NULL;
  g_autofree char *writable = NULL;
  g_autoptr (GPtrArray) dirs = NULL;
  g_auto (GStrv) writable_dirs = NULL;
  g_autoptr (GString) copy = NULL;
  g_autofree char *copy_dir = NULL;
  g_autofree char *copy_path = NULL;
  g_autofree char *manpath = NULL;
  g_autofree char *man = NULL;
  g_autofree char *complaints = NULL;

  install_once ();
  unit = read_file (unit_path);
  g_assert_cmpstr (ini_value (unit, "Type"), ==, "dbus");
  g_assert_cmpstr (ini_value (unit, "BusName"), ==, BUS_NAME);
  exec = ini_value (unit, "ExecStart");
  expected_exec = g_strdup_printf ("%s --system", setting ("VB_INSTALL_DAEMON"));
  g_assert_cmpstr (exec, ==, expected_exec);
  g_assert_cmpstr (ini_value (unit, "ProtectSystem"), ==, "strict");

  writable = ini_value (unit, "ReadWritePaths");
  g_assert_nonnull (writable);
  writable_dirs = g_strsplit (writable, " ", -1);
  dirs = tmpfiles_dirs ();
  g_assert_cmpuint (dirs->len, ==, 3);
  for (guint i = 0; i < dirs->len; i++)
    if (!g_strv_contains ((const char *const *) writable_dirs, dirs->pdata[i]))
      g_error ("tmpfiles.d makes %s, which the unit does not let virtbusd write (%s)",
               (char *) dirs->pdata[i], writable);
  for (const char *const *dir =
         (const char *const[]){ setting ("VB_SYSTEM_STATE_DIR"), setting ("VB_SYSTEM_RUN_DIR"),
                                setting ("VB_SYSTEM_CACHE_DIR"), NULL };
       *dir; dir++)
    if (!g_ptr_array_find_with_equal_func (dirs, *dir, g_str_equal, NULL))
      g_error ("virtbusd --system uses %s, which tmpfiles.d does not make", *dir);

  /* systemd-analyze checks that ExecStart exists: it is in the DESTDIR. */
  copy = g_string_new (unit);
  g_string_replace (copy, "\nExecStart=", "\nExecStart=DESTDIR", 1);
  g_string_replace (copy, "DESTDIR", world.destdir, 1);
  copy_dir = g_build_filename (world.tmpdir, "verify", NULL);
  g_assert_cmpint (g_mkdir_with_parents (copy_dir, 0700), ==, 0);
  copy_path = g_build_filename (copy_dir, "virtbusd.service", NULL);
  g_assert_true (g_file_set_contents (copy_path, copy->str, -1, NULL));
  /* Documentation=man:... is checked too, against the installed pages,
   * where man(1) is installed (test_install has seen the pages anyway). */
  manpath = g_strdup_printf ("MANPATH=%s%s", world.destdir, setting ("VB_INSTALL_MANDIR"));
  man = g_find_program_in_path ("man");
  {
    const char *argv[] = { "systemd-analyze", "verify", man ? "--man=yes" : "--man=no", copy_path,
                           NULL };
    complaints = run (argv, manpath);
  }
  /* It warns about a key it does not know or a bad value, and exits 0. */
  if (*complaints)
    g_error ("systemd-analyze verify complains about the installed unit:\n%s", complaints);
}

/* ---- tmpfiles.d, sysusers.d ---- */

static void
assert_dir (const char *root, const char *dir, guint mode)
{
  g_autofree char *path = g_strconcat (root, dir, NULL);
  struct stat st;

  if (stat (path, &st) < 0)
    g_error ("systemd-tmpfiles did not make %s: %s", dir, g_strerror (errno));
  g_assert_true (S_ISDIR (st.st_mode));
  g_assert_cmpuint (st.st_uid, ==, 0);
  g_assert_cmpuint (st.st_gid, ==, 0);
  if ((st.st_mode & 07777) != mode)
    g_error ("%s has mode %04o, expected %04o", dir, st.st_mode & 07777, mode);
}

static void
test_tmpfiles (void)
{
  g_autofree char *conf = installed_in ("VB_INSTALL_TMPFILES_DIR", "virtbus.conf");
  g_autofree char *root = g_build_filename (world.tmpdir, "tmpfiles-root", NULL);
  g_autofree char *root_arg = g_strdup_printf ("--root=%s", root);
  const char *argv[] = { "systemd-tmpfiles", "--create", root_arg, conf, NULL };

  install_once ();
  g_assert_cmpint (g_mkdir_with_parents (root, 0755), ==, 0);
  g_free (run (argv, NULL));
  /* The state is root's alone; the QEMU user passes through the run
   * directory to its guests' directories. */
  assert_dir (root, setting ("VB_SYSTEM_STATE_DIR"), 0700);
  assert_dir (root, setting ("VB_SYSTEM_CACHE_DIR"), 0700);
  assert_dir (root, setting ("VB_SYSTEM_RUN_DIR"), 0711);
}

static gboolean
file_has_line_starting (const char *path, const char *start)
{
  g_autofree char *text = read_file (path);
  g_autofree char *at_line = g_strconcat ("\n", start, NULL);

  return g_str_has_prefix (text, start) || strstr (text, at_line);
}

static void
test_sysusers (void)
{
  g_autofree char *conf = installed_in ("VB_INSTALL_SYSUSERS_DIR", "virtbus.conf");
  g_autofree char *root = g_build_filename (world.tmpdir, "sysusers-root", NULL);
  g_autofree char *root_arg = g_strdup_printf ("--root=%s", root);
  g_autofree char *etc = g_build_filename (root, "etc", NULL);
  g_autofree char *passwd = g_build_filename (etc, "passwd", NULL);
  g_autofree char *group = g_build_filename (etc, "group", NULL);
  const char *user = setting ("VB_QEMU_USER");
  g_autofree char *user_line = g_strdup_printf ("%s:x:", user);
  struct passwd *pw;

  install_once ();
  /* On an empty root first: everything comes from our file. */
  g_assert_cmpint (g_mkdir_with_parents (etc, 0755), ==, 0);
  {
    const char *argv[] = { "systemd-sysusers", root_arg, conf, NULL };
    g_free (run (argv, NULL));
  }
  g_assert_true (file_has_line_starting (passwd, user_line));
  g_assert_true (file_has_line_starting (group, ADMIN_GROUP ":x:"));
  {
    g_autofree char *text = read_file (group);
    g_auto (GStrv) lines = g_strsplit (text, "\n", -1);
    gboolean member = FALSE;

    /* kvm:x:GID:MEMBERS */
    for (guint i = 0; lines[i]; i++)
      if (g_str_has_prefix (lines[i], KVM_GROUP ":"))
        {
          g_auto (GStrv) names = g_strsplit (strrchr (lines[i], ':') + 1, ",", -1);
          member = g_strv_contains ((const char *const *) names, user);
        }
    if (!member)
      g_error ("%s is not in group %s:\n%s", user, KVM_GROUP, text);
  }

  /* Then on this machine, as the README says: the guest test needs the user. */
  {
    const char *argv[] = { "systemd-sysusers", conf, NULL };
    g_free (run (argv, NULL));
  }
  pw = getpwnam (user);
  g_assert_nonnull (pw);
  g_assert_cmpuint (pw->pw_uid, !=, 0);
  g_assert_true (g_str_has_suffix (pw->pw_shell, "nologin"));
  g_assert_true (user_in_group (user, KVM_GROUP));
  g_assert_nonnull (getgrnam (ADMIN_GROUP));
}

/* ---- the service ---- */

static char *
handoff_path (void)
{
  const char *dir = g_getenv (ENV_HANDOFF_DIR);

  g_assert_nonnull (dir);
  return g_build_filename (dir, HANDOFF_FILE, NULL);
}

static void
hand_off (const char *key, const char *value)
{
  g_autofree char *path = handoff_path ();
  g_autoptr (GKeyFile) file = g_key_file_new ();
  g_autoptr (GError) error = NULL;

  g_key_file_load_from_file (file, path, G_KEY_FILE_NONE, NULL);
  g_key_file_set_string (file, "world", key, value);
  g_key_file_save_to_file (file, path, &error);
  g_assert_no_error (error);
}

/* The bus (as the system's, with the installed policy), polkitd and the
 * installed virtbusd in system mode, once. */
static void
start_service_once (void)
{
  g_autofree char *template_path = vb_test_source_path ("bus/system-bus.conf.in");
  g_autofree char *template = read_file (template_path);
  g_autofree char *policy_dir = installed (setting ("VB_INSTALL_DBUS_POLICY_DIR"));
  g_autofree char *config_path = g_build_filename (world.tmpdir, "system-bus.conf.in", NULL);
  g_autofree char *daemon = installed (setting ("VB_INSTALL_DAEMON"));
  g_autoptr (GString) config = g_string_new (template);
  g_autofree char *qemu_user = g_strdup_printf ("--qemu-user=%s", setting ("VB_QEMU_USER"));
  const char *args[] = { qemu_user, NULL };

  if (world.env)
    return;
  install_once ();
  g_string_replace (config, "@POLICY_DIR@", policy_dir, 0);
  g_assert_true (g_file_set_contents (config_path, config->str, -1, NULL));
  world.env = vb_test_env_new_on_bus (VB_TEST_ENV_POLKIT, config_path);
  /* The installed binary, not the build's; its state in the env's tmpdir. */
  vb_test_env_start_system_daemon (world.env, daemon, args);
  hand_off ("address", world.env->bus_address);
  hand_off ("root", g_dbus_connection_get_unique_name (world.env->client));
}

/* The guest kernel and initramfs where the QEMU user can read them (the
 * build directory may be in a home it cannot enter). */
static char *
guest_xml (void)
{
  const char *guest_dir = setting ("VB_TEST_GUEST_DIR");
  g_autofree char *copy_dir = g_build_filename (world.tmpdir, "guest", NULL);
  g_autofree char *xml = vb_test_guest_xml ("system-guest", 96, NULL, NULL);
  g_autoptr (GString) with_uuid = NULL;

  g_assert_cmpint (g_mkdir_with_parents (copy_dir, 0755), ==, 0);
  for (const char *const *name = (const char *const[]){ "vmlinux", "initramfs.img", NULL }; *name;
       name++)
    {
      g_autofree char *from = g_build_filename (guest_dir, *name, NULL);
      g_autofree char *to = g_build_filename (copy_dir, *name, NULL);
      g_autoptr (GFile) src = g_file_new_for_path (from);
      g_autoptr (GFile) dst = g_file_new_for_path (to);
      g_autoptr (GError) error = NULL;
      struct stat st;

      /* A link where it can be (the kernel is large), else a copy. */
      if (stat (from, &st) == 0 && (st.st_mode & S_IROTH) && link (from, to) == 0)
        continue;
      g_file_copy (src, dst, G_FILE_COPY_OVERWRITE, NULL, NULL, NULL, &error);
      g_assert_no_error (error);
      g_chmod (to, 0644);
    }
  with_uuid = g_string_new (xml);
  g_string_replace (with_uuid, guest_dir, copy_dir, 0);
  g_string_replace (with_uuid, "</name>\n", "</name>\n  <uuid>" GUEST_UUID "</uuid>\n", 1);
  return g_string_free (g_steal_pointer (&with_uuid), FALSE);
}

/* "Uid:\t0\t0\t0\t0" of /proc/PID/status: the real, effective, saved and fs ids. */
static void
assert_ids (int pid, const char *field, guint expected)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/status", pid);
  g_autofree char *text = read_file (path);
  g_autofree char *start = g_strdup_printf ("\n%s:", field);
  const char *line = strstr (text, start);
  g_autofree char *values = NULL;
  g_auto (GStrv) ids = NULL;
  guint count = 0;

  g_assert_nonnull (line);
  values = g_strndup (line + strlen (start), strcspn (line + strlen (start), "\n"));
  ids = g_strsplit_set (g_strstrip (values), "\t ", -1);
  for (guint i = 0; ids[i]; i++)
    if (*ids[i])
      {
        if (strtoul (ids[i], NULL, 10) != expected)
          g_error ("QEMU (pid %d) runs with %s %s, expected all %u", pid, field, values, expected);
        count++;
      }
  g_assert_cmpuint (count, ==, 4);
}

static gboolean
proc_groups_contain (int pid, guint gid)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/status", pid);
  g_autofree char *text = read_file (path);
  const char *line = strstr (text, "\nGroups:");
  g_autofree char *values = NULL;
  g_auto (GStrv) ids = NULL;

  g_assert_nonnull (line);
  values = g_strndup (line + 8, strcspn (line + 8, "\n"));
  ids = g_strsplit_set (values, "\t ", -1);
  for (guint i = 0; ids[i]; i++)
    if (*ids[i] && strtoul (ids[i], NULL, 10) == gid)
      return TRUE;
  return FALSE;
}

static int
guest_pid (void)
{
  g_autofree char *status_path = vb_test_env_status_path (world.env, GUEST_UUID);
  g_autofree char *status = read_file (status_path);
  const char *pid = strstr (status, "\"pid\"");

  g_assert_nonnull (pid);
  pid = strchr (pid, ':');
  g_assert_nonnull (pid);
  return atoi (pid + 1);
}

/* Root defines and boots a QEMU guest; QEMU runs as the QEMU user, with its
 * groups (kvm), not as root. */
static void
test_root_boots_guest (void)
{
  g_autofree char *xml = NULL;
  g_autofree char *path = NULL;
  g_autofree char *log = NULL;
  g_autoptr (GVariant) started = NULL;
  g_autoptr (GError) error = NULL;
  struct passwd *pw;
  struct group *kvm;
  int pid;

  start_service_once ();
  pw = getpwnam (setting ("VB_QEMU_USER"));
  if (!pw)
    g_error ("the QEMU user %s is missing: /system/sysusers makes it", setting ("VB_QEMU_USER"));
  xml = guest_xml ();
  path = vb_test_call_path (world.env, MANAGER, IFACE_MANAGER, "DefineDomain",
                            g_variant_new ("(su)", xml, 0));
  log = vb_test_console_log_of (world.env, path);
  started = vb_test_call (world.env, path, IFACE_DOMAIN, "Start", g_variant_new ("(u)", 0), &error);
  if (!started)
    {
      /* What QEMU did is in the service's log (its command line, how it ended). */
      g_autofree char *daemon_log = vb_test_env_daemon_log (world.env);
      g_error ("Start as root in system mode failed: %s\nvirtbusd log:\n%s", error->message,
               daemon_log);
    }
  if (!vb_test_log_wait (log, "VIRTBUS-GUEST-READY", BOOT_TIMEOUT_MS))
    g_error ("the guest did not get ready within %u ms", BOOT_TIMEOUT_MS);

  pid = guest_pid ();
  g_assert_cmpint (pid, >, 1);
  g_test_message ("QEMU is pid %d", pid);
  assert_ids (pid, "Uid", pw->pw_uid);
  assert_ids (pid, "Gid", pw->pw_gid);
  kvm = getgrnam (KVM_GROUP);
  g_assert_nonnull (kvm);
  if (!proc_groups_contain (pid, kvm->gr_gid))
    g_error ("QEMU (pid %d) is not in group %s, which /dev/kvm needs", pid, KVM_GROUP);
}

/* Root, whom polkitd allows everything (so the service does not ask it about
 * root: /system/root-without-polkitd), defines and starts a domain of the
 * test driver for the others to look at. */
static void
test_root_defines (void)
{
  g_autofree char *xml = vb_test_domain_xml ("system-root", ROOT_DOMAIN_UUID);
  g_autofree char *path = NULL;

  start_service_once ();
  path = vb_test_call_path (world.env, MANAGER, IFACE_MANAGER, "DefineDomain",
                            g_variant_new ("(su)", xml, 0));
  /* The define went through the configuration journal: root's file, for
   * nobody else to read (a secret's value passes through it too). */
  {
    g_autofree char *journal = g_build_filename (world.env->state_dir, "config.journal", NULL);
    struct stat st;

    g_assert_cmpint (lstat (journal, &st), ==, 0);
    g_assert_true (S_ISREG (st.st_mode));
    g_assert_cmpuint (st.st_uid, ==, 0);
    g_assert_cmpuint (st.st_nlink, ==, 1);
    g_assert_cmpuint (st.st_mode & 07777, ==, 0600);
  }
  vb_test_call_void (world.env, path, IFACE_DOMAIN, "Start", g_variant_new ("(u)", 0));
  g_assert_true (vb_test_wait_property (world.env, path, IFACE_DOMAIN, "State",
                                        g_variant_new_string ("running"), 5000));
  world.domain_path = g_steal_pointer (&path);
  hand_off ("domain", world.domain_path);
}

/* ---- the callers that are not root: subprocesses ---- */

static char *
handed (const char *key)
{
  g_autofree char *path = handoff_path ();
  g_autoptr (GKeyFile) file = g_key_file_new ();
  g_autoptr (GError) error = NULL;
  char *value;

  g_key_file_load_from_file (file, path, G_KEY_FILE_NONE, &error);
  g_assert_no_error (error);
  value = g_key_file_get_string (file, "world", key, &error);
  g_assert_no_error (error);
  return value;
}

/* Drops to @user as a login would and connects to the parent's bus. */
static GDBusConnection *
connect_as (const char *user)
{
  g_autofree char *address = handed ("address");
  struct passwd *pw = getpwnam (user);
  g_autoptr (GError) error = NULL;
  GDBusConnection *bus;

  g_assert_nonnull (pw);
  if (initgroups (pw->pw_name, pw->pw_gid) < 0 || setgid (pw->pw_gid) < 0
      || setuid (pw->pw_uid) < 0)
    g_error ("cannot become %s: %s", user, g_strerror (errno));
  g_assert_cmpuint (geteuid (), ==, pw->pw_uid);
  bus = g_dbus_connection_new_for_address_sync (address,
                                                G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT
                                                  | G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
                                                NULL, NULL, &error);
  g_assert_no_error (error);
  g_dbus_connection_set_exit_on_close (bus, FALSE);
  return bus;
}

static GVariant *
call (GDBusConnection *bus, const char *dest, const char *path, const char *interface,
      const char *method, GVariant *args, GError **error)
{
  return g_dbus_connection_call_sync (bus, dest, path, interface, method, args, NULL,
                                      G_DBUS_CALL_FLAGS_NONE, 25000, NULL, error);
}

static GVariant *
expect_ok (GDBusConnection *bus, const char *path, const char *interface, const char *method,
           GVariant *args)
{
  g_autoptr (GError) error = NULL;
  GVariant *reply = call (bus, BUS_NAME, path, interface, method, args, &error);

  if (!reply)
    g_error ("%s.%s on %s failed: %s", interface, method, path, error->message);
  return reply;
}

static void
expect_error (GDBusConnection *bus, const char *dest, const char *path, const char *interface,
              const char *method, GVariant *args, const char *expected)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GVariant) reply = call (bus, dest, path, interface, method, args, &error);
  g_autofree char *name = NULL;

  if (reply)
    g_error ("%s.%s on %s was allowed; expected %s", interface, method, path, expected);
  name = g_dbus_error_get_remote_error (error);
  if (g_strcmp0 (name, expected) != 0)
    g_error ("%s.%s on %s: expected %s, got %s (%s)", interface, method, path, expected, name,
             error->message);
  g_test_message ("%s.%s refused: %s", interface, method, error->message);
}

/* As nobody: the bus lets it call the service and reads are allowed, but
 * it may not own the service's name, and polkit refuses every change. */
static void
child_nobody (void)
{
  g_autoptr (GDBusConnection) bus = connect_as (NOBODY);
  g_autofree char *domain = handed ("domain");
  g_autofree char *root = handed ("root");
  g_autofree char *xml = vb_test_domain_xml ("system-nobody", NULL);
  g_autoptr (GVariant) listed = NULL;
  g_autoptr (GVariant) paths = NULL;
  g_autoptr (GVariant) state = NULL;
  g_autoptr (GVariant) inner = NULL;
  g_autoptr (GVariant) value = NULL;
  gboolean found = FALSE;

  /* The bus policy: the name is root's. */
  expect_error (bus, "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
                "RequestName", g_variant_new ("(su)", BUS_NAME, 0), ACCESS_DENIED);
  /* The bus denies method calls unless a policy allows them (so the calls
   * below reach the service because the installed policy lets them). */
  expect_error (bus, root, "/", "org.freedesktop.DBus.Peer", "Ping", NULL, ACCESS_DENIED);

  listed = expect_ok (bus, MANAGER, IFACE_MANAGER, "ListDomains", g_variant_new ("(u)", 0));
  paths = g_variant_get_child_value (listed, 0);
  for (gsize i = 0; i < g_variant_n_children (paths); i++)
    {
      g_autoptr (GVariant) path = g_variant_get_child_value (paths, i);
      found = found || g_str_equal (g_variant_get_string (path, NULL), domain);
    }
  g_assert_true (found);
  g_variant_unref (expect_ok (bus, domain, IFACE_DOMAIN, "GetXMLDesc", g_variant_new ("(u)", 0)));
  g_variant_unref (expect_ok (bus, MANAGER, OBJECT_MANAGER, "GetManagedObjects", NULL));
  state = expect_ok (bus, domain, PROPERTIES, "Get", g_variant_new ("(ss)", IFACE_DOMAIN, "State"));
  inner = g_variant_get_child_value (state, 0);
  value = g_variant_get_variant (inner);
  g_assert_cmpstr (g_variant_get_string (value, NULL), ==, "running");

  expect_error (bus, BUS_NAME, MANAGER, IFACE_MANAGER, "DefineDomain",
                g_variant_new ("(su)", xml, 0), NOT_AUTHORIZED);
  expect_error (bus, BUS_NAME, MANAGER, IFACE_MANAGER, "DefineNetwork",
                g_variant_new ("(su)",
                               "<network><name>system-nobody</name>"
                               "<ip address='192.168.152.1' netmask='255.255.255.0'/></network>",
                               0),
                NOT_AUTHORIZED);
  expect_error (bus, BUS_NAME, domain, IFACE_DOMAIN, "Destroy", g_variant_new ("(u)", 0),
                NOT_AUTHORIZED);
  expect_error (bus, BUS_NAME, domain, IFACE_DOMAIN, "Shutdown", g_variant_new ("(u)", 0),
                NOT_AUTHORIZED);
  expect_error (bus, BUS_NAME, domain, IFACE_DOMAIN, "Undefine", g_variant_new ("(u)", 0),
                NOT_AUTHORIZED);
  expect_error (bus, BUS_NAME, domain, PROPERTIES, "Set",
                g_variant_new ("(ssv)", IFACE_DOMAIN, "Autostart", g_variant_new_boolean (TRUE)),
                NOT_AUTHORIZED);
}

/* As vbtest-admin (group virtbus): the group rule allows changes. */
static void
child_admin (void)
{
  g_autoptr (GDBusConnection) bus = connect_as (ADMIN);
  g_autofree char *xml = vb_test_domain_xml ("system-admin", ADMIN_DOMAIN_UUID);
  g_autofree char *expected = vb_test_domain_path (ADMIN_DOMAIN_UUID);
  g_autoptr (GVariant) defined =
    expect_ok (bus, MANAGER, IFACE_MANAGER, "DefineDomain", g_variant_new ("(su)", xml, 0));
  const char *path;

  g_variant_get (defined, "(&o)", &path);
  g_assert_cmpstr (path, ==, expected);
  g_variant_unref (expect_ok (bus, path, IFACE_DOMAIN, "Start", g_variant_new ("(u)", 0)));
}

static void
run_child (const char *child_path)
{
  vb_test_env_run_child (world.env, child_path, CHILD_TIMEOUT_US);
}

static void
test_nobody_reads_only (void)
{
  g_autoptr (GVariant) before = NULL;
  g_autoptr (GVariant) after = NULL;

  start_service_once ();
  if (!world.domain_path)
    g_error ("no domain: /system/root-defines failed");
  before = vb_test_call_ok (world.env, MANAGER, OBJECT_MANAGER, "GetManagedObjects", NULL);
  run_child ("/system/child/nobody");
  after = vb_test_call_ok (world.env, MANAGER, OBJECT_MANAGER, "GetManagedObjects", NULL);
  /* The refused calls changed nothing. */
  g_assert_true (g_variant_equal (before, after));
}

static void
test_admin_group (void)
{
  g_autofree char *path = vb_test_domain_path (ADMIN_DOMAIN_UUID);

  start_service_once ();
  run_child ("/system/child/admin");
  g_assert_true (vb_test_wait_property (world.env, path, IFACE_DOMAIN, "State",
                                        g_variant_new_string ("running"), 5000));
}


/* polkitd authorizes root whatever its rules say, so the service does not ask
 * it about root: with polkitd gone, root still changes things. (Callers that
 * are not root get "polkit could not be asked": test-authz.) */
static void
test_root_without_polkitd (void)
{
  g_autofree char *xml = vb_test_domain_xml ("system-root-alone", NULL);
  g_autofree char *path = NULL;

  start_service_once ();
  vb_test_env_stop_polkit (world.env);
  path = vb_test_call_path (world.env, MANAGER, IFACE_MANAGER, "DefineDomain",
                            g_variant_new ("(su)", xml, 0));
  vb_test_call_void (world.env, path, IFACE_DOMAIN, "Undefine", g_variant_new ("(u)", 0));
}

int
main (int argc, char **argv)
{
  g_autofree char *handoff_dir = NULL;
  int status;

  g_test_init (&argc, &argv, NULL);
  if (!g_test_subprocess ())
    {
      g_autoptr (GError) error = NULL;

      require_setup ();
      world.tmpdir = g_dir_make_tmp ("vbtest-system-XXXXXX", &error);
      g_assert_no_error (error);
      /* The QEMU user reads the guest's kernel inside. */
      g_chmod (world.tmpdir, 0755);
      world.destdir = g_build_filename (world.tmpdir, "destdir", NULL);
      handoff_dir = g_build_filename (world.tmpdir, "handoff", NULL);
      g_assert_cmpint (g_mkdir_with_parents (handoff_dir, 0755), ==, 0);
      g_setenv (ENV_HANDOFF_DIR, handoff_dir, TRUE);
    }

  g_test_add_func ("/system/install", test_install);
  g_test_add_func ("/system/unit", test_unit);
  g_test_add_func ("/system/tmpfiles", test_tmpfiles);
  g_test_add_func ("/system/sysusers", test_sysusers);
  g_test_add_func ("/system/root-defines", test_root_defines);
  g_test_add_func ("/system/nobody-reads-only", test_nobody_reads_only);
  g_test_add_func ("/system/admin-group", test_admin_group);
  /* After the callers that need polkitd: it stops polkitd. */
  g_test_add_func ("/system/root-without-polkitd", test_root_without_polkitd);
  /* Last: it boots a guest. */
  g_test_add_func ("/system/root-boots-guest", test_root_boots_guest);
  g_test_add_data_func ("/system/child/nobody", child_nobody, vb_test_run_as_child);
  g_test_add_data_func ("/system/child/admin", child_admin, vb_test_run_as_child);

  status = g_test_run ();
  if (world.env)
    vb_test_env_free (world.env);
  if (world.tmpdir && !g_getenv ("VB_TEST_KEEP"))
    {
      g_autofree char *rm = g_strdup_printf ("rm -rf '%s'", world.tmpdir);
      g_spawn_command_line_sync (rm, NULL, NULL, NULL, NULL);
    }
  g_free (world.tmpdir);
  g_free (world.destdir);
  g_free (world.domain_path);
  return status;
}
