/* blockcopy: Domain.BlockCopy, then, as virsh does with --wait, the copy
 * followed until both sides are in sync, and --pivot (switch the guest to
 * the copy) or --finish (end it, keeping the original) there. */
#include "ctl-command.h"
#include "ctl-error.h"
#include "ctl-job-follow.h"
#include "ctl-number.h"
#include "ctl-output.h"

/* Domain.BlockCopy's flags. */
#define COPY_SHALLOW (1u << 0)
#define COPY_REUSE_EXT (1u << 1)

typedef enum {
  AT_READY_STOP,
  AT_READY_PIVOT,
  AT_READY_FINISH,
} AtReady;

typedef struct {
  AtReady at_ready;
  gboolean asked; /* Pivot() or Cancel() sent */
} Ready;

static CtlFollowAction
on_change (VirtbusJob *job, gpointer data, GError **error)
{
  Ready *ready = data;

  if (g_strcmp0 (virtbus_job_get_phase (job), "ready") != 0 || ready->asked)
    return CTL_FOLLOW_GO_ON;
  switch (ready->at_ready)
    {
    case AT_READY_STOP:
      return CTL_FOLLOW_STOP;
    case AT_READY_PIVOT:
      ready->asked = TRUE;
      return virtbus_job_call_pivot_sync (job, NULL, error) ? CTL_FOLLOW_GO_ON : CTL_FOLLOW_FAIL;
    case AT_READY_FINISH:
      ready->asked = TRUE;
      return virtbus_job_call_cancel_sync (job, NULL, error) ? CTL_FOLLOW_GO_ON : CTL_FOLLOW_FAIL;
    }
  return CTL_FOLLOW_GO_ON;
}

static char *
destination_xml (const char *path, const char *format)
{
  g_autofree char *file = g_markup_escape_text (path, -1);
  g_autofree char *type = format ? g_markup_escape_text (format, -1) : NULL;

  if (type)
    return g_strdup_printf ("<disk type='file'><source file='%s'/><driver type='%s'/></disk>", file,
                            type);
  return g_strdup_printf ("<disk type='file'><source file='%s'/></disk>", file);
}

static gboolean
copy_parameters (CtlArgs *args, GVariantDict *dict, GError **error)
{
  guint64 bandwidth = G_MAXUINT64;
  guint64 granularity = G_MAXUINT64;
  const char *buf_size = ctl_args_value (args, "buf-size");

  /* virsh's --bandwidth is MiB/s; BlockCopy's bytes/s. */
  if (!ctl_option_number (args, "bandwidth", G_MAXUINT64 >> 20, &bandwidth, error)
      || !ctl_option_number (args, "granularity", G_MAXUINT32, &granularity, error))
    return FALSE;
  if (bandwidth != G_MAXUINT64)
    g_variant_dict_insert (dict, "bandwidth", "t", bandwidth << 20);
  if (granularity != G_MAXUINT64)
    g_variant_dict_insert (dict, "granularity", "u", (guint32) granularity);
  if (buf_size)
    {
      guint64 bytes;

      if (!ctl_parse_bytes ("--buf-size", buf_size, &bytes, error))
        return FALSE;
      g_variant_dict_insert (dict, "buf-size", "t", bytes);
    }
  return TRUE;
}

