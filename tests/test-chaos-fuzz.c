/* A fuzzer of the XML the service reads: real documents (tests/xml,
 * docs/examples, and their <disk> and <interface> elements) mutated at
 * random and handed to DefineDomain, DefineNetwork, DefineStoragePool,
 * CreateVolume, AttachDevice and CreateSnapshot. Every call gets an
 * answer, a success or one of the service's own errors; the service stays
 * up; and what it accepted is still there, unchanged, after a kill -9. */
#include "vb-chaos.h"
#include "vb-test-env.h"

#define CALL_TIMEOUT_MS 10000
#define MAX_DOCUMENTS 8000
#define MAX_SAMPLES 150
#define POOL_UUID "f0220000-0000-4000-8000-000000000001"

typedef struct {
  char *root; /* domain, network, pool, volume */
  char *text;
} Seed;

typedef struct {
  char *path;
  const char *interface;
  guint inactive_flag;
  char *xml; /* the persistent XML read before the kill */
} Sample;

typedef struct {
  VbTestEnv *env;
  GRand *rand;
  GPtrArray *seeds;
  char *pool;           /* a started test pool for CreateVolume */
  GHashTable *accepted; /* path → its GetXMLDesc interface (domains, networks, pools) */
  GPtrArray *samples;
  guint documents, refused, failures, restarts;
  char *domain;        /* a test domain for AttachDevice and CreateSnapshot */
  guint by_root_accepted[6];
} Fuzz;

static const char *const roots[] = { "domain", "network", "pool",
                                     "volume", "device",  "domainsnapshot" };

/* Snapshot documents: no file in the tree has one. */
static const char *const snapshot_seeds[] = {
  "<domainsnapshot>\n  <name>s</name>\n  <description>before the upgrade</description>\n"
  "</domainsnapshot>\n",
  "<domainsnapshot>\n  <name>s</name>\n  <memory snapshot='internal'/>\n  <disks>\n"
  "    <disk name='vda' snapshot='internal'/>\n  </disks>\n</domainsnapshot>\n",
};

static void
failure (Fuzz *fuzz, const char *what, const char *document)
{
  fuzz->failures++;
  g_printerr ("chaos-fuzz FAILURE: %s\n--- document (%zu bytes, first 2000 shown):\n%.2000s\n---\n",
              what, strlen (document), document);
}

/* The <disk> and <interface> elements of a domain, for AttachDevice. */
static void
add_device_seeds (Fuzz *fuzz, const char *domain)
{
  g_autoptr (GRegex) device =
    g_regex_new ("<(disk|interface)\\b.*?</\\1>", G_REGEX_DOTALL, 0, NULL);
  g_autoptr (GMatchInfo) match = NULL;

  g_regex_match (device, domain, 0, &match);
  while (g_match_info_matches (match))
    {
      Seed *seed = g_new0 (Seed, 1);
      g_autofree char *text = g_match_info_fetch (match, 0);

      seed->root = g_strdup ("device");
      seed->text = g_strconcat (text, "\n", NULL);
      g_ptr_array_add (fuzz->seeds, seed);
      g_match_info_next (match, NULL);
    }
}

static void
load_seeds_from (Fuzz *fuzz, const char *dir)
{
  g_autoptr (GDir) listing = g_dir_open (dir, 0, NULL);
  const char *entry;

  g_assert_nonnull (listing);
  while ((entry = g_dir_read_name (listing)))
    {
      g_autofree char *path = g_build_filename (dir, entry, NULL);
      g_autofree char *text = NULL;

      if (!g_str_has_suffix (entry, ".xml") || !g_file_get_contents (path, &text, NULL, NULL))
        continue;
      for (guint r = 0; r < G_N_ELEMENTS (roots); r++)
        {
          g_autofree char *open = g_strdup_printf ("<%s", roots[r]);
          const char *start = strstr (text, open);

          if (start && (start == text || start[-1] == '\n'))
            {
              Seed *seed = g_new0 (Seed, 1);
              seed->root = g_strdup (roots[r]);
              seed->text = g_strdup (start);
              g_ptr_array_add (fuzz->seeds, seed);
              if (r == 0)
                add_device_seeds (fuzz, start);
              break;
            }
        }
    }
}

static void
seed_free (Seed *seed)
{
  g_free (seed->root);
  g_free (seed->text);
  g_free (seed);
}

