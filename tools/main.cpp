// kmip-harness: the command-line front end (DESIGN.md, "Command line"). Each subcommand lives in its own
// file and registers itself here; main() parses once, runs the chosen action, and is the one place where an
// unexpected exception is caught.
#include <CLI/CLI.hpp>
#include <exception>
#include <iostream>

#include "tools/bench_command.hpp"
#include "tools/certs_command.hpp"
#include "tools/check_command.hpp"
#include "tools/command.hpp"
#include "tools/record_command.hpp"
#include "tools/replay_command.hpp"
#include "tools/scenario_command.hpp"
#include "tools/ttlv_command.hpp"

int main(int argc, char** argv) {
  using namespace kmiph::tools;
  CLI::App app{"KMIP test harness: vCenter-facing KMIP emulation and conformance suite", "kmip-harness"};
  app.require_subcommand(1);
  action chosen;
  add_ttlv_command(app, chosen);
  add_certs_command(app, chosen);
  add_scenario_command(app, chosen);
  add_bench_command(app, chosen);
  add_record_command(app, chosen);
  add_replay_command(app, chosen);
  add_check_command(app, chosen);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? exit_ok : exit_usage;  // --help exits 0
  }
  try {
    return chosen ? chosen() : exit_usage;
  } catch (const std::exception& e) {
    std::cerr << "kmip-harness: internal error: " << e.what() << "\n";
    return exit_internal;
  }
}
