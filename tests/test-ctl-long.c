/* virtbusctl's long operations, networks, storage, snapshots, jobs and
 * events against a real virtbusd (test driver, dir pools) on the test's
 * bus: human output and --json, the progress on standard error (plain
 * lines when it is no terminal, a bar redrawn in place in tmux), Ctrl-C
 * cancelling the Job, errors and exit codes. The QEMU operations (migrate,
 * save, restore, managedsave, blockcopy) are in test-ctl-long-qemu.c. */
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vb-test-ctl.h"
#include "vb-test-env.h"
#include "vb-test-pane.h"

#define MAC1 "52:54:00:7c:10:01"
#define WAIT_MS 10000

typedef struct {
  VbTestEnv *env;
  char *pool_dir;
} Fixture;

#define CTL(f, ...) vb_ctl_ok ((f)->env, (const char *[]){ __VA_ARGS__, NULL })
#define CTL_FAILS(f, code, ...) vb_ctl_fails ((f)->env, code, (const char *[]){ __VA_ARGS__, NULL })
#define CTL_RUN(f, input, ...) vb_ctl_run ((f)->env, input, (const char *[]){ __VA_ARGS__, NULL })

static void
set_up (Fixture *f, gconstpointer data)
{
  f->env = vb_test_env_new (VB_TEST_ENV_NONE);
  vb_test_env_start_daemon (f->env, NULL);
  f->pool_dir = g_build_filename (f->env->tmpdir, "images", NULL);
}

static void
tear_down (Fixture *f, gconstpointer data)
{
  g_assert_true (vb_test_env_daemon_alive (f->env));
  g_free (f->pool_dir);
  vb_test_env_free (f->env);
}

static char *
write_file (Fixture *f, const char *name, const char *text, gssize length)
{
  char *path = g_build_filename (f->env->tmpdir, name, NULL);
  g_autoptr (GError) error = NULL;

  g_file_set_contents (path, text, length, &error);
  g_assert_no_error (error);
  return path;
}

static JsonNode *
parse_json (const char *text)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GError) error = NULL;

  json_parser_load_from_data (parser, text, -1, &error);
  if (error)
    g_error ("not JSON (%s):\n%s", error->message, text);
  return json_node_ref (json_parser_get_root (parser));
}

/* The element of the JSON array @text whose "name" is @name. */
static JsonObject *
find_named (JsonNode *array, const char *member, const char *value)
{
  JsonArray *items = json_node_get_array (array);

  for (guint i = 0; i < json_array_get_length (items); i++)
    {
      JsonObject *item = json_array_get_object_element (items, i);

      if (g_strcmp0 (json_object_get_string_member (item, member), value) == 0)
        return item;
    }
  return NULL;
}

static void
define_pool (Fixture *f)
{
  g_autofree char *defined = CTL (f, "pool-define-as", "images", "dir", f->pool_dir);
  g_autofree char *started = CTL (f, "pool-start", "images", "--build");

  g_assert_cmpstr (defined, ==, "Pool images defined\n");
  g_assert_cmpstr (started, ==, "Pool images started\n");
}

static char *
domain_xml (const char *name, const char *network)
{
  return g_strdup_printf ("<domain type='test'>\n  <name>%s</name>\n"
                          "  <memory unit='MiB'>128</memory>\n  <vcpu>1</vcpu>\n"
                          "  <os>\n    <type arch='x86_64'>hvm</type>\n  </os>\n"
                          "  <devices>\n"
                          "    <interface type='network'>\n      <mac address='" MAC1 "'/>\n"
                          "      <source network='%s'/>\n    </interface>\n"
                          "  </devices>\n</domain>\n",
                          name, network);
}

/* ---- networks ---- */

