#include "attune/session/csv_recorder.hpp"

#include <sys/stat.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "attune/session/simulated_device.hpp"

namespace attune::session {
namespace fs = std::filesystem;

namespace {
std::string csv_field(const std::string& text) {
    if (text.find_first_of(",\"\n") == std::string::npos) return text;
    std::string out = "\"";
    for (char c : text) out += c == '"' ? std::string("\"\"") : std::string(1, c == '\n' ? ' ' : c);
    return out + "\"";
}
}  // namespace

CsvRecorder::CsvRecorder(std::string dir) : dir_(std::move(dir)) {
    std::error_code ec;
    fs::create_directories(dir_, ec);
    if (ec || !fs::is_directory(dir_))
        throw std::runtime_error("cannot create recording folder '" + dir_ + "': " + ec.message());
    fs::permissions(dir_, fs::perms::owner_all, fs::perm_options::replace, ec);
    events_ = open_private("events.csv");
    events_ << "time_s,kind,partner,text\n";
}

CsvRecorder::~CsvRecorder() = default;

std::ofstream CsvRecorder::open_private(const std::string& name) {
    const std::string path = dir_ + "/" + name;
    const mode_t old_mask = ::umask(077);  // created 0600 from the start, never world-readable
    std::ofstream out(path);
    ::umask(old_mask);
    if (!out) throw std::runtime_error("cannot write '" + path + "'");
    out.precision(10);
    return out;
}

void CsvRecorder::on_start(const std::array<bridge::DeviceInfo, signal::kPartnerCount>& devices) {
    for (std::size_t p = 0; p < signal::kPartnerCount; ++p) {
        const std::string letter(signal::partner_letter(static_cast<signal::Partner>(p)));
        for (const auto& ch : devices[p].channels) {
            auto& f = channel_files_[p].emplace_back(open_private(letter + "_" + std::string(signal::to_string(ch.kind)) + ".csv"));
            f << "time_s," << ch.label << "_" << ch.unit << "\n";
        }
    }
}

void CsvRecorder::on_chunk(signal::Partner partner, const signal::SampleChunk& chunk) {
    auto& files = channel_files_[index_of(partner)];
    if (chunk.channel >= files.size()) return;
    auto& f = files[chunk.channel];
    for (std::size_t i = 0; i < chunk.values.size(); ++i) f << chunk.time_of(i) << ',' << chunk.values[i] << '\n';
}

void CsvRecorder::on_beats(signal::Partner partner, const std::vector<signal::Beat>& beats) {
    beat_counts_[index_of(partner)] += beats.size();
}

void CsvRecorder::on_event(const SessionEvent& e) {
    events_ << e.time_s << ',' << csv_field(e.kind) << ',' << partner_label(e.partner) << ','
            << csv_field(e.text) << '\n';
    events_.flush();  // events are small and precious: never lose one to a crash
}

void CsvRecorder::on_tick(const Snapshot& snapshot) {
    last_tick_s_ = snapshot.session_time_s;
    while (snapshot.session_time_s >= next_second_) {
        for (std::size_t p = 0; p < signal::kPartnerCount; ++p) {
            if (snapshot.partners[p].has_signal) {
                hr_sum_[p] += snapshot.partners[p].hr_bpm;
                hr_seconds_[p] += 1.0;
            }
        }
        next_second_ += 1.0;
    }
}

void CsvRecorder::finish(const Engine& engine) {
    nlohmann::json summary;
    summary["duration_s"] = last_tick_s_;
    std::size_t pauses = 0, markers = 0;
    for (const auto& e : engine.log().events()) {
        if (e.kind == "pause" && e.text == "pause started") ++pauses;
        if (e.kind == "marker") ++markers;
    }
    summary["pauses"] = pauses;
    summary["markers"] = markers;
    summary["events"] = engine.log().size();
    for (std::size_t p = 0; p < signal::kPartnerCount; ++p) {
        const auto partner = static_cast<signal::Partner>(p);
        const auto& info = engine.device_info(partner);
        nlohmann::json j;
        j["device"] = info.kind + ":" + info.address;
        j["beats"] = beat_counts_[p];
        j["mean_hr_bpm"] = hr_seconds_[p] > 0 ? hr_sum_[p] / hr_seconds_[p] : 0.0;
        summary["partners"][std::string(signal::partner_letter(partner))] = j;
        if (const auto* sim = dynamic_cast<const SimulatedDevice*>(engine.device(partner))) {
            const mode_t old_mask = ::umask(077);
            hardware::write_ground_truth(sim->model().ground_truth(), dir_, signal::partner_letter(partner));
            ::umask(old_mask);
        }
    }
    for (auto& files : channel_files_)
        for (auto& f : files) f.flush();
    auto out = open_private("summary.json");
    out << summary.dump(2) << '\n';
}

}  // namespace attune::session
