/* Call latency and throughput: see bench-calls.h. */
#include "bench-calls.h"

#include <stdlib.h>

typedef struct {
  const BenchCall *call;
  int calls;
  double *latencies; /* seconds, one per call */
} Worker;

static GDBusConnection *
connect_to (const char *address)
{
  g_autoptr (GError) error = NULL;
  GDBusConnection *connection =
    g_dbus_connection_new_for_address_sync (address,
                                            G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT
                                              | G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
                                            NULL, NULL, &error);

  if (!connection)
    g_error ("connect: %s", error->message);
  return connection;
}

static gpointer
run_worker (gpointer data)
{
  Worker *worker = data;
  const BenchCall *call = worker->call;
  g_autoptr (GDBusConnection) connection = connect_to (call->address);

  if (call->no_reply_first)
    {
      const BenchCall *first = call->no_reply_first;
      g_autoptr (GError) error = NULL;
      g_autoptr (GDBusMessage) message =
        g_dbus_message_new_method_call (call->bus_name, first->path, first->interface,
                                        first->method);

      if (first->args) /* not floating: set_body takes its own reference */
        g_dbus_message_set_body (message, first->args);
      g_dbus_message_set_flags (message, G_DBUS_MESSAGE_FLAGS_NO_REPLY_EXPECTED);
      if (!g_dbus_connection_send_message (connection, message, G_DBUS_SEND_MESSAGE_FLAGS_NONE,
                                           NULL, &error))
        g_error ("%s: %s", first->method, error->message);
    }
  for (int i = 0; i < worker->calls; i++)
    {
      g_autoptr (GError) error = NULL;
      gint64 start = g_get_monotonic_time ();
      g_autoptr (GVariant) reply =
        g_dbus_connection_call_sync (connection, call->bus_name, call->path, call->interface,
                                     call->method, call->args ? g_variant_ref (call->args) : NULL,
                                     NULL, G_DBUS_CALL_FLAGS_NONE, 30000, NULL, &error);

      if (!reply)
        g_error ("%s.%s: %s", call->interface, call->method, error->message);
      worker->latencies[i] = (g_get_monotonic_time () - start) / 1e6;
    }
  return NULL;
}

static int
compare_doubles (const void *a, const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return x < y ? -1 : x > y;
}

BenchFigures
bench_measure_call (const BenchCall *call, int calls, int clients)
{
  BenchCall held = *call;
  int per_client = calls / clients;
  int total = per_client * clients;
  Worker *workers = g_new0 (Worker, clients);
  GThread **threads = g_new0 (GThread *, clients);
  double *all = g_new0 (double, total);
  gint64 start, elapsed;
  BenchFigures figures;

  if (held.args)
    held.args = g_variant_ref_sink (held.args);
  for (int c = 0; c < clients; c++)
    workers[c] = (Worker){ &held, per_client, all + c * per_client };
  {
    double scratch[50];
    Worker warm = { &held, 50, scratch };
    run_worker (&warm);
  }
  start = g_get_monotonic_time ();
  for (int c = 0; c < clients; c++)
    threads[c] = g_thread_new ("client", run_worker, &workers[c]);
  for (int c = 0; c < clients; c++)
    g_thread_join (threads[c]);
  elapsed = g_get_monotonic_time () - start;

  qsort (all, total, sizeof (double), compare_doubles);
  figures.calls_per_s = total / (elapsed / 1e6);
  figures.median = all[total / 2];
  figures.p99 = all[(int) (total * 0.99)];
  g_clear_pointer (&held.args, g_variant_unref);
  g_free (all);
  g_free (threads);
  g_free (workers);
  return figures;
}

void
bench_print_call_header (void)
{
  g_print ("%-28s %2s  %9s  %8s  %8s   %6s  %6s\n", "call", "cl", "calls/s", "med(us)", "p99(us)",
           "med/x", "thr/x");
}

void
bench_print_call_row (const char *name, int clients, BenchFigures f, BenchFigures floor)
{
  g_print ("%-28s %2d  %9.0f  %8.1f  %8.1f   %5.2fx  %5.2fx\n", name, clients, f.calls_per_s,
           f.median * 1e6, f.p99 * 1e6, f.median / floor.median, floor.calls_per_s / f.calls_per_s);
}

/* What GDBus alone spends on a reply (@reply, or none: Ping's): writing it
 * into a message's bytes (the service's side) and reading it back (the
 * client's), in this process, as rows. Shows how much of a call's time no
 * GDBus service avoids. */
void
bench_print_gdbus_cost_rows (const char *what, GVariant *reply, int clients, BenchFigures ping)
{
  g_autoptr (GVariant) held = reply ? g_variant_ref_sink (reply) : NULL;
  g_autoptr (GDBusMessage) message = g_dbus_message_new ();
  g_autofree char *writes = g_strdup_printf ("  (GDBus writes %s)", what);
  g_autofree char *reads = g_strdup_printf ("  (GDBus reads %s)", what);
  const int rounds = 200;
  gsize size = 0;
  g_autofree guchar *blob = NULL;
  BenchFigures write = { 0 }, read = { 0 };
  gint64 start;

  g_dbus_message_set_message_type (message, G_DBUS_MESSAGE_TYPE_METHOD_RETURN);
  g_dbus_message_set_reply_serial (message, 1);
  if (held)
    g_dbus_message_set_body (message, held);
  start = g_get_monotonic_time ();
  for (int i = 0; i < rounds; i++)
    {
      g_free (blob);
      blob = g_dbus_message_to_blob (message, &size, G_DBUS_CAPABILITY_FLAGS_NONE, NULL);
    }
  write.median = write.p99 = (g_get_monotonic_time () - start) / 1e6 / rounds;
  write.calls_per_s = 1 / write.median;
  start = g_get_monotonic_time ();
  for (int i = 0; i < rounds; i++)
    {
      g_autoptr (GDBusMessage) parsed =
        g_dbus_message_new_from_blob (blob, size, G_DBUS_CAPABILITY_FLAGS_NONE, NULL);

      g_assert (parsed);
    }
  read.median = read.p99 = (g_get_monotonic_time () - start) / 1e6 / rounds;
  read.calls_per_s = 1 / read.median;
  bench_print_call_row (writes, clients, write, ping);
  bench_print_call_row (reads, clients, read, ping);
}
