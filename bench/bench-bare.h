/* A bare GDBus service with the shapes of org.libvirt's reads: the floor a
 * front end written with GDBus cannot go under on this bus. It answers from
 * replies it was given (no model, no authorization), in its own thread and
 * main context, as any GDBus service answers a method: on its main loop. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef struct _BenchBare BenchBare;

/* Owns org.libvirt on the bus at @address and answers, at @domain_path,
 * Properties.GetAll (org.libvirt.Domain) with @domain_properties (GetAll's
 * a{sv} as a front end sent it), Properties.Get with each of its values,
 * Domain.GetXMLDesc with @domain_xml, and at /org/libvirt/Test
 * Connect.ListDomains with the paths of bench_bare_set_domains. */
BenchBare *bench_bare_start (const char *address, const char *domain_path,
                             GVariant *domain_properties, const char *domain_xml);
/* ListDomains answers @count paths from now on (built once). */
void bench_bare_set_domains (BenchBare *bare, guint count);
/* ObjectManager.GetManagedObjects at /org/libvirt/Test answers @reply (its
 * whole "(a{oa{sa{sv}}})", e.g. what virtbusd answered) from now on. */
void bench_bare_set_managed_objects (BenchBare *bare, GVariant *reply);
void bench_bare_stop (BenchBare *bare);

G_END_DECLS
