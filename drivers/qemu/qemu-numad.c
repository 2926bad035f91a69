/* numad's advice for placement='auto' (see qemu-numad.h). */
#include "qemu-numad.h"

#include "vb-cpuset.h"
#include "vb-error.h"
#include "xml-schema.h"

/* The element that asks numad: <vcpu placement='auto'>, else the
 * <numatune><memory> whose placement is auto. */
static xmlNode *
asking_element (xmlNode *root)
{
  xmlNode *vcpu = vb_xml_child (root, "vcpu");
  xmlNode *memory = vb_xml_child (vb_xml_child (root, "numatune"), "memory");

  if (vb_xml_attr_is (vcpu, "placement", "auto"))
    return vcpu;
  if (vb_xml_attr_is (memory, "placement", "auto"))
    return memory;
  return NULL;
}

gboolean
vb_qemu_numad_wanted (const VbDomainDef *def)
{
  g_autoptr (xmlDoc) doc = vb_xml_parse (def->xml, "domain", NULL);

  return doc && asking_element (xmlDocGetRootElement (doc)) != NULL;
}

typedef struct {
  char *what; /* "<vcpu> at line 6", for messages */
} Advice;

static void
advice_free (Advice *advice)
{
  g_free (advice->what);
  g_free (advice);
}

static void
numad_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  Advice *advice = g_task_get_task_data (task);
  g_autofree char *out = NULL;
  g_autofree char *problem = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GArray) nodes = NULL;

  if (!g_subprocess_communicate_utf8_finish (G_SUBPROCESS (source), result, &out, NULL, &error))
    {
      g_task_return_new_error (task, VB_ERROR, VB_ERROR_NOT_SUPPORTED, "%s: numad failed: %s",
                               advice->what, error->message);
      return;
    }
  g_strstrip (out);
  /* A node list, nothing else: it goes into QEMU's host-nodes. */
  nodes =
    g_subprocess_get_successful (G_SUBPROCESS (source)) ? vb_cpuset_parse (out, &problem) : NULL;
  if (!nodes || nodes->len == 0)
    {
      g_task_return_new_error (task, VB_ERROR, VB_ERROR_NOT_SUPPORTED,
                               "%s: numad gave no NUMA node advice ('%s')", advice->what, out);
      return;
    }
  g_task_return_pointer (task, vb_cpuset_format (nodes), g_free);
}

void
vb_qemu_numad_advice_async (const VbDomainDef *def, GCancellable *cancellable,
                            GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr (GTask) task = g_task_new (NULL, cancellable, callback, user_data);
  g_autoptr (xmlDoc) doc = vb_xml_parse (def->xml, "domain", NULL);
  xmlNode *asking = doc ? asking_element (xmlDocGetRootElement (doc)) : NULL;
  Advice *advice = g_new0 (Advice, 1);
  g_autofree char *request = NULL;
  g_autoptr (GSubprocess) numad = NULL;
  g_autoptr (GError) error = NULL;

  g_task_set_source_tag (task, vb_qemu_numad_advice_async);
  g_task_set_task_data (task, advice, (GDestroyNotify) advice_free);
  advice->what = asking ? g_strdup_printf ("<%s> at line %ld", (const char *) asking->name,
                                           xmlGetLineNo (asking))
                        : g_strdup ("placement='auto'");
  if (!g_file_test (VB_QEMU_NUMAD, G_FILE_TEST_IS_EXECUTABLE))
    {
      g_task_return_new_error (task, VB_ERROR, VB_ERROR_NOT_SUPPORTED,
                               "%s: placement='auto' needs numad (" VB_QEMU_NUMAD
                               "), which this host does not have (Debian package numad)",
                               advice->what);
      return;
    }
  /* Only numbers of the definition go on numad's command line. */
  request =
    g_strdup_printf ("%u:%" G_GUINT64_FORMAT, MAX (def->vcpus, 1), MAX (def->memory_kib / 1024, 1));
  numad = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_SILENCE,
                            &error, VB_QEMU_NUMAD, "-w", request, NULL);
  if (!numad)
    {
      g_task_return_new_error (task, VB_ERROR, VB_ERROR_NOT_SUPPORTED, "%s: numad failed: %s",
                               advice->what, error->message);
      return;
    }
  g_subprocess_communicate_utf8_async (numad, NULL, cancellable, numad_done,
                                       g_steal_pointer (&task));
}

char *
vb_qemu_numad_advice_finish (GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == vb_qemu_numad_advice_async,
                        NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

char *
vb_qemu_numad_cpus_of (const char *nodes)
{
  g_autoptr (GArray) set = vb_cpuset_parse (nodes, NULL);
  g_autofree gboolean *has = g_new0 (gboolean, VB_CPUSET_MAX);
  g_autoptr (GArray) cpus = g_array_new (FALSE, FALSE, sizeof (guint));

  for (guint i = 0; set && i < set->len; i++)
    {
      g_autofree char *path =
        g_strdup_printf ("/sys/devices/system/node/node%u/cpulist", g_array_index (set, guint, i));
      g_autofree char *text = NULL;
      g_autoptr (GArray) some = NULL;

      if (!g_file_get_contents (path, &text, NULL, NULL))
        return NULL;
      some = vb_cpuset_parse (g_strstrip (text), NULL);
      for (guint j = 0; some && j < some->len; j++)
        has[g_array_index (some, guint, j)] = TRUE;
    }
  for (guint cpu = 0; cpu < VB_CPUSET_MAX; cpu++)
    if (has[cpu])
      g_array_append_val (cpus, cpu);
  return cpus->len ? vb_cpuset_format (cpus) : NULL;
}
