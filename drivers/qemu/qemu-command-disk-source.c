/* The storage of <disk type='network'> (a -blockdev of QEMU's nbd, iscsi,
 * curl, ssh, rbd, gluster or nfs driver), the LUKS layer of an encrypted
 * disk, and the secrets both name: what qemu-command-disk.c asks for where
 * it makes a disk's nodes. Every string of the XML goes into JSON members
 * (or a URL, escaped), never into an option string. */
#include "qemu-command-disk-format.h"
#include "qemu-command-disk-source.h"

#include "qemu-command-private.h"

#include <stdlib.h>

void
vb_qemu_secret_free (VbQemuSecret *secret)
{
  if (!secret)
    return;
  g_free (secret->id);
  g_clear_pointer (&secret->value, g_bytes_unref);
  g_free (secret->fd_arg);
  g_free (secret);
}

/* libvirt's <secret type=> of a disk and the usage type of the secret it
 * names by usage= (docs/api.md, "Secrets"). */
static const char *
usage_type_of (const char *type)
{
  if (g_str_equal (type, "passphrase"))
    return "volume";
  return type; /* iscsi, ceph, volume, tls */
}

/* Whether @word is one of the '|'-separated @words. */
static gboolean
word_in (const char *word, const char *words)
{
  g_auto (GStrv) each = g_strsplit (words, "|", -1);

  return word && g_strv_contains ((const char *const *) each, word);
}

/* Adds the QEMU secret object @id holding the value of the secret that
 * @node (a <secret type uuid|usage>) names to @secrets; @want_types, the
 * types it may have ("iscsi|ceph"); @sent_as_is, whether the disk sends the
 * value itself to its server (secret_value refuses a private secret then). */
gboolean
vb_qemu_disk_secret_value (xmlNode *node, const char *want_types, gboolean sent_as_is,
                           const VbQemuCommandContext *context, GBytes **value, GError **error)
{
  g_autofree char *type = vb_xml_attr (node, "type");
  g_autofree char *uuid = vb_xml_attr (node, "uuid");
  g_autofree char *usage = vb_xml_attr (node, "usage");

  *value = NULL;
  if (!uuid == !usage)
    return refuse (error, node, "a secret is named by exactly one of uuid= and usage=");
  if (!word_in (type, want_types))
    return refuse (error, node, "the secret here is of type '%s', not '%s'", want_types, type);
  if (context->dry_run)
    return TRUE;
  if (!context->secret_value)
    return refuse (error, node, "no secret store here to read the secret from");
  *value = context->secret_value (uuid, usage_type_of (type), usage, sent_as_is,
                                  context->secret_data, error);
  return *value != NULL;
}

static gboolean
add_secret (xmlNode *node, const char *id, const char *want_types, gboolean sent_as_is,
            const VbQemuCommandContext *context, GPtrArray *secrets, GError **error)
{
  VbQemuSecret *secret;
  g_autoptr (GBytes) value = NULL;

  if (!secrets)
    return refuse (error, node,
                   "a disk that needs a secret cannot be plugged into a running domain; "
                   "define it and start the domain");
  if (!vb_qemu_disk_secret_value (node, want_types, sent_as_is, context, &value, error))
    return FALSE;
  secret = g_new0 (VbQemuSecret, 1);
  secret->id = g_strdup (id);
  secret->value = g_steal_pointer (&value);
  secret->fd_arg = g_strdup_printf ("@SECRETFD%u@", secrets->len);
  g_ptr_array_add (secrets, secret);
  return TRUE;
}

/* Adds the QEMU secret object @id holding @text, a value of the XML itself
 * (HTTP cookies), which still stays off the command line. */
static gboolean
add_text_secret (xmlNode *node, const char *id, const char *text, GPtrArray *secrets,
                 GError **error)
{
  VbQemuSecret *secret;

  if (!secrets)
    return refuse (error, node,
                   "a disk that needs a secret cannot be plugged into a running domain; "
                   "define it and start the domain");
  secret = g_new0 (VbQemuSecret, 1);
  secret->id = g_strdup (id);
  secret->value = g_bytes_new (text, strlen (text));
  secret->fd_arg = g_strdup_printf ("@SECRETFD%u@", secrets->len);
  g_ptr_array_add (secrets, secret);
  return TRUE;
}

/* ---- network sources ---- */

typedef struct {
  xmlNode *node;
  char *name;
  char *port;
  char *transport;
  char *socket;
} Host;

static void
host_clear (Host *host)
{
  g_free (host->name);
  g_free (host->port);
  g_free (host->transport);
  g_free (host->socket);
}

typedef struct {
  xmlNode *disk;
  xmlNode *source;
  const char *protocol;
  const char *name; /* source name=, may be NULL */
  GArray *hosts;    /* Host */
  xmlNode *auth;    /* <auth> on <source> or on <disk>, NULL without */
  const char *node_name;
  const VbQemuCommandContext *context;
  GPtrArray *secrets;
  JsonObject *proto;
} Source;

