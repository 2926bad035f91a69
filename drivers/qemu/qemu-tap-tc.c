/* The tc commands of a tap's <bandwidth> (see qemu-tap-tc.h). tc's units
 * are libvirt's: "kbps" is kilobytes per second, "kb" kilobytes. */
#include "qemu-tap-tc.h"

#include <gio/gio.h>

#include "vb-error.h"

static GStrv
argv_of (const char *first, ...)
{
  GPtrArray *argv = g_ptr_array_new ();
  va_list ap;

  g_ptr_array_add (argv, g_strdup (VB_TC));
  va_start (ap, first);
  for (const char *arg = first; arg; arg = va_arg (ap, const char *))
    g_ptr_array_add (argv, g_strdup (arg));
  va_end (ap);
  g_ptr_array_add (argv, NULL);
  return (GStrv) g_ptr_array_free (argv, FALSE);
}

/* Appends "WORD VALUE<unit>" to @argv when @value is not 0. */
static void
add_value (GPtrArray *argv, const char *word, guint value, const char *unit)
{
  if (!value)
    return;
  g_ptr_array_add (argv, g_strdup (word));
  g_ptr_array_add (argv, g_strdup_printf ("%u%s", value, unit));
}

static GStrv
finish (GPtrArray *argv)
{
  g_ptr_array_add (argv, NULL);
  return (GStrv) g_ptr_array_free (argv, FALSE);
}

static GPtrArray *
start (const char *const *words)
{
  GPtrArray *argv = g_ptr_array_new ();

  g_ptr_array_add (argv, g_strdup (VB_TC));
  for (guint i = 0; words[i]; i++)
    g_ptr_array_add (argv, g_strdup (words[i]));
  return argv;
}

GPtrArray *
vb_qemu_tc_argvs (const VbQemuTap *tap)
{
  GPtrArray *argvs = g_ptr_array_new_with_free_func ((GDestroyNotify) g_strfreev);
  const char *dev = tap->ifname;

  if (tap->in_average)
    {
      const char *class_words[] = { "class", "add",     "dev", dev,   "parent",
                                    "1:",    "classid", "1:1", "htb", NULL };
      GPtrArray *class = start (class_words);

      /* Everything unclassified goes to class 1:1, which has the limits. */
      g_ptr_array_add (argvs, argv_of ("qdisc", "add", "dev", dev, "root", "handle", "1:", "htb",
                                       "default", "1", NULL));
      add_value (class, "rate", tap->in_average, "kbps");
      add_value (class, "ceil", tap->in_peak, "kbps");
      add_value (class, "burst", tap->in_burst, "kb");
      /* The class keeps htb's own FIFO under it: libvirt adds sfq there,
       * for fairness between flows, which not every kernel has (and which
       * no limit depends on). */
      g_ptr_array_add (argvs, finish (class));
    }
  if (tap->out_average)
    {
      const char *filter_words[] = { "filter", "add",      "dev", dev,      "parent",
                                     "ffff:",  "protocol", "all", "u32",    "match",
                                     "u32",    "0",        "0",   "police", NULL };
      GPtrArray *filter = start (filter_words);

      g_ptr_array_add (argvs, argv_of ("qdisc", "add", "dev", dev, "ingress", NULL));
      add_value (filter, "rate", tap->out_average, "kbps");
      /* A policer needs a bucket: without a burst, a second's worth (at
       * most what tc takes, 4 GiB less one kilobyte). */
      add_value (filter, "burst",
                 tap->out_burst ? tap->out_burst : MIN (tap->out_average, G_MAXUINT32 / 1024),
                 "kb");
      add_value (filter, "peakrate", tap->out_peak, "kbps");
      /* The largest packet a tap can take (and peakrate needs one). */
      add_value (filter, "mtu", 64, "kb");
      g_ptr_array_add (filter, g_strdup ("drop"));
      g_ptr_array_add (filter, g_strdup ("flowid"));
      g_ptr_array_add (filter, g_strdup (":1"));
      g_ptr_array_add (argvs, finish (filter));
    }
  return argvs;
}

