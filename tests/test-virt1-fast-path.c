/* The reads virtbusd answers on GDBus's worker thread (objects/common/
 * reply-cache.h, objects/virt1/virt1-replies.c) really are answered there:
 * with the service's main thread stopped (ptrace, from a helper process),
 * Properties.Get and GetAll, Domain.GetXMLDesc and Manager.ListDomains are
 * still answered, from 16 connections at once, while a call that needs the
 * main loop is not. And the fast path keeps what the main loop promises: a
 * caller never allowed a read is not answered without the main loop, and a
 * caller's read never overtakes its own write (stopped main loop, then 16
 * clients each writing and reading back at once). */
#define _GNU_SOURCE /* pipe2 */
#include <fcntl.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "vb-test-env.h"

#define PROPERTIES "org.freedesktop.DBus.Properties"
#define CLIENTS 16
#define ROUNDS 20

/* ---- stopping the main loop ---- */

/* A helper process that holds virtbusd's main thread (only it: the thread
 * whose id is the process's) in a ptrace stop until it is released. */
typedef struct {
  pid_t helper;
  int release; /* writing end: closing it lets the thread go */
} MainLoopStop;

/* In the forked helper: the system call @tid is stopped in, or -1 (running
 * code of its own, where it may hold a lock the worker thread needs: the
 * main context's, malloc's). */
static long
stopped_in_syscall (pid_t tid)
{
  char path[64] = "/proc/", digits[16], text[32] = "";
  long number = 0;
  int fd, n = 0, at = 6;
  ssize_t got;

  /* No printf after fork in a threaded process: it may allocate. */
  do
    digits[n++] = '0' + tid % 10;
  while ((tid /= 10) > 0);
  while (n > 0)
    path[at++] = digits[--n];
  memcpy (path + at, "/syscall", sizeof "/syscall");
  fd = open (path, O_RDONLY);
  if (fd < 0)
    return -1;
  got = read (fd, text, sizeof text - 1);
  close (fd);
  if (got <= 0 || text[0] < '0' || text[0] > '9')
    return -1;
  for (const char *c = text; *c >= '0' && *c <= '9'; c++)
    number = number * 10 + (*c - '0');
  return number;
}

static gboolean
idle_in_poll (pid_t tid)
{
  long number = stopped_in_syscall (tid);

#ifdef SYS_poll
  if (number == SYS_poll)
    return TRUE;
#endif
  return number == SYS_ppoll;
}

/* In the forked helper: only system calls from here on. The thread is
 * stopped where it waits for its next event (GLib's poll), retried until
 * it is there. */
static void G_GNUC_NORETURN
hold_main_thread (pid_t daemon, int ready, int release)
{
  int status = 0;
  char byte = 'B'; /* busy: never caught in its poll */

  for (int attempt = 0; attempt < 500; attempt++)
    {
      if (ptrace (PTRACE_SEIZE, daemon, NULL, NULL) != 0
          || ptrace (PTRACE_INTERRUPT, daemon, NULL, NULL) != 0
          || waitpid (daemon, &status, __WALL) != daemon || !WIFSTOPPED (status))
        {
          byte = 'E'; /* not allowed to trace it */
          break;
        }
      if (idle_in_poll (daemon))
        {
          byte = 'S';
          break;
        }
      ptrace (PTRACE_DETACH, daemon, NULL, NULL);
      usleep (10 * 1000);
    }
  (void) !write (ready, &byte, 1);
  if (byte != 'S')
    _exit (1);
  /* Until the test writes or ends: then the thread runs on. */
  (void) !read (release, &byte, 1);
  ptrace (PTRACE_DETACH, daemon, NULL, NULL);
  _exit (0);
}

/* Stops @daemon's main thread while it waits in its poll; FALSE (and the
 * test skipped) when this system does not let a process trace its sibling. */