static gboolean
read_hosts (Source *s, GError **error)
{
  for (xmlNode *node = vb_xml_child (s->source, "host"); node; node = vb_xml_next (node, "host"))
    {
      Host host = { node, vb_xml_attr (node, "name"), vb_xml_attr (node, "port"),
                    vb_xml_attr (node, "transport"), vb_xml_attr (node, "socket") };

      g_array_append_val (s->hosts, host);
      if (g_strcmp0 (host.transport, "unix") == 0)
        {
          if (!host.socket || !g_path_is_absolute (host.socket))
            return refuse (error, node, "transport='unix' needs socket= with an absolute path");
          if (host.name || host.port)
            return refuse (error, node, "transport='unix' takes socket=, not name= or port=");
          continue;
        }
      if (host.socket)
        return refuse (error, node, "socket= is for transport='unix'");
      /* A host name or an address, and nothing a URL or a portal could read
       * as more (user@, a path, a second port). */
      if (!vb_qemu_plain_word (host.name, ":"))
        return refuse (error, node, "a host is a name or an IP address (letters, digits, '.-:')");
    }
  return TRUE;
}

static gboolean
one_host (Source *s, gboolean unix_ok, GError **error)
{
  Host *host;

  if (s->hosts->len != 1)
    return refuse (error, s->source, "a '%s' disk names exactly one <host>", s->protocol);
  host = &g_array_index (s->hosts, Host, 0);
  if (g_strcmp0 (host->transport, "rdma") == 0 && !g_str_equal (s->protocol, "iscsi"))
    return refuse (error, host->node, "transport='rdma' is for iscsi disks");
  if (!unix_ok && g_strcmp0 (host->transport, "unix") == 0)
    return refuse (error, host->node, "a '%s' disk cannot use transport='unix'", s->protocol);
  return TRUE;
}

static gboolean
need_name (Source *s, const char *what, GError **error)
{
  if (s->name && *s->name)
    return TRUE;
  return refuse (error, s->source, "a '%s' disk needs name= (%s)", s->protocol, what);
}

static JsonObject *
inet_server (Host *host, const char *default_port, gboolean typed)
{
  JsonObject *server = json_object_new ();

  if (g_strcmp0 (host->transport, "unix") == 0)
    {
      json_object_set_string_member (server, "type", "unix");
      json_object_set_string_member (server, "path", host->socket);
      return server;
    }
  if (typed)
    json_object_set_string_member (server, "type", "inet");
  json_object_set_string_member (server, "host", host->name);
  if (host->port || default_port)
    json_object_set_string_member (server, "port", host->port ? host->port : default_port);
  return server;
}

/* "host:port", an IPv6 address in brackets. */
static char *
host_port (Host *host, const char *default_port)
{
  const char *port = host->port ? host->port : default_port;
  gboolean v6 = strchr (host->name, ':') != NULL;

  return port ? g_strdup_printf (v6 ? "[%s]:%s" : "%s:%s", host->name, port)
              : g_strdup_printf (v6 ? "[%s]" : "%s", host->name);
}

/* The secret of <auth> under @member (password-secret, key-secret). */
static gboolean
auth_secret (Source *s, const char *member, const char *want_types, gboolean sent_as_is,
             GError **error)
{
  xmlNode *secret = vb_xml_child (s->auth, "secret");
  g_autofree char *id = g_strdup_printf ("%s-auth-secret", s->node_name);

  if (!secret)
    return refuse (error, s->auth, "<auth> needs a <secret> naming the password");
  if (!add_secret (secret, id, want_types, sent_as_is, s->context, s->secrets, error))
    return FALSE;
  json_object_set_string_member (s->proto, member, id);
  return TRUE;
}

static gboolean
auth_user (Source *s, const char *member, GError **error)
{
  g_autofree char *user = vb_xml_attr (s->auth, "username");

  if (!user || !*user)
    return refuse (error, s->auth, "<auth> needs username=");
  json_object_set_string_member (s->proto, member, user);
  return TRUE;
}