static void
test_networks (Fixture *f, gconstpointer data)
{
  g_autofree char *file = write_file (f, "net1.xml",
                                      "<network>\n  <name>net1</name>\n  <forward mode='nat'/>\n"
                                      "  <ip address='192.168.171.1' netmask='255.255.255.0'>\n"
                                      "    <dhcp>\n      <range start='192.168.171.10'"
                                      " end='192.168.171.99'/>\n    </dhcp>\n  </ip>\n"
                                      "</network>\n",
                                      -1);
  g_autofree char *dom = domain_xml ("leaser", "net1");
  g_autofree char *dom_file = write_file (f, "leaser.xml", dom, -1);
  g_autofree char *defined = CTL (f, "net-define", file);
  g_autofree char *active_list = CTL (f, "net-list");
  g_autofree char *all_list = CTL (f, "net-list", "--all");
  g_autofree char *json_list = CTL (f, "--json", "net-list", "--all");
  g_autoptr (JsonNode) networks = parse_json (json_list);
  JsonObject *net1 = find_named (networks, "name", "net1");
  g_autofree char *started = NULL, *leases = NULL, *leases_json = NULL, *refused = NULL;
  g_autofree char *destroyed = NULL, *missing = NULL, *after = NULL, *other_mac = NULL;
  g_autofree char *out = NULL;
  g_autoptr (JsonNode) lease_array = NULL;
  JsonObject *lease;

  g_assert_cmpstr (defined, ==, g_strdup_printf ("Network net1 defined from %s\n", file));
  /* Inactive: only --all lists it. */
  g_assert_null (strstr (active_list, "net1"));
  g_assert_nonnull (strstr (all_list, " net1   inactive   no          yes"));
  g_assert_nonnull (net1);
  g_assert_cmpstr (json_object_get_string_member (net1, "state"), ==, "inactive");
  g_assert_false (json_object_get_boolean_member (net1, "active"));
  g_assert_true (json_object_get_boolean_member (net1, "persistent"));
  g_assert_true (g_uuid_string_is_valid (json_object_get_string_member (net1, "uuid")));

  started = CTL (f, "net-start", "net1");
  g_assert_cmpstr (started, ==, "Network net1 started\n");
  g_free (active_list);
  active_list = CTL (f, "net-list");
  g_assert_nonnull (strstr (active_list, " net1   active "));

  /* A running domain on it holds a lease (the test driver's DHCP). */
  out = CTL (f, "define", dom_file);
  g_free (out);
  out = CTL (f, "start", "leaser");
  leases = CTL (f, "net-dhcp-leases", "net1");
  g_assert_nonnull (strstr (leases, "MAC address"));
  g_assert_nonnull (strstr (leases, MAC1 "   ipv4       192.168.171.10/24   leaser"));
  leases_json = CTL (f, "--json", "net-dhcp-leases", "net1");
  lease_array = parse_json (leases_json);
  g_assert_cmpuint (json_array_get_length (json_node_get_array (lease_array)), ==, 1);
  lease = json_array_get_object_element (json_node_get_array (lease_array), 0);
  g_assert_cmpstr (json_object_get_string_member (lease, "mac"), ==, MAC1);
  g_assert_cmpstr (json_object_get_string_member (lease, "ipaddr"), ==, "192.168.171.10");
  g_assert_cmpint (json_object_get_int_member (lease, "prefix"), ==, 24);
  g_assert_cmpint (json_object_get_int_member (lease, "type"), ==, 0);
  g_assert_cmpstr (json_object_get_string_member (lease, "hostname"), ==, "leaser");
  g_assert_cmpint (json_object_get_int_member (lease, "expirytime"), >,
                   g_get_real_time () / G_USEC_PER_SEC);
  other_mac = CTL (f, "--json", "net-dhcp-leases", "net1", "--mac", "52:54:00:00:00:99");
  g_assert_cmpstr (g_strstrip (other_mac), ==, "[]");

  /* The service's refusal: its message, exit 1. */
  refused = CTL_FAILS (f, 1, "net-start", "net1");
  g_assert_true (g_str_has_prefix (refused, "error: "));
  g_assert_null (strstr (refused, "GDBus.Error"));
  g_free (out);
  out = CTL (f, "destroy", "leaser");
  destroyed = CTL (f, "net-destroy", "net1");
  g_assert_cmpstr (destroyed, ==, "Network net1 destroyed\n");
  after = CTL (f, "--json", "net-list");
  g_assert_cmpstr (g_strstrip (after), ==, "[]");

  missing = CTL_FAILS (f, 3, "net-start", "nonet");
  g_assert_cmpstr (missing, ==, "error: No network is named 'nonet'\n");
  g_free (missing);
  missing = CTL_FAILS (f, 3, "net-dhcp-leases", "nonet");
  g_free (missing);
  missing = CTL_FAILS (f, 1, "net-define", "/nonexistent/net.xml");
  g_assert_nonnull (strstr (missing, "cannot read /nonexistent/net.xml"));
}

/* ---- pools and volumes ---- */

