/* Network disks and secrets as a guest sees them: the test guest reads a
 * disk that qemu-nbd serves on loopback (<disk type='network'> with
 * protocol='nbd'), waiting for it across a restart with <reconnect
 * delay>, and a LUKS image that QEMU decrypts with a passphrase
 * from the service's secret store (<encryption format='luks'>); the
 * passphrase appears in no XML, log or command line. */
#include <errno.h>
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <netinet/in.h>
#include <pwd.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vb-test-env.h"

#define BOOT_TIMEOUT_MS 90000
#define RUN_TIMEOUT_MS 30000
#define IFACE_SECRET "org.virtbus.Virt1.Secret"
#define PATTERN "VIRTBUS-NBD-PATTERN-7f3a"
#define PASSPHRASE "correct horse battery staple 51"

/* A TCP port on 127.0.0.1 nobody listens on now. */
static int
free_port (void)
{
  int fd = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  struct sockaddr_in addr = { .sin_family = AF_INET, .sin_addr.s_addr = htonl (INADDR_LOOPBACK) };
  socklen_t len = sizeof addr;

  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpint (bind (fd, (struct sockaddr *) &addr, sizeof addr), ==, 0);
  g_assert_cmpint (getsockname (fd, (struct sockaddr *) &addr, &len), ==, 0);
  close (fd);
  return ntohs (addr.sin_port);
}

/* qemu-img create -f luks times its key derivation with the thread's CPU
 * clock, and fails ("Unable to get accurate CPU usage") when one round took
 * less than a tick of it: a few more tries. */
static void
create_luks (const char *object, const char *image)
{
  const char *argv[] = { "qemu-img", "create", "-q",
                         "-f",       "luks",   "--object",
                         object,     "-o",     "key-secret=sec0,iter-time=10",
                         image,      "4M",     NULL };
  g_autofree char *err = NULL;
  int status = -1;

  for (int attempt = 0; attempt < 5; attempt++)
    {
      g_clear_pointer (&err, g_free);
      g_unlink (image);
      g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL,
                                   NULL, &err, &status, NULL));
      if (g_spawn_check_wait_status (status, NULL))
        return;
      g_test_message ("qemu-img create: %s", err);
    }
  g_error ("qemu-img create -f luks failed: %s", err);
}

/* The guest's shell in @console, booted from @xml. */
static char *
boot (VbTestEnv *env, const char *xml, VbTestConsole **console)
{
  char *path = vb_test_boot_guest (env, xml, TRUE, BOOT_TIMEOUT_MS);

  *console = vb_test_console_open (env, path);
  return path;
}

