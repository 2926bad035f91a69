/* virtbusctl as people and scripts run it: the built program against a real
 * virtbusd (test driver) on the test's bus, its output for people and its
 * --json parsed, its messages and exit codes when things go wrong (unknown
 * names, bad XML, usage, no service, polkit refusing vbtest-user). The
 * terminal commands (console, edit, completion in bash) run in tmux in
 * test-ctl-terminal.c and test-ctl-console.c. */
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <pwd.h>
#include <string.h>
#include <unistd.h>

#include "vb-test-ctl.h"
#include "vb-test-env.h"
#include "vb-test-fake-service.h"

#define UUID1 "5f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a41"
#define UUID2 "5f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a42"
#define NIC_MAC "52:54:00:7c:00:01"
#define HOST_MAC "52:54:00:7c:00:02"
#define USER "vbtest-user" /* not in the group virtbus: polkit's defaults apply */
#define WAIT_MS 5000

typedef struct {
  VbTestEnv *env;
  char *path1; /* web1 and web2, test domains defined by the set-up */
  char *path2;
} Fixture;

static char *
domain_xml (const char *name, const char *uuid, const char *devices)
{
  return g_strdup_printf ("<domain type='test'>\n"
                          "  <name>%s</name>\n"
                          "  <uuid>%s</uuid>\n"
                          "  <memory unit='MiB'>128</memory>\n"
                          "  <vcpu>2</vcpu>\n"
                          "  <os>\n"
                          "    <type arch='x86_64'>hvm</type>\n"
                          "  </os>\n"
                          "  <devices>\n%s  </devices>\n"
                          "</domain>\n",
                          name, uuid, devices ? devices : "");
}

static char *
define_xml (Fixture *f, const char *xml)
{
  return vb_test_call_path (f->env, MANAGER, IFACE_MANAGER, "DefineDomain",
                            g_variant_new ("(su)", xml, 0));
}

/* A file of the test's directory holding @text; returns its name. */
static char *
write_file (Fixture *f, const char *name, const char *text)
{
  char *path = g_build_filename (f->env->tmpdir, name, NULL);
  g_autoptr (GError) error = NULL;

  g_file_set_contents (path, text, -1, &error);
  g_assert_no_error (error);
  return path;
}

static void
set_up_env (Fixture *f, VbTestEnvFlags flags)
{
  f->env = vb_test_env_new (flags);
  vb_test_env_start_daemon (f->env, NULL);
}

static void
set_up (Fixture *f, gconstpointer data)
{
  g_autofree char *xml1 = domain_xml ("web1", UUID1, NULL);
  g_autofree char *xml2 = domain_xml ("web2", UUID2, NULL);

  set_up_env (f, VB_TEST_ENV_NONE);
  f->path1 = define_xml (f, xml1);
  f->path2 = define_xml (f, xml2);
}

static void
tear_down (Fixture *f, gconstpointer data)
{
  if (!f->env)
    return;
  g_assert_true (vb_test_env_daemon_alive (f->env));
  g_free (f->path1);
  g_free (f->path2);
  vb_test_env_free (f->env);
}

