// The arousal stage of `attune analyze`: see analyze_arousal.hpp for inputs and outputs.
#include "attune/session/analyze_arousal.hpp"

#include <array>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>

#include "attune/signal/arousal.hpp"

namespace attune::session {
namespace {

bool finite(double v) { return std::isfinite(v); }

// Per-second sums of one input column, for the seconds the timeline has not reached yet
// (the timeline runs kTimelineLagS behind the rows; 32 slots is plenty).
class SecondSums {
public:
    void add(double time_s, double v, bool valid) {
        Slot& s = slot(static_cast<std::int64_t>(std::floor(time_s)));
        ++s.rows;
        if (!valid) return;
        s.sum += v;
        s.sum_sq += v * v;
        ++s.n;
    }
    double mean(std::int64_t second) const {
        const Slot* s = find(second);
        return s && s->n > 0 ? s->sum / static_cast<double>(s->n) : kMissing;
    }
    double sd(std::int64_t second) const {
        const Slot* s = find(second);
        if (!s || s->n < 2) return kMissing;
        const double m = s->sum / static_cast<double>(s->n);
        return std::sqrt(std::max(0.0, s->sum_sq / static_cast<double>(s->n) - m * m));
    }
    double valid_share(std::int64_t second) const {
        const Slot* s = find(second);
        return s && s->rows > 0 ? static_cast<double>(s->n) / static_cast<double>(s->rows) : 0.0;
    }

private:
    struct Slot {
        std::int64_t second = -1;
        double sum = 0.0, sum_sq = 0.0;
        std::size_t n = 0, rows = 0;
    };
    Slot& slot(std::int64_t second) {
        Slot& s = slots_[static_cast<std::size_t>(second) % slots_.size()];
        if (s.second != second) s = Slot{second};
        return s;
    }
    const Slot* find(std::int64_t second) const {
        if (second < 0) return nullptr;
        const Slot& s = slots_[static_cast<std::size_t>(second) % slots_.size()];
        return s.second == second ? &s : nullptr;
    }
    std::array<Slot, 32> slots_{};
};

// Coefficient of variation of the last 30 per-second breathing rates (speech-like breathing).
class RateSpread {
public:
    double push(double rate) {
        values_[next_ % values_.size()] = rate;
        ++next_;
        double sum = 0.0, sum_sq = 0.0;
        std::size_t n = 0;
        for (double v : values_) {
            if (!finite(v)) continue;
            sum += v;
            sum_sq += v * v;
            ++n;
        }
        if (n < values_.size() / 2) return kMissing;
        const double m = sum / static_cast<double>(n);
        return m > 0.0 ? std::sqrt(std::max(0.0, sum_sq / static_cast<double>(n) - m * m)) / m : kMissing;
    }

private:
    std::array<double, 30> values_ = [] {
        std::array<double, 30> a;
        a.fill(kMissing);
        return a;
    }();
    std::size_t next_ = 0;
};

class ArousalStage final : public AnalysisStage {
public:
    void begin(StageContext& ctx) override {
        const AnalyzeOptions& o = ctx.options();
        if (o.has_column("hr")) hr_in_ = ctx.input(o.column("hr"));
        if (o.has_column("acc")) acc_in_ = ctx.input(o.column("acc"));
        has_beats_ = o.has_column("ecg") || o.has_column("ppg") || o.has_column("rr");
        hr_col_ = ctx.timeline_column("hr_bpm");
        rmssd_col_ = ctx.timeline_column("rmssd_ms");
        quality_col_ = ctx.timeline_column("quality");
        resp_rate_col_ = ctx.find_timeline_column("resp_rate_bpm");
        resp_amp_col_ = ctx.find_timeline_column("resp_amplitude");
        resp_quality_col_ = ctx.find_timeline_column("resp_quality");
        arousal_col_ = ctx.timeline_column("arousal");
        state_col_ = ctx.timeline_column("arousal_state");
        out_dir_ = o.out_dir;
        episodes_path_ = ctx.output_path("arousal_episodes.csv");
        episodes_ = std::fopen(episodes_path_.c_str(), "wb");
        if (!episodes_) throw AnalyzeError("cannot write " + episodes_path_.string());
        std::fputs("start_s,end_s,peak\n", episodes_);
    }

    ~ArousalStage() override {
        if (episodes_) std::fclose(episodes_);
    }

    void on_row(const InputRow& row) override {
        if (hr_in_) {
            const double hr = row.value(*hr_in_);
            // Devices send 0 (or nothing) when they have no reading.
            hr_.add(row.time_s, hr, finite(hr) && hr >= 25.0 && hr <= 240.0);
        }
        if (acc_in_) {
            const double a = row.value(*acc_in_);
            acc_.add(row.time_s, a, finite(a));
        }
    }