gboolean
vb_qemu_tc_wanted (const VbQemuCommand *command)
{
  for (guint i = 0; i < command->taps->len; i++)
    {
      const VbQemuTap *tap = command->taps->pdata[i];

      if (tap->in_average || tap->out_average)
        return TRUE;
    }
  return FALSE;
}

typedef struct {
  GPtrArray *argvs; /* GStrv */
  guint next;
} Apply;

static void
apply_free (Apply *apply)
{
  g_ptr_array_unref (apply->argvs);
  g_free (apply);
}

static void run_next (GTask *task);

static void
ran (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  Apply *apply = g_task_get_task_data (task);
  g_autofree char *err = NULL;
  GError *error = NULL;

  if (!g_subprocess_communicate_utf8_finish (G_SUBPROCESS (source), result, NULL, &err, &error))
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }
  if (!g_subprocess_get_successful (G_SUBPROCESS (source)))
    {
      char **argv = apply->argvs->pdata[apply->next - 1];
      /* argv[4] is the tap: "tc qdisc|class|filter add dev TAP …"; the
       * ingress qdisc and its filter are <outbound>'s. */
      gboolean outbound = g_str_equal (argv[1], "filter") || g_str_equal (argv[5], "ingress");

      g_task_return_new_error (task, VB_ERROR, VB_ERROR_NOT_SUPPORTED,
                               "<bandwidth><%s>: tc %s add on tap %s failed (%s): %s",
                               outbound ? "outbound" : "inbound", argv[1], argv[4],
                               outbound ? "limits of what a guest sends need the kernel's ingress "
                                          "qdisc, u32 classifier and police action"
                                        : "limits of what a guest receives need the kernel's htb "
                                          "qdisc",
                               err && *err ? g_strstrip (err) : "no message");
      g_object_unref (task);
      return;
    }
  run_next (task);
}

static void
run_next (GTask *task)
{
  Apply *apply = g_task_get_task_data (task);
  g_autoptr (GSubprocess) process = NULL;
  GError *error = NULL;

  if (apply->next == apply->argvs->len)
    {
      g_task_return_boolean (task, TRUE);
      g_object_unref (task);
      return;
    }
  process =
    g_subprocess_newv ((const char *const *) apply->argvs->pdata[apply->next++],
                       G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_PIPE, &error);
  if (!process)
    {
      g_task_return_new_error (task, VB_ERROR, VB_ERROR_NOT_SUPPORTED,
                               "<bandwidth>: cannot run " VB_TC ": %s", error->message);
      g_error_free (error);
      g_object_unref (task);
      return;
    }
  g_subprocess_communicate_utf8_async (process, NULL, NULL, ran, task);
}

void
vb_qemu_tc_apply_async (const VbQemuCommand *command, GAsyncReadyCallback callback,
                        gpointer user_data)
{
  GTask *task = g_task_new (NULL, NULL, callback, user_data);
  Apply *apply = g_new0 (Apply, 1);

  g_task_set_source_tag (task, vb_qemu_tc_apply_async);
  apply->argvs = g_ptr_array_new_with_free_func ((GDestroyNotify) g_strfreev);
  for (guint i = 0; i < command->taps->len; i++)
    {
      g_autoptr (GPtrArray) argvs = vb_qemu_tc_argvs (command->taps->pdata[i]);

      for (guint j = 0; j < argvs->len; j++)
        g_ptr_array_add (apply->argvs, g_steal_pointer (&argvs->pdata[j]));
    }
  g_task_set_task_data (task, apply, (GDestroyNotify) apply_free);
  run_next (task);
}

gboolean
vb_qemu_tc_apply_finish (GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == vb_qemu_tc_apply_async, FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}