static char *
state_of (Fixture *f, const char *path)
{
  return vb_test_get_string (f->env, path, IFACE_DOMAIN, "State");
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

#define CTL(f, ...) vb_ctl_ok ((f)->env, (const char *[]){ __VA_ARGS__, NULL })
#define CTL_FAILS(f, code, ...) vb_ctl_fails ((f)->env, code, (const char *[]){ __VA_ARGS__, NULL })

/* ---- usage and help ---- */

static void
test_usage (Fixture *f, gconstpointer data)
{
  g_autoptr (VbCtlRun) none = vb_ctl_run_raw (NULL, (const char *[]){ NULL });
  g_autofree char *help = CTL (f, "help");
  g_autofree char *start_help = CTL (f, "help", "start");
  g_autofree char *start_dash_help = CTL (f, "start", "--help");
  g_autofree char *commands = CTL (f, "__complete", "--", "");
  g_auto (GStrv) names = g_strsplit (commands, "\n", -1);
  g_autofree char *version = CTL (f, "--version");
  g_autofree char *message = NULL;
  guint listed = 0;

  /* No command: the overview on stderr, exit 2. */
  g_assert_cmpint (none->status, ==, 2);
  g_assert_true (strstr (none->err, "Usage: virtbusctl"));
  /* help lists every command completion offers, and the exit codes. */
  for (guint i = 0; names[i]; i++)
    {
      g_autofree char *line = g_strdup_printf ("\n  %s ", names[i]);

      if (!*names[i])
        continue;
      listed++;
      if (!strstr (help, line))
        g_error ("help does not list %s:\n%s", names[i], help);
    }
  g_assert_cmpuint (listed, >=, 24);
  g_assert_null (strstr (commands, "__complete"));
  g_assert_true (strstr (help, "3 not found, 4 not authorized"));
  g_assert_true (g_str_has_prefix (start_help, "Usage: virtbusctl start DOMAIN [--paused]\n"));
  g_assert_cmpstr (start_help, ==, start_dash_help);
  g_assert_true (g_str_has_prefix (version, "virtbusctl "));

  /* Usage errors: exit 2, what is wrong, and the usage. */
  message = CTL_FAILS (f, 2, "nope");
  g_assert_cmpstr (message, ==, "error: unknown command 'nope'; 'virtbusctl help' lists them\n");
  g_clear_pointer (&message, g_free);
  message = CTL_FAILS (f, 2, "help", "nope");
  g_assert_true (strstr (message, "unknown command 'nope'"));
  g_clear_pointer (&message, g_free);
  message = CTL_FAILS (f, 2, "start");
  g_assert_cmpstr (message, ==,
                   "error: 'start' needs DOMAIN\nusage: virtbusctl start DOMAIN [--paused]\n");
  g_clear_pointer (&message, g_free);
  message = CTL_FAILS (f, 2, "list", "web1");
  g_assert_true (g_str_has_prefix (message, "error: 'list' takes no arguments, not 'web1'\n"));
  g_clear_pointer (&message, g_free);
  message = CTL_FAILS (f, 2, "dominfo", "web1", "web2");
  g_assert_true (strstr (message, "'dominfo' takes exactly 1 argument, not 'web2'"));
  g_clear_pointer (&message, g_free);
  message = CTL_FAILS (f, 2, "list", "--bogus");
  g_assert_true (g_str_has_prefix (message, "error: 'list' has no option --bogus\n"));
  g_clear_pointer (&message, g_free);
  message = CTL_FAILS (f, 2, "list", "--all=yes");
  g_assert_true (strstr (message, "--all takes no value"));
  g_clear_pointer (&message, g_free);
  message = CTL_FAILS (f, 2, "domifaddr", "web1", "--source");
  g_assert_true (strstr (message, "--source needs a value (SOURCE)"));
  g_clear_pointer (&message, g_free);
  message = CTL_FAILS (f, 2, "domifaddr", "web1", "--source", "dns");
  g_assert_true (strstr (message, "--source is lease, arp or agent, not 'dns'"));
  g_clear_pointer (&message, g_free);
  message = CTL_FAILS (f, 2, "setmem", "web1", "12X");
  g_assert_true (strstr (message, "'12X' is no size"));
  g_clear_pointer (&message, g_free);
  message = CTL_FAILS (f, 2, "setvcpus", "web1", "two");
  g_assert_true (strstr (message, "'two' is no number of vCPUs"));
  g_clear_pointer (&message, g_free);
  message = CTL_FAILS (f, 2, "setmem", "web1", "64M", "--current", "--live");
  g_assert_true (strstr (message, "--current excludes --live and --config"));
  g_clear_pointer (&message, g_free);
  message = CTL_FAILS (f, 2, "change-media", "web1", "hdc", "--eject", "--update");
  g_assert_true (strstr (message, "exclude each other"));
  g_clear_pointer (&message, g_free);
  message = CTL_FAILS (f, 2, "change-media", "web1", "hdc", "--insert");
  g_assert_true (strstr (message, "--insert needs a SOURCE"));
  g_clear_pointer (&message, g_free);

  /* Global options: before the command. */
  {
    g_autoptr (VbCtlRun) both =
      vb_ctl_run_raw (NULL,
                      (const char *[]){ "--session", "--address", "unix:path=/x", "list", NULL });
    g_autoptr (VbCtlRun) bogus = vb_ctl_run_raw (NULL, (const char *[]){ "--bogus", NULL });

    g_assert_cmpint (both->status, ==, 2);
    g_assert_true (strstr (both->err, "--session and --address exclude each other"));
    g_assert_cmpint (bogus->status, ==, 2);
    g_assert_true (strstr (bogus->err, "unknown option '--bogus'"));
  }
}

/* No service, no bus: exit 5 and where it looked. */
static void
test_unreachable (Fixture *f, gconstpointer data)
{
  g_autofree char *missing = g_build_filename (f->env->tmpdir, "no-bus", NULL);
  g_autofree char *address = g_strconcat ("unix:path=", missing, NULL);
  g_autoptr (VbCtlRun) nobus =
    vb_ctl_run_raw (NULL, (const char *[]){ "--address", address, "list", NULL });
  g_autofree char *expected = g_strdup_printf ("error: cannot reach the bus at %s: ", address);
  g_autofree char *message = NULL;

  g_assert_cmpint (nobus->status, ==, 5);
  g_assert_true (g_str_has_prefix (nobus->err, expected));

  vb_test_env_stop_daemon (f->env, FALSE);
  message = CTL_FAILS (f, 5, "start", "web1");
  g_assert_cmpstr (message, ==,
                   "error: virtbus is not running: nobody owns org.virtbus.Virt1 on this bus\n");
  vb_test_env_start_daemon (f->env, NULL);
}

/* ---- listing and information ---- */

static JsonObject *
element (JsonNode *array, guint index)
{
  return json_array_get_object_element (json_node_get_array (array), index);
}

static void
test_list (Fixture *f, gconstpointer data)
{
  g_autofree char *running = NULL;
  g_autofree char *all = NULL;
  g_autofree char *names = NULL;
  g_autofree char *json_text = NULL;
  g_autoptr (JsonNode) json = NULL;
  g_autoptr (GError) error = NULL;
  JsonObject *web1;

  /* Nothing runs: the heading only. */
  running = CTL (f, "list");
  g_assert_cmpstr (running, ==,
                   " Id   Name   State   vCPUs   Memory   Autostart\n"
                   "-----------------------------------------------\n");
  g_free (running);

  vb_test_call_void (f->env, f->path1, IFACE_DOMAIN, "Start", g_variant_new ("(u)", 0));
  g_variant_unref (vb_test_call_ok (f->env, f->path2, "org.freedesktop.DBus.Properties", "Set",
                                    g_variant_new ("(ssv)", IFACE_DOMAIN, "Autostart",
                                                   g_variant_new_boolean (TRUE))));
  running = CTL (f, "list");
  g_assert_true (g_regex_match_simple ("^ Id   Name   State     vCPUs   Memory    Autostart\n"
                                       "-+\n"
                                       " [0-9]    web1   running   2       128 MiB   no\n$",
                                       running, 0, 0));
  all = CTL (f, "list", "--all");
  g_assert_true (g_regex_match_simple ("\n [0-9]    web1   running   2       128 MiB   no\n"
                                       " -    web2   shutoff   2       128 MiB   yes\n$",
                                       all, 0, 0));
  names = CTL (f, "list", "--inactive", "--name");
  g_assert_cmpstr (names, ==, "web2\n");
  /* --name is for people: --json keeps its objects. */
  {
    g_autofree char *text = CTL (f, "list", "--inactive", "--name", "--json");
    g_autoptr (JsonNode) inactive = parse_json (text);

    g_assert_cmpuint (json_array_get_length (json_node_get_array (inactive)), ==, 1);
    g_assert_cmpstr (json_object_get_string_member (element (inactive, 0), "uuid"), ==, UUID2);
  }

  /* --json, after the command or before it: every field, sorted by name. */
  json_text = CTL (f, "list", "--all", "--json");
  json = parse_json (json_text);
  g_assert_cmpuint (json_array_get_length (json_node_get_array (json)), ==, 2);
  web1 = element (json, 0);
  g_assert_cmpstr (json_object_get_string_member (web1, "name"), ==, "web1");
  g_assert_cmpstr (json_object_get_string_member (web1, "uuid"), ==, UUID1);
  g_assert_cmpint (json_object_get_int_member (web1, "id"), >, 0);
  g_assert_cmpstr (json_object_get_string_member (web1, "state"), ==, "running");
  g_assert_cmpstr (json_object_get_string_member (web1, "state_reason"), ==, "booted");
  g_assert_cmpint (json_object_get_int_member (web1, "vcpus"), ==, 2);
  g_assert_cmpint (json_object_get_int_member (web1, "memory_kib"), ==, 131072);
  g_assert_cmpint (json_object_get_int_member (web1, "current_memory_kib"), ==, 131072);
  g_assert_false (json_object_get_boolean_member (web1, "autostart"));
  g_assert_true (json_object_get_boolean_member (web1, "persistent"));
  g_assert_cmpstr (json_object_get_string_member (web1, "driver"), ==, "test");
  g_assert_true (json_object_get_null_member (element (json, 1), "id"));
  g_assert_true (json_object_get_boolean_member (element (json, 1), "autostart"));
  g_clear_pointer (&json, json_node_unref);
  g_free (json_text);
  json_text = vb_ctl_ok (f->env, (const char *[]){ "--json", "list", NULL });
  json = parse_json (json_text);
  g_assert_cmpuint (json_array_get_length (json_node_get_array (json)), ==, 1);
}

static void
test_dominfo (Fixture *f, gconstpointer data)
{
  g_autofree char *info = NULL;
  g_autofree char *json_text = NULL;
  g_autoptr (JsonNode) json = NULL;
  g_autofree char *message = NULL;
  JsonObject *object;

  vb_test_call_void (f->env, f->path1, IFACE_DOMAIN, "SetMemory",
                     g_variant_new ("(tu)", (guint64) 65536, 2));
  info = CTL (f, "dominfo", "web1");
  g_assert_cmpstr (info, ==,
                   "Id:            -\n"
                   "Name:          web1\n"
                   "UUID:          " UUID1 "\n"
                   "State:         shutoff\n"
                   "State reason:  unknown\n"
                   "CPU(s):        2\n"
                   "Max CPU(s):    2\n"
                   "Max memory:    128 MiB\n"
                   "Used memory:   64 MiB\n"
                   "Persistent:    yes\n"
                   "Autostart:     no\n"
                   "Managed save:  no\n"
                   "Driver:        test\n");

  /* By UUID, any case, as JSON. */
  vb_test_call_void (f->env, f->path1, IFACE_DOMAIN, "Start", g_variant_new ("(u)", 0));
  {
    g_autofree char *upper = g_ascii_strup (UUID1, -1);

    json_text = CTL (f, "dominfo", upper, "--json");
  }
  json = parse_json (json_text);
  object = json_node_get_object (json);
  g_assert_cmpstr (json_object_get_string_member (object, "name"), ==, "web1");
  g_assert_cmpstr (json_object_get_string_member (object, "state"), ==, "running");
  g_assert_cmpint (json_object_get_int_member (object, "id"), >, 0);
  g_assert_cmpint (json_object_get_int_member (object, "memory_kib"), ==, 131072);
  g_assert_cmpint (json_object_get_int_member (object, "current_memory_kib"), ==, 65536);
  g_assert_cmpint (json_object_get_int_member (object, "max_vcpus"), ==, 2);
  g_assert_false (json_object_get_boolean_member (object, "has_managed_save"));

  /* Unknown names and UUIDs: exit 3. */
  message = CTL_FAILS (f, 3, "dominfo", "nope");
  g_assert_cmpstr (message, ==, "error: No domain is named 'nope'\n");
  g_clear_pointer (&message, g_free);
  message = CTL_FAILS (f, 3, "start", "00000000-0000-4000-8000-000000000000");
  g_assert_cmpstr (message, ==,
                   "error: No domain has the UUID or the name "
                   "'00000000-0000-4000-8000-000000000000'\n");
}

/* ---- define, the state changes, undefine ---- */

static void
test_define (Fixture *f, gconstpointer data)
{
  g_autofree char *xml = domain_xml ("db1", "5f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a43", NULL);
  g_autofree char *file = write_file (f, "db1.xml", xml);
  g_autofree char *said = CTL (f, "define", file);
  g_autofree char *expected = g_strdup_printf ("Domain 'db1' defined from %s\n", file);
  g_autofree char *path = vb_test_domain_path ("5f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a43");
  g_autofree char *json_text = NULL;
  g_autoptr (JsonNode) json = NULL;
  g_autofree char *message = NULL;
  g_autofree char *bad = NULL;
  g_autofree char *quiet = NULL;

  g_assert_cmpstr (said, ==, expected);
  g_assert_cmpuint (vb_test_get_u64 (f->env, path, IFACE_DOMAIN, "MemoryKiB"), ==, 131072);

  /* From standard input, redefining: JSON says what it defined. */
  {
    g_autoptr (GString) bigger = g_string_new (xml);
    g_autoptr (VbCtlRun) run = NULL;

    g_string_replace (bigger, "<memory unit='MiB'>128", "<memory unit='MiB'>256", 1);
    run = vb_ctl_run (f->env, bigger->str, (const char *[]){ "define", "-", "--json", NULL });
    g_assert_cmpint (run->status, ==, 0);
    json = parse_json (run->out);
  }
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (json), "name"), ==, "db1");
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (json), "path"), ==, path);
  g_assert_cmpuint (vb_test_get_u64 (f->env, path, IFACE_DOMAIN, "MemoryKiB"), ==, 262144);
  quiet = CTL (f, "--quiet", "define", file);
  g_assert_cmpstr (quiet, ==, "");

  /* Without a <uuid> the XML is a new domain, as define's help says: its
   * name must be free, and db1 keeps its definition. */
  {
    g_autoptr (GString) no_uuid = g_string_new (xml);
    g_autofree char *no_uuid_file = NULL;

    g_string_replace (no_uuid, "  <uuid>5f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a43</uuid>\n", "", 1);
    g_string_replace (no_uuid, "<memory unit='MiB'>128", "<memory unit='MiB'>64", 1);
    no_uuid_file = write_file (f, "db1-no-uuid.xml", no_uuid->str);
    message = CTL_FAILS (f, 1, "define", no_uuid_file);
    g_assert_cmpstr (message, ==,
                     "error: A domain named 'db1' already exists with UUID "
                     "5f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a43\n");
    g_assert_cmpuint (vb_test_get_u64 (f->env, path, IFACE_DOMAIN, "MemoryKiB"), ==, 131072);
    g_clear_pointer (&message, g_free);
  }

  /* Bad XML: the service's words, exit 1; a file that is not there. */
  bad = write_file (f, "bad.xml", "<domain type='test'>\n  <name>x</name>\n<domain>\n");
  message = CTL_FAILS (f, 1, "define", bad);
  g_assert_true (g_str_has_prefix (message, "error: "));
  g_assert_null (strstr (message, "GDBus"));
  g_assert_null (strstr (message, "org.virtbus"));
  g_assert_true (strstr (message, "line"));
  g_clear_pointer (&message, g_free);
  message = CTL_FAILS (f, 1, "define", "/nonexistent/db.xml");
  g_assert_true (g_str_has_prefix (message, "error: cannot read /nonexistent/db.xml: "));
  g_clear_pointer (&message, g_free);
  g_free (bad);
  bad = write_file (f, "kind.xml", "<domain type='xen'><name>x</name></domain>\n");
  message = CTL_FAILS (f, 1, "define", bad);
  g_assert_true (g_str_has_prefix (message, "error: "));
}