static gboolean
run_blockcopy (CtlContext *ctx, CtlArgs *args, GError **error)
{
  const char *disk = ctl_args_get (args, 1);
  g_autofree char *dest = g_canonicalize_filename (ctl_args_get (args, 2), NULL);
  g_autofree char *xml = destination_xml (dest, ctl_args_value (args, "format"));
  g_autoptr (CtlJobFollow) follow = ctl_job_follow_new (ctx);
  g_autoptr (VirtbusDomain) domain = NULL;
  g_auto (GVariantDict) dict = G_VARIANT_DICT_INIT (NULL);
  g_autofree char *job = NULL;
  g_autoptr (GError) local = NULL;
  Ready ready = { AT_READY_STOP };
  guint flags = 0;

  if (ctl_args_flag (args, "pivot") && ctl_args_flag (args, "finish"))
    {
      g_set_error_literal (error, CTL_ERROR, CTL_ERROR_USAGE,
                           "--pivot and --finish exclude each other");
      return FALSE;
    }
  if (ctl_args_flag (args, "pivot"))
    ready.at_ready = AT_READY_PIVOT;
  else if (ctl_args_flag (args, "finish"))
    ready.at_ready = AT_READY_FINISH;
  if (ctl_args_flag (args, "shallow"))
    flags |= COPY_SHALLOW;
  if (ctl_args_flag (args, "reuse-external"))
    flags |= COPY_REUSE_EXT;
  if (!copy_parameters (args, &dict, error))
    return FALSE;
  domain = ctl_context_domain (ctx, ctl_args_get (args, 0), error);
  if (!domain)
    return FALSE;
  if (!virtbus_domain_call_block_copy_sync (domain, disk, xml, g_variant_dict_end (&dict), flags,
                                            &job, NULL, error))
    return FALSE;
  if (!ctl_args_flag (args, "wait") && ready.at_ready == AT_READY_STOP)
    {
      ctl_say (ctx, "Block copy started: job %s", job);
      if (ctx->json)
        {
          g_autoptr (VirtbusObject) object = ctl_context_wait_object (ctx, job, error);

          if (!object)
            return FALSE;
          ctl_print_json (ctl_job_to_json (virtbus_object_peek_job (object)));
        }
      return TRUE;
    }
  if (!ctl_job_follow_run (follow, job, NULL, on_change, &ready, &local))
    {
      /* --finish ends the copy by cancelling it: that is its success. */
      if (ready.at_ready == AT_READY_FINISH && ready.asked
          && g_error_matches (local, G_IO_ERROR, G_IO_ERROR_CANCELLED)
          && !ctl_job_follow_interrupted (follow))
        {
          ctl_say (ctx, "Successfully copied; the domain keeps its disk %s", disk);
          return TRUE;
        }
      g_propagate_error (error, g_steal_pointer (&local));
      return FALSE;
    }
  if (ready.at_ready == AT_READY_PIVOT)
    ctl_say (ctx, "Successfully pivoted: the domain's %s is now %s", disk, dest);
  else
    ctl_say (ctx, "Now in mirroring phase (job %s): 'virtbusctl job-cancel' ends it", job);
  return TRUE;
}

const CtlCommand ctl_domain_blockcopy_commands[] = {
  { "blockcopy", "Copy a running domain's disk to a file, then maybe switch to it",
    (const CtlArg[]){
      { "DOMAIN", CTL_ARG_DOMAIN }, { "DISK", CTL_ARG_WORD }, { "DEST", CTL_ARG_FILE }, { NULL } },
    (const CtlOption[]){
      { "format", "FORMAT", "raw (the default) or qcow2" },
      { "wait", NULL, "follow the copy until both sides are in sync" },
      { "pivot", NULL, "then switch the guest to the copy (implies --wait)" },
      { "finish", NULL, "then end the copy, keeping the original (implies --wait)" },
      { "shallow", NULL, "only the top image" },
      { "reuse-external", NULL, "DEST exists: use it as it is" },
      { "bandwidth", "MIB", "at most MIB MiB/s" },
      { "granularity", "BYTES", "the dirty bitmap's granularity" },
      { "buf-size", "SIZE", "the copy's buffer" },
      { NULL } },
    run_blockcopy,
    "DISK is the disk's target (vda) or its source file. Without --wait the copy\n"
    "starts and the command returns; 'virtbusctl job-watch' follows it. With --wait\n"
    "a progress bar shows the copy until it is ready; Ctrl-C cancels it." },
  { NULL },
};
