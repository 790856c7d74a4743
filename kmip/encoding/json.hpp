// The KMIP JSON encoding (OASIS KMIP Additional Message Encodings v1.0, section 4) over ttlv::tree, both ways.
//
// Each item is an object {"tag":..., "type":..., "value":...}: the tag by CamelCase name, or "0x540001" for
// extension tags and tags the spec tables do not know; "type" omitted for a Structure, whose value is an
// array of items (null or absent for none). Values as the writer gives them: Integer and Interval as numbers,
// masks as "Encrypt|Decrypt", Long Integer as a number when |v| < 2^52 and else "0x" and 16 hex digits
// (§4.1.6.5), Big Integer as "0x..." hex, Enumeration by CamelCase name or "0x0000000A", Boolean true/false,
// Byte String as hex, Date-Time as ISO 8601 UTC. The reader also takes every form of section 4: hex strings
// for numbers, Booleans and Date-Times, numbers for Enumerations and Big Integers, spec names, and the
// XML forms of value_text.hpp. Placeholders ($NOW...) are kept as in the XML encoding (xml.hpp).
#pragma once

#include <string>
#include <string_view>

#include "kmip/encoding/error.hpp"
#include "kmip/encoding/options.hpp"
#include "kmip/ttlv/tree.hpp"

namespace kmip::encoding {

// Reads one item (normally a message) that is the whole JSON document. Syntax errors carry line and column;
// errors in well-formed JSON carry the JSON pointer of the offending value (error::path).
result<ttlv::tree> from_json(std::string_view text, const read_limits& limits = {});

// Writes `item` and its subtree, one item per line (options.indent; 0 writes one line), ending with a newline.
std::string to_json(ttlv::item_view item, const write_options& options = {});

}  // namespace kmip::encoding
