// The breathing stage of `attune analyze`: see analyze_breathing.hpp for the outputs.
//
// [SECTION] BeltTrack     - RspProcessor over the --resp column, breaths.csv, per-second cells
// [SECTION] DerivedTrack  - DerivedRespProcessor over ECG samples + published beats
// [SECTION] BreathingStage
#include "attune/session/analyze_breathing.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <deque>
#include <fstream>
#include <nlohmann/json.hpp>
#include <numbers>
#include <vector>

#include "attune/signal/rsp.hpp"
#include "attune/signal/rsp_derived.hpp"

namespace attune::session {
namespace {

constexpr double kPi = std::numbers::pi;
constexpr double kSourceBelt = 1.0;
constexpr double kSourceDerived = 2.0;
constexpr double kRateWindowS = 30.0;  // timeline rate: breaths counted over this window

double median_of(std::vector<double> v) {
    if (v.empty()) return kMissing;
    std::sort(v.begin(), v.end());
    const std::size_t m = v.size() / 2;
    return v.size() % 2 ? v[m] : 0.5 * (v[m - 1] + v[m]);
}

// [SECTION] BeltTrack ------------------------------------------------------------------------

class BeltTrack {
public:
    BeltTrack(double fs, const std::filesystem::path& breaths_path)
        : proc_({}, signal::Hz{fs}), breaths_(std::fopen(breaths_path.c_str(), "wb")) {
        if (!breaths_) throw AnalyzeError("cannot write " + breaths_path.string());
        std::fputs("time_s,event\n", breaths_);
    }
    ~BeltTrack() { close(); }
    BeltTrack(const BeltTrack&) = delete;
    BeltTrack& operator=(const BeltTrack&) = delete;

    void add(double t, double x) {
        // Quality of each finished second: its worst sample.
        const auto second = static_cast<std::int64_t>(std::floor(t));
        if (second != current_second_) {
            if (current_second_ >= 0) quality_[slot(current_second_)] = {current_second_, worst_quality_};
            current_second_ = second;
            worst_quality_ = 1.0;
        }
        if (auto e = proc_.push(t, static_cast<float>(x))) {
            std::fprintf(breaths_, "%.3f,%s\n", e->time_s, std::string(signal::to_string(e->kind)).c_str());
            events_.push_back(*e);
            ++event_count_;
            if (e->rate_bpm > 0.0) {
                rate_sum_ += e->rate_bpm;
                ++rate_count_;
            }
        }
        worst_quality_ = std::min(worst_quality_, proc_.quality().index);
    }

    void fill(TimelineRow& row, ColumnId rate, ColumnId amplitude, ColumnId phase, ColumnId quality) {
        const double k = static_cast<double>(row.second);
        while (!events_.empty() && events_.front().time_s < k - 90.0) events_.pop_front();
        std::vector<double> rates, depths, halves;
        const signal::RspEvent* before = nullptr;
        const signal::RspEvent* after = nullptr;
        double last_time = -1e300;
        for (std::size_t i = 0; i < events_.size(); ++i) {
            const auto& e = events_[i];
            if (e.time_s < k + 1.0) {
                if (e.rate_bpm > 0.0) rates.push_back(e.rate_bpm);
                if (e.depth > 0.0) depths.push_back(e.depth);
                if (i > 0) halves.push_back(e.time_s - events_[i - 1].time_s);
                last_time = e.time_s;
            }
            if (e.time_s <= k) before = &e;
            if (e.time_s > k && !after) after = &e;
        }
        // Rate: breaths per minute over the last 30 s (60 x intervals / their total time), the
        // count a clinician would make; the last 4 breaths when fewer intervals are there.
        double recent_intervals = 0.0;
        std::size_t recent_count = 0;
        for (const auto& e : events_)
            if (e.time_s < k + 1.0 && e.time_s >= k + 1.0 - kRateWindowS && e.rate_bpm > 0.0) {
                recent_intervals += 60.0 / e.rate_bpm;
                ++recent_count;
            }
        keep_last(rates, 4);
        const double rate_now = recent_count >= 4 ? 60.0 * static_cast<double>(recent_count) / recent_intervals
                                                  : median_of(rates);
        keep_last(depths, 5);
        keep_last(halves, 8);
        const double half = halves.empty() ? 2.0 : median_of(halves);
        // A rate only while breaths keep coming (not across a long pause or a lost belt).
        if (!rates.empty() && (k + 1.0) - last_time <= std::max(15.0, 6.0 * half))
            row.set(rate, rate_now);
        if (!depths.empty() && (k + 1.0) - last_time <= std::max(15.0, 6.0 * half))
            row.set(amplitude, median_of(depths));
        if (before && after && after->time_s - before->time_s <= 2.5 * half) {
            const double completion = (k - before->time_s) / (after->time_s - before->time_s);
            const double base = before->kind == signal::RspEventKind::Inhale ? 0.0 : kPi;
            row.set(phase, base + kPi * completion);
        }
        const auto& q = quality_[slot(row.second)];
        row.set(quality, q.first == row.second ? q.second : proc_.quality().index);
    }

    void close() {
        if (breaths_) std::fclose(breaths_);
        breaths_ = nullptr;
    }
    std::size_t events() const { return event_count_; }
    double mean_rate_bpm() const { return rate_count_ ? rate_sum_ / static_cast<double>(rate_count_) : 0.0; }

private:
    static void keep_last(std::vector<double>& v, std::size_t n) {
        if (v.size() > n) v.erase(v.begin(), v.end() - static_cast<std::ptrdiff_t>(n));
    }
    static std::size_t slot(std::int64_t second) { return static_cast<std::size_t>(second) % 32; }