static void
expect_state (Fixture *f, const char *path, const char *state)
{
  g_autofree char *now = NULL;

  g_assert_true (vb_test_wait_property (f->env, path, IFACE_DOMAIN, "State",
                                        g_variant_new_string (state), WAIT_MS));
  now = state_of (f, path);
  g_assert_cmpstr (now, ==, state);
}

#define SAYS(f, said, ...)                        \
  G_STMT_START                                    \
  {                                               \
    g_autofree char *out_ = CTL (f, __VA_ARGS__); \
    g_assert_cmpstr (out_, ==, said);             \
  }                                               \
  G_STMT_END

static void
test_lifecycle (Fixture *f, gconstpointer data)
{
  g_autofree char *message = NULL;

  SAYS (f, "Domain 'web1' started\n", "start", "web1");
  expect_state (f, f->path1, "running");
  message = CTL_FAILS (f, 1, "start", "web1");
  g_assert_true (g_str_has_prefix (message, "error: "));
  g_assert_null (strstr (message, "GDBus.Error"));
  g_clear_pointer (&message, g_free);
  SAYS (f, "Domain 'web1' suspended\n", "suspend", "web1");
  expect_state (f, f->path1, "paused");
  SAYS (f, "Domain 'web1' resumed\n", "resume", UUID1);
  expect_state (f, f->path1, "running");
  message = CTL_FAILS (f, 1, "resume", "web1");
  g_assert_true (g_str_has_prefix (message, "error: "));
  g_clear_pointer (&message, g_free);
  SAYS (f, "Domain 'web1' is being rebooted\n", "reboot", "web1");
  SAYS (f, "Domain 'web1' was reset\n", "reset", "web1");
  expect_state (f, f->path1, "running");
  SAYS (f, "Domain 'web1' is being shutdown\n", "shutdown", "web1");
  expect_state (f, f->path1, "shutoff");
  SAYS (f, "Domain 'web1' started\n", "start", "web1", "--paused");
  expect_state (f, f->path1, "paused");
  SAYS (f, "Domain 'web1' destroyed\n", "destroy", "web1");
  expect_state (f, f->path1, "shutoff");
  message = CTL_FAILS (f, 1, "destroy", "web1");
  g_clear_pointer (&message, g_free);
  SAYS (f, "", "--quiet", "start", "web2");
  expect_state (f, f->path2, "running");
  SAYS (f, "", "destroy", "web2", "--quiet");

  SAYS (f, "Domain 'web1' has been undefined\n", "undefine", "web1");
  message = CTL_FAILS (f, 3, "dominfo", "web1");
  g_assert_cmpstr (message, ==, "error: No domain is named 'web1'\n");
}

