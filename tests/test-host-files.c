/* Which host paths of a definition are outside the storage pools: the
 * paths a domain XML names, and where each resolves, on a real directory
 * tree with symlinks. */
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

#include "domain-host-paths.h"
#include "host-files.h"

static gboolean
listed (GPtrArray *paths, const char *path, VbHostPathRole role)
{
  for (guint i = 0; i < paths->len; i++)
    {
      VbHostPath *p = paths->pdata[i];
      if (g_str_equal (p->path, path) && p->role == role)
        return TRUE;
    }
  return FALSE;
}

static void
test_listed (void)
{
  static const char xml[] =
    "<domain type='kvm'><name>x</name><memory>1</memory>"
    "<os><type>hvm</type><kernel>/k</kernel><initrd>/i</initrd><dtb>/d</dtb>"
    "<loader type='pflash'>/usr/share/OVMF/c.fd</loader>"
    "<nvram template='/usr/share/OVMF/v.fd'>/n.fd</nvram></os>"
    "<devices><emulator>/usr/bin/qemu-system-x86_64</emulator>"
    "<disk type='file'><source file='/f'/><target dev='vda'/></disk>"
    "<disk type='block' device='cdrom'><source dev='/b'/><target dev='sda'/></disk>"
    "<disk type='volume'><source pool='p' volume='v'/><target dev='vdb'/></disk>"
    "<disk type='file'><source file='/q'><dataStore type='file'><format type='raw'/>"
    "<source file='/q-data'/></dataStore></source><target dev='vdc'/></disk>"
    "<disk type='block' device='lun'><source dev='/dev/sdq'><reservations managed='no'>"
    "<source type='unix' path='/pr.sock' mode='client'/></reservations></source>"
    "<target dev='sdb'/></disk>"
    "<interface type='network'><source network='default'/><target dev='vnet0'/></interface>"
    "<serial type='file'><source path='/s'/><log file='/l'/></serial>"
    "<channel type='unix'><source mode='bind' path='/u'/></channel>"
    "<rng model='virtio'><backend model='random'>/dev/urandom</backend></rng>"
    "<filesystem><source dir='/shared'/><target dir='tag'/></filesystem>"
    "<tpm><backend type='passthrough'><device path='/dev/tpm9'/></backend></tpm>"
    "<nvram/></devices></domain>";
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) paths = vb_domain_host_paths (xml, &error);

  g_assert_no_error (error);
  g_assert_true (listed (paths, "/k", VB_HOST_PATH_FILE));
  g_assert_true (listed (paths, "/i", VB_HOST_PATH_FILE));
  g_assert_true (listed (paths, "/d", VB_HOST_PATH_FILE));
  g_assert_true (listed (paths, "/n.fd", VB_HOST_PATH_FILE));
  g_assert_true (listed (paths, "/usr/share/OVMF/c.fd", VB_HOST_PATH_FIRMWARE));
  g_assert_true (listed (paths, "/usr/share/OVMF/v.fd", VB_HOST_PATH_FIRMWARE));
  g_assert_true (listed (paths, "/usr/bin/qemu-system-x86_64", VB_HOST_PATH_EMULATOR));
  g_assert_true (listed (paths, "/f", VB_HOST_PATH_FILE));
  g_assert_true (listed (paths, "/b", VB_HOST_PATH_FILE));
  /* A qcow2 data file, a qemu-pr-helper socket QEMU connects to. */
  g_assert_true (listed (paths, "/q-data", VB_HOST_PATH_FILE));
  g_assert_true (listed (paths, "/pr.sock", VB_HOST_PATH_FILE));
  g_assert_true (listed (paths, "/s", VB_HOST_PATH_FILE));
  g_assert_true (listed (paths, "/l", VB_HOST_PATH_FILE));
  g_assert_true (listed (paths, "/u", VB_HOST_PATH_FILE));
  g_assert_true (listed (paths, "/dev/urandom", VB_HOST_PATH_ENTROPY));
  g_assert_true (listed (paths, "/shared", VB_HOST_PATH_FILE));
  g_assert_true (listed (paths, "/dev/tpm9", VB_HOST_PATH_FILE));
  /* Names that are not paths (vda, vnet0, the pool's volume, the mount
   * tag) are not listed. */
  g_assert_cmpuint (paths->len, ==, 19);

  /* A device alone, as AttachDevice and BlockCopy take it. */
  g_clear_pointer (&paths, g_ptr_array_unref);
  paths = vb_domain_host_paths ("<disk type='file'><source file='/etc/shadow'/></disk>", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (paths->len, ==, 1);
  g_assert_true (listed (paths, "/etc/shadow", VB_HOST_PATH_FILE));

  /* The devices a tap is opened through (<backend tap vhost>). */
  g_clear_pointer (&paths, g_ptr_array_unref);
  paths = vb_domain_host_paths ("<interface type='bridge'><source bridge='br0'/>"
                                "<backend tap='/dev/t' vhost='/dev/v'/></interface>",
                                &error);
  g_assert_no_error (error);
  g_assert_cmpuint (paths->len, ==, 2);
  g_assert_true (listed (paths, "/dev/t", VB_HOST_PATH_FILE));
  g_assert_true (listed (paths, "/dev/v", VB_HOST_PATH_FILE));

  /* A network disk's unix socket and Ceph configuration; its name and
   * host name are not paths. */
  g_clear_pointer (&paths, g_ptr_array_unref);
  paths = vb_domain_host_paths ("<devices><disk type='network'>"
                                "<source protocol='nbd' name='/export'>"
                                "<host transport='unix' socket='/run/nbd.sock'/></source></disk>"
                                "<disk type='network'><source protocol='rbd' name='p/i'>"
                                "<host name='mon'/><config file='/etc/ceph/c.conf'/></source>"
                                "</disk></devices>",
                                &error);
  g_assert_no_error (error);
  g_assert_cmpuint (paths->len, ==, 2);
  g_assert_true (listed (paths, "/run/nbd.sock", VB_HOST_PATH_FILE));
  g_assert_true (listed (paths, "/etc/ceph/c.conf", VB_HOST_PATH_FILE));

  /* A D-Bus display's bus: the socket QEMU connects to (unescaped), the
   * nonce file it reads; a tcp host and an abstract name are no paths.
   * VNC's older socket= (a <listen type='socket'> once parsed). */
  g_clear_pointer (&paths, g_ptr_array_unref);
  paths = vb_domain_host_paths ("<domain><devices>"
                                "<graphics type='dbus' address='unix:path=/run/dbus/system%5fbus_"
                                "socket;nonce-tcp:host=h,port=1,noncefile=/etc/n;"
                                "unix:abstract=a;tcp:host=h,port=2'/>"
                                "<graphics type='vnc' socket='/v.sock'/></devices></domain>",
                                &error);
  g_assert_no_error (error);
  g_assert_cmpuint (paths->len, ==, 3);
  g_assert_true (listed (paths, "/run/dbus/system_bus_socket", VB_HOST_PATH_FILE));
  g_assert_true (listed (paths, "/etc/n", VB_HOST_PATH_FILE));
  g_assert_true (listed (paths, "/v.sock", VB_HOST_PATH_FILE));

  /* A snapshot's external files. */
  g_clear_pointer (&paths, g_ptr_array_unref);
  paths = vb_domain_host_paths ("<domainsnapshot><memory snapshot='external' file='/m'/>"
                                "<disks><disk name='vda' snapshot='external'>"
                                "<source file='/o'/></disk></disks></domainsnapshot>",
                                &error);
  g_assert_no_error (error);
  g_assert_cmpuint (paths->len, ==, 2);
  g_assert_true (listed (paths, "/m", VB_HOST_PATH_FILE));
  g_assert_true (listed (paths, "/o", VB_HOST_PATH_FILE));

  /* The devices' own: an input's evdev, an ivshmem server, an NSS database. */
  g_clear_pointer (&paths, g_ptr_array_unref);
  paths = vb_domain_host_paths ("<domain><devices>"
                                "<input type='passthrough'><source evdev='/dev/input/e'/></input>"
                                "<input type='evdev'><source dev='/dev/input/k'/></input>"
                                "<shmem name='s'><server path='/sock'/></shmem>"
                                "<smartcard mode='host-certificates'><database>/db</database>"
                                "</smartcard></devices></domain>",
                                &error);
  g_assert_no_error (error);
  g_assert_cmpuint (paths->len, ==, 4);
  g_assert_true (listed (paths, "/dev/input/e", VB_HOST_PATH_FILE));
  g_assert_true (listed (paths, "/dev/input/k", VB_HOST_PATH_FILE));
  g_assert_true (listed (paths, "/sock", VB_HOST_PATH_FILE));
  g_assert_true (listed (paths, "/db", VB_HOST_PATH_FILE));

  g_clear_pointer (&paths, g_ptr_array_unref);
  paths = vb_domain_host_paths ("<domain", &error);
  g_assert_null (paths);
  g_assert_nonnull (error);
}

