// `kmip-harness ttlv decode|encode`: binary TTLV or hex in, readable text, KMIP JSON or KMIP XML out, and back.
// See docs/ttlv-cli.md. Bad input is reported on stderr with what is wrong and where (byte offset of the
// binary message, or line:column of the text) and exits with exit_bad_input.
#pragma once

#include "tools/command.hpp"

namespace CLI {
class App;
}

namespace kmiph::tools {

// Registers `ttlv` and its subcommands on `app`. When the command line picks one, its action is stored in
// `chosen`, which must outlive the parse.
void add_ttlv_command(CLI::App& app, action& chosen);

}  // namespace kmiph::tools