/* ---- XML ---- */

static void
test_dumpxml (Fixture *f, gconstpointer data)
{
  g_autofree char *xml = domain_xml ("vnc1", "5f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a44",
                                     "    <graphics type='vnc' port='5907' autoport='no' "
                                     "listen='127.0.0.1' passwd='s3cret'/>\n");
  g_autofree char *path = define_xml (f, xml);
  g_autofree char *plain = CTL (f, "dumpxml", "vnc1");
  g_autofree char *secure = CTL (f, "dumpxml", "vnc1", "--secure");
  g_autofree char *security_info = CTL (f, "dumpxml", "vnc1", "--security-info");
  g_autofree char *live = NULL;
  g_autofree char *inactive = NULL;

  /* One element a line, not one escaped line. */
  g_assert_true (g_str_has_prefix (plain, "<domain type='test'>\n  <name>vnc1</name>\n"));
  g_assert_true (g_str_has_suffix (plain, "</domain>\n"));
  g_assert_null (strstr (plain, "passwd"));
  g_assert_true (strstr (secure, "passwd='s3cret'"));
  g_assert_cmpstr (secure, ==, security_info);

  vb_test_call_void (f->env, path, IFACE_DOMAIN, "Start", g_variant_new ("(u)", 0));
  live = CTL (f, "dumpxml", "vnc1");
  inactive = CTL (f, "dumpxml", "vnc1", "--inactive");
  g_assert_true (g_regex_match_simple ("^<domain type='test' id='[0-9]+'>", live, 0, 0));
  g_assert_true (g_str_has_prefix (inactive, "<domain type='test'>\n"));
}

/* Scripts as $EDITOR: each gets the file as $1, as an editor would. */
static char *
editor (Fixture *f, const char *name, const char *body)
{
  g_autofree char *text = g_strdup_printf ("#!/bin/sh\nset -e\n%s\n", body);
  char *path = write_file (f, name, text);

  g_assert_cmpint (g_chmod (path, 0755), ==, 0);
  return path;
}

