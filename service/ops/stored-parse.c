#include "stored-parse.h"

#include "config-store.h"
#include "vb-parallel.h"

/* Below this many files a thread costs more than it saves. */
#define FILES_PER_THREAD 64

typedef struct {
  const VbResourceKind *kind;
  GPtrArray *configs;
  VbStoredParse *parsed;
} ParseWork;

/* The parsers share nothing but libxml2's process-wide state, set up by
 * main() before any thread (see init_before_threads()). */
static void
parse_one (guint i, gpointer user_data)
{
  ParseWork *work = user_data;
  VbStoredConfig *config = work->configs->pdata[i];

  work->parsed[i].def = work->kind->parse (config->xml, &work->parsed[i].error);
}

VbStoredParse *
vb_stored_parse_all (const VbResourceKind *kind, GPtrArray *configs)
{
  ParseWork work = { kind, configs, g_new0 (VbStoredParse, MAX (configs->len, 1)) };

  vb_parallel_for (configs->len, FILES_PER_THREAD, parse_one, &work);
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
