/* kill -9 at random moments: clients define, redefine, start, stop and
 * undefine test domains while the service is killed and restarted under
 * them. After every restart, whatever a client was told had happened is
 * there, whatever it was told was removed stays away, and the service owns
 * its name only once everything is exported. */
#include <signal.h>
#include <stdlib.h>

#include "vb-chaos.h"
#include "vb-test-env.h"

#define N_CLIENTS 4
#define SLOTS_PER_CLIENT 4
#define CALL_TIMEOUT_MS 20000
#define XML_INACTIVE 2

/* What a client may find of one domain on disk. */
typedef struct {
  gboolean present;
  guint64 memory_kib;
  char description[48];
  gboolean autostart;
} Content;

/* One domain, written by one client only: its name and UUID never change;
 * what it may hold is every content the client's calls can have left. */
typedef struct {
  char name[32];
  char uuid[40];
  char *path;
  GArray *candidates;     /* Content: one when the last call was answered */
  guint acked;            /* acknowledged writes since the last check */
  gboolean undefine_lost; /* an Undefine got no answer since the last check */
} Slot;

typedef struct _Chaos Chaos;

typedef struct {
  Chaos *chaos;
  guint index;
  GRand *rand;
  GThread *thread;
  GDBusConnection *connection;
  Slot slots[SLOTS_PER_CLIENT];
  guint generation;
} Client;

struct _Chaos {
  VbTestEnv *env;
  GMutex lock;
  GCond cond;
  gboolean paused;
  gboolean stop;
  guint parked;
  guint kills;
  gsize log_seen;         /* how much of the daemon's log the checks have read */
  guint64 checked;        /* acknowledged writes whose content a check compared */
  guint64 acked;          /* acknowledged writes in all */
  GDBusConnection *probe; /* for probe_thread() */
  guint failures;
  guint outcomes[VB_CHAOS_FOREIGN + 1]; /* calls by VbChaosOutcome */
  Client clients[N_CLIENTS];
};

static void failure (Chaos *chaos, const char *format, ...) G_GNUC_PRINTF (2, 3);

static void
failure (Chaos *chaos, const char *format, ...)
{
  va_list args;
  g_autofree char *message = NULL;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  g_mutex_lock (&chaos->lock);
  chaos->failures++;
  g_mutex_unlock (&chaos->lock);
  g_printerr ("chaos-kill FAILURE: %s\n", message);
}

static char *
content_text (const Content *c)
{
  if (!c->present)
    return g_strdup ("absent");
  return g_strdup_printf ("memory %" G_GUINT64_FORMAT " KiB, '%s', autostart %d", c->memory_kib,
                          c->description, c->autostart);
}

static gboolean
content_equal (const Content *a, const Content *b)
{
  if (a->present != b->present)
    return FALSE;
  return !a->present
         || (a->memory_kib == b->memory_kib && g_str_equal (a->description, b->description)
             && a->autostart == b->autostart);
}

static void
add_candidate (GArray *candidates, const Content *c)
{
  for (guint i = 0; i < candidates->len; i++)
    if (content_equal (&g_array_index (candidates, Content, i), c))
      return;
  g_array_append_vals (candidates, c, 1);
}

typedef enum { OP_DEFINE, OP_UNDEFINE, OP_AUTOSTART, OP_START, OP_DESTROY } OpKind;

typedef struct {
  OpKind kind;
  guint64 memory_kib;
  char description[48];
  gboolean autostart;
} Op;

/* What @op, had it happened, made of @before (for the persistent definition). */
static Content
apply (const Op *op, const Content *before)
{
  Content after = *before;

  switch (op->kind)
    {
    case OP_DEFINE:
      after.present = TRUE;
      after.memory_kib = op->memory_kib;
      g_strlcpy (after.description, op->description, sizeof after.description);
      after.autostart = before->present ? before->autostart : FALSE;
      break;
    case OP_UNDEFINE:
      memset (&after, 0, sizeof after);
      break;
    case OP_AUTOSTART:
      if (before->present)
        after.autostart = op->autostart;
      break;
    case OP_START:
    case OP_DESTROY:
      break;
    }
  return after;
}

