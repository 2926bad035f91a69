/* The domains tests define: the project's test guest (tests/guest) under
 * QEMU, booted until it says it is ready, and a minimal domain of the test
 * driver. */
#pragma once

#include "vb-test-daemons.h"

G_BEGIN_DECLS

/* The project's test guest (tests/guest) as a QEMU domain on the 'pc'
 * machine with ACPI, a serial console (pty) and @devices (XML inside
 * <devices>, may be NULL); @cmdline_extra (may be NULL) is added to its
 * kernel command line (vb.counter=0, vb.mem_mib=N, ...). */
char *vb_test_guest_xml (const char *name, guint memory_mib, const char *cmdline_extra,
                         const char *devices);
/* The same on QEMU's @machine ("pc", "q35"), with ACPI or without. */
char *vb_test_guest_xml_on (const char *name, guint memory_mib, const char *machine, gboolean acpi,
                            const char *cmdline_extra, const char *devices);
/* A <disk> element for a file, target vdX on virtio, @format raw or qcow2. */
char *vb_test_disk_xml (const char *path, const char *format, const char *target);

/* Defines and starts (@persistent) or creates the domain @xml, and waits up
 * to @timeout_ms for the test guest's ready banner on its console (fails the
 * test otherwise); returns the domain's path. */
char *vb_test_boot_guest (VbTestEnv *env, const char *xml, gboolean persistent, guint timeout_ms);

/* @xml, a test guest's (one vCPU), with a second vCPU it boots without:
 * <vcpu current='1'>2</vcpu>. */
char *vb_test_guest_xml_with_spare_vcpu (const char *xml);
/* Plugs the spare vCPU into the running test guest at @path (SetVcpus
 * LIVE) and has the guest bring it online; fails the test unless the guest
 * then runs on both. */
void vb_test_guest_plug_vcpu (VbTestEnv *env, const char *path);
/* The vCPUs the running test guest at @path has online, as its
 * /sys/devices/system/cpu/online says ("0-1"). */
char *vb_test_guest_cpus_online (VbTestEnv *env, const char *path);

/* A test domain XML with @name (and @uuid, may be NULL). */
char *vb_test_domain_xml (const char *name, const char *uuid);

/* The pid of the running domain @path's QEMU, from the service's status file. */
int vb_test_qemu_pid (VbTestEnv *env, const char *path);

G_END_DECLS