    void on_second(TimelineRow& row) override {
        const std::int64_t k = row.second;
        signal::ArousalFeatures f;
        f.hr_bpm = row.get(hr_col_);
        f.heart_quality = row.get(quality_col_);
        if (!finite(f.hr_bpm) && hr_in_ && !has_beats_) {
            // HR-only input: the device's own rate, averaged over the second.
            f.hr_bpm = hr_.mean(k);
            f.heart_quality = hr_.valid_share(k);
            row.set(hr_col_, f.hr_bpm);
            row.set(quality_col_, f.heart_quality);
        }
        if (!finite(f.heart_quality)) f.heart_quality = finite(f.hr_bpm) ? 1.0 : 0.0;
        f.rmssd_ms = row.get(rmssd_col_);
        if (resp_rate_col_) {
            f.resp_rate_bpm = row.get(*resp_rate_col_);
            f.resp_irregularity = rate_spread_.push(f.resp_rate_bpm);
        }
        if (resp_amp_col_) f.resp_depth = row.get(*resp_amp_col_);
        if (resp_quality_col_) {
            const double q = row.get(*resp_quality_col_);
            f.resp_quality = finite(q) ? q : 0.0;
        }
        if (acc_in_) f.movement_mg = acc_.sd(k);

        const auto& out = detector_.update(f);
        row.set(arousal_col_, out.index);
        row.set(state_col_, static_cast<double>(static_cast<int>(out.state)));
        if (tracker_.update(static_cast<double>(k), out)) write_episode(tracker_.last());
        ++seconds_;
        last_second_ = k;
    }

    void finish() override {
        if (tracker_.finish(static_cast<double>(last_second_ + 1))) write_episode(tracker_.last());
        if (episodes_) {
            const bool ok = std::fclose(episodes_) == 0;
            episodes_ = nullptr;
            if (!ok) throw AnalyzeError("error writing " + episodes_path_.string());
        }
        write_summary();
    }

private:
    void write_episode(const signal::ArousalEpisodeSpan& e) {
        std::fprintf(episodes_, "%.0f,%.0f,%.3f\n", e.start_s, e.end_s, e.peak);
        ++episode_count_;
    }

    // Adds an "arousal" object to hrv.json (the heart stage wrote it just before, in stage order).
    void write_summary() {
        const auto path = out_dir_ / "hrv.json";
        nlohmann::json j = nlohmann::json::object();
        if (std::ifstream in(path); in) {
            try {
                in >> j;
            } catch (const nlohmann::json::exception&) {
                j = nlohmann::json::object();
            }
        }
        if (!j.is_object()) j = nlohmann::json::object();
        if (!j.contains("source") && hr_in_) j["source"] = "hr";
        const auto& b = detector_.baseline();
        auto value = [](const signal::FeatureBaseline& fb, bool log) -> nlohmann::json {
            if (!fb.valid()) return nullptr;
            return {{"mean", log ? std::exp(fb.mean) : fb.mean}, {log ? "sd_ln" : "sd", fb.sd}};
        };
        const auto& c = detector_.config();
        j["arousal"] = {
            {"features_used", signal::describe_features(detector_.features_seen())},
            {"episodes", episode_count_},
            {"seconds", seconds_},
            {"calibration_s", c.calibration.value},
            {"thresholds", {{"rising_on", c.rising_on}, {"hr_only_rising_on", c.hr_only_rising_on},
                            {"high_on", c.high_on}, {"sensitivity", c.sensitivity}}},
            {"baseline",
             {{"hr_bpm", value(b.hr_bpm, false)},
              {"rmssd_ms", value(b.ln_rmssd, true)},
              {"resp_rate_bpm", value(b.resp_rate_bpm, false)},
              {"resp_depth", value(b.ln_resp_depth, true)}}},
            {"columns", {{"arousal", "index, z units (empty while calibrating)"},
                         {"arousal_state", "0 = calm, 1 = rising, 2 = high"}}}};
        std::ofstream out(path);
        out << j.dump(2) << "\n";
        if (!out) throw AnalyzeError("error writing " + path.string());
    }

    signal::ArousalDetector detector_;
    signal::ArousalEpisodeTracker tracker_;
    std::optional<InputId> hr_in_, acc_in_;
    bool has_beats_ = false;
    SecondSums hr_, acc_;
    RateSpread rate_spread_;
    ColumnId hr_col_ = 0, rmssd_col_ = 0, quality_col_ = 0, arousal_col_ = 0, state_col_ = 0;
    std::optional<ColumnId> resp_rate_col_, resp_amp_col_, resp_quality_col_;
    std::filesystem::path out_dir_, episodes_path_;
    std::FILE* episodes_ = nullptr;
    std::int64_t last_second_ = -1;
    std::size_t episode_count_ = 0;
    std::size_t seconds_ = 0;  // timeline seconds analysed
};

}  // namespace

std::unique_ptr<AnalysisStage> make_arousal_stage(const AnalyzeOptions& o) {
    if (!o.has_column("hr") && !o.has_column("ecg") && !o.has_column("ppg") && !o.has_column("rr"))
        return nullptr;
    return std::make_unique<ArousalStage>();
}

}  // namespace attune::session
