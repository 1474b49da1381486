#include "attune/session/partner_pipeline.hpp"

#include "attune/signal/rr_input.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <utility>

namespace attune::session {
namespace {
constexpr double kEcgTraceSeconds = 6.0;
constexpr double kRespTraceSeconds = 30.0;
constexpr std::size_t kHrTraceSeconds = 300;  // 1 Hz
constexpr std::size_t kBeatsKept = 600;       // a few minutes: enough for views and dyad metrics
constexpr double kStaleAfterS = 3.0;

bool finite(double v) { return std::isfinite(v); }

// True when a regular chunk does not continue where the previous one ended.
bool discontinuous(const signal::SampleChunk& chunk, double expected_t) {
    return chunk.gap_before || (expected_t >= 0.0 && std::abs(chunk.t0_s - expected_t) > 2.0 / chunk.rate_hz);
}
}  // namespace

PartnerPipeline::PartnerPipeline(signal::Partner partner, std::string name, signal::ArousalConfig arousal)
    : partner_(partner), name_(std::move(name)), arousal_(arousal), hr_trace_(kHrTraceSeconds) {}

void PartnerPipeline::attach(const std::vector<signal::ChannelSpec>& channels, std::string device_label) {
    channels_ = channels;
    device_ = std::move(device_label);
    for (const auto& c : channels_) {
        if (c.kind == signal::ChannelKind::Ecg && c.rate_hz >= signal::kEcgMinFsHz && !ecg_) {
            ecg_ = std::make_unique<signal::Pantompkins1985>(c.rate_hz);
            ecg_trace_rate_ = c.rate_hz;
            ecg_trace_ = TraceBuffer(static_cast<std::size_t>(c.rate_hz * kEcgTraceSeconds));
        } else if (c.kind == signal::ChannelKind::Respiration && c.rate_hz >= 4.0 && !rsp_) {
            rsp_ = std::make_unique<signal::RspProcessor>(signal::RspConfig{}, signal::Hz{c.rate_hz});
            resp_trace_rate_ = c.rate_hz;
            resp_trace_ = TraceBuffer(static_cast<std::size_t>(c.rate_hz * kRespTraceSeconds));
        }
    }
}

void PartnerPipeline::push(const signal::SampleChunk& chunk) {
    if (chunk.channel >= channels_.size() || chunk.values.empty()) return;
    const auto kind = channels_[chunk.channel].kind;
    switch (kind) {
        case signal::ChannelKind::Ecg: push_ecg(chunk); break;
        case signal::ChannelKind::Respiration: push_resp(chunk); break;
        case signal::ChannelKind::AccX: push_acc(0, chunk); break;
        case signal::ChannelKind::AccY: push_acc(1, chunk); break;
        case signal::ChannelKind::AccZ: push_acc(2, chunk); break;
        case signal::ChannelKind::RrInterval:
            // A strap's RR intervals are beats already (times rebuilt by the driver).
            for (std::size_t i = 0; i < chunk.values.size(); ++i) {
                const double rr = chunk.values[i];
                if (finite(rr)) add_beat(signal::beat_from_rr(chunk.time_of(i), rr, !(chunk.gap_before && i == 0)));
            }
            break;
        case signal::ChannelKind::HeartRate: {
            const double hr = chunk.values.back();
            if (finite(hr) && hr >= 25.0 && hr <= 250.0) {  // a 300-bpm reading is not a heart rate
                device_hr_bpm_ = hr;
                device_hr_t_ = chunk.time_of(chunk.values.size() - 1);
            }
            break;
        }
        default: break;
    }
    last_data_t_ = std::max(last_data_t_, chunk.time_of(chunk.values.size() - 1));
}

void PartnerPipeline::push_ecg(const signal::SampleChunk& chunk) {
    for (float v : chunk.values) ecg_trace_.push(std::isfinite(v) ? v : 0.0f);
    if (!ecg_ || chunk.rate_hz <= 0.0) return;
    if (ecg_next_t_ < 0.0 || discontinuous(chunk, ecg_next_t_)) {
        ecg_->reset();  // never bridge a gap with invented beats: start the detector afresh
        ecg_t0_ = chunk.t0_s;
    }
    for (float v : chunk.values) {
        if (!ecg_->push(v)) continue;
        for (const auto& b : ecg_->ready_beats()) {
            signal::Beat beat = b;
            beat.time_s += ecg_t0_;
            add_beat(beat);
        }
        if (const auto* q = ecg_->ready_quality()) ecg_sqi_ = q->sqi;
    }
    ecg_next_t_ = chunk.t0_s + static_cast<double>(chunk.values.size()) / chunk.rate_hz;
}

void PartnerPipeline::push_resp(const signal::SampleChunk& chunk) {
    for (float v : chunk.values) resp_trace_.push(std::isfinite(v) ? v : 0.0f);
    if (!rsp_ || chunk.rate_hz <= 0.0) return;
    if (rsp_next_t_ >= 0.0 && discontinuous(chunk, rsp_next_t_)) rsp_->reset();
    for (std::size_t i = 0; i < chunk.values.size(); ++i) {
        const double t = chunk.time_of(i);
        rsp_last_t_ = t;
        const auto event = rsp_->push(t, chunk.values[i]);
        if (!event || event->artifact) continue;
        const bool inhale = event->kind == signal::RspEventKind::Inhale;
        new_breaths_.push_back({event->time_s, inhale});
        if (inhale) {
            if (last_inhale_t_ >= 0.0) {
                breath_intervals_.push_back(event->time_s - last_inhale_t_);
                if (breath_intervals_.size() > 6) breath_intervals_.pop_front();
            }
            last_inhale_t_ = event->time_s;
        }
    }
    rsp_next_t_ = chunk.t0_s + static_cast<double>(chunk.values.size()) / chunk.rate_hz;
}

void PartnerPipeline::push_acc(std::size_t axis, const signal::SampleChunk& chunk) {
    acc_last_[axis] = chunk.values.back();
    if (axis != 2) return;  // one magnitude per z sample: the axes arrive together
    for (float z : chunk.values) {
        const double m = std::sqrt(double(acc_last_[0]) * acc_last_[0] + double(acc_last_[1]) * acc_last_[1] +
                                   double(z) * z);
        acc_sum_ += m;
        acc_sum_sq_ += m * m;
        ++acc_count_;
    }
}

void PartnerPipeline::add_beat(const signal::Beat& beat) {
    hr_tracker_.push(beat);
    const bool good = beat.quality == signal::BeatQuality::Good && beat.rr_ms > 0.0;
    if (good) {
        rolling_hrv_.push(beat.time_s, beat.rr_ms, last_beat_t_ >= 0.0);
        coherence_.push(beat.time_s, beat.rr_ms);
    }
    last_beat_t_ = good ? beat.time_s : -1.0;
    beats_.push_back(beat);
    if (beats_.size() > kBeatsKept) beats_.erase(beats_.begin(), beats_.begin() + kBeatsKept / 2);
    new_beats_.push_back(beat);
}

void PartnerPipeline::second_tick(double t) {
    signal::ArousalFeatures f;
    const auto hr = hr_tracker_.at(t);
    const bool device_hr_fresh = device_hr_t_ >= 0.0 && t - device_hr_t_ < kStaleAfterS;
    if (hr.smoothed_bpm > 0.0) f.hr_bpm = hr.smoothed_bpm;
    else if (device_hr_fresh) f.hr_bpm = device_hr_bpm_;
    const auto hrv = rolling_hrv_.metrics();
    if (hrv.valid && hrv.count >= 10) f.rmssd_ms = hrv.rmssd_ms;
    f.heart_quality = ecg_ ? ecg_sqi_ : (finite(f.hr_bpm) ? 1.0 : 0.0);

    double resp_quality = 0.0;
    if (rsp_ && rsp_last_t_ >= 0.0 && t - rsp_last_t_ < kStaleAfterS) {
        resp_quality = rsp_->quality().index;
        if (rsp_->rate_bpm() > 0.0) f.resp_rate_bpm = rsp_->rate_bpm();
        if (rsp_->amplitude() > 0.0) f.resp_depth = rsp_->amplitude();
        if (breath_intervals_.size() >= 3) {
            const double mean = std::accumulate(breath_intervals_.begin(), breath_intervals_.end(), 0.0) /
                                static_cast<double>(breath_intervals_.size());
            double var = 0.0;
            for (double v : breath_intervals_) var += (v - mean) * (v - mean);
            f.resp_irregularity = std::sqrt(var / static_cast<double>(breath_intervals_.size())) / mean;
        }
    }
    f.resp_quality = resp_quality;
    if (acc_count_ > 0) {
        const double mean = acc_sum_ / static_cast<double>(acc_count_);
        movement_mg_ = std::sqrt(std::max(0.0, acc_sum_sq_ / static_cast<double>(acc_count_) - mean * mean));
        acc_sum_ = acc_sum_sq_ = 0.0;
        acc_count_ = 0;
    }
    f.movement_mg = movement_mg_;

    const auto& out = arousal_.update(f);
    second_.time_s = t;
    second_.hr_bpm = finite(f.hr_bpm) ? f.hr_bpm : 0.0;
    second_.rmssd_ms = finite(f.rmssd_ms) ? f.rmssd_ms : 0.0;
    second_.coherence = coherence_.latest().valid ? coherence_.latest().ratio : 0.0;
    second_.resp_rate_bpm = finite(f.resp_rate_bpm) ? f.resp_rate_bpm : 0.0;
    second_.resp_amplitude = finite(f.resp_depth) ? f.resp_depth : 0.0;
    const bool heart_fresh = finite(f.hr_bpm);
    second_.quality = heart_fresh ? std::min(1.0, f.heart_quality) : 0.0;
    second_.arousal = out.level;
    second_.arousal_state = out.state;
    second_.calibrating = out.calibrating;
}

void PartnerPipeline::update(double now_s) {
    now_s_ = now_s;
    while (next_second_ <= now_s) {
        second_tick(next_second_);
        hr_trace_.push(static_cast<float>(second_.hr_bpm));
        next_second_ += 1.0;
    }
}

std::vector<signal::Beat> PartnerPipeline::take_new_beats() { return std::exchange(new_beats_, {}); }
std::vector<BreathRecord> PartnerPipeline::take_new_breaths() { return std::exchange(new_breaths_, {}); }

std::optional<double> PartnerPipeline::resp_phase_angle() const {
    if (!rsp_ || rsp_last_t_ < 0.0 || now_s_ - rsp_last_t_ > kStaleAfterS) return std::nullopt;
    const auto phase = rsp_->phase();
    if (!phase.valid) return std::nullopt;
    return phase.angle_rad;
}

void PartnerPipeline::fill_view(PartnerView& view) const {
    view.name = name_;
    view.device = device_;
    view.link = link_;
    const bool fresh = last_data_t_ >= 0.0 && now_s_ - last_data_t_ < kStaleAfterS;
    view.has_signal = fresh && second_.hr_bpm > 0.0;
    view.hr_bpm = second_.hr_bpm;
    view.rmssd_ms = second_.rmssd_ms;
    view.resp_rate_bpm = second_.resp_rate_bpm;
    if (rsp_) {
        const auto phase = rsp_->phase();
        view.inhaling = phase.valid && phase.inspiration;
        view.resp_size = !phase.valid ? 0.0 : phase.inspiration ? phase.completion : 1.0 - phase.completion;
    }
    view.arousal = second_.arousal;
    view.arousal_state = std::string(signal::to_string(second_.arousal_state));
    view.quality = fresh ? second_.quality : 0.0;
    // A loose strap shows as a gentle hint, never as a number jumping about.
    if (!fresh) view.quality_hint = last_data_t_ < 0.0 ? "waiting for the sensor" : "sensor signal lost";
    else if (second_.hr_bpm <= 0.0) view.quality_hint = "finding the heartbeat";
    else if (second_.quality < 0.5) view.quality_hint = "check the chest strap";
    else if (second_.calibrating) view.quality_hint = "learning your calm baseline";
    else view.quality_hint.clear();
    view.ecg = {ecg_trace_.linear(), ecg_trace_rate_};
    view.resp = {resp_trace_.linear(), resp_trace_rate_};
    view.hr = {hr_trace_.linear(), 1.0};
}

}  // namespace attune::session
