#include "attune/session/recorder.hpp"

#include <edflib.h>
#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>

#include "attune/session/protocol.hpp"
#include "attune/session/recording_reader.hpp"
#include "attune/session/simulated_device.hpp"

namespace attune::session {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

constexpr auto kFlushEvery = std::chrono::milliseconds(500);  // "at least once a second"

std::string csv_field(const std::string& text) {
    if (text.find_first_of(",\"\n") == std::string::npos) return text;
    std::string out = "\"";
    for (char c : text) out += c == '"' ? std::string("\"\"") : std::string(1, c == '\n' ? ' ' : c);
    return out + "\"";
}

// Files are created 0600 from the start: intimate health data is never world-readable.
std::ofstream open_private(const std::string& path, std::ios::openmode mode = std::ios::out) {
    const mode_t old_mask = ::umask(077);
    std::ofstream out(path, mode);
    ::umask(old_mask);
    return out;
}

std::string letter(std::size_t p) { return std::string(signal::partner_letter(static_cast<signal::Partner>(p))); }

// Splits a simple CSV line (our own files: quotes only around text fields).
std::vector<std::string> split_csv(const std::string& line) {
    std::vector<std::string> out(1);
    bool quoted = false;
    for (std::size_t i = 0; i < line.size(); ++i) {
        const char c = line[i];
        if (c == '"') {
            if (quoted && i + 1 < line.size() && line[i + 1] == '"') { out.back() += '"'; ++i; }
            else quoted = !quoted;
        } else if (c == ',' && !quoted) out.emplace_back();
        else out.back() += c;
    }
    return out;
}

}  // namespace

Recorder::Recorder(std::string dir, std::size_t queue_capacity) : dir_(std::move(dir)), capacity_(queue_capacity) {
    std::error_code ec;
    fs::create_directories(dir_, ec);
    if (ec || !fs::is_directory(dir_))
        throw std::runtime_error("cannot create recording folder '" + dir_ + "': " +
                                 (ec ? ec.message() : std::string("not a folder")));
    fs::permissions(dir_, fs::perms::owner_all, fs::perm_options::replace, ec);
    const std::string probe = dir_ + "/events.csv";
    if (!open_private(probe)) throw std::runtime_error("cannot write in recording folder '" + dir_ + "'");
    events_file_ = add_file("events.csv", "time_s,kind,partner,text\n");
}

Recorder::~Recorder() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_all();
    if (writer_.joinable()) writer_.join();
}

std::size_t Recorder::add_file(const std::string& name, const std::string& header) {
    file_names_.push_back(name);
    queue_.push_back({file_names_.size() - 1, header});
    return file_names_.size() - 1;
}

void Recorder::on_start(const std::array<bridge::DeviceInfo, signal::kPartnerCount>& devices) {
    json channels = json::array();
    for (std::size_t p = 0; p < signal::kPartnerCount; ++p) {
        for (const auto& ch : devices[p].channels) {
            const std::string name = letter(p) + "_" + std::string(signal::to_string(ch.kind)) + ".csv";
            channel_file_[p].push_back(add_file(name, "time_s,value\n"));
            channels.push_back({{"file", name}, {"partner", letter(p)}, {"kind", signal::to_string(ch.kind)},
                                {"label", ch.label}, {"rate_hz", ch.rate_hz}, {"unit", ch.unit},
                                {"device", devices[p].kind + ":" + devices[p].address}});
        }
        beats_file_[p] = add_file(letter(p) + "_beats.csv", "time_s,rr_ms,quality\n");
        breaths_file_[p] = add_file(letter(p) + "_breaths.csv", "time_s,event\n");
        seconds_file_[p] = add_file(letter(p) + "_seconds.csv",
                                    "time_s,hr_bpm,rmssd_ms,coherence,resp_rate_bpm,resp_amplitude,quality,"
                                    "arousal,arousal_state\n");
    }
    auto out = open_private(dir_ + "/channels.json");
    out << channels.dump(2) << '\n';
    if (!out) report("cannot write channels.json");
    writer_ = std::thread([this] { writer_loop(); });
}

void Recorder::enqueue(std::size_t file, std::string text) {
    std::unique_lock lock(mutex_);
    // Back-pressure for a moment rather than lose samples; if the disk is stuck, count and say so.
    if (queue_.size() >= capacity_ &&
        !wake_.wait_for(lock, std::chrono::milliseconds(200), [this] { return queue_.size() < capacity_; })) {
        if (dropped_.fetch_add(1) == 0) {
            lock.unlock();
            report("recording queue full: the disk is not keeping up, samples are being dropped");
        }
        return;
    }
    queue_.push_back({file, std::move(text)});
    lock.unlock();
    wake_.notify_one();
}

