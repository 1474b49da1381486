// The session protocol as a state machine (no GUI, no clock of its own): it walks the
// protocol's steps, starts the agreed pause ritual when a partner's arousal rises in a monitored
// step or either partner asks for a pause, waits in recovery until the aroused partner(s) are
// back near their own baseline for a while, checks in, and returns to where it was.
//
// Driven by tick(ProtocolInput) with the session time and one small input per partner (so tests
// script it), and by answers (keys), word picks and clinician controls, each with its time.
// Everything that happens is reported to the event sink (transitions, cues, key presses).
// Shared-screen rule: cues never name a partner; who was aroused goes to the event log only.
//
// Thread rule: one thread (the engine thread) calls everything. Cost: O(1) per tick.
#pragma once

#include <array>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "attune/session/event_log.hpp"
#include "attune/session/pacer.hpp"
#include "attune/session/protocol.hpp"
#include "attune/session/snapshot.hpp"
#include "attune/signal/arousal.hpp"
#include "attune/signal/samples.hpp"

namespace attune::session {

// What the machine needs to know about one partner each tick.
struct PartnerInput {
    signal::ArousalState arousal = signal::ArousalState::Calm;
    bool signal_ok = true;        // sensors give usable data now (false: dropped out / too noisy)
    double resp_rate_bpm = 0.0;   // own breathing rate, 0 = unknown (for converging pacers)
};

struct ProtocolInput {
    double time_s = 0.0;
    std::array<PartnerInput, signal::kPartnerCount> partners;
};

enum class Control { Skip, Hold, Resume, StartPause };

class ProtocolMachine {
public:
    using EventSink = std::function<void(SessionEvent)>;

    ProtocolMachine(Protocol protocol, EventSink sink);

    // The simulated couple answers open questions `delay_s` after they appear (A first, B a
    // second later); for simulation and screenshots only.
    void set_simulated_answers(std::optional<double> delay_s) { simulated_answers_s_ = delay_s; }

    // Advance to input.time_s (monotonic). The first call starts the first step.
    void tick(const ProtocolInput& input);
    // A partner's key: continue / slow down / pause / stop.
    void answer(double t, signal::Partner partner, Answer answer);
    // Toggle one word of the shared vocabulary for a partner (during a words step).
    void pick_word(double t, signal::Partner partner, const std::string& word);
    void add_word(double t, const std::string& word);
    void control(double t, Control control);

    // Read back (what the snapshot shows).
    void fill(Snapshot& snapshot) const;
    const std::string& phase() const { return phase_; }
    bool ended() const { return ended_; }
    bool in_ritual() const { return ritual_index_.has_value(); }
    bool pacer_visible() const;
    const PacerSettings& pacer_settings() const { return pacer_now_; }
    PacerPhase pacer() const { return pacer_shape(pacer_now_, pacer_cycle_); }
    const Step* current_step() const;
    const Protocol& protocol() const { return protocol_; }
    // Who is counted as aroused in the current ritual (for the clinician, never the shared screen).
    const std::array<bool, signal::kPartnerCount>& aroused() const { return aroused_; }

private:
    void emit(double t, std::string kind, std::optional<signal::Partner> partner, std::string text);
    void enter_step(double t);
    void leave_ritual(double t);
    void advance(double t);
    void start_ritual(double t, const std::string& reason);
    void end_session(double t, const std::string& why);
    void check_arousal(const ProtocolInput& input);
    void update_recovery(const ProtocolInput& input, double dt);
    void update_pacer(const ProtocolInput& input, double dt);
    void simulate_answers(double t);
    bool step_time_done() const;
    bool both_continued() const;
    bool halted() const;
    bool slowed() const;
    double planned_s() const;
    PacerSettings step_pacer() const;

    Protocol protocol_;
    EventSink sink_;
    std::optional<double> simulated_answers_s_;

    bool started_ = false, ended_ = false, held_ = false;
    double now_s_ = 0.0;
    std::size_t step_index_ = 0;
    std::optional<std::size_t> ritual_index_;
    double step_start_s_ = 0.0;
    double step_elapsed_s_ = 0.0;        // progress through the step (slower when slowed)
    double interrupted_elapsed_s_ = 0.0; // main step's progress when the ritual began
    std::array<Answer, signal::kPartnerCount> answers_{};
    std::array<std::vector<std::string>, signal::kPartnerCount> picked_;
    std::array<bool, signal::kPartnerCount> aroused_{};
    std::array<bool, signal::kPartnerCount> sensor_out_{};
    std::array<bool, signal::kPartnerCount> sensor_seen_{};
    double recovered_for_s_ = 0.0;       // continuous time the aroused partner(s) were near baseline
    bool recovered_ = false;
    double last_ritual_end_s_ = -1e9;
    std::string phase_ = "starting";
    PacerSettings pacer_now_;
    double pacer_cycle_ = 0.0;           // breaths since the session began (phase continuity)
    double converge_from_bpm_ = 0.0;
};

}  // namespace attune::session
