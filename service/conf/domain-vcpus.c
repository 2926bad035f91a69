/* <vcpus>: the rules are libvirt's for QEMU (docs/xml-subset.md): vCPU 0
 * is enabled and not hotpluggable, a disabled vCPU is hotpluggable, the
 * vCPUs the machine boots with come first (ids 0 to n-1, before any
 * hotpluggable one in id and in order), and order= is on every enabled vCPU
 * or on none. Those that are not hotpluggable are what -smp makes; each
 * hotpluggable enabled one is a device in its own place, which is why the
 * ids and their order must be exact for a saved guest to fit again. */
#include "domain-vcpus.h"

#include <string.h>

#include "vb-error.h"
#include "xml-schema.h"

static gboolean
yes (xmlNode *node, const char *name, gboolean fallback)
{
  g_autofree char *value = vb_xml_attr (node, name);

  return value ? g_str_equal (value, "yes") : fallback;
}

static GArray *
states_new (guint n)
{
  GArray *states = g_array_sized_new (FALSE, TRUE, sizeof (VbVcpuState), n);

  g_array_set_size (states, n);
  return states;
}

static VbVcpuState *
state (const GArray *states, guint id)
{
  return &g_array_index (states, VbVcpuState, id);
}

/* Reads one <vcpu> of <vcpus> into its place of @states; @seen marks the ids read. */
static gboolean
read_one (xmlNode *node, GArray *states, gboolean *seen, GError **error)
{
  g_autofree char *id_text = vb_xml_attr (node, "id");
  g_autofree char *order_text = vb_xml_attr (node, "order");
  guint64 id = 0, order = 0;
  VbVcpuState *s;

  if (!vb_xml_parse_unsigned (id_text, 10, states->len - 1, &id))
    {
      g_set_error (error, VB_ERROR, VB_ERROR_INVALID_XML,
                   "id '%s' on <vcpu> at line %ld in <vcpus> is out of range: the domain has %u "
                   "vCPUs (<vcpu>), ids 0 to %u",
                   id_text, vb_xml_line (node), states->len, states->len - 1);
      return FALSE;
    }
  if (seen[id])
    {
      g_set_error (error, VB_ERROR, VB_ERROR_INVALID_XML,
                   "<vcpu id='%u'> at line %ld is listed twice in <vcpus>", (guint) id,
                   vb_xml_line (node));
      return FALSE;
    }
  seen[id] = TRUE;
  s = state (states, (guint) id);
  s->enabled = yes (node, "enabled", FALSE);
  /* libvirt's defaults: a vCPU the guest boots without can only come later. */
  s->hotpluggable = yes (node, "hotpluggable", !s->enabled);
  if (!s->enabled && !s->hotpluggable)
    {
      g_set_error (error, VB_ERROR, VB_ERROR_INVALID_XML,
                   "<vcpu id='%u'> at line %ld in <vcpus> is disabled, so it must be "
                   "hotpluggable='yes': it can only come while the guest runs",
                   (guint) id, vb_xml_line (node));
      return FALSE;
    }
  if (order_text && (!vb_xml_parse_unsigned (order_text, 10, G_MAXUINT, &order) || order == 0))
    {
      g_set_error (error, VB_ERROR, VB_ERROR_INVALID_XML,
                   "order '%s' on <vcpu id='%u'> at line %ld in <vcpus> must be between 1 and %u",
                   order_text, (guint) id, vb_xml_line (node), G_MAXUINT);
      return FALSE;
    }
  if (order && !s->enabled)
    {
      g_set_error (error, VB_ERROR, VB_ERROR_INVALID_XML,
                   "<vcpu id='%u'> at line %ld in <vcpus> is disabled and has order='%u': only "
                   "an enabled vCPU came in an order",
                   (guint) id, vb_xml_line (node), (guint) order);
      return FALSE;
    }
  s->order = (guint) order;
  return TRUE;
}

/* Every id once, as many enabled as <vcpu current>. */
static gboolean
check_complete (xmlNode *vcpus, const GArray *states, const gboolean *seen, guint current,
                GError **error)
{
  guint enabled = 0;

  for (guint id = 0; id < states->len; id++)
    {
      if (!seen[id])
        {
          g_set_error (error, VB_ERROR, VB_ERROR_INVALID_XML,
                       "<vcpus> at line %ld lists no <vcpu id='%u'>: it lists each of the %u "
                       "vCPUs of <vcpu>",
                       vb_xml_line (vcpus), id, states->len);
          return FALSE;
        }
      enabled += state (states, id)->enabled;
    }
  if (enabled == current)
    return TRUE;
  g_set_error (error, VB_ERROR, VB_ERROR_INVALID_XML,
               "<vcpus> at line %ld enables %u vCPUs but <vcpu> has %u (its current=, or its "
               "count without one)",
               vb_xml_line (vcpus), enabled, current);
  return FALSE;
}

/* The vCPUs the machine boots with first, in id and in order; order= on all
 * enabled vCPUs or on none, each order once. */