static gboolean
main_loop_stop (MainLoopStop *stop, pid_t daemon)
{
  int ready[2], release[2];
  char byte = 0;

  /* Not inherited by what the test's GLib may spawn meanwhile: the helper
   * must see the release end close when the test ends. */
  g_assert_no_errno (pipe2 (ready, O_CLOEXEC));
  g_assert_no_errno (pipe2 (release, O_CLOEXEC));
  stop->helper = fork ();
  g_assert_cmpint (stop->helper, >=, 0);
  if (stop->helper == 0)
    {
      close (ready[0]);
      close (release[1]);
      hold_main_thread (daemon, ready[1], release[0]);
    }
  close (ready[1]);
  close (release[0]);
  stop->release = release[1];
  g_assert_cmpint (read (ready[0], &byte, 1), ==, 1);
  close (ready[0]);
  if (byte != 'S')
    {
      waitpid (stop->helper, NULL, 0);
      close (stop->release);
      /* A main loop that never waits for 5 s is a failure; a system that
       * does not let a process trace its sibling is not this test's. */
      g_assert_cmpint (byte, ==, 'E');
      g_test_skip ("cannot stop the service's main thread here (ptrace refused)");
      return FALSE;
    }
  return TRUE;
}

static void
main_loop_go (MainLoopStop *stop)
{
  int status = 0;

  close (stop->release);
  g_assert_cmpint (waitpid (stop->helper, &status, 0), ==, stop->helper);
  g_assert_true (WIFEXITED (status) && WEXITSTATUS (status) == 0);
}

/* ---- calls ---- */

static GDBusConnection *
connect_to (VbTestEnv *env)
{
  g_autoptr (GError) error = NULL;
  GDBusConnection *connection =
    g_dbus_connection_new_for_address_sync (env->bus_address,
                                            G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT
                                              | G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
                                            NULL, NULL, &error);

  g_assert_no_error (error);
  return connection;
}

static GVariant *
call_on (GDBusConnection *connection, const char *path, const char *interface, const char *method,
         GVariant *args)
{
  g_autoptr (GError) error = NULL;
  GVariant *reply =
    g_dbus_connection_call_sync (connection, BUS_NAME, path, interface, method, args, NULL,
                                 G_DBUS_CALL_FLAGS_NONE, 20000, NULL, &error);

  g_assert_no_error (error);
  return reply;
}

/* A call whose answer is looked at later. */
typedef struct {
  gboolean done;
  GVariant *reply;
  GError *error;
} Pending;

static void
pending_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Pending *pending = user_data;

  pending->reply =
    g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result, &pending->error);
  pending->done = TRUE;
}

static void
call_pending (GDBusConnection *connection, const char *path, const char *interface,
              const char *method, GVariant *args, Pending *pending)
{
  g_dbus_connection_call (connection, BUS_NAME, path, interface, method, args, NULL,
                          G_DBUS_CALL_FLAGS_NONE, 60000, NULL, pending_done, pending);
}

static void
pending_clear (Pending *pending)
{
  g_clear_pointer (&pending->reply, g_variant_unref);
  g_clear_error (&pending->error);
}

