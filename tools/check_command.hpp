// `kmip-harness check --kms HOST:PORT [--kms HOST:PORT] --ca F --cert F --key F [--report-dir DIR]
// [--profile vcenter-7.0] [--strict] …` (docs/checks.md): runs the vCenter-compatibility checks against a KMS,
// prints one line per check, writes junit.xml, report.json and report.html when asked. Exit 0 when no check
// FAILs (with --strict: none WARNs either), 1 otherwise; the report is written in every case.
#pragma once

#include "tools/command.hpp"

namespace CLI {
class App;
}

namespace kmiph::tools {

void add_check_command(CLI::App& app, action& chosen);

}  // namespace kmiph::tools