static gboolean
source_nbd (Source *s, GError **error)
{
  xmlNode *reconnect = vb_xml_child (s->source, "reconnect");

  if (!one_host (s, TRUE, error))
    return FALSE;
  if (s->auth)
    return refuse (error, s->auth, "NBD has no authentication (only TLS: tls='yes')");
  json_object_set_string_member (s->proto, "driver", "nbd");
  json_object_set_object_member (s->proto, "server",
                                 inet_server (&g_array_index (s->hosts, Host, 0), "10809", TRUE));
  if (s->name)
    json_object_set_string_member (s->proto, "export", s->name);
  /* After a lost connection QEMU reconnects; for the first delay seconds
   * the guest's requests wait for it rather than fail. */
  if (reconnect)
    {
      if (!xmlHasProp (reconnect, BAD_CAST "delay") || xmlHasProp (reconnect, BAD_CAST "enabled")
          || xmlHasProp (reconnect, BAD_CAST "timeout"))
        return refuse (error, reconnect,
                       "an nbd disk's <reconnect> has delay= (seconds) only; enabled= and "
                       "timeout= are a vhostuser disk's");
      json_object_set_int_member (s->proto, "reconnect-delay",
                                  vb_xml_attr_uint (reconnect, "delay", 0));
    }
  return TRUE;
}

/* RFC 3720's iSCSI names, in the normalized form the protocol carries
 * (3.2.6): at most 223 bytes of lowercase letters, digits, '-', '.' and
 * ':'; "iqn." YYYY-MM "." a reversed domain name, then ":" and anything
 * of those; or "eui." and 16 hex digits, "naa." and 16 or 32. */
static gboolean
is_iscsi_name (const char *name)
{
  const char *p;

  if (strlen (name) > 223)
    return FALSE;
  if (g_str_has_prefix (name, "eui.") || g_str_has_prefix (name, "naa."))
    {
      gsize digits = strlen (name + 4);

      for (p = name + 4; *p; p++)
        if (!g_ascii_isxdigit (*p))
          return FALSE;
      return digits == 16 || (name[0] == 'n' && digits == 32);
    }
  if (!g_str_has_prefix (name, "iqn."))
    return FALSE;
  p = name + 4;
  for (guint i = 0; i < 7; i++)
    if (i == 4 ? p[i] != '-' : !g_ascii_isdigit (p[i]))
      return FALSE;
  if ((p[5] - '0') * 10 + (p[6] - '0') < 1 || (p[5] - '0') * 10 + (p[6] - '0') > 12
      || p[7] != '.')
    return FALSE;
  /* The naming authority: labels of letters, digits and '-'. */
  p += 8;
  for (gboolean label_start = TRUE; *p && *p != ':'; p++)
    {
      if (*p == '.' ? label_start : !(g_ascii_islower (*p) || g_ascii_isdigit (*p) || *p == '-'))
        return FALSE;
      label_start = *p == '.';
    }
  if (p == name + 12 || p[-1] == '.')
    return FALSE;
  for (; *p; p++)
    if (!(g_ascii_islower (*p) || g_ascii_isdigit (*p) || strchr ("-.:", *p)))
      return FALSE;
  return TRUE;
}

static gboolean
source_iscsi (Source *s, GError **error)
{
  Host *host;
  const char *slash;
  g_autofree char *target = NULL;
  g_autofree char *portal = NULL;
  g_autofree char *iqn = child_attr (vb_xml_child (s->source, "initiator"), "iqn", "name");
  guint64 lun = 0;

  if (!one_host (s, FALSE, error) || !need_name (s, "the target IQN and '/' LUN", error))
    return FALSE;
  host = &g_array_index (s->hosts, Host, 0);
  /* libvirt's name is "target/lun", the LUN 0 when absent. */
  slash = strrchr (s->name, '/');
  if (slash && !g_ascii_string_to_unsigned (slash + 1, 10, 0, 16383, &lun, NULL))
    return refuse (error, s->source, "the LUN after the last '/' of name= is a number up to 16383");
  target = slash ? g_strndup (s->name, slash - s->name) : g_strdup (s->name);
  portal = host_port (host, "3260");
  json_object_set_string_member (s->proto, "driver", "iscsi");
  json_object_set_string_member (s->proto, "transport",
                                 g_strcmp0 (host->transport, "rdma") == 0 ? "iser" : "tcp");
  json_object_set_string_member (s->proto, "portal", portal);
  json_object_set_string_member (s->proto, "target", target);
  json_object_set_int_member (s->proto, "lun", (gint64) lun);
  if (iqn && !is_iscsi_name (iqn))
    return refuse (error, vb_xml_child (vb_xml_child (s->source, "initiator"), "iqn"),
                   "'%s' is not an iSCSI initiator name (RFC 3720: iqn.YYYY-MM.reversed.domain "
                   "with an optional ':' and more, in lowercase letters, digits, '-', '.' and "
                   "':'; or eui. and 16 hex digits, or naa. and 16 or 32)",
                   iqn);
  if (iqn)
    json_object_set_string_member (s->proto, "initiator-name", iqn);
  if (s->auth
      && (!auth_user (s, "user", error)
          || !auth_secret (s, "password-secret", "iscsi", FALSE, error)))
    return FALSE;
  return TRUE;
}