static void
test_edit (Fixture *f, gconstpointer data)
{
  g_autoptr (VbSignalLog) signals = vb_signal_log_new (f->env);
  g_autofree char *unchanged = editor (f, "unchanged", "true");
  g_autofree char *bigger =
    editor (f, "bigger", "sed -i 's|>131072</memory>|>196608</memory>|' \"$1\"");
  /* Breaks the XML on its first run, fixes it on its second (and makes a
   * change): the person who reads the error and edits again. */
  g_autofree char *count = g_build_filename (f->env->tmpdir, "edits", NULL);
  g_autofree char *body = g_strdup_printf (
    "echo x >> '%s'\n"
    "if [ $(wc -l < '%s') = 1 ]; then sed -i 's|</name>|</nam>|' \"$1\"; exit 0; fi\n"
    "sed -i 's|</nam>|</name>|; s|>196608</memory>|>262144</memory>|' \"$1\"",
    count, count);
  g_autofree char *fixing = editor (f, "fixing", body);
  /* Breaks it, then checks that 'f' gave it the definition as it was. */
  g_autofree char *count2 = g_build_filename (f->env->tmpdir, "edits2", NULL);
  g_autofree char *body2 = g_strdup_printf (
    "echo x >> '%s'\n"
    "if [ $(wc -l < '%s') = 1 ]; then sed -i 's|</name>|</nam>|' \"$1\"; exit 0; fi\n"
    "if grep -q '</nam>' \"$1\"; then exit 7; fi\n"
    "sed -i 's|>262144</memory>|>131072</memory>|' \"$1\"",
    count2, count2);
  g_autofree char *restarting = editor (f, "restarting", body2);
  g_autofree char *breaking = editor (f, "breaking", "sed -i 's|</name>|</nam>|' \"$1\"");
  g_autofree char *failing = editor (f, "failing", "exit 3");
  const char *edit[] = { "edit", "web1", NULL };
  g_autoptr (VbCtlRun) run = NULL;

  /* Unchanged: nothing defined (no event before the next edit's). */
  run = vb_ctl_run_edit (f->env, unchanged, NULL, edit);
  g_assert_cmpint (run->status, ==, 0);
  g_assert_cmpstr (run->out, ==, "Domain 'web1' XML configuration not changed.\n");
  g_clear_pointer (&run, vb_ctl_run_free);
  run = vb_ctl_run_edit (f->env, bigger, NULL, edit);
  g_assert_cmpint (run->status, ==, 0);
  g_assert_cmpstr (run->out, ==, "Domain 'web1' XML configuration edited.\n");
  g_assert_cmpuint (vb_test_get_u64 (f->env, f->path1, IFACE_DOMAIN, "MemoryKiB"), ==, 196608);
  g_assert_true (vb_signal_log_wait (signals, "('defined', 'updated')", WAIT_MS));
  {
    g_autofree char *events = vb_signal_log_lifecycle (signals, f->path1);

    g_assert_cmpstr (events, ==, "('defined', 'updated')");
  }
  g_clear_pointer (&run, vb_ctl_run_free);

  /* Refused: the service's message, the question, another edit. */
  run = vb_ctl_run_edit (f->env, fixing, "y\n", edit);
  g_assert_cmpint (run->status, ==, 0);
  g_assert_true (strstr (run->err, "error: "));
  g_assert_null (strstr (run->err, "GDBus"));
  g_assert_true (strstr (run->out, "Failed. Try again? [y,n,f,?]: "));
  g_assert_true (g_str_has_suffix (run->out, "Domain 'web1' XML configuration edited.\n"));
  g_assert_cmpuint (vb_test_get_u64 (f->env, f->path1, IFACE_DOMAIN, "MemoryKiB"), ==, 262144);
  g_clear_pointer (&run, vb_ctl_run_free);

  /* ? explains, f starts again from the definition as it was. */
  run = vb_ctl_run_edit (f->env, restarting, "?\nf\n", edit);
  g_assert_cmpint (run->status, ==, 0);
  g_assert_true (strstr (run->out, "f - edit again, starting from the definition as it was"));
  g_assert_cmpuint (vb_test_get_u64 (f->env, f->path1, IFACE_DOMAIN, "MemoryKiB"), ==, 131072);
  g_clear_pointer (&run, vb_ctl_run_free);

  /* Giving up, or no answer: exit 1, nothing defined. */
  run = vb_ctl_run_edit (f->env, breaking, "n\n", edit);
  g_assert_cmpint (run->status, ==, 1);
  g_assert_true (
    g_str_has_suffix (run->err, "error: the changes to domain 'web1' were not defined\n"));
  g_clear_pointer (&run, vb_ctl_run_free);
  run = vb_ctl_run_edit (f->env, breaking, "", edit);
  g_assert_cmpint (run->status, ==, 1);
  g_clear_pointer (&run, vb_ctl_run_free);
  run = vb_ctl_run_edit (f->env, failing, NULL, edit);
  g_assert_cmpint (run->status, ==, 1);
  g_assert_true (g_str_has_prefix (run->err, "error: the editor failed: "));
  g_assert_cmpuint (vb_test_get_u64 (f->env, f->path1, IFACE_DOMAIN, "MemoryKiB"), ==, 131072);
}

/* ---- statistics, addresses, displays, consoles ---- */

static const char network_xml[] = "<network>\n"
                                  "  <name>ctlnet</name>\n"
                                  "  <bridge name='vbctl0'/>\n"
                                  "  <ip address='192.168.160.1' netmask='255.255.255.0'>\n"
                                  "    <dhcp>\n"
                                  "      <range start='192.168.160.20' end='192.168.160.30'/>\n"
                                  "      <host mac='" HOST_MAC "' ip='192.168.160.5'/>\n"
                                  "    </dhcp>\n"
                                  "  </ip>\n"
                                  "</network>\n";