static void
test_pools (Fixture *f, gconstpointer data)
{
  g_autofree char *other_dir = g_build_filename (f->env->tmpdir, "other", NULL);
  g_autofree char *third_dir = g_build_filename (f->env->tmpdir, "third", NULL);
  g_autofree char *list = NULL, *all = NULL, *json = NULL, *vols = NULL, *vols_json = NULL;
  g_autofree char *out = NULL, *err = NULL;
  g_autoptr (JsonNode) pools = NULL, volumes = NULL;
  JsonObject *pool, *raw, *qcow2;

  define_pool (f);
  /* virsh's positional form and --target. */
  out = CTL (f, "pool-define-as", "other", "dir", "-", "-", "-", "-", other_dir);
  g_free (out);
  out = CTL (f, "pool-define-as", "third", "dir", "--target", third_dir);
  list = CTL (f, "pool-list");
  all = CTL (f, "pool-list", "--all");
  g_assert_nonnull (strstr (list, " images   active "));
  g_assert_null (strstr (list, "other"));
  g_assert_nonnull (strstr (all, " other    inactive   no          yes"));
  g_assert_nonnull (strstr (all, " third    inactive"));
  json = CTL (f, "--json", "pool-list", "--all");
  pools = parse_json (json);
  pool = find_named (pools, "name", "images");
  g_assert_true (json_object_get_boolean_member (pool, "active"));
  g_assert_cmpint (json_object_get_int_member (pool, "capacity"), >, 0);
  g_assert_cmpint (json_object_get_int_member (find_named (pools, "name", "other"), "capacity"), ==,
                   0);
  {
    g_autofree char *other_path =
      vb_test_call_path (f->env, MANAGER, IFACE_MANAGER, "LookupStoragePoolByName",
                         g_variant_new ("(s)", "other"));
    g_autofree char *xml = vb_test_get_xml (f->env, other_path, IFACE_POOL, 1);
    g_autofree char *target = g_strdup_printf ("<path>%s</path>", other_dir);

    g_assert_nonnull (strstr (xml, "<pool type='dir'>"));
    g_assert_nonnull (strstr (xml, target));
  }

  g_free (out);
  out = CTL (f, "vol-create-as", "images", "disk.raw", "10M");
  g_assert_cmpstr (out, ==, "Vol disk.raw created\n");
  g_free (out);
  out = CTL (f, "vol-create-as", "images", "disk.qcow2", "1GiB", "--format", "qcow2");
  vols = CTL (f, "vol-list", "images");
  g_assert_nonnull (strstr (vols, " disk.qcow2   "));
  g_assert_nonnull (strstr (vols, "qcow2    1.0 GiB"));
  g_assert_nonnull (strstr (vols, "raw      10.0 MiB"));
  vols_json = CTL (f, "--json", "vol-list", "images");
  volumes = parse_json (vols_json);
  raw = find_named (volumes, "name", "disk.raw");
  qcow2 = find_named (volumes, "name", "disk.qcow2");
  g_assert_cmpint (json_object_get_int_member (raw, "capacity"), ==, 10 << 20);
  g_assert_cmpstr (json_object_get_string_member (raw, "format"), ==, "raw");
  g_assert_cmpint (json_object_get_int_member (qcow2, "capacity"), ==, 1 << 30);
  g_assert_cmpstr (json_object_get_string_member (qcow2, "format"), ==, "qcow2");
  {
    g_autofree char *path = g_build_filename (f->pool_dir, "disk.raw", NULL);

    g_assert_cmpstr (json_object_get_string_member (raw, "path"), ==, path);
    g_assert_true (g_file_test (path, G_FILE_TEST_IS_REGULAR));
  }

  /* Usage errors exit 2, unknown pools 3, the service's refusals 1. */
  err = CTL_FAILS (f, 2, "vol-create-as", "images", "x", "ten");
  g_assert_nonnull (strstr (err, "'ten' is no size"));
  g_free (err);
  err = CTL_FAILS (f, 2, "pool-define-as", "p", "dir");
  g_assert_nonnull (strstr (err, "target"));
  g_free (err);
  err = CTL_FAILS (f, 3, "vol-list", "nopool");
  g_assert_cmpstr (err, ==, "error: No storage pool is named 'nopool'\n");
  g_free (err);
  err = CTL_FAILS (f, 1, "vol-create-as", "images", "disk.raw", "1M");
  g_assert_nonnull (strstr (err, "error: "));
  g_free (err);
  /* A name that would leave the pool is the service's to refuse. */
  err = CTL_FAILS (f, 1, "vol-create-as", "images", "../escape", "1M");
  g_assert_nonnull (strstr (err, "error: "));
  {
    g_autofree char *escaped = g_build_filename (f->env->tmpdir, "escape", NULL);

    g_assert_false (g_file_test (escaped, G_FILE_TEST_EXISTS));
  }
  g_free (err);
  err = CTL_FAILS (f, 1, "pool-start", "other");
  g_assert_nonnull (strstr (err, "Build the pool first"));
  g_free (out);
  out = CTL (f, "pool-start", "other", "--build");
  g_assert_true (g_file_test (other_dir, G_FILE_TEST_IS_DIR));
}

/* ---- volume upload and download ---- */

#define DATA_SIZE (3 << 20)

static char *
make_data (void)
{
  char *data = g_malloc (DATA_SIZE);

  for (guint i = 0; i < DATA_SIZE; i++)
    data[i] = (char) (i * 7 + i / 4096);
  return data;
}

