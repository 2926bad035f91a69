#include "stored-parse.h"

#include "config-store.h"

/* Below this many files a thread costs more than it saves. */
#define FILES_PER_THREAD 64
#define MAX_THREADS 8

typedef struct {
  const VbResourceKind *kind;
  GPtrArray *configs;
  VbStoredParse *parsed;
  gint next; /* the next index to take, atomically */
} ParseWork;

static gpointer
parse_some (gpointer user_data)
{
  ParseWork *work = user_data;
  guint i;

  /* Each takes the next file until none is left: files differ in size. The
   * parsers share nothing but libxml2's process-wide state, set up by
   * main() before any thread (see init_before_threads()). */
  while ((i = (guint) g_atomic_int_add (&work->next, 1)) < work->configs->len)
    {
      VbStoredConfig *config = work->configs->pdata[i];

      work->parsed[i].def = work->kind->parse (config->xml, &work->parsed[i].error);
    }
  return NULL;
}

VbStoredParse *
vb_stored_parse_all (const VbResourceKind *kind, GPtrArray *configs)
{
  ParseWork work = { kind, configs, g_new0 (VbStoredParse, MAX (configs->len, 1)), 0 };
  guint threads = MIN (MIN ((guint) g_get_num_processors (), MAX_THREADS),
                       configs->len / FILES_PER_THREAD);
  g_autoptr (GPtrArray) helpers = g_ptr_array_new ();

  /* The main thread parses too: threads - 1 helpers. */
  for (guint t = 1; t < threads; t++)
    {
      GThread *thread = g_thread_try_new ("vb-load-parse", parse_some, &work, NULL);

      if (!thread)
        break; /* the others, or the main thread alone, do its part */
      g_ptr_array_add (helpers, thread);
    }
  parse_some (&work);
  for (guint t = 0; t < helpers->len; t++)
    g_thread_join (helpers->pdata[t]);
  return work.parsed;
}

void
vb_stored_parse_free (const VbResourceKind *kind, VbStoredParse *parsed, guint n)
{
  for (guint i = 0; i < n; i++)
    {
      if (parsed[i].def)
        kind->free_def (parsed[i].def);
      g_clear_error (&parsed[i].error);
    }
  g_free (parsed);
}
