/* <source protocol='nbd' tls='yes' tlsHostname='…'>: QEMU's NBD client
 * talks TLS to the server with X.509 credentials from the directory the
 * administrator gives the service (--disk-x509-dir: ca-cert.pem, and
 * client-cert.pem with client-key.pem where the server asks for a client
 * certificate), as libvirt does with its nbd_tls_x509_cert_dir: a
 * tls-creds-x509 object (endpoint client, the server's certificate
 * verified) named by the protocol node's tls-creds. docs/xml-subset.md,
 * "Disk tail". */
#include "qemu-command-disk-format.h"

#include "qemu-command-private.h"

gboolean
vb_qemu_disk_tls (xmlNode *disk, const char *node_name, gboolean plugged, JsonObject *proto,
                  GError **error)
{
  xmlNode *source = vb_xml_child (disk, "source");
  g_autofree char *hostname = vb_xml_attr (source, "tlsHostname");
  g_autofree char *id = g_strdup_printf ("%s-tls", node_name);

  if (!vb_xml_attr_is (source, "tls", "yes"))
    {
      if (hostname)
        return refuse (error, source, "tlsHostname= is for tls='yes'");
      return TRUE;
    }
  if (!vb_xml_attr_is (source, "protocol", "nbd"))
    return refuse (error, source, "TLS for network disks is for protocol 'nbd'");
  if (plugged)
    return refuse (error, source,
                   "a network disk with tls='yes' cannot be plugged into a running domain; "
                   "define it and start the domain");
  json_object_set_string_member (proto, "tls-creds", id);
  if (hostname)
    json_object_set_string_member (proto, "tls-hostname", hostname);
  return TRUE;
}

gboolean
vb_qemu_disk_tls_object (const VbQemuCommandContext *context, xmlNode *disk, JsonObject *proto,
                         char **object, GError **error)
{
  const char *id = json_object_get_string_member_with_default (proto, "tls-creds", NULL);
  const char *dir = context->disk_x509_dir;
  xmlNode *source = vb_xml_child (disk, "source");
  g_autoptr (GString) out = g_string_new ("tls-creds-x509");

  *object = NULL;
  if (!id)
    return TRUE;
  if (!context->dry_run)
    {
      g_autofree char *ca = dir ? g_build_filename (dir, "ca-cert.pem", NULL) : NULL;

      if (!dir)
        return refuse (error, source,
                       "tls='yes': disk TLS needs the certificates of the service's "
                       "--disk-x509-dir, which is not set");
      if (!host_has (context, ca))
        return refuse (error, source, "tls='yes': disk TLS needs %s, which is missing", ca);
    }
  vb_qemu_opt (out, "id", id);
  /* At define the directory may not be set yet: Start checks it. */
  if (dir)
    vb_qemu_opt (out, "dir", dir);
  g_string_append (out, ",endpoint=client,verify-peer=on");
  *object = g_string_free (g_steal_pointer (&out), FALSE);
  return TRUE;
}