void Recorder::on_chunk(signal::Partner partner, const signal::SampleChunk& chunk) {
    const auto& files = channel_file_[index_of(partner)];
    if (chunk.channel >= files.size() || chunk.values.empty()) return;
    std::string text;
    text.reserve(chunk.values.size() * 20);
    char buf[64];
    for (std::size_t i = 0; i < chunk.values.size(); ++i) {
        const int n = std::snprintf(buf, sizeof buf, "%.6f,%.9g\n", chunk.time_of(i), double(chunk.values[i]));
        text.append(buf, static_cast<std::size_t>(n));
    }
    enqueue(files[chunk.channel], std::move(text));
}

void Recorder::on_event(const SessionEvent& e) {
    char t[32];
    std::snprintf(t, sizeof t, "%.4f", e.time_s);
    enqueue(events_file_, std::string(t) + ',' + csv_field(e.kind) + ',' + partner_label(e.partner) + ',' +
                              csv_field(e.text) + '\n');
}

void Recorder::on_beats(signal::Partner partner, const std::vector<signal::Beat>& beats) {
    std::string text;
    char buf[96];
    for (const auto& b : beats) {
        const int n = std::snprintf(buf, sizeof buf, "%.4f,%.2f,%s\n", b.time_s, b.rr_ms,
                                    std::string(signal::to_string(b.quality)).c_str());
        text.append(buf, static_cast<std::size_t>(n));
    }
    beat_counts_[index_of(partner)] += beats.size();
    enqueue(beats_file_[index_of(partner)], std::move(text));
}

void Recorder::on_breaths(signal::Partner partner, const std::vector<BreathRecord>& breaths) {
    std::string text;
    char buf[64];
    for (const auto& b : breaths) {
        const int n = std::snprintf(buf, sizeof buf, "%.4f,%s\n", b.time_s, b.inhale ? "inhale" : "exhale");
        text.append(buf, static_cast<std::size_t>(n));
    }
    breath_counts_[index_of(partner)] += breaths.size();
    enqueue(breaths_file_[index_of(partner)], std::move(text));
}

void Recorder::on_second(signal::Partner partner, const PartnerSecond& s) {
    const auto p = index_of(partner);
    char buf[256];
    std::snprintf(buf, sizeof buf, "%.1f,%.2f,%.2f,%.3f,%.2f,%.4g,%.2f,%.3f,%s\n", s.time_s, s.hr_bpm, s.rmssd_ms,
                  s.coherence, s.resp_rate_bpm, s.resp_amplitude, s.quality, s.arousal,
                  std::string(signal::to_string(s.arousal_state)).c_str());
    enqueue(seconds_file_[p], buf);
    if (s.hr_bpm > 0.0) { hr_sum_[p] += s.hr_bpm; hr_n_[p] += 1.0; }
    if (s.rmssd_ms > 0.0) { rmssd_sum_[p] += s.rmssd_ms; rmssd_n_[p] += 1.0; }
    state_seconds_[p][static_cast<std::size_t>(s.arousal_state)] += 1.0;
}

void Recorder::on_tick(const Snapshot& snapshot) {
    if (std::floor(snapshot.session_time_s) > std::floor(last_tick_s_)) {
        together_sum_ += snapshot.breathing_together;
        together_n_ += 1.0;
    }
    last_tick_s_ = snapshot.session_time_s;
}

void Recorder::report(const std::string& message) {
    {
        std::lock_guard lock(mutex_);
        if (!error_.empty()) return;
        error_ = message;
    }
    std::cerr << "attune: recording problem in " << dir_ << ": " << message
              << " (the session carries on)\n";
}

std::string Recorder::error() const {
    std::lock_guard lock(mutex_);
    return error_;
}

void Recorder::writer_loop() {
    std::vector<std::ofstream> files;
    for (const auto& name : file_names_) files.push_back(open_private(dir_ + "/" + name));
    for (std::size_t i = 0; i < files.size(); ++i)
        if (!files[i]) report("cannot create " + file_names_[i]);
    auto last_flush = std::chrono::steady_clock::now();
    std::deque<Line> batch;
    for (;;) {
        bool stopping = false;
        {
            std::unique_lock lock(mutex_);
            wake_.wait_for(lock, kFlushEvery, [this] { return stopping_ || !queue_.empty(); });
            batch.swap(queue_);
            stopping = stopping_;
        }
        wake_.notify_all();  // room in the queue again
        for (auto& line : batch) {
            auto& f = files[line.file];
            if (f) f.write(line.text.data(), static_cast<std::streamsize>(line.text.size()));
            if (!f) report("cannot write " + file_names_[line.file] + " (disk full or folder gone?)");
        }
        batch.clear();
        const auto now = std::chrono::steady_clock::now();
        if (stopping || now - last_flush >= kFlushEvery) {
            for (auto& f : files) f.flush();
            last_flush = now;
        }
        if (stopping) {
            std::lock_guard lock(mutex_);
            if (queue_.empty()) break;
        }
    }
}