static void
assert_file_is (const char *path, const char *data, gsize size)
{
  g_autofree char *contents = NULL;
  gsize length = 0;
  g_autoptr (GError) error = NULL;

  g_file_get_contents (path, &contents, &length, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (length, >=, size);
  g_assert_true (memcmp (contents, data, size) == 0);
}

static void
test_transfer (Fixture *f, gconstpointer data)
{
  g_autofree char *bytes = make_data ();
  g_autofree char *source = write_file (f, "source.bin", bytes, DATA_SIZE);
  g_autofree char *copy = g_build_filename (f->env->tmpdir, "copy.bin", NULL);
  g_autofree char *vol_path = g_build_filename (f->pool_dir, "v.raw", NULL);
  g_autofree char *out = NULL, *jobs = NULL, *err = NULL;
  g_autoptr (VbCtlRun) upload = NULL, download = NULL, quiet = NULL, json = NULL;
  g_autoptr (VbCtlRun) from_stdin = NULL, to_stdout = NULL;
  g_autoptr (JsonNode) job = NULL, job_list = NULL;
  JsonObject *job_object;

  define_pool (f);
  out = CTL (f, "vol-create-as", "images", "v.raw", "4M");

  /* From a file: the Job's total is the file's size; the progress goes to
   * stderr as plain lines (no terminal), the message to stdout. */
  upload = CTL_RUN (f, NULL, "vol-upload", "--pool", "images", "v.raw", source);
  g_assert_cmpint (upload->status, ==, 0);
  g_assert_cmpstr (upload->out, ==, g_strdup_printf ("Volume v.raw uploaded from %s\n", source));
  g_assert_nonnull (strstr (upload->err, "Upload: 100%, 3.0 MiB of 3.0 MiB"));
  g_assert_nonnull (strstr (upload->err, "(completed)"));
  g_assert_null (strstr (upload->err, "\r"));
  assert_file_is (vol_path, bytes, DATA_SIZE);

  /* To a file, the volume named by its path. */
  download = CTL_RUN (f, NULL, "vol-download", vol_path, copy, "--length", "3M");
  g_assert_cmpint (download->status, ==, 0);
  g_assert_nonnull (strstr (download->err, "Download: 100%"));
  assert_file_is (copy, bytes, DATA_SIZE);

  /* --quiet: nothing at all. */
  quiet = CTL_RUN (f, NULL, "--quiet", "vol-download", "--pool", "images", "v.raw", copy);
  g_assert_cmpint (quiet->status, ==, 0);
  g_assert_cmpstr (quiet->out, ==, "");
  g_assert_cmpstr (quiet->err, ==, "");

  /* Standard input to the volume, the volume to standard output (the
   * progress stays on stderr). */
  from_stdin = CTL_RUN (f, "hello from a pipe", "vol-upload", "--pool", "images", "v.raw", "-",
                        "--offset", "1M");
  g_assert_cmpint (from_stdin->status, ==, 0);
  g_assert_cmpstr (from_stdin->out, ==, "Volume v.raw uploaded from standard input\n");
  to_stdout = CTL_RUN (f, NULL, "vol-download", "--pool", "images", "v.raw", "-", "--offset", "1M",
                       "--length", "17");
  g_assert_cmpint (to_stdout->status, ==, 0);
  g_assert_cmpstr (to_stdout->out, ==, "hello from a pipe");
  g_assert_nonnull (strstr (to_stdout->err, "Download: 100%, 17 B of 17 B"));

  /* --json: the Job's final figures. */
  json = CTL_RUN (f, NULL, "--json", "vol-upload", "--pool", "images", "v.raw", source);
  g_assert_cmpint (json->status, ==, 0);
  g_assert_cmpstr (json->err, ==, "");
  job = parse_json (json->out);
  job_object = json_node_get_object (job);
  g_assert_cmpstr (json_object_get_string_member (job_object, "operation"), ==, "upload");
  g_assert_cmpstr (json_object_get_string_member (job_object, "phase"), ==, "completed");
  g_assert_cmpint (json_object_get_int_member (job_object, "bytes_processed"), ==, DATA_SIZE);
  g_assert_cmpint (json_object_get_int_member (job_object, "bytes_total"), ==, DATA_SIZE);
  g_assert_true (g_str_has_prefix (json_object_get_string_member (job_object, "job"),
                                   "/org/virtbus/Virt1/job/"));

  /* job-list: finished jobs only with --all. */
  jobs = CTL (f, "job-list");
  g_assert_null (strstr (jobs, "upload"));
  g_free (jobs);
  jobs = CTL (f, "job-list", "--all");
  g_assert_nonnull (strstr (jobs, " 1     upload      v.raw    completed   100%"));
  g_assert_nonnull (strstr (jobs, " 2     download    v.raw    completed   100%"));
  g_free (jobs);
  jobs = CTL (f, "--json", "job-list", "--all");
  job_list = parse_json (jobs);
  g_assert_cmpuint (json_array_get_length (json_node_get_array (job_list)), ==, 6);
  g_assert_cmpstr (json_object_get_string_member (
                     find_named (job_list, "job", "/org/virtbus/Virt1/job/2"), "operation"),
                   ==, "download");

  /* A finished job: watching it ends at once, cancelling it is refused. */
  {
    g_autoptr (VbCtlRun) watch = CTL_RUN (f, NULL, "job-watch", "1");

    g_assert_cmpint (watch->status, ==, 0);
    g_assert_cmpstr (watch->out, ==, "Upload completed\n");
    g_assert_nonnull (strstr (watch->err, "Upload: 100%"));
  }
  err = CTL_FAILS (f, 1, "job-cancel", "/org/virtbus/Virt1/job/1");
  g_assert_nonnull (strstr (err, "error: "));
  g_free (err);
  err = CTL_FAILS (f, 3, "job-watch", "99");
  g_assert_nonnull (strstr (err, "No job '99'"));
  g_free (err);
  err = CTL_FAILS (f, 3, "vol-upload", "--pool", "images", "nothere", source);
  g_assert_cmpstr (err, ==, "error: Storage pool 'images' has no volume named 'nothere'\n");
  g_free (err);
  err = CTL_FAILS (f, 3, "vol-upload", "/no/such/volume", source);
  g_free (err);
  err = CTL_FAILS (f, 1, "vol-upload", "--pool", "images", "v.raw", "/no/such/file");
  g_assert_nonnull (strstr (err, "cannot open /no/such/file"));
  g_free (err);
  err = CTL_FAILS (f, 2, "--json", "vol-download", "--pool", "images", "v.raw", "-");
  g_free (err);
  /* Too much for a raw volume: the service's InvalidArgument. */
  err = CTL_FAILS (f, 1, "vol-upload", "--pool", "images", "v.raw", source, "--offset", "2M");
  g_assert_nonnull (strstr (err, "error: "));
}

/* The files of @dir whose names start with @prefix. */
static guint
count_files (const char *dir, const char *prefix)
{
  g_autoptr (GDir) listing = g_dir_open (dir, 0, NULL);
  const char *name;
  guint count = 0;

  g_assert_nonnull (listing);
  while ((name = g_dir_read_name (listing)))
    if (g_str_has_prefix (name, prefix))
      count++;
  return count;
}

/* vol-download replaces FILE only with a whole copy: when the service
 * refuses, or the Job fails, the file is as it was and no temporary file
 * stays. A finished copy keeps the file's mode, and goes through a symbolic
 * link as writing to it would. */
static void
test_download_keeps_file (Fixture *f, gconstpointer data)
{
  static const char old[] = "the file as it was\n";
  g_autofree char *bytes = make_data ();
  g_autofree char *source = write_file (f, "source.bin", bytes, DATA_SIZE);
  g_autofree char *kept = write_file (f, "kept.bin", old, -1);
  g_autofree char *link = g_build_filename (f->env->tmpdir, "link.bin", NULL);
  g_autofree char *vol_path = g_build_filename (f->pool_dir, "v.raw", NULL);
  g_autofree char *out = NULL, *err = NULL, *contents = NULL;
  g_autoptr (VbCtlRun) upload = NULL, download = NULL;
  struct stat st;

  define_pool (f);
  out = CTL (f, "vol-create-as", "images", "v.raw", "4M");
  upload = CTL_RUN (f, NULL, "vol-upload", "--pool", "images", "v.raw", source);
  g_assert_cmpint (upload->status, ==, 0);
  g_assert_no_errno (g_chmod (kept, 0640));

  /* Refused: the range is beyond the volume's end. */
  err = CTL_FAILS (f, 1, "vol-download", "--pool", "images", "v.raw", kept, "--offset", "5M");
  g_assert_nonnull (strstr (err, "do not fit"));
  g_assert_true (g_file_get_contents (kept, &contents, NULL, NULL));
  g_assert_cmpstr (contents, ==, old);
  g_assert_cmpuint (count_files (f->env->tmpdir, ".kept.bin."), ==, 0);

  /* Done: the copy in its place, with the file's mode; through a link, the
   * link stays. */
  g_assert_no_errno (symlink ("kept.bin", link));
  download = CTL_RUN (f, NULL, "vol-download", "--pool", "images", "v.raw", link, "--length", "3M");
  g_assert_cmpint (download->status, ==, 0);
  g_assert_cmpuint (count_files (f->env->tmpdir, ".kept.bin."), ==, 0);
  assert_file_is (kept, bytes, DATA_SIZE);
  g_assert_no_errno (lstat (link, &st));
  g_assert_true (S_ISLNK (st.st_mode));
  g_assert_no_errno (stat (kept, &st));
  g_assert_cmpint (st.st_mode & 07777, ==, 0640);

  /* The Job fails (a FIFO in place of the volume's file): the file stays. */
  g_assert_true (g_file_set_contents (kept, old, -1, NULL));
  g_assert_no_errno (unlink (vol_path));
  g_assert_no_errno (mkfifo (vol_path, 0600));
  g_free (err);
  err = CTL_FAILS (f, 1, "vol-download", "--pool", "images", "v.raw", kept);
  g_assert_nonnull (strstr (err, "not a regular file"));
  g_clear_pointer (&contents, g_free);
  g_assert_true (g_file_get_contents (kept, &contents, NULL, NULL));
  g_assert_cmpstr (contents, ==, old);
  g_assert_cmpuint (count_files (f->env->tmpdir, ".kept.bin."), ==, 0);
}

static gboolean
job_exists (Fixture *f, const char *path)
{
  g_autoptr (GVariant) reply =
    g_dbus_connection_call_sync (f->env->client, BUS_NAME, path, "org.freedesktop.DBus.Properties",
                                 "Get", g_variant_new ("(ss)", IFACE_JOB, "Phase"), NULL,
                                 G_DBUS_CALL_FLAGS_NONE, -1, NULL, NULL);

  return reply != NULL;
}

/* Ctrl-C (SIGINT) while an upload waits for data: the Job is cancelled,
 * virtbusctl says so and exits 1. */
static void
test_upload_interrupted (Fixture *f, gconstpointer data)
{
  g_autoptr (GSubprocessLauncher) launcher =
    g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE
                               | G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_autoptr (GSubprocess) process = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *out = NULL, *err = NULL, *phase = NULL;
  gint64 end;

  define_pool (f);
  out = CTL (f, "vol-create-as", "images", "v.raw", "4M");
  g_clear_pointer (&out, g_free);
  g_subprocess_launcher_setenv (launcher, "LC_ALL", "C.UTF-8", TRUE);
  process =
    g_subprocess_launcher_spawn (launcher, &error, vb_ctl_path (), "--address", f->env->bus_address,
                                 "vol-upload", "--pool", "images", "v.raw", "-", NULL);
  g_assert_no_error (error);
  /* Its stdin stays open and empty: the upload waits until the Job exists. */
  end = g_get_monotonic_time () + WAIT_MS * 1000;
  while (!job_exists (f, "/org/virtbus/Virt1/job/1") && g_get_monotonic_time () < end)
    g_usleep (20 * 1000);
  phase = vb_test_get_string (f->env, "/org/virtbus/Virt1/job/1", IFACE_JOB, "Phase");
  g_assert_cmpstr (phase, ==, "uploading");
  g_subprocess_send_signal (process, SIGINT);
  g_subprocess_communicate_utf8 (process, NULL, NULL, &out, &err, &error);
  g_assert_no_error (error);
  g_assert_cmpint (g_subprocess_get_exit_status (process), ==, 1);
  g_assert_nonnull (strstr (err, "Cancelling the job..."));
  g_assert_nonnull (strstr (err, "error: The upload job was cancelled\n"));
  g_assert_cmpstr (out, ==, "");
  g_free (phase);
  phase = vb_test_get_string (f->env, "/org/virtbus/Virt1/job/1", IFACE_JOB, "Phase");
  g_assert_cmpstr (phase, ==, "cancelled");
}

/* ---- snapshots ---- */

static void
test_snapshots (Fixture *f, gconstpointer data)
{
  g_autofree char *xml = vb_test_domain_xml ("snappy", NULL);
  g_autofree char *file = write_file (f, "snappy.xml", xml, -1);
  g_autofree char *out = NULL, *list = NULL, *json = NULL, *err = NULL, *created = NULL;
  g_autoptr (JsonNode) snapshots = NULL, made = NULL;
  JsonObject *s1, *s2;

  out = CTL (f, "define", file);
  g_free (out);
  out = CTL (f, "start", "snappy");
  g_free (out);
  out = CTL (f, "snapshot-create-as", "snappy", "s1", "--description", "before <the> change");
  g_assert_cmpstr (out, ==, "Domain snapshot s1 created\n");
  created = CTL (f, "--json", "snapshot-create-as", "snappy", "s2");
  made = parse_json (created);
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (made), "name"), ==, "s2");
  g_assert_true (g_str_has_prefix (
    json_object_get_string_member (json_node_get_object (made), "path"), "/org/virtbus/Virt1/"));

  list = CTL (f, "snapshot-list", "snappy");
  g_assert_true (g_str_has_prefix (list, " Name   Creation Time"));
  g_assert_nonnull (strstr (list, " s1     "));
  g_assert_nonnull (strstr (list, "   running   no\n"));
  g_assert_nonnull (strstr (list, "   running   yes\n"));
  json = CTL (f, "--json", "snapshot-list", "snappy");
  snapshots = parse_json (json);
  s1 = find_named (snapshots, "name", "s1");
  s2 = find_named (snapshots, "name", "s2");
  g_assert_cmpstr (json_object_get_string_member (s1, "description"), ==, "before <the> change");
  g_assert_true (json_object_get_null_member (s1, "parent"));
  g_assert_cmpstr (json_object_get_string_member (s2, "parent"), ==, "s1");
  g_assert_true (json_object_get_boolean_member (s2, "current"));
  g_assert_false (json_object_get_boolean_member (s1, "current"));
  g_assert_true (json_object_get_boolean_member (s1, "has_memory"));
  g_assert_cmpint (json_object_get_int_member (s1, "creation_time"), >, 0);

  g_free (out);
  out = CTL (f, "snapshot-revert", "snappy", "s1", "--paused");
  g_assert_cmpstr (out, ==, "Domain 'snappy' reverted to snapshot s1\n");
  {
    g_autofree char *path = vb_test_call_path (f->env, MANAGER, IFACE_MANAGER, "LookupDomainByName",
                                               g_variant_new ("(s)", "snappy"));
    g_autofree char *state = vb_test_get_string (f->env, path, IFACE_DOMAIN, "State");

    g_assert_cmpstr (state, ==, "paused");
  }
  /* s1 is current now: --current deletes it, s2 stays. */
  g_free (out);
  out = CTL (f, "snapshot-delete", "snappy", "--current");
  g_assert_cmpstr (out, ==, "Domain snapshot s1 deleted\n");
  g_free (json);
  json = CTL (f, "--json", "snapshot-list", "snappy");
  g_clear_pointer (&snapshots, json_node_unref);
  snapshots = parse_json (json);
  g_assert_cmpuint (json_array_get_length (json_node_get_array (snapshots)), ==, 1);
  g_assert_nonnull (find_named (snapshots, "name", "s2"));

  err = CTL_FAILS (f, 3, "snapshot-revert", "snappy", "nosuch");
  g_assert_nonnull (strstr (err, "error: "));
  g_free (err);
  err = CTL_FAILS (f, 3, "snapshot-delete", "snappy", "--current");
  g_assert_cmpstr (err, ==, "error: Domain 'snappy' has no current snapshot\n");
  g_free (err);
  err = CTL_FAILS (f, 2, "snapshot-delete", "snappy", "s2", "--current");
  g_free (err);
  err = CTL_FAILS (f, 2, "snapshot-revert", "snappy", "s2", "--running", "--paused");
  g_free (err);
  err = CTL_FAILS (f, 3, "snapshot-list", "nodomain");
  g_free (out);
  out = CTL (f, "snapshot-delete", "snappy", "s2");
  g_assert_cmpstr (out, ==, "Domain snapshot s2 deleted\n");
}