/* http, https, ftp, ftps: QEMU's curl driver, read-only. */
/* RFC 6265: a cookie's name is a token, its value cookie-octets; nothing
 * that could end the Cookie header or start another. */
static gboolean
cookie_chars (const char *text, const char *forbidden)
{
  for (const char *p = text; *p; p++)
    if (*p <= 0x20 || *p >= 0x7f || strchr (forbidden, *p))
      return FALSE;
  return TRUE;
}

char *
vb_qemu_disk_cookie_line (xmlNode *cookies, GError **error)
{
  g_autoptr (GString) line = g_string_new (NULL);

  for (xmlNode *cookie = vb_xml_child (cookies, "cookie"); cookie;
       cookie = vb_xml_next (cookie, "cookie"))
    {
      g_autofree char *name = vb_xml_attr (cookie, "name");
      g_autofree char *value = vb_xml_text (cookie);

      if (!*name || !cookie_chars (name, "()<>@,;:\\\"/[]?={}"))
        {
          refuse (error, cookie, "a cookie's name is a token (RFC 6265)");
          return NULL;
        }
      if (!cookie_chars (value, "\",;\\"))
        {
          refuse (error, cookie, "a cookie's value is made of RFC 6265 cookie-octets");
          return NULL;
        }
      g_string_append_printf (line, "%s%s=%s", line->len ? "; " : "", name, value);
    }
  if (!line->len)
    {
      refuse (error, cookies, "<cookies> without a <cookie>");
      return NULL;
    }
  return g_string_free (g_steal_pointer (&line), FALSE);
}

/* <cookies>: QEMU's cookie-secret, "name=value; name=value". */
static gboolean
curl_cookies (Source *s, xmlNode *cookies, GError **error)
{
  g_autofree char *line = vb_qemu_disk_cookie_line (cookies, error);
  g_autofree char *id = g_strdup_printf ("%s-cookie-secret", s->node_name);

  if (!line || !add_text_secret (cookies, id, line, s->secrets, error))
    return FALSE;
  json_object_set_string_member (s->proto, "cookie-secret", id);
  return TRUE;
}

char *
vb_qemu_disk_curl_url (xmlNode *source)
{
  xmlNode *host_node = vb_xml_child (source, "host");
  Host host = { host_node, vb_xml_attr (host_node, "name"), vb_xml_attr (host_node, "port"),
                NULL, NULL };
  g_autofree char *protocol = vb_xml_attr (source, "protocol");
  g_autofree char *name = vb_xml_attr (source, "name");
  g_autofree char *query = vb_xml_attr (source, "query");
  g_autofree char *address = host_port (&host, NULL);
  g_autofree char *path = NULL;
  GString *url = g_string_new (NULL);

  /* Escaped: a name holding '?', '#' or "/../" stays one path. */
  path = g_uri_escape_string (name[0] == '/' ? name + 1 : name, "/", FALSE);
  g_string_append_printf (url, "%s://%s/%s", protocol, address, path);
  if (query)
    {
      g_autofree char *escaped = g_uri_escape_string (query, "=&;", FALSE);
      g_string_append_printf (url, "?%s", escaped);
    }
  host_clear (&host);
  return g_string_free (url, FALSE);
}

/* A disk nbdkit serves (qemu-command-disk-nbdkit.c): QEMU's node is an NBD
 * client of its socket; what nbdkit is given is checked where its command
 * line is made, for the <disk> itself only. */
static gboolean
source_nbdkit (Source *s, GError **error)
{
  JsonObject *server = json_object_new ();
  g_autofree char *socket_path = vb_qemu_disk_nbdkit_socket (s->context, s->node_name);

  if (!xmlStrEqual (s->disk->name, BAD_CAST "disk"))
    return refuse (error, s->disk,
                   "QEMU 7.2's own '%s' driver cannot open this <%s> (it only reads http(s) and "
                   "ftp(s); for ssh it has no known hosts, key file, agent socket or password), "
                   "and nbdkit serves a <disk>'s own source only",
                   s->protocol, (const char *) s->disk->name);
  if (!s->secrets)
    return refuse (error, s->disk,
                   "a disk that nbdkit serves cannot be plugged into a running domain; "
                   "define it and start the domain");
  json_object_set_string_member (server, "type", "unix");
  json_object_set_string_member (server, "path", socket_path);
  json_object_set_string_member (s->proto, "driver", "nbd");
  json_object_set_object_member (s->proto, "server", server);
  return TRUE;
}

