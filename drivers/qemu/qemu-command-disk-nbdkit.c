/* nbdkit for the network disks QEMU 7.2 cannot open itself: an http(s) or
 * ftp(s) disk the guest writes (QEMU's curl driver only reads; nbdkit's
 * curl plugin writes with ranged PUTs) and an ssh disk with <knownHosts>,
 * <identity keyfile|agentsock> or a password (QEMU's ssh driver has none
 * of them). The service starts one nbdkit per disk before QEMU, as QEMU's
 * user (qemu-helper-process.c), listening on a socket of the domain's run
 * directory; QEMU's node is an NBD client of it (qemu-command-disk-source.c).
 * Each plugin parameter is one argv element "key=value" (nbdkit never sees
 * a shell); a password or the cookies reach nbdkit through pipes
 * ("password=-FD"), never its argv or a file. */
#include "qemu-command-private.h"

#include "qemu-command-disk-source.h"

#include <string.h>

#define NBDKIT_BINARY "/usr/bin/nbdkit"
#if defined(__x86_64__)
#define VB_MULTIARCH "x86_64-linux-gnu"
#elif defined(__aarch64__)
#define VB_MULTIARCH "aarch64-linux-gnu"
#else
#define VB_MULTIARCH "unknown"
#endif
/* Debian's plugin directory; a plugin is given by path, so what Start
 * checks is what runs. */
#define NBDKIT_PLUGINS "/usr/lib/" VB_MULTIARCH "/nbdkit/plugins"

static gboolean
is_http (const char *protocol)
{
  return g_strcmp0 (protocol, "http") == 0 || g_strcmp0 (protocol, "https") == 0
         || g_strcmp0 (protocol, "ftp") == 0 || g_strcmp0 (protocol, "ftps") == 0;
}

gboolean
vb_qemu_disk_nbdkit_serves (xmlNode *disk)
{
  xmlNode *source = vb_xml_child (disk, "source");
  g_autofree char *protocol = vb_xml_attr (source, "protocol");
  xmlNode *identity = vb_xml_child (source, "identity");
  xmlNode *auth =
    vb_xml_child (disk, "auth") ? vb_xml_child (disk, "auth") : vb_xml_child (source, "auth");

  if (!source || !protocol)
    return FALSE;
  /* A backing store is only read; a cdrom and <readonly/> too. */
  if (is_http (protocol))
    return !vb_xml_child (disk, "readonly") && !vb_xml_attr_is (disk, "device", "cdrom")
           && !xmlStrEqual (disk->name, BAD_CAST "backingStore");
  if (g_str_equal (protocol, "ssh"))
    return vb_xml_child (source, "knownHosts")
           || (identity
               && (xmlHasProp (identity, BAD_CAST "keyfile")
                   || xmlHasProp (identity, BAD_CAST "agentsock")))
           || (auth && vb_xml_child (auth, "secret"));
  return FALSE;
}

char *
vb_qemu_disk_nbdkit_socket (const VbQemuCommandContext *context, const char *node_name)
{
  g_autofree char *name = g_strdup_printf ("%s-nbdkit.sock", node_name);

  return g_build_filename (context->domain_dir, name, NULL);
}

static void
param (VbQemuHelperSpec *spec, const char *key, const char *value)
{
  g_ptr_array_add (spec->argv, g_strdup_printf ("%s=%s", key, value));
}

/* The password of <auth>, to nbdkit by a pipe. It goes as is to the
 * server (an HTTP Basic password, an SSH password): never a private
 * secret (qemu-domain.c secret_value). */
static gboolean
auth_password (Builder *b, xmlNode *auth, const char *want_types, VbQemuHelperSpec *spec,
               GError **error)
{
  xmlNode *secret = vb_xml_child (auth, "secret");
  g_autofree char *user = vb_xml_attr (auth, "username");
  GBytes *value = NULL;

  if (!user || !*user)
    return refuse (error, auth, "<auth> needs username=");
  if (!secret)
    return refuse (error, auth, "<auth> needs a <secret> naming the password");
  if (!vb_qemu_disk_secret_value (secret, want_types, TRUE, b->context, &value, error))
    return FALSE;
  spec->key = value;
  param (spec, "user", user);
  param (spec, "password", "-@KEYFD@");
  return TRUE;
}

static gboolean
curl_params (Builder *b, xmlNode *disk, xmlNode *source, xmlNode *auth, VbQemuHelperSpec *spec,
             GError **error)
{
  g_autofree char *protocol = vb_xml_attr (source, "protocol");
  g_autofree char *url = vb_qemu_disk_curl_url (source);
  xmlNode *timeout = vb_xml_child (source, "timeout");
  xmlNode *ssl = vb_xml_child (source, "ssl");
  xmlNode *cookies = vb_xml_child (source, "cookies");

  (void) disk;
  if (vb_xml_child (source, "readahead"))
    return refuse (error, vb_xml_child (source, "readahead"),
                   "nbdkit's curl plugin, which serves an '%s' disk the guest writes, has no "
                   "read-ahead size: <readahead> is for a read-only one",
                   protocol);
  g_ptr_array_add (spec->argv, g_strdup (NBDKIT_PLUGINS "/nbdkit-curl-plugin.so"));
  param (spec, "url", url);
  /* Nor does a redirect lead it to another protocol (file://, ...). */
  param (spec, "protocols", protocol);
  if (timeout)
    {
      g_autofree char *seconds = g_strdup_printf ("%u", vb_xml_attr_uint (timeout, "seconds", 0));
      param (spec, "timeout", seconds);
    }
  if (ssl && !vb_xml_attr_is (ssl, "verify", "yes"))
    param (spec, "sslverify", "false");
  if (cookies)
    {
      g_autofree char *line = vb_qemu_disk_cookie_line (cookies, error);

      if (!line)
        return FALSE;
      spec->key2 = g_bytes_new (line, strlen (line));
      param (spec, "cookie", "-@KEY2FD@");
    }
  return !auth || auth_password (b, auth, "iscsi|ceph", spec, error);
}

