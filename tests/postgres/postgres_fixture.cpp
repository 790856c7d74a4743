// kmiph-postgres-fixture start|stop INFO_FILE: the CTest fixture around every test that needs PostgreSQL
// (postgres_server.hpp). `start` starts a server (stopping one a crashed run left behind under INFO_FILE) and
// writes INFO_FILE; `stop` stops the server INFO_FILE names, removes its folder and INFO_FILE.
#include <filesystem>
#include <iostream>
#include <string_view>

#include "tests/postgres/postgres_server.hpp"

int main(int argc, char** argv) {
  if (argc != 3 || (std::string_view(argv[1]) != "start" && std::string_view(argv[1]) != "stop")) {
    std::cerr << "usage: kmiph-postgres-fixture start|stop INFO_FILE\n";
    return 2;
  }
  const std::filesystem::path info = argv[2];
  std::error_code ec;
  if (std::filesystem::exists(info, ec)) {
    if (auto old = tests::postgres::server::attach(info, true); old) old->reset();  // stops it
    std::filesystem::remove(info, ec);
  }
  if (std::string_view(argv[1]) == "stop") return 0;
  auto s = tests::postgres::server::start();
  if (!s) {
    std::cerr << "kmiph-postgres-fixture: " << s.error() << "\n";
    return 1;
  }
  if (auto ok = (*s)->detach_to(info); !ok) {
    std::cerr << "kmiph-postgres-fixture: " << ok.error() << "\n";
    return 1;
  }
  std::cout << "PostgreSQL test server on " << (*s)->info().socket_dir.string() << " (" << info.string() << ")\n";
  return 0;
}
