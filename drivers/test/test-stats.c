/* Counters of simulated guests (Domain.GetStats) and the host devices of
 * their interfaces. A guest "works" while it runs: its counters grow with
 * the time it has run since it started (not while paused), at fixed rates,
 * so that they are plausible (a quarter of each vCPU busy, a few MB/s of
 * disk and network traffic) and consistent with one another (cpu.user +
 * cpu.system = cpu.time, the vCPUs' times within it, reqs = bytes / size). */
#include "test-driver.h"

#include "vb-error.h"

/* What a guest's counters are made from. */
typedef struct {
  gint64 running_since; /* monotonic µs, 0 when not running */
  gint64 ran_us;        /* before running_since */
} TestClock;

static GQuark
clock_quark (void)
{
  return g_quark_from_static_string ("vb-test-clock");
}

void
vb_test_clock_note (VbDomain *domain)
{
  TestClock *clock = g_object_get_qdata (G_OBJECT (domain), clock_quark ());
  VbDomainState state = vb_domain_get_state (domain);
  gint64 now = g_get_monotonic_time ();

  /* Shut off: the next boot counts from zero, as a new QEMU would. */
  if (state == VB_DOMAIN_SHUTOFF)
    {
      g_object_set_qdata (G_OBJECT (domain), clock_quark (), NULL);
      return;
    }
  if (!clock)
    {
      clock = g_new0 (TestClock, 1);
      g_object_set_qdata_full (G_OBJECT (domain), clock_quark (), clock, g_free);
    }
  if (state == VB_DOMAIN_RUNNING && !clock->running_since)
    clock->running_since = now;
  else if (state != VB_DOMAIN_RUNNING && clock->running_since)
    {
      clock->ran_us += now - clock->running_since;
      clock->running_since = 0;
    }
}

static guint64
ran_us (VbDomain *domain)
{
  TestClock *clock = g_object_get_qdata (G_OBJECT (domain), clock_quark ());

  if (!clock)
    return 0;
  return (guint64) (clock->ran_us
                    + (clock->running_since ? g_get_monotonic_time () - clock->running_since : 0));
}

char *
vb_test_interface_device (VbDriverHost *host, VbDomain *domain, const char *mac)
{
  const VbDomainDef *live = vb_domain_get_live_def (domain);
  g_autoptr (GPtrArray) nics = NULL;

  if (!live)
    return NULL;
  nics = vb_domain_stat_nics (live->xml);
  for (guint i = 0; i < nics->len; i++)
    {
      VbStatNic *nic = nics->pdata[i];

      if (g_strcmp0 (nic->mac, mac) == 0)
        return nic->target ? g_strdup (nic->target) : g_strdup_printf ("vb%.8s-%u", live->uuid, i);
    }
  return NULL;
}

static void
insert_indexed (GVariantDict *dict, const char *group, guint index, const char *what, guint64 value)
{
  g_autofree char *key = g_strdup_printf ("%s.%u.%s", group, index, what);

  g_variant_dict_insert (dict, key, "t", value);
}