/* Answers that have arrived are dispatched; nothing waits. */
static void
dispatch_arrived (void)
{
  /* The replies come on GDBus's worker thread and are handed to this
   * context: a moment for them to get here. */
  g_usleep (100 * 1000);
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

static void
wait_for (Pending *pending)
{
  while (!pending->done)
    g_main_context_iteration (NULL, TRUE);
}

/* ---- the reads ---- */

/* The four reads of issue #17, each with its arguments. */
typedef struct {
  const char *path; /* NULL: the domain's */
  const char *interface;
  const char *method;
  const char *args_text;
} Read;

static const Read reads[] = {
  { NULL, PROPERTIES, "Get", "('" IFACE_DOMAIN "', 'State')" },
  { NULL, PROPERTIES, "GetAll", "('" IFACE_DOMAIN "',)" },
  { NULL, IFACE_DOMAIN, "GetXMLDesc", "(@u 0,)" },
  { MANAGER, IFACE_MANAGER, "ListDomains", "(@u 0,)" },
};

static GVariant *
read_on (GDBusConnection *connection, const char *domain, const Read *read)
{
  return call_on (connection, read->path ? read->path : domain, read->interface, read->method,
                  g_variant_new_parsed (read->args_text));
}

static char *
define_domain (VbTestEnv *env, const char *name)
{
  g_autofree char *xml = vb_test_domain_xml (name, NULL);

  return vb_test_call_path (env, MANAGER, IFACE_MANAGER, "DefineDomain",
                            g_variant_new ("(su)", xml, 0));
}

typedef struct {
  GDBusConnection *connection;
  const char *domain;
  GVariant *const *expected; /* one per read */
  guint answered;
} Reader;

static gpointer
read_all (gpointer data)
{
  Reader *reader = data;

  for (int round = 0; round < ROUNDS; round++)
    for (guint i = 0; i < G_N_ELEMENTS (reads); i++)
      {
        g_autoptr (GVariant) reply = read_on (reader->connection, reader->domain, &reads[i]);

        g_assert_true (g_variant_equal (reply, reader->expected[i]));
        reader->answered++;
      }
  return NULL;
}

static void
test_answered_without_main_loop (void)
{
  g_autoptr (VbTestEnv) env = vb_test_env_new (VB_TEST_ENV_NONE);
  g_autofree char *domain = NULL;
  GDBusConnection *connections[CLIENTS];
  GVariant *expected[G_N_ELEMENTS (reads)];
  Reader readers[CLIENTS];
  GThread *threads[CLIENTS];
  g_autoptr (GDBusConnection) newcomer = NULL;
  g_autoptr (GDBusConnection) stranger = NULL;
  Pending lookup = { 0 }, newcomer_xml = { 0 };
  MainLoopStop stop;

  vb_test_env_start_daemon (env, NULL);
  domain = define_domain (env, "fast-path");
  vb_test_call_void (env, domain, IFACE_DOMAIN, "Start", g_variant_new ("(u)", 0));
  for (guint i = 0; i < G_N_ELEMENTS (reads); i++)
    expected[i] = read_on (env->client, domain, &reads[i]);
  /* Each connection asks each read once with the main loop running: the
   * reads that need the read action are answered without the main loop only
   * to callers the main loop allowed it. */
  for (int c = 0; c < CLIENTS; c++)
    {
      connections[c] = connect_to (env);
      for (guint i = 0; i < G_N_ELEMENTS (reads); i++)
        g_variant_unref (read_on (connections[c], domain, &reads[i]));
    }
  newcomer = connect_to (env);
  stranger = connect_to (env);

  if (!main_loop_stop (&stop, env->daemon_pid))
    goto out;
  /* Before the reads, so that it was waiting all along: a call only the
   * main loop answers. */
  call_pending (env->client, MANAGER, IFACE_MANAGER, "LookupDomainByName",
                g_variant_new ("(s)", "fast-path"), &lookup);
  /* A caller never allowed the read action: the main loop must decide. */
  call_pending (newcomer, domain, IFACE_DOMAIN, "GetXMLDesc", g_variant_new ("(u)", 0),
                &newcomer_xml);
  for (int c = 0; c < CLIENTS; c++)
    {
      readers[c] = (Reader){ connections[c], domain, expected, 0 };
      threads[c] = g_thread_new ("reader", read_all, &readers[c]);
    }
  for (int c = 0; c < CLIENTS; c++)
    {
      g_thread_join (threads[c]);
      g_assert_cmpuint (readers[c].answered, ==, ROUNDS * G_N_ELEMENTS (reads));
    }
  /* Open reads need no decision: a new caller is answered too (not
   * @newcomer, whose next calls all wait behind its GetXMLDesc). */
  {
    g_autoptr (GVariant) all = read_on (stranger, domain, &reads[1]);

    g_assert_true (g_variant_equal (all, expected[1]));
  }
  dispatch_arrived ();
  g_assert_false (lookup.done);
  g_assert_false (newcomer_xml.done);
  main_loop_go (&stop);

  wait_for (&lookup);
  wait_for (&newcomer_xml);
  g_assert_no_error (lookup.error);
  g_assert_no_error (newcomer_xml.error);
  g_assert_true (g_variant_equal (newcomer_xml.reply, expected[2]));
  pending_clear (&lookup);
  pending_clear (&newcomer_xml);
out:
  for (int c = 0; c < CLIENTS; c++)
    g_object_unref (connections[c]);
  for (guint i = 0; i < G_N_ELEMENTS (reads); i++)
    g_variant_unref (expected[i]);
}

/* ---- a caller's own write first ---- */

static GVariant *
set_autostart_args (gboolean on)
{
  return g_variant_new ("(ssv)", IFACE_DOMAIN, "Autostart", g_variant_new_boolean (on));
}

static GVariant *
get_autostart_args (void)
{
  return g_variant_new ("(ss)", IFACE_DOMAIN, "Autostart");
}

static gboolean
autostart_of (GVariant *get_reply)
{
  g_autoptr (GVariant) value = NULL;

  g_variant_get (get_reply, "(v)", &value);
  return g_variant_get_boolean (value);
}

static gboolean
autostart_in_all (GVariant *get_all_reply)
{
  g_autoptr (GVariant) all = g_variant_get_child_value (get_all_reply, 0);
  gboolean on = FALSE;

  g_assert_true (g_variant_lookup (all, "Autostart", "b", &on));
  return on;
}

/* With the main loop stopped: a writer's reads wait behind its write on the
 * main loop, while the same read from another caller is answered at once
 * with the old value; once the write is answered, every read shows it.
 * (Which value the main loop gives reads sent before the write's answer is
 * the main loop's business: it writes the configuration asynchronously and
 * answers reads meanwhile, with or without this cache.) */
static void
test_read_waits_for_own_write (void)
{
  g_autoptr (VbTestEnv) env = vb_test_env_new (VB_TEST_ENV_NONE);
  g_autofree char *domain = NULL;
  g_autoptr (GDBusConnection) writer = NULL;
  g_autoptr (GDBusConnection) other = NULL;
  Pending set = { 0 }, get = { 0 }, get_all = { 0 };
  MainLoopStop stop;

  vb_test_env_start_daemon (env, NULL);
  domain = define_domain (env, "own-write");
  writer = connect_to (env);
  other = connect_to (env);
  for (int i = 0; i < 2; i++)
    {
      g_autoptr (GVariant) a = call_on (writer, domain, PROPERTIES, "Get", get_autostart_args ());
      g_autoptr (GVariant) b = call_on (other, domain, PROPERTIES, "Get", get_autostart_args ());
      g_autoptr (GVariant) c =
        call_on (writer, domain, PROPERTIES, "GetAll", g_variant_new ("(s)", IFACE_DOMAIN));

      g_assert_false (autostart_of (a));
      g_assert_false (autostart_of (b));
      g_assert_false (autostart_in_all (c));
    }

  if (!main_loop_stop (&stop, env->daemon_pid))
    return;
  call_pending (writer, domain, PROPERTIES, "Set", set_autostart_args (TRUE), &set);
  call_pending (writer, domain, PROPERTIES, "Get", get_autostart_args (), &get);
  call_pending (writer, domain, PROPERTIES, "GetAll", g_variant_new ("(s)", IFACE_DOMAIN),
                &get_all);
  /* The cache is warm and answers others: the old value, the write not run. */
  {
    g_autoptr (GVariant) before = call_on (other, domain, PROPERTIES, "Get", get_autostart_args ());

    g_assert_false (autostart_of (before));
  }
  dispatch_arrived ();
  g_assert_false (set.done);
  g_assert_false (get.done);
  g_assert_false (get_all.done);
  main_loop_go (&stop);

  wait_for (&set);
  wait_for (&get);
  wait_for (&get_all);
  g_assert_no_error (set.error);
  g_assert_no_error (get.error);
  g_assert_no_error (get_all.error);
  pending_clear (&set);
  pending_clear (&get);
  pending_clear (&get_all);
  /* The write answered: no one is given the old value any more. */
  for (int i = 0; i < 2; i++)
    {
      g_autoptr (GVariant) a = call_on (writer, domain, PROPERTIES, "Get", get_autostart_args ());
      g_autoptr (GVariant) b = call_on (other, domain, PROPERTIES, "Get", get_autostart_args ());
      g_autoptr (GVariant) c =
        call_on (other, domain, PROPERTIES, "GetAll", g_variant_new ("(s)", IFACE_DOMAIN));

      g_assert_true (autostart_of (a));
      g_assert_true (autostart_of (b));
      g_assert_true (autostart_in_all (c));
    }
}

/* ---- many writers, each reading its own write back at once ---- */

typedef struct {
  VbTestEnv *env;
  char *domain;
  guint stale; /* reads that did not show the writer's own write */
} Writer;

/* Each round a write, and once it is answered two reads sent at once: both
 * must show it, whatever the other callers' reads left in the cache. */
static gpointer
write_and_read (gpointer data)
{
  Writer *writer = data;
  g_autoptr (GMainContext) context = g_main_context_new ();
  g_autoptr (GDBusConnection) connection = NULL;

  g_main_context_push_thread_default (context);
  connection = connect_to (writer->env);
  for (int round = 0; round < ROUNDS; round++)
    {
      gboolean on = round % 2 == 0;
      Pending set = { 0 }, get = { 0 }, get_all = { 0 };

      call_pending (connection, writer->domain, PROPERTIES, "Set", set_autostart_args (on), &set);
      while (!set.done)
        g_main_context_iteration (context, TRUE);
      call_pending (connection, writer->domain, PROPERTIES, "Get", get_autostart_args (), &get);
      call_pending (connection, writer->domain, PROPERTIES, "GetAll",
                    g_variant_new ("(s)", IFACE_DOMAIN), &get_all);
      while (!get.done || !get_all.done)
        g_main_context_iteration (context, TRUE);
      g_assert_no_error (set.error);
      g_assert_no_error (get.error);
      g_assert_no_error (get_all.error);
      writer->stale += autostart_of (get.reply) != on;
      writer->stale += autostart_in_all (get_all.reply) != on;
      pending_clear (&set);
      pending_clear (&get);
      pending_clear (&get_all);
    }
  g_main_context_pop_thread_default (context);
  return NULL;
}

/* Reads every writer's domain over and over, so that the answers the
 * writers' reads could wrongly be given are always there. */
typedef struct {
  VbTestEnv *env;
  Writer *writers;
  gboolean stop;
} Watcher;

static gpointer
keep_reading (gpointer data)
{
  Watcher *watcher = data;
  g_autoptr (GDBusConnection) connection = connect_to (watcher->env);

  while (!g_atomic_int_get (&watcher->stop))
    for (int c = 0; c < CLIENTS; c++)
      {
        g_variant_unref (call_on (connection, watcher->writers[c].domain, PROPERTIES, "Get",
                                  get_autostart_args ()));
        g_variant_unref (call_on (connection, watcher->writers[c].domain, PROPERTIES, "GetAll",
                                  g_variant_new ("(s)", IFACE_DOMAIN)));
      }
  return NULL;
}

static void
test_concurrent_read_your_writes (void)
{
  g_autoptr (VbTestEnv) env = vb_test_env_new (VB_TEST_ENV_NONE);
  Writer writers[CLIENTS];
  GThread *threads[CLIENTS];
  Watcher watcher = { env, writers, FALSE };
  GThread *watching;

  vb_test_env_start_daemon (env, NULL);
  for (int c = 0; c < CLIENTS; c++)
    {
      g_autofree char *name = g_strdup_printf ("writer-%02d", c);

      writers[c] = (Writer){ env, define_domain (env, name), 0 };
    }
  watching = g_thread_new ("watcher", keep_reading, &watcher);
  for (int c = 0; c < CLIENTS; c++)
    threads[c] = g_thread_new ("writer", write_and_read, &writers[c]);
  for (int c = 0; c < CLIENTS; c++)
    {
      g_thread_join (threads[c]);
      g_assert_cmpuint (writers[c].stale, ==, 0);
    }
  g_atomic_int_set (&watcher.stop, TRUE);
  g_thread_join (watching);
  for (int c = 0; c < CLIENTS; c++)
    {
      /* The last round (odd) switched it off. */
      g_assert_false (vb_test_get_bool (env, writers[c].domain, IFACE_DOMAIN, "Autostart"));
      g_free (writers[c].domain);
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/virt1/fast-path/answered-without-main-loop", test_answered_without_main_loop);
  g_test_add_func ("/virt1/fast-path/read-waits-for-own-write", test_read_waits_for_own_write);
  g_test_add_func ("/virt1/fast-path/concurrent-read-your-writes",
                   test_concurrent_read_your_writes);
  return g_test_run ();
}