static GVariant *
client_call (Client *client, const char *path, const char *interface, const char *method,
             GVariant *args, GError **error)
{
  return g_dbus_connection_call_sync (client->connection, BUS_NAME, path, interface, method, args,
                                      NULL, G_DBUS_CALL_FLAGS_NO_AUTO_START, CALL_TIMEOUT_MS, NULL,
                                      error);
}

static char *
domain_xml (const Slot *slot, const Op *op, gboolean in_kib)
{
  return g_strdup_printf ("<domain type='test'>\n"
                          "  <name>%s</name>\n"
                          "  <uuid>%s</uuid>\n"
                          "  <description>%s</description>\n"
                          "  <memory unit='%s'>%" G_GUINT64_FORMAT "</memory>\n"
                          "  <vcpu>1</vcpu>\n"
                          "  <os>\n"
                          "    <type arch='x86_64'>hvm</type>\n"
                          "  </os>\n"
                          "</domain>\n",
                          slot->name, slot->uuid, op->description, in_kib ? "KiB" : "MiB",
                          in_kib ? op->memory_kib : op->memory_kib / 1024);
}

static void
client_step (Client *client)
{
  Slot *slot = &client->slots[g_rand_int_range (client->rand, 0, SLOTS_PER_CLIENT)];
  guint dice = g_rand_int_range (client->rand, 0, 100);
  g_autoptr (GError) error = NULL;
  g_autoptr (GVariant) reply = NULL;
  Op op = { 0 };
  VbChaosOutcome outcome;

  if (dice < 40)
    {
      gboolean in_kib = g_rand_boolean (client->rand);

      op.kind = OP_DEFINE;
      op.memory_kib = (guint64) g_rand_int_range (client->rand, 16, 4096) * 1024;
      g_snprintf (op.description, sizeof op.description, "client %u generation %u", client->index,
                  ++client->generation);
      {
        g_autofree char *xml = domain_xml (slot, &op, in_kib);
        reply = client_call (client, MANAGER, IFACE_MANAGER, "DefineDomain",
                             g_variant_new ("(su)", xml, 0), &error);
      }
    }
  else if (dice < 55)
    {
      op.kind = OP_UNDEFINE;
      reply = client_call (client, slot->path, IFACE_DOMAIN, "Undefine", g_variant_new ("(u)", 0),
                           &error);
    }
  else if (dice < 70)
    {
      op.kind = OP_AUTOSTART;
      op.autostart = g_rand_boolean (client->rand);
      reply = client_call (client, slot->path, "org.freedesktop.DBus.Properties", "Set",
                           g_variant_new ("(ssv)", IFACE_DOMAIN, "Autostart",
                                          g_variant_new_boolean (op.autostart)),
                           &error);
    }
  else if (dice < 85)
    {
      op.kind = OP_START;
      reply =
        client_call (client, slot->path, IFACE_DOMAIN, "Start", g_variant_new ("(u)", 0), &error);
    }
  else
    {
      op.kind = OP_DESTROY;
      reply =
        client_call (client, slot->path, IFACE_DOMAIN, "Destroy", g_variant_new ("(u)", 0), &error);
    }

  outcome = vb_chaos_classify (error);
  g_mutex_lock (&client->chaos->lock);
  client->chaos->outcomes[outcome]++;
  g_mutex_unlock (&client->chaos->lock);
  if (g_getenv ("VB_CHAOS_VERBOSE") && error)
    g_printerr ("client %u %s op %d: %s\n", client->index, slot->name, op.kind, error->message);
  switch (outcome)
    {
    case VB_CHAOS_OK:
      {
        g_autoptr (GArray) next = g_array_new (FALSE, FALSE, sizeof (Content));

        for (guint i = 0; i < slot->candidates->len; i++)
          {
            Content after = apply (&op, &g_array_index (slot->candidates, Content, i));
            add_candidate (next, &after);
          }
        g_array_set_size (slot->candidates, 0);
        g_array_append_vals (slot->candidates, next->data, next->len);
        if (op.kind != OP_START && op.kind != OP_DESTROY)
          slot->acked++;
      }
      break;
    case VB_CHAOS_REFUSED:
    case VB_CHAOS_UNDELIVERED:
      break;
    case VB_CHAOS_LOST:
      /* Killed while it ran: it may have happened or not. */
      slot->undefine_lost |= op.kind == OP_UNDEFINE;
      for (guint i = 0, n = slot->candidates->len; i < n; i++)
        {
          Content after = apply (&op, &g_array_index (slot->candidates, Content, i));
          add_candidate (slot->candidates, &after);
        }
      break;
    case VB_CHAOS_TIMEOUT:
    case VB_CHAOS_FOREIGN:
      {
        g_autofree char *name = vb_chaos_error_name (error);
        failure (client->chaos, "client %u, %s, op %d: %s (%s)", client->index, slot->name, op.kind,
                 name, error->message);
        /* Whatever it did, do not blame the next check for it too. */
        for (guint i = 0, n = slot->candidates->len; i < n; i++)
          {
            Content after = apply (&op, &g_array_index (slot->candidates, Content, i));
            add_candidate (slot->candidates, &after);
          }
      }
      break;
    }
}