/* ---- events ---- */

typedef struct {
  GSubprocess *process;
  GDataInputStream *lines;
} EventReader;

static void
event_reader_start (Fixture *f, EventReader *reader, const char *const *args)
{
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  g_autoptr (GError) error = NULL;

  g_ptr_array_add (argv, (gpointer) vb_ctl_path ());
  g_ptr_array_add (argv, "--address");
  g_ptr_array_add (argv, f->env->bus_address);
  for (guint i = 0; args[i]; i++)
    g_ptr_array_add (argv, (gpointer) args[i]);
  g_ptr_array_add (argv, NULL);
  reader->process =
    g_subprocess_newv ((const char *const *) argv->pdata, G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error);
  g_assert_no_error (error);
  reader->lines = g_data_input_stream_new (g_subprocess_get_stdout_pipe (reader->process));
}

static void
event_reader_free (EventReader *reader)
{
  g_clear_object (&reader->lines);
  g_clear_object (&reader->process);
}

/* Starts and destroys @name until the reader prints a line for it: the
 * reader subscribes at some point after it started. Returns that line. */
static char *
first_event (Fixture *f, EventReader *reader, const char *name)
{
  g_autoptr (GCancellable) cancellable = g_cancellable_new ();
  char *line = NULL;

  for (guint i = 0; i < 50 && !line; i++)
    {
      g_autofree char *out = CTL (f, "start", name);
      g_autofree char *out2 = CTL (f, "destroy", name);
      g_autoptr (GError) error = NULL;
      GInputStream *in =
        g_filter_input_stream_get_base_stream (G_FILTER_INPUT_STREAM (reader->lines));

      /* Anything there yet? A pipe of a subprocess is pollable. */
      if (!g_pollable_input_stream_is_readable (G_POLLABLE_INPUT_STREAM (in))
          && g_buffered_input_stream_get_available (G_BUFFERED_INPUT_STREAM (reader->lines)) == 0)
        {
          g_usleep (100 * 1000);
          continue;
        }
      line = g_data_input_stream_read_line_utf8 (reader->lines, NULL, NULL, &error);
      g_assert_no_error (error);
    }
  g_assert_nonnull (line);
  return line;
}

