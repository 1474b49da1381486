// The built-in heart stage of `attune analyze`: ECG R peaks (Pan-Tompkins 1985), PPG pulses
// (Elgendi 2013) and/or device RR intervals -> beats files, the base timeline columns
// (hr_bpm, rmssd_ms, coherence, quality) and hrv.json.
//
// Per source: detector -> beats file + live trackers (heart rate, RR cleaning, rolling HRV,
// coherence) advanced second by second, and the whole-record HRV of hrv.json (Lipponen
// cleaning in overlapping windows, running sums, a streaming Welch spectrum, a coherence
// summary): constant memory for any length. The timeline uses the first source present in the
// order ECG, PPG, RR.
//
// [SECTION] Helpers   [SECTION] BeatTrack   [SECTION] HeartStage   [SECTION] hrv.json
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <deque>
#include <fstream>
#include <nlohmann/json.hpp>

#include "attune/session/analyze.hpp"
#include "attune/signal/ecg_peaks.hpp"
#include "attune/signal/heart_rate.hpp"
#include "attune/signal/hrv.hpp"
#include "attune/signal/ppg_peaks.hpp"
#include "attune/signal/rr_cleaning.hpp"
#include "attune/signal/rr_input.hpp"

namespace attune::session {

namespace {

using signal::Beat;
using signal::BeatQuality;

// [SECTION] Helpers --------------------------------------------------------------------------

// Row times of the recent rows, to turn a detector's fractional sample index into the time of
// the `--time` column (devices whose rate drifts). Covers the detectors' longest delay.
class TimeMap {
public:
    TimeMap(double fs_hz, bool enabled) : fs_(fs_hz), enabled_(enabled) {
        if (!enabled) return;
        std::size_t n = 1;
        while (static_cast<double>(n) < fs_hz * 16.0) n <<= 1;
        times_.assign(n, 0.0);
    }
    void add(std::uint64_t index, double t) noexcept {
        if (enabled_) times_[index & (times_.size() - 1)] = t;
        count_ = index + 1;
    }
    // Time of (fractional) sample s.
    double at(double s) const noexcept {
        if (!enabled_) return s / fs_;
        if (s < 0.0) s = 0.0;
        const auto i = static_cast<std::uint64_t>(s);
        const double frac = s - static_cast<double>(i);
        const std::uint64_t oldest = count_ > times_.size() ? count_ - times_.size() : 0;
        if (i < oldest || i >= count_) return s / fs_;  // outside the window: nominal rate
        const double t0 = times_[i & (times_.size() - 1)];
        if (i + 1 >= count_) return t0;
        const double t1 = times_[(i + 1) & (times_.size() - 1)];
        return t0 + (t1 - t0) * frac;
    }

private:
    double fs_;
    bool enabled_;
    std::vector<double> times_;
    std::uint64_t count_ = 0;
};

// DIR/<source>_beats.csv (and <source>_rejected.csv): time_s,rr_ms,quality
class BeatsFile {
public:
    explicit BeatsFile(const std::filesystem::path& path) : path_(path) {
        file_ = std::fopen(path.c_str(), "wb");
        if (!file_) throw AnalyzeError("cannot write " + path.string());
        std::fputs("time_s,rr_ms,quality\n", file_);
    }
    ~BeatsFile() {
        if (file_) std::fclose(file_);
    }
    BeatsFile(const BeatsFile&) = delete;
    BeatsFile& operator=(const BeatsFile&) = delete;
    void write(const Beat& b) {
        std::fprintf(file_, "%.4f,%.1f,%s\n", b.time_s, b.rr_ms, std::string(signal::to_string(b.quality)).c_str());
    }
    void close() {
        if (file_ && std::fclose(file_) != 0) {
            file_ = nullptr;
            throw AnalyzeError("error writing " + path_.string());
        }
        file_ = nullptr;
    }

private:
    std::filesystem::path path_;
    std::FILE* file_ = nullptr;
};

// Per-second signal quality index from the ECG detector, keyed by second (a small ring).
class SecondQualityRing {
public:
    void put(std::int64_t second, double sqi) {
        Slot& s = slots_[static_cast<std::size_t>(second) % slots_.size()];
        if (s.second != second) s = {second, sqi};
        else s.sqi = std::min(s.sqi, sqi);
    }
    double get(std::int64_t second) const {
        const Slot& s = slots_[static_cast<std::size_t>(second) % slots_.size()];
        return s.second == second ? s.sqi : kMissing;
    }

private:
    struct Slot {
        std::int64_t second = -1;
        double sqi = kMissing;
    };
    std::array<Slot, 64> slots_{};
};

// [SECTION] BeatTrack ------------------------------------------------------------------------

// Everything kept about one beat source.
class BeatTrack {
public:
    // A waveform source (ECG, PPG) writes the candidates its detector rejected as artifacts
    // to their own file: they are not beats, so the beats file holds beats only and can be
    // scored as it is. A device RR list keeps every interval in its file (flagged), row for row.
    BeatTrack(BeatSource source, const std::filesystem::path& beats_path,
              std::optional<std::filesystem::path> rejected_path = std::nullopt)
        : source_(source), file_(beats_path) {
        if (rejected_path) rejected_file_.emplace(*rejected_path);
    }
    BeatSource source() const { return source_; }

