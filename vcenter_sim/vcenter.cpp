// The simulated vCenter's orchestration (reference/vcenter-kmip.md §5): keys from the KMS, pushed to hosts; VMs
// locked where vSphere locks them.
#include "vcenter_sim/vcenter.hpp"

#include <array>
#include <cstdio>

#include "esxi_sim/vmotion.hpp"

namespace vcenter_sim {

std::string_view to_string(errc e) noexcept {
  switch (e) {
    case errc::not_found: return "not_found";
    case errc::invalid_argument: return "invalid_argument";
    case errc::precondition: return "precondition";
    case errc::locked: return "locked";
    case errc::kms: return "kms";
    case errc::host: return "host";
  }
  return "?";
}

std::string_view to_string(vm_state s) noexcept {
  switch (s) {
    case vm_state::powered_off: return "powered_off";
    case vm_state::powered_on: return "powered_on";
    case vm_state::suspended: return "suspended";
    case vm_state::locked: return "locked";
  }
  return "?";
}

std::string error::to_string() const {
  std::string s(vcenter_sim::to_string(code));
  if (key) s += " (" + std::string(vcenter_sim::to_string(*key)) + ")";
  return s + ": " + message;
}

namespace {
common::unexpected<error> fail(errc c, std::string m, std::optional<key_state> k = std::nullopt) {
  return common::unexpected<error>{error(c, std::move(m), k)};
}
common::unexpected<error> host_failure(const esxi_sim::error& e) {
  return fail(e.code == esxi_sim::errc::locked ? errc::locked : errc::host, e.message());
}
common::unexpected<error> kms_failure(const std::string& what, const kms_error& e) {
  return fail(errc::kms, what + ": " + e.message, e.state);
}
}  // namespace

vcenter::vcenter(key_provider& kms, common::random_source& random, vcenter_options options)
    : kms_(kms), random_(random), options_(std::move(options)), next_poll_(options_.health_interval) {}

vcenter::~vcenter() = default;

std::string vcenter::uuid() {
  std::array<std::uint8_t, 16> b{};
  random_.fill(b);
  b[0] = 0x42;  // vSphere instance UUIDs start with 42 (W1's x-Identifier of a VM)
  char s[37];
  std::snprintf(s, sizeof s, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0], b[1], b[2],
                b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]);
  return s;
}

result<void> vcenter::add_kms() {
  if (auto r = off_lock([&] { return kms_.add_kms(); }); !r) return kms_failure("adding KMS cluster " + kms_.name(), r.error());
  return {};
}

// ---- hosts ----

esxi_sim::host& vcenter::add_host(const std::string& name) {
  auto h = std::make_unique<esxi_sim::host>(name, random_);
  auto& ref = *h;
  owned_[name] = std::move(h);
  hosts_[name] = &ref;
  host_uuids_[name] = uuid();
  return ref;
}

result<void> vcenter::add_host(esxi_sim::host& borrowed) {
  if (hosts_.contains(borrowed.name())) return fail(errc::invalid_argument, "host " + borrowed.name() + " is already in the inventory");
  hosts_[borrowed.name()] = &borrowed;
  host_uuids_[borrowed.name()] = uuid();
  return {};
}

esxi_sim::host* vcenter::host(const std::string& name) {
  auto it = hosts_.find(name);
  return it == hosts_.end() ? nullptr : it->second;
}

result<esxi_sim::host*> vcenter::find_host(const std::string& name) {
  if (auto* h = host(name)) return h;
  return fail(errc::not_found, "no host " + name + " in the inventory");
}

kms_result<void> vcenter::ensure_key(esxi_sim::host& h, const std::string& kek_id) {
  if (h.keys().kek(kek_id)) return {};
  auto k = off_lock([&] { return kms_.fetch_key(kek_id); });
  if (!k) return common::unexpected{std::move(k).error()};
  h.push_kek(kek_id, k->material);
  return {};
}

result<void> vcenter::enable_host_encryption(const std::string& name) {
  auto h = find_host(name);
  if (!h) return common::unexpected{h.error()};
  key_tags tags{host_uuids_[name], "ESXi Server", name};
  auto k = off_lock([&] { return kms_.generate_key(tags); });
  if (!k) return kms_failure("host key for " + name, k.error());
  (*h)->push_kek(k->id, k->material);
  if (auto r = (*h)->enable_encryption_mode(k->id); !r) return host_failure(r.error());
  return {};
}

result<void> vcenter::reboot_host(const std::string& name) {
  auto h = find_host(name);
  if (!h) return common::unexpected{h.error()};
  (*h)->reboot();
  for (auto& [n, r] : vms_)
    if (r.host == name) r.locked.reset();  // powered off now; a lock is judged again at the next power-on
  if ((*h)->crypto_safe()) {
    if (auto r = ensure_key(**h, (*h)->host_key_id()); !r)
      return kms_failure("host " + name + " rebooted, but its host key could not be pushed", r.error());
  }
  return {};
}