static gpointer
client_thread (gpointer data)
{
  Client *client = data;
  Chaos *chaos = client->chaos;

  for (;;)
    {
      g_mutex_lock (&chaos->lock);
      if (chaos->paused && !chaos->stop)
        {
          chaos->parked++;
          g_cond_broadcast (&chaos->cond);
          while (chaos->paused && !chaos->stop)
            g_cond_wait (&chaos->cond, &chaos->lock);
          chaos->parked--;
        }
      if (chaos->stop)
        {
          g_mutex_unlock (&chaos->lock);
          return NULL;
        }
      g_mutex_unlock (&chaos->lock);
      client_step (client);
    }
}

static void
pause_clients (Chaos *chaos)
{
  g_mutex_lock (&chaos->lock);
  chaos->paused = TRUE;
  while (chaos->parked < N_CLIENTS)
    g_cond_wait (&chaos->cond, &chaos->lock);
  g_mutex_unlock (&chaos->lock);
}

static void
resume_clients (Chaos *chaos)
{
  g_mutex_lock (&chaos->lock);
  chaos->paused = FALSE;
  g_cond_broadcast (&chaos->cond);
  g_mutex_unlock (&chaos->lock);
}

/* The text of <@element> in @xml (the first one), or NULL. */
static char *
element_text (const char *xml, const char *element)
{
  g_autofree char *pattern = g_strdup_printf ("<%s(?: [^>]*)?>([^<]*)</%s>", element, element);
  g_autoptr (GRegex) regex = g_regex_new (pattern, 0, 0, NULL);
  g_autoptr (GMatchInfo) match = NULL;

  if (!g_regex_match (regex, xml, 0, &match))
    return NULL;
  return g_match_info_fetch (match, 1);
}

/* What the service shows of @slot: its persistent XML and Autostart. */
static gboolean
read_content (Chaos *chaos, Slot *slot, Content *seen)
{
  VbTestEnv *env = chaos->env;
  g_autoptr (GError) error = NULL;
  g_autoptr (GVariant) reply = NULL;
  g_autoptr (GVariant) autostart = NULL;
  g_autofree char *memory = NULL;
  g_autofree char *description = NULL;
  g_autofree char *name = NULL;
  g_autofree char *uuid = NULL;
  const char *xml;

  memset (seen, 0, sizeof *seen);
  reply = vb_test_call (env, slot->path, IFACE_DOMAIN, "GetXMLDesc",
                        g_variant_new ("(u)", XML_INACTIVE), &error);
  if (!reply)
    {
      g_autofree char *error_name = vb_chaos_error_name (error);
      failure (chaos, "%s is listed but GetXMLDesc fails right after the restart: %s (%s)",
               slot->name, error_name, error->message);
      return FALSE;
    }
  g_variant_get (reply, "(&s)", &xml);
  memory = element_text (xml, "memory");
  description = element_text (xml, "description");
  name = element_text (xml, "name");
  uuid = element_text (xml, "uuid");
  if (!memory || !description || !strstr (xml, "unit='KiB'") || g_strcmp0 (name, slot->name) != 0
      || g_strcmp0 (uuid, slot->uuid) != 0)
    {
      failure (chaos, "%s: the persistent XML lacks its name, UUID, memory or description:\n%s",
               slot->name, xml);
      return FALSE;
    }
  seen->present = TRUE;
  seen->memory_kib = g_ascii_strtoull (memory, NULL, 10);
  g_strlcpy (seen->description, description, sizeof seen->description);
  {
    g_autoptr (GVariant) value = NULL;

    autostart = vb_test_call (env, slot->path, "org.freedesktop.DBus.Properties", "Get",
                              g_variant_new ("(ss)", IFACE_DOMAIN, "Autostart"), &error);
    if (!autostart)
      {
        failure (chaos, "%s: Autostart cannot be read: %s", slot->name, error->message);
        return FALSE;
      }
    g_variant_get (autostart, "(v)", &value);
    seen->autostart = g_variant_get_boolean (value);
  }
  return TRUE;
}