static gboolean
source_curl (Source *s, GError **error)
{
  gboolean tls = g_str_has_suffix (s->protocol, "s");
  xmlNode *readahead = vb_xml_child (s->source, "readahead");
  xmlNode *timeout = vb_xml_child (s->source, "timeout");
  xmlNode *ssl = vb_xml_child (s->source, "ssl");
  g_autofree char *url = NULL;

  if (!one_host (s, FALSE, error) || !need_name (s, "the path on the server", error))
    return FALSE;
  if (ssl && !tls)
    return refuse (error, ssl, "<ssl> is for https and ftps disks");
  /* QEMU's curl driver only reads: a disk the guest writes is nbdkit's. */
  if (vb_qemu_disk_nbdkit_serves (s->disk))
    return source_nbdkit (s, error);
  url = vb_qemu_disk_curl_url (s->source);
  json_object_set_string_member (s->proto, "driver", s->protocol);
  json_object_set_string_member (s->proto, "url", url);
  if (readahead)
    json_object_set_int_member (s->proto, "readahead", vb_xml_attr_uint (readahead, "size", 0));
  if (timeout)
    json_object_set_int_member (s->proto, "timeout", vb_xml_attr_uint (timeout, "seconds", 0));
  if (ssl)
    json_object_set_boolean_member (s->proto, "sslverify", vb_xml_attr_is (ssl, "verify", "yes"));
  if (vb_xml_child (s->source, "cookies")
      && !curl_cookies (s, vb_xml_child (s->source, "cookies"), error))
    return FALSE;
  if (s->auth
      && (!auth_user (s, "username", error)
          || !auth_secret (s, "password-secret", "iscsi|ceph", TRUE, error)))
    return FALSE;
  return TRUE;
}

/* <identity username> is the user QEMU's ssh driver logs in as (or
 * nbdkit's, which also takes keyfile= and agentsock=, and <knownHosts>). */
static gboolean
ssh_identity (Source *s, GError **error)
{
  xmlNode *identity = vb_xml_child (s->source, "identity");
  g_autofree char *user = NULL;

  if (!identity)
    return TRUE;
  if (xmlHasProp (identity, (const xmlChar *) "user")
      || xmlHasProp (identity, (const xmlChar *) "group"))
    return refuse (error, identity, "user= and group= of <identity> are for nfs disks");
  user = vb_xml_attr (identity, "username");
  if (user && s->auth)
    return refuse (error, identity, "the user is named once: <identity username> or <auth>");
  return TRUE;
}

static gboolean
source_ssh (Source *s, GError **error)
{
  g_autofree char *user = child_attr (s->source, "identity", "username");

  if (!one_host (s, FALSE, error) || !need_name (s, "the path of the image on the server", error)
      || !ssh_identity (s, error))
    return FALSE;
  /* QEMU 7.2's ssh driver logs in with the agent of its own environment
   * and checks hosts against its user's known_hosts only: a known-hosts
   * file, a key file, an agent socket or a password is nbdkit's. */
  if (vb_qemu_disk_nbdkit_serves (s->disk))
    return source_nbdkit (s, error);
  if (user && *user)
    json_object_set_string_member (s->proto, "user", user);
  json_object_set_string_member (s->proto, "driver", "ssh");
  json_object_set_object_member (s->proto, "server",
                                 inet_server (&g_array_index (s->hosts, Host, 0), "22", FALSE));
  json_object_set_string_member (s->proto, "path", s->name);
  if (s->auth && !auth_user (s, "user", error))
    return FALSE;
  return TRUE;
}

static gboolean
source_rbd (Source *s, GError **error)
{
  g_auto (GStrv) parts = NULL;
  g_autofree char *snapshot = child_attr (s->source, "snapshot", "name");
  g_autofree char *conf = child_attr (s->source, "config", "file");
  guint n;

  if (!need_name (s, "pool/image or pool/namespace/image", error))
    return FALSE;
  parts = g_strsplit (s->name, "/", -1);
  n = g_strv_length (parts);
  if (n < 2 || n > 3)
    return refuse (error, s->source, "an rbd disk's name= is pool/image or pool/namespace/image");
  for (guint i = 0; i < n; i++)
    if (!*parts[i])
      return refuse (error, s->source, "an rbd disk's name= has an empty part");
  json_object_set_string_member (s->proto, "driver", "rbd");
  json_object_set_string_member (s->proto, "pool", parts[0]);
  if (n == 3)
    json_object_set_string_member (s->proto, "namespace", parts[1]);
  json_object_set_string_member (s->proto, "image", parts[n - 1]);
  if (snapshot)
    json_object_set_string_member (s->proto, "snapshot", snapshot);
  if (conf)
    json_object_set_string_member (s->proto, "conf", conf);
  if (s->hosts->len)
    {
      JsonArray *servers = json_array_new ();

      for (guint i = 0; i < s->hosts->len; i++)
        {
          Host *host = &g_array_index (s->hosts, Host, i);

          if (host->transport && !g_str_equal (host->transport, "tcp"))
            {
              json_array_unref (servers);
              return refuse (error, host->node, "Ceph monitors are reached over tcp");
            }
          json_array_add_object_element (servers, inet_server (host, "6789", FALSE));
        }
      json_object_set_array_member (s->proto, "server", servers);
    }
  if (s->auth)
    {
      JsonArray *required = json_array_new ();

      if (!auth_user (s, "user", error) || !auth_secret (s, "key-secret", "ceph", FALSE, error))
        {
          json_array_unref (required);
          return FALSE;
        }
      /* As libvirt: cephx with the key, never a silent fall back to none. */
      json_array_add_string_element (required, "cephx");
      json_object_set_array_member (s->proto, "auth-client-required", required);
    }
  else
    {
      JsonArray *required = json_array_new ();

      json_array_add_string_element (required, "none");
      json_object_set_array_member (s->proto, "auth-client-required", required);
    }
  return TRUE;
}