static gboolean
check_places (xmlNode *vcpus, const GArray *states, GError **error)
{
  const VbVcpuState *first = state (states, 0);
  gboolean ordered = first->order != 0;
  guint last_boot_order = 0;
  g_autoptr (GHashTable) orders = g_hash_table_new (NULL, NULL);

  if (!first->enabled || first->hotpluggable)
    {
      g_set_error (error, VB_ERROR, VB_ERROR_INVALID_XML,
                   "<vcpu id='0'> in <vcpus> at line %ld must be enabled='yes' and "
                   "hotpluggable='no': the guest boots on vCPU 0",
                   vb_xml_line (vcpus));
      return FALSE;
    }
  for (guint id = 0; id < states->len; id++)
    {
      const VbVcpuState *s = state (states, id);

      if (id > 0 && !s->hotpluggable && state (states, id - 1)->hotpluggable)
        {
          g_set_error (error, VB_ERROR, VB_ERROR_INVALID_XML,
                       "<vcpu id='%u'> in <vcpus> at line %ld is not hotpluggable but comes "
                       "after a hotpluggable one: the vCPUs the machine boots with are the "
                       "first ids",
                       id, vb_xml_line (vcpus));
          return FALSE;
        }
      if (!s->enabled)
        continue;
      if ((s->order != 0) != ordered)
        {
          g_set_error (error, VB_ERROR, VB_ERROR_INVALID_XML,
                       "<vcpus> at line %ld gives order= to some enabled vCPUs and not to others "
                       "(<vcpu id='%u'>): to all or to none",
                       vb_xml_line (vcpus), id);
          return FALSE;
        }
      if (!ordered)
        continue;
      if (g_hash_table_contains (orders, GUINT_TO_POINTER (s->order)))
        {
          g_set_error (error, VB_ERROR, VB_ERROR_INVALID_XML,
                       "order='%u' of <vcpu id='%u'> in <vcpus> at line %ld is another vCPU's "
                       "too: each came in its own place",
                       s->order, id, vb_xml_line (vcpus));
          return FALSE;
        }
      g_hash_table_add (orders, GUINT_TO_POINTER (s->order));
      if (!s->hotpluggable && s->order < last_boot_order)
        {
          g_set_error (error, VB_ERROR, VB_ERROR_INVALID_XML,
                       "order='%u' of <vcpu id='%u'> in <vcpus> at line %ld: the vCPUs the "
                       "machine boots with come in the order of their ids",
                       s->order, id, vb_xml_line (vcpus));
          return FALSE;
        }
      if (!s->hotpluggable)
        last_boot_order = s->order;
    }
  /* Those plugged in came after every one the machine booted with. */
  for (guint id = 0; ordered && id < states->len; id++)
    {
      const VbVcpuState *s = state (states, id);

      if (s->enabled && s->hotpluggable && s->order < last_boot_order)
        {
          g_set_error (error, VB_ERROR, VB_ERROR_INVALID_XML,
                       "order='%u' of hotpluggable <vcpu id='%u'> in <vcpus> at line %ld comes "
                       "before a vCPU the machine boots with (order='%u')",
                       s->order, id, vb_xml_line (vcpus), last_boot_order);
          return FALSE;
        }
    }
  return TRUE;
}

gboolean
vb_domain_vcpus_read (xmlNode *root, guint vcpus, guint current, GArray **states, GError **error)
{
  xmlNode *element = vb_xml_child (root, "vcpus");
  g_autoptr (GArray) read = NULL;
  g_autofree gboolean *seen = NULL;

  *states = NULL;
  if (!element)
    return TRUE;
  read = states_new (vcpus);
  seen = g_new0 (gboolean, vcpus);
  for (xmlNode *node = vb_xml_child (element, "vcpu"); node; node = vb_xml_next (node, "vcpu"))
    if (!read_one (node, read, seen, error))
      return FALSE;
  if (!check_complete (element, read, seen, current, error) || !check_places (element, read, error))
    return FALSE;
  vb_domain_vcpus_write (root, read);
  *states = g_steal_pointer (&read);
  return TRUE;
}

void
vb_domain_vcpus_write (xmlNode *root, const GArray *states)
{
  xmlNode *element;

  vb_xml_remove_children (root, "vcpus");
  if (!states)
    return;
  /* Where libvirt writes it; the parse made sure there is a <vcpu>. */
  element = vb_xml_insert_after (root, vb_xml_child (root, "vcpu"), "vcpus", NULL);
  for (guint id = 0; id < states->len; id++)
    {
      const VbVcpuState *s = state (states, id);
      xmlNode *node = xmlNewChild (element, NULL, BAD_CAST "vcpu", NULL);
      g_autofree char *id_text = g_strdup_printf ("%u", id);

      xmlSetProp (node, BAD_CAST "id", BAD_CAST id_text);
      xmlSetProp (node, BAD_CAST "enabled", BAD_CAST (s->enabled ? "yes" : "no"));
      xmlSetProp (node, BAD_CAST "hotpluggable", BAD_CAST (s->hotpluggable ? "yes" : "no"));
      if (s->order)
        {
          g_autofree char *order = g_strdup_printf ("%u", s->order);

          xmlSetProp (node, BAD_CAST "order", BAD_CAST order);
        }
    }
}

