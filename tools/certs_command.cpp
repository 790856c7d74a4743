// `kmip-harness certs`: see certs_command.hpp.
#include "tools/certs_command.hpp"

#include <CLI/CLI.hpp>
#include <iostream>
#include <memory>
#include <string>

#include "pki/pki.hpp"

namespace kmiph::tools {
namespace {

struct certs_options {
  std::string out;
  bool force = false;
  bool client_eku = false;
  std::string key_type = "rsa";
  std::string server_name = "kmipd";
  std::string san = "DNS:localhost,IP:127.0.0.1";
  int days = 825;
};

int run(const certs_options& o) {
  pki::kms_set_options options;
  options.type = o.key_type == "ec" ? pki::key_type::ec_p256 : pki::key_type::rsa_2048;
  options.client_eku = o.client_eku;
  options.force = o.force;
  options.server_common_name = o.server_name;
  options.subject_alt_names = o.san;
  options.days_valid = o.days;
  auto set = pki::write_kms_set(o.out, options);
  if (!set) {
    std::cerr << "kmip-harness: certs: " << set.error() << "\n";
    return exit_bad_input;
  }
  std::cout << "CA:              " << set->ca_cert.string() << " (key " << set->ca_key.string() << ")\n"
            << "kmipd server:    " << set->server_cert.string() << ", " << set->server_key.string() << ", "
            << set->server_p12.string() << "\n"
            << "vCenter client:  " << set->vcenter_cert.string() << ", " << set->vcenter_key.string()
            << (o.client_eku ? " (EKU clientAuth)" : " (no EKU, like vCenter's own)") << "\n"
            << "server.p12 password: " << set->server_p12_password << " (also in "
            << set->server_p12_password_file.string() << ")\n";
  return exit_ok;
}

}  // namespace

void add_certs_command(CLI::App& app, action& chosen) {
  auto options = std::make_shared<certs_options>();
  CLI::App* cmd = app.add_subcommand(
      "certs", "write a CA, a kmipd server certificate (PEM and PKCS#12) and a vCenter client certificate");
  cmd->add_option("--out", options->out, "folder to write into (created if missing)")->required();
  cmd->add_flag("--force", options->force, "replace existing files");
  cmd->add_flag("--client-eku", options->client_eku, "give vcenter.crt the clientAuth Extended Key Usage");
  cmd->add_option("--key-type", options->key_type, "rsa (default; needed for AES128-SHA256) or ec")
      ->check(CLI::IsMember({"rsa", "ec"}));
  cmd->add_option("--server-name", options->server_name, "server certificate CN (default kmipd)");
  cmd->add_option("--san", options->san, "server subjectAltName, OpenSSL syntax (default DNS:localhost,IP:127.0.0.1)");
  cmd->add_option("--days", options->days, "validity in days (default 825)")->check(CLI::Range(1, 36500));
  cmd->callback([&chosen, options] { chosen = [options] { return run(*options); }; });
}

}  // namespace kmiph::tools