static gboolean
source_gluster (Source *s, GError **error)
{
  const char *slash;
  g_autofree char *volume = NULL;
  JsonArray *servers;

  if (!need_name (s, "volume/path", error))
    return FALSE;
  if (s->auth)
    return refuse (error, s->auth, "gluster disks have no authentication");
  slash = strchr (s->name, '/');
  if (!slash || slash == s->name || !slash[1])
    return refuse (error, s->source, "a gluster disk's name= is volume/path");
  if (s->hosts->len == 0)
    return refuse (error, s->source, "a gluster disk names at least one <host>");
  volume = g_strndup (s->name, slash - s->name);
  json_object_set_string_member (s->proto, "driver", "gluster");
  json_object_set_string_member (s->proto, "volume", volume);
  json_object_set_string_member (s->proto, "path", slash + 1);
  servers = json_array_new ();
  json_object_set_array_member (s->proto, "server", servers);
  for (guint i = 0; i < s->hosts->len; i++)
    {
      Host *host = &g_array_index (s->hosts, Host, i);

      if (g_strcmp0 (host->transport, "rdma") == 0)
        return refuse (error, host->node, "QEMU 7.2 reaches gluster over tcp or unix only");
      json_array_add_object_element (servers, inet_server (host, "24007", TRUE));
    }
  return TRUE;
}

/* <identity user group> of an NFS disk: the ids QEMU's nfs driver presents,
 * libvirt's "+N" (or a bare number); names would be the host's users, which
 * mean nothing to the server. */
static gboolean
nfs_id (Source *s, xmlNode *identity, const char *attr, GError **error)
{
  g_autofree char *text = vb_xml_attr (identity, attr);
  guint64 id = 0;

  if (!text)
    return TRUE;
  if (!g_ascii_string_to_unsigned (text[0] == '+' ? text + 1 : text, 10, 0, G_MAXINT32, &id, NULL))
    return refuse (error, identity, "an NFS %s is a number (+N), not a name", attr);
  json_object_set_int_member (s->proto, attr, (gint64) id);
  return TRUE;
}

static gboolean
source_nfs (Source *s, GError **error)
{
  Host *host;
  JsonObject *server;
  xmlNode *identity = vb_xml_child (s->source, "identity");

  if (!one_host (s, FALSE, error) || !need_name (s, "the path of the image on the server", error))
    return FALSE;
  if (s->auth)
    return refuse (error, s->auth, "NFS disks have no authentication in QEMU");
  if (identity
      && (xmlHasProp (identity, (const xmlChar *) "username")
          || xmlHasProp (identity, (const xmlChar *) "keyfile")
          || xmlHasProp (identity, (const xmlChar *) "agentsock")))
    return refuse (error, identity,
                   "username=, keyfile= and agentsock= of <identity> are for ssh disks");
  host = &g_array_index (s->hosts, Host, 0);
  if (host->port)
    return refuse (error, host->node, "QEMU's nfs driver finds the port itself: no port=");
  server = json_object_new ();
  json_object_set_string_member (server, "type", "inet");
  json_object_set_string_member (server, "host", host->name);
  json_object_set_string_member (s->proto, "driver", "nfs");
  json_object_set_object_member (s->proto, "server", server);
  json_object_set_string_member (s->proto, "path", s->name);
  return !identity || (nfs_id (s, identity, "user", error) && nfs_id (s, identity, "group", error));
}

static const struct {
  const char *protocol;
  gboolean (*build) (Source *s, GError **error);
} protocols[] = {
  { "nbd", source_nbd },    { "iscsi", source_iscsi }, { "http", source_curl },
  { "https", source_curl }, { "ftp", source_curl },    { "ftps", source_curl },
  { "ssh", source_ssh },    { "rbd", source_rbd },     { "gluster", source_gluster },
  { "nfs", source_nfs },
};

/* The one of @a and @b that is present; refuses both. */
static gboolean
one_place (xmlNode *a, xmlNode *b, xmlNode **found, GError **error)
{
  if (a && b)
    return refuse (error, b, "given twice: on <disk> and on <source>");
  *found = a ? a : b;
  return TRUE;
}