/* Calls GetManagedObjects from the moment the old service is gone until a
 * new one answers: the answer is what the service exported when it took
 * its name. An error other than "no such name" means the name was owned
 * before the objects were exported. */
static gpointer
probe_thread (gpointer data)
{
  Chaos *chaos = data;
  gint64 end = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;

  while (g_get_monotonic_time () < end)
    {
      g_autoptr (GError) error = NULL;
      GVariant *reply = g_dbus_connection_call_sync (
        chaos->probe, BUS_NAME, MANAGER, "org.freedesktop.DBus.ObjectManager", "GetManagedObjects",
        NULL, G_VARIANT_TYPE ("(a{oa{sa{sv}}})"), G_DBUS_CALL_FLAGS_NO_AUTO_START, CALL_TIMEOUT_MS,
        NULL, &error);

      if (reply)
        return reply;
      if (vb_chaos_classify (error) != VB_CHAOS_UNDELIVERED)
        {
          g_autofree char *name = vb_chaos_error_name (error);
          failure (chaos, "GetManagedObjects as the name appeared: %s (%s)", name, error->message);
        }
      g_usleep (200);
    }
  failure (chaos, "the restarted service did not answer GetManagedObjects within 30 s");
  return NULL;
}

/* The domains of a GetManagedObjects answer: path → Name and UUID. */
static GHashTable *
list_domains (Chaos *chaos, GVariant *reply)
{
  GHashTable *domains = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_autoptr (GVariantIter) objects = NULL;
  const char *path;
  GVariant *interfaces;

  if (!reply)
    return domains;
  g_variant_get (reply, "(a{oa{sa{sv}}})", &objects);
  while (g_variant_iter_next (objects, "{&o@a{sa{sv}}}", &path, &interfaces))
    {
      g_autoptr (GVariant) owned = interfaces;
      g_autoptr (GVariant) props = g_variant_lookup_value (owned, IFACE_DOMAIN, NULL);
      const char *name = NULL;
      const char *uuid = NULL;

      if (!props)
        continue;
      g_variant_lookup (props, "Name", "&s", &name);
      g_variant_lookup (props, "UUID", "&s", &uuid);
      g_hash_table_insert (domains, g_strdup (path),
                           g_strdup_printf ("%s %s", name ? name : "?", uuid ? uuid : "?"));
    }
  return domains;
}

static void
check_unique (Chaos *chaos, GHashTable *domains)
{
  g_autoptr (GHashTable) names = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr (GHashTable) uuids = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  GHashTableIter iter;
  gpointer path, value;

  g_hash_table_iter_init (&iter, domains);
  while (g_hash_table_iter_next (&iter, &path, &value))
    {
      g_auto (GStrv) fields = g_strsplit (value, " ", 2);

      if (!g_hash_table_add (names, g_strdup (fields[0])))
        failure (chaos, "the name %s is listed twice after a restart", fields[0]);
      if (!g_hash_table_add (uuids, g_strdup (fields[1])))
        failure (chaos, "the UUID %s is listed twice after a restart", fields[1]);
    }
}