    void add(const Beat& b) {
        if (b.quality == BeatQuality::Artifact && rejected_file_) rejected_file_->write(b);
        else file_.write(b);
        for (const auto& nn : whole_cleaner_.push(b)) feed_whole(nn);
        pending_.push_back(b);
        switch (b.quality) {
            case BeatQuality::Good: ++good_; break;
            case BeatQuality::Doubtful: ++doubtful_; break;
            case BeatQuality::Artifact: ++artifact_; break;
        }
    }
    // Feed the live trackers every beat before time t.
    void advance_to(double t) {
        while (!pending_.empty() && pending_.front().time_s < t) {
            feed(pending_.front());
            pending_.pop_front();
        }
    }
    void flush_trackers() {
        advance_to(std::numeric_limits<double>::infinity());
        for (const auto& nn : cleaner_.finish()) feed_nn(nn);
        for (const auto& nn : whole_cleaner_.finish()) feed_whole(nn);
    }
    double hr_bpm(double t) const {
        const double bpm = hr_.at(t).smoothed_bpm;
        return bpm > 0.0 ? bpm : kMissing;
    }
    double rmssd_ms(double t) const {
        if (last_nn_time_ < t - kStaleS) return kMissing;
        const auto m = rolling_.metrics();
        return m.valid ? m.rmssd_ms : kMissing;
    }
    double coherence(double t) const {
        const auto& c = coherence_.latest();
        return c.valid && c.time_s >= t - kStaleS ? c.ratio : kMissing;
    }
    // Quality for sources without a waveform index: the last beat's flag, if recent.
    double beat_quality(double t) const {
        if (last_fed_time_ < t - 3.0) return 0.0;
        return last_fed_quality_ == BeatQuality::Good ? 1.0 : last_fed_quality_ == BeatQuality::Doubtful ? 0.5 : 0.0;
    }
    void close_file() {
        file_.close();
        if (rejected_file_) rejected_file_->close();
    }
    // Beats (good + doubtful); rejected candidates and implausible intervals are not beats.
    std::size_t beats() const { return good_ + doubtful_; }
    // Whole-record figures (complete after flush_trackers()).
    const signal::RrArtifactCounts& artifact_counts() const { return whole_cleaner_.counts(); }
    signal::WholeRecordHrv& whole() { return whole_; }
    std::size_t coherence_windows() const { return coherence_windows_; }
    double coherence_mean() const { return coherence_windows_ ? coherence_sum_ / static_cast<double>(coherence_windows_) : NAN; }
    double coherence_max() const { return coherence_windows_ ? coherence_max_ : NAN; }
    std::size_t good() const { return good_; }
    std::size_t doubtful() const { return doubtful_; }
    std::size_t artifact() const { return artifact_; }

private:
    static constexpr double kStaleS = 10.0;  // no new interval for this long: value unknown

    void feed(const Beat& b) {
        hr_.push(b);
        last_fed_time_ = b.time_s;
        last_fed_quality_ = b.quality;
        for (const auto& nn : cleaner_.push(b)) feed_nn(nn);
    }
    void feed_nn(const signal::NnInterval& nn) {
        rolling_.push(nn.time_s, nn.nn_ms, nn.continuous);
        coherence_.push(nn.time_s, nn.nn_ms);
        last_nn_time_ = nn.time_s;
    }
    // The whole-record series (as coherence_series() over it).
    void feed_whole(const signal::NnInterval& nn) {
        whole_.push(nn.time_s, nn.nn_ms, nn.continuous);
        if (const auto c = whole_coherence_.push(nn.time_s, nn.nn_ms); c && c->valid) {
            ++coherence_windows_;
            coherence_sum_ += c->ratio;
            coherence_max_ = std::max(coherence_max_, c->ratio);
        }
    }

