// `kmip-harness certs` end to end: the built binary writes the set, keys 0600, refuses to overwrite without
// --force. (That the listener accepts the set is tested in server/net/server_test.cpp.)
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

namespace {

int run(const std::string& args) {
  const std::string cmd = std::string(KMIPH_HARNESS) + " " + args + " >/dev/null 2>&1";
  const int status = std::system(cmd.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

unsigned mode_of(const std::filesystem::path& p) {
  struct stat st {};
  if (::stat(p.c_str(), &st) != 0) return 0;
  return st.st_mode & 0777;
}

TEST(CertsCommand, WritesTheSetAndRefusesToOverwrite) {
  char templ[] = "/tmp/kmiph-certs-XXXXXX";
  ASSERT_NE(::mkdtemp(templ), nullptr);
  const std::filesystem::path dir = std::filesystem::path(templ) / "certs";
  ASSERT_EQ(run("certs --key-type ec --out " + dir.string()), 0);
  for (const char* f : {"ca.crt", "server.crt", "vcenter.crt"}) EXPECT_TRUE(std::filesystem::exists(dir / f)) << f;
  for (const char* f : {"ca.key", "server.key", "server.p12", "server.p12.password", "vcenter.key"})
    EXPECT_EQ(mode_of(dir / f), 0600u) << f;
  EXPECT_EQ(run("certs --key-type ec --out " + dir.string()), 2) << "refuses to overwrite";
  EXPECT_EQ(run("certs --key-type ec --client-eku --force --out " + dir.string()), 0);
  std::filesystem::remove_all(templ);
}

}  // namespace
