/* The fixture most guest tests share: a private service with the QEMU
 * driver (optionally inside a network namespace of the test's), the one
 * domain the test boots and its console; tear-down destroys the domain and
 * checks the service survived the test. */
#pragma once

#include "vb-test-console.h"
#include "vb-test-daemons.h"

G_BEGIN_DECLS

typedef struct {
  VbTestEnv *env;
  char *netns; /* NULL unless set up in one */
  char *path;  /* the booted domain, or NULL */
  VbTestConsole *console;
} VbGuestFixture;

/* For g_test_add (): @data is unused. */
void vb_guest_fixture_set_up (VbGuestFixture *f, gconstpointer data);
/* The same with the service (and the QEMUs and taps it makes) in a new
 * network namespace named after @data (a string). */
void vb_guest_fixture_set_up_in_netns (VbGuestFixture *f, gconstpointer data);
void vb_guest_fixture_tear_down (VbGuestFixture *f, gconstpointer data);

/* Boots @xml (vb_test_boot_guest, persistent) and opens its console. */
void vb_guest_fixture_boot (VbGuestFixture *f, const char *xml, guint timeout_ms);

/* Defines @xml, expects Start to fail with NotSupported saying @words, the
 * domain to stay shut off, and undefines it. */
void vb_test_expect_start_refused (VbTestEnv *env, const char *xml, const char *words);

/* The guest's PCI devices, one "id=0xVVVV:0xDDDD" line each. */
char *vb_test_guest_pci_ids (VbTestConsole *console);

G_END_DECLS
