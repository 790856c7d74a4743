// `kmip-harness scenario run` end to end: the built binary runs a scenario against the embedded kmipd (exit 0,
// reports written), refuses a malformed scenario with its file:line:col (exit 2), and fails a scenario whose
// expectation does not hold (exit 1).
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace {

namespace fs = std::filesystem;

int run(const std::string& args, const fs::path& out) {
  const std::string cmd = std::string(KMIPH_HARNESS) + " " + args + " >" + out.string() + " 2>&1";
  const int status = std::system(cmd.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::string slurp(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

fs::path temp_dir() {
  char templ[] = "/tmp/kmiph-scenario-XXXXXX";
  if (!::mkdtemp(templ)) return {};
  return templ;
}

TEST(ScenarioCommand, RunsAScenarioAndWritesReports) {
  const auto dir = temp_dir();
  ASSERT_EQ(run("scenario run " + std::string(KMIPH_SCENARIOS_DIR) + "/power-on.yaml --report-dir " +
                    (dir / "r").string(), dir / "out.txt"), 0) << slurp(dir / "out.txt");
  const auto out = slurp(dir / "out.txt");
  EXPECT_NE(out.find("PASS power-on"), std::string::npos) << out;
  EXPECT_NE(out.find("report: "), std::string::npos) << out;
  for (const char* f : {"junit.xml", "report.json", "report.html"}) EXPECT_TRUE(fs::exists(dir / "r" / f)) << f;
  fs::remove_all(dir);
}

TEST(ScenarioCommand, MalformedScenarioIsExitTwoWithItsPosition) {
  const auto dir = temp_dir();
  std::ofstream(dir / "bad.yaml") << "version: 1\nname: bad\nhosts: [{name: esxi-1}]\nsteps:\n  - pwer_on: vm-1\n";
  EXPECT_EQ(run("scenario run " + (dir / "bad.yaml").string(), dir / "out.txt"), 2);
  EXPECT_NE(slurp(dir / "out.txt").find("bad.yaml:5:"), std::string::npos) << slurp(dir / "out.txt");
  fs::remove_all(dir);
}

TEST(ScenarioCommand, FailedExpectationIsExitOne) {
  const auto dir = temp_dir();
  std::ofstream(dir / "f.yaml") << "version: 1\nname: f\nhosts: [{name: esxi-1}]\nvms: [{name: vm-1, host: esxi-1}]\n"
                                   "steps:\n  - encrypt_vm: vm-1\n  - power_on: vm-1\n    expect: {vm_state: suspended}\n";
  EXPECT_EQ(run("scenario run " + (dir / "f.yaml").string(), dir / "out.txt"), 1);
  EXPECT_NE(slurp(dir / "out.txt").find("expected suspended, got powered_on"), std::string::npos) << slurp(dir / "out.txt");
  fs::remove_all(dir);
}

}  // namespace