static char *
next_line (EventReader *reader)
{
  g_autoptr (GError) error = NULL;
  char *line = g_data_input_stream_read_line_utf8 (reader->lines, NULL, NULL, &error);

  g_assert_no_error (error);
  return line;
}

static void
test_events (Fixture *f, gconstpointer data)
{
  g_autofree char *xml = vb_test_domain_xml ("eventful", NULL);
  g_autofree char *file = write_file (f, "eventful.xml", xml, -1);
  g_autofree char *out = CTL (f, "define", file);
  EventReader loop = { NULL }, once = { NULL };
  g_autofree char *first = NULL, *line = NULL, *rest = NULL;
  g_autoptr (JsonNode) event = NULL;
  g_autoptr (GError) error = NULL;
  JsonObject *object;

  /* Without --loop: one event, then it exits 0. */
  event_reader_start (f, &once, (const char *[]){ "event", "--domain", "eventful", NULL });
  first = first_event (f, &once, "eventful");
  g_assert_true (g_str_has_prefix (first, "event 'lifecycle' for domain 'eventful': "));
  g_subprocess_wait_check (once.process, NULL, &error);
  g_assert_no_error (error);

  /* --loop --json: a JSON object a line, in order, until SIGINT. */
  event_reader_start (f, &loop, (const char *[]){ "--json", "event", "--loop", NULL });
  g_free (first);
  first = first_event (f, &loop, "eventful");
  /* Drain what the warm-up caused, up to a stop. */
  while (!strstr (first, "\"stopped\""))
    {
      g_free (first);
      first = next_line (&loop);
    }
  g_free (out);
  out = CTL (f, "start", "eventful");
  line = next_line (&loop);
  event = parse_json (line);
  object = json_node_get_object (event);
  g_assert_cmpstr (json_object_get_string_member (object, "event"), ==, "lifecycle");
  g_assert_cmpstr (json_object_get_string_member (object, "domain"), ==, "eventful");
  g_assert_cmpstr (json_object_get_string_member (object, "type"), ==, "started");
  g_assert_cmpstr (json_object_get_string_member (object, "detail"), ==, "booted");
  g_assert_true (g_str_has_prefix (json_object_get_string_member (object, "path"),
                                   "/org/virtbus/Virt1/domain/"));
  g_assert_cmpint (json_object_get_int_member (object, "timestamp"), >, 0);
  g_free (out);
  out = CTL (f, "suspend", "eventful");
  g_free (line);
  line = next_line (&loop);
  g_assert_nonnull (strstr (line, "\"type\":\"suspended\""));
  /* A domain that goes keeps its name in the events. */
  g_free (out);
  out = CTL (f, "destroy", "eventful");
  g_free (out);
  out = CTL (f, "undefine", "eventful");
  g_free (line);
  line = next_line (&loop);
  g_assert_nonnull (strstr (line, "\"type\":\"stopped\""));
  g_free (line);
  line = next_line (&loop);
  g_assert_nonnull (strstr (line, "\"domain\":\"eventful\",\"path\""));
  g_assert_nonnull (strstr (line, "\"type\":\"undefined\""));
  g_subprocess_send_signal (loop.process, SIGINT);
  g_subprocess_wait_check (loop.process, NULL, &error);
  g_assert_no_error (error);
  event_reader_free (&loop);
  event_reader_free (&once);
}