gboolean
vb_qemu_disk_network_source (xmlNode *disk, const char *node_name,
                             const VbQemuCommandContext *context, GPtrArray *secrets,
                             JsonObject *proto, GError **error)
{
  xmlNode *source = vb_xml_child (disk, "source");
  g_autofree char *protocol = vb_xml_attr (source, "protocol");
  g_autofree char *name = vb_xml_attr (source, "name");
  g_autofree char *query = vb_xml_attr (source, "query");
  g_autoptr (GArray) hosts = g_array_new (FALSE, TRUE, sizeof (Host));
  Source s = { disk, source, protocol, name, hosts, NULL, node_name, context, secrets, proto };

  g_array_set_clear_func (hosts, (GDestroyNotify) host_clear);
  if (!vb_qemu_disk_tls (disk, node_name, secrets == NULL, proto, error))
    return FALSE;
  if (!one_place (vb_xml_child (disk, "auth"), vb_xml_child (source, "auth"), &s.auth, error)
      || !read_hosts (&s, error))
    return FALSE;
  if (query && !g_str_has_prefix (protocol, "http"))
    return refuse (error, source, "query= is for http and https disks");
  for (guint i = 0; i < G_N_ELEMENTS (protocols); i++)
    if (g_str_equal (protocols[i].protocol, protocol))
      {
        /* The http tuning on any other protocol would be dropped. */
        if (protocols[i].build != source_curl
            && (vb_xml_child (source, "readahead") || vb_xml_child (source, "timeout")
                || vb_xml_child (source, "ssl") || vb_xml_child (source, "cookies")))
          return refuse (error, source,
                         "<readahead>, <timeout>, <ssl> and <cookies> are for "
                         "http(s) and ftp(s) disks");
        if (protocols[i].build != source_nbd && vb_xml_child (source, "reconnect"))
          return refuse (error, vb_xml_child (source, "reconnect"),
                         "<reconnect> is for nbd disks (delay=) and vhostuser disks");
        if (protocols[i].build != source_nfs && protocols[i].build != source_ssh
            && vb_xml_child (source, "identity"))
          return refuse (error, source, "<identity> is for nfs and ssh disks");
        if (protocols[i].build != source_ssh && vb_xml_child (source, "knownHosts"))
          return refuse (error, source, "<knownHosts> is for ssh disks");
        if (protocols[i].build != source_rbd
            && (vb_xml_child (source, "snapshot") || vb_xml_child (source, "config")))
          return refuse (error, source, "<snapshot> and <config> are for rbd disks");
        if (protocols[i].build != source_iscsi && vb_xml_child (source, "initiator"))
          return refuse (error, source, "<initiator> is for iscsi disks");
        return protocols[i].build (&s, error);
      }
  return refuse (error, source, "QEMU 7.2 has no '%s' block driver", protocol);
}

/* <encryption engine='librbd'>: librbd decrypts the image (format luks,
 * luks2, or luks-any of QEMU 8.0 and later) under the rbd protocol node;
 * QEMU's format node reads the plaintext. What this QEMU cannot do is
 * refused before the secret is read. */
static gboolean
librbd_check (xmlNode *disk, xmlNode *encryption, const char *kind,
              const VbQemuCommandContext *context, JsonObject *proto, GError **error)
{
  if (!proto || !vb_xml_attr_is (vb_xml_child (disk, "source"), "protocol", "rbd"))
    return refuse (error, encryption, "engine='librbd' is for rbd disks");
  if (!g_str_equal (kind, "luks") && !g_str_equal (kind, "luks2")
      && !g_str_equal (kind, "luks-any"))
    return refuse (error, encryption, "librbd decrypts format luks, luks2 or luks-any, not '%s'",
                   kind);
  /* QEMU 8.0 added luks-any (the image's own LUKS version) to the rbd
   * driver: this host's QEMU is asked at Start. */
  if (g_str_equal (kind, "luks-any") && !context->dry_run && context->qemu_version
      && context->qemu_version < 80000)
    return refuse (error, encryption,
                   "format='luks-any' needs QEMU 8.0 or later; this host has QEMU %u.%u: "
                   "name the image's LUKS version (luks or luks2)",
                   context->qemu_version / 10000, context->qemu_version / 100 % 100);
  return TRUE;
}

/* librbd's layered encryption (a clone encrypted on top of its encrypted
 * parent image): the first <secret> opens the image itself, each next one
 * the parent of the one before, as libvirt reads them. The rbd driver's
 * "encrypt" takes them as a chain of "parent" members, which QEMU 8.0 added:
 * this host's QEMU is asked at Start, before any secret is read. */