static void
test_nbd (void)
{
  g_autoptr (VbTestEnv) env = vb_test_env_new (VB_TEST_ENV_NONE);
  g_autofree char *image = NULL;
  g_autofree char *port_text = NULL;
  g_autofree char *disk = NULL;
  g_autofree char *xml = NULL;
  g_autofree char *path = NULL;
  g_autofree char *out = NULL;
  g_autoptr (GSubprocess) nbd = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *content = g_malloc0 (1 << 20);
  VbTestConsole *console = NULL;
  int port = free_port ();

  vb_test_env_start_daemon (env, NULL);
  image = g_build_filename (env->tmpdir, "nbd.img", NULL);
  memcpy (content, PATTERN, strlen (PATTERN));
  g_assert_true (g_file_set_contents (image, content, 1 << 20, &error));
  port_text = g_strdup_printf ("%d", port);
  nbd =
    g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_SILENCE, &error,
                      "qemu-nbd", "--persistent", "--shared=2", "--format=raw", "--bind=127.0.0.1",
                      "--port", port_text, "--export-name=vbexport", image, NULL);
  g_assert_no_error (error);
  for (int i = 0; i < 100 && !vb_test_port_open (port); i++)
    g_usleep (50000);
  g_assert_true (vb_test_port_open (port));

  disk = g_strdup_printf ("    <disk type='network' device='disk'>\n"
                          "      <driver name='qemu' type='raw'/>\n"
                          "      <source protocol='nbd' name='vbexport'>\n"
                          "        <host name='127.0.0.1' port='%d'/>\n"
                          "      </source>\n"
                          "      <target dev='vda' bus='virtio'/>\n"
                          "    </disk>\n",
                          port);
  xml = vb_test_guest_xml ("netdisk-nbd", 128, NULL, disk);
  path = boot (env, xml, &console);
  out = vb_test_console_output (console,
                                "dd if=/dev/vda bs=512 count=1 2>/dev/null | tr -d '\\000'; echo",
                                RUN_TIMEOUT_MS);
  g_assert_nonnull (strstr (out, PATTERN));
  /* What runs is what was asked: the live XML keeps the network source. */
  {
    g_autoptr (GVariant) reply =
      vb_test_call_ok (env, path, IFACE_DOMAIN, "GetXMLDesc", g_variant_new ("(u)", 0));
    const char *live = NULL;

    g_variant_get (reply, "(&s)", &live);
    g_assert_nonnull (strstr (live, "protocol='nbd'"));
  }
  /* Plugged into the running guest: the same nodes, by blockdev-add. */
  {
    g_autofree char *vdb = g_strdup (disk);
    g_autofree char *lsblk = NULL;

    memcpy (strstr (vdb, "dev='vda'"), "dev='vdb'", strlen ("dev='vdb'"));
    g_variant_unref (
      vb_test_call_ok (env, path, IFACE_DOMAIN, "AttachDevice", g_variant_new ("(su)", vdb, 1)));
    for (int i = 0; i < 50; i++)
      {
        g_free (lsblk);
        lsblk = vb_test_console_output (console, "ls /sys/block", RUN_TIMEOUT_MS);
        if (strstr (lsblk, "vdb"))
          break;
        g_usleep (200000);
      }
    g_assert_nonnull (strstr (lsblk, "vdb"));
    g_free (out);
    out = vb_test_console_output (console,
                                  "dd if=/dev/vdb bs=512 count=1 2>/dev/null | tr -d '\\000'; echo",
                                  RUN_TIMEOUT_MS);
    g_assert_nonnull (strstr (out, PATTERN));
  }
  /* One that needs a secret is refused live, by name (its secret objects
   * would have to be added first). */
  {
    g_autofree char *luks = g_strdup_printf ("<disk type='file' device='disk'>\n"
                                             "  <source file='%s'/>\n"
                                             "  <encryption format='luks'>\n"
                                             "    <secret type='passphrase' usage='x'/>\n"
                                             "  </encryption>\n"
                                             "  <target dev='vdc' bus='virtio'/>\n"
                                             "</disk>\n",
                                             image);
    g_autofree char *message = vb_test_call_error_message (env, path, IFACE_DOMAIN, "AttachDevice",
                                                           g_variant_new ("(su)", luks, 1),
                                                           "org.virtbus.Virt1.Error.NotSupported");

    g_assert_nonnull (strstr (message, "needs a secret cannot be plugged"));
  }
  vb_test_console_free (console);
  g_variant_unref (vb_test_call_ok (env, path, IFACE_DOMAIN, "Destroy", g_variant_new ("(u)", 0)));
  g_subprocess_force_exit (nbd);
  g_subprocess_wait (nbd, NULL, NULL);
  g_assert_true (vb_test_env_daemon_alive (env));
}

/* qemu-nbd serving @image on 127.0.0.1:@port, listening when it returns. */
static GSubprocess *
serve_nbd (const char *image, int port)
{
  g_autofree char *port_text = g_strdup_printf ("%d", port);
  g_autoptr (GError) error = NULL;
  GSubprocess *nbd =
    g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_SILENCE, &error,
                      "qemu-nbd", "--persistent", "--shared=2", "--format=raw", "--bind=127.0.0.1",
                      "--port", port_text, "--export-name=vbexport", image, NULL);

  g_assert_no_error (error);
  for (int i = 0; i < 100 && !vb_test_port_open (port); i++)
    g_usleep (50000);
  g_assert_true (vb_test_port_open (port));
  return nbd;
}