/* @def's states, or those a definition without <vcpus> means: the first
 * current_vcpus there at boot (in order when @ordered). */
static GArray *
states_of (const VbDomainDef *def, gboolean ordered)
{
  GArray *states;

  if (def->vcpu_states)
    {
      states = states_new (def->vcpu_states->len);
      memcpy (states->data, def->vcpu_states->data, sizeof (VbVcpuState) * states->len);
      return states;
    }
  states = states_new (def->vcpus);
  for (guint id = 0; id < def->vcpus; id++)
    {
      VbVcpuState *s = state (states, id);

      s->enabled = id < def->current_vcpus;
      s->hotpluggable = !s->enabled;
      s->order = ordered && s->enabled ? id + 1 : 0;
    }
  return states;
}

static guint
enabled_count (const GArray *states)
{
  guint n = 0;

  for (guint id = 0; id < states->len; id++)
    n += state (states, id)->enabled;
  return n;
}

static guint
last_order (const GArray *states)
{
  guint last = 0;

  for (guint id = 0; id < states->len; id++)
    last = MAX (last, state (states, id)->order);
  return last;
}

/* Orders for all enabled vCPUs when they have none: those of a definition
 * without order= came in the order of their ids (the command line's). */
static void
number_enabled (GArray *states)
{
  guint next = 1;

  if (last_order (states))
    return;
  for (guint id = 0; id < states->len; id++)
    if (state (states, id)->enabled)
      state (states, id)->order = next++;
}

static void
enable (GArray *states, guint id, gboolean hotplugged, gboolean live)
{
  VbVcpuState *s = state (states, id);

  s->order = live ? last_order (states) + 1 : 0;
  s->enabled = TRUE;
  s->hotpluggable = hotplugged;
}

GArray *
vb_domain_vcpus_change (const VbDomainDef *def, guint max, guint current, gboolean live)
{
  g_autoptr (GArray) states = NULL;
  guint n;

  if (!max)
    max = def->vcpus;
  current = MIN (current ? current : def->current_vcpus, max);
  if (!def->vcpu_states && !(live && current > def->current_vcpus))
    return NULL;
  states = states_of (def, live);
  g_array_set_size (states, max);
  for (guint id = def->vcpus; id < max; id++)
    state (states, id)->hotpluggable = TRUE;
  for (guint id = 0; !live && id < max; id++)
    state (states, id)->order = 0;
  if (live)
    number_enabled (states);
  /* Added: the first disabled ids. Stored, a vCPU after a hotpluggable
   * one must be one too (libvirt's rule). */
  n = enabled_count (states);
  for (guint id = 0; id < max && n < current; id++)
    {
      gboolean after_hotpluggable = FALSE;

      if (state (states, id)->enabled)
        continue;
      for (guint before = 0; before < id; before++)
        after_hotpluggable |= state (states, before)->hotpluggable;
      enable (states, id, live || after_hotpluggable, live);
      n++;
    }
  /* Removed: the last enabled ones, never vCPU 0 (current is at least 1). */
  for (guint id = max; id-- > 1 && n > current;)
    {
      VbVcpuState *s = state (states, id);

      if (!s->enabled)
        continue;
      s->enabled = FALSE;
      s->hotpluggable = TRUE;
      s->order = 0;
      n--;
    }
  return g_steal_pointer (&states);
}

GArray *
vb_domain_vcpus_plug (const VbDomainDef *def, const guint *ids, guint n_ids)
{
  GArray *states = states_of (def, TRUE);

  number_enabled (states);
  for (guint i = 0; i < n_ids; i++)
    if (ids[i] < states->len && !state (states, ids[i])->enabled)
      enable (states, ids[i], TRUE, TRUE);
  return states;
}

guint
vb_domain_def_boot_vcpus (const VbDomainDef *def)
{
  guint n = 0;

  if (!def->vcpu_states)
    return def->current_vcpus;
  while (n < def->vcpu_states->len && !state (def->vcpu_states, n)->hotpluggable)
    n++;
  return n;
}

static int
compare_order (gconstpointer a, gconstpointer b, gpointer states)
{
  guint x = *(const guint *) a, y = *(const guint *) b;
  guint ox = state (states, x)->order, oy = state (states, y)->order;

  if (ox != oy)
    return ox < oy ? -1 : 1;
  return x < y ? -1 : x > y;
}

GArray *
vb_domain_def_hotplugged_vcpus (const VbDomainDef *def)
{
  GArray *ids = g_array_new (FALSE, FALSE, sizeof (guint));

  for (guint id = 0; def->vcpu_states && id < def->vcpu_states->len; id++)
    if (state (def->vcpu_states, id)->enabled && state (def->vcpu_states, id)->hotpluggable)
      g_array_append_val (ids, id);
  g_array_sort_with_data (ids, compare_order, def->vcpu_states);
  return ids;
}