/* The UUIDs of the domain definitions this start rejected (kept aside). */
static GHashTable *
rejected_definitions (Chaos *chaos)
{
  GHashTable *uuids = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autofree char *log = NULL;
  gsize length = 0;
  g_auto (GStrv) lines = NULL;

  if (!g_file_get_contents (chaos->env->daemon_log, &log, &length, NULL)
      || length < chaos->log_seen)
    return uuids;
  lines = g_strsplit (log + chaos->log_seen, "\n", -1);
  chaos->log_seen = length;
  for (guint i = 0; lines[i]; i++)
    {
      const char *file = strstr (lines[i], "Rejected ");
      const char *base;

      if (!file)
        continue;
      base = strstr (file, "/domains/");
      if (base && strlen (base) > strlen ("/domains/") + 36)
        g_hash_table_add (uuids, g_strndup (base + strlen ("/domains/"), 36));
    }
  return uuids;
}

/* Runs right after the restarted service took its name. */
static void
check_after_restart (Chaos *chaos, GVariant *first_answer)
{
  g_autoptr (GVariant) answer = first_answer;
  g_autoptr (GHashTable) domains = list_domains (chaos, answer);
  g_autofree char *leftovers = vb_chaos_find_files (chaos->env->state_dir, ".vbtmp");
  g_autofree char *domains_dir = g_build_filename (chaos->env->state_dir, "domains", NULL);
  g_autofree char *files = vb_chaos_find_files (domains_dir, ".xml");
  g_autoptr (GHashTable) refused = rejected_definitions (chaos);
  guint n_files = 0;
  guint expected = 0;

  {
    g_auto (GStrv) paths = g_strsplit (files, "\n", -1);

    /* What a start kept aside (domains/rejected/) is no definition of the
     * service's any more: a definition wrongly rejected shows as missing. */
    for (guint i = 0; paths[i]; i++)
      n_files += *paths[i] && !strstr (paths[i], "/rejected/");
  }
  check_unique (chaos, domains);
  if (*leftovers)
    {
      g_auto (GStrv) lines = g_strsplit (leftovers, "\n", -1);

      for (guint i = 0; lines[i] && *lines[i]; i++)
        failure (chaos, "a temporary file is left after a restart: %s", lines[i]);
    }

  for (guint c = 0; c < N_CLIENTS; c++)
    for (guint s = 0; s < SLOTS_PER_CLIENT; s++)
      {
        Slot *slot = &chaos->clients[c].slots[s];
        gboolean listed = g_hash_table_contains (domains, slot->path);
        Content seen = { 0 };
        gboolean allowed = FALSE;

        g_hash_table_remove (domains, slot->path);
        if (listed && !read_content (chaos, slot, &seen))
          continue;
        expected += listed;
        for (guint i = 0; i < slot->candidates->len; i++)
          allowed |= content_equal (&g_array_index (slot->candidates, Content, i), &seen);
        if (!allowed)
          {
            g_autofree char *got = content_text (&seen);
            g_autoptr (GString) wanted = g_string_new (NULL);

            for (guint i = 0; i < slot->candidates->len; i++)
              {
                g_autofree char *text =
                  content_text (&g_array_index (slot->candidates, Content, i));
                g_string_append_printf (wanted, "%s[%s]", i ? " or " : "", text);
              }
            failure (chaos, "after kill %u, %s is %s; the acknowledged calls left %s", chaos->kills,
                     slot->name, got, wanted->str);
          }
        /* What a check sees of a slot is its last acknowledged write: the
         * ones before it were overwritten. */
        chaos->checked += slot->acked > 0;
        chaos->acked += slot->acked;
        slot->acked = 0;
        slot->undefine_lost = FALSE;
        /* From now on what the service shows is what there is. */
        g_array_set_size (slot->candidates, 0);
        g_array_append_vals (slot->candidates, &seen, 1);
      }
  if (g_hash_table_size (domains) > 0)
    {
      GHashTableIter iter;
      gpointer path, value;

      g_hash_table_iter_init (&iter, domains);
      while (g_hash_table_iter_next (&iter, &path, &value))
        failure (chaos, "a domain no client defined is listed: %s (%s)", (char *) path,
                 (char *) value);
    }
  /* Every definition on disk was loaded: none was rejected (it wrote them
   * all itself; a start that refused one, issue 3b's errno race, fails). */
  {
    GHashTableIter iter;
    gpointer uuid;

    g_hash_table_iter_init (&iter, refused);
    while (g_hash_table_iter_next (&iter, &uuid, NULL))
      failure (chaos, "after kill %u, the start rejected the definition %s it had written",
               chaos->kills, (char *) uuid);
  }
  if (n_files != expected)
    failure (chaos, "%u domain files on disk but %u domains listed:\n%s", n_files, expected, files);
}

