/* Bounds on the work one XML document may cost, checked on the raw text
 * before libxml2 sees it. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* libxml2 (2.9) checks an element's attributes for duplicates pairwise:
 * 200,000 attributes on one element cost minutes of CPU that no one can
 * cancel. libvirt's elements have at most a dozen. */
#define VB_XML_MAX_ATTRIBUTES 256
/* So a whole document stays well under a second of parsing, validation
 * and formatting (tests/test-xml-defs.c times the worst cases). */
#define VB_XML_MAX_ELEMENTS 100000
#define VB_XML_MAX_TOTAL_ATTRIBUTES 200000
#define VB_XML_MAX_DEPTH 64

/* Counts start tags, their attributes and their nesting in @xml (@len
 * bytes, already checked to be UTF-8) in one linear pass, and fails with
 * VB_ERROR_INVALID_XML naming the first element past a bound and its line.
 * Malformed text is left for the parser to report. */
gboolean vb_xml_check_limits (const char *xml, gsize len, GError **error);

G_END_DECLS