static void
sample_free (Sample *sample)
{
  g_free (sample->path);
  g_free (sample->xml);
  g_free (sample);
}

/* Replaces the text of the first <@element> of @doc. */
static void
set_element (GString *doc, const char *element, const char *text)
{
  g_autofree char *pattern = g_strdup_printf ("<%s>[^<]*</%s>", element, element);
  g_autofree char *replacement = g_strdup_printf ("<%s>%s</%s>", element, text, element);
  g_autoptr (GRegex) regex = g_regex_new (pattern, 0, 0, NULL);
  g_autofree char *done = NULL;

  /* A literal replacement: the text is ours, with no backslashes. */
  done = g_regex_replace_literal (regex, doc->str, -1, 0, replacement, 0, NULL);
  if (done)
    g_string_assign (doc, done);
}

static const char *const huge_numbers[] = {
  "9223372036854775808",
  "18446744073709551616",
  "18446744073709551615",
  "-1",
  "1e400",
  "0",
  "4294967296",
  "4294967295",
  "-0",
  "00000000000000000000000000000001",
  "+7",
  " 12 ",
  "0x10",
  "1.5",
  "99999999999999999999999999999999999",
  "9223372036854775807",
  "17179869184",
};

static const char *const units[] = {
  "KiB",  "k",    "K",   "EiB", "E",  "EB",   "PB",  "bytes", "b",
  "B",    "",     "kib", "KIB", "iB", "Ki B", "ZiB", "YiB",   "exabytes",
  "MiB ", " MiB", "Mi",  "mb",  "T",  "TiB",  "GB",  "KiB\t",
};

static const char *const oddities[] = {
  "\x01",
  "\x1f",
  "\t",
  "\r",
  "\n",
  "\x7f",
  "\xc2\x85" /* U+0085 */,
  "\xe2\x80\x8f" /* RLM */,
  "\xe2\x80\xae" /* RLO */,
  "\xef\xbb\xbf" /* BOM */,
  "\xef\xbf\xbf" /* U+FFFF */,
  "\xf4\x8f\xbf\xbf" /* U+10FFFF */,
  "\xe2\x80\xa8" /* LS */,
  "&#0;",
  "&#1;",
  "&#x85;",
  "&#xD800;",
  "&#x110000;",
  "&amp;",
  "&lt;",
  "&quot;",
  "&unknown;",
  "<![CDATA[x]]>",
  "<!-- c -->",
  "<?pi x?>",
  "]]>",
  "'",
  "\"",
  "/",
  "..",
  "%n%s",
};

/* A random position of the document at a line start. */
static gsize
random_line_start (Fuzz *fuzz, GString *doc)
{
  gsize at = doc->len > 0 ? g_rand_int_range (fuzz->rand, 0, doc->len) : 0;

  while (at > 0 && doc->str[at - 1] != '\n')
    at--;
  return at;
}

static gsize
line_end (GString *doc, gsize start)
{
  const char *nl = strchr (doc->str + start, '\n');

  return nl ? (gsize) (nl - doc->str) + 1 : doc->len;
}

/* Finds a random match of @pattern in @doc: its start and length. */
static gboolean
random_match (Fuzz *fuzz, GString *doc, const char *pattern, gsize *start, gsize *len)
{
  g_autoptr (GRegex) regex = g_regex_new (pattern, 0, 0, NULL);
  g_autoptr (GMatchInfo) match = NULL;
  g_autoptr (GArray) found = g_array_new (FALSE, FALSE, sizeof (gint) * 2);

  g_regex_match (regex, doc->str, 0, &match);
  while (g_match_info_matches (match))
    {
      gint pos[2];
      g_match_info_fetch_pos (match, 0, &pos[0], &pos[1]);
      g_array_append_vals (found, pos, 1);
      g_match_info_next (match, NULL);
    }
  if (found->len == 0)
    return FALSE;
  {
    gint *pos = &((gint *) found->data)[2 * g_rand_int_range (fuzz->rand, 0, found->len)];
    *start = pos[0];
    *len = pos[1] - pos[0];
  }
  return TRUE;
}