static gboolean
inside (const char *path, const char *const *roots)
{
  g_autofree char *resolved = vb_host_file_resolve (path);

  return vb_host_file_inside (resolved, roots);
}

/* What the platform and firmware elements name: the store's <source file>,
 * ACPI tables, fw_cfg files, the ERST store. */
static void
test_listed_platform (void)
{
  static const char xml[] =
    "<domain type='kvm'><name>x</name><memory>1</memory>"
    "<sysinfo type='fwcfg'><entry name='opt/a' file='/fw'/><entry name='opt/b'>v</entry></sysinfo>"
    "<os><type>hvm</type><acpi><table type='slic'>/slic</table></acpi>"
    "<nvram type='file'><source file='/vars.fd'/></nvram></os>"
    "<devices><pstore backend='acpi-erst'><path>/erst</path><size>8</size></pstore></devices>"
    "</domain>";
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) paths = vb_domain_host_paths (xml, &error);

  g_assert_no_error (error);
  g_assert_true (listed (paths, "/fw", VB_HOST_PATH_FILE));
  g_assert_true (listed (paths, "/slic", VB_HOST_PATH_FILE));
  g_assert_true (listed (paths, "/vars.fd", VB_HOST_PATH_FILE));
  g_assert_true (listed (paths, "/erst", VB_HOST_PATH_FILE));
  g_assert_cmpuint (paths->len, ==, 4);
}