    signal::RspProcessor proc_;
    std::FILE* breaths_ = nullptr;
    std::deque<signal::RspEvent> events_;
    std::array<std::pair<std::int64_t, double>, 32> quality_{};
    std::int64_t current_second_ = -1;
    double worst_quality_ = 1.0;
    std::size_t event_count_ = 0, rate_count_ = 0;
    double rate_sum_ = 0.0;
};

// [SECTION] DerivedTrack ---------------------------------------------------------------------

class DerivedTrack {
public:
    DerivedTrack(double ecg_fs) : proc_({}, signal::Hz{ecg_fs}) {}
    void add_ecg(double t, double x) { proc_.push_ecg(t, static_cast<float>(x)); }
    void add_beat(const signal::Beat& b) { proc_.push_beat(b); }
    void fill(TimelineRow& row, ColumnId rate, ColumnId quality) {
        const auto& e = proc_.update(static_cast<double>(row.second) + 1.0);
        if (e.fused.valid) row.set(rate, e.fused.rate_bpm);
        row.set(quality, e.trustworthy ? e.fused.quality : 0.0);
        ++seconds_;
        if (e.trustworthy) {
            ++trusted_;
            trusted_sum_ += e.fused.rate_bpm;
        }
    }
    std::size_t seconds() const { return seconds_; }
    std::size_t trusted() const { return trusted_; }
    double mean_trusted_rate() const { return trusted_ ? trusted_sum_ / static_cast<double>(trusted_) : 0.0; }

private:
    signal::DerivedRespProcessor proc_;
    std::size_t seconds_ = 0, trusted_ = 0;
    double trusted_sum_ = 0.0;
};

// [SECTION] BreathingStage -------------------------------------------------------------------

class BreathingStage final : public AnalysisStage {
public:
    explicit BreathingStage(const AnalyzeOptions& o) : options_(o) {}

    void begin(StageContext& ctx) override {
        const double fs = options_.fs_hz;
        if (options_.has_column("resp")) {
            resp_in_ = ctx.input(options_.column("resp"));
            belt_.emplace(fs, ctx.output_path("breaths.csv"));
        } else {
            if (options_.has_column("ecg")) ecg_in_ = ctx.input(options_.column("ecg"));
            derived_.emplace(ecg_in_ ? fs : 0.0);
            beat_source_ = options_.has_column("ecg")   ? BeatSource::Ecg
                           : options_.has_column("ppg") ? BeatSource::Ppg
                                                        : BeatSource::Rr;
        }
        rate_ = ctx.timeline_column("resp_rate_bpm");
        amplitude_ = ctx.timeline_column("resp_amplitude");
        phase_ = ctx.timeline_column("resp_phase");
        quality_ = ctx.timeline_column("resp_quality");
        source_ = ctx.timeline_column("resp_source");
        json_path_ = ctx.output_path("breathing.json");
    }

    void on_row(const InputRow& row) override {
        if (belt_) belt_->add(row.time_s, row.value(*resp_in_));
        if (derived_ && ecg_in_) derived_->add_ecg(row.time_s, row.value(*ecg_in_));
    }

    void on_beat(BeatSource source, const signal::Beat& beat) override {
        if (derived_ && source == beat_source_) derived_->add_beat(beat);
    }

    void on_second(TimelineRow& row) override {
        if (belt_) {
            belt_->fill(row, rate_, amplitude_, phase_, quality_);
            row.set(source_, kSourceBelt);
        } else {
            derived_->fill(row, rate_, quality_);
            row.set(source_, kSourceDerived);
        }
    }

    void finish() override {
        nlohmann::json j;
        if (belt_) {
            belt_->close();
            j["resp_source"] = "belt";
            j["breath_events"] = belt_->events();
            j["mean_rate_bpm"] = belt_->mean_rate_bpm();
        } else {
            j["resp_source"] = "ecg_rr_derived";
            j["beats_from"] = std::string(to_string(beat_source_));
            j["seconds"] = derived_->seconds();
            j["seconds_trusted"] = derived_->trusted();
            j["mean_trusted_rate_bpm"] = derived_->mean_trusted_rate();
        }
        j["columns"] = {{"resp_rate_bpm", "breaths/min"},
                        {"resp_amplitude", "input units, breath depth (belt only)"},
                        {"resp_phase", "rad, 0 = inhalation onset, pi = exhalation onset (belt only)"},
                        {"resp_quality", "0..1"},
                        {"resp_source", "1 = belt, 2 = ECG/RR-derived"}};
        std::ofstream out(json_path_);
        out << j.dump(2) << "\n";
        if (!out) throw AnalyzeError("cannot write " + json_path_.string());
    }

private:
    AnalyzeOptions options_;
    std::optional<InputId> resp_in_, ecg_in_;
    std::optional<BeltTrack> belt_;
    std::optional<DerivedTrack> derived_;
    BeatSource beat_source_ = BeatSource::Ecg;
    ColumnId rate_ = 0, amplitude_ = 0, phase_ = 0, quality_ = 0, source_ = 0;
    std::filesystem::path json_path_;
};

}  // namespace

std::unique_ptr<AnalysisStage> make_breathing_stage(const AnalyzeOptions& options) {
    if (!options.has_column("resp") && !options.has_column("ecg") && !options.has_column("ppg") &&
        !options.has_column("rr"))
        return nullptr;
    return std::make_unique<BreathingStage>(options);
}

}  // namespace attune::session