void
vb_test_get_stats_async (VbDriverHost *host, VbDomain *domain, guint groups,
                         GCancellable *cancellable, GAsyncReadyCallback callback,
                         gpointer user_data)
{
  g_autoptr (GTask) task = g_task_new (domain, cancellable, callback, user_data);
  const VbDomainDef *live = vb_domain_get_live_def (domain);
  guint64 us = ran_us (domain);
  guint vcpus = live && live->vcpus ? live->vcpus : 1;
  /* A quarter of each vCPU busy, three quarters of that in the guest. */
  guint64 cpu_ns = us * 1000 / 4 * vcpus;
  GVariantDict dict;

  g_task_set_source_tag (task, vb_test_get_stats_async);
  if (!live || !vb_domain_is_active (domain))
    {
      g_task_return_new_error (task, VB_ERROR, VB_ERROR_OPERATION_INVALID,
                               "Domain '%s' is not running",
                               vb_resource_get_name (VB_RESOURCE (domain)));
      return;
    }
  g_variant_dict_init (&dict, NULL);
  if (groups & VB_STATS_CPU_TOTAL)
    {
      g_variant_dict_insert (&dict, "cpu.time", "t", cpu_ns);
      g_variant_dict_insert (&dict, "cpu.user", "t", cpu_ns / 4 * 3);
      g_variant_dict_insert (&dict, "cpu.system", "t", cpu_ns - cpu_ns / 4 * 3);
    }
  if (groups & VB_STATS_BALLOON)
    {
      /* The guest has all it was given and touched half of it. */
      g_variant_dict_insert (&dict, "balloon.current", "t", live->current_memory_kib);
      g_variant_dict_insert (&dict, "balloon.rss", "t", live->current_memory_kib / 2);
    }
  if (groups & VB_STATS_VCPU)
    for (guint i = 0; i < vcpus; i++)
      {
        g_autofree char *state = g_strdup_printf ("vcpu.%u.state", i);

        /* 9/10 of the process's time is its vCPUs'. */
        g_variant_dict_insert (&dict, state, "i", 1);
        insert_indexed (&dict, "vcpu", i, "time", cpu_ns / vcpus / 10 * 9);
        insert_indexed (&dict, "vcpu", i, "wait", cpu_ns / vcpus / 100);
      }
  if (groups & VB_STATS_INTERFACE)
    {
      g_autoptr (GPtrArray) nics = vb_domain_stat_nics (live->xml);

      g_variant_dict_insert (&dict, "net.count", "u", nics->len);
      for (guint i = 0; i < nics->len; i++)
        {
          VbStatNic *nic = nics->pdata[i];
          g_autofree char *name_key = g_strdup_printf ("net.%u.name", i);
          g_autofree char *name = vb_test_interface_device (host, domain, nic->mac);
          /* 1 MB/s in, 0.5 MB/s out, in 1000-byte packets, none lost. */
          guint64 rx = us, tx = us / 2;

          g_variant_dict_insert (&dict, name_key, "s", name ? name : "");
          insert_indexed (&dict, "net", i, "rx.bytes", rx);
          insert_indexed (&dict, "net", i, "rx.pkts", rx / 1000);
          insert_indexed (&dict, "net", i, "rx.errs", 0);
          insert_indexed (&dict, "net", i, "rx.drop", 0);
          insert_indexed (&dict, "net", i, "tx.bytes", tx);
          insert_indexed (&dict, "net", i, "tx.pkts", tx / 1000);
          insert_indexed (&dict, "net", i, "tx.errs", 0);
          insert_indexed (&dict, "net", i, "tx.drop", 0);
        }
    }
  if (groups & VB_STATS_BLOCK)
    {
      g_autoptr (GPtrArray) disks = vb_domain_stat_disks (live->xml);

      for (guint i = 0; i < disks->len; i++)
        {
          VbStatDisk *disk = disks->pdata[i];
          /* 4 MB/s read, 1 MB/s written, in 4 KiB requests of 100 µs. */
          guint64 rd = us * 4, wr = us;

          if (!disk->file && !disk->volume)
            continue; /* an empty drive does no I/O */
          insert_indexed (&dict, "block", i, "rd.reqs", rd / 4096);
          insert_indexed (&dict, "block", i, "rd.bytes", rd);
          insert_indexed (&dict, "block", i, "rd.times", rd / 4096 * 100000);
          insert_indexed (&dict, "block", i, "wr.reqs", wr / 4096);
          insert_indexed (&dict, "block", i, "wr.bytes", wr);
          insert_indexed (&dict, "block", i, "wr.times", wr / 4096 * 100000);
          insert_indexed (&dict, "block", i, "fl.reqs", wr / 4096 / 8);
          insert_indexed (&dict, "block", i, "fl.times", wr / 4096 / 8 * 1000000);
        }
    }
  g_task_return_pointer (task, g_variant_ref_sink (g_variant_dict_end (&dict)),
                         (GDestroyNotify) g_variant_unref);
}

GVariant *
vb_test_get_stats_finish (VbDomain *domain, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_async_result_is_tagged (result, vb_test_get_stats_async), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}