static void
test_domstats_domifaddr (Fixture *f, gconstpointer data)
{
  g_autofree char *xml = domain_xml ("net1", "5f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a45",
                                     "    <interface type='network'>\n"
                                     "      <mac address='" NIC_MAC "'/>\n"
                                     "      <source network='ctlnet'/>\n"
                                     "      <target dev='ctltap0'/>\n"
                                     "    </interface>\n"
                                     "    <interface type='network'>\n"
                                     "      <mac address='" HOST_MAC "'/>\n"
                                     "      <source network='ctlnet'/>\n"
                                     "      <target dev='ctltap1'/>\n"
                                     "    </interface>\n");
  g_autofree char *path = define_xml (f, xml);
  g_autofree char *net = vb_test_call_path (f->env, MANAGER, IFACE_MANAGER, "DefineNetwork",
                                            g_variant_new ("(su)", network_xml, 0));
  g_autofree char *stats = NULL;
  g_autofree char *state_json = NULL;
  g_autofree char *all = NULL;
  g_autofree char *table = NULL;
  g_autofree char *addr_json = NULL;
  g_autofree char *message = NULL;
  g_autoptr (JsonNode) json = NULL;
  JsonObject *values;

  vb_test_call_void (f->env, net, IFACE_NETWORK, "Start", g_variant_new ("(u)", 0));
  vb_test_call_void (f->env, path, IFACE_DOMAIN, "Start", g_variant_new ("(u)", 0));

  stats = CTL (f, "domstats", "net1");
  g_assert_true (g_str_has_prefix (stats, "Domain: 'net1'\n"));
  g_assert_true (strstr (stats, "\n  state.state=1\n"));
  g_assert_true (strstr (stats, "\n  net.count=2\n"));
  g_assert_true (strstr (stats, "\n  net.1.name=ctltap1\n"));
  g_assert_true (strstr (stats, "\n  balloon.maximum=131072\n"));
  /* Numbers in keys sort by value. */
  g_assert_true (strstr (stats, "vcpu.0.state") < strstr (stats, "vcpu.1.state"));

  state_json = CTL (f, "domstats", "--json", "--state", "net1");
  json = parse_json (state_json);
  g_assert_cmpuint (json_array_get_length (json_node_get_array (json)), ==, 1);
  g_assert_cmpstr (json_object_get_string_member (element (json, 0), "name"), ==, "net1");
  values = json_object_get_object_member (element (json, 0), "stats");
  g_assert_cmpint (json_object_get_int_member (values, "state.state"), ==, 1);
  g_assert_cmpint (json_object_get_int_member (values, "state.reason"), ==, 1);
  g_assert_cmpuint (json_object_get_size (values), ==, 2);
  g_clear_pointer (&json, json_node_unref);

  /* Every domain without a name: web1 and web2 shut off. */
  all = CTL (f, "domstats", "--state");
  g_assert_true (strstr (all, "Domain: 'net1'\n"));
  g_assert_true (strstr (all, "\n\nDomain: 'web1'\n  state.reason=0\n  state.state=5\n"));

  table = CTL (f, "domifaddr", "net1");
  g_assert_cmpstr (table, ==,
                   " Name      MAC address         Protocol   Address\n"
                   "-----------------------------------------------------------\n"
                   " ctltap0   " NIC_MAC "   ipv4       192.168.160.20/24\n"
                   " ctltap1   " HOST_MAC "   ipv4       192.168.160.5/24\n");
  addr_json = CTL (f, "domifaddr", "net1", "--source", "lease", "--json");
  json = parse_json (addr_json);
  g_assert_cmpuint (json_array_get_length (json_node_get_array (json)), ==, 2);
  g_assert_cmpstr (json_object_get_string_member (element (json, 1), "name"), ==, "ctltap1");
  g_assert_cmpstr (json_object_get_string_member (element (json, 1), "mac"), ==, HOST_MAC);
  g_assert_cmpstr (json_object_get_string_member (element (json, 1), "protocol"), ==, "ipv4");
  g_assert_cmpstr (json_object_get_string_member (element (json, 1), "address"), ==,
                   "192.168.160.5");
  g_assert_cmpint (json_object_get_int_member (element (json, 1), "prefix"), ==, 24);

  message = CTL_FAILS (f, 1, "domifaddr", "net1", "--source", "agent");
  g_assert_true (strstr (message, "QEMU guest agent is not configured"));
  g_clear_pointer (&message, g_free);
  message = CTL_FAILS (f, 1, "domifaddr", "web1");
  g_assert_true (g_str_has_prefix (message, "error: "));
}

static void
test_vncdisplay (Fixture *f, gconstpointer data)
{
  g_autofree char *xml = domain_xml ("vnc1", "5f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a44",
                                     "    <graphics type='vnc' port='5907' autoport='no' "
                                     "listen='127.0.0.1'/>\n");
  g_autofree char *xml2 = domain_xml ("vnc2", "5f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a46",
                                      "    <graphics type='vnc' port='5911' autoport='no'>\n"
                                      "      <listen type='address' address='0.0.0.0'/>\n"
                                      "    </graphics>\n");
  g_autofree char *path = define_xml (f, xml);
  g_autofree char *path2 = define_xml (f, xml2);
  g_autofree char *message = NULL;
  g_autofree char *json_text = NULL;
  g_autoptr (JsonNode) json = NULL;

  message = CTL_FAILS (f, 1, "vncdisplay", "vnc1");
  g_assert_cmpstr (message, ==, "error: domain 'vnc1' is not running\n");
  g_clear_pointer (&message, g_free);
  vb_test_call_void (f->env, path, IFACE_DOMAIN, "Start", g_variant_new ("(u)", 0));
  vb_test_call_void (f->env, path2, IFACE_DOMAIN, "Start", g_variant_new ("(u)", 0));
  vb_test_call_void (f->env, f->path1, IFACE_DOMAIN, "Start", g_variant_new ("(u)", 0));
  SAYS (f, "127.0.0.1:7\n", "vncdisplay", "vnc1");
  SAYS (f, ":11\n", "vncdisplay", "vnc2");
  json_text = CTL (f, "vncdisplay", "vnc1", "--json");
  json = parse_json (json_text);
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (json), "address"), ==,
                   "127.0.0.1");
  g_assert_cmpint (json_object_get_int_member (json_node_get_object (json), "port"), ==, 5907);
  g_assert_cmpint (json_object_get_int_member (json_node_get_object (json), "display"), ==, 7);
  message = CTL_FAILS (f, 1, "vncdisplay", "web1");
  g_assert_cmpstr (message, ==, "error: domain 'web1' has no VNC display\n");
}

/* The test driver has no consoles: the service's reason, exit 1 (the real
 * console is test-ctl-console.c's). */
static void
test_console_unsupported (Fixture *f, gconstpointer data)
{
  g_autofree char *message = NULL;

  vb_test_call_void (f->env, f->path1, IFACE_DOMAIN, "Start", g_variant_new ("(u)", 0));
  message = CTL_FAILS (f, 1, "console", "web1");
  g_assert_cmpstr (message, ==, "error: The test driver has no serial consoles\n");
  g_clear_pointer (&message, g_free);
  message = CTL_FAILS (f, 3, "console", "nope");
  g_assert_cmpstr (message, ==, "error: No domain is named 'nope'\n");
}

/* A service whose OpenConsole reply lacks the descriptor it names (a fake
 * one: virtbusd never answers so): an error, not a crash. */
static void
test_console_bad_reply (void)
{
  static const struct {
    VbFakeConsoleReply reply;
    const char *err;
  } cases[] = {
    { VB_FAKE_CONSOLE_NO_FDS,
      "error: The reply to OpenConsole names descriptor 0 of the 0 it carries\n" },
    { VB_FAKE_CONSOLE_BAD_INDEX,
      "error: The reply to OpenConsole names descriptor 3 of the 1 it carries\n" },
  };
  const char *const args[] = { "console", VB_FAKE_DOMAIN_NAME, NULL };
  g_autoptr (VbTestEnv) env = vb_test_env_new (VB_TEST_ENV_NONE);
  g_autoptr (VbFakeService) fake = vb_fake_service_new (env->bus_address);

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (VbCtlRun) run = NULL;

      vb_fake_service_set_console_reply (fake, cases[i].reply);
      run = vb_ctl_run (env, "", args);
      g_assert_cmpint (run->status, ==, 1);
      g_assert_cmpstr (run->err, ==, cases[i].err);
    }
}