/* ---- completion of network and pool names ---- */

static void
test_completion (Fixture *f, gconstpointer data)
{
  g_autofree char *net =
    write_file (f, "n.xml", "<network>\n  <name>alpha-net</name>\n</network>\n", -1);
  g_autofree char *out = CTL (f, "net-define", net);
  g_autofree char *nets = NULL, *pools = NULL, *option = NULL, *commands = NULL, *opts = NULL;

  g_free (out);
  out = CTL (f, "pool-define-as", "alpha-pool", "dir", f->pool_dir);
  nets = CTL (f, "__complete", "--", "net-start", "al");
  g_assert_cmpstr (nets, ==, "alpha-net\n");
  pools = CTL (f, "__complete", "--", "vol-list", "");
  g_assert_cmpstr (pools, ==, "alpha-pool\n");
  option = CTL (f, "__complete", "--", "vol-upload", "--pool", "a");
  g_assert_cmpstr (option, ==, "alpha-pool\n");
  commands = CTL (f, "__complete", "--", "net-");
  g_assert_nonnull (strstr (commands, "net-dhcp-leases\n"));
  g_assert_nonnull (strstr (commands, "net-list\n"));
  opts = CTL (f, "__complete", "--", "blockcopy", "--pi");
  g_assert_cmpstr (opts, ==, "--pivot\n");
}