static gboolean
librbd_layers (xmlNode *encryption, const VbQemuCommandContext *context, GError **error)
{
  guint layers = 0;

  for (xmlNode *s = vb_xml_child (encryption, "secret"); s; s = vb_xml_next (s, "secret"))
    layers++;
  if (layers > 1 && !context->dry_run && context->qemu_version && context->qemu_version < 80000)
    return refuse (error, encryption,
                   "layered encryption (%u <secret>s) needs QEMU 8.0 or later (the rbd "
                   "driver's encrypt.parent); this host has QEMU %u.%u",
                   layers, context->qemu_version / 10000, context->qemu_version / 100 % 100);
  return TRUE;
}

static gboolean
librbd_encrypt (xmlNode *encryption, const char *kind, const char *node_name,
                const VbQemuCommandContext *context, GPtrArray *secrets, JsonObject *proto,
                GError **error)
{
  JsonObject *outer = NULL;
  JsonObject *inner = NULL;
  guint n = 0;

  for (xmlNode *s = vb_xml_child (encryption, "secret"); s; s = vb_xml_next (s, "secret"), n++)
    {
      /* The first keeps the name a single secret has always had. */
      g_autofree char *id = n ? g_strdup_printf ("%s-luks-secret%u", node_name, n)
                              : g_strdup_printf ("%s-luks-secret", node_name);
      JsonObject *layer;

      if (!add_secret (s, id, "passphrase", FALSE, context, secrets, error))
        {
          g_clear_pointer (&outer, json_object_unref);
          return FALSE;
        }
      layer = json_object_new ();
      json_object_set_string_member (layer, "format", kind);
      json_object_set_string_member (layer, "key-secret", id);
      if (inner)
        json_object_set_object_member (inner, "parent", layer);
      else
        outer = layer;
      inner = layer;
    }
  json_object_set_object_member (proto, "encrypt", outer);
  return TRUE;
}

gboolean
vb_qemu_disk_encryption (xmlNode *disk, const char *node_name, const char *format,
                         const VbQemuCommandContext *context, GPtrArray *secrets, JsonObject *proto,
                         JsonObject *fmt, GError **error)
{
  gboolean librbd;

  static const char *const volume_only[] = { "cipher", "ivgen" };
  xmlNode *encryption = NULL;
  xmlNode *secret;
  g_autofree char *kind = NULL;
  g_autofree char *id = NULL;

  if (!one_place (vb_xml_child (disk, "encryption"),
                  vb_xml_child (vb_xml_child (disk, "source"), "encryption"), &encryption, error))
    return FALSE;
  if (!encryption)
    return TRUE;
  /* libvirt refuses them on a disk too: a storage volume's settings. */
  for (guint i = 0; i < G_N_ELEMENTS (volume_only); i++)
    if (vb_xml_child (encryption, volume_only[i]))
      return refuse (error, vb_xml_child (encryption, volume_only[i]),
                     "<%s> chooses how a new LUKS image is made (a storage volume's "
                     "<encryption>); a disk opens an existing image, whose header names it",
                     volume_only[i]);
  kind = vb_xml_attr (encryption, "format");
  librbd = vb_xml_attr_is (encryption, "engine", "librbd");
  if (!librbd && !g_str_equal (kind, "luks"))
    return refuse (error, encryption,
                   "encryption format '%s' is not supported (luks; luks2 and luks-any with "
                   "engine='librbd' on rbd disks)",
                   kind);
  if (librbd
      && (!librbd_check (disk, encryption, kind, context, proto, error)
          || !librbd_layers (encryption, context, error)))
    return FALSE;
  secret = vb_xml_child (encryption, "secret");
  if (!secret)
    return refuse (error, encryption, "LUKS encryption needs <secret type='passphrase'>");
  if (librbd)
    return librbd_encrypt (encryption, kind, node_name, context, secrets, proto, error);
  /* QEMU's own LUKS layer opens one image: one passphrase. */
  if (vb_xml_next (secret, "secret"))
    return refuse (error, vb_xml_next (secret, "secret"),
                   "several <secret>s (layered encryption) are for engine='librbd' on rbd "
                   "disks; QEMU's LUKS takes one passphrase");
  id = g_strdup_printf ("%s-luks-secret", node_name);
  if (!add_secret (secret, id, "passphrase", FALSE, context, secrets, error))
    return FALSE;
  if (g_str_equal (format, "raw"))
    {
      /* The image is a LUKS container: QEMU's luks driver is its format. */
      json_object_set_string_member (fmt, "driver", "luks");
      json_object_set_string_member (fmt, "key-secret", id);
    }
  else
    {
      JsonObject *encrypt = json_object_new ();

      json_object_set_string_member (encrypt, "format", "luks");
      json_object_set_string_member (encrypt, "key-secret", id);
      json_object_set_object_member (fmt, "encrypt", encrypt);
    }
  return TRUE;
}