/* ---- resources and devices ---- */

static guint
u32_property (Fixture *f, const char *path, const char *property)
{
  g_autoptr (GVariant) value = vb_test_get_property (f->env, path, IFACE_DOMAIN, property);

  return g_variant_get_uint32 (value);
}

static void
test_setmem_setvcpus (Fixture *f, gconstpointer data)
{
  g_autofree char *message = NULL;

  SAYS (f, "", "setmem", "web1", "64M", "--config");
  g_assert_cmpuint (vb_test_get_u64 (f->env, f->path1, IFACE_DOMAIN, "CurrentMemoryKiB"), ==,
                    65536);
  SAYS (f, "", "setmem", "web1", "100000");
  g_assert_cmpuint (vb_test_get_u64 (f->env, f->path1, IFACE_DOMAIN, "CurrentMemoryKiB"), ==,
                    100000);
  SAYS (f, "", "setmem", "web1", "1000000b");
  g_assert_cmpuint (vb_test_get_u64 (f->env, f->path1, IFACE_DOMAIN, "CurrentMemoryKiB"), ==,
                    977); /* rounded up to whole KiB */
  message = CTL_FAILS (f, 1, "setmem", "web1", "1GiB");
  g_assert_true (g_str_has_prefix (message, "error: "));
  g_clear_pointer (&message, g_free);
  message = CTL_FAILS (f, 1, "setmem", "web1", "64M", "--live");
  g_assert_true (g_str_has_prefix (message, "error: "));
  g_clear_pointer (&message, g_free);

  SAYS (f, "", "setvcpus", "web1", "1", "--config");
  g_assert_cmpuint (u32_property (f, f->path1, "Vcpus"), ==, 1);
  SAYS (f, "", "setvcpus", "web1", "4", "--config", "--maximum");
  g_assert_cmpuint (u32_property (f, f->path1, "MaxVcpus"), ==, 4);

  /* Live, on the running guest. */
  vb_test_call_void (f->env, f->path1, IFACE_DOMAIN, "Start", g_variant_new ("(u)", 0));
  SAYS (f, "", "setvcpus", "web1", "3", "--live");
  g_assert_cmpuint (u32_property (f, f->path1, "Vcpus"), ==, 3);
  SAYS (f, "", "setmem", "web1", "96MiB");
  g_assert_cmpuint (vb_test_get_u64 (f->env, f->path1, IFACE_DOMAIN, "CurrentMemoryKiB"), ==,
                    98304);
}

static gboolean
xml_has (Fixture *f, const char *path, guint flags, const char *needle)
{
  g_autofree char *xml = vb_test_get_xml (f->env, path, IFACE_DOMAIN, flags);

  return strstr (xml, needle) != NULL;
}

static void
test_devices (Fixture *f, gconstpointer data)
{
  g_autofree char *one = g_build_filename (f->env->tmpdir, "one.iso", NULL);
  g_autofree char *two = g_build_filename (f->env->tmpdir, "two.iso", NULL);
  g_autofree char *disk = g_build_filename (f->env->tmpdir, "disk.img", NULL);
  g_autofree char *cdrom = g_strdup_printf ("    <disk type='file' device='cdrom'>\n"
                                            "      <source file='%s'/>\n"
                                            "      <target dev='hdc' bus='ide'/>\n"
                                            "      <readonly/>\n"
                                            "    </disk>\n"
                                            "    <disk type='file' device='disk'>\n"
                                            "      <source file='%s'/>\n"
                                            "      <target dev='vda' bus='virtio'/>\n"
                                            "    </disk>\n",
                                            one, disk);
  g_autofree char *xml = domain_xml ("media1", "5f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a47", cdrom);
  g_autofree char *path = NULL;
  g_autofree char *source_one = g_strdup_printf ("<source file='%s'/>", one);
  g_autofree char *source_two = g_strdup_printf ("<source file='%s'/>", two);
  g_autofree char *nic = write_file (f, "nic.xml",
                                     "<interface type='user'>\n"
                                     "  <mac address='52:54:00:7c:00:09'/>\n"
                                     "</interface>\n");
  g_autofree char *message = NULL;

  vb_test_sparse_file (one, 1 << 20);
  vb_test_sparse_file (two, 1 << 20);
  vb_test_sparse_file (disk, 1 << 20);
  path = define_xml (f, xml);

  /* The definition's drive, by target then by its medium. */
  SAYS (f, "Successfully updated media.\n", "change-media", "media1", "hdc", two);
  g_assert_true (xml_has (f, path, 0, source_two));
  SAYS (f, "Successfully ejected media.\n", "change-media", "media1", two, "--eject");
  g_assert_false (xml_has (f, path, 0, "iso"));
  SAYS (f, "Successfully inserted media.\n", "change-media", "media1", "hdc", one, "--insert");
  g_assert_true (xml_has (f, path, 0, source_one));
  message = CTL_FAILS (f, 1, "change-media", "media1", "hdc", two, "--insert");
  {
    g_autofree char *expected =
      g_strdup_printf ("error: drive 'hdc' holds %s already; --update replaces it\n", one);

    g_assert_cmpstr (message, ==, expected);
  }
  g_clear_pointer (&message, g_free);
  message = CTL_FAILS (f, 3, "change-media", "media1", "hdd", two);
  g_assert_cmpstr (message, ==,
                   "error: domain 'media1' has no drive with the target or medium 'hdd'\n");
  g_clear_pointer (&message, g_free);
  message = CTL_FAILS (f, 1, "change-media", "media1", "vda", two);
  g_assert_cmpstr (message, ==, "error: disk 'vda' is no CD-ROM or floppy drive\n");
  g_clear_pointer (&message, g_free);

  /* The running guest's drive; --config leaves the definition's. */
  vb_test_call_void (f->env, path, IFACE_DOMAIN, "Start", g_variant_new ("(u)", 0));
  SAYS (f, "Successfully updated media.\n", "change-media", "media1", "hdc", two, "--live");
  g_assert_true (xml_has (f, path, 0, source_two));
  g_assert_true (xml_has (f, path, 2, source_one));

  /* A device file, live and in the definition. */
  SAYS (f, "Device attached successfully\n", "attach-device", "media1", nic, "--persistent");
  g_assert_true (xml_has (f, path, 0, "52:54:00:7c:00:09"));
  g_assert_true (xml_has (f, path, 2, "52:54:00:7c:00:09"));
  message = CTL_FAILS (f, 1, "attach-device", "media1", nic, "--config");
  g_assert_true (g_str_has_prefix (message, "error: "));
  g_clear_pointer (&message, g_free);
  SAYS (f, "Device detached successfully\n", "detach-device", "media1", nic, "--config");
  g_assert_false (xml_has (f, path, 2, "52:54:00:7c:00:09"));
  g_assert_true (xml_has (f, path, 0, "52:54:00:7c:00:09"));
  message = CTL_FAILS (f, 3, "detach-device", "media1", nic, "--config");
  g_assert_true (g_str_has_prefix (message, "error: "));
}