/* <reconnect delay='N'/> on an nbd source (reconnect-delay): the server
 * goes away and comes back within the delay, and a read the guest made
 * meanwhile waits for it and succeeds. Without a delay QEMU fails such a
 * read at once (the second guest below). */
static void
test_nbd_reconnect (void)
{
  g_autoptr (VbTestEnv) env = vb_test_env_new (VB_TEST_ENV_NONE);
  g_autofree char *image = NULL;
  g_autofree char *content = g_malloc0 (1 << 20);
  g_autoptr (GError) error = NULL;
  int port = free_port ();

  vb_test_env_start_daemon (env, NULL);
  image = g_build_filename (env->tmpdir, "nbd.img", NULL);
  memcpy (content, PATTERN, strlen (PATTERN));
  g_assert_true (g_file_set_contents (image, content, 1 << 20, &error));
  for (guint delay = 10;; delay = 0)
    {
      g_autoptr (GSubprocess) nbd = serve_nbd (image, port);
      g_autoptr (GSubprocess) again = NULL;
      g_autofree char *reconnect =
        delay ? g_strdup_printf ("<reconnect delay='%u'/>", delay) : g_strdup ("");
      g_autofree char *disk = g_strdup_printf ("    <disk type='network' device='disk'>\n"
                                               "      <driver name='qemu' type='raw'/>\n"
                                               "      <source protocol='nbd' name='vbexport'>\n"
                                               "        <host name='127.0.0.1' port='%d'/>%s\n"
                                               "      </source>\n"
                                               "      <target dev='vda' bus='virtio'/>\n"
                                               "    </disk>\n",
                                               port, reconnect);
      g_autofree char *name = g_strdup_printf ("netdisk-nbd-reconnect-%u", delay);
      g_autofree char *xml = vb_test_guest_xml (name, 128, NULL, disk);
      VbTestConsole *console = NULL;
      g_autofree char *path = boot (env, xml, &console);
      g_autofree char *out = NULL;
      g_autofree char *read = NULL;
      gsize from;

      out = vb_test_console_output (
        console, "dd if=/dev/vda bs=512 count=1 2>/dev/null | tr -d '\\000'; echo", RUN_TIMEOUT_MS);
      g_assert_nonnull (strstr (out, PATTERN));
      /* The server goes; the guest reads past its page cache. */
      g_subprocess_force_exit (nbd);
      g_subprocess_wait (nbd, NULL, NULL);
      from = console->seen->len;
      vb_test_console_type (console, "echo 3 > /proc/sys/vm/drop_caches; "
                                     "echo READ=$(dd if=/dev/vda bs=512 count=1 2>/dev/null | "
                                     "tr -d '\\000')=END");
      g_usleep (2 * G_USEC_PER_SEC);
      again = serve_nbd (image, port);
      read = vb_test_console_expect (console, from, "READ=([^\r\n]*)=END", RUN_TIMEOUT_MS);
      g_test_message ("delay %u: the guest read '%s'", delay, read);
      if (delay)
        g_assert_cmpstr (read, ==, PATTERN);
      else
        g_assert_cmpstr (read, ==, "");
      vb_test_console_free (console);
      g_variant_unref (
        vb_test_call_ok (env, path, IFACE_DOMAIN, "Destroy", g_variant_new ("(u)", 0)));
      g_subprocess_force_exit (again);
      g_subprocess_wait (again, NULL, NULL);
      if (!delay)
        break;
    }
  g_assert_true (vb_test_env_daemon_alive (env));
}

