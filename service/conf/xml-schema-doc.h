/* The tables of docs/xml-subset.md, written from the schemas themselves so
 * that the documentation and what is accepted cannot disagree. */
#pragma once

#include "xml-schema.h"

G_BEGIN_DECLS

/* @schema as a Markdown table: element, attributes, content, repeats. */
char *vb_xml_schema_markdown (const VbXmlSchema *schema);

/* The schemas the documentation shows, by name ("domain", "network",
 * "pool", "volume"); NULL for another name. */
const VbXmlSchema *vb_xml_schema_by_name (const char *name);

G_END_DECLS
