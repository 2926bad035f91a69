/* Latency and throughput of one D-Bus call made over and over by several
 * clients, each on its own connection: what the read benchmarks share. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef struct {
  double calls_per_s;
  double median; /* seconds */
  double p99;    /* seconds */
} BenchFigures;

/* What one row calls: @method of @interface at @path of @bus_name, on the
 * bus at @address, with @args (may be NULL). */
typedef struct _BenchCall {
  const char *address;
  const char *bus_name;
  const char *path;
  const char *interface;
  const char *method;
  GVariant *args;
  /* When set, each client's connection first sends this call (its address
   * and bus name are @address's and @bus_name's; its args not floating)
   * expecting no reply: a
   * service that keeps its callers' order (virtbusd's reply cache) then
   * answers every call of that connection on its main loop. */
  const struct _BenchCall *no_reply_first;
} BenchCall;

/* Makes @calls calls in all (after 50 to warm up connections, polkit
 * decisions and caches), shared among @clients threads. Fails the run on any
 * error. */
BenchFigures bench_measure_call (const BenchCall *call, int calls, int clients);

/* The header of the rows below: name, clients, calls/s, median and p99 in us,
 * median and throughput as ratios to the floor. */
void bench_print_call_header (void);
void bench_print_call_row (const char *name, int clients, BenchFigures figures, BenchFigures floor);

/* What GDBus alone spends writing @reply (a method return's body; NULL:
 * none, as Ping's) into a message and reading it back, in this process, as
 * two rows beside @ping: the part of a call's time no GDBus service avoids. */
void bench_print_gdbus_cost_rows (const char *what, GVariant *reply, int clients,
                                  BenchFigures ping);

G_END_DECLS