static void
mutate (Fuzz *fuzz, GString *doc)
{
  gsize start, len;

  switch (g_rand_int_range (fuzz->rand, 0, 14))
    {
    case 0: /* byte flips */
      for (guint i = g_rand_int_range (fuzz->rand, 1, 4); i > 0 && doc->len > 0; i--)
        doc->str[g_rand_int_range (fuzz->rand, 0, doc->len)] ^=
          1 << g_rand_int_range (fuzz->rand, 0, 8);
      break;
    case 1: /* an element (a line) twice */
      start = random_line_start (fuzz, doc);
      len = line_end (doc, start) - start;
      {
        g_autofree char *line = g_strndup (doc->str + start, len);
        g_string_insert (doc, start, line);
      }
      break;
    case 2: /* an element (a line) gone */
      start = random_line_start (fuzz, doc);
      g_string_erase (doc, start, line_end (doc, start) - start);
      break;
    case 3: /* an attribute twice, or gone */
      if (random_match (fuzz, doc, " [a-zA-Z_:]+='[^']*'", &start, &len))
        {
          if (g_rand_boolean (fuzz->rand))
            {
              g_autofree char *attr = g_strndup (doc->str + start, len);
              g_string_insert (doc, start, attr);
            }
          else
            g_string_erase (doc, start, len);
        }
      break;
    case 4: /* a number made huge or odd */
      if (random_match (fuzz, doc, "[0-9]+", &start, &len))
        {
          g_string_erase (doc, start, len);
          g_string_insert (
            doc, start,
            huge_numbers[g_rand_int_range (fuzz->rand, 0, G_N_ELEMENTS (huge_numbers))]);
        }
      break;
    case 5: /* unit games */
      if (random_match (fuzz, doc, "unit='[^']*'", &start, &len))
        {
          g_autofree char *unit =
            g_strdup_printf ("unit='%s'",
                             units[g_rand_int_range (fuzz->rand, 0, G_N_ELEMENTS (units))]);
          g_string_erase (doc, start, len);
          g_string_insert (doc, start, unit);
        }
      else if (random_match (fuzz, doc, "<(memory|capacity|allocation)>", &start, &len))
        g_string_insert (doc, start + len - 1, " unit='EiB'");
      break;
    case 6: /* unicode and markup oddities inside text or a value */
      if (random_match (fuzz, doc, g_rand_boolean (fuzz->rand) ? ">[^<\n]+<" : "='[^']*'", &start,
                        &len))
        g_string_insert (doc, start + 1 + g_rand_int_range (fuzz->rand, 0, MAX (len - 2, 1)),
                         oddities[g_rand_int_range (fuzz->rand, 0, G_N_ELEMENTS (oddities))]);
      break;
    case 7: /* deep nesting, in <metadata> (kept verbatim) or anywhere */
      {
        guint depth = g_rand_int_range (fuzz->rand, 10, g_rand_boolean (fuzz->rand) ? 300 : 20000);
        GString *nest = g_string_new (g_rand_boolean (fuzz->rand) ? "<metadata>" : "");
        gboolean meta = nest->len > 0;

        for (guint i = 0; i < depth; i++)
          g_string_append (nest, meta ? "<x:a xmlns:x='urn:x'>" : "<a>");
        for (guint i = 0; i < depth; i++)
          g_string_append (nest, meta ? "</x:a>" : "</a>");
        if (meta)
          g_string_append (nest, "</metadata>\n");
        start = line_end (doc, 0);
        g_string_insert (doc, start, nest->str);
        g_string_free (nest, TRUE);
      }
      break;
    case 8: /* long names, some cut inside a multi-byte character's worth */
      {
        guint n = g_rand_int_range (fuzz->rand, 60, 260);
        GString *name = g_string_new (NULL);
        gboolean wide = g_rand_boolean (fuzz->rand);

        for (guint i = 0; i < n; i++)
          g_string_append (name, wide ? "\xe2\x82\xac" : "n");
        set_element (doc, "name", name->str);
        g_string_free (name, TRUE);
      }
      break;
    case 9: /* many attributes on one element */
      if (random_match (fuzz, doc, g_rand_boolean (fuzz->rand) ? "<metadata" : "<[a-z]+", &start,
                        &len))
        {
          GString *attrs = g_string_new (NULL);
          guint n = g_rand_int_range (fuzz->rand, 100, 4000);

          for (guint i = 0; i < n; i++)
            g_string_append_printf (attrs, " a%u='%u'", i, i);
          g_string_insert (doc, start + len, attrs->str);
          g_string_free (attrs, TRUE);
        }
      break;
    case 10: /* truncated */
      g_string_truncate (doc, g_rand_int_range (fuzz->rand, 0, doc->len + 1));
      break;
    case 11: /* declarations and DOCTYPEs in front */
      {
        static const char *const heads[] = {
          "<?xml version='1.0'?>\n",
          "<?xml version='1.0' encoding='latin1'?>\n",
          "<!DOCTYPE domain [<!ENTITY e 'x'>]>\n",
          "\xef\xbb\xbf",
          "<!-- x -->\n",
          " \n\n",
          "<?xml version='1.1'?>\n",
        };
        g_string_prepend (doc, heads[g_rand_int_range (fuzz->rand, 0, G_N_ELEMENTS (heads))]);
      }
      break;
    case 12: /* two lines swapped */
      {
        gsize a = random_line_start (fuzz, doc);
        g_autofree char *line = g_strndup (doc->str + a, line_end (doc, a) - a);
        g_string_erase (doc, a, strlen (line));
        g_string_insert (doc, random_line_start (fuzz, doc), line);
      }
      break;
    case 13: /* a value as a child element, an element as a value */
      if (random_match (fuzz, doc, "<[a-z]+>[^<]*</[a-z]+>", &start, &len))
        {
          g_string_insert (doc, start + len,
                           "<name>x</name><uuid>00000000-0000-0000-0000-000000000000</uuid>");
        }
      break;
    }
}