    BeatSource source_;
    BeatsFile file_;
    std::optional<BeatsFile> rejected_file_;
    std::deque<Beat> pending_;
    std::size_t good_ = 0, doubtful_ = 0, artifact_ = 0;
    signal::HeartRateTracker hr_;
    signal::RrCleaner cleaner_;
    signal::RollingHrv rolling_;
    signal::CoherenceTracker coherence_;
    signal::ChunkedLipponen2019 whole_cleaner_;
    signal::WholeRecordHrv whole_;
    signal::CoherenceTracker whole_coherence_;
    std::size_t coherence_windows_ = 0;
    double coherence_sum_ = 0.0, coherence_max_ = 0.0;
    double last_nn_time_ = -1e300, last_fed_time_ = -1e300;
    BeatQuality last_fed_quality_ = BeatQuality::Artifact;
};

nlohmann::json metric(double value, const char* unit) {
    if (!std::isfinite(value)) return {{"value", nullptr}, {"unit", unit}};
    return {{"value", value}, {"unit", unit}};
}

// [SECTION] hrv.json -------------------------------------------------------------------------

// Whole-record figures, computed as the beats stream (see BeatTrack::feed_whole).
nlohmann::json hrv_report(BeatTrack& track, double duration_s, std::size_t unreadable_s) {
    nlohmann::json j;
    j["beats"] = track.beats();
    j["beats_good"] = track.good();
    j["beats_doubtful"] = track.doubtful();
    j["beats_artifact"] = track.artifact();  // not beats: <source>_rejected.csv / flagged RR rows
    j["duration_s"] = duration_s;
    if (track.source() == BeatSource::Ecg) j["unreadable_s"] = unreadable_s;
    const auto& c = track.artifact_counts();
    j["corrected_artifacts"] = c.total();
    j["artifacts"] = {{"ectopic", c.ectopic}, {"long", c.long_},   {"short", c.short_},
                      {"missed", c.missed},   {"extra", c.extra}, {"implausible", c.implausible}};
    j["nn_intervals"] = track.whole().count();
    j["method"] = {{"rr_cleaning", "lipponen2019"},
                   {"frequency", "4 Hz cubic spline + detrend + Welch (Hann, 256 s, 50 %)"},
                   {"coherence", "HeartMath-style, 64 s window every 5 s"}};

    const auto t = track.whole().time_domain();
    nlohmann::json td;
    td["mean_nn"] = metric(t.valid ? t.mean_nn_ms : NAN, "ms");
    td["sdnn"] = metric(t.valid ? t.sdnn_ms : NAN, "ms");
    td["rmssd"] = metric(t.valid ? t.rmssd_ms : NAN, "ms");
    td["sdsd"] = metric(t.valid ? t.sdsd_ms : NAN, "ms");
    td["pnn50"] = metric(t.valid ? t.pnn50_pct : NAN, "%");
    td["pnn20"] = metric(t.valid ? t.pnn20_pct : NAN, "%");
    td["mean_hr"] = metric(t.valid ? t.mean_hr_bpm : NAN, "bpm");
    j["time_domain"] = td;

    const auto f = track.whole().frequency();
    nlohmann::json fd;
    fd["vlf_power"] = metric(f.valid ? f.vlf_ms2 : NAN, "ms^2");
    fd["lf_power"] = metric(f.valid ? f.lf_ms2 : NAN, "ms^2");
    fd["hf_power"] = metric(f.valid ? f.hf_ms2 : NAN, "ms^2");
    fd["total_power"] = metric(f.valid ? f.total_ms2 : NAN, "ms^2");
    fd["lf_hf"] = metric(f.valid ? f.lf_hf : NAN, "ratio");
    fd["lf_nu"] = metric(f.valid ? f.lf_nu : NAN, "n.u.");
    fd["hf_nu"] = metric(f.valid ? f.hf_nu : NAN, "n.u.");
    fd["vlf_peak"] = metric(f.valid ? f.vlf_peak_hz : NAN, "Hz");
    fd["lf_peak"] = metric(f.valid ? f.lf_peak_hz : NAN, "Hz");
    fd["hf_peak"] = metric(f.valid ? f.hf_peak_hz : NAN, "Hz");
    j["frequency_domain"] = fd;

    j["coherence"] = {{"mean", metric(track.coherence_mean(), "ratio")},
                      {"max", metric(track.coherence_max(), "ratio")},
                      {"windows", track.coherence_windows()}};
    return j;
}

// [SECTION] HeartStage -----------------------------------------------------------------------

class HeartStage final : public AnalysisStage {
public:
    explicit HeartStage(const AnalyzeOptions& o)
        : fs_(o.fs_hz), times_(o.fs_hz, !o.time_column.empty()) {}