bool Recorder::finish(const Engine& engine) {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_all();
    if (writer_.joinable()) writer_.join();

    json summary;
    summary["duration_s"] = last_tick_s_;
    std::size_t pauses = 0, markers = 0;
    for (const auto& e : engine.log().events()) {
        if (e.kind == "pause" && e.text.find("start") != std::string::npos) ++pauses;
        if (e.kind == "marker") ++markers;
    }
    summary["pauses"] = pauses;
    summary["markers"] = markers;
    summary["events"] = engine.log().size();
    summary["breathing_together_mean"] = together_n_ > 0 ? together_sum_ / together_n_ : 0.0;
    for (std::size_t p = 0; p < signal::kPartnerCount; ++p) {
        const auto partner = static_cast<signal::Partner>(p);
        const auto& info = engine.device_info(partner);
        const auto& baseline = engine.pipeline(partner).arousal().baseline();
        json j;
        j["device"] = info.kind + ":" + info.address;
        j["beats"] = beat_counts_[p];
        j["breaths"] = breath_counts_[p];
        j["mean_hr_bpm"] = hr_n_[p] > 0 ? hr_sum_[p] / hr_n_[p] : 0.0;
        j["mean_rmssd_ms"] = rmssd_n_[p] > 0 ? rmssd_sum_[p] / rmssd_n_[p] : 0.0;
        j["baseline_hr_bpm"] = baseline.hr_bpm.valid() ? json(baseline.hr_bpm.mean) : json(nullptr);
        j["baseline_rmssd_ms"] = baseline.ln_rmssd.valid() ? json(std::exp(baseline.ln_rmssd.mean)) : json(nullptr);
        j["seconds_calm"] = state_seconds_[p][0];
        j["seconds_rising"] = state_seconds_[p][1];
        j["seconds_high"] = state_seconds_[p][2];
        summary["partners"][letter(p)] = j;
        if (const auto* sim = dynamic_cast<const SimulatedDevice*>(engine.device(partner))) {
            const mode_t old_mask = ::umask(077);
            hardware::write_ground_truth(sim->model().ground_truth(), dir_, signal::partner_letter(partner));
            ::umask(old_mask);
        }
    }
    std::string edf_error;
    if (!write_edf(dir_, edf_error)) report(edf_error);
    summary["recording_error"] = error();
    auto out = open_private(dir_ + "/summary.json");
    out << summary.dump(2) << '\n';
    if (!out) report("cannot write summary.json");
    return error().empty();
}

// [SECTION] EDF+ export

namespace {

struct EdfChannel {
    std::string label, unit;
    int rate = 0;
    std::vector<double> samples;
};

bool load_channel(const std::string& path, double t0, int rate, std::vector<double>& out) {
    std::ifstream in(path);
    if (!in) return false;
    std::string line;
    std::getline(in, line);  // header
    while (std::getline(in, line)) {
        const auto comma = line.find(',');
        if (comma == std::string::npos) continue;  // a torn last line after a crash
        char* end = nullptr;
        const double t = std::strtod(line.c_str(), &end);
        const double v = std::strtod(line.c_str() + comma + 1, &end);
        if (!std::isfinite(t) || !std::isfinite(v)) continue;
        const long long idx = std::llround((t - t0) * rate);
        if (idx < 0 || idx > 400'000'000LL) continue;
        if (static_cast<std::size_t>(idx) >= out.size()) out.resize(static_cast<std::size_t>(idx) + 1, 0.0);
        out[static_cast<std::size_t>(idx)] = v;  // samples lost in a gap stay 0 (and are annotated)
    }
    return true;
}

}  // namespace

