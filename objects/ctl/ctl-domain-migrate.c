/* migrate: Domain.Migrate with virsh migrate's options, then the Job
 * followed with a progress bar until the guest runs on the destination. */
#include "ctl-command.h"
#include "ctl-job-follow.h"
#include "ctl-number.h"

/* Domain.Migrate's flags (introspection/org.virtbus.Virt1.Domain.xml). */
#define MIGRATE_LIVE (1u << 0)
#define MIGRATE_PERSIST_DEST (1u << 3)
#define MIGRATE_UNDEFINE_SOURCE (1u << 4)
#define MIGRATE_PAUSED (1u << 5)
#define MIGRATE_AUTO_CONVERGE (1u << 13)
#define MIGRATE_POSTCOPY (1u << 15)
#define MIGRATE_PARALLEL (1u << 17)

static const struct {
  const char *option;
  guint flag;
} flag_options[] = {
  { "live", MIGRATE_LIVE },
  { "persistent", MIGRATE_PERSIST_DEST },
  { "undefinesource", MIGRATE_UNDEFINE_SOURCE },
  { "suspend", MIGRATE_PAUSED },
  { "auto-converge", MIGRATE_AUTO_CONVERGE },
  { "postcopy", MIGRATE_POSTCOPY },
  { "parallel", MIGRATE_PARALLEL },
};

/* Options whose value goes as is into Migrate's parameters. */
static const struct {
  const char *option;
  const char *parameter;
  gboolean uint32; /* "u", else "t" */
  guint64 max;
} number_options[] = {
  { "bandwidth", "bandwidth", FALSE, G_MAXUINT32 },
  { "postcopy-bandwidth", "postcopy-bandwidth", FALSE, G_MAXUINT32 },
  { "downtime", "downtime", FALSE, G_MAXUINT32 },
  { "parallel-connections", "parallel-connections", TRUE, 255 },
};

static const struct {
  const char *option;
  const char *parameter;
} string_options[] = {
  { "listen-address", "listen-address" },
  { "destination-host", "destination-host" },
};

static gboolean
parameters (CtlArgs *args, GVariantDict *dict, guint *flags, GError **error)
{
  for (guint i = 0; i < G_N_ELEMENTS (flag_options); i++)
    if (ctl_args_flag (args, flag_options[i].option))
      *flags |= flag_options[i].flag;
  /* virsh's --postcopy-after-precopy: switch by itself, so the migration
   * of a busy guest ends. */
  if (ctl_args_flag (args, "postcopy-after-precopy"))
    {
      *flags |= MIGRATE_POSTCOPY;
      g_variant_dict_insert (dict, "auto-postcopy", "b", TRUE);
    }
  if (ctl_args_flag (args, "tls"))
    g_variant_dict_insert (dict, "tls", "b", TRUE);
  for (guint i = 0; i < G_N_ELEMENTS (number_options); i++)
    {
      guint64 value = G_MAXUINT64;

      if (!ctl_option_number (args, number_options[i].option, number_options[i].max, &value, error))
        return FALSE;
      if (value == G_MAXUINT64)
        continue;
      if (number_options[i].uint32)
        g_variant_dict_insert (dict, number_options[i].parameter, "u", (guint32) value);
      else
        g_variant_dict_insert (dict, number_options[i].parameter, "t", value);
    }
  for (guint i = 0; i < G_N_ELEMENTS (string_options); i++)
    {
      const char *value = ctl_args_value (args, string_options[i].option);

      if (value)
        g_variant_dict_insert (dict, string_options[i].parameter, "s", value);
    }
  return TRUE;
}

static gboolean
run_migrate (CtlContext *ctx, CtlArgs *args, GError **error)
{
  const char *destination = ctl_args_get (args, 1);
  g_autoptr (CtlJobFollow) follow = ctl_job_follow_new (ctx);
  g_autoptr (VirtbusDomain) domain = NULL;
  g_auto (GVariantDict) dict = G_VARIANT_DICT_INIT (NULL);
  g_autofree char *name = NULL;
  g_autofree char *job = NULL;
  guint flags = 0;

  if (!parameters (args, &dict, &flags, error))
    return FALSE;
  domain = ctl_context_domain (ctx, ctl_args_get (args, 0), error);
  if (!domain)
    return FALSE;
  name = g_strdup (virtbus_domain_get_name (domain));
  if (!virtbus_domain_call_migrate_sync (domain, destination, g_variant_dict_end (&dict), flags,
                                         &job, NULL, error))
    return FALSE;
  if (!ctl_job_follow_run (follow, job, NULL, NULL, NULL, error))
    return FALSE;
  ctl_say (ctx, "Domain '%s' migrated to %s", name, destination);
  return TRUE;
}

const CtlCommand ctl_domain_migrate_commands[] = {
  { "migrate", "Move a running domain to another virtbus, showing its progress",
    (const CtlArg[]){ { "DOMAIN", CTL_ARG_DOMAIN }, { "DESTINATION", CTL_ARG_WORD }, { NULL } },
    (const CtlOption[]){
      { "live", NULL, "live migration (always so; accepted for virsh users)" },
      { "persistent", NULL, "define the domain on the destination too" },
      { "undefinesource", NULL, "undefine it here once it runs there" },
      { "suspend", NULL, "leave it paused on the destination" },
      { "postcopy", NULL, "allow switching to post-copy" },
      { "postcopy-after-precopy", NULL, "switch to post-copy when pre-copy does not converge" },
      { "auto-converge", NULL, "slow the guest's vCPUs down until it converges" },
      { "parallel", NULL, "several connections for the memory (multifd)" },
      { "parallel-connections", "N", "how many, with --parallel" },
      { "bandwidth", "MIB", "at most MIB MiB/s" },
      { "postcopy-bandwidth", "MIB", "at most MIB MiB/s after the switch to post-copy" },
      { "downtime", "MS", "the longest the guest may stop for the switch-over" },
      { "listen-address", "ADDR", "where the destination's QEMU listens" },
      { "destination-host", "ADDR", "the address the source's QEMU connects to" },
      { "tls", NULL, "the stream over TLS with a key made for this migration" },
      { NULL } },
    run_migrate,
    "DESTINATION is the message bus of the other virtbus (a D-Bus address such as\n"
    "unix:path=/run/other/bus), or ssh://[USER@]HOST[:PORT] for the system bus of\n"
    "another host. The progress bar shows what was sent, the rate and the time\n"
    "left; Ctrl-C cancels the migration and the guest goes on running here." },
  { NULL },
};