    void begin(StageContext& ctx) override {
        const auto& o = ctx.options();
        if (o.has_column("ecg")) {
            ecg_in_ = ctx.input(o.column("ecg"));
            try {
                ecg_.emplace(fs_);
                ecg_block_len_ = std::clamp<std::size_t>(static_cast<std::size_t>(kEcgBlockS * fs_), 1, ecg_block_.size());
            } catch (const std::invalid_argument&) {
                throw AnalyzeError("--ecg needs --fs within 100..4000 Hz");
            }
            ecg_track_.emplace(BeatSource::Ecg, ctx.output_path("ecg_beats.csv"), ctx.output_path("ecg_rejected.csv"));
        }
        if (o.has_column("ppg")) {
            ppg_in_ = ctx.input(o.column("ppg"));
            try {
                ppg_.emplace(signal::Hz{fs_});
            } catch (const std::invalid_argument&) {
                throw AnalyzeError("--ppg needs --fs within 25..500 Hz");
            }
            ppg_track_.emplace(BeatSource::Ppg, ctx.output_path("ppg_beats.csv"), ctx.output_path("ppg_rejected.csv"));
        }
        if (o.has_column("rr")) {
            rr_in_ = ctx.input(o.column("rr"));
            rr_track_.emplace(BeatSource::Rr, ctx.output_path("rr_beats.csv"));
        }
        ctx_ = &ctx;
        hr_col_ = ctx.timeline_column("hr_bpm");
        rmssd_col_ = ctx.timeline_column("rmssd_ms");
        coherence_col_ = ctx.timeline_column("coherence");
        quality_col_ = ctx.timeline_column("quality");
        out_dir_ = o.out_dir;
    }

    void on_row(const InputRow& row) override {
        times_.add(row.index, row.time_s);
        last_time_ = row.time_s;
        if (ecg_) push_ecg(row.value(*ecg_in_));
        if (ppg_) push_ppg(row.value(*ppg_in_));
        if (rr_in_) push_rr(row.value(*rr_in_));
    }

    std::optional<double> horizon_s() const override {
        if (!ecg_ && !ppg_ && rr_in_) return rr_time_;  // RR-only input runs on beat time
        return std::nullopt;
    }

    void finish_input() override {
        flush_ecg();
        if (ecg_ && ecg_->finish()) take_ecg();
        if (ppg_)
            if (auto p = ppg_->finish()) add_pulse(*p);
        for (BeatTrack* t : tracks()) t->flush_trackers();
    }

    void on_second(TimelineRow& row) override {
        flush_ecg();
        const double end = static_cast<double>(row.second) + 1.0;
        BeatTrack* primary = nullptr;
        for (BeatTrack* t : tracks()) {
            t->advance_to(end);
            if (!primary) primary = t;
        }
        if (!primary) return;
        row.set(hr_col_, primary->hr_bpm(end));
        row.set(rmssd_col_, primary->rmssd_ms(end));
        row.set(coherence_col_, primary->coherence(end));
        row.set(quality_col_, ecg_ ? ecg_quality_.get(row.second) : primary->beat_quality(end));
    }

    void finish() override {
        nlohmann::json j;
        const char* primary = ecg_track_ ? "ecg" : ppg_track_ ? "ppg" : "rr";
        j["source"] = primary;
        j["duration_s"] = duration();
        for (BeatTrack* t : tracks()) {
            t->close_file();
            j[std::string(to_string(t->source()))] = hrv_report(*t, duration(), unreadable_s_);
        }
        const auto path = out_dir_ / "hrv.json";
        std::ofstream out(path);
        out << j.dump(2) << "\n";
        if (!out) throw AnalyzeError("error writing " + path.string());
    }

private:
    std::vector<BeatTrack*> tracks() {
        std::vector<BeatTrack*> v;
        if (ecg_track_) v.push_back(&*ecg_track_);
        if (ppg_track_) v.push_back(&*ppg_track_);
        if (rr_track_) v.push_back(&*rr_track_);
        return v;
    }
    double duration() const { return rr_in_ && !ecg_ && !ppg_ ? rr_time_ : last_time_ + (times_enabled() ? 0.0 : 1.0 / fs_); }
    bool times_enabled() const { return !ctx_->options().time_column.empty(); }

