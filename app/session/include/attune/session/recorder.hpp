// Records a session in one private folder (0700, files 0600), crash-safe:
//   channels.json                what each channel file holds (partner, kind, rate, unit)
//   <p>_<kind>.csv               raw samples per partner and channel (time_s,value)
//   events.csv                   every session event (time_s,kind,partner,text)
//   <p>_beats.csv, <p>_breaths.csv, <p>_seconds.csv   derived series
//   session.edf                  EDF+ of every regular raw channel with the events as annotations
//   summary.json                 duration, baselines, means, time per arousal state, pauses...
//   session.json, protocol.toml  the engine settings and protocol text, so a replay runs the same
//   truth_<p>_*.csv              the simulator's ground truth (simulated partners only)
//
// Threads: the observer methods run on the engine thread and only copy into a bounded queue;
// a writer thread of its own drains it and flushes the files at least once a second, so a slow
// or full disk never stalls the session and a killed process loses at most the last second.
// A write error is reported at once (error()) and the session carries on.
// session.edf and summary.json are made by finish(); `recover_recording()` makes them from what
// a killed session left on disk.
#pragma once

#include <array>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "attune/session/engine.hpp"

namespace attune::session {

class Recorder final : public SessionObserver {
public:
    // Throws std::runtime_error when the folder cannot be made or written at all.
    explicit Recorder(std::string dir, std::size_t queue_capacity = 4096);
    ~Recorder() override;

    void on_start(const std::array<bridge::DeviceInfo, signal::kPartnerCount>& devices) override;
    void on_chunk(signal::Partner partner, const signal::SampleChunk& chunk) override;
    void on_event(const SessionEvent& event) override;
    void on_tick(const Snapshot& snapshot) override;
    void on_beats(signal::Partner partner, const std::vector<signal::Beat>& beats) override;
    void on_breaths(signal::Partner partner, const std::vector<BreathRecord>& breaths) override;
    void on_second(signal::Partner partner, const PartnerSecond& second) override;

    // Drains the queue, closes the files, writes summary.json, session.edf and ground truth.
    // Returns false (see error()) when something could not be written.
    bool finish(const Engine& engine);
    const std::string& dir() const { return dir_; }
    // The first write error, empty while all is well. Any thread.
    std::string error() const;
    std::size_t records_dropped() const { return dropped_.load(); }

private:
    struct Line {
        std::size_t file = 0;  // index into files_
        std::string text;      // one or more complete CSV lines
    };
    void enqueue(std::size_t file, std::string text);
    void writer_loop();
    void report(const std::string& message);
    std::size_t add_file(const std::string& name, const std::string& header);

    std::string dir_;
    std::size_t capacity_;
    std::vector<std::string> file_names_;  // set before the writer starts, then read-only
    std::array<std::vector<std::size_t>, signal::kPartnerCount> channel_file_{};
    std::array<std::size_t, signal::kPartnerCount> beats_file_{}, breaths_file_{}, seconds_file_{};
    std::size_t events_file_ = 0;

    mutable std::mutex mutex_;
    std::condition_variable wake_;
    std::deque<Line> queue_;
    bool stopping_ = false;
    std::string error_;
    std::atomic<std::size_t> dropped_{0};
    std::thread writer_;

    // Summary figures, engine thread only.
    double last_tick_s_ = 0.0;
    std::array<std::size_t, signal::kPartnerCount> beat_counts_{}, breath_counts_{};
    std::array<double, signal::kPartnerCount> hr_sum_{}, hr_n_{}, rmssd_sum_{}, rmssd_n_{};
    std::array<std::array<double, 3>, signal::kPartnerCount> state_seconds_{};
    double together_sum_ = 0.0, together_n_ = 0.0;
};

// Writes DIR/session.json (seed, simulated answers, scripted pause, pacer, tick) and
// DIR/protocol.toml (the protocol file's text) at the start of a session: what `attune replay`
// needs to run the protocol exactly as it ran. Returns false when they cannot be written.
bool write_session_config(const std::string& dir, const EngineConfig& config);
// Restores those settings into `config` (devices and speed untouched). A recording without
// session.json (older) replays with the defaults: false with a message in `error`.
bool read_session_config(const std::string& dir, EngineConfig& config, std::string& error);

// Makes session.edf (and summary.json when missing) from the files a session left in DIR.
// Returns false with a message in `error` when DIR holds no recording.
bool recover_recording(const std::string& dir, std::string& error);
// Writes DIR/session.edf from channels.json, the channel CSVs and events.csv.
bool write_edf(const std::string& dir, std::string& error);
// Session folders below BASE that were never finished (no session.edf): recovered in turn.
std::vector<std::string> recover_unfinished(const std::string& base_dir);

}  // namespace attune::session