/* What D-Bus can carry: valid UTF-8 without NUL. */
static char *
sendable (GString *doc)
{
  for (gsize i = 0; i < doc->len; i++)
    if (doc->str[i] == '\0')
      doc->str[i] = ' ';
  return g_utf8_make_valid (doc->str, doc->len);
}

static char *
make_document (Fuzz *fuzz, const Seed *seed, guint n)
{
  g_autoptr (GString) doc = g_string_new (seed->text);
  g_autofree char *name = g_strdup_printf ("%s-fz%u", seed->root, n);
  guint mutations = g_rand_int_range (fuzz->rand, 0, 4);

  /* Fresh names and UUIDs, so the seeds do not clash with what was accepted. */
  set_element (doc, "name", name);
  if (g_rand_boolean (fuzz->rand))
    {
      g_autofree char *uuid = g_uuid_string_random ();
      set_element (doc, "uuid", uuid);
    }
  else
    {
      g_autoptr (GRegex) uuid = g_regex_new ("[ ]*<uuid>[^<]*</uuid>\n", 0, 0, NULL);
      g_autofree char *without = g_regex_replace_literal (uuid, doc->str, -1, 0, "", 0, NULL);
      g_string_assign (doc, without);
    }
  {
    g_autoptr (GRegex) bridge = g_regex_new ("name='virbr[0-9]+'", 0, 0, NULL);
    g_autofree char *own = g_strdup_printf ("name='vbfz%u'", n);
    g_autofree char *renamed = g_regex_replace_literal (bridge, doc->str, -1, 0, own, 0, NULL);
    g_string_assign (doc, renamed);
  }
  for (guint i = 0; i < mutations; i++)
    mutate (fuzz, doc);
  return sendable (doc);
}

static void
restart_daemon (Fuzz *fuzz)
{
  vb_test_env_stop_daemon (fuzz->env, TRUE);
  vb_test_env_start_daemon (fuzz->env, NULL);
  fuzz->restarts++;
}

static const char *
method_of (const char *root)
{
  if (g_str_equal (root, "domain"))
    return "DefineDomain";
  if (g_str_equal (root, "network"))
    return "DefineNetwork";
  if (g_str_equal (root, "pool"))
    return "DefineStoragePool";
  if (g_str_equal (root, "device"))
    return "AttachDevice";
  if (g_str_equal (root, "domainsnapshot"))
    return "CreateSnapshot";
  return "CreateVolume";
}

static const char *
interface_of (const char *root)
{
  if (g_str_equal (root, "domain"))
    return IFACE_DOMAIN;
  if (g_str_equal (root, "network"))
    return IFACE_NETWORK;
  return IFACE_POOL;
}