    // ECG samples go to the detector in blocks (its fast path) of at most kEcgBlockS: beats
    // reach the other stages at most that much later, well inside their histories (the
    // ECG-derived breathing keeps 3 s), and every block is flushed before a timeline second.
    static constexpr double kEcgBlockS = 0.1;
    void push_ecg(double v) {
        ecg_block_[ecg_block_n_++] = static_cast<float>(v);
        if (ecg_block_n_ >= ecg_block_len_) flush_ecg();
    }
    void flush_ecg() {
        if (!ecg_ || ecg_block_n_ == 0) return;
        ecg_->push_block(std::span<const float>(ecg_block_.data(), ecg_block_n_),
                         [this](const signal::Pantompkins1985&) { take_ecg(); });
        ecg_block_n_ = 0;
    }
    void take_ecg() {
        for (Beat b : ecg_->ready_beats()) add_beat(*ecg_track_, BeatSource::Ecg, b);
        for (const auto& q : ecg_->ready_quality_all()) {
            // Place the block on the row clock by its first sample.
            const double start = times_.at(std::ceil(static_cast<double>(q.second) * fs_));
            const auto second = static_cast<std::int64_t>(std::floor(start + 1e-6));
            ecg_quality_.put(second, q.sqi);
            if (q.sqi <= 0.0f) ++unreadable_s_;
        }
    }
    void push_ppg(double v) {
        // A lost PPG sample holds the last value (the Elgendi detector expects finite input).
        if (std::isfinite(v)) last_ppg_ = v;
        if (auto p = ppg_->push(static_cast<float>(last_ppg_))) add_pulse(*p);
    }
    void add_pulse(const signal::PpgPulse& p) { add_beat(*ppg_track_, BeatSource::Ppg, p.beat()); }
    void push_rr(double rr_ms) {
        if (!std::isfinite(rr_ms)) return;  // sparse RR column: empty cells between beats
        if (rr_ms <= 0.0) {  // not an interval: a break in the series
            rr_break_ = true;
            return;
        }
        rr_time_ += rr_ms / 1000.0;
        // The live pipeline's plausibility rule: a 300-bpm reading is an artifact.
        const Beat b = signal::beat_from_rr(rr_time_, rr_ms, !rr_break_);
        rr_break_ = false;
        rr_track_->add(b);
        ctx_->publish_beat(BeatSource::Rr, b);
    }
    void add_beat(BeatTrack& track, BeatSource source, Beat b) {
        // Detector times are sample index / fs; with --time they move onto the time column.
        if (times_enabled()) {
            b.time_s = times_.at(b.time_s * fs_);
            if (b.rr_ms > 0.0 && last_beat_time_[static_cast<int>(source)] >= 0.0)
                b.rr_ms = (b.time_s - last_beat_time_[static_cast<int>(source)]) * 1000.0;
        }
        last_beat_time_[static_cast<int>(source)] = b.time_s;
        track.add(b);
        ctx_->publish_beat(source, b);
    }

    double fs_;
    TimeMap times_;
    StageContext* ctx_ = nullptr;
    std::filesystem::path out_dir_;
    std::optional<InputId> ecg_in_, ppg_in_, rr_in_;
    std::optional<signal::Pantompkins1985> ecg_;
    std::array<float, signal::Pantompkins1985::kChunk> ecg_block_{};
    std::size_t ecg_block_n_ = 0, ecg_block_len_ = 1;
    std::optional<signal::Elgendi2013PpgDetector> ppg_;
    std::optional<BeatTrack> ecg_track_, ppg_track_, rr_track_;
    SecondQualityRing ecg_quality_;
    std::size_t unreadable_s_ = 0;
    double last_ppg_ = 0.0, rr_time_ = 0.0, last_time_ = 0.0;
    bool rr_break_ = true;
    std::array<double, 3> last_beat_time_{-1.0, -1.0, -1.0};
    ColumnId hr_col_ = 0, rmssd_col_ = 0, coherence_col_ = 0, quality_col_ = 0;
};

}  // namespace

StageInfo heart_stage_info() {
    return {"heart",
            100,
            {{"ecg", "ECG column (any unit; R peaks by Pan-Tompkins 1985)"},
             {"ppg", "PPG column (pulses by Elgendi 2013)"},
             {"rr", "RR interval column in ms, one per row (empty cells skipped)"}},
            [](const AnalyzeOptions& o) -> std::unique_ptr<AnalysisStage> {
                if (!o.has_column("ecg") && !o.has_column("ppg") && !o.has_column("rr")) return nullptr;
                return std::make_unique<HeartStage>(o);
            }};
}

}  // namespace attune::session