result<void> vcenter::write_host_core_dump(const std::string& name, const std::filesystem::path& p) {
  auto h = find_host(name);
  if (!h) return common::unexpected{h.error()};
  if (auto r = (*h)->write_core_dump(p); !r) return host_failure(r.error());
  return {};
}

// ---- VMs ----

result<vcenter::vm_record*> vcenter::find_vm(const std::string& name) {
  auto it = vms_.find(name);
  if (it == vms_.end()) return fail(errc::not_found, "no VM " + name + " in the inventory");
  return &it->second;
}

result<const vcenter::vm_record*> vcenter::find_vm(const std::string& name) const {
  auto it = vms_.find(name);
  if (it == vms_.end()) return fail(errc::not_found, "no VM " + name + " in the inventory");
  return &it->second;
}

esxi_sim::vm* vcenter::vm_of(const vm_record& r) {
  auto* h = host(r.host);
  return h ? h->find(r.name) : nullptr;
}

esxi_sim::vm* vcenter::esxi_vm(const std::string& name) {
  auto r = find_vm(name);
  return r ? vm_of(**r) : nullptr;
}

result<void> vcenter::create_encrypted_vm(const std::string& host_name, const new_vm& spec) {
  auto h = find_host(host_name);
  if (!h) return common::unexpected{h.error()};
  if (spec.name.empty() || vms_.contains(spec.name)) return fail(errc::invalid_argument, "VM name '" + spec.name + "' is empty or taken");
  const std::string instance = spec.instance_uuid.empty() ? uuid() : spec.instance_uuid;
  auto k = off_lock([&] { return kms_.generate_key({instance, "Virtual Machine", spec.name}); });
  if (!k) return kms_failure("KEK for VM " + spec.name, k.error());
  (*h)->push_kek(k->id, k->material);
  esxi_sim::vm_spec s{spec.name, kms_.name(), k->id, spec.disk_capacities, spec.sector_size, spec.memory_bytes};
  auto v = (*h)->create_vm(options_.datastore, s);
  if (!v) return host_failure(v.error());
  vms_[spec.name] = vm_record{spec.name, host_name, instance, (*v)->dir(), std::nullopt, {}};
  return {};
}

result<void> vcenter::register_vm(const std::string& host_name, const std::filesystem::path& dir) {
  auto h = find_host(host_name);
  if (!h) return common::unexpected{h.error()};
  auto v = (*h)->register_vm(dir);
  if (!v) return host_failure(v.error());
  const std::string name = (*v)->descriptor().name;
  if (vms_.contains(name)) {
    (*h)->unregister_vm(name);
    return fail(errc::invalid_argument, "VM name '" + name + "' is taken");
  }
  vm_record rec{name, host_name, uuid(), dir, std::nullopt, {}};
  // Registration needs the key (V-locked): a key vCenter cannot supply locks the VM.
  if (auto k = ensure_key(**h, (*v)->descriptor().locator.kek_id); !k) {
    rec.locked = k.error().state;
    rec.lock_reason = k.error().message;
    vms_[name] = rec;
    return fail(errc::locked, "VM " + name + " registered locked: " + k.error().message, k.error().state);
  }
  vms_[name] = rec;
  return {};
}

result<void> vcenter::power_on(const std::string& name) {
  auto r = find_vm(name);
  if (!r) return common::unexpected{r.error()};
  auto* rec = *r;
  auto* h = host(rec->host);
  auto* v = vm_of(*rec);
  if (!h || !v) return fail(errc::not_found, "VM " + name + " is not registered on " + rec->host);
  if (v->state() == esxi_sim::power_state::powered_on) return {};
  const std::string kek = v->descriptor().locator.kek_id;
  if (auto k = ensure_key(*h, kek); !k) {
    rec->locked = k.error().state;
    rec->lock_reason = k.error().message;
    return fail(errc::locked, "VM " + name + " is locked: " + k.error().message, k.error().state);
  }
  auto on = v->state() == esxi_sim::power_state::suspended ? v->resume(h->keys()) : v->power_on(h->keys());
  if (!on) {
    if (on.error().code == esxi_sim::errc::locked) {
      rec->locked = key_state::missing_in_cache;
      rec->lock_reason = on.error().message();
      return fail(errc::locked, "VM " + name + " is locked: " + on.error().message(), key_state::missing_in_cache);
    }
    return host_failure(on.error());
  }
  rec->locked.reset();
  rec->lock_reason.clear();
  return {};
}

