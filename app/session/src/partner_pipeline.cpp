#include "attune/session/partner_pipeline.hpp"

#include <algorithm>
#include <cmath>

namespace attune::session {
namespace {
constexpr double kEcgTraceSeconds = 6.0;
constexpr double kRespTraceSeconds = 30.0;
constexpr double kHrTraceSeconds = 300.0;  // 1 Hz
}  // namespace

PartnerPipeline::PartnerPipeline(signal::Partner partner, std::string name)
    : partner_(partner), name_(std::move(name)), hr_trace_(static_cast<std::size_t>(kHrTraceSeconds)) {}

void PartnerPipeline::attach(const std::vector<signal::ChannelSpec>& channels, std::string device_label) {
    channels_ = channels;
    device_ = std::move(device_label);
    for (const auto& c : channels_) {
        if (c.kind == signal::ChannelKind::Ecg) {
            ecg_trace_rate_ = c.rate_hz;
            ecg_trace_ = TraceBuffer(static_cast<std::size_t>(c.rate_hz * kEcgTraceSeconds));
        } else if (c.kind == signal::ChannelKind::Respiration) {
            resp_trace_rate_ = c.rate_hz;
            resp_trace_ = TraceBuffer(static_cast<std::size_t>(c.rate_hz * kRespTraceSeconds));
        }
    }
}

void PartnerPipeline::push(const signal::SampleChunk& chunk) {
    if (chunk.channel >= channels_.size()) return;
    const auto kind = channels_[chunk.channel].kind;
    for (std::size_t i = 0; i < chunk.values.size(); ++i) {
        const double t = chunk.time_of(i);
        const float v = chunk.values[i];
        if (!std::isfinite(v)) continue;  // corrupt sample: skip rather than poison the filters
        last_data_t_ = std::max(last_data_t_, t);
        if (kind == signal::ChannelKind::Ecg) push_ecg(v, t);
        else if (kind == signal::ChannelKind::Respiration) push_resp(v, t);
        else if (kind == signal::ChannelKind::RrInterval && v > 250.0f && v < 2500.0f)
            beats_.push_back({t, v});
    }
}

void PartnerPipeline::push_ecg(float v, double t) {
    ecg_trace_.push(v);
    const double slope = v - ecg_prev_;
    ecg_prev_ = v;
    const double energy = slope * slope;
    energy_avg_ += (energy - energy_avg_) * 0.002;
    energy_peak_ = std::max(energy_peak_ * 0.9995, energy);
    const bool above = energy > std::max(8.0 * energy_avg_, 0.3 * energy_peak_);
    if (above && t - last_beat_t_ > 0.25) {
        if (candidate_t_ < 0.0 || v > candidate_v_) { candidate_t_ = t; candidate_v_ = v; }
    } else if (candidate_t_ >= 0.0 && t - candidate_t_ > 0.08) {
        const double rr = last_beat_t_ >= 0.0 ? (candidate_t_ - last_beat_t_) * 1000.0 : 0.0;
        beats_.push_back({candidate_t_, rr});
        last_beat_t_ = candidate_t_;
        candidate_t_ = -1.0;
    }
}

void PartnerPipeline::push_resp(float v, double t) {
    resp_trace_.push(v);
    if (!resp_init_) { resp_mean_ = resp_min_ = resp_max_ = v; resp_init_ = true; }
    const double alpha = resp_trace_rate_ > 0.0 ? 1.0 / (resp_trace_rate_ * 10.0) : 0.01;
    resp_mean_ += (v - resp_mean_) * alpha;
    resp_min_ = std::min(v * 1.0, resp_min_ + (resp_max_ - resp_min_) * alpha * 0.2);
    resp_max_ = std::max(v * 1.0, resp_max_ - (resp_max_ - resp_min_) * alpha * 0.2);
    const double dev = v - resp_mean_;
    const double hysteresis = 0.1 * (resp_max_ - resp_min_);
    if (!inhaling_ && dev > hysteresis && resp_prev_dev_ <= hysteresis) {
        inhaling_ = true;
        if (last_inhale_t_ >= 0.0) {
            const double period = t - last_inhale_t_;
            if (period > 1.5 && period < 20.0) {
                const double rate = 60.0 / period;
                resp_rate_bpm_ = resp_rate_bpm_ > 0.0 ? 0.7 * resp_rate_bpm_ + 0.3 * rate : rate;
            }
        }
        last_inhale_t_ = t;
    } else if (inhaling_ && dev < -hysteresis) {
        inhaling_ = false;
    }
    resp_prev_dev_ = dev;
    resp_last_ = v;
}

void PartnerPipeline::update(double now_s) {
    now_s_ = now_s;
    // Heart rate and RMSSD over the beats of the last 30 s with plausible intervals.
    double sum_rr = 0.0, sum_sq = 0.0, prev_rr = 0.0;
    int n = 0, n_diff = 0;
    for (auto it = beats_.rbegin(); it != beats_.rend() && it->time_s > now_s - 30.0; ++it) {
        if (it->rr_ms < 300.0 || it->rr_ms > 2000.0) continue;
        sum_rr += it->rr_ms;
        ++n;
        if (prev_rr > 0.0) { sum_sq += (it->rr_ms - prev_rr) * (it->rr_ms - prev_rr); ++n_diff; }
        prev_rr = it->rr_ms;
    }
    hr_bpm_ = n >= 3 ? 60000.0 / (sum_rr / n) : 0.0;
    rmssd_ms_ = n_diff >= 2 ? std::sqrt(sum_sq / n_diff) : 0.0;
    while (next_hr_sample_t_ <= now_s) {
        hr_trace_.push(static_cast<float>(hr_bpm_));
        next_hr_sample_t_ += 1.0;
    }
    // Bound memory: the live pipeline keeps ten minutes of beats (the recorder keeps them all).
    if (beats_.size() > 2000) beats_.erase(beats_.begin(), beats_.begin() + 1000);
}

void PartnerPipeline::fill_view(PartnerView& view) const {
    view.name = name_;
    view.device = device_;
    view.link = link_;
    const bool fresh = last_data_t_ >= 0.0 && now_s_ - last_data_t_ < 3.0;
    view.has_signal = fresh && hr_bpm_ > 0.0;
    view.hr_bpm = hr_bpm_;
    view.rmssd_ms = rmssd_ms_;
    view.resp_rate_bpm = resp_rate_bpm_;
    const double span = std::max(1e-6, resp_max_ - resp_min_);
    view.resp_size = std::clamp((resp_last_ - resp_min_) / span, 0.0, 1.0);
    view.inhaling = inhaling_;
    view.quality = fresh ? 1.0 : 0.0;
    view.quality_hint = fresh ? "" : "waiting for signal";
    view.ecg = {ecg_trace_.linear(), ecg_trace_rate_};
    view.resp = {resp_trace_.linear(), resp_trace_rate_};
    view.hr = {hr_trace_.linear(), 1.0};
}

}  // namespace attune::session