static void
test_capabilities (Fixture *f, gconstpointer data)
{
  g_autofree char *caps = CTL (f, "capabilities");
  g_autofree char *domcaps =
    CTL (f, "domcapabilities", "--virttype", "test", "--emulatorbin", "/usr/bin/test-hypervisor");
  g_autofree char *message = NULL;

  g_assert_true (g_str_has_prefix (caps, "<capabilities>\n"));
  g_assert_true (g_str_has_suffix (caps, "</capabilities>\n"));
  g_assert_true (strstr (domcaps, "<domain>test</domain>"));
  g_assert_true (strstr (domcaps, "<path>/usr/bin/test-hypervisor</path>"));
  message = CTL_FAILS (f, 1, "domcapabilities", "--virttype=xen");
  g_assert_true (g_str_has_prefix (message, "error: "));
}

/* ---- completion ---- */

static void
test_complete (Fixture *f, gconstpointer data)
{
  vb_test_call_void (f->env, f->path2, IFACE_DOMAIN, "Start", g_variant_new ("(u)", 0));
  SAYS (f, "start\n", "__complete", "--", "sta");
  SAYS (f, "dominfo\ndomstats\ndomifaddr\ndomcapabilities\n", "__complete", "--", "dom");
  SAYS (f, "--session\n", "__complete", "--", "--se");
  /* Live names, from the service the line names, whatever comes before. */
  SAYS (f, "web1\nweb2\n", "__complete", "--", "--address", f->env->bus_address, "start", "");
  SAYS (f, "web2\n", "__complete", "--", "--address", f->env->bus_address, "start", "web2");
  SAYS (f, "web1\nweb2\n", "__complete", "--", "--address", f->env->bus_address, "--json",
        "change-media", "--live", "");
  SAYS (f, "--all\n", "__complete", "--", "list", "--a");
  SAYS (f, "--paused\n--json\n--quiet\n--help\n", "__complete", "--", "start", "web1", "--");
  SAYS (f, "@files\n", "__complete", "--", "define", "");
  SAYS (f, "@files\n", "__complete", "--", "--address", f->env->bus_address, "attach-device",
        "web1", "/tm");
  SAYS (f, "@files\n", "__complete", "--", "domcapabilities", "--emulatorbin", "");
  SAYS (f, "", "__complete", "--", "domcapabilities", "--arch", "");
  SAYS (f, "", "__complete", "--", "--address", "");
  SAYS (f, "setmem\nsetvcpus\n", "__complete", "--", "help", "set");
  SAYS (f, "", "__complete", "--", "nope", "");
  /* No service there: nothing, and no error. */
  SAYS (f, "", "__complete", "--", "--address", "unix:path=/nonexistent", "start", "");
}

/* ---- authorization ---- */

static void
test_not_authorized (Fixture *f, gconstpointer data)
{
  g_autofree char *xml = domain_xml ("web1", UUID1, NULL);
  g_autofree char *path = NULL;
  g_autoptr (VbCtlRun) list = NULL;
  g_autoptr (VbCtlRun) start = NULL;
  g_autoptr (VbCtlRun) secure = NULL;
  g_autoptr (VbCtlRun) plain = NULL;

  if (!getpwnam (USER))
    {
      g_test_skip ("user " USER " is missing: run tests/setup-test-users.sh as root");
      return;
    }
  set_up_env (f, VB_TEST_ENV_POLKIT);
  path = define_xml (f, xml);
  f->path1 = g_strdup (path);

  /* Reading is open to everyone; changes need an administrator. */
  list = vb_ctl_run_as (f->env, USER, (const char *[]){ "list", "--all", "--name", NULL });
  g_assert_cmpint (list->status, ==, 0);
  g_assert_cmpstr (list->out, ==, "web1\n");
  plain = vb_ctl_run_as (f->env, USER, (const char *[]){ "dumpxml", "web1", NULL });
  g_assert_cmpint (plain->status, ==, 0);
  start = vb_ctl_run_as (f->env, USER, (const char *[]){ "start", "web1", NULL });
  g_assert_cmpint (start->status, ==, 4);
  g_assert_true (g_str_has_prefix (start->err, "error: "));
  g_assert_true (strstr (start->err, "org.virtbus.Virt1.domain.lifecycle"));
  g_assert_null (strstr (start->err, "GDBus"));
  secure = vb_ctl_run_as (f->env, USER, (const char *[]){ "dumpxml", "--secure", "web1", NULL });
  g_assert_cmpint (secure->status, ==, 4);
  g_assert_true (strstr (secure->err, "org.virtbus.Virt1.domain.console"));
  {
    g_autofree char *state = state_of (f, path);

    g_assert_cmpstr (state, ==, "shutoff");
  }
}

static void
set_up_bare (Fixture *f, gconstpointer data)
{
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
#define ADD(path, func) g_test_add (path, Fixture, NULL, set_up, func, tear_down)
  ADD ("/ctl/usage", test_usage);
  ADD ("/ctl/unreachable", test_unreachable);
  ADD ("/ctl/list", test_list);
  ADD ("/ctl/dominfo", test_dominfo);
  ADD ("/ctl/define", test_define);
  ADD ("/ctl/lifecycle", test_lifecycle);
  ADD ("/ctl/dumpxml", test_dumpxml);
  ADD ("/ctl/edit", test_edit);
  ADD ("/ctl/domstats-domifaddr", test_domstats_domifaddr);
  ADD ("/ctl/vncdisplay", test_vncdisplay);
  ADD ("/ctl/console-unsupported", test_console_unsupported);
  g_test_add_func ("/ctl/console-bad-reply", test_console_bad_reply);
  ADD ("/ctl/setmem-setvcpus", test_setmem_setvcpus);
  ADD ("/ctl/devices", test_devices);
  ADD ("/ctl/capabilities", test_capabilities);
  ADD ("/ctl/complete", test_complete);
  g_test_add ("/ctl/not-authorized", Fixture, NULL, set_up_bare, test_not_authorized, tear_down);
  return g_test_run ();
}