result<void> vcenter::power_off(const std::string& name) {
  auto r = find_vm(name);
  if (!r) return common::unexpected{r.error()};
  auto* h = host((*r)->host);
  auto* v = vm_of(**r);
  if (!h || !v) return fail(errc::not_found, "VM " + name + " is not registered on " + (*r)->host);
  if (v->state() == esxi_sim::power_state::powered_off) return {};
  if (auto x = v->power_off(h->keys()); !x) return host_failure(x.error());
  return {};
}

result<void> vcenter::suspend(const std::string& name) {
  auto r = find_vm(name);
  if (!r) return common::unexpected{r.error()};
  auto* h = host((*r)->host);
  auto* v = vm_of(**r);
  if (!h || !v) return fail(errc::not_found, "VM " + name + " is not registered");
  if (auto x = v->suspend(h->keys(), random_); !x) return host_failure(x.error());
  return {};
}

result<void> vcenter::snapshot(const std::string& name, const std::string& snap) {
  auto r = find_vm(name);
  if (!r) return common::unexpected{r.error()};
  auto* h = host((*r)->host);
  auto* v = vm_of(**r);
  if (!h || !v) return fail(errc::not_found, "VM " + name + " is not registered");
  if (v->state() != esxi_sim::power_state::powered_on)
    if (auto k = ensure_key(*h, v->descriptor().locator.kek_id); !k)
      return fail(errc::kms, "snapshot of " + name + " needs its key: " + k.error().message, k.error().state);
  if (auto x = v->create_snapshot(h->keys(), snap); !x) return host_failure(x.error());
  return {};
}

result<void> vcenter::shallow_rekey(const std::string& name) {
  auto r = find_vm(name);
  if (!r) return common::unexpected{r.error()};
  auto* rec = *r;
  auto* h = host(rec->host);
  auto* v = vm_of(*rec);
  if (!h || !v) return fail(errc::not_found, "VM " + name + " is not registered");
  if (rec->locked) return fail(errc::precondition, "shallow re-key of " + name + ": the VM is locked", rec->locked);
  // esxi_sim keeps one linear chain at most, which is vSphere's "single snapshot chain" condition.
  if (v->state() != esxi_sim::power_state::powered_on)
    if (auto k = ensure_key(*h, v->descriptor().locator.kek_id); !k)
      return kms_failure("shallow re-key of " + name + " needs the current KEK", k.error());
  key_tags tags{rec->instance_uuid, "Virtual Machine", name};
  auto k = off_lock([&] { return kms_.generate_key(tags); });
  if (!k) return kms_failure("new KEK for " + name, k.error());
  h->push_kek(k->id, k->material);
  if (auto x = v->shallow_rekey(h->keys(), k->id); !x) return host_failure(x.error());
  return {};
}

result<void> vcenter::deep_rekey(const std::string& name) {
  auto r = find_vm(name);
  if (!r) return common::unexpected{r.error()};
  auto* rec = *r;
  auto* h = host(rec->host);
  auto* v = vm_of(*rec);
  if (!h || !v) return fail(errc::not_found, "VM " + name + " is not registered");
  if (v->state() != esxi_sim::power_state::powered_off)
    return fail(errc::precondition, "deep re-key of " + name + " requires the VM powered off (it is " +
                                        (v->state() == esxi_sim::power_state::suspended ? "suspended" : "powered on") + ")");
  if (!v->descriptor().snapshots.empty())
    return fail(errc::precondition, "deep re-key of " + name + " requires a VM without snapshots (it has " +
                                        std::to_string(v->descriptor().snapshots.size()) + ")");
  if (rec->locked) return fail(errc::precondition, "deep re-key of " + name + ": the VM is locked", rec->locked);
  if (auto k = ensure_key(*h, v->descriptor().locator.kek_id); !k)
    return kms_failure("deep re-key of " + name + " needs the current KEK", k.error());
  key_tags tags{rec->instance_uuid, "Virtual Machine", name};
  auto k = off_lock([&] { return kms_.generate_key(tags); });
  if (!k) return kms_failure("new KEK for " + name, k.error());
  h->push_kek(k->id, k->material);
  if (auto x = v->deep_rekey(h->keys(), k->id, random_); !x) return host_failure(x.error());
  return {};
}

