// Writes a session as plain files in one folder: per partner and channel `<letter>_<label>.csv`
// (time_s,value), `events.csv` (time_s,kind,partner,text), and at the end `summary.json` and the
// simulator's ground truth. Private: the folder is 0700, the files 0600.
#pragma once

#include <array>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "attune/session/engine.hpp"

namespace attune::session {

class CsvRecorder final : public SessionObserver {
public:
    explicit CsvRecorder(std::string dir);  // throws std::runtime_error if DIR cannot be made
    ~CsvRecorder() override;

    void on_start(const std::array<bridge::DeviceInfo, signal::kPartnerCount>& devices) override;
    void on_chunk(signal::Partner partner, const signal::SampleChunk& chunk) override;
    void on_event(const SessionEvent& event) override;
    void on_tick(const Snapshot& snapshot) override;
    void on_beats(signal::Partner partner, const std::vector<signal::Beat>& beats) override;

    // Writes summary.json (and ground truth for simulated partners). Call once, at the end.
    void finish(const Engine& engine);
    const std::string& dir() const { return dir_; }

private:
    std::ofstream open_private(const std::string& name);

    std::string dir_;
    std::array<std::vector<std::ofstream>, signal::kPartnerCount> channel_files_;
    std::ofstream events_;
    double last_tick_s_ = 0.0;
    std::array<double, signal::kPartnerCount> hr_sum_{}, hr_seconds_{};
    double next_second_ = 1.0;
    std::array<std::size_t, signal::kPartnerCount> beat_counts_{};
};

}  // namespace attune::session