bool write_edf(const std::string& dir, std::string& error) {
    std::ifstream meta(dir + "/channels.json");
    if (!meta) {
        error = "no channels.json in " + dir;
        return false;
    }
    json channels;
    try {
        channels = json::parse(meta);
    } catch (const std::exception& e) {
        error = std::string("channels.json is damaged: ") + e.what();
        return false;
    }
    std::vector<EdfChannel> signals;
    for (const auto& c : channels) {
        const double rate = c.value("rate_hz", 0.0);
        if (rate < 1.0) continue;  // irregular series (strap RR) live in the CSVs, not in EDF signals
        EdfChannel ch;
        ch.label = c.value("partner", "?") + " " + c.value("label", c.value("kind", "x"));
        ch.unit = c.value("unit", "");
        ch.rate = static_cast<int>(std::lround(rate));
        if (!load_channel(dir + "/" + c.value("file", ""), 0.0, ch.rate, ch.samples)) continue;
        signals.push_back(std::move(ch));
    }
    if (signals.empty()) {
        error = "no regular channel to write to EDF in " + dir;
        return false;
    }
    std::size_t records = 1;
    for (const auto& s : signals)
        records = std::max(records, (s.samples.size() + static_cast<std::size_t>(s.rate) - 1) / static_cast<std::size_t>(s.rate));

    const std::string path = dir + "/session.edf";
    const mode_t old_mask = ::umask(077);
    const int h = edfopen_file_writeonly(path.c_str(), EDFLIB_FILETYPE_EDFPLUS, static_cast<int>(signals.size()));
    ::umask(old_mask);
    if (h < 0) {
        error = "cannot create " + path + " (EDFlib error " + std::to_string(h) + ")";
        return false;
    }
    for (std::size_t i = 0; i < signals.size(); ++i) {
        auto& s = signals[i];
        s.samples.resize(records * static_cast<std::size_t>(s.rate), 0.0);
        auto [lo, hi] = std::minmax_element(s.samples.begin(), s.samples.end());
        double pmin = *lo, pmax = *hi;
        if (pmax - pmin < 1e-6) { pmin -= 1.0; pmax += 1.0; }
        const int sig = static_cast<int>(i);
        edf_set_samplefrequency(h, sig, s.rate);
        edf_set_physical_minimum(h, sig, pmin);
        edf_set_physical_maximum(h, sig, pmax);
        edf_set_digital_minimum(h, sig, -32768);
        edf_set_digital_maximum(h, sig, 32767);
        edf_set_label(h, sig, s.label.substr(0, 16).c_str());
        edf_set_physical_dimension(h, sig, s.unit.substr(0, 8).c_str());
    }
    edf_set_equipment(h, "Attune");
    bool ok = true;
    for (std::size_t r = 0; r < records && ok; ++r)
        for (auto& s : signals)
            ok = ok && edfwrite_physical_samples(h, s.samples.data() + r * static_cast<std::size_t>(s.rate)) == 0;

    std::ifstream events(dir + "/events.csv");
    std::string line;
    std::getline(events, line);
    const double end_s = static_cast<double>(records);
    while (std::getline(events, line)) {
        const auto f = split_csv(line);
        if (f.size() < 4) continue;
        const double t = std::strtod(f[0].c_str(), nullptr);
        if (!std::isfinite(t) || t < 0.0 || t > end_s) continue;
        std::string text = f[1] + ": " + f[3] + (f[2].empty() ? "" : " [" + f[2] + "]");
        edfwrite_annotation_utf8(h, std::llround(t * 10000.0), -1, text.substr(0, 80).c_str());
    }
    if (edfclose_file(h) != 0) ok = false;
    if (!ok) error = "could not write all of " + path;
    return ok;
}

bool recover_recording(const std::string& dir, std::string& error) {
    if (!fs::exists(dir + "/channels.json")) {
        error = dir + " holds no Attune recording (no channels.json)";
        return false;
    }
    if (!write_edf(dir, error)) return false;
    if (fs::exists(dir + "/summary.json")) return true;
    json summary;
    summary["recovered"] = true;
    double duration = 0.0;
    for (std::size_t p = 0; p < signal::kPartnerCount; ++p) {
        std::ifstream in(dir + "/" + letter(p) + "_seconds.csv");
        std::string line;
        std::getline(in, line);
        double hr_sum = 0.0, hr_n = 0.0;
        std::array<double, 3> states{};
        while (std::getline(in, line)) {
            const auto f = split_csv(line);
            if (f.size() < 9) continue;
            duration = std::max(duration, std::strtod(f[0].c_str(), nullptr));
            const double hr = std::strtod(f[1].c_str(), nullptr);
            if (hr > 0.0) { hr_sum += hr; hr_n += 1.0; }
            states[f[8] == "high" ? 2 : f[8] == "rising" ? 1 : 0] += 1.0;
        }
        summary["partners"][letter(p)] = {{"mean_hr_bpm", hr_n > 0 ? hr_sum / hr_n : 0.0},
                                          {"seconds_calm", states[0]},
                                          {"seconds_rising", states[1]},
                                          {"seconds_high", states[2]}};
    }
    summary["duration_s"] = duration;
    auto out = open_private(dir + "/summary.json");
    out << summary.dump(2) << '\n';
    return static_cast<bool>(out);
}

