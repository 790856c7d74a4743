// PBKDF2-HMAC-SHA256 password hashes (credentials.hpp).
#include "server/core/credentials.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <array>
#include <charconv>
#include <memory>
#include <mutex>
#include <vector>

#include "common/hex.hpp"

namespace kmipd::core {

namespace {

constexpr std::string_view scheme = "pbkdf2-sha256";
constexpr std::size_t salt_size = 16;
constexpr std::size_t hash_size = 32;
constexpr unsigned min_iterations = 1000;

struct parsed_hash {
  unsigned iterations = 0;
  std::vector<std::uint8_t> salt;
  std::vector<std::uint8_t> hash;
};

common::expected<parsed_hash, std::string> parse(std::string_view line) {
  std::array<std::string_view, 4> part;
  for (std::size_t i = 0; i < part.size(); ++i) {
    const auto d = line.find('$');
    if ((d == std::string_view::npos) != (i == part.size() - 1))
      return common::unexpected(std::string("must be ") + std::string(scheme) + "$ITERATIONS$SALT_HEX$HASH_HEX");
    part[i] = line.substr(0, d);
    line = d == std::string_view::npos ? std::string_view{} : line.substr(d + 1);
  }
  if (part[0] != scheme) return common::unexpected("unknown hash scheme (known: " + std::string(scheme) + ")");
  parsed_hash p;
  const auto [end, ec] = std::from_chars(part[1].data(), part[1].data() + part[1].size(), p.iterations);
  if (ec != std::errc{} || end != part[1].data() + part[1].size() || p.iterations < min_iterations)
    return common::unexpected("the iteration count must be an integer of at least " + std::to_string(min_iterations));
  auto salt = common::from_hex(part[2]);
  auto hash = common::from_hex(part[3]);
  if (!salt || salt->size() < 8) return common::unexpected(std::string("the salt must be at least 8 bytes of hex"));
  if (!hash || hash->size() != hash_size) return common::unexpected(std::string("the hash must be 32 bytes of hex"));
  p.salt = std::move(*salt);
  p.hash = std::move(*hash);
  return p;
}

bool derive(std::string_view password, const std::vector<std::uint8_t>& salt, unsigned iterations,
            std::array<std::uint8_t, hash_size>& out) {
  return PKCS5_PBKDF2_HMAC(password.data(), static_cast<int>(password.size()), salt.data(),
                           static_cast<int>(salt.size()), static_cast<int>(iterations), EVP_sha256(),
                           static_cast<int>(out.size()), out.data()) == 1;
}

}  // namespace

common::expected<std::string, std::string> hash_password(std::string_view password, unsigned iterations) {
  if (iterations < min_iterations)
    return common::unexpected("the iteration count must be at least " + std::to_string(min_iterations));
  std::vector<std::uint8_t> salt(salt_size);
  if (RAND_bytes(salt.data(), static_cast<int>(salt.size())) != 1)
    return common::unexpected(std::string("RAND_bytes failed"));
  std::array<std::uint8_t, hash_size> h{};
  if (!derive(password, salt, iterations, h)) return common::unexpected(std::string("PKCS5_PBKDF2_HMAC failed"));
  std::string line = std::string(scheme) + "$" + std::to_string(iterations) + "$" + common::to_hex(salt) + "$" +
                     common::to_hex(h);
  OPENSSL_cleanse(h.data(), h.size());
  return line;
}

common::expected<void, std::string> check_password_hash(std::string_view hash) {
  auto p = parse(hash);
  if (!p) return common::unexpected(p.error());
  return {};
}

bool verify_password(std::string_view hash, std::string_view password) {
  auto p = parse(hash);
  if (!p) return false;
  std::array<std::uint8_t, hash_size> h{};
  const bool ok = derive(password, p->salt, p->iterations, h) && CRYPTO_memcmp(h.data(), p->hash.data(), h.size()) == 0;
  OPENSSL_cleanse(h.data(), h.size());
  return ok;
}

namespace {

// vCenter sends its credential in every request header, and a slow hash per request would cost each one ~0.2 s.
// After a password has been verified the slow way, a SHA-256 of (hash line, password) is remembered per user;
// a later request with the same password matches it at the cost of one SHA-256. A wrong password never matches
// and takes the slow way every time.
class checker {
 public:
  explicit checker(std::map<std::string, std::string> users) : users_(std::move(users)) {}

  common::expected<std::string, std::string> operator()(const kmip::model::username_password& c,
                                                         const request_context&) {
    const auto it = users_.find(c.username);
    if (it != users_.end() && c.password) {
      std::array<std::uint8_t, 32> quick{};
      if (digest(it->second, *c.password, quick)) {
        {
          std::scoped_lock l(mutex_);
          const auto v = verified_.find(c.username);
          if (v != verified_.end() && CRYPTO_memcmp(v->second.data(), quick.data(), quick.size()) == 0)
            return c.username;
        }
        if (verify_password(it->second, *c.password)) {
          std::scoped_lock l(mutex_);
          verified_[c.username] = quick;
          return c.username;
        }
      }
    }
    return common::unexpected(std::string("unknown username or wrong password"));
  }

 private:
  static bool digest(const std::string& hash, const std::string& password, std::array<std::uint8_t, 32>& out) {
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    unsigned n = 0;
    const bool ok = ctx && EVP_DigestInit_ex(ctx, EVP_sha256(), nullptr) == 1 &&
                    EVP_DigestUpdate(ctx, hash.data(), hash.size()) == 1 &&
                    EVP_DigestUpdate(ctx, password.data(), password.size()) == 1 &&
                    EVP_DigestFinal_ex(ctx, out.data(), &n) == 1 && n == out.size();
    EVP_MD_CTX_free(ctx);
    return ok;
  }

  const std::map<std::string, std::string> users_;
  std::mutex mutex_;
  std::map<std::string, std::array<std::uint8_t, 32>> verified_;
};

}  // namespace

credential_check make_credential_check(std::map<std::string, std::string> users) {
  auto c = std::make_shared<checker>(std::move(users));
  return [c](const kmip::model::username_password& cred, const request_context& ctx) { return (*c)(cred, ctx); };
}

}  // namespace kmipd::core