static void
try_document (Fuzz *fuzz, const Seed *seed, const char *doc)
{
  gboolean volume = g_str_equal (seed->root, "volume");
  gboolean device = g_str_equal (seed->root, "device");
  gboolean snapshot = g_str_equal (seed->root, "domainsnapshot");
  const char *path = volume ? fuzz->pool : device || snapshot ? fuzz->domain : MANAGER;
  const char *interface = volume ? IFACE_POOL : device || snapshot ? IFACE_DOMAIN : IFACE_MANAGER;
  /* CONFIG: the test driver changes the definition of a shut-off domain. */
  guint flags = device ? 2 : 0;
  g_autoptr (GError) error = NULL;
  g_autoptr (GVariant) reply =
    g_dbus_connection_call_sync (fuzz->env->client, BUS_NAME, path, interface,
                                 method_of (seed->root), g_variant_new ("(su)", doc, flags), NULL,
                                 G_DBUS_CALL_FLAGS_NO_AUTO_START, CALL_TIMEOUT_MS, NULL, &error);
  VbChaosOutcome outcome = vb_chaos_classify (error);

  fuzz->documents++;
  if (outcome == VB_CHAOS_REFUSED)
    {
      fuzz->refused++;
      return;
    }
  if (outcome != VB_CHAOS_OK)
    {
      g_autofree char *name = vb_chaos_error_name (error);
      g_autofree char *what =
        g_strdup_printf ("%s answered %s: %s", method_of (seed->root), name, error->message);
      gboolean alive = vb_test_env_daemon_alive (fuzz->env);

      failure (fuzz, what, doc);
      if (!alive)
        {
          g_autofree char *log = vb_test_env_daemon_log (fuzz->env);
          failure (fuzz, "virtbusd died", log);
          vb_test_env_stop_daemon (fuzz->env, TRUE);
          vb_test_env_start_daemon (fuzz->env, NULL);
          fuzz->restarts++;
          /* The crash was a restart: the test pool's volumes went with it. */
          vb_test_call_void (fuzz->env, fuzz->pool, IFACE_POOL, "Start", g_variant_new ("(u)", 0));
        }
      return;
    }
  for (guint r = 0; r < G_N_ELEMENTS (roots); r++)
    fuzz->by_root_accepted[r] += g_str_equal (roots[r], seed->root);
  if (device)
    {
      /* Out again, so the next one does not clash with it; the fixture
       * domain's XML is compared across each restart. */
      g_autoptr (GError) detach_error = NULL;
      g_autoptr (GVariant) detached =
        vb_test_call (fuzz->env, fuzz->domain, IFACE_DOMAIN, "DetachDevice",
                      g_variant_new ("(su)", doc, 2), &detach_error);
      VbChaosOutcome detach = vb_chaos_classify (detach_error);

      if (detach != VB_CHAOS_OK && detach != VB_CHAOS_REFUSED)
        failure (fuzz, "DetachDevice of an attached device did not answer as the service", doc);
      return;
    }
  if (snapshot)
    {
      char *snapshot_path = NULL;

      g_variant_get (reply, "(o)", &snapshot_path);
      if (fuzz->samples->len < MAX_SAMPLES && g_rand_int_range (fuzz->rand, 0, 4) == 0)
        {
          Sample *sample = g_new0 (Sample, 1);
          sample->path = snapshot_path;
          sample->interface = IFACE_SNAPSHOT;
          sample->inactive_flag = 0;
          g_ptr_array_add (fuzz->samples, sample);
        }
      else
        g_free (snapshot_path);
      return;
    }
  if (volume)
    {
      /* Test pool volumes live as long as the service: no restart check. */
      g_autofree char *path = NULL;
      g_variant_get (reply, "(o)", &path);
      g_variant_unref (
        vb_test_call_ok (fuzz->env, path, IFACE_VOLUME, "Delete", g_variant_new ("(u)", 0)));
      return;
    }
  {
    char *path = NULL;

    g_variant_get (reply, "(o)", &path);
    if (fuzz->samples->len < MAX_SAMPLES && g_rand_int_range (fuzz->rand, 0, 4) == 0
        && !g_hash_table_contains (fuzz->accepted, path))
      {
        Sample *sample = g_new0 (Sample, 1);
        sample->path = g_strdup (path);
        sample->interface = interface_of (seed->root);
        sample->inactive_flag = g_str_equal (seed->root, "domain") ? 2 : 1;
        g_ptr_array_add (fuzz->samples, sample);
      }
    g_hash_table_insert (fuzz->accepted, path, (gpointer) interface_of (seed->root));
  }
}

static guint
count_listed (Fuzz *fuzz, const char *method)
{
  g_autoptr (GVariant) reply =
    vb_test_call_ok (fuzz->env, MANAGER, IFACE_MANAGER, method, g_variant_new ("(u)", 0));
  g_autoptr (GVariant) paths = g_variant_get_child_value (reply, 0);

  return g_variant_n_children (paths);
}

