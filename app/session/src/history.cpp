#include "attune/session/history.hpp"

#include "history_stores.hpp"
#include "attune/session/recording_reader.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cctype>
#include <cmath>
#include <ctime>
#include <filesystem>
#include <map>
#include <stdexcept>

namespace attune::session {
namespace fs = std::filesystem;

namespace {

// Whole seconds at which a partner was calm.
std::map<long, bool> calm_seconds(const RecordedPartner& partner) {
    std::map<long, bool> calm;
    for (const auto& s : partner.seconds) calm[std::lround(s.time_s)] = s.arousal_state == "calm";
    return calm;
}

std::vector<double> pause_starts(const std::vector<RecordedEvent>& events) {
    std::vector<double> starts;
    for (const auto& e : events)
        if (e.kind == "pause" && e.text.find("pause started") != std::string::npos) starts.push_back(e.time_s);
    return starts;
}

// From each pause request to the first second both partners are calm again.
std::optional<double> mean_recovery_s(const Recording& r) {
    const auto a = calm_seconds(r.partners[0]);
    const auto b = calm_seconds(r.partners[1]);
    double sum = 0.0;
    int n = 0;
    for (double start : pause_starts(r.events)) {
        for (auto it = a.lower_bound(static_cast<long>(std::ceil(start))); it != a.end(); ++it) {
            const auto other = b.find(it->first);
            if (it->second && other != b.end() && other->second) {
                sum += static_cast<double>(it->first) - start;
                ++n;
                break;
            }
        }
    }
    if (n == 0) return std::nullopt;
    return sum / n;
}

std::string local_time_of(const fs::path& file) {
    struct stat st{};
    if (::stat(file.c_str(), &st) != 0) return "";
    std::tm tm{};
    localtime_r(&st.st_mtime, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M", &tm);
    return buf;
}

}  // namespace

SessionFigures figures_of_recording(const std::string& dir) {
    std::error_code ec;
    if (!fs::exists(fs::path(dir) / "summary.json", ec))
        throw std::runtime_error(dir + " holds no finished recording (no summary.json)");
    const Recording r = read_recording(dir);  // RecordingError is a runtime_error
    if (!r.summary.present) throw std::runtime_error(dir + ": summary.json is damaged");
    SessionFigures f;
    f.dir = fs::absolute(dir).lexically_normal().string();
    f.machine = this_machine();
    f.started = local_time_of(fs::path(dir) / "channels.json");
    f.duration_s = r.summary.duration_s;
    f.synchrony = r.summary.breathing_together_mean;
    f.recover_after_pause_s = mean_recovery_s(r);
    f.pauses = static_cast<int>(pause_starts(r.events).size());
    double calm = 0.0, all = 0.0, hrv_sum = 0.0;
    int hrv_n = 0;
    for (const auto& p : r.summary.partners) {
        calm += p.seconds_calm;
        all += p.seconds_calm + p.seconds_rising + p.seconds_high;
        if (p.baseline_rmssd_ms && *p.baseline_rmssd_ms > 0.0) {
            hrv_sum += *p.baseline_rmssd_ms;
            ++hrv_n;
        }
    }
    f.calm_fraction = all > 0.0 ? calm / all : 0.0;
    if (hrv_n > 0) f.resting_hrv_ms = hrv_sum / hrv_n;
    return f;
}

std::optional<double> trend_per_session(const std::vector<double>& values) {
    const std::size_t n = values.size();
    if (n < 2) return std::nullopt;
    double mx = 0.0, my = 0.0;
    for (std::size_t i = 0; i < n; ++i) { mx += static_cast<double>(i); my += values[i]; }
    mx /= static_cast<double>(n);
    my /= static_cast<double>(n);
    double sxy = 0.0, sxx = 0.0;
    for (std::size_t i = 0; i < n; ++i) {
        sxy += (static_cast<double>(i) - mx) * (values[i] - my);
        sxx += (static_cast<double>(i) - mx) * (static_cast<double>(i) - mx);
    }
    return sxy / sxx;
}

std::string this_machine() {
    char name[256] = {};
    if (::gethostname(name, sizeof name - 1) != 0 || name[0] == '\0') return "localhost";
    return name;
}

bool is_postgres_location(const std::string& location) {
    if (location.rfind("postgresql://", 0) == 0 || location.rfind("postgres://", 0) == 0) return true;
    // libpq's keyword form starts with a keyword and '=' ("host=db dbname=attune").
    std::size_t i = location.find_first_not_of(" \t");
    if (i == std::string::npos || !std::isalpha(static_cast<unsigned char>(location[i]))) return false;
    while (i < location.size() && (std::isalnum(static_cast<unsigned char>(location[i])) || location[i] == '_')) ++i;
    i = location.find_first_not_of(" \t", i);
    return i != std::string::npos && location[i] == '=';
}

std::unique_ptr<HistoryStore> open_history_store(const std::string& location) {
    if (location.empty()) throw std::runtime_error("session history: no index location given");
    return is_postgres_location(location) ? open_postgres_store(location) : open_sqlite_store(location);
}

SessionHistory::SessionHistory(const std::string& location) : store_(open_history_store(location)) {}

SessionHistory::~SessionHistory() = default;

long long SessionHistory::add(const SessionFigures& figures) {
    if (!figures.machine.empty()) return store_->add(figures);
    SessionFigures here = figures;
    here.machine = this_machine();
    return store_->add(here);
}

std::vector<SessionFigures> SessionHistory::all() const { return store_->all(); }

std::optional<SessionFigures> SessionHistory::find(long long id) const { return store_->find(id); }

std::string SessionHistory::where() const { return store_->where(); }

bool SessionHistory::remove(long long id, std::string& error) {
    const auto row = find(id);
    if (!row) {
        error = "no session with id " + std::to_string(id);
        return false;
    }
    if (!row->machine.empty() && row->machine != this_machine()) {
        error = "session " + std::to_string(id) + " is recorded on " + row->machine + " (" + row->dir +
                "): delete it on that machine, which holds its files";
        return false;
    }
    std::error_code ec;
    // Only a folder that is really a recording is deleted (never whatever a stale row names).
    if (fs::exists(row->dir + "/channels.json", ec)) fs::remove_all(row->dir, ec);
    if (ec) {
        error = "cannot delete " + row->dir + ": " + ec.message();
        return false;
    }
    if (!store_->erase(id)) {
        error = "session " + std::to_string(id) + " was already removed from the index";
        return false;
    }
    return true;
}

}  // namespace attune::session