/* ---- a real terminal: the bar redrawn in place, Ctrl-C ---- */

/* The bar's line: "Upload [####....]  27%  11.0 MiB of 40.0 MiB ...". */
static int
percent_of (const char *line)
{
  const char *percent = strchr (line, '%');
  const char *start = percent;

  g_assert_nonnull (percent);
  while (start > line && g_ascii_isdigit (start[-1]))
    start--;
  return atoi (start);
}

static char *
slow_upload_command (Fixture *f, guint megabytes)
{
  /* A MiB each quarter of a second, into a pipe: the copy takes seconds. */
  return g_strdup_printf ("(for i in $(seq %u); do head -c 1048576 /dev/zero; sleep 0.25; done) | "
                          "%s --address %s vol-upload --pool images v.raw - --length %uM",
                          megabytes, vb_ctl_path (), f->env->bus_address, megabytes);
}

static void
test_terminal_upload (Fixture *f, gconstpointer data)
{
  g_autofree char *out = NULL, *command = NULL;
  g_autofree char *first = NULL, *second = NULL, *screen = NULL;
  g_autoptr (VbPane) tmux = NULL;

  define_pool (f);
  out = CTL (f, "vol-create-as", "images", "v.raw", "16M");
  command = slow_upload_command (f, 12);
  tmux = vb_pane_new (f->env->tmpdir, command, 120);
  g_assert_true (vb_pane_wait_text (tmux, "Upload [", WAIT_MS));
  g_usleep (1000 * 1000);
  first = vb_pane_line_with (tmux, "Upload [");
  g_usleep (1500 * 1000);
  second = vb_pane_line_with (tmux, "Upload [");
  /* One line, redrawn: the figures moved on it. */
  g_test_message ("%s\n%s", first, second);
  g_assert_cmpstr (first, !=, second);
  g_assert_cmpint (percent_of (second), >, percent_of (first));
  g_assert_nonnull (strstr (second, "of 12.0 MiB"));
  g_assert_nonnull (strstr (second, "/s"));
  g_assert_nonnull (strstr (second, "left  uploading"));
  g_assert_true (vb_pane_wait_text (tmux, "[exit 0]", 20000));
  screen = vb_pane_capture (tmux);
  g_assert_nonnull (strstr (screen, "100%  12.0 MiB of 12.0 MiB"));
  g_assert_nonnull (strstr (screen, "completed\nVolume v.raw uploaded from standard input\n"));
  /* Redrawn in place: the bar is on one line of the screen, not one a change. */
  g_assert_true (strstr (screen, "Upload [") == g_strrstr (screen, "Upload ["));
}

static void
test_terminal_interrupt (Fixture *f, gconstpointer data)
{
  g_autofree char *out = NULL, *command = NULL, *screen = NULL, *phase = NULL;
  g_autoptr (VbPane) tmux = NULL;

  define_pool (f);
  out = CTL (f, "vol-create-as", "images", "v.raw", "64M");
  command = slow_upload_command (f, 60);
  tmux = vb_pane_new (f->env->tmpdir, command, 120);
  g_assert_true (vb_pane_wait_text (tmux, "MiB of 60.0 MiB", WAIT_MS));
  vb_pane_send_keys (tmux, "C-c");
  g_assert_true (vb_pane_wait_text (tmux, "[exit 1]", WAIT_MS));
  screen = vb_pane_capture (tmux);
  g_assert_nonnull (strstr (screen, "Cancelling the job..."));
  g_assert_nonnull (strstr (screen, "cancelled\nerror: The upload job was cancelled\n"));
  phase = vb_test_get_string (f->env, "/org/virtbus/Virt1/job/1", IFACE_JOB, "Phase");
  g_assert_cmpstr (phase, ==, "cancelled");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
#define ADD(path, func) g_test_add (path, Fixture, NULL, set_up, func, tear_down)
  ADD ("/ctl-long/networks", test_networks);
  ADD ("/ctl-long/pools", test_pools);
  ADD ("/ctl-long/transfer", test_transfer);
  ADD ("/ctl-long/download-keeps-file", test_download_keeps_file);
  ADD ("/ctl-long/upload-interrupted", test_upload_interrupted);
  ADD ("/ctl-long/snapshots", test_snapshots);
  ADD ("/ctl-long/events", test_events);
  ADD ("/ctl-long/completion", test_completion);
  ADD ("/ctl-long/terminal-upload", test_terminal_upload);
  ADD ("/ctl-long/terminal-interrupt", test_terminal_interrupt);
  return g_test_run ();
}
