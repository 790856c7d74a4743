// `kmip-harness scenario run PATH… [--kms HOST:PORT --ca F --cert F --key F] [--profile P] [--report-dir DIR]
// [--seed N]` (docs/scenario-runner.md): parses every scenario first (a bad file: its file:line:col error, exit 2),
// then runs them against the embedded kmipd (fresh certificates and a fresh store per scenario) or the KMS that
// --kms names, prints progress, writes junit.xml, report.json and report.html when asked. Exit 0 only if every
// expectation held.
#pragma once

#include "tools/command.hpp"

namespace CLI {
class App;
}

namespace kmiph::tools {

void add_scenario_command(CLI::App& app, action& chosen);

}  // namespace kmiph::tools