static void
assert_file_lacks (const char *file, const char *needle)
{
  g_autofree char *text = NULL;
  gsize len = 0;

  if (!g_file_get_contents (file, &text, &len, NULL))
    return;
  g_assert_null (g_strstr_len (text, len, needle));
}

/* Every file under @dir: none holds @needle as it is. */
static void
assert_tree_lacks (const char *dir, const char *needle)
{
  g_autoptr (GDir) listing = g_dir_open (dir, 0, NULL);
  const char *name;

  while (listing && (name = g_dir_read_name (listing)))
    {
      g_autofree char *child = g_build_filename (dir, name, NULL);

      if (g_file_test (child, G_FILE_TEST_IS_SYMLINK))
        continue;
      if (g_file_test (child, G_FILE_TEST_IS_DIR))
        assert_tree_lacks (child, needle);
      else if (g_file_test (child, G_FILE_TEST_IS_REGULAR))
        assert_file_lacks (child, needle);
    }
}

static void
test_luks (void)
{
  g_autoptr (VbTestEnv) env = vb_test_env_new (VB_TEST_ENV_NONE);
  g_autofree char *image = NULL;
  g_autofree char *secret_xml = NULL;
  g_autofree char *secret = NULL;
  g_autofree char *disk = NULL;
  g_autofree char *xml = NULL;
  g_autofree char *path = NULL;
  g_autofree char *out = NULL;
  g_autofree char *object = g_strdup ("secret,id=sec0,data=" PASSPHRASE);
  g_autofree char *image_opts = NULL;
  VbTestConsole *console = NULL;
  struct stat st;

  vb_test_env_start_daemon (env, NULL);
  image = g_build_filename (env->tmpdir, "luks.img", NULL);
  create_luks (object, image);
  image_opts = g_strdup_printf ("driver=luks,key-secret=sec0,file.filename=%s", image);
  {
    const char *write[] = {
      "qemu-io", "--object", object, "--image-opts", image_opts, "-c", "write -P 0x5a 0 4096", NULL
    };
    g_free (vb_test_run_argv (write));
  }

  /* The secret, by usage, as libvirt's tools write it. */
  secret_xml = g_strdup_printf ("<secret ephemeral='no' private='yes'>\n"
                                "  <description>LUKS passphrase</description>\n"
                                "  <usage type='volume'>\n    <volume>%s</volume>\n  </usage>\n"
                                "</secret>\n",
                                image);
  secret = vb_test_call_path (env, MANAGER, IFACE_MANAGER, "DefineSecret",
                              g_variant_new ("(su)", secret_xml, 0));
  disk = g_strdup_printf ("    <disk type='file' device='disk'>\n"
                          "      <driver name='qemu' type='raw'/>\n"
                          "      <source file='%s'>\n"
                          "        <encryption format='luks'>\n"
                          "          <secret type='passphrase' usage='%s'/>\n"
                          "        </encryption>\n"
                          "      </source>\n"
                          "      <target dev='vda' bus='virtio'/>\n"
                          "    </disk>\n",
                          image, image);
  xml = vb_test_guest_xml ("netdisk-luks", 128, NULL, disk);
  path =
    vb_test_call_path (env, MANAGER, IFACE_MANAGER, "DefineDomain", g_variant_new ("(su)", xml, 0));
  /* Without a value the start is refused, naming the secret. */
  vb_test_call_expect_error (env, path, IFACE_DOMAIN, "Start", g_variant_new ("(u)", 0),
                             "org.virtbus.Virt1.Error.OperationInvalid");
  g_variant_unref (
    vb_test_call_ok (env, secret, IFACE_SECRET, "SetValue",
                     g_variant_new ("(@ayu)",
                                    g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE, PASSPHRASE,
                                                               strlen (PASSPHRASE), 1),
                                    0)));
  /* Defined again by boot(), which starts it and waits for the guest. */
  g_variant_unref (vb_test_call_ok (env, path, IFACE_DOMAIN, "Undefine", g_variant_new ("(u)", 0)));
  g_free (path);
  path = boot (env, xml, &console);
  /* The guest reads the plaintext QEMU decrypted. */
  out = vb_test_console_output (console, "dd if=/dev/vda bs=8 count=1 2>/dev/null | od -An -tx1",
                                RUN_TIMEOUT_MS);
  g_assert_nonnull (strstr (out, "5a 5a 5a 5a 5a 5a 5a 5a"));
  vb_test_console_free (console);

  /* The value is in no XML, no log, no command line, no file of the run
   * directory; in the state directory only base64 in the secret's own
   * file, mode 0600 in a 0700 directory. */
  {
    g_autoptr (GVariant) reply =
      vb_test_call_ok (env, path, IFACE_DOMAIN, "GetXMLDesc", g_variant_new ("(u)", 0));
    g_autoptr (GVariant) secret_reply =
      vb_test_call_ok (env, secret, IFACE_SECRET, "GetXMLDesc", g_variant_new ("(u)", 0));
    const char *live = NULL;
    const char *desc = NULL;

    g_variant_get (reply, "(&s)", &live);
    g_variant_get (secret_reply, "(&s)", &desc);
    g_assert_null (strstr (live, PASSPHRASE));
    g_assert_nonnull (strstr (live, "format='luks'"));
    g_assert_null (strstr (desc, PASSPHRASE));
    g_assert_null (strstr (desc, "value"));
  }
  assert_tree_lacks (env->run_dir, PASSPHRASE);
  assert_tree_lacks (env->state_dir, PASSPHRASE);
  {
    g_autofree char *log = vb_test_env_daemon_log (env);
    g_assert_null (strstr (log, PASSPHRASE));
  }
  {
    g_autofree char *uuid = vb_test_get_string (env, secret, IFACE_SECRET, "UUID");
    g_autofree char *file = g_strdup_printf ("%s.xml", uuid);
    g_autofree char *dir = g_build_filename (env->state_dir, "secrets", NULL);
    g_autofree char *stored_path = g_build_filename (dir, file, NULL);

    g_assert_cmpint (g_stat (dir, &st), ==, 0);
    g_assert_cmpint (st.st_mode & 0777, ==, 0700);
    g_assert_cmpint (g_stat (stored_path, &st), ==, 0);
    g_assert_cmpint (st.st_mode & 0777, ==, 0600);
  }
  g_variant_unref (vb_test_call_ok (env, path, IFACE_DOMAIN, "Destroy", g_variant_new ("(u)", 0)));

  /* A restarted service still has the secret and its value: the guest
   * starts again. */
  vb_test_env_stop_daemon (env, FALSE);
  vb_test_env_start_daemon (env, NULL);
  g_variant_unref (vb_test_call_ok (env, path, IFACE_DOMAIN, "Start", g_variant_new ("(u)", 0)));
  g_variant_unref (vb_test_call_ok (env, path, IFACE_DOMAIN, "Destroy", g_variant_new ("(u)", 0)));

  /* Undefined, the secret is gone and the domain cannot start. */
  g_variant_unref (vb_test_call_ok (env, secret, IFACE_SECRET, "Undefine", NULL));
  vb_test_call_expect_error (env, path, IFACE_DOMAIN, "Start", g_variant_new ("(u)", 0),
                             "org.virtbus.Virt1.Error.NotFound");
  g_assert_true (vb_test_env_daemon_alive (env));
}

