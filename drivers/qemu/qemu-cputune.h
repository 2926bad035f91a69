/* What <vcpu cpuset> and <cputune> ask of the host for a domain's QEMU:
 * the CPUs each of its threads may run on (sched_setaffinity), their
 * scheduling policy (sched_setscheduler), and a cpu cgroup of its own for
 * <shares>, <period>/<quota> and their global_, emulator_ and iothread_
 * forms. Nothing of it is on QEMU's command line: the service does it to
 * the threads QEMU reports (query-cpus-fast, query-iothreads) while the
 * guest is still paused, at every start (boot, restore, arriving
 * migration) and again after a vCPU is plugged in. */
#pragma once

#include <gio/gio.h>

#include "qmp-client.h"

G_BEGIN_DECLS

typedef struct _VbQemuTuning VbQemuTuning;

/* Reads what the live XML @xml of domain @uuid asks and checks that this
 * host can do it: every CPU named is online, and a cpu cgroup exists when
 * one is needed. With <vcpu placement='auto'>, every thread runs on the
 * CPUs of @numad_nodes, the nodes numad advised at the start (NULL: none,
 * then refused). NULL with @error (NotSupported naming the element) when
 * not; NULL without an error when the XML asks nothing. */
VbQemuTuning *vb_qemu_tuning_new (const char *uuid, const char *xml, const char *numad_nodes,
                                  GError **error);
void vb_qemu_tuning_free (VbQemuTuning *tuning);

/* In the forked child before exec (async-signal-safe): the CPUs every thread
 * of QEMU starts on, the emulator's (<emulatorpin>, else <vcpu cpuset>).
 * @tuning may be NULL. */
void vb_qemu_tuning_child_setup (const VbQemuTuning *tuning);

/* Puts every thread of QEMU @pid (answering on @qmp) where @tuning says.
 * Fails with NotSupported naming the element the host refused. Takes
 * @tuning. */
void vb_qemu_tuning_apply_async (VbQemuTuning *tuning, VbQmpClient *qmp, int pid,
                                 GAsyncReadyCallback callback, gpointer user_data);
gboolean vb_qemu_tuning_apply_finish (GAsyncResult *result, GError **error);

/* Removes the cpu cgroup of domain @uuid, if it has one and QEMU is gone. */
void vb_qemu_tuning_remove_cgroup (const char *uuid);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (VbQemuTuning, vb_qemu_tuning_free)

G_END_DECLS