/* kill -9 and start: every accepted object is back, the sampled ones with
 * the same UUID and the same persistent XML. */
static void
check_restart (Fuzz *fuzz)
{
  guint want[3] = { 0 };
  guint got[3];
  GHashTableIter iter;
  gpointer path, interface;

  for (guint i = 0; i < fuzz->samples->len; i++)
    {
      Sample *sample = fuzz->samples->pdata[i];
      g_clear_pointer (&sample->xml, g_free);
      sample->xml =
        vb_test_get_xml (fuzz->env, sample->path, sample->interface, sample->inactive_flag);
    }
  g_hash_table_iter_init (&iter, fuzz->accepted);
  while (g_hash_table_iter_next (&iter, &path, &interface))
    want[interface == (gpointer) IFACE_DOMAIN    ? 0
         : interface == (gpointer) IFACE_NETWORK ? 1
                                                 : 2]++;
  want[0]++; /* the fixture's domain */
  want[2]++; /* the fixture's pool */

  restart_daemon (fuzz);
  got[0] = count_listed (fuzz, "ListDomains");
  got[1] = count_listed (fuzz, "ListNetworks");
  got[2] = count_listed (fuzz, "ListStoragePools");
  for (guint k = 0; k < 3; k++)
    if (got[k] != want[k])
      {
        g_autofree char *what =
          g_strdup_printf ("after a kill -9, %u of %u accepted %s are back", got[k], want[k],
                           k == 0   ? "domains"
                           : k == 1 ? "networks"
                                    : "pools");
        g_autofree char *log = vb_test_env_daemon_log (fuzz->env);
        failure (fuzz, what, log);
      }
  for (guint i = 0; i < fuzz->samples->len; i++)
    {
      Sample *sample = fuzz->samples->pdata[i];
      g_autoptr (GError) error = NULL;
      g_autoptr (GVariant) reply =
        vb_test_call (fuzz->env, sample->path, sample->interface, "GetXMLDesc",
                      g_variant_new ("(u)", sample->inactive_flag), &error);
      const char *xml = NULL;

      if (reply)
        g_variant_get (reply, "(&s)", &xml);
      if (!reply || !g_str_equal (xml, sample->xml))
        {
          g_autofree char *what = g_strdup_printf ("%s is %s after a kill -9", sample->path,
                                                   reply ? "different" : error->message);
          failure (fuzz, what, sample->xml);
        }
    }
}

