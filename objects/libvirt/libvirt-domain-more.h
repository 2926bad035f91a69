/* org.libvirt.Domain and Connect members beyond the core ones: a domain's
 * jobs and block jobs (libvirt-domain-jobs.c), Save, OpenGraphicsFD and
 * MemoryStats (libvirt-domain-more.c), and Connect's DomainRestore,
 * GetAllDomainStats and free memory and CPU map of the host
 * (libvirt-connect-more.c). */
#pragma once

#include "libvirt-dispatch.h"

G_BEGIN_DECLS

void vb_lv_domain_abort_job (VbLvCall *call);
void vb_lv_domain_block_copy (VbLvCall *call);
void vb_lv_domain_block_job_abort (VbLvCall *call);
void vb_lv_domain_block_job_set_speed (VbLvCall *call);
void vb_lv_domain_get_block_job_info (VbLvCall *call);
void vb_lv_domain_get_control_info (VbLvCall *call);
void vb_lv_domain_get_job_info (VbLvCall *call);
void vb_lv_domain_get_job_stats (VbLvCall *call);

void vb_lv_domain_memory_stats (VbLvCall *call);
void vb_lv_domain_open_graphics_fd (VbLvCall *call);
void vb_lv_domain_save (VbLvCall *call);

void vb_lv_connect_domain_restore (VbLvCall *call);
void vb_lv_connect_get_all_domain_stats (VbLvCall *call);
void vb_lv_connect_node_get_cpu_map (VbLvCall *call);
void vb_lv_connect_node_get_free_memory (VbLvCall *call);

G_END_DECLS