/* A file nbdkit's ssh plugin reads: libssh expands '%' sequences in it. */
static gboolean
ssh_file (xmlNode *node, const char *attr, const char *value, GError **error)
{
  if (!g_path_is_absolute (value) || strchr (value, '%'))
    return refuse (error, node, "%s= is an absolute path without '%%'", attr);
  return TRUE;
}

static gboolean
ssh_params (Builder *b, xmlNode *source, xmlNode *auth, VbQemuHelperSpec *spec, GError **error)
{
  xmlNode *host = vb_xml_child (source, "host");
  xmlNode *identity = vb_xml_child (source, "identity");
  xmlNode *known = vb_xml_child (source, "knownHosts");
  g_autofree char *name = vb_xml_attr (source, "name");
  g_autofree char *host_name = vb_xml_attr (host, "name");
  g_autofree char *port = vb_xml_attr (host, "port");
  g_autofree char *user = identity ? vb_xml_attr (identity, "username") : NULL;
  g_autofree char *keyfile = identity ? vb_xml_attr (identity, "keyfile") : NULL;
  g_autofree char *agentsock = identity ? vb_xml_attr (identity, "agentsock") : NULL;
  g_autofree char *known_path = known ? vb_xml_attr (known, "path") : NULL;

  if ((keyfile && !ssh_file (identity, "keyfile", keyfile, error))
      || (known && !ssh_file (known, "path", known_path ? known_path : "", error)))
    return FALSE;
  if (agentsock && !g_path_is_absolute (agentsock))
    return refuse (error, identity, "agentsock= is an absolute path");
  g_ptr_array_add (spec->argv, g_strdup (NBDKIT_PLUGINS "/nbdkit-ssh-plugin.so"));
  param (spec, "host", host_name);
  if (port)
    param (spec, "port", port);
  param (spec, "path", name);
  if (user && *user)
    param (spec, "user", user);
  if (keyfile)
    param (spec, "identity", keyfile);
  if (known_path)
    param (spec, "known-hosts", known_path);
  /* libssh finds the agent by the environment only. */
  if (agentsock)
    spec->env = g_strdup_printf ("SSH_AUTH_SOCK=%s", agentsock);
  return !auth || auth_password (b, auth, "iscsi|ceph", spec, error);
}

gboolean
vb_qemu_disk_nbdkit (Builder *b, xmlNode *disk, const char *node_name, GError **error)
{
  xmlNode *source = vb_xml_child (disk, "source");
  xmlNode *auth =
    vb_xml_child (disk, "auth") ? vb_xml_child (disk, "auth") : vb_xml_child (source, "auth");
  g_autofree char *protocol = vb_xml_attr (source, "protocol");
  g_autofree char *plugin = NULL;
  VbQemuHelperSpec *spec;
  gboolean ok;

  if (!vb_qemu_disk_nbdkit_serves (disk))
    return TRUE;
  plugin =
    g_strdup_printf (NBDKIT_PLUGINS "/nbdkit-%s-plugin.so", is_http (protocol) ? "curl" : "ssh");
  /* This host's: checked when the domain starts. */
  if (!b->context->dry_run && !host_has (b->context, NBDKIT_BINARY))
    return refuse (error, disk,
                   "this '%s' disk needs nbdkit (%s), which this host does not have: "
                   "install nbdkit",
                   protocol, NBDKIT_BINARY);
  if (!b->context->dry_run && !host_has (b->context, plugin))
    return refuse (error, disk,
                   "this '%s' disk needs nbdkit's plugin %s, which this host does not have",
                   protocol, plugin);
  spec = g_new0 (VbQemuHelperSpec, 1);
  spec->id = g_strdup_printf ("%s-nbdkit", node_name);
  spec->what = g_strdup ("nbdkit");
  spec->element = g_strdup ("disk");
  spec->socket_path = vb_qemu_disk_nbdkit_socket (b->context, node_name);
  spec->argv = g_ptr_array_new_with_free_func (g_free);
  g_ptr_array_add (spec->argv, g_strdup (NBDKIT_BINARY));
  /* Supervised by the service, ended with QEMU: not a daemon. */
  g_ptr_array_add (spec->argv, g_strdup ("--foreground"));
  g_ptr_array_add (spec->argv, g_strdup ("--unix"));
  g_ptr_array_add (spec->argv, g_strdup (spec->socket_path));
  if (vb_xml_child (disk, "readonly"))
    g_ptr_array_add (spec->argv, g_strdup ("--readonly"));
  ok = is_http (protocol) ? curl_params (b, disk, source, auth, spec, error)
                          : ssh_params (b, source, auth, spec, error);
  if (!ok)
    {
      vb_qemu_helper_spec_free (spec);
      return FALSE;
    }
  g_ptr_array_add (spec->argv, NULL);
  g_ptr_array_add (b->command->helpers, spec);
  return TRUE;
}
