// KMIP Username/Password credentials (1.x §2.1.2) checked against password hashes from kms.toml
// (`[kmipd.credentials]`, docs/kmipd.md). A hash is "pbkdf2-sha256$ITERATIONS$SALT_HEX$HASH_HEX": PBKDF2 with
// HMAC-SHA-256 from OpenSSL, a random 16-byte salt, a 32-byte result. No clear password is ever stored, logged or
// put in an error message.
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "common/expected.hpp"
#include "server/core/engine.hpp"

namespace kmipd::core {

inline constexpr unsigned default_pbkdf2_iterations = 600000;  // OWASP's figure for PBKDF2-HMAC-SHA256

// A hash line for `password` with a fresh random salt (OpenSSL's RAND_bytes), or why OpenSSL failed.
common::expected<std::string, std::string> hash_password(std::string_view password,
                                                         unsigned iterations = default_pbkdf2_iterations);

// Whether `hash` is a well-formed hash line; the error says what is wrong (never echoing the line).
common::expected<void, std::string> check_password_hash(std::string_view hash);

// Whether `password` matches `hash` (constant-time comparison). A malformed hash never matches.
bool verify_password(std::string_view hash, std::string_view password);

// An engine credential check for `users` (username -> hash line): the identity is the username. An unknown user
// and a wrong password get the same answer, so the reply does not tell which usernames exist. A password once
// verified is recognised afterwards by a SHA-256 digest kept in memory (vCenter repeats it in every request).
credential_check make_credential_check(std::map<std::string, std::string> users);

}  // namespace kmipd::core
