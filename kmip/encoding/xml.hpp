// The KMIP XML encoding (OASIS KMIP Additional Message Encodings v1.0, section 6) over ttlv::tree, both ways,
// and the OASIS test-case files written in it.
//
// Written form: one element per item, named by the tag's CamelCase name (<UniqueIdentifier>), or
// <TTLV tag="0x540001"> for extension tags and tags the spec tables do not know; type="..." on every item but
// a Structure; value="..." on every item but a Structure: decimal Integer, Long Integer and Interval, mask
// bit names separated by spaces (value="Encrypt Decrypt"), Enumerations by CamelCase name or 0x0000000A when
// unknown, Big Integer and Byte String as hex, ISO 8601 Date-Times in UTC, true/false. The element form
// <x540001 .../> of §6.1.6.5, hex numbers and hex Date-Times are read too; see value_text.hpp.
// Placeholders ($NOW, $UNIQUE_IDENTIFIER_0) of the test cases are kept: a Text String starting with '$' is
// text, any other type's '$' value becomes a placeholder item (ttlv::tree::add_placeholder), written back
// verbatim.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "kmip/encoding/error.hpp"
#include "kmip/encoding/options.hpp"
#include "kmip/ttlv/tree.hpp"

namespace kmip::encoding {

// Reads one item (normally a RequestMessage or ResponseMessage) that is the whole document.
// Errors carry the line and column of the offending element, attribute value or character.
result<ttlv::tree> from_xml(std::string_view text, const read_limits& limits = {});

// Writes `item` and its subtree, one element per line indented by options.indent spaces per level (indent 0:
// all on one line), ending with a newline.
std::string to_xml(ttlv::item_view item, const write_options& options = {});

// An OASIS test-case file: a <KMIP> or <KmipTestCase> root holding a sequence of items, normally alternating
// RequestMessage and ResponseMessage. A file whose root is itself an item (<RequestMessage>) holds that item.
struct xml_test_case_item {
  ttlv::tree tree;
  std::size_t line = 0;  // where the item's start tag is
  std::size_t column = 0;
};
struct xml_test_case {
  std::string root;                       // "KMIP", "KmipTestCase", or the single item's element name
  std::vector<xml_test_case_item> items;  // every item under the root, in document order
};
result<xml_test_case> read_xml_test_case(std::string_view text, const read_limits& limits = {});

// The RequestMessage and ResponseMessage items of a test-case file, in document order.
result<std::vector<ttlv::tree>> parse_xml_test_case(std::string_view text, const read_limits& limits = {});

}  // namespace kmip::encoding