/* The same passphrase reaches a QEMU that runs as its own user, confined
 * (system mode): it reopens its memfd by /proc/self/fd as that user, under
 * seccomp. Needs the user vbtest-qemu (tests/setup-test-users.sh). */
static void
test_luks_confined (void)
{
  g_autoptr (VbTestEnv) env = vb_test_env_new (VB_TEST_ENV_POLKIT);
  const char *args[] = { "--qemu-user=vbtest-qemu", "--network-driver=test", NULL };
  struct passwd *user = getpwnam ("vbtest-qemu");
  g_autofree char *image = NULL;
  g_autofree char *object = g_strdup ("secret,id=sec0,data=" PASSPHRASE);
  g_autofree char *secret_xml = NULL;
  g_autofree char *secret = NULL;
  g_autofree char *disk = NULL;
  g_autofree char *xml = NULL;
  g_autofree char *path = NULL;
  g_autofree char *out = NULL;
  VbTestConsole *console = NULL;

  if (!user)
    g_error ("the user vbtest-qemu is missing: run tests/setup-test-users.sh as root");
  vb_test_env_start_system_daemon (env, NULL, args);
  image = g_build_filename (env->tmpdir, "confined-luks.img", NULL);
  {
    g_autofree char *image_opts =
      g_strdup_printf ("driver=luks,key-secret=sec0,file.filename=%s", image);
    const char *write[] = {
      "qemu-io", "--object", object, "--image-opts", image_opts, "-c", "write -P 0xa7 0 4096", NULL
    };

    create_luks (object, image);
    g_free (vb_test_run_argv (write));
  }
  g_assert_cmpint (chown (image, user->pw_uid, user->pw_gid), ==, 0);
  secret_xml = g_strdup ("<secret ephemeral='yes' private='yes'>\n"
                         "  <uuid>6f1d2c3b-4a59-4867-9a8b-7c6d5e4f3a21</uuid>\n</secret>\n");
  secret = vb_test_call_path (env, MANAGER, IFACE_MANAGER, "DefineSecret",
                              g_variant_new ("(su)", secret_xml, 0));
  g_variant_unref (
    vb_test_call_ok (env, secret, IFACE_SECRET, "SetValue",
                     g_variant_new ("(@ayu)",
                                    g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE, PASSPHRASE,
                                                               strlen (PASSPHRASE), 1),
                                    0)));
  disk = g_strdup_printf ("    <disk type='file' device='disk'>\n"
                          "      <driver name='qemu' type='raw'/>\n"
                          "      <source file='%s'/>\n"
                          "      <encryption format='luks'>\n"
                          "        <secret type='passphrase'"
                          " uuid='6f1d2c3b-4a59-4867-9a8b-7c6d5e4f3a21'/>\n"
                          "      </encryption>\n"
                          "      <target dev='vda' bus='virtio'/>\n"
                          "    </disk>\n",
                          image);
  xml = vb_test_guest_xml ("netdisk-luks-confined", 128, NULL, disk);
  path = boot (env, xml, &console);
  out = vb_test_console_output (console, "dd if=/dev/vda bs=8 count=1 2>/dev/null | od -An -tx1",
                                RUN_TIMEOUT_MS);
  g_assert_nonnull (strstr (out, "a7 a7 a7 a7 a7 a7 a7 a7"));
  vb_test_console_free (console);
  g_variant_unref (vb_test_call_ok (env, path, IFACE_DOMAIN, "Destroy", g_variant_new ("(u)", 0)));
  /* Ephemeral: never written to the state directory. */
  {
    g_autofree char *stored = g_build_filename (env->state_dir, "secrets",
                                                "6f1d2c3b-4a59-4867-9a8b-7c6d5e4f3a21.xml", NULL);

    g_assert_false (g_file_test (stored, G_FILE_TEST_EXISTS));
  }
  assert_tree_lacks (env->state_dir, PASSPHRASE);
  assert_tree_lacks (env->run_dir, PASSPHRASE);
  g_assert_true (vb_test_env_daemon_alive (env));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/xml-netdisk/nbd", test_nbd);
  g_test_add_func ("/xml-netdisk/nbd-reconnect", test_nbd_reconnect);
  g_test_add_func ("/xml-netdisk/luks", test_luks);
  g_test_add_func ("/xml-netdisk/luks-confined", test_luks_confined);
  return g_test_run ();
}
