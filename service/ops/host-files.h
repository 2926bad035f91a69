/* Which host paths of a domain definition lie outside every active storage
 * pool: what org.virtbus.Virt1.domain.host-files guards (see
 * docs/authorization.md, "Actions some calls also need"). */
#pragma once

#include <libxml/tree.h>

#include "driver.h"

G_BEGIN_DECLS

/* In a thread: the host paths @xml names (a domain, or a device alone; see
 * vb_domain_host_paths()) that are not inside the target directory of an
 * active storage pool, as the XML writes them, in document order; an empty
 * array when there are none. Paths are compared after resolving symlinks and
 * "..": the longest existing part of a path is resolved, a dangling symlink
 * or a ".." below a missing directory counts as outside, and so does a
 * relative path. A few host paths that give nothing away are never counted:
 * /dev/urandom, /dev/random and /dev/hwrng as an RNG backend, firmware
 * below /usr/share/{OVMF,qemu,edk2,seabios}, and a qemu-system-* (or
 * qemu-kvm) in /usr/bin, /usr/libexec or /usr/local/bin as <emulator>.
 *
 * The backing chain that the header of each qcow2 disk's image names (a
 * volume disk's too) is walked (vb_qcow2_backing_chain()) and each backing
 * file counts as a host path; *@checked_xml is @xml with each walked chain
 * recorded as the disk's <backingStore>, in place of what the caller wrote.
 * @doc is @xml parsed already (vb_xml_parse()) by a caller that looked at it
 * too, read before this returns; NULL to have it parsed here.
 * InvalidXML when @xml does not parse; InvalidArgument naming the disk when
 * a chain cannot be followed safely (a json: or protocol backing name, no
 * recorded backing format, a loop, ...). */
void vb_host_files_outside_pools_async (VbDriverHost *host, const char *xml, xmlDoc *doc,
                                        GAsyncReadyCallback callback, gpointer user_data);
GStrv vb_host_files_outside_pools_finish (GAsyncResult *result, char **checked_xml, GError **error);

/* The same for one file @path a call names itself (Domain.Save's image):
 * an array of @path alone when it is outside every active pool. */
void vb_host_file_outside_pools_async (VbDriverHost *host, const char *path,
                                       GAsyncReadyCallback callback, gpointer user_data);
GStrv vb_host_file_outside_pools_finish (GAsyncResult *result, GError **error);

/* At Start, in a thread: walks the chains of @xml's qcow2 disks again and
 * fails with OperationInvalid naming the disk and the file when one now
 * names a backing file outside every active pool that the disk's recorded
 * <backingStore> does not list (an image whose header changed since the
 * definition was checked); InvalidArgument as above. */
void vb_host_files_check_chains_async (VbDriverHost *host, const char *xml,
                                       GAsyncReadyCallback callback, gpointer user_data);
gboolean vb_host_files_check_chains_finish (GAsyncResult *result, GError **error);

/* The pure parts, for the unit test. @path resolved as above; NULL when it
 * counts as outside whatever the pools. */
char *vb_host_file_resolve (const char *path);
/* Whether @resolved (from vb_host_file_resolve()) lies strictly below one
 * of @roots (resolved too). */
gboolean vb_host_file_inside (const char *resolved, const char *const *roots);

G_END_DECLS