/* What the review found the walker missed: sockets, audio files and
 * devices, shared memory, the defaults a driver opens when the XML names
 * none, a tap the service does not make, realtime scheduling. */
static void
test_listed_defaults (void)
{
  static const char xml[] =
    "<domain type='kvm'><name>x</name><memory>1</memory>"
    "<cputune><vcpusched vcpus='0' scheduler='fifo' priority='1'/></cputune>"
    "<devices>"
    "<graphics type='vnc'><listen type='socket' socket='/vnc.sock'/></graphics>"
    "<audio id='1' type='file' path='/audio.wav'/>"
    "<audio id='2' type='oss'><output dev='/dev/dsp1'/></audio>"
    "<shmem name='other'><model type='ivshmem-plain'/></shmem>"
    "<tpm model='tpm-tis'><backend type='passthrough'/></tpm>"
    "<smartcard mode='host-certificates'><certificate>a</certificate></smartcard>"
    "<smartcard mode='host'/>"
    "<interface type='ethernet'><target dev='adminvpn0' managed='no'/></interface>"
    "</devices></domain>";
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) paths = vb_domain_host_paths (xml, &error);

  g_assert_no_error (error);
  g_assert_true (listed (paths, "/vnc.sock", VB_HOST_PATH_FILE));
  g_assert_true (listed (paths, "/audio.wav", VB_HOST_PATH_FILE));
  g_assert_true (listed (paths, "/dev/dsp1", VB_HOST_PATH_FILE));
  g_assert_true (listed (paths, "/dev/shm/other", VB_HOST_PATH_FILE));
  g_assert_true (listed (paths, "/dev/tpm0", VB_HOST_PATH_FILE));
  g_assert_true (listed (paths, "/etc/pki/nssdb", VB_HOST_PATH_FILE));
  g_assert_true (listed (paths, "/dev/bus/usb", VB_HOST_PATH_FILE));
  g_assert_true (listed (paths, "/dev/net/tun", VB_HOST_PATH_FILE));
  g_assert_true (listed (paths, "/proc/sys/kernel/sched_rt_runtime_us", VB_HOST_PATH_FILE));
}

static void
test_resolved (void)
{
  g_autofree char *top = g_dir_make_tmp ("vb-host-files-XXXXXX", NULL);
  g_autofree char *real_top = vb_host_file_resolve (top);
  g_autofree char *pool = g_build_filename (real_top, "pool", NULL);
  g_autofree char *outside = g_build_filename (real_top, "secret", NULL);
  g_autofree char *in_pool = g_build_filename (pool, "disk.img", NULL);
  g_autofree char *escape = g_build_filename (pool, "escape.img", NULL);
  g_autofree char *dangling = g_build_filename (pool, "dangling.img", NULL);
  g_autofree char *dotdot = g_strconcat (pool, "/../secret", NULL);
  g_autofree char *missing_dotdot = g_strconcat (pool, "/missing/../../secret", NULL);
  g_autofree char *to_be = g_build_filename (pool, "new", "later.img", NULL);
  const char *roots[] = { pool, NULL };

  g_assert_cmpint (g_mkdir (pool, 0700), ==, 0);
  g_assert_true (g_file_set_contents (outside, "x", -1, NULL));
  g_assert_true (g_file_set_contents (in_pool, "x", -1, NULL));
  g_assert_cmpint (symlink (outside, escape), ==, 0);
  g_assert_cmpint (symlink ("/nonexistent/x", dangling), ==, 0);

#define INSIDE(path) inside (path, roots)
  g_assert_true (INSIDE (in_pool));
  /* Not yet there, below the pool: inside. */
  g_assert_true (INSIDE (to_be));
  /* A symlink in the pool that leads out, a "..", one below a missing
   * directory, a dangling link, the pool itself, a relative path. */
  g_assert_false (INSIDE (escape));
  g_assert_false (INSIDE (dotdot));
  g_assert_false (INSIDE (missing_dotdot));
  g_assert_false (INSIDE (dangling));
  g_assert_false (INSIDE (pool));
  g_assert_false (INSIDE ("pool/disk.img"));
  g_assert_false (INSIDE ("/etc/shadow"));
  /* A prefix of the name is not the directory. */
  {
    g_autofree char *sibling = g_strconcat (pool, "2/disk.img", NULL);
    g_assert_false (INSIDE (sibling));
  }
#undef INSIDE

  g_unlink (escape);
  g_unlink (dangling);
  g_unlink (in_pool);
  g_unlink (outside);
  g_rmdir (pool);
  g_rmdir (top);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/host-files/listed", test_listed);
  g_test_add_func ("/host-files/listed-platform", test_listed_platform);
  g_test_add_func ("/host-files/listed-defaults", test_listed_defaults);
  g_test_add_func ("/host-files/resolved", test_resolved);
  return g_test_run ();
}