/* Starts the service again, with the probe watching for its first answer. */
static void
restart (Chaos *chaos, GRand *rand)
{
  GThread *probe;

  /* Sometimes a kill as soon as the name is taken, while start-up
   * (autostart) still runs. */
  if (g_rand_int_range (rand, 0, 6) == 0)
    {
      vb_test_env_start_daemon (chaos->env, NULL);
      vb_test_env_stop_daemon (chaos->env, TRUE);
      chaos->kills++;
    }
  probe = g_thread_new ("chaos-probe", probe_thread, chaos);

  vb_test_env_start_daemon (chaos->env, NULL);
  check_after_restart (chaos, g_thread_join (probe));
}

static void
client_init (Chaos *chaos, Client *client, guint index, guint32 seed)
{
  g_autoptr (GError) error = NULL;

  client->chaos = chaos;
  client->index = index;
  client->rand = g_rand_new_with_seed (seed + index + 1);
  client->connection =
    g_dbus_connection_new_for_address_sync (chaos->env->bus_address,
                                            G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT
                                              | G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
                                            NULL, NULL, &error);
  g_assert_no_error (error);
  g_dbus_connection_set_exit_on_close (client->connection, FALSE);
  for (guint s = 0; s < SLOTS_PER_CLIENT; s++)
    {
      Slot *slot = &client->slots[s];
      Content absent = { 0 };

      g_snprintf (slot->name, sizeof slot->name, "chaos-%u-%u", index, s);
      g_snprintf (slot->uuid, sizeof slot->uuid, "c4a05000-0000-4000-8000-0000000%02u%03u", index,
                  s);
      slot->path = vb_test_domain_path (slot->uuid);
      slot->candidates = g_array_new (FALSE, FALSE, sizeof (Content));
      g_array_append_vals (slot->candidates, &absent, 1);
    }
}

static void
client_clear (Client *client)
{
  for (guint s = 0; s < SLOTS_PER_CLIENT; s++)
    {
      g_free (client->slots[s].path);
      g_array_unref (client->slots[s].candidates);
    }
  g_dbus_connection_close_sync (client->connection, NULL, NULL);
  g_object_unref (client->connection);
  g_rand_free (client->rand);
}

