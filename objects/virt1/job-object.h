/* org.virtbus.Virt1.Job: one per long operation, following its VbJob. */
#pragma once

#include "bus-context.h"
#include "vb-dbus-generated.h"

G_BEGIN_DECLS

#define VB_TYPE_JOB_OBJECT (vb_job_object_get_type ())
G_DECLARE_FINAL_TYPE (VbJobObject, vb_job_object, VB, JOB_OBJECT, VbDBusJobSkeleton)

VbJobObject *vb_job_object_new (VbJob *job);

G_END_DECLS
