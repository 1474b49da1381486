#include "attune/bridge/ble/strap_memory.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <stdexcept>

namespace attune::bridge::ble {

namespace fs = std::filesystem;

fs::path StrapMemory::default_path() {
    if (const char* xdg = std::getenv("XDG_CONFIG_HOME"); xdg && *xdg) return fs::path(xdg) / "attune" / "ble_straps.json";
    if (const char* home = std::getenv("HOME"); home && *home)
        return fs::path(home) / ".config" / "attune" / "ble_straps.json";
    return fs::path("attune-ble_straps.json");
}

StrapMemory::StrapMemory(fs::path file) : file_(std::move(file)) {
    std::ifstream in(file_);
    if (!in) return;  // first run
    try {
        const auto json = nlohmann::json::parse(in);
        for (const auto& [partner, entry] : json.at("partners").items()) {
            RememberedStrap strap{entry.at("spec").get<std::string>(), entry.value("name", std::string())};
            if (!strap.spec.empty()) partners_[partner] = std::move(strap);
        }
    } catch (const std::exception& e) {
        partners_.clear();
        load_error_ = "ignoring unreadable strap memory " + file_.string() + ": " + e.what();
    }
}

std::optional<RememberedStrap> StrapMemory::for_partner(std::string_view partner) const {
    const auto it = partners_.find(partner);
    if (it == partners_.end()) return std::nullopt;
    return it->second;
}

void StrapMemory::remember(std::string_view partner, const RememberedStrap& strap) {
    partners_[std::string(partner)] = strap;
    save();
}

void StrapMemory::forget(std::string_view partner) {
    if (const auto it = partners_.find(partner); it != partners_.end()) {
        partners_.erase(it);
        save();
    }
}

void StrapMemory::save() const {
    nlohmann::json json{{"version", 1}, {"partners", nlohmann::json::object()}};
    for (const auto& [partner, strap] : partners_)
        json["partners"][partner] = {{"spec", strap.spec}, {"name", strap.name}};
    const std::string text = json.dump(2) + "\n";

    std::error_code ec;
    if (file_.has_parent_path()) {
        fs::create_directories(file_.parent_path(), ec);
        if (!ec) fs::permissions(file_.parent_path(), fs::perms::owner_all, fs::perm_options::replace, ec);
    }
    const fs::path tmp = file_.string() + ".tmp";
    const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) throw std::runtime_error("cannot write " + tmp.string() + ": " + std::strerror(errno));
    ::fchmod(fd, 0600);  // an existing file keeps its mode on O_CREAT: force owner-only
    const bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) && ::fsync(fd) == 0;
    ::close(fd);
    if (!ok || std::rename(tmp.c_str(), file_.c_str()) != 0) {
        ::unlink(tmp.c_str());
        throw std::runtime_error("cannot write " + file_.string() + ": " + std::strerror(errno));
    }
}

}  // namespace attune::bridge::ble