static void
test_fuzz (void)
{
  guint32 seed = vb_chaos_seed ("chaos-fuzz");
  guint seconds = vb_chaos_seconds (45);
  g_autoptr (VbTestEnv) env = vb_test_env_new (VB_TEST_ENV_NONE);
  g_autofree char *xml_dir = g_strdup (g_getenv ("VB_TEST_XML_DIR"));
  g_autofree char *examples = NULL;
  Fuzz fuzz = { 0 };
  gint64 start = g_get_monotonic_time ();
  gint64 end = start + (gint64) seconds * G_USEC_PER_SEC;
  guint checks_done = 0;
  guint accepted;

  g_assert_nonnull (xml_dir);
  examples = g_build_filename (g_getenv ("VB_SOURCE_ROOT"), "docs", "examples", NULL);
  fuzz.env = env;
  fuzz.rand = g_rand_new_with_seed (seed);
  fuzz.seeds = g_ptr_array_new_with_free_func ((GDestroyNotify) seed_free);
  fuzz.samples = g_ptr_array_new_with_free_func ((GDestroyNotify) sample_free);
  fuzz.accepted = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  load_seeds_from (&fuzz, xml_dir);
  load_seeds_from (&fuzz, examples);
  for (guint i = 0; i < G_N_ELEMENTS (snapshot_seeds); i++)
    {
      Seed *snapshot = g_new0 (Seed, 1);
      snapshot->root = g_strdup ("domainsnapshot");
      snapshot->text = g_strdup (snapshot_seeds[i]);
      g_ptr_array_add (fuzz.seeds, snapshot);
    }
  g_assert_cmpuint (fuzz.seeds->len, >=, 10);

  vb_test_env_start_daemon (env, NULL);
  g_variant_unref (vb_test_call_ok (env, MANAGER, IFACE_MANAGER, "GetCapabilities", NULL));
  fuzz.pool = vb_test_call_path (
    env, MANAGER, IFACE_MANAGER, "DefineStoragePool",
    g_variant_new ("(su)",
                   "<pool type='test'><name>fuzz-pool</name><uuid>" POOL_UUID "</uuid></pool>", 0));
  vb_test_call_void (env, fuzz.pool, IFACE_POOL, "Start", g_variant_new ("(u)", 0));
  {
    g_autofree char *xml = vb_test_domain_xml ("fuzz-dom", "f0220000-0000-4000-8000-000000000002");
    Sample *sample = g_new0 (Sample, 1);

    fuzz.domain = vb_test_call_path (env, MANAGER, IFACE_MANAGER, "DefineDomain",
                                     g_variant_new ("(su)", xml, 0));
    sample->path = g_strdup (fuzz.domain);
    sample->interface = IFACE_DOMAIN;
    sample->inactive_flag = 2;
    g_ptr_array_add (fuzz.samples, sample);
  }

  for (guint n = 0; n < MAX_DOCUMENTS && g_get_monotonic_time () < end; n++)
    {
      const Seed *s = fuzz.seeds->pdata[g_rand_int_range (fuzz.rand, 0, fuzz.seeds->len)];
      g_autofree char *doc = make_document (&fuzz, s, n);
      gint64 third = (end - start) / 3;

      try_document (&fuzz, s, doc);
      /* Two restarts on the way (a third of the time or of the documents), the last one below. */
      if (checks_done < 2
          && (g_get_monotonic_time () > start + third * (checks_done + 1)
              || n + 1 >= MAX_DOCUMENTS * (checks_done + 1) / 3))
        {
          check_restart (&fuzz);
          checks_done++;
          /* The test pool's volumes went with the old process: start it again. */
          vb_test_call_void (env, fuzz.pool, IFACE_POOL, "Start", g_variant_new ("(u)", 0));
        }
    }
  check_restart (&fuzz);
  g_assert_true (vb_test_env_daemon_alive (env));

  accepted = fuzz.documents - fuzz.refused;
  g_print ("chaos-fuzz: %u documents, %u accepted, %u refused, %u failures\n", fuzz.documents,
           accepted, fuzz.refused, fuzz.failures);
  g_print ("chaos-fuzz: accepted %u domains, %u networks, %u pools, %u volumes, %u devices, "
           "%u snapshots; %u restarts, %u sampled objects compared\n",
           fuzz.by_root_accepted[0], fuzz.by_root_accepted[1], fuzz.by_root_accepted[2],
           fuzz.by_root_accepted[3], fuzz.by_root_accepted[4], fuzz.by_root_accepted[5],
           fuzz.restarts, fuzz.samples->len);
  g_assert_cmpuint (fuzz.failures, ==, 0);

  g_free (fuzz.pool);
  g_free (fuzz.domain);
  g_ptr_array_unref (fuzz.seeds);
  g_ptr_array_unref (fuzz.samples);
  g_hash_table_unref (fuzz.accepted);
  g_rand_free (fuzz.rand);
}

/* The fuzzer's first find (it crashed the service), as one document: the
 * service must refuse it, and live. */
static void
test_vcpu_overflow (void)
{
  g_autoptr (VbTestEnv) env = vb_test_env_new (VB_TEST_ENV_NONE);
  const char *documents[] = {
    "<domain type='test'><name>vcpu-overflow</name><memory unit='MiB'>64</memory>"
    "<vcpu>18446744073709551616</vcpu><os><type arch='x86_64'>hvm</type></os></domain>",
    "<domain type='test'><name>vcpu-overflow</name><memory unit='MiB'>64</memory>"
    "<vcpu current='18446744073709551616'>2</vcpu><os><type arch='x86_64'>hvm</type></os>"
    "</domain>",
  };

  vb_test_env_start_daemon (env, NULL);
  for (guint i = 0; i < G_N_ELEMENTS (documents); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (GVariant) reply = vb_test_call (env, MANAGER, IFACE_MANAGER, "DefineDomain",
                                                 g_variant_new ("(su)", documents[i], 0), &error);

      g_autofree char *name = NULL;

      g_assert_null (reply);
      g_assert_true (vb_test_env_daemon_alive (env));
      name = vb_chaos_error_name (error);
      g_assert_cmpstr (name, ==, ERROR_PREFIX "InvalidXML");
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/chaos/fuzz", test_fuzz);
  g_test_add_func ("/chaos/fuzz/vcpu-overflow", test_vcpu_overflow);
  return g_test_run ();
}
