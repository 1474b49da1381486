// Accuracy of the ECG R-peak detector on annotated recordings (MIT-BIH Arrhythmia, Noise Stress
// Test) and against a chest strap's own RR intervals (Polar H10). Used by `attune bench
// accuracy`, `attune score-beats` and the accuracy tests, so users can compare detectors too.
#pragma once

#include <filesystem>
#include <span>
#include <string>
#include <vector>

#include "attune/signal/beat_scoring.hpp"
#include "attune/signal/ecg_peaks.hpp"
#include "attune/signal/ppg_peaks.hpp"

namespace attune::session {

// A record in the shared data folder: <name>_ecg.csv (column `column`) + <name>_beats.csv.
struct AnnotatedRecord {
    std::string name;       // e.g. "mitdb_100"
    std::string column;     // ECG column
    double fs_hz = 360.0;
    double required = 0.995;  // required Se and +P (the project's acceptance figure)
};

// The records the project is accepted on: clean/arrhythmic (99.5 %), noisy (97 %), 6 dB (90 %).
std::vector<AnnotatedRecord> standard_ecg_records();

struct RecordScore {
    std::string name;
    signal::BeatScore all;       // every reference beat, every non-artifact detection
    signal::BeatScore readable;  // seconds the quality index calls unreadable excluded
    double duration_s = 0.0;
    double unreadable_s = 0.0;   // seconds with SQI < kReadableSqi
    std::size_t artifact_beats = 0;
};

// SQI below which a second counts as unreadable for the `readable` score.
constexpr float kReadableSqi = 0.5f;

// Loads a numeric CSV column (throws CsvError / std::runtime_error with a clear message).
std::vector<double> load_column(const std::filesystem::path& csv, const std::string& column);
// Reference beat times (s) of <name>_beats.csv: rows with is_beat == 1 when that column exists.
std::vector<double> load_reference_beats(const std::filesystem::path& beats_csv);

RecordScore score_ecg_record(const std::filesystem::path& data_dir, const AnnotatedRecord& record,
                             const signal::EcgPeaksConfig& config = {});
// The same for a signal in memory (reference beat times in s, sorted).
RecordScore score_ecg_signal(const std::string& name, std::span<const float> ecg, double fs_hz,
                             std::span<const double> reference, const signal::EcgPeaksConfig& config = {});

// Noise stress on records without noise (a check that the detector generalises): the
// electrode-motion noise of nstdb 118 (2 x (118e06 - 118e12) over its noisy 80 s) added to
// `record` from its second 60 on, scaled to `snr_db` by the NSTDB definition (signal power =
// median peak-to-peak QRS amplitude^2 / 8). Named "<record>+em<snr>dB".
std::vector<float> nstdb_em_noise(const std::filesystem::path& data_dir);
RecordScore score_noise_stress(const std::filesystem::path& data_dir, const AnnotatedRecord& record,
                               double snr_db, const signal::EcgPeaksConfig& config = {});

// Detected RR against the strap's RR (polar_h10_a_*): beats matched after aligning the strap's
// cumulative RR with the detections; an interval counts when both ends matched.
struct StrapRrComparison {
    signal::BeatScore beats;
    std::size_t intervals = 0;
    std::size_t within_10ms = 0;
    double offset_s = 0.0;  // strap time - detector time
    double fraction_within() const { return intervals ? static_cast<double>(within_10ms) / static_cast<double>(intervals) : 0.0; }
};
StrapRrComparison compare_polar_h10_rr(const std::filesystem::path& data_dir,
                                       const signal::EcgPeaksConfig& config = {});

// PPG pulses against the simultaneous ECG (a PPG has no annotations of its own). The reference is
// the project's R-peak detector on the ECG; a pulse matches the beat it follows by the pulse
// arrival time, 100-600 ms. Only clean segments count: stretches where the ECG reference itself
// is irregular (signal::irregular_reference_spans) are left out, and so are pulses and beats
// flagged as artifacts.
constexpr double kPulseArrivalMinS = 0.1, kPulseArrivalMaxS = 0.6;
struct PpgScore {
    signal::BeatScore beats;
    std::size_t ecg_beats = 0, pulses = 0;      // all the detector found, whole recording
    std::size_t artifact_pulses = 0;            // of those, flagged (inside the window)
    double scored_s = 0.0, excluded_s = 0.0;    // window length and how much of it was left out
};
PpgScore score_ppg_against_ecg(std::span<const float> ppg, double ppg_fs_hz, std::span<const float> ecg,
                               double ecg_fs_hz, signal::TimeSpan window);
// The NeuroKit resting recording (100 Hz), 5-220 s: its own notes put motion after ~220 s.
PpgScore score_neurokit_resting_ppg(const std::filesystem::path& data_dir);

}  // namespace attune::session
