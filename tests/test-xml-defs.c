/* The XML model as a client sees it: the samples of every kind (what
 * virt-install and virt-manager write) are accepted and kept byte for byte,
 * documents libxml2 must never get to harm are refused, and networks, pools
 * and volumes get their defaults and their refusals, with a message that
 * names the element and its line. Domain XML is tested in test-domain-def.c. */
#include <string.h>
#include <unistd.h>

#include <glib.h>
#include <glib/gstdio.h>

#include "domain-def.h"
#include "network-def.h"
#include "pool-def.h"
#include "vb-error.h"
#include "volume-def.h"
#include "xml-def-asserts.h"

/* ------------------------------------------------------------------------ */
/* The samples in tests/xml/ */

static char *
sample_dir (void)
{
  const char *dir = g_getenv ("VB_TEST_XML_DIR");

  if (dir != NULL && *dir != '\0')
    return g_strdup (dir);
  return g_test_build_filename (G_TEST_DIST, "xml", NULL);
}

static Kind
kind_of_sample (const char *file)
{
  if (g_str_has_prefix (file, "domain-"))
    return KIND_DOMAIN;
  if (g_str_has_prefix (file, "network-"))
    return KIND_NETWORK;
  if (g_str_has_prefix (file, "pool-"))
    return KIND_POOL;
  if (g_str_has_prefix (file, "volume-"))
    return KIND_VOLUME;
  g_error ("sample %s: its name must start with domain-, network-, pool- or volume-", file);
}

/* Samples are stored canonical: parsing one must give back its exact bytes,
 * and parsing that again must too. */
