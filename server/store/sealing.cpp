// See sealing.hpp. Moved out of sqlite_store.cpp unchanged so that every persistent store seals alike.
#include "server/store/sealing.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/rand.h>

#include <cerrno>
#include <cstring>

#include "common/openssl.hpp"

namespace kmipd::store {

using core::store_errc;
using core::store_error;
using core::store_result;

namespace {

constexpr std::size_t nonce_size = 12, tag_size = 16;
constexpr std::string_view check_plaintext = "kmipd master key check v1";

common::unexpected<store_error> err(store_errc c, std::string m) { return common::unexpected(store_error{c, std::move(m)}); }

}  // namespace

// AES-256-GCM: nonce || ciphertext || tag.
store_result<std::vector<std::uint8_t>> seal(std::span<const std::uint8_t> key, std::span<const std::uint8_t> plain,
                                             std::string_view aad) {
  std::vector<std::uint8_t> out(nonce_size + plain.size() + tag_size);
  if (RAND_bytes(out.data(), static_cast<int>(nonce_size)) != 1) return err(store_errc::io, "DRBG failure");
  common::ossl::cipher_ctx_ptr ctx(EVP_CIPHER_CTX_new());
  int n = 0;
  if (!ctx || EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, key.data(), out.data()) != 1 ||
      EVP_EncryptUpdate(ctx.get(), nullptr, &n, reinterpret_cast<const unsigned char*>(aad.data()),
                        static_cast<int>(aad.size())) != 1 ||
      (!plain.empty() && EVP_EncryptUpdate(ctx.get(), out.data() + nonce_size, &n, plain.data(),
                                           static_cast<int>(plain.size())) != 1) ||
      EVP_EncryptFinal_ex(ctx.get(), out.data() + nonce_size + plain.size(), &n) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, static_cast<int>(tag_size),
                          out.data() + nonce_size + plain.size()) != 1)
    return err(store_errc::io, "sealing key material failed");
  return out;
}

store_result<common::secure_bytes> open_sealed(std::span<const std::uint8_t> key, std::span<const std::uint8_t> sealed,
                                               std::string_view aad) {
  if (sealed.size() < nonce_size + tag_size) return err(store_errc::corrupt, "sealed value too short");
  const auto len = sealed.size() - nonce_size - tag_size;
  common::secure_bytes out(len);
  common::ossl::cipher_ctx_ptr ctx(EVP_CIPHER_CTX_new());
  int n = 0;
  std::uint8_t tag[tag_size];
  std::memcpy(tag, sealed.data() + nonce_size + len, tag_size);
  if (!ctx || EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, key.data(), sealed.data()) != 1 ||
      EVP_DecryptUpdate(ctx.get(), nullptr, &n, reinterpret_cast<const unsigned char*>(aad.data()),
                        static_cast<int>(aad.size())) != 1 ||
      (len && EVP_DecryptUpdate(ctx.get(), out.data(), &n, sealed.data() + nonce_size, static_cast<int>(len)) != 1) ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, static_cast<int>(tag_size), tag) != 1 ||
      EVP_DecryptFinal_ex(ctx.get(), out.data() + len, &n) != 1)
    return err(store_errc::corrupt, "sealed value does not open (wrong master key or tampered data)");
  return out;
}

std::string object_aad(std::string_view id) { return "kmipd-object:" + std::string(id); }

store_result<std::vector<std::uint8_t>> seal_master_key_check(std::span<const std::uint8_t> key) {
  return seal(key, {reinterpret_cast<const std::uint8_t*>(check_plaintext.data()), check_plaintext.size()},
              master_key_check_aad);
}

bool master_key_check_opens(std::span<const std::uint8_t> key, std::span<const std::uint8_t> sealed) {
  auto opened = open_sealed(key, sealed, master_key_check_aad);
  return opened && std::string_view(reinterpret_cast<const char*>(opened->data()), opened->size()) == check_plaintext;
}

store_result<common::secure_bytes> load_or_create_master_key(const std::filesystem::path& path) {
  const auto name = path.string();
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0 && errno == ENOENT) {
    // Written whole to a private temporary file, then linked into place: an instance starting at the same moment
    // (several kmipd on one database, one key file) either links first or finds the complete file of the other.
    common::secure_bytes key(master_key_size);
    if (RAND_priv_bytes(key.data(), static_cast<int>(key.size())) != 1) return err(store_errc::io, "DRBG failure");
    std::uint8_t suffix[8];
    if (RAND_bytes(suffix, sizeof suffix) != 1) return err(store_errc::io, "DRBG failure");
    std::string tmp = name + ".tmp-";
    for (auto b : suffix) tmp += static_cast<char>('a' + (b % 26));
    int w = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (w < 0) return err(store_errc::io, "master key file " + name + ": cannot create " + tmp + ": " + std::strerror(errno));
    const bool ok = ::write(w, key.data(), key.size()) == static_cast<ssize_t>(key.size()) && ::fsync(w) == 0;
    const int write_errno = errno;
    ::close(w);
    if (!ok) {
      ::unlink(tmp.c_str());
      return err(store_errc::io, "master key file " + name + ": cannot write: " + std::strerror(write_errno));
    }
    const int linked = ::link(tmp.c_str(), path.c_str());
    const int link_errno = errno;
    ::unlink(tmp.c_str());
    if (linked != 0 && link_errno != EEXIST)
      return err(store_errc::io, "master key file " + name + ": cannot create: " + std::strerror(link_errno));
    if (auto parent = path.parent_path(); !parent.empty()) {
      int d = ::open(parent.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
      if (d >= 0) {
        ::fsync(d);
        ::close(d);
      }
    }
    if (linked == 0) return key;
    fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);  // another instance created it first: use that
  }
  if (fd < 0) return err(store_errc::io, "master key file " + name + ": cannot open: " + std::strerror(errno));
  struct stat st{};
  if (::fstat(fd, &st) != 0) {
    ::close(fd);
    return err(store_errc::io, "master key file " + name + ": cannot stat");
  }
  if ((st.st_mode & 077) != 0) {
    ::close(fd);
    return err(store_errc::io, "master key file " + name +
                                   " is accessible by group or others; refusing to start (chmod 600 it)");
  }
  common::secure_bytes key(master_key_size + 1);
  ssize_t n = ::read(fd, key.data(), key.size());
  ::close(fd);
  if (n != static_cast<ssize_t>(master_key_size))
    return err(store_errc::corrupt, "master key file " + name + " must hold exactly 32 bytes");
  key.resize(master_key_size);
  return key;
}

}  // namespace kmipd::store