static void
test_kill (void)
{
  guint32 seed = vb_chaos_seed ("chaos-kill");
  guint seconds = vb_chaos_seconds (60);
  g_autoptr (GRand) rand = g_rand_new_with_seed (seed);
  g_autoptr (VbTestEnv) env = vb_test_env_new (VB_TEST_ENV_NONE);
  Chaos chaos = { 0 };
  gint64 end = g_get_monotonic_time () + (gint64) seconds * G_USEC_PER_SEC;

  chaos.env = env;
  g_mutex_init (&chaos.lock);
  g_cond_init (&chaos.cond);
  vb_test_env_start_daemon (env, NULL);
  /* The first start probes the host's QEMU (seconds) unless the cache has
   * it: wait for it here, once, so later starts read the cache. */
  g_variant_unref (vb_test_call_ok (env, MANAGER, IFACE_MANAGER, "GetCapabilities", NULL));
  for (guint c = 0; c < N_CLIENTS; c++)
    client_init (&chaos, &chaos.clients[c], c, seed);
  chaos.probe =
    g_dbus_connection_new_for_address_sync (env->bus_address,
                                            G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT
                                              | G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
                                            NULL, NULL, NULL);
  g_assert_nonnull (chaos.probe);
  for (guint c = 0; c < N_CLIENTS; c++)
    chaos.clients[c].thread = g_thread_new ("chaos-client", client_thread, &chaos.clients[c]);

  while (g_get_monotonic_time () < end)
    {
      /* Mostly soon (mid-burst), sometimes after a long quiet run of writes. */
      guint delay_ms = g_rand_int_range (rand, 0, 4) == 0 ? g_rand_int_range (rand, 200, 1500)
                                                          : g_rand_int_range (rand, 1, 200);

      g_usleep (delay_ms * 1000);
      vb_test_env_stop_daemon (env, TRUE);
      chaos.kills++;
      pause_clients (&chaos);
      restart (&chaos, rand);
      resume_clients (&chaos);
    }
  /* One last kill, so the writes since the last check are checked too. */
  pause_clients (&chaos);
  vb_test_env_stop_daemon (env, TRUE);
  chaos.kills++;
  restart (&chaos, rand);

  g_mutex_lock (&chaos.lock);
  chaos.stop = TRUE;
  g_cond_broadcast (&chaos.cond);
  g_mutex_unlock (&chaos.lock);
  for (guint c = 0; c < N_CLIENTS; c++)
    {
      g_thread_join (chaos.clients[c].thread);
      client_clear (&chaos.clients[c]);
    }
  g_dbus_connection_close_sync (chaos.probe, NULL, NULL);
  g_object_unref (chaos.probe);
  g_assert_true (vb_test_env_daemon_alive (env));
  g_print ("chaos-kill: %u kills, %" G_GUINT64_FORMAT " acknowledged writes checked, %u failures\n",
           chaos.kills, chaos.checked, chaos.failures);
  g_print ("chaos-kill: %" G_GUINT64_FORMAT " writes acknowledged in all; calls answered %u, "
           "refused %u, undelivered %u, lost in a kill %u\n",
           chaos.acked, chaos.outcomes[VB_CHAOS_OK], chaos.outcomes[VB_CHAOS_REFUSED],
           chaos.outcomes[VB_CHAOS_UNDELIVERED], chaos.outcomes[VB_CHAOS_LOST]);
  if (chaos.failures > 0)
    {
      g_autofree char *log = NULL;
      g_auto (GStrv) lines = NULL;

      /* The whole log is long: what it says beyond the daily round. */
      g_file_get_contents (env->daemon_log, &log, NULL, NULL);
      lines = g_strsplit (log ? log : "", "\n", -1);
      g_printerr ("virtbusd's log, but for [info] lines:\n");
      for (guint i = 0; lines[i]; i++)
        if (*lines[i] && !strstr (lines[i], "[info]"))
          g_printerr ("%s\n", lines[i]);
    }
  g_assert_cmpuint (chaos.failures, ==, 0);
  g_mutex_clear (&chaos.lock);
  g_cond_clear (&chaos.cond);
}

/* The leftover of an Autostart write that a kill interrupted, made by hand:
 * the next start must remove it, as it removes those of the XML files. */
static void
test_autostart_leftover (void)
{
  g_autoptr (VbTestEnv) env = vb_test_env_new (VB_TEST_ENV_NONE);
  g_autofree char *xml = vb_test_domain_xml ("leftover", "c4a05000-0000-4000-8000-00000000aaaa");
  g_autofree char *leftover = g_build_filename (env->state_dir, "domains", "autostart",
                                                "c4a05000-0000-4000-8000-00000000aaaa.vbtmp", NULL);
  g_autofree char *path = NULL;

  vb_test_env_start_daemon (env, NULL);
  path =
    vb_test_call_path (env, MANAGER, IFACE_MANAGER, "DefineDomain", g_variant_new ("(su)", xml, 0));
  vb_test_env_stop_daemon (env, TRUE);
  g_assert_true (g_file_set_contents (leftover, "", 0, NULL));
  vb_test_env_start_daemon (env, NULL);
  g_assert_false (vb_test_get_bool (env, path, IFACE_DOMAIN, "Autostart"));
  g_assert_false (g_file_test (leftover, G_FILE_TEST_EXISTS));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/chaos/kill/autostart-leftover", test_autostart_leftover);
  g_test_add_func ("/chaos/kill", test_kill);
  return g_test_run ();
}