static void
test_sample_round_trip (gconstpointer data)
{
  const char *file = data;
  g_autofree char *dir = sample_dir ();
  g_autofree char *path = g_build_filename (dir, file, NULL);
  g_autofree char *xml = NULL;
  g_autofree char *once = NULL;
  g_autofree char *twice = NULL;
  g_autoptr (GError) error = NULL;

  g_assert_true (g_file_get_contents (path, &xml, NULL, &error));
  g_assert_no_error (error);

  once = canonical (kind_of_sample (file), xml, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (once, ==, xml);

  twice = canonical (kind_of_sample (file), once, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (twice, ==, once);
}

static int
compare_names (gconstpointer a, gconstpointer b)
{
  return strcmp (*(const char *const *) a, *(const char *const *) b);
}

static GPtrArray *
list_samples (void)
{
  g_autofree char *dir_path = sample_dir ();
  g_autoptr (GDir) dir = g_dir_open (dir_path, 0, NULL);
  GPtrArray *files = g_ptr_array_new_with_free_func (g_free);
  const char *name;

  if (dir == NULL)
    return files;
  while ((name = g_dir_read_name (dir)) != NULL)
    if (g_str_has_suffix (name, ".xml"))
      g_ptr_array_add (files, g_strdup (name));
  g_ptr_array_sort (files, compare_names);
  return files;
}

static gboolean
has_sample_prefix (GPtrArray *files, const char *prefix)
{
  for (guint i = 0; i < files->len; i++)
    if (g_str_has_prefix (g_ptr_array_index (files, i), prefix))
      return TRUE;
  return FALSE;
}

/* A missing sample directory must fail the suite, not skip every case. */
static void
test_samples_present (gconstpointer data)
{
  GPtrArray *files = (GPtrArray *) data;

  g_assert_cmpuint (files->len, >=, 10);
  g_assert_true (has_sample_prefix (files, "domain-"));
  g_assert_true (has_sample_prefix (files, "network-"));
  g_assert_true (has_sample_prefix (files, "pool-"));
  g_assert_true (has_sample_prefix (files, "volume-"));
}

static void
test_sample_fields (void)
{
  g_autofree char *dir = sample_dir ();
  g_autofree char *path = g_build_filename (dir, "domain-kvm-q35.xml", NULL);
  g_autofree char *xml = NULL;
  g_autoptr (VbDomainDef) def = NULL;
  g_autoptr (VbDomainDef) copy = NULL;
  g_autoptr (GError) error = NULL;

  g_assert_true (g_file_get_contents (path, &xml, NULL, NULL));
  def = vb_domain_def_parse (xml, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (def->name, ==, "fedora39");
  g_assert_cmpstr (def->uuid, ==, "5e4fd3b2-8a5f-4c43-9d2c-6f0b1a3e7c21");
  g_assert_cmpstr (def->type, ==, "kvm");
  g_assert_cmpstr (def->title, ==, "Fedora 39 workstation");
  g_assert_cmpuint (def->memory_kib, ==, 4194304);
  g_assert_cmpuint (def->current_memory_kib, ==, 4194304);
  g_assert_cmpuint (def->vcpus, ==, 4);

  copy = vb_domain_def_copy (def);
  g_assert_true (copy->xml != def->xml);
  g_assert_cmpstr (copy->xml, ==, def->xml);
  g_assert_cmpstr (copy->name, ==, def->name);
  g_assert_cmpstr (copy->uuid, ==, def->uuid);
  g_assert_cmpstr (copy->type, ==, def->type);
  g_assert_cmpstr (copy->title, ==, def->title);
  g_assert_cmpuint (copy->memory_kib, ==, def->memory_kib);
  g_assert_cmpuint (copy->vcpus, ==, def->vcpus);
}

/* ------------------------------------------------------------------------ */
/* Documents libxml2 must never get to harm */

static void
test_malformed (void)
{
  assert_invalid_xml (KIND_DOMAIN, "<domain type='kvm'>\n  <name>t</nam>\n</domain>",
                      "malformed XML at line 2:");
  assert_invalid_xml (KIND_DOMAIN, "<domain type='kvm'>\n<name>t</name>\n<memory>1",
                      "malformed XML at line 3");
  assert_invalid_xml (KIND_DOMAIN, "<domain type='kvm' type='qemu'/>", "malformed XML at line 1");
  assert_invalid_xml (KIND_DOMAIN, "<domain type='kvm'><name>&nbsp;</name></domain>",
                      "Entity 'nbsp' not defined");
  assert_invalid_xml (KIND_DOMAIN, "<domain/><domain/>", "malformed XML at line 1");
  assert_invalid_xml (KIND_DOMAIN, "just text", "malformed XML at line 1");
}

/* A parse failure reaches the caller as a GError and nothing else: the
 * service's stderr is its journal, not libxml2's. */
static void
test_malformed_is_silent (void)
{
  g_autofree char *path = NULL;
  g_autofree char *captured = NULL;
  g_autoptr (GError) error = NULL;
  int saved = dup (STDERR_FILENO);
  int fd = g_file_open_tmp ("vb-stderr-XXXXXX", &path, NULL);
  VbDomainDef *def;

  g_assert_cmpint (fd, >=, 0);
  fflush (stderr);
  dup2 (fd, STDERR_FILENO);
  def = vb_domain_def_parse ("<domain type='kvm'>\n<name>t</nam></domain>", &error);
  vb_network_def_free (vb_network_def_parse ("<network><name>a</network>", NULL));
  vb_pool_def_free (vb_pool_def_parse ("<pool type='dir'><name>\xff</name></pool>", NULL));
  fflush (stderr);
  dup2 (saved, STDERR_FILENO);
  close (saved);
  close (fd);

  g_assert_null (def);
  g_assert_error (error, VB_ERROR, VB_ERROR_INVALID_XML);
  g_assert_true (g_file_get_contents (path, &captured, NULL, NULL));
  g_assert_cmpstr (captured, ==, "");
  g_unlink (path);
}

static void
test_invalid_utf8 (void)
{
  assert_invalid_xml (KIND_DOMAIN,
                      "<domain type='kvm'>\n  <name>caf\xe9</name>\n  <memory>1</memory>\n</domain>",
                      "not valid UTF-8: bad byte 0xe9 at line 2");
  assert_invalid_xml (KIND_NETWORK, "<network><name>\xc3\x28</name></network>",
                      "not valid UTF-8");
  /* Declaring another encoding does not make Latin-1 bytes acceptable. */
  assert_invalid_xml (KIND_DOMAIN,
                      "<?xml version='1.0' encoding='ISO-8859-1'?>\n"
                      "<domain type='kvm'><name>caf\xe9</name><memory>1</memory></domain>",
                      "not valid UTF-8");
}

static void
test_empty_document (void)
{
  assert_invalid_xml (KIND_DOMAIN, "", "the XML document is empty");
  assert_invalid_xml (KIND_DOMAIN, "  \n\t\n", "the XML document is empty");
  assert_invalid_xml (KIND_POOL, "", "the XML document is empty");
}

static void
test_wrong_root (void)
{
  assert_invalid_xml (KIND_DOMAIN, "<network><name>n</name></network>",
                      "expected the root element <domain> but found <network> at line 1");
  assert_invalid_xml (KIND_NETWORK, "<domain type='kvm'/>",
                      "expected the root element <network> but found <domain>");
  assert_invalid_xml (KIND_POOL, "\n<volume/>", "expected the root element <pool> but found <volume> at line 2");
  assert_invalid_xml (KIND_VOLUME, "<pool type='dir'/>", "expected the root element <volume>");
  assert_invalid_xml (KIND_DOMAIN, "<x:domain xmlns:x='urn:x' type='kvm'/>",
                      "expected the root element <domain> but found <x:domain>");
  /* A default namespace: the name alone would be the expected one. */
  assert_invalid_xml (KIND_DOMAIN, "<domain xmlns='urn:x' type='kvm'/>",
                      "expected the root element <domain> but found <domain> in namespace "
                      "'urn:x' at line 1");
  assert_invalid_xml (KIND_NETWORK, "<x:network xmlns:x='urn:y'/>",
                      "but found <x:network> in namespace 'urn:y' at line 1");
}

static void
test_oversized_document (void)
{
  gsize size = 17 * 1024 * 1024;
  g_autoptr (GString) xml = g_string_sized_new (size + 128);

  g_string_append (xml, "<domain type='kvm'><name>big</name><memory>1</memory><description>");
  while (xml->len < size)
    g_string_append (xml, "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");
  g_string_append (xml, "</description></domain>");

  assert_invalid_xml (KIND_DOMAIN, xml->str, "the XML document is too large");
  assert_invalid_xml (KIND_DOMAIN, xml->str, "the limit is 16 MiB");
}

/* A domain with @body inside <metadata>: the one place any markup goes. */
static char *
domain_with_metadata (const char *body)
{
  return g_strdup_printf ("<domain type='test'>\n  <name>limits</name>\n  <memory>65536</memory>\n"
                          "  <metadata>%s</metadata>\n</domain>\n",
                          body);
}

/* Refused as @kind within 2 s (generous: the bound is meant to be well
 * under one), with @fragment in the message. */
static void
assert_refused_quickly (const char *xml, const char *fragment)
{
  gint64 start = g_get_monotonic_time ();

  assert_invalid_xml (KIND_DOMAIN, xml, fragment);
  g_assert_cmpint (g_get_monotonic_time () - start, <, 2 * G_USEC_PER_SEC);
}

static void
test_many_attributes (void)
{
  g_autoptr (GString) body = g_string_new ("\n<x:a xmlns:x='urn:x'");
  g_autofree char *xml = NULL;

  /* libxml2 checks duplicates pairwise: minutes of CPU without the bound. */
  for (guint i = 0; i < 200000; i++)
    g_string_append_printf (body, " a%u=''", i);
  g_string_append (body, "/>");
  xml = domain_with_metadata (body->str);
  assert_refused_quickly (xml, "too many attributes on <x:a> at line 5: the limit is 256");
}

static void
test_deep_nesting (void)
{
  g_autoptr (GString) body = g_string_new (NULL);
  g_autofree char *xml = NULL;

  for (guint i = 0; i < 100000; i++)
    g_string_append (body, "<a>");
  for (guint i = 0; i < 100000; i++)
    g_string_append (body, "</a>");
  xml = domain_with_metadata (body->str);
  assert_refused_quickly (xml, "elements nested too deeply at <a> at line 4: the limit is 64");
}

static void
test_many_elements (void)
{
  g_autoptr (GString) body = g_string_new (NULL);
  g_autofree char *xml = NULL;

  for (guint i = 0; i < 1000000; i++)
    g_string_append (body, "<a b='1'/>");
  xml = domain_with_metadata (body->str);
  assert_refused_quickly (xml, "too many elements in the document at <a> at line 4");
}

static void
test_many_attributes_in_all (void)
{
  g_autoptr (GString) body = g_string_new (NULL);
  g_autofree char *xml = NULL;

  for (guint i = 0; i < 50000; i++)
    g_string_append (body, "<a b='1' c='2' d='3' e='4' f='5'/>");
  xml = domain_with_metadata (body->str);
  assert_refused_quickly (xml, "too many attributes in the document at <a> at line 4");
}

/* Just inside every bound at once: accepted, and well within a second. */
static void
test_largest_accepted (void)
{
  g_autoptr (GString) body = g_string_new (NULL);
  g_autoptr (GError) error = NULL;
  g_autofree char *xml = NULL;
  g_autofree char *out = NULL;
  gint64 start;

  for (guint i = 0; i < 60; i++)
    g_string_append (body, "<d>");
  for (guint i = 0; i < 60; i++)
    g_string_append (body, "</d>");
  g_string_append (body, "<w");
  for (guint i = 0; i < 256; i++)
    g_string_append_printf (body, " a%u='%u'", i, i);
  g_string_append (body, "/>");
  /* Nearly 100,000 elements and 200,000 attributes (with w's 256). */
  for (guint i = 0; i < 99800; i++)
    g_string_append (body, "<a b='1' c='2'/>");
  xml = domain_with_metadata (body->str);
  start = g_get_monotonic_time ();
  out = canonical (KIND_DOMAIN, xml, &error);
  g_assert_no_error (error);
  g_assert_nonnull (out);
  g_test_message ("largest accepted: %" G_GINT64_FORMAT " ms",
                  (g_get_monotonic_time () - start) / 1000);
  g_assert_cmpint (g_get_monotonic_time () - start, <, 2 * G_USEC_PER_SEC);
}

static void
test_billion_laughs (void)
{
  const char *xml = "<?xml version='1.0'?>\n"
                    "<!DOCTYPE domain [\n"
                    "  <!ENTITY lol 'lol'>\n"
                    "  <!ENTITY lol1 '&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;'>\n"
                    "  <!ENTITY lol2 '&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;'>\n"
                    "  <!ENTITY lol3 '&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;'>\n"
                    "  <!ENTITY lol4 '&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;'>\n"
                    "  <!ENTITY lol5 '&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;'>\n"
                    "  <!ENTITY lol6 '&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;'>\n"
                    "  <!ENTITY lol7 '&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;'>\n"
                    "  <!ENTITY lol8 '&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;'>\n"
                    "  <!ENTITY lol9 '&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;'>\n"
                    "]>\n"
                    "<domain type='kvm'><name>t</name><memory>1</memory>"
                    "<description>&lol9;</description></domain>\n";
  gint64 start = g_get_monotonic_time ();

  assert_invalid_xml (KIND_DOMAIN, xml, "a DOCTYPE declaration at line 2 is not allowed");
  /* Refused before anything expands: far below a second. */
  g_assert_cmpint (g_get_monotonic_time () - start, <, G_USEC_PER_SEC);
}

static void
test_external_entity (void)
{
  g_autofree char *secret_path = NULL;
  g_autofree char *xml = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (VbDomainDef) def = NULL;
  int fd = g_file_open_tmp ("vb-secret-XXXXXX", &secret_path, NULL);

  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpint (write (fd, "TOP-SECRET", 10), ==, 10);
  close (fd);

  xml = g_strdup_printf ("<!DOCTYPE domain [<!ENTITY xxe SYSTEM 'file://%s'>]>\n"
                         "<domain type='kvm'><name>&xxe;</name><memory>1</memory></domain>",
                         secret_path);
  def = vb_domain_def_parse (xml, &error);
  g_assert_null (def);
  g_assert_error (error, VB_ERROR, VB_ERROR_INVALID_XML);
  assert_contains (error->message, "DOCTYPE");
  g_assert_null (strstr (error->message, "TOP-SECRET"));

  /* An external DTD is not fetched either. */
  assert_invalid_xml (KIND_DOMAIN,
                      "<!DOCTYPE domain SYSTEM 'http://example.invalid/domain.dtd'>\n"
                      "<domain type='kvm'><name>t</name><memory>1</memory></domain>",
                      "DOCTYPE declaration at line 1 is not allowed");
  g_unlink (secret_path);
}

/* Parsing happens in worker threads: each parse must see only its own
 * errors, whatever the others are doing. */
typedef struct {
  guint index;
  gboolean ok;
} ThreadCase;

static gpointer
parse_in_thread (gpointer data)
{
  ThreadCase *c = data;

  c->ok = TRUE;
  for (guint round = 0; round < 200 && c->ok; round++) {
    g_autoptr (GError) error = NULL;
    g_autofree char *padding = g_strnfill (c->index, '\n');
    g_autofree char *bad = g_strdup_printf ("<domain type='kvm'>%s<name>x</nam></domain>", padding);
    g_autofree char *expected = g_strdup_printf ("malformed XML at line %u:", c->index + 1);
    g_autofree char *good = g_strdup_printf ("<domain type='kvm'><name>vm%u</name><memory>1</memory>"
                                             "</domain>",
                                             c->index);
    g_autoptr (VbDomainDef) def = vb_domain_def_parse (good, NULL);
    g_autoptr (VbDomainDef) none = vb_domain_def_parse (bad, &error);

    c->ok = def != NULL && none == NULL && error != NULL &&
            strstr (error->message, expected) != NULL;
  }
  return NULL;
}

static void
test_parallel_parsing (void)
{
  ThreadCase cases[8];
  GThread *threads[G_N_ELEMENTS (cases)];

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    cases[i].index = i + 1;
    threads[i] = g_thread_new ("parse", parse_in_thread, &cases[i]);
  }
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_thread_join (threads[i]);
    g_assert_true (cases[i].ok);
  }
}

/* ------------------------------------------------------------------------ */
/* Networks */

static void
test_network_fields (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (VbNetworkDef) nat = vb_network_def_parse (
    "<network><name>n</name><forward/><bridge name='virbr9'/>"
    "<ip address='192.168.9.1' netmask='255.255.255.0'/></network>",
    &error);
  g_autoptr (VbNetworkDef) isolated = NULL;
  g_autoptr (VbNetworkDef) copy = NULL;

  g_assert_no_error (error);
  g_assert_cmpstr (nat->name, ==, "n");
  g_assert_true (is_lower_uuid (nat->uuid));
  g_assert_cmpstr (nat->bridge, ==, "virbr9");
  /* A bare <forward/> means NAT, and the stored XML says so. */
  g_assert_cmpstr (nat->forward_mode, ==, "nat");
  assert_contains (nat->xml, "<forward mode='nat'/>");
  assert_contains (nat->xml, "  <uuid>");

  isolated = vb_network_def_parse ("<network connections='3'><name>iso</name></network>", &error);
  g_assert_no_error (error);
  g_assert_null (isolated->forward_mode);
  g_assert_null (isolated->bridge);
  g_assert_true (g_str_has_prefix (isolated->xml, "<network>\n  <name>iso</name>\n"));

  copy = vb_network_def_copy (nat);
  g_assert_cmpstr (copy->xml, ==, nat->xml);
  g_assert_cmpstr (copy->bridge, ==, nat->bridge);
  g_assert_cmpstr (copy->forward_mode, ==, nat->forward_mode);
  g_assert_cmpstr (copy->uuid, ==, nat->uuid);
}

static void
test_network_refusals (void)
{
  assert_invalid_xml (KIND_NETWORK, "<network><name>n</name>\n<forward mode='passthrough'/></network>",
                      "invalid value 'passthrough' for attribute 'mode' on <forward> at line 2");
  /* A Linux bridge network's portgroups carry limits, not VLANs. */
  assert_invalid_xml (KIND_NETWORK,
                      "<network><name>n</name><portgroup name='x'><vlan/></portgroup></network>",
                      "unsupported element <vlan> at line 1 (network/portgroup/vlan)");
  assert_invalid_xml (KIND_NETWORK, "<network><name>n</name><bridge name='br0' zone='x'/></network>",
                      "unsupported attribute 'zone' on <bridge>");
  assert_invalid_xml (KIND_NETWORK, "<network><name>a/b</name></network>",
                      "must not contain '/'");
  assert_invalid_xml (KIND_NETWORK, "<network><uuid>xyz</uuid><name>n</name></network>",
                      "invalid UUID 'xyz' in <uuid>");
  assert_invalid_xml (KIND_NETWORK, "<network><bridge/></network>", "missing element <name> in <network>");
  assert_invalid_xml (KIND_NETWORK,
                      "<network><name>n</name><ip address='10.0.0.1' netmask='255.0.0.0' prefix='8'/>"
                      "</network>",
                      "has both 'netmask' and 'prefix'");
  assert_invalid_xml (KIND_NETWORK,
                      "<network><name>n</name><ip address='10.0.0.1' netmask='255.0.255.0'/></network>",
                      "expected a contiguous netmask");
  assert_invalid_xml (KIND_NETWORK,
                      "<network><name>n</name><ip address='10.0.0.300' prefix='24'/></network>",
                      "invalid value '10.0.0.300' for attribute 'address' on <ip>");
  assert_invalid_xml (KIND_NETWORK,
                      "<network><name>n</name><ip family='ipv6' address='10.0.0.1' prefix='64'/>"
                      "</network>",
                      "expected an IPv6 address");
  assert_invalid_xml (KIND_NETWORK,
                      "<network><name>n</name><ip address='10.0.0.1' prefix='33'/></network>",
                      "expected 1 to 32");
  assert_invalid_xml (KIND_NETWORK,
                      "<network><name>n</name><ip address='10.0.0.1' prefix='24'><dhcp>\n"
                      "<range start='10.0.1.2' end='10.0.0.9'/></dhcp></ip></network>",
                      "address 10.0.1.2 of 'start' on <range> at line 2 is outside the network's");
  assert_invalid_xml (KIND_NETWORK,
                      "<network><name>n</name><ip address='10.0.0.1' prefix='24'><dhcp>"
                      "<range start='10.0.0.9' end='10.0.0.2'/></dhcp></ip></network>",
                      "starts after it ends");
  assert_invalid_xml (KIND_NETWORK,
                      "<network><name>n</name><ip address='10.0.0.1' prefix='24'><dhcp>"
                      "<host mac='zz' ip='10.0.0.5'/></dhcp></ip></network>",
                      "invalid MAC address 'zz' on <host>");
  assert_invalid_xml (KIND_NETWORK,
                      "<network><name>n</name><bridge name='a-very-long-bridge-name'/></network>",
                      "invalid bridge name 'a-very-long-bridge-name'");
  assert_invalid_xml (KIND_NETWORK, "<network><name>n</name><forward mode='bridge'/></network>",
                      "<forward mode='bridge'> at line 1 needs <bridge name=");
  assert_invalid_xml (KIND_NETWORK,
                      "<network><name>n</name><forward mode='bridge'/><bridge name='br0'/>"
                      "<ip address='10.0.0.1' prefix='24'/></network>",
                      "cannot be used with <forward mode='bridge'>");
  assert_invalid_xml (KIND_NETWORK, "<network><name>n</name><dns><host ip='nope'/></dns></network>",
                      "invalid value 'nope' for attribute 'ip' on <host>");
}

/* Each string of a network that reaches a command line, dnsmasq's files or
 * an nft rule, with the injection the issue reported or one like it. */
static void
test_network_hostile_names (void)
{
  static const struct {
    const char *xml;
    const char *message;
  } cases[] = {
    /* nft and dnsmasq read '*' (and iptables '+') as a wildcard: the rules
     * and DNS service would reach every interface starting with 'u'. */
    { "<bridge name='u*'/>", "invalid bridge name 'u*' on <bridge>" },
    { "<bridge name='vb+'/>", "invalid bridge name 'vb+' on <bridge>" },
    { "<bridge name='br\"0'/>", "invalid bridge name 'br\"0' on <bridge>" },
    { "<bridge name='br&#13;0'/>", "on <bridge>" },
    { "<bridge name='.'/>", "invalid bridge name '.' on <bridge>" },
    { "<bridge name='..'/>", "invalid bridge name '..' on <bridge>" },
    { "<forward dev='eth*'/>", "invalid interface name 'eth*' for attribute 'dev' on <forward>" },
    { "<forward dev='a b'/>", "for attribute 'dev' on <forward>" },
    { "<forward mode='bridge'><interface dev='en+'/></forward>",
      "invalid interface name 'en+' for attribute 'dev' on <interface>" },
    { "<forward dev='virbr7'/><bridge name='virbr7'/>",
      "<forward dev='virbr7'> at line 1 names the network's own bridge" },
    { "<domain name='lan&#10;address=/#/10.0.0.1'/>",
      "for attribute 'name' on <domain> at line 1: expected a host name" },
    { "<domain name='a..b'/>", "for attribute 'name' on <domain>" },
    { "<domain name='-lan'/>", "for attribute 'name' on <domain>" },
    { "<dns><host ip='10.0.0.1'><hostname>a&#10;10.0.0.1 evil</hostname></host></dns>",
      "in <hostname> at line 1: expected a host name" },
    { "<dns><host ip='10.0.0.1'><hostname>a#b</hostname></host></dns>", "in <hostname>" },
    { "<dns><forwarder addr='8.8.8.8&#10;server=/x/1.2.3.4'/></dns>",
      "for attribute 'addr' on <forwarder>" },
    { "<dns><forwarder domain='x,y'/></dns>", "for attribute 'domain' on <forwarder>" },
    /* dnsmasq takes TXT and SRV records as comma-separated options: they are
     * not part of the accepted subset, and must stay refused until written. */
    { "<dns><txt name='a' value='b&#10;c'/></dns>", "unsupported element <txt>" },
    { "<dns><srv service='s' protocol='tcp'/></dns>", "unsupported element <srv>" },
    { "<ip address='10.0.0.1' prefix='24'><dhcp>"
      "<host mac='52:54:00:00:00:01' ip='10.0.0.5' name='a&#10;52:54:00:00:00:02,10.0.0.6,evil'/>"
      "</dhcp></ip>",
      "for attribute 'name' on <host> at line 1: expected a host name" },
    { "<ip address='10.0.0.1' prefix='24'><dhcp>"
      "<host mac='52:54:00:00:00:01' name='pc,set:known'/></dhcp></ip>",
      "for attribute 'name' on <host>" },
    { "<ip address='10.0.0.1' prefix='24'><dhcp><host mac='52:54:00:00:00:01' name='pc 1'/>"
      "</dhcp></ip>",
      "for attribute 'name' on <host>" },
    { "<ip address='10.0.0.1' prefix='24'><tftp root='/srv&#10;enable-tftp'/></ip>",
      "for attribute 'root' on <tftp>" },
    { "<forward><nat><address start='1.2.3.4,x' end='1.2.3.5'/></nat></forward>",
      "for attribute 'start' on <address>" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autofree char *xml = g_strdup_printf ("<network><name>n</name>%s</network>", cases[i].xml);

    assert_invalid_xml (KIND_NETWORK, xml, cases[i].message);
  }
}

/* What the stricter checks still take: libvirt's usual names. */
static void
test_network_names_accepted (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (VbNetworkDef) def = vb_network_def_parse (
    "<network><name>n</name><forward mode='nat' dev='eth0.100'/>"
    "<bridge name='virbr-test_1.2'/><domain name='default.lan'/>"
    "<dns><forwarder addr='8.8.8.8' domain='example.com'/>"
    "<host ip='10.0.0.3'><hostname>build</hostname><hostname>build.default.lan</hostname></host>"
    "</dns><ip address='10.0.0.1' prefix='24'><dhcp>"
    "<host mac='52:54:00:00:00:01' name='fedora39' ip='10.0.0.5'/>"
    "<host mac='52:54:00:00:00:02' name='pc-1.example.com'/></dhcp></ip></network>",
    &error);

  g_assert_no_error (error);
  g_assert_cmpstr (def->bridge, ==, "virbr-test_1.2");
}

/* ------------------------------------------------------------------------ */
/* Pools */

static void
test_pool_fields (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (VbPoolDef) dir = vb_pool_def_parse (
    "<pool type='dir'>\n"
    "  <name>images</name>\n"
    "  <capacity unit='bytes'>100</capacity>\n"
    "  <allocation unit='bytes'>50</allocation>\n"
    "  <available unit='bytes'>50</available>\n"
    "  <source/>\n"
    "  <target>\n"
    "    <path>/srv//images/</path>\n"
    "  </target>\n"
    "</pool>\n",
    &error);
  g_autoptr (VbPoolDef) test = NULL;
  g_autoptr (VbPoolDef) copy = NULL;
  g_autofree char *expected = NULL;

  g_assert_no_error (error);
  g_assert_cmpstr (dir->type, ==, "dir");
  g_assert_cmpstr (dir->name, ==, "images");
  g_assert_cmpstr (dir->target_path, ==, "/srv/images");
  g_assert_true (is_lower_uuid (dir->uuid));
  /* Sizes are live values: not part of the stored definition. */
  expected = g_strdup_printf ("<pool type='dir'>\n"
                              "  <name>images</name>\n"
                              "  <uuid>%s</uuid>\n"
                              "  <source/>\n"
                              "  <target>\n"
                              "    <path>/srv/images</path>\n"
                              "  </target>\n"
                              "</pool>\n",
                              dir->uuid);
  g_assert_cmpstr (dir->xml, ==, expected);

  test = vb_pool_def_parse ("<pool type='test'><name>t</name></pool>", &error);
  g_assert_no_error (error);
  g_assert_null (test->target_path);

  copy = vb_pool_def_copy (dir);
  g_assert_cmpstr (copy->xml, ==, dir->xml);
  g_assert_cmpstr (copy->target_path, ==, dir->target_path);
  g_assert_cmpstr (copy->type, ==, dir->type);
}

/* GetXMLDesc's form: the live sizes where libvirt writes them, in bytes,
 * and the result parses back into the same definition. */
static void
test_pool_format_sizes (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (VbPoolDef) dir =
    vb_pool_def_parse ("<pool type='dir'><name>images</name>"
                       "<uuid>0f2c7a9e-1d3b-4c5e-8f60-718293a4b5c6</uuid>"
                       "<target><path>/srv/images</path></target></pool>",
                       &error);
  g_autofree char *xml = NULL;
  g_autoptr (VbPoolDef) again = NULL;

  g_assert_no_error (error);
  xml = vb_pool_def_format_sizes (dir, G_GUINT64_CONSTANT (18446744073709551615), 7, 0);
  g_assert_cmpstr (xml, ==,
                   "<pool type='dir'>\n"
                   "  <name>images</name>\n"
                   "  <uuid>0f2c7a9e-1d3b-4c5e-8f60-718293a4b5c6</uuid>\n"
                   "  <capacity unit='bytes'>18446744073709551615</capacity>\n"
                   "  <allocation unit='bytes'>7</allocation>\n"
                   "  <available unit='bytes'>0</available>\n"
                   "  <target>\n"
                   "    <path>/srv/images</path>\n"
                   "  </target>\n"
                   "</pool>\n");
  again = vb_pool_def_parse (xml, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (again->xml, ==, dir->xml);
}

static void
test_pool_refusals (void)
{
  assert_invalid_xml (KIND_POOL, "<pool type='dir'><name>p</name></pool>",
                      "missing element <path> in <target>");
  assert_invalid_xml (KIND_POOL,
                      "<pool type='dir'><name>p</name><target>\n<path>images</path></target></pool>",
                      "invalid path 'images' in <path> at line 2: expected an absolute path");
  assert_invalid_xml (KIND_POOL, "<pool type='logical'><name>p</name></pool>",
                      "invalid value 'logical' for attribute 'type' on <pool> at line 1: "
                      "expected one of dir, test");
  assert_invalid_xml (KIND_POOL, "<pool><name>p</name></pool>", "missing attribute 'type' on <pool>");
  assert_invalid_xml (KIND_POOL,
                      "<pool type='dir'><name>p</name><source><device path='/dev/sda'/></source>"
                      "</pool>",
                      "unsupported element <device> at line 1 (pool/source/device)");
  assert_invalid_xml (KIND_POOL,
                      "<pool type='dir'><name>p</name><target><path>/p</path><permissions>"
                      "<mode>0789</mode></permissions></target></pool>",
                      "invalid value '0789' in <mode>");
  assert_invalid_xml (KIND_POOL,
                      "<pool type='dir'><name>p</name><target><path>/p</path><permissions>"
                      "<mode>17777</mode></permissions></target></pool>",
                      "expected octal permissions up to 7777");
  assert_invalid_xml (KIND_POOL, "<pool type='test'><name>.p</name></pool>",
                      "must not start with '.'");
}

/* ------------------------------------------------------------------------ */
/* Volumes */

static void
test_volume_defaults (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (VbVolumeDef) raw = vb_volume_def_parse (
    "<volume>\n"
    "  <name>disk.img</name>\n"
    "  <key>/somewhere/else</key>\n"
    "  <capacity unit='G'>10</capacity>\n"
    "  <target>\n"
    "    <path>/somewhere/else</path>\n"
    "  </target>\n"
    "</volume>\n",
    &error);
  g_autoptr (VbVolumeDef) qcow2 = NULL;
  g_autoptr (VbVolumeDef) bytes = NULL;
  g_autoptr (VbVolumeDef) copy = NULL;

  g_assert_no_error (error);
  g_assert_cmpstr (raw->name, ==, "disk.img");
  g_assert_cmpstr (raw->format, ==, "raw");
  g_assert_cmpuint (raw->capacity, ==, G_GUINT64_CONSTANT (10737418240));
  g_assert_cmpuint (raw->allocation, ==, raw->capacity);
  /* key and path are the pool's choice: dropped; the defaults written out. */
  g_assert_cmpstr (raw->xml, ==,
                   "<volume>\n"
                   "  <name>disk.img</name>\n"
                   "  <capacity unit='bytes'>10737418240</capacity>\n"
                   "  <allocation unit='bytes'>10737418240</allocation>\n"
                   "  <target>\n"
                   "    <format type='raw'/>\n"
                   "  </target>\n"
                   "</volume>\n");

  qcow2 = vb_volume_def_parse ("<volume><name>q</name><capacity unit='MiB'>1</capacity>"
                               "<target><format type='qcow2'/></target></volume>",
                               &error);
  g_assert_no_error (error);
  g_assert_cmpstr (qcow2->format, ==, "qcow2");
  g_assert_cmpuint (qcow2->capacity, ==, 1048576);
  g_assert_cmpuint (qcow2->allocation, ==, 0);

  /* Without unit= a volume size is in bytes; allocation is capped. */
  bytes = vb_volume_def_parse ("<volume><name>b</name><capacity>4096</capacity>"
                               "<allocation unit='KiB'>8</allocation></volume>",
                               &error);
  g_assert_no_error (error);
  g_assert_cmpuint (bytes->capacity, ==, 4096);
  g_assert_cmpuint (bytes->allocation, ==, 4096);

  copy = vb_volume_def_copy (qcow2);
  g_assert_cmpstr (copy->xml, ==, qcow2->xml);
  g_assert_cmpstr (copy->format, ==, qcow2->format);
  g_assert_cmpuint (copy->capacity, ==, qcow2->capacity);
}

static void
test_volume_format (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (VbVolumeDef) def = vb_volume_def_parse (
    "<volume><name>x.qcow2</name><capacity>1048576</capacity>"
    "<target><format type='qcow2'/><permissions><mode>0600</mode></permissions></target></volume>",
    &error);
  g_autofree char *xml = NULL;
  g_autofree char *bare_xml = NULL;
  VbVolumeDef bare = { NULL, (char *) "found.img", (char *) "raw", 512, 256 };

  g_assert_no_error (error);
  xml = vb_volume_def_format (def, "/var/lib/virtbus/images/x.qcow2",
                              "/var/lib/virtbus/images/x.qcow2");
  g_assert_cmpstr (xml, ==,
                   "<volume type='file'>\n"
                   "  <name>x.qcow2</name>\n"
                   "  <key>/var/lib/virtbus/images/x.qcow2</key>\n"
                   "  <capacity unit='bytes'>1048576</capacity>\n"
                   "  <allocation unit='bytes'>0</allocation>\n"
                   "  <target>\n"
                   "    <path>/var/lib/virtbus/images/x.qcow2</path>\n"
                   "    <format type='qcow2'/>\n"
                   "    <permissions>\n"
                   "      <mode>0600</mode>\n"
                   "    </permissions>\n"
                   "  </target>\n"
                   "</volume>\n");

  /* A volume the storage driver found on disk has no stored XML. */
  bare_xml = vb_volume_def_format (&bare, "k&y", "/p/found.img");
  g_assert_cmpstr (bare_xml, ==,
                   "<volume type='file'>\n"
                   "  <name>found.img</name>\n"
                   "  <key>k&amp;y</key>\n"
                   "  <capacity unit='bytes'>512</capacity>\n"
                   "  <allocation unit='bytes'>256</allocation>\n"
                   "  <target>\n"
                   "    <path>/p/found.img</path>\n"
                   "    <format type='raw'/>\n"
                   "  </target>\n"
                   "</volume>\n");
}

static void
test_volume_refusals (void)
{
  g_autofree char *long_name = g_strnfill (256, 'v');
  g_autofree char *long_xml =
    g_strdup_printf ("<volume><name>%s</name><capacity>1</capacity></volume>", long_name);
  g_autofree char *max_xml = NULL;
  g_autoptr (VbVolumeDef) max = NULL;

  assert_invalid_xml (KIND_VOLUME,
                      "<volume><name>v</name><capacity>1</capacity>\n"
                      "<backingStore><path>/base.qcow2</path></backingStore></volume>",
                      "unsupported element <backingStore> at line 2 (volume/backingStore)");
  assert_invalid_xml (KIND_VOLUME, "<volume><name>v</name></volume>",
                      "missing element <capacity> in <volume>");
  assert_invalid_xml (KIND_VOLUME,
                      "<volume><name>v</name><capacity>1</capacity><target><format type='vmdk'/>"
                      "</target></volume>",
                      "invalid value 'vmdk' for attribute 'type' on <format>");
  assert_invalid_xml (KIND_VOLUME, "<volume type='block'><name>v</name><capacity>1</capacity></volume>",
                      "invalid value 'block' for attribute 'type' on <volume>");
  assert_invalid_xml (KIND_VOLUME, "<volume><name>v</name><capacity>-1</capacity></volume>",
                      "invalid value '-1' in <capacity>");

  /* Names become file names: a bad one is a bad argument. */
  assert_refused (KIND_VOLUME, "<volume><name>../etc</name><capacity>1</capacity></volume>",
                  VB_ERROR_INVALID_ARGUMENT, "must not contain '/'");
  assert_refused (KIND_VOLUME, "<volume><name>.hidden</name><capacity>1</capacity></volume>",
                  VB_ERROR_INVALID_ARGUMENT, "must not start with '.'");
  assert_refused (KIND_VOLUME, "<volume><name>a&#10;b</name><capacity>1</capacity></volume>",
                  VB_ERROR_INVALID_ARGUMENT, "control characters");
  assert_refused (KIND_VOLUME, "<volume><name>a&#133;b</name><capacity>1</capacity></volume>",
                  VB_ERROR_INVALID_ARGUMENT, "control characters (U+0085)");
  assert_refused (KIND_VOLUME, "<volume><name>a&#8203;b</name><capacity>1</capacity></volume>",
                  VB_ERROR_INVALID_ARGUMENT, "invisible format characters (U+200B)");
  /* Networks and pools share the rule. */
  assert_invalid_xml (KIND_NETWORK, "<network><name>n&#133;</name></network>",
                      "invalid name 'n\\u0085' in <name> at line 1: a name must not contain "
                      "control characters (U+0085)");
  assert_invalid_xml (KIND_POOL,
                      "<pool type='dir'><name>p&#133;</name><target><path>/p</path></target></pool>",
                      "a name must not contain control characters (U+0085)");
  assert_refused (KIND_VOLUME, "<volume><name></name><capacity>1</capacity></volume>",
                  VB_ERROR_INVALID_ARGUMENT, "must not be empty");
  assert_refused (KIND_VOLUME, long_xml, VB_ERROR_INVALID_ARGUMENT, "at most 255 bytes");

  max_xml = g_strdup_printf ("<volume><name>%.255s</name><capacity>1</capacity></volume>",
                             long_name);
  max = vb_volume_def_parse (max_xml, NULL);
  g_assert_nonnull (max);
}

/* ------------------------------------------------------------------------ */

int
main (int argc, char **argv)
{
  g_autoptr (GPtrArray) samples = NULL;

  g_test_init (&argc, &argv, NULL);

  samples = list_samples ();
  g_test_add_data_func ("/xml-defs/samples/present", samples, test_samples_present);
  for (guint i = 0; i < samples->len; i++) {
    const char *file = g_ptr_array_index (samples, i);
    g_autofree char *path = g_strdup_printf ("/xml-defs/samples/round-trip/%s", file);

    g_test_add_data_func (path, file, test_sample_round_trip);
  }
  g_test_add_func ("/xml-defs/samples/fields", test_sample_fields);

  g_test_add_func ("/xml-defs/parser/malformed", test_malformed);
  g_test_add_func ("/xml-defs/parser/malformed-is-silent", test_malformed_is_silent);
  g_test_add_func ("/xml-defs/parser/invalid-utf8", test_invalid_utf8);
  g_test_add_func ("/xml-defs/parser/empty-document", test_empty_document);
  g_test_add_func ("/xml-defs/parser/wrong-root", test_wrong_root);
  g_test_add_func ("/xml-defs/parser/oversized-document", test_oversized_document);
  g_test_add_func ("/xml-defs/parser/billion-laughs", test_billion_laughs);
  g_test_add_func ("/xml-defs/parser/many-attributes", test_many_attributes);
  g_test_add_func ("/xml-defs/parser/deep-nesting", test_deep_nesting);
  g_test_add_func ("/xml-defs/parser/many-elements", test_many_elements);
  g_test_add_func ("/xml-defs/parser/many-attributes-in-all", test_many_attributes_in_all);
  g_test_add_func ("/xml-defs/parser/largest-accepted", test_largest_accepted);
  g_test_add_func ("/xml-defs/parser/external-entity", test_external_entity);
  g_test_add_func ("/xml-defs/parser/parallel", test_parallel_parsing);

  g_test_add_func ("/xml-defs/network/fields", test_network_fields);
  g_test_add_func ("/xml-defs/network/refusals", test_network_refusals);
  g_test_add_func ("/xml-defs/network/hostile-names", test_network_hostile_names);
  g_test_add_func ("/xml-defs/network/names-accepted", test_network_names_accepted);
  g_test_add_func ("/xml-defs/pool/fields", test_pool_fields);
  g_test_add_func ("/xml-defs/pool/format-sizes", test_pool_format_sizes);
  g_test_add_func ("/xml-defs/pool/refusals", test_pool_refusals);
  g_test_add_func ("/xml-defs/volume/defaults", test_volume_defaults);
  g_test_add_func ("/xml-defs/volume/format", test_volume_format);
  g_test_add_func ("/xml-defs/volume/refusals", test_volume_refusals);

  return g_test_run ();
}