result<void> vcenter::vmotion(const std::string& name, const std::string& destination) {
  auto r = find_vm(name);
  if (!r) return common::unexpected{r.error()};
  auto* rec = *r;
  auto* src = host(rec->host);
  auto dst = find_host(destination);
  if (!dst) return common::unexpected{dst.error()};
  auto* v = vm_of(*rec);
  if (!src || !v) return fail(errc::not_found, "VM " + name + " is not registered");
  if (*dst == src) return fail(errc::invalid_argument, "VM " + name + " is already on " + destination);
  if (v->state() != esxi_sim::power_state::powered_on)
    return fail(errc::precondition, "vMotion of " + name + " needs a running VM");
  // V-states: migration works if the destination has the key, else vCenter must fetch it; the VM keeps running
  // on the source when it cannot.
  if (auto k = ensure_key(**dst, v->descriptor().locator.kek_id); !k)
    return fail(errc::kms, "vMotion of " + name + " to " + destination + ": " + k.error().message, k.error().state);
  auto spec = esxi_sim::make_migration_spec(random_, *src, **dst, name);
  if (!spec) return host_failure(spec.error());
  auto moved = esxi_sim::vmotion(*src, **dst, *spec);
  if (!moved) return host_failure(moved.error());
  rec->host = destination;
  return {};
}

result<void> vcenter::clone(const std::string& name, const std::string& new_name, const std::string& host_name) {
  auto r = find_vm(name);
  if (!r) return common::unexpected{r.error()};
  auto* v = vm_of(**r);
  if (!v) return fail(errc::not_found, "VM " + name + " is not registered");
  if (v->state() == esxi_sim::power_state::suspended) return fail(errc::precondition, "clone of a suspended VM");
  const bool was_on = v->state() == esxi_sim::power_state::powered_on;
  if (!was_on)
    if (auto on = power_on(name); !on) return common::unexpected{on.error()};
  new_vm spec;
  spec.name = new_name;
  spec.disk_capacities.clear();
  for (const auto& d : v->descriptor().disks) spec.disk_capacities.push_back(d.capacity_bytes);
  spec.sector_size = v->descriptor().sector_size;
  spec.memory_bytes = v->descriptor().memory_bytes;
  auto restore = [&] {
    if (!was_on) (void)power_off(name);
  };
  if (auto c = create_encrypted_vm(host_name, spec); !c) {
    restore();
    return c;
  }
  auto* copy = esxi_vm(new_name);
  auto* dh = host(host_name);
  if (auto on = copy->power_on(dh->keys()); !on) {
    restore();
    return host_failure(on.error());
  }
  std::vector<std::uint8_t> buf(64 * 1024);
  for (std::size_t d = 0; d < spec.disk_capacities.size(); ++d) {
    for (std::uint64_t off = 0; off < spec.disk_capacities[d]; off += buf.size()) {
      const auto n = static_cast<std::size_t>(std::min<std::uint64_t>(buf.size(), spec.disk_capacities[d] - off));
      std::span<std::uint8_t> chunk(buf.data(), n);
      if (auto x = v->read(d, off, chunk); !x) { restore(); return host_failure(x.error()); }
      if (auto x = copy->write(d, off, chunk); !x) { restore(); return host_failure(x.error()); }
    }
  }
  (void)copy->power_off(dh->keys());
  restore();
  return {};
}

result<vm_status> vcenter::status(const std::string& name) const {
  auto r = find_vm(name);
  if (!r) return common::unexpected{r.error()};
  const auto& rec = **r;
  vm_status s;
  s.name = rec.name;
  s.host = rec.host;
  s.instance_uuid = rec.instance_uuid;
  auto it = hosts_.find(rec.host);
  const esxi_sim::vm* v = it == hosts_.end() ? nullptr : it->second->find(rec.name);
  if (v) {
    s.kek_id = v->descriptor().locator.kek_id;
    s.snapshots = v->descriptor().snapshots.size();
    switch (v->state()) {
      case esxi_sim::power_state::powered_off: s.state = vm_state::powered_off; break;
      case esxi_sim::power_state::powered_on: s.state = vm_state::powered_on; break;
      case esxi_sim::power_state::suspended: s.state = vm_state::suspended; break;
      case esxi_sim::power_state::locked: s.state = vm_state::locked; break;
    }
  }
  if (rec.locked && s.state != vm_state::powered_on) {
    s.state = vm_state::locked;
    s.key = *rec.locked;
    s.lock_reason = rec.lock_reason;
  }
  return s;
}

std::vector<vm_status> vcenter::vms() const {
  std::vector<vm_status> out;
  for (const auto& [n, r] : vms_)
    if (auto s = status(n)) out.push_back(*s);
  return out;
}

void vcenter::advance(std::chrono::seconds d) {
  const auto end = now_ + d;
  while (options_.health_polls && next_poll_ <= end) {
    now_ = next_poll_;
    auto r = off_lock([&] { return kms_.health_check(); });
    polls_.push_back({now_, r.has_value(), r ? std::string{} : r.error().message});
    next_poll_ += options_.health_interval;
  }
  now_ = end;
}

}  // namespace vcenter_sim