bool write_session_config(const std::string& dir, const EngineConfig& config) {
    json j;
    j["seed"] = config.sim.seed;
    j["tick_s"] = config.tick_s;
    j["simulated_answers_s"] = config.simulated_answers_s ? json(*config.simulated_answers_s) : json(nullptr);
    j["pause_at_s"] = config.pause_at_s ? json(*config.pause_at_s) : json(nullptr);
    j["pacer_from_protocol"] = config.pacer_from_protocol;
    j["pacer"] = {{"breaths_per_min", config.pacer.breaths_per_min},
                  {"inhale_fraction", config.pacer.inhale_fraction},
                  {"hold_fraction", config.pacer.hold_fraction}};
    j["protocol_name"] = config.protocol.name;
    j["protocol_source"] = config.protocol.source;
    j["devices"] = {config.device_specs[0], config.device_specs[1]};
    j["partner_names"] = {config.profiles[0].name, config.profiles[1].name};
    bool ok = true;
    // The protocol's own text travels with the recording: the file may change or move later.
    std::error_code ec;
    if (!config.protocol.source.empty() && fs::is_regular_file(config.protocol.source, ec)) {
        std::ifstream in(config.protocol.source);
        std::stringstream text;
        text << in.rdbuf();
        auto out = open_private(dir + "/protocol.toml");
        out << text.str();
        ok = ok && static_cast<bool>(out);
        j["protocol_file"] = "protocol.toml";
    }
    auto out = open_private(dir + "/session.json");
    out << j.dump(2) << '\n';
    return ok && static_cast<bool>(out);
}

bool read_session_config(const std::string& dir, EngineConfig& config, std::string& error) {
    std::ifstream in(dir + "/session.json");
    if (!in) {
        error = dir + " has no session.json (recorded before it existed): replaying with default settings";
        return false;
    }
    try {
        const json j = json::parse(in);
        config.sim.seed = j.value("seed", config.sim.seed);
        config.tick_s = j.value("tick_s", config.tick_s);
        config.simulated_answers_s.reset();
        if (j.contains("simulated_answers_s") && j["simulated_answers_s"].is_number())
            config.simulated_answers_s = j["simulated_answers_s"].get<double>();
        config.pause_at_s.reset();
        if (j.contains("pause_at_s") && j["pause_at_s"].is_number()) config.pause_at_s = j["pause_at_s"].get<double>();
        config.pacer_from_protocol = j.value("pacer_from_protocol", true);
        const auto names = recorded_partner_names(dir);
        for (std::size_t p = 0; p < signal::kPartnerCount; ++p) config.profiles[p].name = names[p];
        if (j.contains("pacer")) {
            config.pacer.breaths_per_min = j["pacer"].value("breaths_per_min", config.pacer.breaths_per_min);
            config.pacer.inhale_fraction = j["pacer"].value("inhale_fraction", config.pacer.inhale_fraction);
            config.pacer.hold_fraction = j["pacer"].value("hold_fraction", config.pacer.hold_fraction);
        }
        if (j.contains("protocol_file")) {
            std::ifstream pin(dir + "/" + j["protocol_file"].get<std::string>());
            std::stringstream text;
            text << pin.rdbuf();
            config.protocol = parse_protocol(text.str(), j.value("protocol_source", std::string("protocol.toml")));
        } else {
            config.protocol = default_protocol();
        }
    } catch (const std::exception& e) {
        error = dir + "/session.json or protocol.toml is damaged: " + e.what();
        return false;
    }
    return true;
}

std::vector<std::string> recover_unfinished(const std::string& base_dir) {
    std::vector<std::string> recovered;
    std::error_code ec;
    if (!fs::is_directory(base_dir, ec)) return recovered;
    for (const auto& entry : fs::directory_iterator(base_dir, ec)) {
        const std::string d = entry.path().string();
        if (!entry.is_directory() || !fs::exists(d + "/channels.json") || fs::exists(d + "/session.edf")) continue;
        std::string error;
        if (recover_recording(d, error)) recovered.push_back(d);
    }
    return recovered;
}

}  // namespace attune::session
